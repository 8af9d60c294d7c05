// The inline completion pipeline for one profile: adaptive debounce, type-through of the shown
// suggestion, reuse of an in-flight stream the user is typing through, an LRU cache keyed by exactly
// what determines the answer, the guard on the prompt and on the stream, filters, and the lifecycle
// events. Everything outside (model, guard, time, context) is injected so it runs in plain Node.

import type {
  Clock,
  CompletionBackend,
  CompletionGuard,
  CompletionProfile,
  ModelRequest,
  Timers,
} from './completionPorts';
import type { CompletionEvent, CompletionEventSink } from './completionEvents';
import type { GatheredContext } from './contextGatherer';
import type { DocumentSnapshot } from './documentIndex';
import { detectIndentUnit, StreamFilter } from './completionFilters';
import type { FilterContext } from './completionFilters';
import { detectEchoedFimTokens, detectProfileMismatch, dialectStopTokens } from './fimDialects';
import type { CompletionHint } from './fimDialects';
import { buildPrompt } from './promptBuilder';
import type { BuiltPrompt } from './promptBuilder';

export interface CompletionRequest {
  readonly document: DocumentSnapshot;
  /** Cursor offset in `document.text`. */
  readonly offset: number;
  /** Explicit requests (a keybinding) skip the debounce. */
  readonly trigger: 'automatic' | 'explicit';
}

export interface Suggestion {
  readonly id: string;
  /** Text to insert at `offset` (the remainder, after type-through). */
  readonly text: string;
  readonly offset: number;
  readonly source: 'model' | 'cache' | 'typeThrough' | 'inFlight';
}

export interface DebounceSettings {
  /** `adaptive` learns from typing rhythm and endpoint latency; `fixed` always waits `fixedMs`. */
  readonly mode: 'adaptive' | 'fixed';
  readonly fixedMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export interface EngineTiming {
  /** Real CPU milliseconds the engine spent on this request outside waits (debounce, model). */
  readonly overheadMs: number;
  readonly contextMs: number;
  readonly source: Suggestion['source'] | 'none';
}

export interface CompletionEngineOptions {
  readonly profile: CompletionProfile;
  readonly backend: CompletionBackend;
  readonly guard: CompletionGuard;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly eventSink: CompletionEventSink;
  readonly gatherContext: (document: DocumentSnapshot, offset: number) => GatheredContext;
  readonly debounce?: Partial<DebounceSettings>;
  /** Reuse the shown suggestion and in-flight streams while the user types what they propose. */
  readonly typeThrough?: boolean;
  readonly cacheSize?: number;
  readonly repoName?: string;
  /** Real time for the overhead measurement; defaults to performance.now. */
  readonly cpuClock?: Clock;
  readonly onTiming?: (timing: EngineTiming) => void;
  readonly idPrefix?: string;
}

interface ShownSuggestion {
  id: string;
  uri: string;
  /** Offset where the suggestion's full text starts. */
  anchor: number;
  text: string;
  before: string;
  after: string;
  shownReported: boolean;
  languageId: string;
}

interface InFlight {
  requestId: string;
  uri: string;
  anchor: number;
  before: string;
  after: string;
  controller: AbortController;
  /** Filtered text received so far. */
  received: string;
  result: Promise<{ id: string; text: string } | undefined>;
  stopped: boolean;
  /** Real CPU ms spent handling this stream's chunks. */
  cpuMs: number;
}

/** Typing gaps longer than this are pauses, not rhythm. */
const maxTypingGapMs = 1500;
const defaultDebounce: DebounceSettings = { mode: 'adaptive', fixedMs: 350, minMs: 40, maxMs: 500 };

/** Characters compared on each side of the cursor to tell that only the typed text changed. */
const typeThroughWindow = 16_384;

/**
 * `a.slice(aFrom, aFrom + length) === b.slice(bFrom, bFrom + length)`. Slices of flat strings share
 * their parent's characters and compare natively: about 100x faster than a charCodeAt loop over 16 KB.
 */
function sameRange(a: string, aFrom: number, b: string, bFrom: number, length: number): boolean {
  if (aFrom + length > a.length || bFrom + length > b.length) return false;
  return a.slice(aFrom, aFrom + length) === b.slice(bFrom, bFrom + length);
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** An LRU map: Map keeps insertion order, so re-inserting on read moves an entry to the back. */
class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.limit) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }
  clear(): void {
    this.map.clear();
  }
  get size(): number {
    return this.map.size;
  }
}

