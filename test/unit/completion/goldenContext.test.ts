// Golden tests for context selection, multi-line decisions and prompts per dialect, over source fixtures
// with a `<|cursor|>` marker. Set AEGIS_UPDATE_GOLDEN=1 to rewrite the expectations, then review the diff.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletionProfile, FimDialect, ModelRequest } from '../../../src/completion/completionPorts';
import { ContextGatherer } from '../../../src/completion/contextGatherer';
import type { GatheredContext } from '../../../src/completion/contextGatherer';
import { DocumentIndex } from '../../../src/completion/documentIndex';
import { buildPrompt } from '../../../src/completion/promptBuilder';
import { SyntaxTrees } from '../../../src/completion/syntaxTrees';

const root = path.join(__dirname, '..', '..', 'fixtures', 'golden');
const update = process.env['AEGIS_UPDATE_GOLDEN'] === '1';
const wasmDir = path.dirname(require.resolve('@vscode/tree-sitter-wasm'));
const cursor = '<|cursor|>';

const languageByExt: Record<string, string> = {
  ts: 'typescript',
  tsx: 'typescriptreact',
  js: 'javascript',
  py: 'python',
  go: 'go',
  java: 'java',
  rs: 'rust',
  cpp: 'cpp',
  hpp: 'cpp',
  cs: 'csharp',
  md: 'markdown',
};

function languageOf(file: string): string {
  const ext =
    file
      .replace(/\.txt$/, '')
      .split('.')
      .pop() ?? '';
  return languageByExt[ext] ?? 'plaintext';
}

/** Compares with the stored expectation, or writes it when updating. */
function golden(file: string, actual: string): void {
  const full = path.join(root, file);
  if (update || !fs.existsSync(full)) {
    if (!update) assert.fail(`missing golden file ${file}: run with AEGIS_UPDATE_GOLDEN=1 and review it`);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, actual);
    return;
  }
  assert.equal(actual, fs.readFileSync(full, 'utf8'), `golden ${file}`);
}

function renderRequest(request: ModelRequest): string {
  if (request.apiStyle === 'chat')
    return request.messages.map((m) => `<<<${m.role}>>>\n${m.content}\n`).join('');
  const suffix = request.suffix !== undefined ? `\n<<<suffix>>>\n${request.suffix}` : '';
  return `<<<stop ${JSON.stringify(request.stop)} maxTokens ${request.maxTokens}>>>\n${request.prompt}${suffix}`;
}

function summarise(ctx: GatheredContext): string {
  return `${JSON.stringify(
    {
      multiline: ctx.multiline,
      parsed: ctx.parsed,
      imports: ctx.imports.map((i) => i.text),
      scopeHeaders: ctx.scopeHeaders.map((h) => h.text),
      snippets: ctx.snippets.map((s) => ({
        kind: s.kind,
        path: s.path,
        startLine: s.startLine,
        text: s.text,
      })),
    },
    null,
    2,
  )}\n`;
}

interface Case {
  readonly source: string;
  /** Dialects whose prompt is checked; qwen for every case. */
  readonly dialects: readonly (FimDialect | 'chat')[];
  readonly contextWindow?: number;
  /** Simulated user activity in the other files before the request. */
  readonly activity?: (index: DocumentIndex) => void;
}

const allDialects: readonly (FimDialect | 'chat')[] = [
  'qwen',
  'starcoder',
  'deepseek',
  'codellama',
  'codestral',
  'suffix',
  'none',
  'chat',
];

const cases: readonly Case[] = [
  {
    source: 'ts-clamp-call.ts.txt',
    dialects: allDialects,
    activity: (index) => {
      index.applyChanges('ws:geometry.ts', 2, [
        { offset: 0, deletedLength: 0, text: '// shared geometry\n' },
      ]);
    },
  },
  { source: 'ts-empty-method.ts.txt', dialects: ['qwen'] },
  { source: 'ts-blank-in-block.ts.txt', dialects: ['qwen'] },
  { source: 'ts-object-literal.ts.txt', dialects: ['qwen'] },
  { source: 'ts-long-class.ts.txt', dialects: ['qwen', 'codellama'], contextWindow: 400 },
  { source: 'tsx-component.tsx.txt', dialects: ['qwen'] },
  { source: 'js-arrow.js.txt', dialects: ['qwen'] },
  {
    source: 'py-def-body.py.txt',
    dialects: allDialects,
    activity: (index) => index.recordView('ws:stats.py', 14),
  },
  { source: 'py-midline.py.txt', dialects: ['qwen'] },
  { source: 'py-after-colon.py.txt', dialects: ['qwen'] },
  { source: 'go-method.go.txt', dialects: ['qwen', 'starcoder'] },
  { source: 'java-service.java.txt', dialects: ['qwen'] },
  // Error recovery folds the class and method around `return handlers.` into one ERROR node.
  { source: 'java-error-nested.java.txt', dialects: ['qwen'] },
  { source: 'ts-export-default-class.ts.txt', dialects: ['qwen'] },
  { source: 'rust-fn.rs.txt', dialects: ['qwen'] },
  { source: 'cpp-loop.cpp.txt', dialects: ['qwen', 'deepseek'] },
  { source: 'cs-method.cs.txt', dialects: ['qwen'] },
  { source: 'txt-plain.md.txt', dialects: ['qwen'] },
];

