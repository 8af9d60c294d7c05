// A reparse that does not fit a request's budget: the request uses the last tree (shifted by the edits
// since) instead of waiting, the parse is resumed where it stopped rather than restarted, and idle
// slices finish it. Real grammars; time is a counter so cut-offs happen at the same place every run.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Node } from '@vscode/tree-sitter-wasm';
import { ContextGatherer } from '../../../src/completion/contextGatherer';
import { DocumentIndex } from '../../../src/completion/documentIndex';
import { IdleParses } from '../../../src/completion/idleParses';
import { LineIndex } from '../../../src/completion/lineIndex';
import { SyntaxTrees } from '../../../src/completion/syntaxTrees';
import { VirtualClock } from '../../../src/completion/virtualClock';

const wasmDir = path.dirname(require.resolve('@vscode/tree-sitter-wasm'));

/** A clock that moves one unit each time it is read: a parse's progress checks use it up. */
function tickingClock(): { now: () => number } {
  let t = 0;
  return { now: () => t++ };
}

function shape(node: Node | undefined): string {
  if (node === undefined) return '';
  const parts: string[] = [];
  const cursor = node.walk();
  for (;;) {
    parts.push(`${cursor.nodeType}@${cursor.startIndex}-${cursor.endIndex}`);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return parts.join(' ');
  }
}

/** A Python module with many classes, so a docstring opened near the top turns the rest into a string. */
function pythonModule(classes: number): string {
  let text = 'import os\nfrom typing import List\n\n';
  for (let i = 0; i < classes; i++) {
    text +=
      `class Shape${i}:\n` +
      `    def area(self, scale: float) -> float:\n` +
      `        total = scale * ${i}\n` +
      `        for part in self.parts:\n` +
      `            total += part.area(scale)\n` +
      `        return total\n\n`;
  }
  return text;
}