export class CompletionEngine {
  private profile: CompletionProfile;
  private readonly debounce: DebounceSettings;
  private readonly typeThrough: boolean;
  private readonly cache: LruCache<string>;
  private readonly cpu: Clock;
  private readonly idPrefix: string;
  private nextId = 0;
  private callSeq = 0;
  private wakeDebounce: (() => void) | undefined;
  private current: ShownSuggestion | undefined;
  private inflight: InFlight | undefined;
  private readonly reportedShown = new Set<string>();
  private readonly hintsGiven = new Set<string>();
  private lastKeystrokeAt: number | undefined;
  /** Exponential moving averages of the typing gap, its deviation, and the time to first token. */
  private typingEma = 150;
  private typingDev = 40;
  private latencyEma = 300;
  private readonly docFacts = new Map<
    string,
    { version: number; eol: '\n' | '\r\n'; indentUnit: string | undefined }
  >();

  constructor(private readonly options: CompletionEngineOptions) {
    this.profile = options.profile;
    this.debounce = { ...defaultDebounce, ...options.debounce };
    this.typeThrough = options.typeThrough ?? true;
    this.cache = new LruCache(options.cacheSize ?? 256);
    this.cpu = options.cpuClock ?? { now: () => performance.now() };
    this.idPrefix = options.idPrefix ?? 'c';
  }

  setProfile(profile: CompletionProfile): void {
    this.profile = profile;
    this.cancelAll();
  }

  /** Drop cached answers (e.g. after the guard policy changed). */
  clearCache(): void {
    this.cache.clear();
  }

  /** The debounce the next automatic request would wait, in ms. */
  currentDebounceMs(): number {
    const d = this.debounce;
    if (d.mode === 'fixed') return d.fixedMs;
    // Like TCP's retransmission timer: the mean gap plus a multiple of its deviation marks a pause;
    // a slow endpoint makes a wasted request costlier, so it adds a little patience.
    const wait = this.typingEma + 2.5 * this.typingDev + 0.1 * this.latencyEma;
    return Math.min(d.maxMs, Math.max(d.minMs, wait));
  }

  async provide(request: CompletionRequest, signal?: AbortSignal): Promise<Suggestion | undefined> {
    const cpuStart = this.cpu.now();
    let cpuSpent = 0;
    const call = ++this.callSeq;
    this.wakeDebounce?.();
    this.noteKeystroke(request);
    this.hintOnce(detectProfileMismatch(this.profile));

    const { document, offset } = request;
    const before = document.text.slice(0, offset);
    const after = document.text.slice(offset);

    if (this.typeThrough) {
      const through = this.typeThroughCurrent(document, offset);
      if (through !== undefined) {
        this.timing(this.cpu.now() - cpuStart, 0, through.text === '' ? 'none' : 'typeThrough');
        return through.text === '' ? undefined : through;
      }
    }
    this.supersedeCurrent();

    const inflight = this.inflight;
    if (inflight !== undefined) {
      const typed = this.typedThrough(inflight, document.uri, offset, document.text);
      if (
        this.typeThrough &&
        typed !== undefined &&
        (inflight.received.startsWith(typed) || typed.startsWith(inflight.received))
      ) {
        cpuSpent += this.cpu.now() - cpuStart;
        const answer = await inflight.result;
        const resumed = this.cpu.now();
        if (
          call !== this.callSeq ||
          signal?.aborted === true ||
          answer === undefined ||
          !answer.text.startsWith(typed)
        ) {
          return undefined;
        }
        const suggestion = this.show(
          document,
          inflight.anchor,
          answer,
          inflight.before,
          inflight.after,
          offset,
          'inFlight',
        );
        this.timing(cpuSpent + this.cpu.now() - resumed, 0, 'inFlight');
        return suggestion;
      }
      this.abortInflight();
    }

    if (request.trigger === 'automatic') {
      const waitMs = this.currentDebounceMs();
      cpuSpent += this.cpu.now() - cpuStart;
      const proceed = await this.sleep(waitMs, call, signal);
      if (!proceed) return undefined;
    } else {
      cpuSpent += this.cpu.now() - cpuStart;
    }

    const workStart = this.cpu.now();
    const context = this.options.gatherContext(document, offset);
    const contextMs = this.cpu.now() - workStart;
    const prompt = buildPrompt({
      profile: this.profile,
      document,
      offset,
      context,
      ...(this.options.repoName !== undefined ? { repoName: this.options.repoName } : {}),
    });
    const cached = this.cache.get(prompt.cacheKey);
    if (cached !== undefined) {
      const answer = { id: `${this.idPrefix}${++this.nextId}`, text: cached };
      const suggestion = this.show(document, offset, answer, before, after, offset, 'cache');
      this.timing(cpuSpent + this.cpu.now() - workStart, contextMs, 'cache');
      return suggestion;
    }

    const flight = this.issue(document, offset, before, after, prompt);
    cpuSpent += this.cpu.now() - workStart;
    const answer = await flight.result;
    const resumed = this.cpu.now();
    if (call !== this.callSeq || signal?.aborted === true || answer === undefined) {
      this.timing(cpuSpent + this.cpu.now() - resumed + flight.cpuMs, contextMs, 'none');
      return undefined;
    }
    const suggestion = this.show(document, offset, answer, before, after, offset, 'model');
    this.timing(cpuSpent + this.cpu.now() - resumed + flight.cpuMs, contextMs, 'model');
    return suggestion;
  }

