// Measures how much of an accepted suggestion survives: at 30 s, 2 min, 5 min and 10 min after acceptance
// it compares the text now in the tracked range with the accepted text. The range follows edits (shifted
// by edits above it, grown or shrunk by edits inside it); surviving characters are the longest common
// subsequence of the two texts, so edits inside count against it but moving code above does not.

import type { Timers, TextChange } from './completionPorts';
import type { CompletionEventSink } from './completionEvents';

export const retentionCheckpointsMs: readonly number[] = [30_000, 120_000, 300_000, 600_000];

interface Tracked {
  readonly suggestionId: string;
  readonly uri: string;
  readonly accepted: string;
  readonly base: { profileId: string; model: string; languageId: string };
  start: number;
  end: number;
  readonly cancels: (() => void)[];
  remaining: number;
}

export interface RetentionTrackerOptions {
  readonly timers: Timers;
  readonly now: () => number;
  /** Current text of an open document, or undefined when it is closed. */
  readonly getText: (uri: string) => string | undefined;
  readonly eventSink: CompletionEventSink;
  /** Delays after acceptance; a function is asked at each acceptance (tests shorten them in a live host). */
  readonly checkpointsMs?: readonly number[] | (() => readonly number[]);
}

/** Above this many character comparisons, fall back to comparing whole lines. */
const maxCharCells = 4_000_000;

function lcsLength<T>(a: readonly T[], b: readonly T[], weight: (item: T) => number): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const ai = a[i - 1];
      row[j] =
        ai === b[j - 1] ? (previous[j - 1] ?? 0) + weight(ai) : Math.max(previous[j] ?? 0, row[j - 1] ?? 0);
    }
    [previous, row] = [row, previous];
  }
  return previous[b.length] ?? 0;
}

/** Characters of `accepted` still present, in order, in `current`. */
export function survivingChars(accepted: string, current: string): number {
  if (accepted === current) return accepted.length;
  if (accepted.length * current.length <= maxCharCells)
    return lcsLength([...accepted], [...current], () => 1);
  // Large texts: whole unchanged lines count (plus their line breaks).
  const lines = (text: string): string[] => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  return lcsLength(lines(accepted), lines(current), (line) => line.length);
}

export class RetentionTracker {
  private readonly tracked = new Set<Tracked>();
  private readonly checkpoints: () => readonly number[];

  constructor(private readonly options: RetentionTrackerOptions) {
    const given = options.checkpointsMs ?? retentionCheckpointsMs;
    this.checkpoints = typeof given === 'function' ? given : () => given;
  }

  /** Starts tracking text inserted at `offset` by accepting a suggestion. */
  track(entry: {
    suggestionId: string;
    uri: string;
    offset: number;
    text: string;
    profileId: string;
    model: string;
    languageId: string;
  }): void {
    if (entry.text.length === 0) return;
    const checkpoints = this.checkpoints();
    const t: Tracked = {
      suggestionId: entry.suggestionId,
      uri: entry.uri,
      accepted: entry.text,
      base: { profileId: entry.profileId, model: entry.model, languageId: entry.languageId },
      start: entry.offset,
      end: entry.offset + entry.text.length,
      cancels: [],
      remaining: checkpoints.length,
    };
    this.tracked.add(t);
    for (const ms of checkpoints) t.cancels.push(this.options.timers.setTimeout(() => this.check(t, ms), ms));
  }

  /** Document edits, in the order the editor applied them. */
  onDocumentChange(uri: string, changes: readonly TextChange[]): void {
    for (const t of this.tracked) {
      if (t.uri !== uri) continue;
      for (const c of changes) shiftRange(t, c);
    }
  }

  /** The document was closed: the remaining checkpoints report null. */
  onDocumentClosed(uri: string): void {
    for (const t of this.tracked) if (t.uri === uri) t.start = t.end = -1;
  }

  dispose(): void {
    for (const t of this.tracked) for (const cancel of t.cancels) cancel();
    this.tracked.clear();
  }

  private check(t: Tracked, checkpointMs: number): void {
    const text = t.start < 0 ? undefined : this.options.getText(t.uri);
    const surviving = text === undefined ? null : survivingChars(t.accepted, text.slice(t.start, t.end));
    this.options.eventSink({
      type: 'retention',
      at: this.options.now(),
      ...t.base,
      suggestionId: t.suggestionId,
      checkpointMs,
      acceptedChars: t.accepted.length,
      survivingChars: surviving,
      share: surviving === null ? null : surviving / t.accepted.length,
    });
    t.remaining--;
    if (t.remaining === 0) this.tracked.delete(t);
  }
}

/** Moves the tracked range through one edit. Insertions at the range's edges stay outside it. */
function shiftRange(t: { start: number; end: number }, c: TextChange): void {
  if (t.start < 0) return;
  const editEnd = c.offset + c.deletedLength;
  const delta = c.text.length - c.deletedLength;
  if (editEnd <= t.start) {
    t.start += delta;
    t.end += delta;
    return;
  }
  if (c.offset >= t.end) return;
  // The edit overlaps the range.
  const newStart = c.offset < t.start ? c.offset + c.text.length : t.start;
  const newEnd =
    editEnd >= t.end
      ? Math.max(newStart, c.offset >= t.start ? c.offset + c.text.length : newStart)
      : t.end + delta;
  t.start = newStart;
  t.end = Math.max(newStart, newEnd);
}
