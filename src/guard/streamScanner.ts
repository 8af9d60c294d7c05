// Scans a model's answer while it streams. Each chunk is scanned together with the text still held back and a
// little already-emitted context, and only text that can no longer become part of a match is released: the
// unfinished last token, a tail that is the start of a policy keyword, an open private-key block, a trailing
// run of digits, a match touching the end (and, when a custom pattern can span spaces, the unfinished line).
// So a secret split across chunks is still caught. Redactions and blocks come with a notice for the caller.
import type { ScanDirection } from './auditEvents';
import type { PolicyMode } from './policySchema';
import { applyRedactions, RedactionMap } from './redactionMap';
import type { GuardFinding, ScanContext } from './scanTypes';

/** What the stream scanner needs from the guard. */
export interface StreamScanEngine {
  readonly mode: PolicyMode;
  /** Lower-case keywords of output rules and their detectors: a tail that starts one is held back. */
  readonly holdBackTerms: readonly string[];
  readonly holdPartialLines: boolean;
  findings(text: string, direction: ScanDirection, ctx: ScanContext): GuardFinding[];
  record(
    findings: readonly GuardFinding[],
    valueOf: (f: GuardFinding) => string,
    direction: ScanDirection,
    ctx: ScanContext,
  ): void;
}

/** Tells the caller that the stream was changed, and why. Positions are offsets in the whole answer. */
export interface StreamNotice {
  kind: 'redact' | 'block' | 'warn';
  findings: GuardFinding[];
  /** Characters of the answer that were not shown as the model wrote them (withheld or replaced). */
  heldBackChars: number;
  message: string;
}

export interface StreamStep {
  /** Safe text to show now. */
  text: string;
  notices: StreamNotice[];
  /** True once the answer has been blocked; nothing more will be emitted. */
  blocked: boolean;
}

export interface StreamScannerOptions {
  /** The most text held back at once, unless a match in progress needs more. */
  maxHoldBack?: number;
}

/** Already-emitted text kept for left context (word boundaries, prefixes a detector looks behind at). */
const CONTEXT_CHARS = 256;
const MAX_PARTIAL_LINE = 512;
const PEM_OPEN = '-----begin';

export class OutputStreamScanner {
  private pending = '';
  private tail = '';
  private released = 0;
  private stopped = false;
  private ended = false;
  private readonly maxHoldBack: number;

  constructor(
    private readonly engine: StreamScanEngine | undefined,
    private readonly ctx: ScanContext,
    options: StreamScannerOptions = {},
    private readonly refusal?: GuardFinding[],
  ) {
    this.maxHoldBack = options.maxHoldBack ?? 4096;
  }

  /** A stream that refuses everything (the fail-closed guard's). */
  static refusing(findings: GuardFinding[]): OutputStreamScanner {
    return new OutputStreamScanner(undefined, { feature: 'chat' }, {}, findings);
  }

  get blocked(): boolean {
    return this.stopped;
  }

  /** Feeds the next chunk of the answer; returns what may be shown now. */
  push(chunk: string): StreamStep {
    if (this.ended) throw new Error('push() after end()');
    if (this.refusal) return this.refuse(chunk.length);
    if (this.stopped) return { text: '', notices: [], blocked: true };
    this.pending += chunk;
    return this.process(false);
  }

  /** Ends the answer: whatever is still held back is scanned one last time and released. */
  end(): StreamStep {
    if (this.ended) return { text: '', notices: [], blocked: this.stopped };
    this.ended = true;
    if (this.refusal) return this.refuse(0);
    if (this.stopped) return { text: '', notices: [], blocked: true };
    return this.process(true);
  }

  private refuse(chars: number): StreamStep {
    const first = !this.stopped;
    this.stopped = true;
    const findings = this.refusal ?? [];
    const notices: StreamNotice[] = first
      ? [
          {
            kind: 'block',
            findings,
            heldBackChars: chars,
            message: findings[0]?.message ?? 'Refused by the guard.',
          },
        ]
      : [];
    return { text: '', notices, blocked: true };
  }

