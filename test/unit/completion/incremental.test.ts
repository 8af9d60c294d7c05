// The incremental paths must be invisible: after any sequence of edits, the line index, the syntax tree
// and the gathered context equal what a fresh start on the final text produces.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Node } from '@vscode/tree-sitter-wasm';
import { detectIndentUnit } from '../../../src/completion/completionFilters';
import type { TextChange } from '../../../src/completion/completionPorts';
import { ContextGatherer } from '../../../src/completion/contextGatherer';
import type { GatheredContext } from '../../../src/completion/contextGatherer';
import { DocumentIndex } from '../../../src/completion/documentIndex';
import { LineIndex } from '../../../src/completion/lineIndex';
import { SyntaxTrees } from '../../../src/completion/syntaxTrees';

const wasmDir = path.dirname(require.resolve('@vscode/tree-sitter-wasm'));

/** Mulberry32, so a failure replays exactly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function applyChange(text: string, c: TextChange): string {
  return text.slice(0, c.offset) + c.text + text.slice(c.offset + c.deletedLength);
}

function describeLines(lines: LineIndex, text: string): unknown {
  const probes = [
    0,
    1,
    Math.floor(text.length / 3),
    Math.floor(text.length / 2),
    text.length - 1,
    text.length,
  ];
  return {
    lineCount: lines.lineCount,
    starts: Array.from({ length: lines.lineCount }, (_, l) => lines.lineStart(l)),
    positions: probes.filter((o) => o >= 0).map((o) => lines.positionAt(o)),
    eol: lines.eol,
    indentUnit: lines.indentUnit,
  };
}

const pieces = [
  'x',
  ' ',
  '\n',
  '\t',
  '    ',
  '\r\n',
  '  if (a) {\n',
  '}\n',
  '\n\n',
  '\tb;\n',
  '        c',
  '',
];

describe('line index: incremental updates', () => {
  it('matches a fresh index after every edit of a long random sequence', () => {
    const rnd = random(11);
    let text = 'function f() {\n  const a = 1;\n\n  if (a) {\n    return a;\n  }\n}\n';
    const lines = new LineIndex(text);
    for (let step = 0; step < 600; step++) {
      const offset = Math.floor(rnd() * (text.length + 1));
      const deletedLength = Math.min(text.length - offset, rnd() < 0.4 ? Math.floor(rnd() * 12) : 0);
      const change = { offset, deletedLength, text: pieces[Math.floor(rnd() * pieces.length)] ?? '' };
      const next = applyChange(text, change);
      lines.apply(text, next, change);
      text = next;
      assert.deepEqual(describeLines(lines, text), describeLines(new LineIndex(text), text), `step ${step}`);
    }
  });

  it('finds the same indentation unit as the whole-text detector on ordinary files', () => {
    const twoSpaces = 'class A {\n  m() {\n    return 1;\n  }\n\n  n() {\n    return 2;\n  }\n}\n';
    const tabs = 'func f() {\n\tif x {\n\t\treturn\n\t}\n}\n';
    const four = 'def f(x):\n    if x:\n        return 1\n    return 2\n';
    for (const text of [twoSpaces, tabs, four]) {
      assert.equal(new LineIndex(text).indentUnit, detectIndentUnit(text));
      // Built up by typing, one character at a time.
      const typed = new LineIndex('');
      let sofar = '';
      for (const ch of text) {
        const change = { offset: sofar.length, deletedLength: 0, text: ch };
        typed.apply(sofar, sofar + ch, change);
        sofar += ch;
      }
      assert.equal(typed.indentUnit, detectIndentUnit(text));
    }
  });

  it('notices a file switching to CRLF line endings and back', () => {
    let text = 'a\nb\n';
    const lines = new LineIndex(text);
    const toCrlf = { offset: 1, deletedLength: 0, text: '\r' };
    lines.apply(text, applyChange(text, toCrlf), toCrlf);
    text = applyChange(text, toCrlf);
    assert.equal(lines.eol, '\r\n');
    const back = { offset: 1, deletedLength: 1, text: '' };
    lines.apply(text, applyChange(text, back), back);
    assert.equal(lines.eol, '\n');
  });
});

interface Scenario {
  readonly languageId: string;
  readonly ext: string;
  readonly start: string;
  /** Typed at the marked place of `start`, one character per change. */
  readonly typed: string;
  readonly marker: string;
}

