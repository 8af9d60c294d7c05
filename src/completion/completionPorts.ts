// The small interfaces the completion engine needs from the outside world: the profile fields it reads,
// the model backend, the compliance guard, and time. The extension adapts the real model client, guard
// and timers onto these; tests and benchmarks pass fakes. Nothing here imports another part of Aegis.

export type FimDialect = 'qwen' | 'starcoder' | 'deepseek' | 'codellama' | 'codestral' | 'suffix' | 'none';
export type ApiStyle = 'completions' | 'chat';

/** The profile fields completion relies on (a subset of the model profile in settings). */
export interface CompletionProfile {
  readonly id: string;
  readonly model: string;
  readonly fimDialect: FimDialect;
  readonly apiStyle: ApiStyle;
  /** Tokens the model accepts, prompt plus answer. */
  readonly contextWindow: number;
  /** Tokens requested for the answer. */
  readonly maxTokens: number;
  readonly temperature: number;
}

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** One request to the model, either a raw completion (FIM prompt or prompt + suffix) or a chat. */
export type ModelRequest =
  | {
      readonly apiStyle: 'completions';
      readonly prompt: string;
      /** Set only for the `suffix` dialect: the server builds the FIM prompt itself. */
      readonly suffix?: string;
      readonly stop: readonly string[];
      readonly maxTokens: number;
      readonly temperature: number;
    }
  | {
      readonly apiStyle: 'chat';
      readonly messages: readonly ChatMessage[];
      readonly stop: readonly string[];
      readonly maxTokens: number;
      readonly temperature: number;
    };

/** Streams the model's answer as text chunks. Aborting the signal must end the iteration (or throw). */
export interface CompletionBackend {
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<string>;
}

export type GuardDecision = 'allow' | 'redact' | 'warn' | 'block';

export interface GuardInputResult {
  readonly decision: GuardDecision;
  /** The text to send on: the input itself, or a redacted copy. */
  readonly text: string;
  /** Why, for the user (block and redact). */
  readonly message?: string;
}

export interface GuardOutputChunk {
  /** Text safe to release so far (the scanner may hold back a tail that could start a secret). */
  readonly text: string;
  readonly blocked: boolean;
  readonly message?: string;
}

/** A scanner for one answer stream: a secret split across chunks is still caught. */
export interface GuardOutputScanner {
  push(chunk: string): GuardOutputChunk;
  end(): GuardOutputChunk;
}

export interface CompletionGuard {
  scanInput(text: string): GuardInputResult | Promise<GuardInputResult>;
  createOutputScanner(): GuardOutputScanner;
}

/** Used until the real guard is wired in: lets everything through unchanged. */
export const passThroughGuard: CompletionGuard = {
  scanInput: (text) => ({ decision: 'allow', text }),
  createOutputScanner: () => ({
    push: (chunk) => ({ text: chunk, blocked: false }),
    end: () => ({ text: '', blocked: false }),
  }),
};

/** Milliseconds; monotonic. Real code passes performance.now, tests a virtual clock. */
export interface Clock {
  now(): number;
}

/** Timers the engine schedules (debounce, retention checkpoints); returns a cancel function. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): () => void;
}

export const realClock: Clock = { now: () => performance.now() };

export const realTimers: Timers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  },
};

/** One edit of a document, in offsets of the text before the edit (VS Code's rangeOffset/rangeLength). */
export interface TextChange {
  readonly offset: number;
  readonly deletedLength: number;
  readonly text: string;
}