  /** VS Code displayed the suggestion (handleDidShowCompletionItem). Reported once per suggestion. */
  handleShown(suggestionId: string): void {
    const s = this.current;
    if (s === undefined || s.id !== suggestionId || this.reportedShown.has(suggestionId)) return;
    this.reportedShown.add(suggestionId);
    if (this.reportedShown.size > 1000)
      this.reportedShown.delete(this.reportedShown.values().next().value ?? '');
    s.shownReported = true;
    this.emit({
      type: 'shown',
      ...this.base(s.languageId),
      suggestionId,
      chars: s.text.length,
      lines: countLines(s.text),
    });
  }

  /** The rest of the suggestion was inserted. `insertedText` is what the editor inserted. */
  handleAccepted(suggestionId: string, insertedText: string): void {
    const s = this.current;
    const languageId = s?.languageId ?? '';
    this.emit({
      type: 'accepted',
      ...this.base(languageId),
      suggestionId,
      chars: insertedText.length,
      lines: countLines(insertedText),
    });
    if (s?.id === suggestionId) this.current = undefined;
  }

  handlePartialAccept(suggestionId: string, kind: 'word' | 'line', acceptedLength: number): void {
    const languageId = this.current?.languageId ?? '';
    this.emit({ type: 'partiallyAccepted', ...this.base(languageId), suggestionId, kind, acceptedLength });
  }

  /** Escape, or the editor hid the suggestion for good. */
  handleDismissed(suggestionId: string): void {
    const s = this.current;
    if (s === undefined || s.id !== suggestionId) return;
    if (s.shownReported)
      this.emit({ type: 'dismissed', ...this.base(s.languageId), suggestionId, reason: 'escape' });
    this.current = undefined;
  }

  /** Aborts any in-flight request and pending debounce (document closed, profile changed, disposal). */
  cancelAll(): void {
    this.callSeq++;
    this.wakeDebounce?.();
    this.abortInflight();
  }

  private base(languageId: string): { at: number; profileId: string; model: string; languageId: string } {
    return {
      at: this.options.clock.now(),
      profileId: this.profile.id,
      model: this.profile.model,
      languageId,
    };
  }

  private emit(event: CompletionEvent): void {
    this.options.eventSink(event);
  }

  private hintOnce(hint: CompletionHint | undefined): void {
    if (hint === undefined) return;
    const key = `${this.profile.id}:${hint.kind}`;
    if (this.hintsGiven.has(key)) return;
    this.hintsGiven.add(key);
    this.emit({ type: 'hint', at: this.options.clock.now(), profileId: this.profile.id, hint });
  }

  private timing(overheadMs: number, contextMs: number, source: EngineTiming['source']): void {
    this.options.onTiming?.({ overheadMs, contextMs, source });
  }

  private noteKeystroke(request: CompletionRequest): void {
    const now = this.options.clock.now();
    if (request.trigger === 'automatic' && this.lastKeystrokeAt !== undefined) {
      const gap = now - this.lastKeystrokeAt;
      if (gap > 0 && gap < maxTypingGapMs) {
        this.typingDev = 0.75 * this.typingDev + 0.25 * Math.abs(gap - this.typingEma);
        this.typingEma = 0.875 * this.typingEma + 0.125 * gap;
      }
    }
    this.lastKeystrokeAt = now;
  }

