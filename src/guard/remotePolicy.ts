// An organisation policy served over HTTP(S), kept fresh: conditional re-fetches (ETag / Last-Modified), the
// last good copy (one that parsed and validated), and the rule for what a failed refresh means. A required
// policy that has become unreadable or invalid still fails closed, exactly as on first load; an optional one
// keeps the last good copy in force, so that a flaky server or a broken upload never silently drops the
// organisation's rules.
import type { PolicySource } from './policyLoader';
import { parsePolicy } from './policySchema';

export interface RemotePolicyOptions {
  /** Per request. */
  timeoutMs?: number;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  clock?: () => number;
}

/** What one refresh saw. */
export interface RemoteRefresh {
  /** What the server (or the network) said, as a layer source: text, or an error. */
  latest: PolicySource;
  /** The last copy that parsed and validated, if any was ever fetched. */
  lastGood?: { text: string; fetchedAt: number };
  /** 'fetched': a 200 with a body; 'not-modified': a 304 (the last good copy stands); 'failed': no usable answer. */
  outcome: 'fetched' | 'not-modified' | 'failed';
  /** Whether what the guard should load differs from the previous refresh's (time to rebuild the guard). */
  changed: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class RemotePolicy {
  private etag: string | undefined;
  private lastModified: string | undefined;
  private good: { text: string; fetchedAt: number } | undefined;
  private last: RemoteRefresh | undefined;
  private lastAt = -Infinity;
  private inFlight: Promise<RemoteRefresh> | undefined;
  private readonly clock: () => number;

  constructor(
    readonly url: string,
    private readonly options: RemotePolicyOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** Milliseconds since the last completed refresh (Infinity before the first). */
  age(): number {
    return this.clock() - this.lastAt;
  }

  /**
   * Asks the server again, conditionally when a good copy is held. With `maxAgeMs`, a refresh younger than
   * that is returned as it was, without a request. Concurrent callers share one request.
   */
  refresh(maxAgeMs = 0): Promise<RemoteRefresh> {
    if (this.last && this.age() < maxAgeMs) return Promise.resolve({ ...this.last, changed: false });
    this.inFlight ??= this.fetchOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * The source the loader should use. Required: the latest answer as it is, so an unreadable or invalid
   * policy fails closed. Optional: the last good copy when the latest answer is unusable.
   */
  sourceFor(refresh: RemoteRefresh, required: boolean): PolicySource {
    if (required || !refresh.lastGood || isUsable(refresh.latest)) return refresh.latest;
    return { origin: refresh.latest.origin, text: refresh.lastGood.text };
  }

  private async fetchOnce(): Promise<RemoteRefresh> {
    const headers: Record<string, string> = { accept: 'application/yaml, application/json, text/plain' };
    // Conditional only while a good copy is held: a 304 must always have something to stand for.
    if (this.good && this.etag) headers['if-none-match'] = this.etag;
    if (this.good && this.lastModified) headers['if-modified-since'] = this.lastModified;
    let latest: PolicySource;
    let outcome: RemoteRefresh['outcome'];
    try {
      const response = await (this.options.fetch ?? fetch)(this.url, {
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
      if (response.status === 304 && this.good) {
        latest = { origin: this.url, text: this.good.text };
        outcome = 'not-modified';
      } else if (!response.ok) {
        latest = { origin: this.url, error: `HTTP ${response.status}` };
        outcome = 'failed';
      } else {
        const text = await response.text();
        latest = { origin: this.url, text };
        outcome = 'fetched';
        if (isUsable(latest)) {
          this.good = { text, fetchedAt: this.clock() };
          this.etag = response.headers.get('etag') ?? undefined;
          this.lastModified = response.headers.get('last-modified') ?? undefined;
        }
      }
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : String(error);
      latest = { origin: this.url, error: reason };
      outcome = 'failed';
    }
    const previous = this.last;
    const refresh: RemoteRefresh = {
      latest,
      ...(this.good ? { lastGood: { ...this.good } } : {}),
      outcome,
      changed:
        previous === undefined ||
        previous.latest.text !== latest.text ||
        previous.latest.error !== latest.error ||
        previous.lastGood?.text !== this.good?.text,
    };
    this.last = refresh;
    this.lastAt = this.clock();
    return refresh;
  }
}

function isUsable(source: PolicySource): boolean {
  return (
    source.error === undefined && source.text !== undefined && parsePolicy(source.text, source.origin).ok
  );
}
