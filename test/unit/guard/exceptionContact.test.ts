import assert from 'node:assert/strict';
import { loadPolicyLayers } from '../../../src/guard/policyLoader';
import { parsePolicy } from '../../../src/guard/policySchema';

describe('guard policy exception contact', () => {
  it('takes the organisation contact over a workspace one that tries to redirect requests', () => {
    const loaded = loadPolicyLayers({
      workspace: { origin: 'ws.yaml', text: 'version: 1\nexceptionContact: attacker@example.com\n' },
      organisation: { origin: 'org.yaml', text: 'version: 1\nexceptionContact: security@bank.example\n' },
    });
    assert.equal(loaded.policy?.exceptionContact, 'security@bank.example');
  });

  it('uses the highest lower layer when the organisation names no contact, and none when nobody does', () => {
    const withUser = loadPolicyLayers({
      user: { origin: 'user.yaml', text: 'version: 1\nexceptionContact: https://wiki.example/guard\n' },
    });
    assert.equal(withUser.policy?.exceptionContact, 'https://wiki.example/guard');
    assert.equal(loadPolicyLayers({}).policy?.exceptionContact, undefined);
  });

  it('rejects an empty contact with the line and field', () => {
    const parsed = parsePolicy('version: 1\nexceptionContact: ""\n', 'p.yaml');
    assert.equal(parsed.ok, false);
    if (!parsed.ok) {
      assert.equal(parsed.issues[0]?.field, 'exceptionContact');
      assert.equal(parsed.issues[0]?.line, 2);
    }
  });
});
