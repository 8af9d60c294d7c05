// The batched writer between the extension and the metrics store: record() only pushes to an array; batches
// are written by size and by time in one transaction each, retried with backoff while another window holds
// the database lock, and spooled to a fallback rather than dropped when the store fails.
import type { MetricEvent } from './metricEvents';
import type { EventSink } from './eventSpool';
import { isBusyError } from './metricsStore';

/** Injectable timer so tests drive flushing without waiting. */
export interface RecorderTimer {
  /** A background flush; must not keep the process alive. */
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  /** A pause that close() awaits between retries; unlike set(), it must keep the process alive. */
  wait(ms: number): Promise<void>;
}

export const realTimer: RecorderTimer = {
  set(callback, ms) {
    const handle = setTimeout(callback, ms);
    // A pending flush must not keep a CLI or test process alive; close() flushes explicitly.
    handle.unref();
    return handle;
  },
  clear(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
  wait(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  },
};

export interface EventRecorderOptions {
  /** Flush as soon as this many events are waiting. */
  maxBatch?: number;
  /** Flush events at most this long after they were recorded. */
  flushIntervalMs?: number;
  timer?: RecorderTimer;
  /** First retry delay after SQLITE_BUSY; doubles up to retryMaxMs. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Where events go if the store fails for another reason than a lock, or is still locked at close(). */
  fallback?: EventSink;
  /** Told about failures that were handled (spooled) so they can be logged. */
  onError?: (error: unknown) => void;
  /** How many busy retries close() makes before spooling what is left. */
  closeAttempts?: number;
}

/** Counters for logs and tests. */
export interface RecorderStats {
  /** Events handed to the sink successfully. */
  written: number;
  /** Flushes that met a locked database and were retried later. */
  busyRetries: number;
  /** Events sent to the fallback spool. */
  spooled: number;
}

export class EventRecorder {
  readonly stats: RecorderStats = { written: 0, busyRetries: 0, spooled: 0 };
  private buffer: MetricEvent[] = [];
  private handle: unknown = undefined;
  private handleDue = Infinity;
  private retryDelay = 0;
  private closed = false;
  private readonly maxBatch: number;
  private readonly flushIntervalMs: number;
  private readonly timer: RecorderTimer;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly sink: EventSink,
    private readonly options: EventRecorderOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 2000;
    this.timer = options.timer ?? realTimer;
    this.retryInitialMs = options.retryInitialMs ?? 25;
    this.retryMaxMs = options.retryMaxMs ?? 2000;
  }

  /** Queues an event. Never touches the database. */
  record(event: MetricEvent): void {
    if (this.closed) throw new Error('The event recorder is closed.');
    this.buffer.push(event);
    if (this.retryDelay > 0) return; // a retry is already scheduled
    if (this.buffer.length >= this.maxBatch) this.schedule(0);
    else if (this.handle === undefined) this.schedule(this.flushIntervalMs);
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  private schedule(ms: number): void {
    if (this.handle !== undefined) {
      if (this.handleDue <= ms) return;
      this.timer.clear(this.handle);
    }
    this.handleDue = ms;
    this.handle = this.timer.set(() => {
      this.handle = undefined;
      this.handleDue = Infinity;
      this.flush();
    }, ms);
  }

  /** Writes everything buffered in one transaction. Returns true when the buffer is empty afterwards; on
   * SQLITE_BUSY keeps the events and schedules a retry with exponential backoff. */
  flush(): boolean {
    if (this.buffer.length === 0) return true;
    const batch = this.buffer;
    this.buffer = [];
    try {
      this.sink.writeBatch(batch);
      this.stats.written += batch.length;
      this.retryDelay = 0;
      if (this.buffer.length > 0 && !this.closed)
        this.schedule(this.buffer.length >= this.maxBatch ? 0 : this.flushIntervalMs);
      return this.buffer.length === 0;
    } catch (error) {
      if (isBusyError(error)) {
        this.buffer = batch.concat(this.buffer);
        this.stats.busyRetries += 1;
        this.retryDelay = Math.min(
          this.retryDelay === 0 ? this.retryInitialMs : this.retryDelay * 2,
          this.retryMaxMs,
        );
        if (!this.closed) {
          // Jitter keeps several windows from retrying in lockstep.
          this.schedule(Math.round(this.retryDelay * (0.5 + Math.random() / 2)));
        }
        return false;
      }
      this.spool(batch, error);
      return true;
    }
  }

  private spool(batch: MetricEvent[], error: unknown): void {
    this.options.onError?.(error);
    if (this.options.fallback === undefined) return;
    try {
      this.options.fallback.writeBatch(batch);
      this.stats.spooled += batch.length;
    } catch (spoolError) {
      this.options.onError?.(spoolError);
    }
  }

  /** Flushes what is left, retrying while the database is locked; whatever still cannot be written goes to
   * the fallback spool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.handle !== undefined) this.timer.clear(this.handle);
    this.handle = undefined;
    const attempts = this.options.closeAttempts ?? 20;
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      if (this.flush()) return;
      await this.timer.wait(this.retryDelay);
    }
    const rest = this.buffer;
    this.buffer = [];
    this.spool(rest, new Error('The metrics database stayed locked; events were spooled.'));
  }
}
