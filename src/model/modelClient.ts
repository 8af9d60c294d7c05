// The endpoint client: streaming chat and completion requests over the openai SDK, with our own retry
// policy, timeouts, cancellation semantics, typed errors and exactly one RequestEvent per request.
// The SDK's retries are off because they would retry where we must not (after a 500, or with a
// Retry-After far longer than a person waits for a completion).

import { randomUUID } from 'node:crypto';
import { APIConnectionError, APIConnectionTimeoutError, APIError, OpenAI } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Completion } from 'openai/resources/completions';
import { ModelRequestError } from './modelErrors';
import type { ModelErrorKind } from './modelErrors';
import type { Feature, ModelProfile } from './profiles';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Per-request overrides; anything left out comes from the profile. */
export interface GenerationOverrides {
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
}

/** Structured output (`response_format`) for servers that support a JSON schema. */
export interface JsonSchemaResponseFormat {
  type: 'json_schema';
  json_schema: { name: string; strict: boolean; schema: Record<string, unknown> };
}

export interface ChatRequest extends GenerationOverrides {
  messages: ChatMessage[];
  responseFormat?: JsonSchemaResponseFormat;
}

/**
 * With `suffix` the server assembles the fill-in-the-middle prompt itself (the `suffix` parameter of
 * /v1/completions). Without it, `prompt` is sent as is: a raw FIM prompt the caller built in the
 * profile's dialect, or plain text to continue.
 */
export interface CompletionRequest extends GenerationOverrides {
  prompt: string;
  suffix?: string;
}

export interface CallOptions {
  signal: AbortSignal;
  feature: Feature;
}

export type RequestOutcome = 'produced' | 'empty' | 'cancelled' | 'failed';

/** One per request, whatever happened; the metrics store turns these into QPS and latency. */
export interface RequestEvent {
  requestId: string;
  feature: Feature;
  profileId: string;
  model: string;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Time to the first non-empty text delta, including any retries. */
  ttftMs?: number;
  totalMs: number;
  promptTokens?: number;
  completionTokens?: number;
  outcome: RequestOutcome;
  errorKind?: ModelErrorKind;
  /** HTTP status of the last response received, when there was one. */
  status?: number;
  /** How many HTTP attempts were made (1 when there was no retry, 0 when none was sent). */
  attempts: number;
}

/** What a stream returns when it ends without an error (failures throw ModelRequestError). */
export interface StreamResult {
  outcome: 'produced' | 'empty' | 'cancelled';
  /** The server's finish_reason of the last choice, e.g. `stop` or `length`. */
  finishReason?: string;
}

export type ModelStream = AsyncGenerator<string, StreamResult, undefined>;

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * The longest Retry-After we wait for. A server asking for more is not retried at all: retrying sooner
   * than asked only earns another 429, and nobody waits that long for a completion.
   */
  retryAfterCapMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  retryAfterCapMs: 4_000,
});

/** Consulted before a request and told how it went; EndpointHealth implements it. */
export interface EndpointGate {
  /** An error to fail with immediately, without touching the network, or undefined to go ahead. */
  failFast(profile: ModelProfile): ModelRequestError | undefined;
  recordOutcome(profile: ModelProfile, outcome: 'ok' | ModelErrorKind): void;
}

export interface ModelClientDeps {
  getApiKey: (profileId: string) => Promise<string | undefined>;
  onRequest: (event: RequestEvent) => void;
  /** Epoch milliseconds. */
  now: () => number;
  /** Waits between attempts; must reject when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  gate?: EndpointGate;
  retry?: Partial<RetryPolicy>;
  newRequestId?: () => string;
}

interface OpenedStream<TChunk> {
  chunks: AsyncIterable<TChunk>;
  status: number;
}

interface ChunkContent {
  text: string | undefined;
  finishReason: string | undefined;
  usage: { prompt_tokens?: number; completion_tokens?: number } | undefined | null;
}

type Opener<TChunk> = (
  client: OpenAI,
  signal: AbortSignal,
  headers: Record<string, string | null>,
) => Promise<OpenedStream<TChunk>>;

/** APIError with its generics pinned, so that narrowing does not yield `any` fields. */
type KnownApiError = APIError<number | undefined, Headers | undefined, object | undefined>;

function isApiError(err: unknown): err is KnownApiError {
  return err instanceof APIError;
}

interface ClassifiedFailure {
  error: ModelRequestError;
  retryable: boolean;
}

export class ModelClient {
  private readonly clients = new Map<string, OpenAI>();
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly newRequestId: () => string;

