// A deterministic clock and timer queue for replaying typing in simulated time (tests and benchmarks):
// time only moves when `advanceTo` runs the due timers, letting pending promises settle between them.

import type { Clock, Timers } from './completionPorts';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

/** Lets every queued promise continuation run (setImmediate fires after the microtask queue drains). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualClock implements Clock, Timers {
  private time = 0;
  private seq = 0;
  private queue: Timer[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): () => void {
    const timer: Timer = {
      at: this.time + Math.max(0, ms),
      seq: this.seq++,
      run: callback,
      cancelled: false,
    };
    this.queue.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** A promise that resolves after `ms` of simulated time (or rejects when `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const cancel = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        cancel();
        reject(new Error('aborted'));
      };
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs every timer due up to `target` in time order, settling promises after each. */
  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.queue) {
        if (t.cancelled || t.at > target) continue;
        if (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
      }
      if (next === undefined) break;
      this.queue = this.queue.filter((t) => t !== next && !t.cancelled);
      this.time = Math.max(this.time, next.at);
      next.run();
      await settle();
    }
    this.time = Math.max(this.time, target);
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.time + ms);
  }
}
