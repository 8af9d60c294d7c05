// An organisation policy served over HTTP(S), kept fresh: conditional re-fetches (ETag / Last-Modified), the
// last good copy (one that parsed and validated), and the rule for what a failed refresh means. An optional
// policy keeps the last good copy in force, so that a flaky server or a broken upload never silently drops
// the organisation's rules. A required one keeps it only while the server cannot be reached, for a grace
// period (a VPN drop must not stop every developer; the copy in force is the organisation's own, so nothing is
// loosened); past the grace, or when the server answers with an invalid policy, it fails closed as on first load.
import { fetchPolicyText, policyOrigin } from './policyFetch';
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
  /** The last copy that parsed and validated, if any was ever fetched; `fetchedAt` moves on each 304 too. */
  lastGood?: { text: string; fetchedAt: number };
  /** 'fetched': a 200 with a body; 'not-modified': a 304 (the last good copy stands); 'failed': no usable answer. */
  outcome: 'fetched' | 'not-modified' | 'failed';
  /** Whether what the guard should load differs from the previous refresh's (time to rebuild the guard). */
  changed: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** How long a required policy's last confirmed copy stands in while its server cannot be reached. */
export const REQUIRED_POLICY_GRACE_MS = 24 * 60 * 60_000;

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
   * The source the loader should use: the latest answer when it is usable; otherwise, for an optional policy,
   * the last good copy; for a required one, the last good copy only while the server is unreachable and that
   * copy was confirmed within the grace period, else the latest answer, so that the loader fails closed.
   */
  sourceFor(refresh: RemoteRefresh, required: boolean): PolicySource {
    const good = refresh.lastGood;
    if (!good || isUsable(refresh.latest)) return refresh.latest;
    const withinGrace =
      refresh.outcome === 'failed' && this.clock() - good.fetchedAt < REQUIRED_POLICY_GRACE_MS;
    if (required && !withinGrace) return refresh.latest;
    return { origin: refresh.latest.origin, text: good.text };
  }

  private graceEndedSince(previous: RemoteRefresh): boolean {
    const good = this.good;
    if (!good) return false;
    const end = good.fetchedAt + REQUIRED_POLICY_GRACE_MS;
    return this.lastAt < end && this.clock() >= end && previous.outcome === 'failed';
  }

  private async fetchOnce(): Promise<RemoteRefresh> {
    const headers: Record<string, string> = {};
    // Conditional only while a good copy is held: a 304 must always have something to stand for.
    if (this.good && this.etag) headers['if-none-match'] = this.etag;
    if (this.good && this.lastModified) headers['if-modified-since'] = this.lastModified;
    const origin = policyOrigin(this.url);
    const answer = await fetchPolicyText(this.url, {
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      headers,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    let latest: PolicySource;
    let outcome: RemoteRefresh['outcome'];
    if (answer.kind === 'not-modified' && this.good) {
      this.good = { text: this.good.text, fetchedAt: this.clock() };
      latest = { origin, text: this.good.text };
      outcome = 'not-modified';
    } else if (answer.kind === 'text') {
      latest = { origin, text: answer.text };
      outcome = 'fetched';
      if (isUsable(latest)) {
        this.good = { text: answer.text, fetchedAt: this.clock() };
        this.etag = answer.response.headers.get('etag') ?? undefined;
        this.lastModified = answer.response.headers.get('last-modified') ?? undefined;
      }
    } else {
      latest = {
        origin,
        error: answer.kind === 'error' ? answer.error : 'HTTP 304 without a copy to stand for',
      };
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
        previous.lastGood?.text !== this.good?.text ||
        // Crossing the end of a required policy's grace changes what the guard loads.
        (outcome === 'failed' && this.graceEndedSince(previous)),
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
