import assert from 'node:assert/strict';
import { mergePolicyLayers } from '../../../src/guard/policyMerge';
import type { MergeViolation, PolicyLayer } from '../../../src/guard/policyMerge';
import { parsePolicy } from '../../../src/guard/policySchema';
import type { PolicyDocument } from '../../../src/guard/policySchema';
import { RECOMMENDED_POLICY } from '../../../src/guard/recommendedPolicy';
import { fixture } from './guardTestSupport';

function doc(text: string): PolicyDocument {
  const parsed = parsePolicy(text, 'test.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.document;
}

const bank: PolicyLayer = {
  layer: 'organisation',
  origin: 'bank.yaml',
  document: doc(fixture('bank-organisation.yaml')),
};

function attempts(violations: readonly MergeViolation[]): string[] {
  return violations.map((v) => `${v.layer}:${v.ruleId ?? '-'}:${v.attempted}`).sort();
}

describe('guard policy merging', () => {
  it('refuses and reports every loosening attempt of a workspace on organisation rules', () => {
    const workspace: PolicyLayer = {
      layer: 'workspace',
      origin: 'ws.yaml',
      document: doc(fixture('workspace-loosening.yaml')),
    };
    const { policy, violations } = mergePolicyLayers([workspace, bank]);
    assert.deepEqual(attempts(violations), [
      'workspace:-:monitor',
      'workspace:account-numbers:allowlist',
      'workspace:account-numbers:loosen-action',
      'workspace:confidential-projects:remove',
      'workspace:credentials:narrow-direction',
      'workspace:internal-hosts:redefine',
      'workspace:private-keys:disable',
    ]);
    assert.ok(violations.every((v) => v.origin === 'ws.yaml' && v.message.length > 0));
    const rule = (id: string) => policy.rules.find((r) => r.id === id);
    assert.equal(policy.mode, 'enforce');
    assert.equal(rule('account-numbers')?.action, 'block');
    assert.equal(rule('credentials')?.direction, 'both');
    assert.equal(rule('internal-hosts')?.pattern, '[a-z0-9-]+\\.corp\\.northbank\\.internal');
    assert.ok(rule('private-keys'));
    assert.ok(rule('confidential-projects'));
    assert.ok(!policy.allowlist.some((e) => e.rules?.includes('account-numbers')));
    // The workspace's own new rule is kept, and says where it came from.
    assert.equal(rule('todo-markers')?.layer, 'workspace');
    assert.equal(rule('account-numbers')?.layer, 'organisation');
  });

  it('applies tightenings of organisation rules and records who tightened them', () => {
    const user: PolicyLayer = {
      layer: 'user',
      origin: 'user.yaml',
      document: doc(
        'version: 1\nrules:\n  - id: internal-hosts\n    action: block\n    direction: both\n    severity: critical\n',
      ),
    };
    const { policy, violations } = mergePolicyLayers([bank, user]);
    assert.deepEqual(violations, []);
    const hosts = policy.rules.find((r) => r.id === 'internal-hosts');
    assert.equal(hosts?.action, 'block');
    assert.equal(hosts?.direction, 'both');
    assert.equal(hosts?.severity, 'critical');
    assert.deepEqual(hosts?.tightenedBy, ['user']);
    assert.equal(hosts?.layer, 'organisation');
  });

  it('refuses lowering severity, limiting features and weakening the organisation scope rule', () => {
    const user: PolicyLayer = {
      layer: 'user',
      origin: 'user.yaml',
      document: doc(
        'version: 1\nrules:\n  - id: customer-data\n    severity: low\n    features: [chat]\nscope:\n  action: warn\n  classifier: "off"\n  inScopeKeywords: [mortgage rates]\n',
      ),
    };
    const { policy, violations } = mergePolicyLayers([bank, user]);
    assert.deepEqual(attempts(violations), [
      'user:customer-data:lower-severity',
      'user:customer-data:narrow-features',
      'user:scope:loosen-scope',
      'user:scope:loosen-scope',
      'user:scope:loosen-scope',
    ]);
    assert.equal(policy.scope?.action, 'block');
    assert.equal(policy.scope?.classifier, 'heuristic');
    assert.deepEqual(policy.scope?.inScopeKeywords, []);
  });

  it('lets lower layers change the recommended policy freely when no organisation rule is involved', () => {
    const builtin: PolicyLayer = { layer: 'builtin', origin: 'built-in', document: RECOMMENDED_POLICY };
    const user: PolicyLayer = {
      layer: 'user',
      origin: 'user.yaml',
      document: doc(
        'version: 1\nmode: monitor\nremove: [pii-output]\nrules:\n  - id: pii-input\n    action: warn\n  - id: secrets-output\n    enabled: false\n',
      ),
    };
    const { policy, violations } = mergePolicyLayers([builtin, user]);
    assert.deepEqual(violations, []);
    assert.equal(policy.mode, 'monitor');
    assert.equal(policy.modeLayer, 'user');
    assert.equal(policy.rules.find((r) => r.id === 'pii-input')?.action, 'warn');
    assert.equal(policy.rules.find((r) => r.id === 'pii-input')?.layer, 'user');
    assert.ok(!policy.rules.some((r) => r.id === 'pii-output' || r.id === 'secrets-output'));
    assert.equal(policy.rules.find((r) => r.id === 'private-keys')?.layer, 'builtin');
  });

  it('lets the organisation lock a recommended rule by naming it, and then refuses loosening it', () => {
    const builtin: PolicyLayer = { layer: 'builtin', origin: 'built-in', document: RECOMMENDED_POLICY };
    const org: PolicyLayer = {
      layer: 'organisation',
      origin: 'org.yaml',
      document: doc('version: 1\nrules:\n  - id: pii-output\n    action: block\n'),
    };
    const user: PolicyLayer = {
      layer: 'user',
      origin: 'user.yaml',
      document: doc('version: 1\nrules:\n  - id: pii-output\n    action: warn\n'),
    };
    const { policy, violations } = mergePolicyLayers([builtin, user, org]);
    assert.deepEqual(attempts(violations), ['user:pii-output:loosen-action']);
    const rule = policy.rules.find((r) => r.id === 'pii-output');
    assert.equal(rule?.action, 'block');
    assert.equal(rule?.detector, 'pii:*');
    assert.equal(rule?.locked, true);
  });

  it('keeps an organisation monitor mode and enforces when the organisation says nothing', () => {
    const quiet: PolicyLayer = { layer: 'organisation', origin: 'org.yaml', document: doc('version: 1\n') };
    const monitorUser: PolicyLayer = {
      layer: 'user',
      origin: 'u.yaml',
      document: doc('version: 1\nmode: monitor\n'),
    };
    const enforced = mergePolicyLayers([quiet, monitorUser]);
    assert.equal(enforced.policy.mode, 'enforce');
    assert.deepEqual(attempts(enforced.violations), ['user:-:monitor']);
    const trial: PolicyLayer = {
      layer: 'organisation',
      origin: 'org.yaml',
      document: doc('version: 1\nmode: monitor\n'),
    };
    assert.equal(mergePolicyLayers([trial]).policy.mode, 'monitor');
  });

  it('reports an override of a rule that does not exist', () => {
    const user: PolicyLayer = {
      layer: 'user',
      origin: 'u.yaml',
      document: doc('version: 1\nrules:\n  - id: ghost\n    action: block\n'),
    };
    assert.deepEqual(attempts(mergePolicyLayers([user]).violations), ['user:ghost:unknown-rule']);
  });
});
