// Replays typing real source files keystroke by keystroke (human-like jitter and pauses) in simulated
// time against a model with fixed latency that streams the file's real next characters, comparing the
// "aegis" strategy (adaptive debounce, cache, type-through) with "fixed350" (fixed 350 ms debounce, no
// type-through), plus "everyKeystroke" (a request on every keystroke, no debounce) for enough samples
// of the engine's own time. Prints one JSON object keyed by language. Usage:
//   npx tsx bench/completion.ts --files <source files...> [--keystrokes N] [--clock cpu|wall]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionEngine } from '../src/completion/completionEngine';
import type { EngineTiming } from '../src/completion/completionEngine';
import { isRequestOutcome } from '../src/completion/completionEvents';
import type { CompletionEvent } from '../src/completion/completionEvents';
import { passThroughGuard } from '../src/completion/completionPorts';
import type { CompletionBackend, CompletionProfile, ModelRequest } from '../src/completion/completionPorts';
import { ContextGatherer } from '../src/completion/contextGatherer';
import { DocumentIndex } from '../src/completion/documentIndex';
import { SyntaxTrees } from '../src/completion/syntaxTrees';
import { VirtualClock } from '../src/completion/virtualClock';

const languageByExt: Record<string, string> = {
  ts: 'typescript',
  tsx: 'typescriptreact',
  js: 'javascript',
  mjs: 'javascript',
  py: 'python',
  go: 'go',
  java: 'java',
  rs: 'rust',
  cpp: 'cpp',
  cc: 'cpp',
  hpp: 'cpp',
  cs: 'csharp',
  rb: 'ruby',
};

const firstTokenMs = 150;
const chunkMs = 15;
const chunkChars = 8;
const contextLines = 5000;

/** The language from the file name; a trailing `.txt` (as on the golden fixtures) is ignored. */
function languageOf(file: string): string {
  const name = path.basename(file).replace(/\.txt$/, '');
  const ext = name.includes('.') ? (name.split('.').pop() ?? '') : '';
  return languageByExt[ext] ?? 'plaintext';
}

/** Process CPU time (all threads), so time the scheduler gives to other processes is not counted. */
const cpuClock = {
  now: (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  },
};

const profile: CompletionProfile = {
  id: 'bench',
  model: 'bench-coder',
  fimDialect: 'qwen',
  apiStyle: 'completions',
  contextWindow: 8192,
  maxTokens: 128,
  temperature: 0.1,
};

/** Mulberry32: a small seeded generator so every run replays the same typing. */
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

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** The keystroke schedule: gap before each character, with pauses every few words or at line ends. */
function schedule(text: string, seed: number): number[] {
  const rnd = random(seed);
  const gaps: number[] = [];
  let wordsUntilPause = 3 + Math.floor(rnd() * 6);
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    let gap = 80 + rnd() * 120;
    if (ch === ' ' || ch === '\n') {
      wordsUntilPause--;
      if (wordsUntilPause <= 0 || (ch === '\n' && rnd() < 0.3)) {
        gap = 500 + rnd() * 1500;
        wordsUntilPause = 3 + Math.floor(rnd() * 6);
      }
    }
    gaps.push(gap);
  }
  return gaps;
}

interface StrategyResult {
  requestsMeasured: number;
  overheadMsP50: number;
  overheadMsP99: number;
  contextMsP50: number;
  contextMsP99: number;
  requestsPer100Keystrokes: number;
  cancelledShare: number;
  cacheHitRate: number;
  timeToGhostMsP50: number;
  pausesWithGhostShare: number;
  keystrokes: number;
  keystrokeEditMsP50: number;
  keystrokeEditMsP99: number;
  parses: { full: number; incremental: number; cancelled: number };
}

type Strategy = 'aegis' | 'fixed350' | 'everyKeystroke';

