// Finishes, while the user is not typing, the parses that requests had no time for (a document opened
// cold, or a reparse cut off at a request's budget), in short slices so the extension host never blocks
// for longer than one slice: a parse cut off at the end of a slice resumes where it stopped. Any new
// activity (a keystroke, a request) restarts the idle countdown.

import type { Timers } from './completionPorts';
import type { ContextGatherer } from './contextGatherer';

export interface IdleParsesOptions {
  /** Quiet time before the first slice runs. */
  readonly delayMs?: number;
  /** Most time one slice may take. */
  readonly sliceMs?: number;
  readonly onError?: (message: string) => void;
}

export class IdleParses {
  private cancel: (() => void) | undefined;
  private readonly delayMs: number;
  private readonly sliceMs: number;
  private disposed = false;

  constructor(
    private readonly gatherer: Pick<ContextGatherer, 'pendingWarmUps' | 'warmSlice' | 'cancelWarmUp'>,
    private readonly timers: Timers,
    options: IdleParsesOptions = {},
  ) {
    this.delayMs = options.delayMs ?? 250;
    this.sliceMs = options.sliceMs ?? 5;
    this.onError = options.onError ?? (() => undefined);
  }

  private readonly onError: (message: string) => void;

  /** Something happened: wait for the next quiet moment before working again. */
  schedule(): void {
    this.cancel?.();
    this.cancel = undefined;
    if (this.disposed || this.gatherer.pendingWarmUps().length === 0) return;
    this.cancel = this.timers.setTimeout(() => this.slice(), this.delayMs);
  }

  private slice(): void {
    this.cancel = undefined;
    if (this.disposed) return;
    const next = this.gatherer.pendingWarmUps()[0];
    if (next === undefined) return;
    try {
      this.gatherer.warmSlice(next, this.sliceMs);
    } catch (error) {
      this.gatherer.cancelWarmUp(next);
      this.onError(`Parsing ${next} failed: ${String(error)}`);
    }
    // A zero delay still yields to the event loop between slices, so keystrokes are handled in between.
    if (this.gatherer.pendingWarmUps().length > 0)
      this.cancel = this.timers.setTimeout(() => this.slice(), 0);
  }

  dispose(): void {
    this.disposed = true;
    this.cancel?.();
    this.cancel = undefined;
  }
}