  private process(final: boolean): StreamStep {
    const engine = this.engine as StreamScanEngine;
    const window = this.tail + this.pending;
    const base = this.tail.length;
    // Findings wholly inside already-emitted context were dealt with when that text was released.
    const all = engine.findings(window, 'output', this.ctx).filter((f) => f.end > base);
    let hold = final ? window.length : this.holdStart(window, all, engine);
    for (let moved = true; moved;) {
      moved = false;
      for (const f of all) {
        if (f.start < hold && f.end > hold) {
          hold = f.start;
          moved = true;
        }
      }
    }
    hold = Math.max(hold, base);
    const ready = all.filter((f) => f.end <= hold).map((f) => ({ ...f, start: Math.max(f.start, base) }));
    const toAbsolute = (f: GuardFinding): GuardFinding => ({
      ...f,
      start: f.start - base + this.released,
      end: f.end - base + this.released,
    });
    engine.record(ready, (f) => window.slice(f.start, f.end), 'output', this.ctx);

    const releasable = window.slice(base, hold);
    const notices: StreamNotice[] = [];
    if (engine.mode === 'enforce') {
      const blocking = ready.filter((f) => f.action === 'block');
      if (blocking.length > 0) {
        this.stopped = true;
        const withheld = this.pending.length;
        this.pending = '';
        return {
          text: '',
          blocked: true,
          notices: [
            {
              kind: 'block',
              findings: blocking.map(toAbsolute),
              heldBackChars: withheld,
              message: `The rest of the answer was withheld: ${describe(blocking)}`,
            },
          ],
        };
      }
    }
    let text = releasable;
    if (engine.mode === 'enforce') {
      const redacting = ready.filter((f) => f.action === 'redact');
      if (redacting.length > 0) {
        const shifted = redacting.map((f) => ({ ...f, start: f.start - base, end: f.end - base }));
        text = applyRedactions(releasable, shifted, 'output', new RedactionMap());
        notices.push({
          kind: 'redact',
          findings: redacting.map(toAbsolute),
          heldBackChars: shifted.reduce((n, f) => n + (f.end - f.start), 0),
          message: `Part of the answer was removed: ${describe(redacting)}`,
        });
      }
      const warning = ready.filter((f) => f.action === 'warn');
      if (warning.length > 0) {
        notices.push({
          kind: 'warn',
          findings: warning.map(toAbsolute),
          heldBackChars: 0,
          message: describe(warning),
        });
      }
    }
    this.tail = (this.tail + releasable).slice(-CONTEXT_CHARS);
    this.released += releasable.length;
    this.pending = window.slice(hold);
    return { text, notices, blocked: false };
  }

  /** Where the text that could still grow into a match begins (an index into `window`). */
  private holdStart(window: string, findings: readonly GuardFinding[], engine: StreamScanEngine): number {
    const n = window.length;
    let hold = n;
    // The unfinished last token: most secrets and identifiers contain no whitespace.
    let t = n;
    while (t > 0 && n - t < this.maxHoldBack && !isSpace(window.charCodeAt(t - 1))) t--;
    hold = Math.min(hold, t);
    // A match that reaches the end may still be growing (a longer token, a longer email domain).
    for (const f of findings) if (f.end >= n) hold = Math.min(hold, f.start);
    // A tail that is the start of a keyword (keywords may contain spaces: "project falcon").
    const terms = [...engine.holdBackTerms, PEM_OPEN];
    const longest = terms.reduce((m, term) => Math.max(m, term.length), 0);
    const lowerTail = window.slice(-longest).toLowerCase();
    for (const term of terms) {
      for (let k = Math.min(term.length - 1, lowerTail.length); k > 0; k--) {
        if (lowerTail.endsWith(term.slice(0, k))) {
          hold = Math.min(hold, n - k);
          break;
        }
      }
    }
    // An open private-key block is held until it closes (or the hold-back limit is reached).
    const begin = window.toLowerCase().lastIndexOf(PEM_OPEN);
    if (begin >= 0) {
      const endAt = window.indexOf('-----END', begin);
      const closed = endAt >= 0 && window.indexOf('-----', endAt + 8) >= 0;
      if (!closed) hold = Math.min(hold, begin);
    }
    // Card and phone numbers are digit groups separated by spaces or dashes.
    const digits = /[(+]?\d[\d ().+-]*$/.exec(window.slice(-40));
    if (digits) hold = Math.min(hold, n - digits[0].length);
    if (engine.holdPartialLines) {
      const lineStart = window.lastIndexOf('\n') + 1;
      if (n - lineStart <= MAX_PARTIAL_LINE) hold = Math.min(hold, lineStart);
    }
    return Math.max(hold, n - this.maxHoldBack);
  }
}

function isSpace(code: number): boolean {
  return (
    code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11 || code === 0xa0
  );
}

function describe(findings: readonly GuardFinding[]): string {
  return [...new Set(findings.map((f) => `rule ${f.ruleId} (${f.label})`))].join(', ');
}
