import assert from 'node:assert/strict';
import type { Guard } from '../../../src/guard/scanTypes';
import type { StreamNotice } from '../../../src/guard/streamScanner';
import { AWS_KEY, guardFrom } from './guardTestSupport';

const POLICY = `version: 1
rules:
  - id: keys
    detector: aws-access-key
    direction: output
    action: redact
  - id: private-keys
    detector: pem-private-key
    direction: output
    action: block
  - id: codenames
    keywords: [Project Falcon]
    direction: output
    action: redact
  - id: cards
    pattern: '\\b\\d{4} \\d{4} \\d{4} \\d{4}\\b'
    direction: output
    action: redact
`;

function stream(
  guard: Guard,
  chunks: readonly string[],
): { text: string; notices: StreamNotice[]; blocked: boolean } {
  const scanner = guard.openOutputStream({ feature: 'chat' });
  let text = '';
  const notices: StreamNotice[] = [];
  for (const chunk of chunks) {
    const step = scanner.push(chunk);
    text += step.text;
    notices.push(...step.notices);
  }
  const last = scanner.end();
  return { text: text + last.text, notices: [...notices, ...last.notices], blocked: scanner.blocked };
}

/** Every way of cutting `text` into two chunks, and into three chunks around `secret`. */
function splits(text: string, secret: string): string[][] {
  const out: string[][] = [];
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  const from = text.indexOf(secret);
  for (let i = from; i <= from + secret.length; i++) {
    for (let j = i; j <= from + secret.length; j++)
      out.push([text.slice(0, i), text.slice(i, j), text.slice(j)]);
  }
  return out;
}

describe('guard output stream scanner', () => {
  const { guard } = guardFrom(POLICY);
  // Without a pattern that can span spaces, only the unfinished token or keyword prefix is held back.
  const tokenOnly = guardFrom(POLICY.slice(0, POLICY.indexOf('  - id: cards'))).guard;

  const redactCases = [
    { secret: AWS_KEY, marker: '[REDACTED:aws-access-key]', rule: 'keys' },
    { secret: 'Project Falcon', marker: '[REDACTED:codenames]', rule: 'codenames' },
    { secret: '4111 1111 1111 1111', marker: '[REDACTED:cards]', rule: 'cards' },
  ];
  for (const c of redactCases) {
    it(`redacts ${c.rule} split at every chunk boundary`, () => {
      const answer = `Here you go:\nconst v = "${c.secret}";\nDone.\n`;
      const expected = answer.replace(c.secret, c.marker);
      const guards = c.rule === 'cards' ? [guard] : [guard, tokenOnly];
      for (const [g, chunks] of guards.flatMap((g) => splits(answer, c.secret).map((s) => [g, s] as const))) {
        const { text, notices, blocked } = stream(g, chunks);
        const where = JSON.stringify(chunks);
        assert.equal(text, expected, where);
        assert.equal(blocked, false, where);
        assert.deepEqual(
          notices.map((n) => [n.kind, n.findings.map((f) => [f.ruleId, f.start, f.end])]),
          [['redact', [[c.rule, answer.indexOf(c.secret), answer.indexOf(c.secret) + c.secret.length]]]],
          where,
        );
        assert.equal(notices[0]?.heldBackChars, c.secret.length, where);
      }
    });
  }

  it('blocks a private key split at every chunk boundary and says what was withheld', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const answer = `Use this key:\n${key}\nand restart.`;
    for (const chunks of splits(answer, key)) {
      const { text, notices, blocked } = stream(guard, chunks);
      const where = JSON.stringify(chunks);
      assert.equal(blocked, true, where);
      assert.ok(
        !text.includes('MIIEvQ') && !text.includes('BEGIN PRIVATE'),
        `${where} leaked ${JSON.stringify(text)}`,
      );
      assert.ok('Use this key:\n'.startsWith(text), where);
      assert.equal(notices.length, 1, where);
      assert.equal(notices[0]?.kind, 'block');
      assert.equal(notices[0]?.findings[0]?.ruleId, 'private-keys');
      assert.match(notices[0]?.message ?? '', /withheld: rule private-keys/);
      assert.ok((notices[0]?.heldBackChars ?? 0) >= key.length, where);
    }
  });

  it('passes clean text through unchanged and releases held-back text once it cannot match', () => {
    const answer = 'function add(a, b) {\n  return a + b;\n}\n';
    for (const chunks of splits(answer, 'return')) assert.equal(stream(guard, chunks).text, answer);
    const scanner = tokenOnly.openOutputStream({ feature: 'chat' });
    // "Proj" could still become "Project Falcon": held. "Projection " cannot: released.
    assert.equal(scanner.push('see Proj').text, 'see ');
    assert.equal(scanner.push('ection ').text, 'Projection ');
    assert.equal(scanner.end().text, '');
  });

  it('holds back the unfinished line while a pattern that spans spaces could still match', () => {
    const scanner = guard.openOutputStream({ feature: 'chat' });
    assert.equal(scanner.push('card 4111 1111').text, '');
    assert.equal(scanner.push(' 2222\nnext').text, 'card 4111 1111 2222\n');
  });

  it('releases what is held back when the stream ends', () => {
    const scanner = tokenOnly.openOutputStream({ feature: 'chat' });
    assert.equal(scanner.push('the key is AKIA').text, 'the key is ');
    const last = scanner.end();
    assert.equal(last.text, 'AKIA');
    assert.deepEqual(last.notices, []);
  });

  it('in monitor mode records but changes nothing', () => {
    const monitored = guardFrom(POLICY.replace('version: 1\n', 'version: 1\nmode: monitor\n'));
    const answer = `k = ${AWS_KEY}\n`;
    const { text, notices } = stream(monitored.guard, [answer.slice(0, 9), answer.slice(9)]);
    assert.equal(text, answer);
    assert.deepEqual(notices, []);
    assert.deepEqual(
      monitored.events.map((e) => [e.ruleId, e.direction, e.mode]),
      [['keys', 'output', 'monitor']],
    );
  });
});
