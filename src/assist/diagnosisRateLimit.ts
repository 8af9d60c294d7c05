// The limit on diagnosis-on-save: saving is frequent and each diagnosis is a model request, so a file is
// diagnosed again only after a pause, and all files together only a few times a minute.

export interface DiagnosisRateLimitOptions {
  /** Least time between two diagnoses of the same file. */
  perFileIntervalMs: number;
  /** Most diagnoses in any 60-second window, all files together. */
  maxPerMinute: number;
  now: () => number;
}

export const DEFAULT_ON_SAVE_LIMITS = { perFileIntervalMs: 30_000, maxPerMinute: 6 } as const;

export class DiagnosisRateLimiter {
  private readonly lastByFile = new Map<string, number>();
  private readonly recent: number[] = [];

  constructor(private readonly options: DiagnosisRateLimitOptions) {}

  /** True (and counted) when a diagnosis of `file` may run now. */
  tryAcquire(file: string): boolean {
    const now = this.options.now();
    while (this.recent.length > 0 && now - this.recent[0] >= 60_000) this.recent.shift();
    const last = this.lastByFile.get(file);
    if (last !== undefined && now - last < this.options.perFileIntervalMs) return false;
    if (this.recent.length >= this.options.maxPerMinute) return false;
    this.lastByFile.set(file, now);
    this.recent.push(now);
    return true;
  }
}
