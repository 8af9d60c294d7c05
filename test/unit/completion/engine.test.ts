import assert from 'node:assert/strict';
import { CompletionEngine } from '../../../src/completion/completionEngine';
import type {
  CompletionEngineOptions,
  CompletionRequest,
  Suggestion,
} from '../../../src/completion/completionEngine';
import { isRequestOutcome } from '../../../src/completion/completionEvents';
import type { CompletionEvent } from '../../../src/completion/completionEvents';
import { passThroughGuard } from '../../../src/completion/completionPorts';
import type {
  CompletionBackend,
  CompletionGuard,
  CompletionProfile,
  ModelRequest,
} from '../../../src/completion/completionPorts';
import type { GatheredContext } from '../../../src/completion/contextGatherer';
import { DocumentIndex } from '../../../src/completion/documentIndex';
import type { DocumentSnapshot } from '../../../src/completion/documentIndex';
import { VirtualClock } from '../../../src/completion/virtualClock';

const profile: CompletionProfile = {
  id: 'local',
  model: 'qwen2.5-coder:1.5b-base',
  fimDialect: 'qwen',
  apiStyle: 'completions',
  contextWindow: 4096,
  maxTokens: 128,
  temperature: 0.1,
};

/** Speaks the backend interface over simulated time: waits `latency`, then streams the answer in chunks. */
class FakeBackend implements CompletionBackend {
  readonly requests: ModelRequest[] = [];
  readonly aborted: ModelRequest[] = [];
  constructor(
    private readonly clock: VirtualClock,
    private readonly answer: (request: ModelRequest) => string | Error,
    private readonly latency = 100,
    private readonly chunkMs = 10,
  ) {}

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<string> {
    this.requests.push(request);
    signal.addEventListener('abort', () => this.aborted.push(request), { once: true });
    const answer = this.answer(request);
    try {
      await this.clock.sleep(this.latency, signal);
    } catch {
      return;
    }
    if (answer instanceof Error) throw answer;
    for (let i = 0; i < answer.length; i += 4) {
      if (signal.aborted) return;
      yield answer.slice(i, i + 4);
      try {
        await this.clock.sleep(this.chunkMs, signal);
      } catch {
        return;
      }
    }
  }
}

const singleLine: GatheredContext = {
  multiline: false,
  imports: [],
  scopeHeaders: [],
  snippets: [],
  truncated: false,
  parsed: false,
};

function setup(
  answer: (request: ModelRequest) => string | Error,
  overrides: Partial<CompletionEngineOptions> = {},
): { engine: CompletionEngine; clock: VirtualClock; backend: FakeBackend; events: CompletionEvent[] } {
  const clock = new VirtualClock();
  const backend = new FakeBackend(clock, answer);
  const events: CompletionEvent[] = [];
  const engine = new CompletionEngine({
    profile,
    backend,
    guard: passThroughGuard,
    clock,
    timers: clock,
    eventSink: (e) => events.push(e),
    gatherContext: () => singleLine,
    ...overrides,
  });
  return { engine, clock, backend, events };
}

function at(text: string, version: number): CompletionRequest {
  return {
    document: { uri: 'file:///a.ts', path: 'a.ts', languageId: 'typescript', version, text },
    offset: text.length,
    trigger: 'automatic',
  };
}

const outcomes = (events: CompletionEvent[]): string[] => events.filter(isRequestOutcome).map((e) => e.type);