describe('budgeted reparse: stale tree stands in, parse resumes, idle slices finish it', () => {
  const trees = new SyntaxTrees(wasmDir);
  const fresh = new SyntaxTrees(wasmDir);
  before(async () => {
    assert.ok(await trees.loadLanguage('python'));
    assert.ok(await fresh.loadLanguage('python'));
  });
  after(() => {
    trees.dispose();
    fresh.dispose();
  });

  it('resumes a parse cut off at its deadline and ends with the tree a fresh parse gives', () => {
    const uri = 'file:///resume.py';
    const index = new DocumentIndex(trees);
    const text = pythonModule(300);
    index.upsert({ uri, path: 'resume.py', languageId: 'python', version: 1, text });
    const doc = () => {
      const d = index.get(uri);
      assert.ok(d !== undefined);
      return d;
    };
    assert.ok(trees.tree(doc()) !== undefined);
    // Open a docstring inside the second method: everything below changes meaning.
    const at = text.indexOf('        total = scale * 1\n');
    index.applyChanges(uri, 2, [{ offset: at, deletedLength: 0, text: '"""' }]);
    const clock = tickingClock();
    const before = { ...trees.parses };
    let slices = 0;
    let tree;
    for (; tree === undefined && slices < 10_000; slices++) {
      const now = clock.now();
      tree = trees.tree(doc(), { now: clock.now, at: now + 20 });
    }
    assert.ok(tree !== undefined);
    assert.ok(slices > 2, `the parse should need several slices, took ${slices}`);
    assert.equal(trees.parses.cancelled - before.cancelled, slices - 1);
    assert.equal(trees.parses.resumed - before.resumed, 1);
    assert.equal(trees.parses.full - before.full, 0);
    const snapshot = { ...doc(), uri: 'file:///resume-fresh.py' };
    assert.equal(shape(tree.rootNode), shape(fresh.tree(snapshot)?.rootNode));
    fresh.forget(snapshot.uri);
    trees.forget(uri);
  });

  it('a later version does not resume a parse started for an earlier one', () => {
    const uri = 'file:///restart.py';
    const index = new DocumentIndex(trees);
    const text = pythonModule(200);
    index.upsert({ uri, path: 'restart.py', languageId: 'python', version: 1, text });
    const get = () => index.get(uri) ?? assert.fail('document lost');
    trees.tree(get());
    const at = text.indexOf('        total = scale * 3\n');
    index.applyChanges(uri, 2, [{ offset: at, deletedLength: 0, text: '"""' }]);
    const clock = tickingClock();
    assert.equal(trees.tree(get(), { now: clock.now, at: clock.now() + 5 }), undefined);
    index.applyChanges(uri, 3, [{ offset: at + 3, deletedLength: 0, text: 'x' }]);
    const resumedBefore = trees.parses.resumed;
    const tree = trees.tree(get());
    assert.ok(tree !== undefined);
    assert.equal(
      trees.parses.resumed,
      resumedBefore,
      'the text changed: starting over is the only sound choice',
    );
    const snapshot = { ...get(), uri: 'file:///restart-fresh.py' };
    assert.equal(shape(tree.rootNode), shape(fresh.tree(snapshot)?.rootNode));
    fresh.forget(snapshot.uri);
    trees.forget(uri);
  });

  it('a request that cannot reparse in time still gets the enclosing headers and imports, then idle time parses', async () => {
    const uri = 'file:///stale.py';
    const index = new DocumentIndex(trees);
    const text = pythonModule(300);
    index.upsert({ uri, path: 'stale.py', languageId: 'python', version: 1, text });
    // Real time for the warm-up; the request's clock jumps past every deadline at once.
    let requestClock = false;
    let t = 0;
    const clock = { now: () => (requestClock ? (t += 1000) : 0) };
    const gatherer = new ContextGatherer(index, trees, clock);
    gatherer.warm(uri);
    const line = '            total += part.area(scale)\n';
    const at = text.indexOf(line, text.indexOf('class Shape150:')) + line.length;
    index.applyChanges(uri, 2, [{ offset: at, deletedLength: 0, text: '        """Sum' }]);
    const doc = index.get(uri) ?? assert.fail('document lost');
    const cursor = at + '        """Sum'.length;
    requestClock = true;
    const context = gatherer.gather({ ...doc }, cursor);
    assert.equal(context.parsed, false);
    assert.equal(context.truncated, true);
    assert.deepEqual(
      context.scopeHeaders.map((h) => h.text),
      ['class Shape150:', '    def area(self, scale: float) -> float:'],
    );
    assert.deepEqual(
      context.imports.map((i) => i.text),
      ['import os', 'from typing import List'],
    );
    assert.deepEqual(gatherer.pendingWarmUps(), [uri]);

    // Idle slices, on a clock that gives each slice a few progress checks, finish the parse.
    requestClock = false;
    let sliceTime = 0;
    const sliced = new ContextGatherer(index, trees, { now: () => (sliceTime += 1) });
    sliced.requestWarmUp(uri);
    const timers = new VirtualClock();
    const idle = new IdleParses(sliced, timers, { delayMs: 100, sliceMs: 50 });
    idle.schedule();
    await timers.advance(99);
    assert.equal(trees.latest(doc)?.fresh, false, 'nothing runs before the quiet delay');
    await timers.advance(1);
    for (let i = 0; i < 1000 && sliced.pendingWarmUps().length > 0; i++) await timers.advance(0);
    assert.deepEqual(sliced.pendingWarmUps(), []);
    assert.equal(trees.latest(doc)?.fresh, true);
    idle.dispose();
    trees.forget(uri);
  });

  it('while an opened docstring keeps reparses slow, requests spend less on them, and get the full share back once a parse is quick', () => {
    const uri = 'file:///slow.py';
    const index = new DocumentIndex(trees);
    const text = pythonModule(300);
    index.upsert({ uri, path: 'slow.py', languageId: 'python', version: 1, text });
    let t = 0;
    const clock = { now: () => (t += 1) };
    const gatherer = new ContextGatherer(index, trees, clock, {
      budgetMs: 200,
      parseBudgetMs: 100,
      cutOffParseBudgetMs: 35,
    });
    gatherer.warm(uri);
    const line = '            total += part.area(scale)\n';
    const at = text.indexOf(line, text.indexOf('class Shape150:')) + line.length;
    let version = 1;
    let cursor = at;
    const type = (typed: string): { spent: number; parsed: boolean; headers: string[] } => {
      index.applyChanges(uri, ++version, [{ offset: cursor, deletedLength: 0, text: typed }]);
      cursor += typed.length;
      const doc = index.get(uri) ?? assert.fail('document lost');
      const start = t;
      const context = gatherer.gather({ ...doc }, cursor);
      return { spent: t - start, parsed: context.parsed, headers: context.scopeHeaders.map((h) => h.text) };
    };
    const headers = ['class Shape150:', '    def area(self, scale: float) -> float:'];
    const opened = type('        """Sum');
    assert.equal(opened.parsed, false);
    assert.ok(opened.spent >= 100, `the first slow reparse gets the full share (spent ${opened.spent})`);
    const next = type(' of');
    assert.equal(next.parsed, false);
    assert.deepEqual(next.headers, headers, 'the last tree still knows where the cursor is');
    assert.ok(next.spent < 60, `a reparse that is slow again gets the smaller share (spent ${next.spent})`);
    // Closing the docstring makes the rest of the file what it was: the reparse is quick again.
    const closed = type(' parts"""');
    assert.equal(closed.parsed, true);
    assert.deepEqual(closed.headers, headers);
    assert.equal(trees.lastParseCutOff(uri), false);
    trees.forget(uri);
  });

  it('keystrokes keep postponing idle slices', async () => {
    let slices = 0;
    const pending = new Set(['file:///a.py']);
    const gatherer = {
      pendingWarmUps: () => [...pending],
      warmSlice: (): boolean => {
        slices++;
        pending.clear();
        return true;
      },
      cancelWarmUp: (uri: string) => pending.delete(uri),
    };
    const timers = new VirtualClock();
    const idle = new IdleParses(gatherer, timers, { delayMs: 250 });
    for (let i = 0; i < 10; i++) {
      idle.schedule();
      await timers.advance(200);
    }
    assert.equal(slices, 0);
    await timers.advance(50);
    assert.equal(slices, 1);
    idle.dispose();
  });
});

describe('line index: CR LF counted around each edit', () => {
  it('follows CRLF pairs made and broken by edits in a long LF document', () => {
    let text = 'a\n'.repeat(5000);
    const lines = new LineIndex(text);
    const edit = (offset: number, deletedLength: number, inserted: string): void => {
      const next = text.slice(0, offset) + inserted + text.slice(offset + deletedLength);
      lines.apply(text, next, { offset, deletedLength, text: inserted });
      text = next;
    };
    assert.equal(lines.eol, '\n');
    edit(5001, 0, '\r');
    assert.equal(lines.eol, '\r\n');
    edit(5001, 1, '');
    assert.equal(lines.eol, '\n');
    edit(20, 0, 'x\r\ny');
    assert.equal(lines.eol, '\r\n');
    edit(22, 1, '');
    assert.equal(lines.eol, '\n');
  });
});