  constructor(private readonly deps: ModelClientDeps) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...deps.retry };
    this.sleep = deps.sleep ?? abortableSleep;
    this.newRequestId = deps.newRequestId ?? randomUUID;
  }

  streamChat(profile: ModelProfile, request: ChatRequest, options: CallOptions): ModelStream {
    const open: Opener<ChatCompletionChunk> = async (client, signal, headers) => {
      const { data, response } = await client.chat.completions
        .create(
          {
            model: profile.model,
            messages: request.messages,
            stream: true,
            stream_options: { include_usage: true },
            max_tokens: request.maxTokens ?? profile.maxTokens,
            temperature: request.temperature ?? profile.temperature,
            ...(request.stop && request.stop.length > 0 ? { stop: request.stop } : {}),
            ...(request.responseFormat ? { response_format: request.responseFormat } : {}),
          },
          requestOptions(profile, signal, headers),
        )
        .withResponse();
      return { chunks: data, status: response.status };
    };
    return this.run(profile, options, open, (chunk) => {
      const choice = chunk.choices[0];
      return {
        text: choice?.delta?.content ?? undefined,
        finishReason: choice?.finish_reason ?? undefined,
        usage: chunk.usage,
      };
    });
  }

  streamCompletion(profile: ModelProfile, request: CompletionRequest, options: CallOptions): ModelStream {
    const open: Opener<Completion> = async (client, signal, headers) => {
      const { data, response } = await client.completions
        .create(
          {
            model: profile.model,
            prompt: request.prompt,
            ...(request.suffix !== undefined ? { suffix: request.suffix } : {}),
            stream: true,
            stream_options: { include_usage: true },
            max_tokens: request.maxTokens ?? profile.maxTokens,
            temperature: request.temperature ?? profile.temperature,
            ...(request.stop && request.stop.length > 0 ? { stop: request.stop } : {}),
          },
          requestOptions(profile, signal, headers),
        )
        .withResponse();
      return { chunks: data, status: response.status };
    };
    return this.run(profile, options, open, (chunk) => {
      const choice = chunk.choices[0];
      return { text: choice?.text, finishReason: choice?.finish_reason ?? undefined, usage: chunk.usage };
    });
  }

  private clientFor(profile: ModelProfile): OpenAI {
    let client = this.clients.get(profile.baseUrl);
    if (!client) {
      client = new OpenAI({
        baseURL: profile.baseUrl,
        // The real key, if any, is set per request so that it is read fresh from SecretStorage each time;
        // this placeholder only satisfies the constructor and is always overridden.
        apiKey: 'per-request',
        maxRetries: 0,
        logLevel: 'off',
      });
      this.clients.set(profile.baseUrl, client);
    }
    return client;
  }

  private async *run<TChunk>(
    profile: ModelProfile,
    options: CallOptions,
    open: Opener<TChunk>,
    read: (chunk: TChunk) => ChunkContent,
  ): ModelStream {
    const { signal: callerSignal, feature } = options;
    const { now, gate } = this.deps;
    const startedAt = now();
    const event: RequestEvent = {
      requestId: this.newRequestId(),
      feature,
      profileId: profile.id,
      model: profile.model,
      startedAt,
      totalMs: 0,
      outcome: 'failed',
      attempts: 0,
    };
    let finished = false;
    const finish = (outcome: RequestOutcome, error?: ModelRequestError, countsForHealth = true): void => {
      if (finished) return;
      finished = true;
      event.outcome = outcome;
      event.totalMs = Math.max(0, now() - startedAt);
      if (error) event.errorKind = error.kind;
      if (gate && countsForHealth) {
        if (outcome === 'produced' || outcome === 'empty') gate.recordOutcome(profile, 'ok');
        else if (error) gate.recordOutcome(profile, error.kind);
      }
      this.deps.onRequest(event);
    };

    const watchdog = new Watchdog(profile.timeoutMs);
    // Aborted when the consumer stops iterating early, so the HTTP request is torn down with it.
    const local = new AbortController();
    const signal = AbortSignal.any([callerSignal, watchdog.signal, local.signal]);
    let finishReason: string | undefined;
    let produced = false;
    try {
      const refused = gate?.failFast(profile);
      if (refused) {
        finish('failed', refused, false);
        throw refused;
      }
      if (callerSignal.aborted) {
        finish('cancelled');
        return { outcome: 'cancelled' };
      }
      let headers: Record<string, string | null>;
      try {
        headers = await this.headersFor(profile);
      } catch (error) {
        // A key store failure says nothing about the endpoint.
        if (error instanceof ModelRequestError) finish('failed', error, false);
        throw error;
      }
      const chunks = await this.openWithRetries(
        profile,
        event,
        open,
        headers,
        signal,
        callerSignal,
        watchdog,
      );
      if (!chunks) {
        finish('cancelled');
        return { outcome: 'cancelled' };
      }

      for await (const chunk of chunks) {
        watchdog.arm();
        const content = read(chunk);
        if (content.usage) {
          if (typeof content.usage.prompt_tokens === 'number')
            event.promptTokens = content.usage.prompt_tokens;
          if (typeof content.usage.completion_tokens === 'number')
            event.completionTokens = content.usage.completion_tokens;
        }
        if (content.finishReason) finishReason = content.finishReason;
        if (content.text) {
          if (event.ttftMs === undefined) event.ttftMs = Math.max(0, now() - startedAt);
          produced = true;
          yield content.text;
        }
      }
      // The SDK ends a stream quietly when its signal aborts, so how it ended is read from the signals.
      if (callerSignal.aborted) {
        finish('cancelled');
        return { outcome: 'cancelled', ...(finishReason ? { finishReason } : {}) };
      }
      if (watchdog.fired) throw timeoutError(profile);
      const outcome = produced ? 'produced' : 'empty';
      finish(outcome);
      return { outcome, ...(finishReason ? { finishReason } : {}) };
    } catch (err) {
      if (callerSignal.aborted && !finished) {
        finish('cancelled');
        return { outcome: 'cancelled' };
      }
      const error =
        err instanceof ModelRequestError
          ? err
          : classify(err, profile, { streaming: true, timedOut: watchdog.fired }).error;
      finish('failed', error);
      throw error;
    } finally {
      watchdog.dispose();
      if (!finished) {
        // Only reachable when the consumer called return() (a `break` out of for-await) mid-stream: it has
        // what it needs (a completion that is already whole), so the request counts as produced if it had
        // delivered text. A caller that wants the request cancelled aborts its signal instead.
        local.abort();
        finish(produced && !callerSignal.aborted ? 'produced' : 'cancelled');
      }
    }
  }

  /** Returns the open stream, or undefined when the caller aborted; throws ModelRequestError otherwise. */
  private async openWithRetries<TChunk>(
    profile: ModelProfile,
    event: RequestEvent,
    open: Opener<TChunk>,
    headers: Record<string, string | null>,
    signal: AbortSignal,
    callerSignal: AbortSignal,
    watchdog: Watchdog,
  ): Promise<AsyncIterable<TChunk> | undefined> {
    for (let attempt = 1; ; attempt++) {
      event.attempts = attempt;
      watchdog.arm();
      try {
        const opened = await open(this.clientFor(profile), signal, headers);
        event.status = opened.status;
        return opened.chunks;
      } catch (err) {
        if (callerSignal.aborted) return undefined;
        const failure = classify(err, profile, { streaming: false, timedOut: watchdog.fired });
        if (failure.error.status !== undefined) event.status = failure.error.status;
        const delay = this.retryDelay(failure, attempt);
        if (delay === undefined) throw failure.error;
        watchdog.disarm();
        try {
          await this.sleep(delay, callerSignal);
        } catch {
          if (callerSignal.aborted) return undefined;
          throw failure.error;
        }
      }
    }
  }

  private retryDelay(failure: ClassifiedFailure, attempt: number): number | undefined {
    if (!failure.retryable || attempt >= this.retry.maxAttempts) return undefined;
    const asked = failure.error.retryAfterMs;
    if (asked !== undefined) return asked > this.retry.retryAfterCapMs ? undefined : Math.max(0, asked);
    return Math.min(this.retry.baseDelayMs * 2 ** (attempt - 1), this.retry.maxDelayMs);
  }

  private async headersFor(profile: ModelProfile): Promise<Record<string, string | null>> {
    let key: string | undefined;
    try {
      key = await this.deps.getApiKey(profile.id);
    } catch (cause) {
      throw new ModelRequestError({
        kind: 'auth',
        profileId: profile.id,
        message: `Could not read the API key for "${profile.id}" from secure storage.`,
        cause,
      });
    }
    // null removes the header the SDK would otherwise add: a local Ollama needs no key at all.
    return { ...profile.headers, Authorization: key ? `Bearer ${key}` : null };
  }
}

