import assert from 'node:assert/strict';
import {
  MAX_TEXT_CHARS,
  parseHostMessage,
  parsePageMessage,
  POLICY_EDITOR_STRING_KEYS,
} from '../../../src/guard/policyEditorProtocol';

describe('policy editor protocol', () => {
  it('accepts well-formed page messages and drops unknown fields', () => {
    assert.deepEqual(
      parsePageMessage({
        type: 'scan',
        requestId: 3,
        text: 'x',
        direction: 'input',
        feature: 'chat',
        extra: 1,
      }),
      { type: 'scan', requestId: 3, text: 'x', direction: 'input', feature: 'chat' },
    );
    assert.deepEqual(parsePageMessage({ type: 'save', requestId: 1, layer: 'user', text: 'version: 1' }), {
      type: 'save',
      requestId: 1,
      layer: 'user',
      text: 'version: 1',
    });
  });

  it('refuses to save the organisation layer, and malformed or oversized requests', () => {
    assert.equal(
      parsePageMessage({ type: 'save', requestId: 1, layer: 'organisation', text: '' }),
      undefined,
    );
    assert.equal(parsePageMessage({ type: 'load', layer: 'builtin' }), undefined);
    assert.equal(
      parsePageMessage({ type: 'scan', requestId: 1, text: 'x', direction: 'sideways', feature: 'chat' }),
      undefined,
    );
    assert.equal(
      parsePageMessage({
        type: 'scan',
        requestId: 1,
        text: 'x'.repeat(MAX_TEXT_CHARS + 1),
        direction: 'input',
        feature: 'chat',
      }),
      undefined,
    );
    assert.equal(parsePageMessage({ type: 'validate', requestId: -1, text: '' }), undefined);
    assert.equal(parsePageMessage('ready'), undefined);
  });

  it('checks host messages on the page side, including every translated string', () => {
    const strings = Object.fromEntries(POLICY_EDITOR_STRING_KEYS.map((k) => [k, k]));
    assert.equal(parseHostMessage({ type: 'init', strings })?.type, 'init');
    const { title: _dropped, ...missingOne } = strings;
    assert.equal(parseHostMessage({ type: 'init', strings: missingOne }), undefined);
    const finding = {
      start: 0,
      end: 4,
      line: 1,
      column: 1,
      ruleId: 'r',
      category: 'secret',
      action: 'redact',
      severity: 'high',
      label: 'r',
      layer: 'builtin',
      message: 'm',
    };
    assert.equal(
      parseHostMessage({ type: 'scanResult', requestId: 1, decision: 'redact', findings: [finding] })?.type,
      'scanResult',
    );
    assert.equal(
      parseHostMessage({
        type: 'scanResult',
        requestId: 1,
        decision: 'redact',
        findings: [{ ...finding, start: 'x' }],
      }),
      undefined,
    );
  });
});
