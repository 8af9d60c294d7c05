import assert from 'node:assert/strict';
import { loadPolicyLayers } from '../../../src/guard/policyLoader';
import { AWS_KEY, TEST_DETECTORS, fixture, guardFrom } from './guardTestSupport';

describe('guard policy loading', () => {
  const cases: {
    name: string;
    organisation?: { origin: string; text?: string; error?: string };
    reason: RegExp;
  }[] = [
    {
      name: 'missing',
      organisation: { origin: 'https://policy.bank/aegis.yaml' },
      reason: /aegis\.yaml\) was not found/,
    },
    {
      name: 'unreadable',
      organisation: { origin: '/etc/aegis/org.yaml', error: 'EACCES: permission denied' },
      reason: /could not be read: EACCES/,
    },
    {
      name: 'invalid',
      organisation: { origin: 'org.yaml', text: fixture('invalid-action.yaml') },
      reason: /is invalid: org\.yaml:5:5: rules\[0\]\.action/,
    },
    {
      name: 'naming an unknown detector',
      organisation: {
        origin: 'org.yaml',
        text: 'version: 1\nrules:\n  - id: x\n    detector: no-such-detector\n',
      },
      reason: /rule 'x': detector 'no-such-detector' is not a built-in detector/,
    },
  ];
  for (const c of cases) {
    it(`fails closed when the required organisation policy is ${c.name}`, () => {
      const events: string[] = [];
      const loaded = loadPolicyLayers({
        organisation: c.organisation,
        organisationRequired: true,
        detectors: TEST_DETECTORS,
        audit: { sink: (e) => events.push(e.ruleId), salt: 's' },
      });
      assert.equal(loaded.failClosed, true);
      assert.match(loaded.guard.failure ?? '', c.reason);
      assert.match(loaded.guard.failure ?? '', /Requests to the model are refused/);
      for (const result of [
        loaded.guard.scanInput('hello', { feature: 'chat' }),
        loaded.guard.scanOutput('hello', { feature: 'chat' }),
        loaded.guard.checkPath('src/a.ts', { feature: 'completion' }),
      ]) {
        assert.equal(result.decision, 'block');
        assert.equal(result.text, '');
        assert.match(result.summary ?? '', c.reason);
      }
      const stream = loaded.guard.openOutputStream({ feature: 'chat' });
      const step = stream.push('hello');
      assert.equal(step.text, '');
      assert.equal(step.blocked, true);
      assert.match(step.notices[0]?.message ?? '', c.reason);
      assert.deepEqual(events, [
        'policy-unavailable',
        'policy-unavailable',
        'policy-unavailable',
        'policy-unavailable',
      ]);
    });
  }

  it('also fails closed when a required organisation source is not configured at all', () => {
    const loaded = loadPolicyLayers({ organisationRequired: true, detectors: TEST_DETECTORS });
    assert.equal(loaded.failClosed, true);
    assert.equal(loaded.guard.scanInput('x', { feature: 'chat' }).decision, 'block');
  });

  it('skips a broken workspace layer, reports it, and keeps scanning with the rest', () => {
    const loaded = loadPolicyLayers({
      detectors: TEST_DETECTORS,
      workspace: {
        origin: '.aegis/policy.yaml',
        text: 'version: 1\nrules:\n  - id: a\n    action: maybe\n    pattern: x\n',
      },
    });
    assert.equal(loaded.failClosed, false);
    assert.deepEqual(
      loaded.issues.map((i) => `${i.origin}:${i.line}:${i.field}`),
      ['.aegis/policy.yaml:4:rules[0].action'],
    );
    assert.equal(loaded.guard.scanInput(`k=${AWS_KEY}`, { feature: 'chat' }).decision, 'redact');
  });

  it('loads the recommended policy by default with private keys blocked and secrets redacted', () => {
    const { guard } = loadPolicyLayers({ detectors: TEST_DETECTORS });
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    assert.equal(guard.scanInput(pem, { feature: 'chat' }).decision, 'block');
    assert.equal(guard.scanOutput(pem, { feature: 'chat' }).decision, 'block');
    assert.equal(guard.scanInput(AWS_KEY, { feature: 'chat' }).decision, 'redact');
    assert.equal(guard.scanOutput('write to jane@corp.io', { feature: 'chat' }).decision, 'warn');
    assert.equal(guard.checkPath('deploy/id_rsa', { feature: 'chat' }).decision, 'block');
    assert.equal(guard.checkPath('.env.example', { feature: 'chat' }).decision, 'allow');
  });

  it('works with the real detector catalogue for the bank policy', () => {
    const loaded = loadPolicyLayers({
      organisation: { origin: 'bank.yaml', text: fixture('bank-organisation.yaml') },
    });
    assert.deepEqual(loaded.issues, []);
    const result = loaded.guard.scanInput(`aws = "${AWS_KEY}" on db1.corp.northbank.internal`, {
      feature: 'chat',
    });
    assert.equal(result.decision, 'redact');
    assert.ok(!result.text.includes(AWS_KEY));
    assert.ok(!result.text.includes('db1.corp.northbank.internal'));
    assert.equal(
      guardFrom(fixture('bank-organisation.yaml')).guard.scanInput('docs.corp.northbank.internal', {
        feature: 'chat',
      }).decision,
      'allow',
    );
  });
});
