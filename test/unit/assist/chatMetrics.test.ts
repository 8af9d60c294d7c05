// What the chat reports to the usage metrics: one request per question, the action for each use of an
// answer's code, and the characters that insert and apply put into a document (the code generation rate).
import assert from 'node:assert/strict';
import { chatActionMetrics, chatRequestMetrics } from '../../../src/assist/chatMetrics';
import { isMetricEvent } from '../../../src/dashboard/metricEvents';
import type { ChatMetricInput } from '../../../src/assist/chatMetrics';

/** The event as the metrics service completes it, to check that the store would accept it. */
function withEnvelope(input: ChatMetricInput): unknown {
  return {
    ...input,
    eventId: 'e1',
    ts: 1,
    developerId: 'd',
    machineId: 'm',
    language: input.language ?? '',
    extensionVersion: '0.1.0',
    vscodeVersion: '1.100.3',
  };
}

describe('chat metrics', () => {
  it('records a question as a user-initiated chat request for the model asked', () => {
    const events = chatRequestMetrics('qwen2.5-coder:7b', 'typescript');
    assert.deepEqual(events, [
      {
        kind: 'interaction',
        feature: 'chat',
        action: 'request',
        userInitiated: true,
        model: 'qwen2.5-coder:7b',
        language: 'typescript',
      },
    ]);
    assert.ok(events.every((e) => isMetricEvent(withEnvelope(e))));
  });

  for (const action of ['insert', 'apply'] as const) {
    it(`counts the characters that ${action} put into the document as chat-generated`, () => {
      const events = chatActionMetrics(action, { model: 'm', language: 'python', characters: 42 });
      assert.deepEqual(events, [
        { kind: 'interaction', feature: 'chat', action, userInitiated: true, model: 'm', language: 'python' },
        { kind: 'charsAdded', source: 'chat', model: 'm', chars: 42, language: 'python' },
      ]);
      assert.ok(events.every((e) => isMetricEvent(withEnvelope(e))));
    });
  }

  it('records a copy without counting characters: nothing entered a document yet', () => {
    const events = chatActionMetrics('copy', { model: 'm', characters: 10 });
    assert.deepEqual(
      events.map((e) => e.kind),
      ['interaction'],
    );
  });

  it('records saving as a new file as a save, which the store accepts, without generated characters', () => {
    const events = chatActionMetrics('save', { model: 'm', language: 'go', characters: 99 });
    // Not an insert: the code went to a new file, not into the document the user was editing.
    assert.deepEqual(events, [
      {
        kind: 'interaction',
        feature: 'chat',
        action: 'save',
        userInitiated: true,
        model: 'm',
        language: 'go',
      },
    ]);
    assert.ok(isMetricEvent(withEnvelope(events[0])));
  });

  it('does not record an empty insert as generated characters', () => {
    assert.deepEqual(
      chatActionMetrics('insert', { model: 'm', characters: 0 }).map((e) => e.kind),
      ['interaction'],
    );
  });
});