const scenarios: readonly Scenario[] = [
  {
    languageId: 'typescript',
    ext: 'ts',
    start:
      "import { a } from './a';\n\nexport class Box {\n  size = 1;\n\n  grow(by: number): void {\n    /*here*/\n  }\n}\n\nexport function tail(): number {\n  return 2;\n}\n",
    typed:
      'const next = this.size + by;\n    if (next > 10) {\n      this.size = 10;\n      return;\n    }\n    this.',
    marker: '/*here*/',
  },
  {
    languageId: 'python',
    ext: 'py',
    start:
      'import os\n\n\nclass Store:\n    def __init__(self):\n        self.items = []\n\n    def add(self, item):\n        #here\n\n\ndef other():\n    return 1\n',
    typed:
      'if item is None:\n            return\n        for part in item.split():\n            self.items.append(part)\n        self.',
    marker: '#here',
  },
  {
    languageId: 'go',
    ext: 'go',
    start:
      'package store\n\nimport "fmt"\n\ntype Cache struct {\n\tdata map[string]int\n}\n\nfunc (c *Cache) Put(key string, v int) {\n\t//here\n}\n\nfunc Other() int {\n\treturn 1\n}\n',
    typed: 'if c.data == nil {\n\t\tc.data = map[string]int{}\n\t}\n\tfmt.Println(key)\n\tc.',
    marker: '//here',
  },
  {
    languageId: 'java',
    ext: 'java',
    start:
      'package app;\n\nimport java.util.List;\n\npublic class Service {\n    private List<String> names;\n\n    public int count(String prefix) {\n        //here\n    }\n\n    void other() {}\n}\n',
    typed:
      'int n = 0;\n        for (String s : names) {\n            if (s.startsWith(prefix)) n++;\n        }\n        return names.',
    marker: '//here',
  },
];

function summary(ctx: GatheredContext): string {
  return JSON.stringify({
    multiline: ctx.multiline,
    parsed: ctx.parsed,
    imports: ctx.imports,
    scopeHeaders: ctx.scopeHeaders,
    snippets: ctx.snippets,
  });
}

/** Every node with its kind and row/column span: positions come from the edits, not from the text. */
function shape(node: Node | undefined): string {
  if (node === undefined) return 'no tree';
  const parts: string[] = [];
  const cursor = node.walk();
  for (;;) {
    const n = cursor.currentNode;
    parts.push(
      `${n.type}@${n.startPosition.row}:${n.startPosition.column}-${n.endPosition.row}:${n.endPosition.column}`,
    );
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return parts.join(' ');
  }
}

describe('incremental reparse: edits give the same context as a fresh parse', () => {
  const trees = new SyntaxTrees(wasmDir);
  const freshTrees = new SyntaxTrees(wasmDir);
  before(async () => {
    for (const s of scenarios) {
      assert.ok(await trees.loadLanguage(s.languageId));
      assert.ok(await freshTrees.loadLanguage(s.languageId));
    }
  });
  after(() => {
    trees.dispose();
    freshTrees.dispose();
  });

  for (const s of scenarios) {
    it(`${s.languageId}: typing, deleting and pasting, with requests in between`, () => {
      const uri = `file:///edit.${s.ext}`;
      const docPath = `src/edit.${s.ext}`;
      const base = s.start.replace(s.marker, '');
      let cursor = s.start.indexOf(s.marker);
      const index = new DocumentIndex(trees);
      index.upsert({ uri, path: docPath, languageId: s.languageId, version: 1, text: base });
      const gatherer = new ContextGatherer(index, trees, { now: () => 0 });
      const fullBefore = trees.parses.full;
      const incrementalBefore = trees.parses.incremental;
      gatherer.warm(uri);
      const rnd = random(5);
      let version = 1;
      const compare = (label: string): void => {
        const doc = index.get(uri);
        assert.ok(doc !== undefined);
        const incremental = gatherer.gather(doc, cursor);
        // The same text as a new document: parsed from scratch, no old tree to reuse.
        const snapshot = {
          uri: `${uri}#fresh`,
          path: docPath,
          languageId: s.languageId,
          version: doc.version,
          text: doc.text,
        };
        const freshIndex = new DocumentIndex(freshTrees);
        freshIndex.upsert(snapshot);
        const fresh = new ContextGatherer(freshIndex, freshTrees, { now: () => 0 }).gather(snapshot, cursor);
        assert.equal(summary(incremental), summary(fresh), label);
        assert.equal(shape(trees.tree(doc)?.rootNode), shape(freshTrees.tree(snapshot)?.rootNode), label);
        freshIndex.remove(snapshot.uri);
      };
      for (let i = 0; i < s.typed.length; i++) {
        index.applyChanges(uri, ++version, [{ offset: cursor, deletedLength: 0, text: s.typed.charAt(i) }]);
        cursor++;
        // Requests arrive after a varying number of keystrokes, so edits pile up between reparses.
        if (rnd() < 0.2) compare(`after typing ${i + 1} characters`);
      }
      compare('after typing');
      // A typo fixed with backspaces, then a multi-line paste and an edit above the cursor in one event.
      index.applyChanges(uri, ++version, [{ offset: cursor - 2, deletedLength: 2, text: '' }]);
      cursor -= 2;
      compare('after deleting');
      const paste = s.typed.slice(0, s.typed.indexOf('\n') + 1);
      const lineAbove = index.get(uri)?.text.lastIndexOf('\n', cursor - 1) ?? 0;
      index.applyChanges(uri, version + 1, [
        { offset: cursor, deletedLength: 0, text: paste },
        { offset: lineAbove, deletedLength: 0, text: '\n' },
      ]);
      cursor += paste.length + 1;
      compare('after a paste and an edit above');
      // One parse from scratch when the document was opened; every later one reused the edited tree.
      assert.equal(trees.parses.full - fullBefore, 1);
      assert.ok(trees.parses.incremental - incrementalBefore >= 3);
    });
  }
});
