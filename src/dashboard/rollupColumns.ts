// The additive counters kept per 15-minute bucket in the rollup tables, and how one event adds to them.
// Shared by the store (which maintains rollups as events arrive) and the queries (which sum them).
import type { MetricEvent } from './metricEvents';

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

/** Facts about an event that depend on what the store has already seen (first display, first acceptance). */
export interface EventNovelty {
  firstShown: boolean;
  firstAccepted: boolean;
  firstAcceptedFull: boolean;
  firstAcceptedPartial: boolean;
  firstDismissed: boolean;
}

/** The rollup key an event counts under. */
export function rollupKeyOf(event: MetricEvent): RollupKey {
  // One object literal per event, no spread: this runs for every event on the ingest path.
  const developerId = event.developerId;
  const language = event.language;
  switch (event.kind) {
    case 'modelRequest':
      return {
        bucket: bucketOf(event.startedAt),
        developerId,
        language,
        feature: event.feature,
        model: event.model,
      };
    case 'suggestionShown':
    case 'suggestionAccepted':
    case 'suggestionDismissed':
    case 'retentionCheck':
      return { bucket: bucketOf(event.ts), developerId, language, feature: 'completion', model: event.model };
    case 'charsAdded':
      return {
        bucket: bucketOf(event.ts),
        developerId,
        language,
        feature: event.source === 'typed' || event.source === 'pasted' ? '' : event.source,
        model: event.model,
      };
    case 'interaction':
      return {
        bucket: bucketOf(event.ts),
        developerId,
        language,
        feature: event.feature,
        model: event.model,
      };
    case 'guardDecision':
      return { bucket: bucketOf(event.ts), developerId, language, feature: event.feature, model: '' };
  }
}

/** Adds one (new, not previously seen) event to a totals record. */
export function addEvent(totals: Totals, event: MetricEvent, novelty: EventNovelty): void {
  switch (event.kind) {
    case 'modelRequest':
      totals.requests += 1;
      totals[`req_${event.outcome}`] += 1;
      totals.prompt_tokens += event.promptTokens;
      totals.completion_tokens += event.completionTokens;
      return;
    case 'suggestionShown':
      if (novelty.firstShown) {
        totals.shown += 1;
        totals.shown_chars += event.shownChars;
        totals.shown_lines += event.shownLines;
      }
      return;
    case 'suggestionAccepted':
      if (novelty.firstAccepted) {
        totals.accepted += 1;
        totals.user_actions += 1;
      }
      if (novelty.firstAcceptedFull) totals.accepted_full += 1;
      if (novelty.firstAcceptedPartial) totals.accepted_partial += 1;
      totals.accepted_chars += event.acceptedChars;
      totals.accepted_lines += event.acceptedLines;
      return;
    case 'suggestionDismissed':
      if (novelty.firstDismissed) totals.dismissed += 1;
      return;
    case 'retentionCheck':
      totals[`ret${event.checkpointSec}_accepted`] += event.acceptedChars;
      totals[`ret${event.checkpointSec}_retained`] += Math.min(event.retainedChars, event.acceptedChars);
      return;
    case 'charsAdded':
      totals[`chars_${event.source}`] += event.chars;
      return;
    case 'interaction':
      totals.interactions += 1;
      if (event.userInitiated) totals.user_actions += 1;
      return;
    case 'guardDecision':
      totals.guard_decisions += 1;
      return;
  }
}
