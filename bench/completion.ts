// Replays typing real source files keystroke by keystroke (human-like jitter and pauses) in simulated
// time against a model with fixed latency that streams the file's real next characters, comparing the
// "aegis" strategy (adaptive debounce, cache, type-through) with "fixed350" (fixed 350 ms debounce, no
// type-through), plus "everyKeystroke" (a request on every keystroke, no debounce). Each file becomes a
// document of at least 5,000 lines in which several typing sessions, spread over the document, delete a
// passage and type it back, so every strategy has enough requests for a p99. Prints one JSON object
// keyed by language. Usage:
//   npx tsx bench/completion.ts --files <source files...> [--sessions N] [--keystrokes N] [--warmup N]
//     [--strategies a,b] [--clock cpu|wall]

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
import { IdleParses } from '../src/completion/idleParses';
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
  requests: number;
  sessions: number;
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
  parses: { full: number; incremental: number; cancelled: number; resumed: number };
}

type Strategy = 'aegis' | 'fixed350' | 'everyKeystroke';

/** One typing session: the passage at `start` is deleted, then typed back character by character. */
interface Session {
  readonly start: number;
  readonly text: string;
}

/** `count` sessions at line starts spread evenly over the document, each retyping about `length` characters. */
function sessionsFor(doc: string, count: number, length: number): Session[] {
  const lineStarts = [0];
  for (let i = doc.indexOf('\n'); i !== -1; i = doc.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const sessions: Session[] = [];
  for (let k = 0; k < count; k++) {
    const line = Math.floor(((k + 0.5) / count) * (lineStarts.length - 1));
    const start = lineStarts[line] ?? 0;
    // The passage ends at a line end, so the cursor line has nothing after it while it is typed, as
    // when new code goes in between existing lines.
    const lineEnd = doc.indexOf('\n', start + length);
    const text = doc.slice(start, lineEnd === -1 ? doc.length : lineEnd);
    if (text.length > 0) sessions.push({ start, text });
  }
  return sessions;
}

async function replay(
  trees: SyntaxTrees,
  languageId: string,
  original: string,
  sessions: readonly Session[],
  strategy: Strategy,
  engineClock: { now: () => number },
): Promise<StrategyResult> {
  const parsesBefore = { ...trees.parses };
  const clock = new VirtualClock();
  const uri = `file:///bench-${strategy}`;
  const index = new DocumentIndex(trees);
  let version = 0;
  index.upsert({ uri, path: `src/bench.${languageId}`, languageId, version, text: original });
  const gatherer = new ContextGatherer(index, trees, { now: () => performance.now() });
  gatherer.warm(uri);
  // The extension's idle parsing, on the simulated clock: parses cut off by a request's budget finish
  // in slices while the user pauses (their time is not any request's).
  const idle = new IdleParses(gatherer, clock);
  let cursor = 0;
  let sessionEnd = 0;
  const backend: CompletionBackend & { requests: number } = {
    requests: 0,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<string> {
      this.requests++;
      // The "model" knows the file: it proposes the passage's real next characters (to the line end, or
      // a few lines for a multi-line request), up to the end of the passage being retyped.
      const from = cursor;
      const lineEnd = original.indexOf('\n', from);
      let end = lineEnd === -1 ? original.length : lineEnd;
      if (request.maxTokens > 64)
        for (let k = 0; k < 3 && end < original.length; k++) {
          const next = original.indexOf('\n', end + 1);
          end = next === -1 ? original.length : next;
        }
      const answer = original.slice(from, Math.min(end, sessionEnd));
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

  let ghostAt: number | undefined;
  let keystroke = 0;
  let keystrokes = 0;
  const pending: Promise<unknown>[] = [];
  const ghostTimes: number[] = [];
  let pauses = 0;
  let pausesWithGhost = 0;
  const editMs: number[] = [];
  for (const [k, session] of sessions.entries()) {
    // Select the passage, delete it, and pause before typing it again.
    index.applyChanges(uri, ++version, [
      { offset: session.start, deletedLength: session.text.length, text: '' },
    ]);
    sessionEnd = session.start + session.text.length;
    idle.schedule();
    await clock.advance(2000);
    const gaps = schedule(session.text, 7 + k);
    for (let i = 0; i < session.text.length; i++) {
      const at = session.start + i;
      const editStart = engineClock.now();
      index.applyChanges(uri, ++version, [{ offset: at, deletedLength: 0, text: session.text.charAt(i) }]);
      editMs.push(engineClock.now() - editStart);
      idle.schedule();
      cursor = at + 1;
      const mine = ++keystroke;
      keystrokes++;
      ghostAt = undefined;
      const doc = index.get(uri);
      if (doc === undefined) throw new Error('document lost');
      // A copy, as the extension takes: the index updates its entries in place.
      const snapshot = { ...doc };
      const typedAt = clock.now();
      pending.push(
        engine
          .provide({
            document: snapshot,
            offset: cursor,
            trigger: strategy === 'everyKeystroke' ? 'explicit' : 'automatic',
          })
          .then((s) => {
            idle.schedule();
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
  }
  await clock.advance(10_000);
  await Promise.all(pending);
  const ends = events.filter(isRequestOutcome);
  const worked = timings.filter(
    (t) => t.source === 'model' || t.source === 'cache' || (t.source === 'none' && t.contextMs > 0),
  );
  const cacheHits = timings.filter((t) => t.source === 'cache').length;
  idle.dispose();
  trees.forget(uri);
  return {
    requests: worked.length,
    sessions: sessions.length,
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
    requestsPer100Keystrokes: round((backend.requests / keystrokes) * 100),
    cancelledShare: round(
      ends.length === 0 ? 0 : ends.filter((e) => e.type === 'cancelled').length / ends.length,
    ),
    cacheHitRate: round(cacheHits + backend.requests === 0 ? 0 : cacheHits / (cacheHits + backend.requests)),
    timeToGhostMsP50: round(percentile(ghostTimes, 50)),
    pausesWithGhostShare: round(pauses === 0 ? 0 : pausesWithGhost / pauses),
    keystrokes,
    keystrokeEditMsP50: round(percentile(editMs, 50)),
    keystrokeEditMsP99: round(percentile(editMs, 99)),
    parses: {
      full: trees.parses.full - parsesBefore.full,
      incremental: trees.parses.incremental - parsesBefore.incremental,
      cancelled: trees.parses.cancelled - parsesBefore.cancelled,
      resumed: trees.parses.resumed - parsesBefore.resumed,
    },
  };
}

const valueFlags = new Set(['--sessions', '--keystrokes', '--clock', '--strategies', '--warmup']);
const allStrategies: readonly Strategy[] = ['aegis', 'fixed350', 'everyKeystroke'];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at === -1 ? undefined : args[at + 1];
  };
  const engineClock = flag('--clock') === 'wall' ? { now: () => performance.now() } : cpuClock;
  const sessionCount = Number(flag('--sessions') ?? 40);
  const perSession = Number(flag('--keystrokes') ?? 600);
  const warmupSessions = Number(flag('--warmup') ?? 4);
  const strategies = (flag('--strategies') ?? allStrategies.join(','))
    .split(',')
    .filter((name): name is Strategy => (allStrategies as readonly string[]).includes(name));
  const filesAt = args.indexOf('--files');
  const files =
    filesAt === -1
      ? []
      : args
          .slice(filesAt + 1)
          .filter((a, i) => !a.startsWith('--') && !valueFlags.has(args[filesAt + i] ?? ''));
  if (files.length === 0)
    throw new Error(
      'usage: npx tsx bench/completion.ts --files <source files...> [--sessions N] [--keystrokes N] [--warmup N] [--strategies a,b] [--clock cpu|wall]',
    );
  const trees = new SyntaxTrees(path.dirname(require.resolve('@vscode/tree-sitter-wasm')));
  const out: Record<string, Record<string, StrategyResult | number | string>> = {};
  for (const file of files) {
    const languageId = languageOf(file);
    await trees.loadLanguage(languageId);
    const source = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
    // The document being edited: whole copies of the file up to at least 5,000 lines (cutting a copy
    // short would leave an unclosed class at the end, which no real file has).
    const copy = source.endsWith('\n') ? source : `${source}\n`;
    const copyLines = copy.split('\n').length - 1;
    const base = copy.repeat(Math.max(1, Math.ceil(contextLines / Math.max(1, copyLines))));
    const sessions = sessionsFor(base, sessionCount, perSession);
    const key = out[languageId] === undefined ? languageId : `${languageId}:${path.basename(file)}`;
    const result: Record<string, StrategyResult | number | string> = {
      documentLines: base.split('\n').length - 1,
      clock: engineClock === cpuClock ? 'cpu' : 'wall',
    };
    // An untimed replay first: the JIT's and the wasm tier-up's compilation (once per extension host,
    // on helper threads that process CPU time counts) would otherwise land on whichever language is
    // measured first; every language is measured in the same warm state.
    if (warmupSessions > 0)
      await replay(
        trees,
        languageId,
        base,
        sessionsFor(base, warmupSessions, perSession),
        'aegis',
        engineClock,
      );
    for (const strategy of strategies)
      result[strategy] = await replay(trees, languageId, base, sessions, strategy, engineClock);
    out[key] = result;
  }
  trees.dispose();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main();
