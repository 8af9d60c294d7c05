// Where added characters come from (typed, pasted, accepted completion), and how lifecycle events become
// metric events: what the code generation rate and the adoption rates are computed from.
import * as assert from 'node:assert/strict';
import type { CompletionEvent } from '../../../src/completion/completionEvents';
import {
  CharCounter,
  CharSourceTracker,
  classifyChange,
} from '../../../src/extension/inlineCompletionCharSources';
import type { AddedSource } from '../../../src/extension/inlineCompletionCharSources';
import { completionEventToMetric } from '../../../src/extension/inlineCompletionMetrics';

const uri = 'file:///w/a.ts';
const insert = (offset: number, text: string, deletedLength = 0) => ({ offset, deletedLength, text });

describe('characters added, by source', () => {
  const shown = { uri, offset: 10, text: 'return a + b;', model: 'm' };

  it('classifies single characters, Enter with indentation and auto-closed pairs as typed', () => {
    assert.equal(classifyChange(insert(3, 'x'), undefined, false), 'typed');
    assert.equal(classifyChange(insert(3, '\n    '), undefined, false), 'typed');
    assert.equal(classifyChange(insert(3, '()'), undefined, false), 'typed');
    assert.equal(classifyChange(insert(3, '', 4), undefined, false), 'ignored');
  });

  it('counts the whole shown suggestion inserted at its place as completion, typing through it as typed', () => {
    assert.equal(classifyChange(insert(10, 'return a + b;'), shown, false), 'completion');
    assert.equal(classifyChange(insert(10, 'r'), shown, false), 'typed');
    assert.equal(classifyChange(insert(11, 'return a + b;'), shown, false), 'clipboardCandidate');
  });

  it('counts a prefix of the suggestion as completion while a partial acceptance is pending', () => {
    assert.equal(classifyChange(insert(10, 'return '), shown, true), 'completion');
    assert.equal(classifyChange(insert(10, 'return '), shown, false), 'clipboardCandidate');
  });

  async function track(
    clipboard: string,
    run: (tracker: CharSourceTracker) => void,
  ): Promise<{ counts: Array<[AddedSource, number, string]>; partials: string[] }> {
    const counts: Array<[AddedSource, number, string]> = [];
    const partials: string[] = [];
    const tracker = new CharSourceTracker({
      readClipboard: () => Promise.resolve(clipboard),
      count: (source, chars, _language, model) => counts.push([source, chars, model]),
      onPartialAccept: (_uri, _offset, text) => partials.push(text),
    });
    run(tracker);
    await new Promise((resolve) => setImmediate(resolve));
    return { counts, partials };
  }

  it('counts a multi-character insert equal to the clipboard as pasted, and other large inserts not at all', async () => {
    const { counts } = await track('const x = 1;\r\nconst y = 2;', (t) => {
      t.onChanges(uri, 'typescript', [insert(0, 'const x = 1;\nconst y = 2;')], undefined);
      t.onChanges(uri, 'typescript', [insert(0, 'formatted(everything)')], undefined);
    });
    assert.deepEqual(counts, [['pasted', 25, '']]);
  });

  it('ignores undo and redo', async () => {
    const { counts } = await track('', (t) => t.onChanges(uri, 'typescript', [insert(0, 'x')], 'undo'));
    assert.deepEqual(counts, []);
  });

  it('follows partial acceptances word by word, then the rest accepted with Tab', async () => {
    const { counts, partials } = await track('', (t) => {
      t.setShown(shown);
      t.setPartialAccept(true);
      t.onChanges(uri, 'typescript', [insert(10, 'return ')], undefined);
      t.onChanges(uri, 'typescript', [insert(17, 'a')], undefined);
      // Typing through the ghost text: the editor asks again and the provider shows the rest.
      t.setShown({ ...shown, offset: 18, text: ' + b;' });
      t.onChanges(uri, 'typescript', [insert(18, ' + b;')], undefined);
    });
    assert.deepEqual(partials, ['return ']);
    assert.deepEqual(counts, [
      ['completion', 7, 'm'],
      ['typed', 1, ''],
      ['completion', 5, 'm'],
    ]);
  });

  it('sums counts per source, language and model between drains', () => {
    const counter = new CharCounter();
    counter.add('typed', 1, 'typescript', '');
    counter.add('typed', 1, 'typescript', '');
    counter.add('completion', 12, 'typescript', 'm');
    counter.add('typed', 0, 'python', '');
    assert.deepEqual(counter.drain(), [
      { source: 'typed', languageId: 'typescript', model: '', chars: 2 },
      { source: 'completion', languageId: 'typescript', model: 'm', chars: 12 },
    ]);
    assert.deepEqual(counter.drain(), []);
  });
});

describe('completion lifecycle events as metric events', () => {
  const base = { at: 1, profileId: 'p', model: 'm', languageId: 'go' };

  it('maps shown, accepted, partial and dismissed suggestions', () => {
    const shown: CompletionEvent = { ...base, type: 'shown', suggestionId: 's1', chars: 20, lines: 2 };
    assert.deepEqual(completionEventToMetric(shown), {
      kind: 'suggestionShown',
      suggestionId: 's1',
      model: 'm',
      shownChars: 20,
      shownLines: 2,
      language: 'go',
    });
    const accepted = completionEventToMetric({
      ...base,
      type: 'accepted',
      suggestionId: 's1',
      chars: 20,
      lines: 2,
    });
    assert.equal(accepted?.kind === 'suggestionAccepted' && !accepted.partial && accepted.acceptedChars, 20);
    const word = completionEventToMetric(
      { ...base, type: 'partiallyAccepted', suggestionId: 's1', kind: 'word', acceptedLength: 7 },
      'return ',
    );
    assert.deepEqual(
      word?.kind === 'suggestionAccepted'
        ? [word.partial, word.acceptedChars, word.acceptedLines]
        : undefined,
      [true, 7, 0],
    );
    const line = completionEventToMetric(
      { ...base, type: 'partiallyAccepted', suggestionId: 's1', kind: 'line', acceptedLength: 14 },
      'return a + b;\n',
    );
    assert.equal(line?.kind === 'suggestionAccepted' ? line.acceptedLines : undefined, 1);
    assert.equal(
      completionEventToMetric({ ...base, type: 'dismissed', suggestionId: 's1', reason: 'escape' })?.kind,
      'suggestionDismissed',
    );
  });

  it('maps retention checkpoints to seconds and skips closed documents', () => {
    const retention = (survivingChars: number | null): CompletionEvent => ({
      ...base,
      type: 'retention',
      suggestionId: 's1',
      checkpointMs: 120_000,
      acceptedChars: 10,
      survivingChars,
      share: survivingChars === null ? null : survivingChars / 10,
    });
    const metric = completionEventToMetric(retention(8));
    assert.deepEqual(
      metric?.kind === 'retentionCheck'
        ? [metric.checkpointSec, metric.acceptedChars, metric.retainedChars]
        : [],
      [120, 10, 8],
    );
    assert.equal(completionEventToMetric(retention(null)), undefined);
  });

  it('leaves request outcomes to the model client, which records them already', () => {
    const failed: CompletionEvent = {
      ...base,
      type: 'failed',
      requestId: 'r1',
      firstTokenMs: null,
      totalMs: 5,
      error: 'boom',
    };
    assert.equal(completionEventToMetric(failed), undefined);
  });
});
