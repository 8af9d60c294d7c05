import assert from 'node:assert/strict';
import { compileSafeRegex, UnsafePatternError } from '../../../src/guard/safeRegex';
import { RedactionMap } from '../../../src/guard/redactionMap';
import { AWS_KEY, OTHER_AWS_KEY, fixture, guardFrom } from './guardTestSupport';

const BASIC = `version: 1
rules:
  - id: keys
    detector: 'secret:*'
    direction: input
    action: redact
  - id: keys-out
    detector: aws-access-key
    direction: output
    action: redact
  - id: emails
    detector: email
    action: warn
  - id: tickets
    pattern: 'SEC-\\d{4}'
    action: block
  - id: env-files
    paths: ['**/.env', 'secrets/**']
    action: block
allowlist:
  - rules: [emails]
    pattern: '[a-z]+@example\\.com'
  - rules: [keys]
    paths: ['test/fixtures/**']
`;

describe('guard scanner', () => {
  it('redacts with typed placeholders that are stable within a request and restores them locally', () => {
    const { guard } = guardFrom(BASIC);
    const prompt = `a = "${AWS_KEY}"\nb = "${OTHER_AWS_KEY}"\nc = "${AWS_KEY}"`;
    const result = guard.scanInput(prompt, { feature: 'chat' });
    assert.equal(result.decision, 'redact');
    assert.equal(
      result.text,
      'a = "<SECRET_1:aws-access-key>"\nb = "<SECRET_2:aws-access-key>"\nc = "<SECRET_1:aws-access-key>"',
    );
    // A second part of the same request (say, the completion suffix) reuses the map and its numbering.
    const suffix = guard.scanInput(`d = "${OTHER_AWS_KEY}"`, {
      feature: 'chat',
      redactions: result.redactions,
    });
    assert.equal(suffix.text, 'd = "<SECRET_2:aws-access-key>"');
    const answer =
      'Rotate <SECRET_2:aws-access-key> first, then <SECRET_1:aws-access-key>; ignore <SECRET_9:aws-access-key>.';
    assert.equal(
      result.redactions.restore(answer),
      `Rotate ${OTHER_AWS_KEY} first, then ${AWS_KEY}; ignore <SECRET_9:aws-access-key>.`,
    );
    assert.equal(result.redactions.restore(result.text), prompt);
  });

  it('never serialises the values held by a redaction map', () => {
    const map = new RedactionMap();
    map.placeholderFor(AWS_KEY, 'SECRET', 'aws-access-key');
    assert.ok(!JSON.stringify(map).includes(AWS_KEY));
    assert.deepEqual(map.placeholders(), ['<SECRET_1:aws-access-key>']);
  });

  it('redacts answers with a marker that restore never turns back into the secret', () => {
    const { guard } = guardFrom(BASIC);
    const redactions = new RedactionMap();
    const result = guard.scanOutput(`use ${AWS_KEY}`, { feature: 'chat', redactions });
    assert.equal(result.text, 'use [REDACTED:aws-access-key]');
    assert.equal(redactions.restore(result.text), 'use [REDACTED:aws-access-key]');
  });

  it('lets the strongest action win and blanks the text of a blocked request', () => {
    const { guard } = guardFrom(BASIC);
    const result = guard.scanInput(`key ${AWS_KEY} for SEC-1234`, { feature: 'chat' });
    assert.equal(result.decision, 'block');
    assert.equal(result.text, '');
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, f.action, f.start, f.end]),
      [
        ['keys', 'redact', 4, 24],
        ['tickets', 'block', 29, 37],
      ],
    );
  });

  it('applies allowlists by pattern and by path', () => {
    const { guard } = guardFrom(BASIC);
    assert.equal(guard.scanInput('mail jane@example.com', { feature: 'chat' }).decision, 'allow');
    assert.equal(guard.scanInput('mail jane@corp.io', { feature: 'chat' }).decision, 'warn');
    assert.equal(
      guard.scanInput(AWS_KEY, { feature: 'chat', filePath: 'test/fixtures/keys.ts' }).decision,
      'allow',
    );
    assert.equal(guard.scanInput(AWS_KEY, { feature: 'chat', filePath: 'src/keys.ts' }).decision, 'redact');
  });

  it('refuses a file by its path before looking at its content', () => {
    const { guard, events } = guardFrom(BASIC);
    const byPath = guard.checkPath('config/.env', { feature: 'completion' });
    assert.equal(byPath.decision, 'block');
    assert.deepEqual(
      byPath.findings.map((f) => [f.ruleId, f.category]),
      [['env-files', 'path']],
    );
    const scanned = guard.scanInput(`TOKEN=${AWS_KEY}`, {
      feature: 'completion',
      filePath: 'secrets/prod.yaml',
    });
    assert.equal(scanned.decision, 'block');
    // Only the path finding: the content (which holds a key) was not scanned.
    assert.deepEqual(
      scanned.findings.map((f) => f.ruleId),
      ['env-files'],
    );
    assert.equal(guard.checkPath('src/env.ts', { feature: 'completion' }).decision, 'allow');
    assert.equal(events.length, 2);
  });

  it('records what would have happened in monitor mode but allows the request unchanged', () => {
    const { guard, events } = guardFrom(fixture('team-monitor.yaml'));
    const text = 'see SEC-0042';
    const result = guard.scanInput(text, { feature: 'chat' });
    assert.equal(result.decision, 'allow');
    assert.equal(result.monitoredDecision, 'block');
    assert.equal(result.text, text);
    assert.deepEqual(
      events.map((e) => [e.ruleId, e.action, e.mode]),
      [['ticket-ids', 'block', 'monitor']],
    );
  });

  it('writes audit events with a salted hash and never the matched value, in events or findings', () => {
    const { guard, events } = guardFrom(BASIC);
    const secrets = [AWS_KEY, 'jane@corp.io', 'SEC-7788'];
    const result = guard.scanInput(`${secrets.join(' and ')}`, { feature: 'tests', filePath: 'src/a.ts' });
    assert.equal(events.length, 3);
    assert.deepEqual(events[0], {
      time: '2025-01-02T03:04:05.000Z',
      ruleId: 'keys',
      category: 'secret',
      direction: 'input',
      action: 'redact',
      feature: 'tests',
      filePath: 'src/a.ts',
      matchHash: events[0]?.matchHash,
      mode: 'enforce',
    });
    assert.match(events[0]?.matchHash ?? '', /^[0-9a-f]{64}$/);
    const shown = JSON.stringify({ events, findings: result.findings, summary: result.summary });
    for (const secret of secrets) assert.ok(!shown.includes(secret), `leaked ${secret}`);
    // Same value, same hash; another salt, another hash.
    guard.scanInput(AWS_KEY, { feature: 'chat' });
    assert.equal(events[3]?.matchHash, events[0]?.matchHash);
    const otherEvents: string[] = [];
    guardFrom(BASIC, {
      audit: { sink: (e) => otherEvents.push(e.matchHash), salt: 'another-salt' },
    }).guard.scanInput(AWS_KEY, {
      feature: 'chat',
    });
    assert.notEqual(otherEvents[0], events[0]?.matchHash);
  });

  it('records the file path on output scans and on streamed answers, as on the input scan', () => {
    const { guard, events } = guardFrom(BASIC);
    guard.scanOutput(`use ${AWS_KEY}`, { feature: 'diagnosis', filePath: 'src/billing.ts' });
    const stream = guard.openOutputStream({ feature: 'chat', filePath: 'src/app/main.ts' });
    // The key arrives split across chunks; the decision is still recorded against the chat's file.
    stream.push(`here: ${AWS_KEY.slice(0, 9)}`);
    stream.push(`${AWS_KEY.slice(9)} done\n`);
    stream.end();
    guard.scanOutput(`and ${OTHER_AWS_KEY}`, { feature: 'chat' });
    assert.deepEqual(
      events.map((e) => [e.ruleId, e.direction, e.feature, e.filePath]),
      [
        ['keys-out', 'output', 'diagnosis', 'src/billing.ts'],
        ['keys-out', 'output', 'chat', 'src/app/main.ts'],
        ['keys-out', 'output', 'chat', undefined],
      ],
    );
    // No path at all rather than an empty one when nothing stands behind the text.
    assert.ok(!('filePath' in (events[2] ?? {})));
  });

  it('runs a catastrophic-backtracking pattern in linear time and finds nothing', () => {
    const { guard, issues } = guardFrom(
      'version: 1\nrules:\n  - id: evil\n    pattern: "(a+)+$"\n    direction: both\n    action: block\n',
    );
    assert.deepEqual(issues, []);
    const input = `${'a'.repeat(100_000)}!`;
    const result = guard.scanInput(input, { feature: 'chat' });
    assert.equal(result.decision, 'allow');
    assert.deepEqual(result.findings, []);
    assert.deepEqual(compileSafeRegex('(x+x+)+y').findAll('x'.repeat(50_000)), []);
  });

  it('rejects backreferences and lookaround with an error that names the construct', () => {
    assert.throws(() => compileSafeRegex('(a)\\1'), UnsafePatternError);
    assert.throws(() => compileSafeRegex('(?<=x)y'), /not a valid RE2 expression/);
  });

  it('refuses out-of-scope chat questions but not engineering ones', () => {
    const { guard } = guardFrom(fixture('bank-organisation.yaml'));
    const offTopic = guard.scanInput('What are the best mortgage rates this week and a recipe for dinner?', {
      feature: 'chat',
    });
    assert.equal(offTopic.decision, 'block');
    assert.deepEqual(
      offTopic.findings.map((f) => [f.ruleId, f.category]),
      [['scope', 'scope']],
    );
    assert.equal(
      guard.scanInput('Why does this Python function throw a KeyError?', { feature: 'chat' }).decision,
      'allow',
    );
    assert.equal(
      guard.scanInput('Write a recipe parser class in TypeScript', { feature: 'chat' }).decision,
      'allow',
    );
    // The scope rule only covers the features it names.
    assert.equal(guard.scanInput('best recipe for dinner', { feature: 'completion' }).decision, 'allow');
  });

  it('asks an injected moderation endpoint with the redacted prompt', async () => {
    const seen: string[] = [];
    const policy = `version: 1
rules:
  - id: keys
    detector: aws-access-key
    action: redact
scope:
  action: block
  moderation:
    url: http://127.0.0.1:9/moderate
    onError: block
`;
    const flagged = guardFrom(policy, {
      moderator: (request) => {
        seen.push(request.text);
        return Promise.resolve({ flagged: request.text.includes('forbidden'), categories: ['harassment'] });
      },
    });
    const ok = await flagged.guard.scanInputWithModeration(`deploy with ${AWS_KEY}`, { feature: 'chat' });
    assert.equal(ok.decision, 'redact');
    assert.deepEqual(seen, ['deploy with <SECRET_1:aws-access-key>']);
    const refused = await flagged.guard.scanInputWithModeration('something forbidden', { feature: 'chat' });
    assert.equal(refused.decision, 'block');
    assert.match(refused.findings[0]?.message ?? '', /harassment/);
    const down = guardFrom(policy, { moderator: () => Promise.reject(new Error('ECONNREFUSED')) });
    const unavailable = await down.guard.scanInputWithModeration('how do I sort a list', { feature: 'chat' });
    assert.equal(unavailable.decision, 'block');
    assert.equal(unavailable.findings[0]?.ruleId, 'scope.moderation-unavailable');
  });
});
