import assert from 'node:assert/strict';
import type { CompletionEvent } from '../../../src/completion/completionEvents';
import type { TextChange } from '../../../src/completion/completionPorts';
import { RetentionTracker, survivingChars } from '../../../src/completion/retentionTracker';
import { VirtualClock } from '../../../src/completion/virtualClock';

/** A document that applies changes and tells the tracker, as the extension does. */
function harness(initial: string) {
  const clock = new VirtualClock();
  const events: CompletionEvent[] = [];
  let text: string | undefined = initial;
  const tracker = new RetentionTracker({
    timers: clock,
    now: () => clock.now(),
    getText: () => text,
    eventSink: (e) => events.push(e),
  });
  const edit = (change: TextChange): void => {
    if (text === undefined) return;
    text = text.slice(0, change.offset) + change.text + text.slice(change.offset + change.deletedLength);
    tracker.onDocumentChange('file:///a.py', [change]);
  };
  const shares = (): (number | null)[] => events.flatMap((e) => (e.type === 'retention' ? [e.share] : []));
  const close = (): void => {
    text = undefined;
    tracker.onDocumentClosed('file:///a.py');
  };
  return {
    clock,
    tracker,
    edit,
    shares,
    events,
    close,
    get text() {
      return text;
    },
  };
}

const accepted = 'return total / count\n';
const track = (t: RetentionTracker, offset: number): void =>
  t.track({
    suggestionId: 's1',
    uri: 'file:///a.py',
    offset,
    text: accepted,
    profileId: 'p',
    model: 'm',
    languageId: 'python',
  });

describe('retention tracker', () => {
  it('reports full retention at 30 s, 2, 5 and 10 min when only code above the suggestion changes', async () => {
    const h = harness(`def avg():\n    ${accepted}`);
    track(h.tracker, 15);
    h.edit({ offset: 0, deletedLength: 0, text: 'import math\n\n' });
    await h.clock.advance(30_000);
    assert.deepEqual(h.shares(), [1]);
    h.edit({ offset: 0, deletedLength: 13, text: '' });
    await h.clock.advance(600_000);
    assert.deepEqual(h.shares(), [1, 1, 1, 1]);
    const checkpoints = h.events.flatMap((e) => (e.type === 'retention' ? [e.checkpointMs] : []));
    assert.deepEqual(checkpoints, [30_000, 120_000, 300_000, 600_000]);
  });

  it('counts edits inside the accepted text against it', async () => {
    const h = harness(`def avg():\n    ${accepted}`);
    track(h.tracker, 15);
    // "total / count" becomes "total / max(count, 1)": the replaced word is lost, the rest survives.
    const at = 15 + accepted.indexOf('count');
    h.edit({ offset: at, deletedLength: 5, text: 'max(count, 1)' });
    await h.clock.advance(30_000);
    const [share] = h.shares();
    assert.ok(share !== null && share !== undefined);
    assert.equal(share, 1, 'the original characters are all still there, in order');
    h.edit({ offset: 15, deletedLength: 7, text: 'yield ' });
    await h.clock.advance(90_000);
    const second = h.shares()[1];
    assert.ok(second !== null && second !== undefined && second < 1 && second > 0.5);
  });

  it('drops to zero when the accepted text is deleted, and null once the document is closed', async () => {
    const h = harness(`def avg():\n    ${accepted}pass\n`);
    track(h.tracker, 15);
    h.edit({ offset: 11, deletedLength: 4 + accepted.length, text: '' });
    await h.clock.advance(120_000);
    assert.deepEqual(h.shares(), [0, 0]);
    h.close();
    await h.clock.advance(600_000);
    assert.deepEqual(h.shares(), [0, 0, null, null]);
  });

  it('keeps typing right after the suggestion outside the tracked range', async () => {
    const h = harness(`x = 1\n${accepted}`);
    track(h.tracker, 6);
    h.edit({ offset: 6 + accepted.length, deletedLength: 0, text: 'print(x)\n' });
    h.edit({ offset: 6, deletedLength: 0, text: '# note\n' });
    await h.clock.advance(30_000);
    assert.deepEqual(h.shares(), [1]);
  });

  it('measures surviving characters as an in-order overlap', () => {
    assert.equal(survivingChars('abcdef', 'abcdef'), 6);
    assert.equal(survivingChars('abcdef', 'abXdef'), 5);
    assert.equal(survivingChars('abcdef', ''), 0);
    const big = 'line of code\n'.repeat(400);
    assert.equal(survivingChars(big, big.replace('line of code\n', '')), big.length - 13);
  });
});