function requestOptions(
  profile: ModelProfile,
  signal: AbortSignal,
  headers: Record<string, string | null>,
): { signal: AbortSignal; headers: Record<string, string | null>; timeout: number; maxRetries: number } {
  // Our watchdog enforces profile.timeoutMs; the SDK's own timer is only a backstop behind it.
  return { signal, headers, timeout: profile.timeoutMs + 1_000, maxRetries: 0 };
}

function classify(
  err: unknown,
  profile: ModelProfile,
  context: { streaming: boolean; timedOut: boolean },
): ClassifiedFailure {
  const where = `"${profile.id}" (${profile.baseUrl})`;
  const make = (
    kind: ModelErrorKind,
    message: string,
    extra: { status?: number; retryAfterMs?: number } = {},
  ) => new ModelRequestError({ kind, message, profileId: profile.id, cause: err, ...extra });

  if (context.timedOut || err instanceof APIConnectionTimeoutError) {
    return { error: timeoutError(profile, err), retryable: false };
  }
  if (err instanceof APIConnectionError) {
    return {
      error: make(
        'unreachable',
        `Cannot reach the model endpoint ${where}. Check that the server is running and the base URL is right.`,
      ),
      // A connection that failed before any response cannot have had an effect on the server.
      retryable: !context.streaming,
    };
  }
  if (isApiError(err) && err.status !== undefined) {
    const status = err.status;
    const detail = serverDetail(err);
    if (status === 401 || status === 403) {
      return {
        error: make(
          'auth',
          `The endpoint ${where} refused the request (${status}): check the API key for "${profile.id}".`,
          { status },
        ),
        retryable: false,
      };
    }
    if (status === 429) {
      const retryAfterMs = retryAfter(err.headers);
      const wait = retryAfterMs === undefined ? '' : ` Try again in ${Math.ceil(retryAfterMs / 1000)} s.`;
      return {
        error: make('rate-limited', `The endpoint ${where} is limiting requests (429).${wait}`, {
          status,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        }),
        retryable: true,
      };
    }
    if (status >= 500) {
      const retryAfterMs = retryAfter(err.headers);
      return {
        error: make('server', `The model server ${where} failed with status ${status}${detail}.`, {
          status,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        }),
        // 502/503/504 come from gateways and overloaded servers before the model ran; a 500 may be a
        // deterministic failure on this very prompt, so repeating it only adds latency.
        retryable: status === 502 || status === 503 || status === 504,
      };
    }
    if (status === 404) {
      return {
        error: make(
          'bad-response',
          `The endpoint ${where} answered 404 Not Found: check the base URL and the model name "${profile.model}"${detail}.`,
          { status },
        ),
        retryable: false,
      };
    }
    return {
      error: make(
        'bad-response',
        `The endpoint ${where} rejected the request with status ${status}${detail}.`,
        { status },
      ),
      retryable: false,
    };
  }
  if (isApiError(err)) {
    // An `error` object inside the event stream: the server gave up while generating.
    return {
      error: make(
        'server',
        `The model server ${where} reported an error while answering${serverDetail(err)}.`,
      ),
      retryable: false,
    };
  }
  if (err instanceof SyntaxError) {
    return {
      error: make('bad-response', `The endpoint ${where} sent data that is not valid OpenAI-style JSON.`),
      retryable: false,
    };
  }
  if (context.streaming) {
    return {
      error: make('server', `The connection to ${where} broke in the middle of the answer.`),
      retryable: false,
    };
  }
  return {
    error: make('unreachable', `The request to ${where} failed: ${errorText(err)}.`),
    retryable: false,
  };
}

function timeoutError(profile: ModelProfile, cause?: unknown): ModelRequestError {
  return new ModelRequestError({
    kind: 'timeout',
    profileId: profile.id,
    message: `The endpoint "${profile.id}" (${profile.baseUrl}) did not answer within ${formatSeconds(profile.timeoutMs)}.`,
    cause,
  });
}

function serverDetail(err: KnownApiError): string {
  const body: unknown = err.error;
  if (
    typeof body === 'object' &&
    body !== null &&
    'message' in body &&
    typeof body.message === 'string' &&
    body.message
  ) {
    return `: ${truncate(body.message, 200)}`;
  }
  return '';
}

/** Milliseconds the server asked us to wait, from `retry-after-ms` or `retry-after` (seconds or a date). */
function retryAfter(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value.trim());
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Aborts its signal when armed and not re-armed within `ms`: the first byte, then each silence. */
class Watchdog {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  fired = false;

  constructor(private readonly ms: number) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  arm(): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.ms);
  }

  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disarm();
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