async function replay(
  trees: SyntaxTrees,
  languageId: string,
  base: string,
  typed: string,
  strategy: Strategy,
  engineClock: { now: () => number },
): Promise<StrategyResult> {
  const parsesBefore = { ...trees.parses };
  const clock = new VirtualClock();
  const uri = `file:///bench-${strategy}`;
  const index = new DocumentIndex(trees);
  index.upsert({ uri, path: `src/bench.${languageId}`, languageId, version: 0, text: base });
  const gatherer = new ContextGatherer(index, trees, { now: () => performance.now() });
  gatherer.warm(uri);
  let position = 0;
  const backend: CompletionBackend & { requests: number } = {
    requests: 0,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<string> {
      this.requests++;
      // The "model" knows the file: it proposes the real next characters (to the line end, or a few lines).
      const from = position;
      const lineEnd = typed.indexOf('\n', from);
      let end = lineEnd === -1 ? typed.length : lineEnd;
      if (request.maxTokens > 64)
        for (let k = 0; k < 3 && end < typed.length; k++)
          end = typed.indexOf('\n', end + 1) === -1 ? typed.length : typed.indexOf('\n', end + 1);
      const answer = typed.slice(from, end);
      try {
        await clock.sleep(firstTokenMs, signal);
        for (let i = 0; i < answer.length; i += chunkChars) {
          yield answer.slice(i, i + chunkChars);
          await clock.sleep(chunkMs, signal);
        }
      } catch {
        return;
      }
    },
  };
  const events: CompletionEvent[] = [];
  const timings: EngineTiming[] = [];
  const engine = new CompletionEngine({
    profile,
    backend,
    guard: passThroughGuard,
    clock,
    timers: clock,
    eventSink: (e) => events.push(e),
    gatherContext: (doc, offset) => gatherer.gather(doc, offset),
    debounce: strategy === 'aegis' ? { mode: 'adaptive' } : { mode: 'fixed', fixedMs: 350 },
    typeThrough: strategy === 'aegis',
    cpuClock: engineClock,
    onTiming: (t) => timings.push(t),
  });

  const gaps = schedule(typed, 7);
  let ghostAt: number | undefined;
  let keystroke = 0;
  const pending: Promise<unknown>[] = [];
  const ghostTimes: number[] = [];
  let pauses = 0;
  let pausesWithGhost = 0;
  const editMs: number[] = [];
  for (let i = 0; i < typed.length; i++) {
    const oldLength = base.length + i;
    const editStart = engineClock.now();
    index.applyChanges(uri, i + 1, [{ offset: oldLength, deletedLength: 0, text: typed.charAt(i) }]);
    editMs.push(engineClock.now() - editStart);
    position = i + 1;
    keystroke = i;
    ghostAt = undefined;
    const doc = index.get(uri);
    if (doc === undefined) throw new Error('document lost');
    const mine = i;
    const typedAt = clock.now();
    pending.push(
      engine
        .provide({
          document: doc,
          offset: doc.text.length,
          trigger: strategy === 'everyKeystroke' ? 'explicit' : 'automatic',
        })
        .then((s) => {
          if (s !== undefined && keystroke === mine) {
            engine.handleShown(s.id);
            ghostAt ??= clock.now() - typedAt;
          }
        }),
    );
    const gap = gaps[i] ?? 100;
    await clock.advance(gap);
    if (gap >= 500) {
      pauses++;
      if (ghostAt !== undefined) {
        pausesWithGhost++;
        ghostTimes.push(ghostAt);
      } else {
        ghostTimes.push(gap);
      }
    }
  }
  await clock.advance(10_000);
  await Promise.all(pending);
  const ends = events.filter(isRequestOutcome);
  const worked = timings.filter(
    (t) => t.source === 'model' || t.source === 'cache' || (t.source === 'none' && t.contextMs > 0),
  );
  const cacheHits = timings.filter((t) => t.source === 'cache').length;
  trees.forget(uri);
  return {
    requestsMeasured: worked.length,
    overheadMsP50: round(
      percentile(
        worked.map((t) => t.overheadMs),
        50,
      ),
    ),
    overheadMsP99: round(
      percentile(
        worked.map((t) => t.overheadMs),
        99,
      ),
    ),
    contextMsP50: round(
      percentile(
        worked.map((t) => t.contextMs),
        50,
      ),
    ),
    contextMsP99: round(
      percentile(
        worked.map((t) => t.contextMs),
        99,
      ),
    ),
    requestsPer100Keystrokes: round((backend.requests / typed.length) * 100),
    cancelledShare: round(
      ends.length === 0 ? 0 : ends.filter((e) => e.type === 'cancelled').length / ends.length,
    ),
    cacheHitRate: round(cacheHits + backend.requests === 0 ? 0 : cacheHits / (cacheHits + backend.requests)),
    timeToGhostMsP50: round(percentile(ghostTimes, 50)),
    pausesWithGhostShare: round(pauses === 0 ? 0 : pausesWithGhost / pauses),
    keystrokes: typed.length,
    keystrokeEditMsP50: round(percentile(editMs, 50)),
    keystrokeEditMsP99: round(percentile(editMs, 99)),
    parses: {
      full: trees.parses.full - parsesBefore.full,
      incremental: trees.parses.incremental - parsesBefore.incremental,
      cancelled: trees.parses.cancelled - parsesBefore.cancelled,
    },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const filesAt = args.indexOf('--files');
  const limitAt = args.indexOf('--keystrokes');
  const clockAt = args.indexOf('--clock');
  const engineClock =
    clockAt !== -1 && args[clockAt + 1] === 'wall' ? { now: () => performance.now() } : cpuClock;
  const limit = limitAt === -1 ? 1500 : Number(args[limitAt + 1]);
  const files =
    filesAt === -1
      ? []
      : args
          .slice(filesAt + 1)
          .filter(
            (a, i, all) => !a.startsWith('--') && all[i - 1] !== '--keystrokes' && all[i - 1] !== '--clock',
          );
  if (files.length === 0)
    throw new Error('usage: npx tsx bench/completion.ts --files <source files...> [--keystrokes N]');
  const trees = new SyntaxTrees(path.dirname(require.resolve('@vscode/tree-sitter-wasm')));
  const out: Record<string, Record<string, StrategyResult | number | string>> = {};
  for (const file of files) {
    const languageId = languageOf(file);
    await trees.loadLanguage(languageId);
    const source = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
    // The document being edited: whole copies of the file up to at least 5,000 lines (cutting a copy
    // short would leave an unclosed class at the end, which no real file has), then the file typed
    // again at its end.
    const copy = source.endsWith('\n') ? source : `${source}\n`;
    const copyLines = copy.split('\n').length - 1;
    const base = copy.repeat(Math.max(1, Math.ceil(contextLines / Math.max(1, copyLines))));
    const typed = source.slice(0, limit);
    const key = out[languageId] === undefined ? languageId : `${languageId}:${path.basename(file)}`;
    out[key] = {
      documentLines: base.split('\n').length - 1,
      clock: engineClock === cpuClock ? 'cpu' : 'wall',
      aegis: await replay(trees, languageId, base, typed, 'aegis', engineClock),
      fixed350: await replay(trees, languageId, base, typed, 'fixed350', engineClock),
      everyKeystroke: await replay(trees, languageId, base, typed, 'everyKeystroke', engineClock),
    };
  }
  trees.dispose();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main();
