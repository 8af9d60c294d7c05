// Per-profile endpoint health: counts consecutive endpoint failures, marks an endpoint down so that
// requests fail fast instead of each waiting for a connect timeout, and probes it back with growing delays.
// The status bar listens to the change event; the model client consults it through EndpointGate.

import { ModelRequestError, isEndpointFailure } from './modelErrors';
import type { ModelErrorKind } from './modelErrors';
import type { EndpointGate } from './modelClient';
import type { ModelProfile } from './profiles';

export type EndpointStatus = 'reachable' | 'unreachable' | 'unknown';

export interface EndpointStatusChange {
  profileId: string;
  status: EndpointStatus;
  previous: EndpointStatus;
}

export interface HealthTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface EndpointHealthOptions {
  getApiKey(profileId: string): Promise<string | undefined>;
  /** Consecutive endpoint failures (unreachable, timeout, server) before requests fail fast. */
  failureThreshold?: number;
  /** Delay before each background probe; the last one repeats. */
  probeDelaysMs?: readonly number[];
  probeTimeoutMs?: number;
  timers?: HealthTimers;
}

export const DEFAULT_PROBE_DELAYS_MS: readonly number[] = [5_000, 10_000, 20_000, 40_000, 80_000, 120_000];

interface Entry {
  status: EndpointStatus;
  failures: number;
  profile: ModelProfile;
  probeIndex: number;
  timer: unknown;
  nextProbeDelayMs: number | undefined;
}

const realTimers: HealthTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class EndpointHealth implements EndpointGate {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(change: EndpointStatusChange) => void>();
  private readonly threshold: number;
  private readonly delays: readonly number[];
  private readonly probeTimeoutMs: number;
  private readonly timers: HealthTimers;
  private disposed = false;

  constructor(private readonly options: EndpointHealthOptions) {
    this.threshold = Math.max(1, options.failureThreshold ?? 3);
    this.delays =
      options.probeDelaysMs && options.probeDelaysMs.length > 0
        ? options.probeDelaysMs
        : DEFAULT_PROBE_DELAYS_MS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 5_000;
    this.timers = options.timers ?? realTimers;
  }

  status(profileId: string): EndpointStatus {
    return this.entries.get(profileId)?.status ?? 'unknown';
  }

  onDidChange(listener: (change: EndpointStatusChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  failFast(profile: ModelProfile): ModelRequestError | undefined {
    const entry = this.entries.get(profile.id);
    if (entry?.status !== 'unreachable') return undefined;
    const next =
      entry.nextProbeDelayMs === undefined
        ? ''
        : ` It is checked again within ${Math.ceil(entry.nextProbeDelayMs / 1000)} s.`;
    return new ModelRequestError({
      kind: 'unreachable',
      profileId: profile.id,
      message: `The model endpoint "${profile.id}" (${profile.baseUrl}) is not reachable; requests are paused until it answers again.${next}`,
    });
  }

  recordOutcome(profile: ModelProfile, outcome: 'ok' | ModelErrorKind): void {
    const entry = this.entry(profile);
    if (outcome === 'ok' || !isEndpointFailure(outcome)) {
      // An auth or rate-limit answer still proves the endpoint is up, even one that arrives after the
      // endpoint was marked down by other requests.
      entry.failures = 0;
      entry.probeIndex = 0;
      this.cancelTimer(entry);
      this.setStatus(entry, 'reachable');
      return;
    }
    entry.failures++;
    if (entry.failures >= this.threshold && entry.status !== 'unreachable') this.markDown(entry);
  }

  /** Checks the endpoint now (GET {baseUrl}/models). Resolves true when it answered. */
  async probe(profile: ModelProfile): Promise<boolean> {
    const entry = this.entry(profile);
    const up = await this.check(profile);
    if (this.disposed) return up;
    if (up) {
      this.cancelTimer(entry);
      entry.failures = 0;
      entry.probeIndex = 0;
      this.setStatus(entry, 'reachable');
    } else if (entry.status !== 'unreachable') {
      this.markDown(entry);
    }
    return up;
  }

  /** Drops what is known about a profile, e.g. after its settings changed. */
  forget(profileId: string): void {
    const entry = this.entries.get(profileId);
    if (!entry) return;
    this.cancelTimer(entry);
    this.entries.delete(profileId);
    if (entry.status !== 'unknown') this.emit({ profileId, status: 'unknown', previous: entry.status });
  }

  dispose(): void {
    this.disposed = true;
    for (const entry of this.entries.values()) this.cancelTimer(entry);
    this.listeners.clear();
  }

  private entry(profile: ModelProfile): Entry {
    let entry = this.entries.get(profile.id);
    if (!entry) {
      entry = {
        status: 'unknown',
        failures: 0,
        profile,
        probeIndex: 0,
        timer: undefined,
        nextProbeDelayMs: undefined,
      };
      this.entries.set(profile.id, entry);
    }
    // Probes must go to where requests go now, not where they went when the entry was made.
    entry.profile = profile;
    return entry;
  }

  private markDown(entry: Entry): void {
    entry.probeIndex = 0;
    this.setStatus(entry, 'unreachable');
    this.scheduleProbe(entry);
  }

  private scheduleProbe(entry: Entry): void {
    if (this.disposed) return;
    this.cancelTimer(entry);
    const delay = this.delays[Math.min(entry.probeIndex, this.delays.length - 1)] ?? 5_000;
    entry.probeIndex++;
    entry.nextProbeDelayMs = delay;
    entry.timer = this.timers.setTimeout(() => {
      entry.timer = undefined;
      entry.nextProbeDelayMs = undefined;
      void this.scheduledProbe(entry);
    }, delay);
  }

  private async scheduledProbe(entry: Entry): Promise<void> {
    const up = await this.probe(entry.profile);
    // A failed background probe leaves the endpoint down; try again later, a little less often.
    if (!up && !this.disposed && entry.status === 'unreachable' && entry.timer === undefined)
      this.scheduleProbe(entry);
  }

  private cancelTimer(entry: Entry): void {
    if (entry.timer !== undefined) this.timers.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.nextProbeDelayMs = undefined;
  }

  private async check(profile: ModelProfile): Promise<boolean> {
    try {
      const key = await this.options.getApiKey(profile.id);
      const headers: Record<string, string> = { ...profile.headers, Accept: 'application/json' };
      if (key) headers.Authorization = `Bearer ${key}`;
      const response = await fetch(`${profile.baseUrl}/models`, {
        headers,
        signal: AbortSignal.timeout(Math.min(this.probeTimeoutMs, profile.timeoutMs)),
      });
      await response.body?.cancel();
      // Any answer below 500 means a server is there; a wrong key then surfaces as an auth error on the
      // next real request, which says more than "unreachable" would.
      return response.status < 500;
    } catch {
      return false;
    }
  }

  private setStatus(entry: Entry, status: EndpointStatus): void {
    const previous = entry.status;
    if (previous === status) return;
    entry.status = status;
    this.emit({ profileId: entry.profile.id, status, previous });
  }

  private emit(change: EndpointStatusChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // A failing listener (say, a disposed status bar item) must not stop the others or the request.
      }
    }
  }
}
