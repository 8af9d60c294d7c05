// The additive counters kept per 15-minute bucket in the rollup tables, and how one event adds to them.
// Shared by the store (which maintains rollups as events arrive) and the queries (which sum them).
import type { CharSource, MetricEvent, RequestOutcome, RetentionCheckpoint } from './metricEvents';

/** Every additive counter of the rollup tables, in column order. */
export const ROLLUP_COUNTERS = [
  'requests',
  'req_produced',
  'req_cancelled',
  'req_empty',
  'req_failed',
  'req_blocked',
  'prompt_tokens',
  'completion_tokens',
  'shown',
  'shown_chars',
  'shown_lines',
  'accepted',
  'accepted_full',
  'accepted_partial',
  'accepted_chars',
  'accepted_lines',
  'dismissed',
  'chars_typed',
  'chars_pasted',
  'chars_completion',
  'chars_chat',
  'chars_tests',
  'ret30_accepted',
  'ret30_retained',
  'ret120_accepted',
  'ret120_retained',
  'ret300_accepted',
  'ret300_retained',
  'ret600_accepted',
  'ret600_retained',
  'interactions',
  'user_actions',
  'guard_decisions',
] as const;

export type RollupCounter = (typeof ROLLUP_COUNTERS)[number];

/** The counter columns of a rollup table in a CREATE TABLE statement, one per line, of the given SQL type
 * (the team database's schema is generated from this, as the local store's is from ROLLUP_COUNTERS). */
export function rollupCounterColumnsSql(sqlType: string): string {
  return ROLLUP_COUNTERS.map((name) => `  ${name} ${sqlType} NOT NULL DEFAULT 0`).join(',\n');
}
export type Totals = Record<RollupCounter, number>;

/** Rollup bucket width. Every real time-zone offset is a multiple of 15 minutes, so any local day or hour is
 * an exact union of these buckets. */
export const BUCKET_MS = 15 * 60 * 1000;

export function bucketOf(ts: number): number {
  return Math.floor(ts / BUCKET_MS) * BUCKET_MS;
}

export function emptyTotals(): Totals {
  const totals = {} as Totals;
  for (const name of ROLLUP_COUNTERS) totals[name] = 0;
  return totals;
}

export function addTotals(into: Totals, from: Totals): void {
  for (const name of ROLLUP_COUNTERS) into[name] += from[name];
}

/** Dimensions of a rollup row. `feature` and `model` are '' where an event has none (typed text). */
export interface RollupKey {
  bucket: number;
  developerId: string;
  language: string;
  feature: string;
  model: string;
}

/** Bits of what an event adds that the store has not counted yet (first display, first acceptance...). */
export const NOVEL_SHOWN = 1;
export const NOVEL_ACCEPTED = 2;
export const NOVEL_ACCEPTED_FULL = 4;
export const NOVEL_ACCEPTED_PARTIAL = 8;
export const NOVEL_DISMISSED = 16;

/** The time an event counts at: a request counts when it started, everything else when it happened. */
export function rollupTimeOf(event: MetricEvent): number {
  return event.kind === 'modelRequest' ? event.startedAt : event.ts;
}

/** The feature dimension of an event's rollup row ('' for typed and pasted text). */
export function rollupFeatureOf(event: MetricEvent): string {
  switch (event.kind) {
    case 'modelRequest':
    case 'interaction':
    case 'guardDecision':
      return event.feature;
    case 'charsAdded':
      return event.source === 'typed' || event.source === 'pasted' ? '' : event.source;
    default:
      return 'completion';
  }
}

/** The model dimension of an event's rollup row ('' for guard decisions). */
export function rollupModelOf(event: MetricEvent): string {
  return event.kind === 'guardDecision' ? '' : event.model;
}

/** The rollup key an event counts under. */
export function rollupKeyOf(event: MetricEvent): RollupKey {
  return {
    bucket: bucketOf(rollupTimeOf(event)),
    developerId: event.developerId,
    language: event.language,
    feature: rollupFeatureOf(event),
    model: rollupModelOf(event),
  };
}

/** Position of each counter in ROLLUP_COUNTERS: the store accumulates a row's counters in a Float64Array. */
export const COUNTER_INDEX = Object.fromEntries(ROLLUP_COUNTERS.map((name, i) => [name, i])) as Readonly<
  Record<RollupCounter, number>
>;
const C = COUNTER_INDEX;
const OUTCOME_COUNTER: Readonly<Record<RequestOutcome, number>> = {
  produced: C.req_produced,
  cancelled: C.req_cancelled,
  empty: C.req_empty,
  failed: C.req_failed,
  blocked: C.req_blocked,
};
const SOURCE_COUNTER: Readonly<Record<CharSource, number>> = {
  typed: C.chars_typed,
  pasted: C.chars_pasted,
  completion: C.chars_completion,
  chat: C.chars_chat,
  tests: C.chars_tests,
};
/** Accepted and retained counters of each retention checkpoint. */
const RETENTION_COUNTER: Readonly<Record<RetentionCheckpoint, readonly [number, number]>> = {
  30: [C.ret30_accepted, C.ret30_retained],
  120: [C.ret120_accepted, C.ret120_retained],
  300: [C.ret300_accepted, C.ret300_retained],
  600: [C.ret600_accepted, C.ret600_retained],
};

/** Adds one (new, not previously stored) event to the counters starting at `counts[at]` (ROLLUP_COUNTERS
 * order). `novelty` holds the NOVEL_* bits; only suggestion events read it. */
export function addEvent(counts: Float64Array, at: number, event: MetricEvent, novelty: number): void {
  switch (event.kind) {
    case 'modelRequest':
      counts[at + C.requests] += 1;
      counts[at + OUTCOME_COUNTER[event.outcome]] += 1;
      counts[at + C.prompt_tokens] += event.promptTokens;
      counts[at + C.completion_tokens] += event.completionTokens;
      return;
    case 'suggestionShown':
      if ((novelty & NOVEL_SHOWN) !== 0) {
        counts[at + C.shown] += 1;
        counts[at + C.shown_chars] += event.shownChars;
        counts[at + C.shown_lines] += event.shownLines;
      }
      return;
    case 'suggestionAccepted':
      if ((novelty & NOVEL_ACCEPTED) !== 0) {
        counts[at + C.accepted] += 1;
        counts[at + C.user_actions] += 1;
      }
      if ((novelty & NOVEL_ACCEPTED_FULL) !== 0) counts[at + C.accepted_full] += 1;
      if ((novelty & NOVEL_ACCEPTED_PARTIAL) !== 0) counts[at + C.accepted_partial] += 1;
      counts[at + C.accepted_chars] += event.acceptedChars;
      counts[at + C.accepted_lines] += event.acceptedLines;
      return;
    case 'suggestionDismissed':
      if ((novelty & NOVEL_DISMISSED) !== 0) counts[at + C.dismissed] += 1;
      return;
    case 'retentionCheck': {
      const [accepted, retained] = RETENTION_COUNTER[event.checkpointSec];
      const acceptedChars = event.acceptedChars;
      counts[at + accepted] += acceptedChars;
      counts[at + retained] += Math.min(event.retainedChars, acceptedChars);
      return;
    }
    case 'charsAdded':
      counts[at + SOURCE_COUNTER[event.source]] += event.chars;
      return;
    case 'interaction':
      counts[at + C.interactions] += 1;
      if (event.userInitiated) counts[at + C.user_actions] += 1;
      return;
    case 'guardDecision':
      counts[at + C.guard_decisions] += 1;
      return;
  }
}