describe('completion engine', () => {
  it('debounces, requests once and produces a suggestion with exactly one terminal event', async () => {
    const { engine, clock, backend, events } = setup(() => 'hello(world);');
    const pending = engine.provide(at('const x = ', 1));
    await clock.advance(2000);
    const s = await pending;
    assert.equal(s?.text, 'hello(world);');
    assert.equal(backend.requests.length, 1);
    assert.deepEqual(outcomes(events), ['produced']);
    const produced = events.find((e) => e.type === 'produced');
    assert.ok(produced !== undefined && produced.type === 'produced' && produced.firstTokenMs === 100);
  });

  it('aborts a superseded request, settles its promise, and reports it cancelled once', async () => {
    const { engine, clock, backend, events } = setup(() => 'abcdefgh');
    const first = engine.provide(at('let a = 1;\nfoo', 1));
    // Past the debounce and the first chunks: the stream has shown what it proposes.
    await clock.advance(engine.currentDebounceMs() + 115);
    assert.equal(backend.requests.length, 1);
    // The user types something the stream cannot match: the request must be aborted.
    const second = engine.provide(at('let a = 1;\nfooX', 2));
    assert.equal(await first, undefined);
    await clock.advance(2000);
    assert.equal(backend.aborted.length >= 1, true);
    assert.equal((await second)?.text, 'abcdefgh');
    assert.deepEqual(outcomes(events), ['cancelled', 'produced']);
  });

  it('settles a provide whose debounce is superseded without issuing a request', async () => {
    const { engine, clock, backend, events } = setup(() => 'x');
    const first = engine.provide(at('a', 1));
    const second = engine.provide(at('ab', 2));
    assert.equal(await first, undefined);
    await clock.advance(2000);
    await second;
    assert.equal(backend.requests.length, 1);
    assert.equal(outcomes(events).length, 1);
  });

  it('answers the same state from the cache without a new request', async () => {
    const { engine, clock, backend } = setup(() => 'cached();');
    const p1 = engine.provide(at('run', 1));
    await clock.advance(2000);
    assert.equal((await p1)?.source, 'model');
    const p2 = engine.provide(at('runX', 2));
    await clock.advance(2000);
    await p2;
    const p3 = engine.provide(at('run', 3));
    await clock.advance(2000);
    const s3 = await p3;
    assert.equal(s3?.source, 'cache');
    assert.equal(s3?.text, 'cached();');
    assert.equal(backend.requests.length, 2);
  });

  it('types through a shown suggestion without a new request, keeping its id', async () => {
    const { engine, clock, backend, events } = setup(() => 'hello world');
    const p1 = engine.provide(at('say ', 1));
    await clock.advance(2000);
    const s1 = (await p1) as Suggestion;
    engine.handleShown(s1.id);
    engine.handleShown(s1.id);
    const s2 = await engine.provide(at('say he', 2));
    assert.equal(s2?.text, 'llo world');
    assert.equal(s2?.id, s1.id);
    assert.equal(s2?.source, 'typeThrough');
    engine.handleShown(s1.id);
    assert.equal(backend.requests.length, 1);
    assert.equal(events.filter((e) => e.type === 'shown').length, 1);
  });

  it('reports a shown suggestion the user types over as dismissed (superseded)', async () => {
    const { engine, clock, events } = setup(() => 'hello world');
    const p1 = engine.provide(at('say ', 1));
    await clock.advance(2000);
    const s1 = (await p1) as Suggestion;
    engine.handleShown(s1.id);
    const p2 = engine.provide(at('say q', 2));
    await clock.advance(2000);
    await p2;
    const dismissed = events.find((e) => e.type === 'dismissed');
    assert.ok(dismissed !== undefined && dismissed.type === 'dismissed');
    assert.equal(dismissed.reason, 'superseded');
    assert.equal(dismissed.suggestionId, s1.id);
  });

  it('reuses an in-flight stream the user is typing through', async () => {
    const { engine, clock, backend, events } = setup(() => 'console.log(x);');
    const p1 = engine.provide(at('  ', 1));
    await clock.advance(engine.currentDebounceMs() + 1);
    assert.equal(backend.requests.length, 1);
    // Before the model answers, the user types the first characters it will propose.
    const p2 = engine.provide(at('  con', 2));
    await clock.advance(2000);
    assert.equal(await p1, undefined);
    const s2 = await p2;
    assert.equal(s2?.text, 'sole.log(x);');
    assert.equal(s2?.source, 'inFlight');
    assert.equal(backend.requests.length, 1);
    assert.equal(backend.aborted.length, 0);
    assert.deepEqual(outcomes(events), ['produced']);
  });

  it('ends a request blocked by the input guard without calling the model', async () => {
    const blocking: CompletionGuard = {
      scanInput: (text) =>
        text.includes('AKIA')
          ? { decision: 'block', text, message: 'AWS key in prompt' }
          : { decision: 'allow', text },
      createOutputScanner: () => passThroughGuard.createOutputScanner(),
    };
    const { engine, clock, backend, events } = setup(() => 'x', { guard: blocking });
    const p = engine.provide(at('const key = "AKIAIOSFODNN7EXAMPLE";\n', 1));
    await clock.advance(2000);
    assert.equal(await p, undefined);
    assert.equal(backend.requests.length, 0);
    const blocked = events.find((e) => e.type === 'blocked');
    assert.ok(blocked !== undefined && blocked.type === 'blocked');
    assert.equal(blocked.direction, 'input');
    assert.equal(blocked.message, 'AWS key in prompt');
    assert.deepEqual(outcomes(events), ['blocked']);
  });

  it('sends the redacted prompt when the guard redacts', async () => {
    const redacting: CompletionGuard = {
      scanInput: (text) => ({ decision: 'redact', text: text.replace(/hunter2/g, '[REDACTED]') }),
      createOutputScanner: () => passThroughGuard.createOutputScanner(),
    };
    const { engine, clock, backend } = setup(() => 'x', { guard: redacting });
    const p = engine.provide(at('password = "hunter2"\n', 1));
    await clock.advance(2000);
    await p;
    const sent = backend.requests[0];
    assert.ok(sent !== undefined && sent.apiStyle === 'completions');
    assert.equal(sent.prompt.includes('hunter2'), false);
    assert.equal(sent.prompt.includes('[REDACTED]'), true);
  });

  it('ends as blocked when the output scanner blocks a chunk', async () => {
    const outGuard: CompletionGuard = {
      scanInput: (text) => ({ decision: 'allow', text }),
      createOutputScanner: () => {
        let seen = '';
        return {
          push: (chunk) => {
            seen += chunk;
            return seen.includes('secret')
              ? { text: '', blocked: true, message: 'secret in answer' }
              : { text: chunk, blocked: false };
          },
          end: () => ({ text: '', blocked: false }),
        };
      },
    };
    const { engine, clock, events } = setup(() => 'a secret value', { guard: outGuard });
    const p = engine.provide(at('x = ', 1));
    await clock.advance(2000);
    assert.equal(await p, undefined);
    assert.deepEqual(outcomes(events), ['blocked']);
  });

  it('reports failed and empty outcomes', async () => {
    const failing = setup(() => new Error('HTTP 500'));
    const p1 = failing.engine.provide(at('x', 1));
    await failing.clock.advance(2000);
    assert.equal(await p1, undefined);
    assert.deepEqual(outcomes(failing.events), ['failed']);

    const blank = setup(() => '   \n');
    const p2 = blank.engine.provide(at('x', 1));
    await blank.clock.advance(2000);
    assert.equal(await p2, undefined);
    assert.deepEqual(outcomes(blank.events), ['empty']);
  });

  it('gives every issued request exactly one terminal event across a typing session', async () => {
    const { engine, clock, backend, events } = setup((r) =>
      r.apiStyle === 'completions' && r.prompt.length % 3 === 0 ? '' : 'value;',
    );
    const text = 'const answer = compute(value);\nfunction f() { return 1; }\n';
    const pending: Promise<unknown>[] = [];
    for (let i = 1; i <= text.length; i++) {
      pending.push(engine.provide(at(text.slice(0, i), i)));
      await clock.advance(i % 7 === 0 ? 900 : 60 + ((i * 37) % 140));
    }
    await clock.advance(5000);
    await Promise.all(pending);
    const ends = events.filter(isRequestOutcome);
    assert.equal(ends.length, backend.requests.length);
    assert.equal(new Set(ends.map((e) => e.requestId)).size, ends.length);
  });

  it('adapts the debounce to the typing rhythm instead of a fixed delay', async () => {
    const fast = setup(() => 'x');
    for (let i = 1; i < 40; i++) {
      void fast.engine.provide(at('a'.repeat(i), i));
      await fast.clock.advance(60);
    }
    const slow = setup(() => 'x');
    for (let i = 1; i < 40; i++) {
      void slow.engine.provide(at('a'.repeat(i), i));
      await slow.clock.advance(400);
    }
    assert.ok(fast.engine.currentDebounceMs() < slow.engine.currentDebounceMs());
    assert.ok(fast.engine.currentDebounceMs() < 350);
    const fixed = setup(() => 'x', { debounce: { mode: 'fixed', fixedMs: 350 } });
    assert.equal(fixed.engine.currentDebounceMs(), 350);
  });

  it('emits a hint once when the model echoes FIM tokens', async () => {
    const { engine, clock, events } = setup(() => 'foo()<|fim_middle|>bar');
    for (let v = 1; v <= 2; v++) {
      const p = engine.provide(at(`x${'y'.repeat(v)}`, v));
      await clock.advance(2000);
      assert.equal((await p)?.text, 'foo()');
    }
    assert.equal(events.filter((e) => e.type === 'hint' && e.hint.kind === 'echoedFimTokens').length, 1);
  });

  it('records accepted and partially accepted suggestions', async () => {
    const { engine, clock, events } = setup(() => 'one two three');
    const p = engine.provide(at('go ', 1));
    await clock.advance(2000);
    const s = (await p) as Suggestion;
    engine.handleShown(s.id);
    engine.handlePartialAccept(s.id, 'word', 4);
    engine.handleAccepted(s.id, 'two three');
    const kinds = events.map((e) => e.type);
    assert.deepEqual(kinds.slice(-3), ['shown', 'partiallyAccepted', 'accepted']);
    const accepted = events[events.length - 1];
    assert.ok(accepted?.type === 'accepted' && accepted.chars === 9);
  });

  it('does not type through when the text before the suggestion changed, even at the same length', async () => {
    const { engine, clock, backend } = setup(() => 'hello world');
    const p1 = engine.provide(at('let a = 1;\nsay ', 1));
    await clock.advance(2000);
    const s1 = (await p1) as Suggestion;
    engine.handleShown(s1.id);
    // One character above was replaced and one typed: the typed one matches, the line above does not.
    const p2 = engine.provide(at('let b = 1;\nsay h', 2));
    await clock.advance(2000);
    const s2 = await p2;
    assert.notEqual(s2?.source, 'typeThrough');
    assert.equal(backend.requests.length, 2);
  });

  it('indents multi-line answers with the unit the document index keeps current across edits', async () => {
    const multiline: GatheredContext = { ...singleLine, multiline: true };
    const answer = 'if (ready) {\n    go();\n}';
    const index = new DocumentIndex();
    const spaces = 'function f() {\n  a();\n  if (b) {\n    c();\n  }\n}\n';
    index.upsert({ uri: 'file:///t.ts', path: 't.ts', languageId: 'typescript', version: 1, text: spaces });
    // The whole body re-indented with tabs by one edit: the unit must follow the edit, not the first text.
    const tabs = 'function f() {\n\ta();\n\tif (b) {\n\t\tc();\n\t}\n\t\n}\n';
    index.applyChanges('file:///t.ts', 2, [{ offset: 0, deletedLength: spaces.length, text: tabs }]);
    const doc = index.get('file:///t.ts');
    assert.ok(doc !== undefined && doc.lines?.version === 2);
    const offset = tabs.indexOf('\t\n}') + 1;
    const suggest = async (document: DocumentSnapshot): Promise<string | undefined> => {
      const { engine, clock } = setup(() => answer, { gatherContext: () => multiline });
      const p = engine.provide({ document, offset, trigger: 'explicit' });
      await clock.advance(2000);
      return (await p)?.text;
    };
    const fromIndex = await suggest(doc);
    // With the two-space unit of the first text the model's four spaces would have been kept.
    assert.equal(fromIndex, 'if (ready) {\n\tgo();\n}');
    // A plain snapshot of the same text (no line index) gets the same answer from a full scan.
    const plain: DocumentSnapshot = {
      uri: 'file:///plain.ts',
      path: 't.ts',
      languageId: 'typescript',
      version: 2,
      text: doc.text,
    };
    assert.equal(await suggest(plain), fromIndex);
  });
});