function profileFor(dialect: FimDialect | 'chat', contextWindow: number): CompletionProfile {
  return {
    id: 'golden',
    model: 'golden-model',
    fimDialect: dialect === 'chat' ? 'none' : dialect,
    apiStyle: dialect === 'chat' ? 'chat' : 'completions',
    contextWindow,
    maxTokens: 96,
    temperature: 0.2,
  };
}

describe('golden: context, multi-line decision and prompts', () => {
  const trees = new SyntaxTrees(wasmDir);
  before(async () => {
    for (const id of new Set(Object.values(languageByExt))) await trees.loadLanguage(id);
  });
  after(() => trees.dispose());

  for (const c of cases) {
    describe(c.source, () => {
      const languageId = languageOf(c.source);
      const raw = fs.readFileSync(path.join(root, 'sources', c.source), 'utf8');
      const offset = raw.indexOf(cursor);
      const text = raw.replace(cursor, '');
      const docPath = `src/${c.source.replace(/\.txt$/, '')}`;
      const build = (): GatheredContext => {
        const index = new DocumentIndex(trees);
        for (const file of fs.readdirSync(path.join(root, 'workspace')).sort()) {
          if (languageOf(file) !== languageId) continue;
          const name = file.replace(/\.txt$/, '');
          index.upsert({
            uri: `ws:${name}`,
            path: `src/${name}`,
            languageId,
            version: 1,
            text: fs.readFileSync(path.join(root, 'workspace', file), 'utf8'),
          });
        }
        c.activity?.(index);
        const doc = { uri: `file:${docPath}`, path: docPath, languageId, version: 1, text };
        index.upsert(doc);
        // A clock that never advances: the budget never runs out, so the expectation is exact.
        const gatherer = new ContextGatherer(index, trees, { now: () => 0 });
        return gatherer.gather(doc, offset);
      };

      it('selects context and decides single- vs multi-line', () => {
        golden(`context/${c.source.replace(/\.txt$/, '')}.json`, summarise(build()));
      });

      for (const dialect of c.dialects) {
        it(`builds the ${dialect} prompt`, () => {
          const context = build();
          const doc = { uri: `file:${docPath}`, path: docPath, languageId, version: 1, text };
          const prompt = buildPrompt({
            profile: profileFor(dialect, c.contextWindow ?? 2048),
            document: doc,
            offset,
            context,
          });
          golden(`prompts/${c.source.replace(/\.txt$/, '')}.${dialect}.txt`, renderRequest(prompt.request));
          // Same state, same bytes: server-side prefix caches depend on it.
          const again = buildPrompt({
            profile: profileFor(dialect, c.contextWindow ?? 2048),
            document: doc,
            offset,
            context: build(),
          });
          assert.equal(again.cacheKey, prompt.cacheKey);
        });
      }
    });
  }

  it('drops work that does not fit the time budget instead of waiting for it', () => {
    const index = new DocumentIndex(trees);
    const geometry = fs.readFileSync(path.join(root, 'workspace', 'geometry.ts.txt'), 'utf8');
    index.upsert({
      uri: 'ws:geometry.ts',
      path: 'src/geometry.ts',
      languageId: 'typescript',
      version: 1,
      text: geometry,
    });
    const raw = fs.readFileSync(path.join(root, 'sources', 'ts-clamp-call.ts.txt'), 'utf8');
    const doc = {
      uri: 'file:a.ts',
      path: 'src/a.ts',
      languageId: 'typescript',
      version: 1,
      text: raw.replace(cursor, ''),
    };
    index.upsert(doc);
    // Every look at the clock costs 10 ms against a 15 ms budget.
    let t = 0;
    const slow = new ContextGatherer(index, trees, { now: () => (t += 10) }, { budgetMs: 15 });
    const ctx = slow.gather(doc, raw.indexOf(cursor));
    assert.equal(ctx.truncated, true);
    assert.equal(ctx.snippets.length, 0);
    const fast = new ContextGatherer(index, trees, { now: () => 0 });
    assert.ok(fast.gather(doc, raw.indexOf(cursor)).snippets.some((s) => s.kind === 'definition'));
  });

  it('reparses incrementally after edits and sees the new text', () => {
    const index = new DocumentIndex(trees);
    const text = 'function f() {\n  return 1;\n}\n';
    const doc = { uri: 'file:b.ts', path: 'b.ts', languageId: 'typescript', version: 1, text };
    index.upsert(doc);
    const first = trees.tree(doc);
    assert.ok(first !== undefined);
    index.applyChanges('file:b.ts', 2, [
      { offset: text.length, deletedLength: 0, text: 'class K {\n  \n}\n' },
    ]);
    const edited = index.get('file:b.ts');
    assert.ok(edited !== undefined);
    const gatherer = new ContextGatherer(index, trees, { now: () => 0 });
    const ctx = gatherer.gather(edited, edited.text.indexOf('  \n}') + 2);
    assert.equal(ctx.multiline, true);
    assert.deepEqual(
      ctx.scopeHeaders.map((h) => h.text),
      ['class K {'],
    );
  });
});
