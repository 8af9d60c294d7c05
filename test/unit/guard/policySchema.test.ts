import assert from 'node:assert/strict';
import { formatPolicyIssue, parsePolicy } from '../../../src/guard/policySchema';
import { fixture } from './guardTestSupport';

function issuesOf(text: string, origin = 'policy.yaml'): string[] {
  const parsed = parsePolicy(text, origin);
  assert.equal(parsed.ok, false, 'expected the policy to be rejected');
  return parsed.ok ? [] : parsed.issues.map(formatPolicyIssue);
}

describe('guard policy schema', () => {
  it('accepts the full bank example', () => {
    const parsed = parsePolicy(fixture('bank-organisation.yaml'), 'bank.yaml');
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues.map(formatPolicyIssue).join('\n'));
    assert.equal(parsed.document.rules?.length, 7);
  });

  it('names the line and field of a bad action in YAML', () => {
    assert.deepEqual(issuesOf(fixture('invalid-action.yaml'), 'invalid-action.yaml'), [
      'invalid-action.yaml:5:5: rules[0].action: must be one of "block", "redact", "warn"',
    ]);
  });

  it('names the line and field in JSON too', () => {
    const json =
      '{\n  "version": 1,\n  "rules": [\n    { "id": "a", "pattern": "x" },\n    { "id": "b", "keywords": ["y"], "severity": "huge" }\n  ]\n}';
    assert.deepEqual(issuesOf(json, 'p.json'), [
      'p.json:5:37: rules[1].severity: must be one of "low", "medium", "high", "critical"',
    ]);
  });

  it('reports unknown fields, missing fields and a wrong version, each on its own line', () => {
    const text =
      'version: 2\nrules:\n  - action: block\n    pattern: x\n  - id: ok\n    keywords: [a]\n    colour: red\n';
    const issues = issuesOf(text);
    assert.ok(issues.includes('policy.yaml:1:1: version: must be 1'), issues.join('\n'));
    assert.ok(
      issues.some(
        (i) => i.startsWith('policy.yaml:3:') && i.includes("rules[0].id: missing required field 'id'"),
      ),
      issues.join('\n'),
    );
    assert.ok(issues.includes("policy.yaml:7:5: rules[1].colour: unknown field 'colour'"), issues.join('\n'));
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('version: 1\nrules:\n  - id: a\n   bad: [\n');
    assert.equal(issues.length, 1);
    assert.match(issues[0] ?? '', /^policy\.yaml:4:\d+: not valid YAML or JSON/);
  });

  it('rejects a pattern RE2 cannot run in linear time, naming the rule and line', () => {
    const issues = issuesOf(fixture('redos-pattern.yaml'), 'redos.yaml');
    assert.equal(issues.length, 1);
    assert.match(
      issues[0] ?? '',
      /^redos\.yaml:4:5: rules\[0\]\.pattern: rule 'evil-lookahead': pattern is not a valid RE2 expression/,
    );
  });

  it('rejects a rule with two matchers and duplicate rule ids', () => {
    const issues = issuesOf(
      'version: 1\nrules:\n  - id: a\n    pattern: x\n    keywords: [y]\n  - id: a\n    pattern: z\n',
    );
    assert.ok(
      issues.some((i) => i.includes("rule 'a' names pattern and keywords")),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((i) => i.startsWith('policy.yaml:6:') && i.includes('defined twice')),
      issues.join('\n'),
    );
  });

  it('requires an allowlist entry to say what it allows', () => {
    const issues = issuesOf('version: 1\nallowlist:\n  - reason: because\n');
    assert.deepEqual(issues, [
      'policy.yaml:3:5: allowlist[0]: an allowlist entry needs at least one of rules, pattern or paths',
    ]);
  });
});