  /** Resolves true after `ms`, or false as soon as a newer call or the caller's signal cancels it. */
  private sleep(ms: number, call: number, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (value: boolean): void => {
        if (settled) return;
        settled = true;
        cancelTimer();
        signal?.removeEventListener('abort', onAbort);
        if (this.wakeDebounce === wake) this.wakeDebounce = undefined;
        resolve(value && call === this.callSeq);
      };
      const onAbort = (): void => finish(false);
      const wake = (): void => finish(false);
      const cancelTimer = this.options.timers.setTimeout(() => finish(true), ms);
      this.wakeDebounce = wake;
      if (signal?.aborted === true) finish(false);
      else signal?.addEventListener('abort', onAbort);
    });
  }

  /** What the user typed since `anchor`, if the rest of the document is unchanged; else undefined. */
  private typedThrough(
    s: { uri: string; anchor: number; before: string; after: string },
    uri: string,
    offset: number,
    text: string,
  ): string | undefined {
    if (s.uri !== uri || offset < s.anchor) return undefined;
    if (text.length - offset !== s.after.length || s.before.length !== s.anchor) return undefined;
    // Only the text near the cursor is compared: comparing whole 200 KB documents on every keystroke
    // costs more than the rest of the request, and an edit farther away than the prompt's windows
    // changes neither what the user sees nor what the model was shown.
    const beforeFrom = Math.max(0, s.anchor - typeThroughWindow);
    if (!sameRange(text, beforeFrom, s.before, beforeFrom, s.anchor - beforeFrom)) return undefined;
    if (!sameRange(text, offset, s.after, 0, Math.min(s.after.length, typeThroughWindow))) return undefined;
    return text.slice(s.anchor, offset);
  }

  private typeThroughCurrent(document: DocumentSnapshot, offset: number): Suggestion | undefined {
    const s = this.current;
    if (s === undefined) return undefined;
    const typed = this.typedThrough(s, document.uri, offset, document.text);
    if (typed === undefined || !s.text.startsWith(typed)) return undefined;
    if (typed.length === s.text.length) {
      // The user typed the whole suggestion themselves: nothing left to show.
      this.current = undefined;
      return { id: s.id, text: '', offset, source: 'typeThrough' };
    }
    return { id: s.id, text: s.text.slice(typed.length), offset, source: 'typeThrough' };
  }

  private supersedeCurrent(): void {
    const s = this.current;
    if (s === undefined) return;
    if (s.shownReported)
      this.emit({ type: 'dismissed', ...this.base(s.languageId), suggestionId: s.id, reason: 'superseded' });
    this.current = undefined;
  }

  private show(
    document: DocumentSnapshot,
    anchor: number,
    answer: { id: string; text: string },
    before: string,
    after: string,
    offset: number,
    source: Suggestion['source'],
  ): Suggestion {
    const { id, text } = answer;
    this.current = {
      id,
      uri: document.uri,
      anchor,
      text,
      before,
      after,
      shownReported: false,
      languageId: document.languageId,
    };
    return { id, text: text.slice(offset - anchor), offset, source };
  }

  private abortInflight(): void {
    const f = this.inflight;
    if (f === undefined) return;
    this.inflight = undefined;
    if (!f.stopped) f.controller.abort();
  }

  private filterContext(document: DocumentSnapshot, offset: number, prompt: BuiltPrompt): FilterContext {
    let facts = this.docFacts.get(document.uri);
    const lines = document.lines;
    if (lines !== undefined && lines.version === document.version) {
      // The document index keeps these current edit by edit.
      facts = { version: document.version, eol: lines.index.eol, indentUnit: lines.index.indentUnit };
    } else if (facts === undefined || facts.version !== document.version) {
      facts = {
        version: document.version,
        eol: document.text.includes('\r\n') ? '\r\n' : '\n',
        indentUnit: detectIndentUnit(document.text),
      };
      this.docFacts.set(document.uri, facts);
      if (this.docFacts.size > 50) this.docFacts.delete(this.docFacts.keys().next().value ?? '');
    }
    const lineStart = document.text.lastIndexOf('\n', offset - 1) + 1;
    return {
      multiline: prompt.multiline,
      suffix: document.text.slice(offset, offset + 4000).replace(/\r\n/g, '\n'),
      linePrefix: document.text.slice(lineStart, offset),
      languageId: document.languageId,
      stopTokens: dialectStopTokens(this.profile.fimDialect),
      eol: facts.eol,
      ...(facts.indentUnit !== undefined ? { indentUnit: facts.indentUnit } : {}),
      fromChat: this.profile.apiStyle === 'chat',
    };
  }

  private issue(
    document: DocumentSnapshot,
    offset: number,
    before: string,
    after: string,
    prompt: BuiltPrompt,
  ): InFlight {
    const controller = new AbortController();
    const requestId = `${this.idPrefix}r${++this.nextId}`;
    const flight: InFlight = {
      requestId,
      uri: document.uri,
      anchor: offset,
      before,
      after,
      controller,
      received: '',
      result: Promise.resolve(undefined),
      stopped: false,
      cpuMs: 0,
    };
    const filterCtx = this.filterContext(document, offset, prompt);
    flight.result = this.run(flight, prompt, filterCtx, document.languageId);
    this.inflight = flight;
    return flight;
  }

  private async scanRequest(request: ModelRequest): Promise<{ request: ModelRequest } | { blocked: string }> {
    const guard = this.options.guard;
    const scan = async (text: string): Promise<string | { blocked: string }> => {
      const result = await guard.scanInput(text);
      if (result.decision === 'block')
        return { blocked: result.message ?? 'Blocked by the compliance policy.' };
      return result.text;
    };
    if (request.apiStyle === 'chat') {
      const messages = [];
      for (const m of request.messages) {
        const content = await scan(m.content);
        if (typeof content !== 'string') return content;
        messages.push({ ...m, content });
      }
      return { request: { ...request, messages } };
    }
    const prompt = await scan(request.prompt);
    if (typeof prompt !== 'string') return prompt;
    if (request.suffix === undefined) return { request: { ...request, prompt } };
    const suffix = await scan(request.suffix);
    if (typeof suffix !== 'string') return suffix;
    return { request: { ...request, prompt, suffix } };
  }

  private async run(
    flight: InFlight,
    prompt: BuiltPrompt,
    filterCtx: FilterContext,
    languageId: string,
  ): Promise<{ id: string; text: string } | undefined> {
    const clock = this.options.clock;
    const startedAt = clock.now();
    let firstAt: number | undefined;
    const signal = flight.controller.signal;
    const end = (
      outcome:
        | { type: 'produced'; suggestionId: string; chars: number; lines: number }
        | { type: 'cancelled' }
        | { type: 'empty' }
        | { type: 'failed'; error: string }
        | { type: 'blocked'; direction: 'input' | 'output'; message: string },
    ): void => {
      if (this.inflight === flight) this.inflight = undefined;
      const now = clock.now();
      this.emit({
        ...outcome,
        ...this.base(languageId),
        requestId: flight.requestId,
        firstTokenMs: firstAt === undefined ? null : firstAt - startedAt,
        totalMs: now - startedAt,
      });
    };
    try {
      const scanned = await this.scanRequest(prompt.request);
      if ('blocked' in scanned) {
        end({ type: 'blocked', direction: 'input', message: scanned.blocked });
        return undefined;
      }
      if (signal.aborted) {
        end({ type: 'cancelled' });
        return undefined;
      }
      const scanner = this.options.guard.createOutputScanner();
      const filter = new StreamFilter(filterCtx);
      for await (const chunk of this.options.backend.stream(scanned.request, signal)) {
        const t0 = this.cpu.now();
        if (firstAt === undefined) {
          firstAt = clock.now();
          this.latencyEma = 0.8 * this.latencyEma + 0.2 * (firstAt - startedAt);
        }
        const guarded = scanner.push(chunk);
        if (guarded.blocked) {
          flight.stopped = true;
          flight.controller.abort();
          end({
            type: 'blocked',
            direction: 'output',
            message: guarded.message ?? 'Blocked by the compliance policy.',
          });
          return undefined;
        }
        const state = filter.push(guarded.text);
        flight.received = state.text;
        flight.cpuMs += this.cpu.now() - t0;
        if (state.complete) {
          // Enough: leaving the loop closes the stream (the model stops generating tokens we would cut),
          // and the request still counts as produced, unlike an abort.
          flight.stopped = true;
          break;
        }
      }
      if (signal.aborted && !flight.stopped) {
        end({ type: 'cancelled' });
        return undefined;
      }
      const t1 = this.cpu.now();
      const tail = scanner.end();
      if (tail.blocked) {
        end({
          type: 'blocked',
          direction: 'output',
          message: tail.message ?? 'Blocked by the compliance policy.',
        });
        return undefined;
      }
      if (!flight.stopped) filter.push(tail.text);
      this.hintOnce(detectEchoedFimTokens(filter.received, this.profile));
      const text = filter.finish();
      flight.cpuMs += this.cpu.now() - t1;
      if (text === undefined) {
        end({ type: 'empty' });
        return undefined;
      }
      this.cache.set(prompt.cacheKey, text);
      const id = `${this.idPrefix}${++this.nextId}`;
      end({ type: 'produced', suggestionId: id, chars: text.length, lines: countLines(text) });
      return { id, text };
    } catch (error) {
      if (signal.aborted && !flight.stopped) end({ type: 'cancelled' });
      else end({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }
}
