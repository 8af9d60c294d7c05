// Every dashboard metric, defined once: its doc comment, the tooltip text the dashboard shows, and the
// function (or SQL fragment) that computes it. Queries and the CLI compute figures only through this module.
import type { ModelRequestEvent } from './metricEvents';
import type { Totals } from './rollupColumns';

/** The latency figures one model request contributes. Time to first token counts when a token arrived;
 * total time counts only for requests that ran to completion (produced or empty): a request cancelled because
 * the user typed on says nothing about how fast the model is. Debounce is never part of either. */
export function latencySample(request: ModelRequestEvent): { ttft: number | null; total: number | null } {
  return {
    ttft: request.ttftMs,
    total: request.outcome === 'produced' || request.outcome === 'empty' ? request.totalMs : null,
  };
}
/** Percentiles reported for latency (continuous: linear interpolation between the closest ranks). */
export const PERCENTILES = [50, 95, 99] as const;
/** Peak QPS is measured over the busiest minute: per-second peaks are mostly noise at team scale. */
export const PEAK_WINDOW_MS = 60_000;

export type MetricId =
  | 'shown'
  | 'accepted'
  | 'acceptedFull'
  | 'acceptedPartial'
  | 'acceptedChars'
  | 'acceptedLines'
  | 'dismissed'
  | 'adoptionRateByCount'
  | 'adoptionRateByChars'
  | 'adoptionRateByLines'
  | 'generatedChars'
  | 'addedChars'
  | 'codeGenerationRate'
  | 'retention30s'
  | 'retention2m'
  | 'retention5m'
  | 'retention10m'
  | 'requests'
  | 'qpsAverage'
  | 'qpsPeak'
  | 'ttftP50'
  | 'ttftP95'
  | 'ttftP99'
  | 'totalP50'
  | 'totalP95'
  | 'totalP99'
  | 'activeDevelopers'
  | 'guardDecisions'
  | 'guardBlocks'
  | 'guardRedactions';

export type MetricUnit = 'count' | 'chars' | 'lines' | 'ratio' | 'qps' | 'ms';

export interface MetricDefinition {
  id: MetricId;
  label: string;
  unit: MetricUnit;
  /** One or two sentences shown as the dashboard tooltip. */
  description: string;
}

/** All metric values for one period (and one slice of the filter). Ratios and percentiles are null when
 * there is nothing to divide or rank. */
export type MetricValues = Record<MetricId, number | null>;

function def(id: MetricId, label: string, unit: MetricUnit, description: string): MetricDefinition {
  return { id, label, unit, description };
}

export const METRIC_DEFINITIONS: Readonly<Record<MetricId, MetricDefinition>> = {
  /** Distinct suggestions displayed; a suggestion re-displayed (same suggestion id) counts once. */
  shown: def(
    'shown',
    'Shown',
    'count',
    'Distinct inline suggestions displayed. A re-display of the same suggestion counts once.',
  ),
  /** Distinct suggestions accepted in full or in part (each counted once however many parts were taken). */
  accepted: def(
    'accepted',
    'Accepted',
    'count',
    'Distinct suggestions accepted, fully or partially; each counts once.',
  ),
  /** Distinct suggestions with at least one full acceptance. */
  acceptedFull: def('acceptedFull', 'Accepted in full', 'count', 'Distinct suggestions accepted in full.'),
  /** Distinct suggestions with at least one partial acceptance (word or line). */
  acceptedPartial: def(
    'acceptedPartial',
    'Accepted in part',
    'count',
    'Distinct suggestions of which a part (word or line) was accepted.',
  ),
  /** Characters inserted by acceptances; successive partial acceptances add up. */
  acceptedChars: def(
    'acceptedChars',
    'Accepted characters',
    'chars',
    'Characters inserted by accepting suggestions, partial acceptances included with their length.',
  ),
  acceptedLines: def('acceptedLines', 'Accepted lines', 'lines', 'Lines inserted by accepting suggestions.'),
  dismissed: def('dismissed', 'Dismissed', 'count', 'Distinct suggestions explicitly dismissed.'),
  /** accepted / shown over the whole period (a ratio of sums). */
  adoptionRateByCount: def(
    'adoptionRateByCount',
    'Adoption rate',
    'ratio',
    'Accepted suggestions / shown suggestions, over the whole period (not an average of daily rates).',
  ),
  /** accepted chars / shown chars (ratio of sums). */
  adoptionRateByChars: def(
    'adoptionRateByChars',
    'Adoption rate (characters)',
    'ratio',
    'Accepted characters / characters of shown suggestions, over the whole period.',
  ),
  /** accepted lines / shown lines (ratio of sums). */
  adoptionRateByLines: def(
    'adoptionRateByLines',
    'Adoption rate (lines)',
    'ratio',
    'Accepted lines / lines of shown suggestions, over the whole period.',
  ),
  /** Characters the assistant inserted: accepted completions and applied chat or test code. */
  generatedChars: def(
    'generatedChars',
    'Generated characters',
    'chars',
    'Characters inserted by the assistant: accepted completions, applied chat and test code.',
  ),
  /** All characters added to documents: typed, pasted and generated. */
  addedChars: def(
    'addedChars',
    'Added characters',
    'chars',
    'All characters added to documents: typed, pasted and generated.',
  ),
  /** generated chars / added chars. Feature and model filters narrow the numerator only: typed text has no
   * feature or model, and the share is always of everything the developers added. */
  codeGenerationRate: def(
    'codeGenerationRate',
    'Code generation rate',
    'ratio',
    'Characters inserted by the assistant / all characters added to documents (typed, pasted and generated) in the same period.',
  ),
  /** Share of accepted characters still present 30 s after acceptance (ratio of sums over checks). */
  retention30s: def(
    'retention30s',
    'Retention 30 s',
    'ratio',
    'Share of accepted characters still present 30 seconds after acceptance.',
  ),
  retention2m: def(
    'retention2m',
    'Retention 2 min',
    'ratio',
    'Share of accepted characters still present 2 minutes after acceptance.',
  ),
  retention5m: def(
    'retention5m',
    'Retention 5 min',
    'ratio',
    'Share of accepted characters still present 5 minutes after acceptance.',
  ),
  retention10m: def(
    'retention10m',
    'Retention 10 min',
    'ratio',
    'Share of accepted characters still present 10 minutes after acceptance.',
  ),
  /** Model requests issued (every outcome), bucketed by the time they were sent. */
  requests: def(
    'requests',
    'Model requests',
    'count',
    'Model requests sent, whatever their outcome, counted when sent.',
  ),
  /** requests / seconds in the period. */
  qpsAverage: def(
    'qpsAverage',
    'QPS (average)',
    'qps',
    'Model requests per second, averaged over the whole period.',
  ),
  /** Requests in the busiest calendar minute (UTC) of the period, divided by 60. */
  qpsPeak: def(
    'qpsPeak',
    'QPS (peak)',
    'qps',
    'Requests in the busiest minute of the period, divided by 60.',
  ),
  ttftP50: def(
    'ttftP50',
    'Time to first token p50',
    'ms',
    'Median time from sending a request to its first token (debounce excluded).',
  ),
  ttftP95: def(
    'ttftP95',
    'Time to first token p95',
    'ms',
    '95th percentile of time to first token (debounce excluded).',
  ),
  ttftP99: def(
    'ttftP99',
    'Time to first token p99',
    'ms',
    '99th percentile of time to first token (debounce excluded).',
  ),
  totalP50: def(
    'totalP50',
    'Total time p50',
    'ms',
    'Median total time of requests that completed (debounce excluded).',
  ),
  totalP95: def(
    'totalP95',
    'Total time p95',
    'ms',
    '95th percentile of total time of completed requests (debounce excluded).',
  ),
  totalP99: def(
    'totalP99',
    'Total time p99',
    'ms',
    '99th percentile of total time of completed requests (debounce excluded).',
  ),
  /** Developers with at least one user-initiated interaction (accepting a suggestion, sending a chat
   * message, running test generation or diagnosis, applying an answer) in the period. */
  activeDevelopers: def(
    'activeDevelopers',
    'Active developers',
    'count',
    'Developers with at least one user-initiated interaction (accepting a suggestion, a chat message, generating tests, diagnosing, applying an answer).',
  ),
  guardDecisions: def(
    'guardDecisions',
    'Guard decisions',
    'count',
    'Compliance-guard decisions (block, redact, warn) on input and output.',
  ),
  /** Guard decisions whose action was block: a request or answer that never reached its destination. The
   * model filter does not apply (the guard runs before a model is involved). */
  guardBlocks: def(
    'guardBlocks',
    'Guard blocks',
    'count',
    'Requests or answers the compliance guard blocked, on input and output.',
  ),
  /** Guard decisions whose action was redact: the request went out with the sensitive part replaced. */
  guardRedactions: def(
    'guardRedactions',
    'Guard redactions',
    'count',
    'Requests or answers sent on after the compliance guard redacted a sensitive part.',
  ),
};

/** a / b, or null when b is 0. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

export interface LatencyPercentiles {
  ttft: readonly [number | null, number | null, number | null];
  total: readonly [number | null, number | null, number | null];
}

export const NO_LATENCY: LatencyPercentiles = { ttft: [null, null, null], total: [null, null, null] };

export interface PeriodFacts {
  totals: Totals;
  /** Length of the period in seconds. */
  seconds: number;
  activeDevelopers: number;
  /** Requests in the busiest minute, or null when not computed for this slice. */
  peakMinuteRequests: number | null;
  latency: LatencyPercentiles;
  /** Guard decisions by action, when computed for this slice (tiles); null elsewhere. */
  guardActions?: { block: number; redact: number } | null;
}

export function generatedChars(t: Totals): number {
  return t.chars_completion + t.chars_chat + t.chars_tests;
}

export function addedChars(t: Totals): number {
  return t.chars_typed + t.chars_pasted + t.chars_completion + t.chars_chat + t.chars_tests;
}

/** Computes every metric of one period from its facts. `denominatorTotals` supplies the all-characters
 * denominator of the generation rate when feature or model filters narrow `facts.totals`. */
export function computeMetrics(facts: PeriodFacts, denominatorTotals: Totals = facts.totals): MetricValues {
  const t = facts.totals;
  const added = addedChars(denominatorTotals);
  const generated = generatedChars(t);
  return {
    shown: t.shown,
    accepted: t.accepted,
    acceptedFull: t.accepted_full,
    acceptedPartial: t.accepted_partial,
    acceptedChars: t.accepted_chars,
    acceptedLines: t.accepted_lines,
    dismissed: t.dismissed,
    adoptionRateByCount: ratio(t.accepted, t.shown),
    adoptionRateByChars: ratio(t.accepted_chars, t.shown_chars),
    adoptionRateByLines: ratio(t.accepted_lines, t.shown_lines),
    generatedChars: generated,
    addedChars: added,
    codeGenerationRate: ratio(generated, added),
    retention30s: ratio(t.ret30_retained, t.ret30_accepted),
    retention2m: ratio(t.ret120_retained, t.ret120_accepted),
    retention5m: ratio(t.ret300_retained, t.ret300_accepted),
    retention10m: ratio(t.ret600_retained, t.ret600_accepted),
    requests: t.requests,
    qpsAverage: ratio(t.requests, facts.seconds),
    qpsPeak: facts.peakMinuteRequests === null ? null : facts.peakMinuteRequests / (PEAK_WINDOW_MS / 1000),
    ttftP50: facts.latency.ttft[0],
    ttftP95: facts.latency.ttft[1],
    ttftP99: facts.latency.ttft[2],
    totalP50: facts.latency.total[0],
    totalP95: facts.latency.total[1],
    totalP99: facts.latency.total[2],
    activeDevelopers: facts.activeDevelopers,
    guardDecisions: t.guard_decisions,
    guardBlocks: facts.guardActions?.block ?? null,
    guardRedactions: facts.guardActions?.redact ?? null,
  };
}

/** Continuous percentile of sorted values (linear interpolation between the closest ranks, as SQL's
 * percentile_cont). */
export function percentileOfSorted(sorted: ArrayLike<number>, percent: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (percent / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** The same continuous percentiles as percentileOfSorted, of unsorted values, without sorting them: each
 * rank needed is found by selection (expected linear time) on the part of the array not yet placed, so
 * three percentiles of a month of requests cost a few passes instead of a sort. Reorders `values`; the
 * results are bit-identical to percentileOfSorted over the sorted values. */
export function percentilesOf(values: Float64Array, percents: readonly number[]): (number | null)[] {
  const n = values.length;
  if (n === 0) return percents.map(() => null);
  const ranks = percents.map((percent) => (percent / 100) * (n - 1));
  const wanted = [...new Set(ranks.flatMap((rank) => [Math.floor(rank), Math.ceil(rank)]))].sort(
    (a, b) => a - b,
  );
  const at = new Map<number, number>();
  let left = 0;
  for (const k of wanted) {
    at.set(k, selectNth(values, left, n - 1, k));
    // Everything before k is now <= values[k]: later (larger) ranks lie to its right.
    left = k + 1;
  }
  return ranks.map((rank) => {
    const low = Math.floor(rank);
    const lowValue = at.get(low) ?? NaN;
    const highValue = at.get(Math.ceil(rank)) ?? NaN;
    return lowValue + (highValue - lowValue) * (rank - low);
  });
}

/** Hoare-style quickselect: places the k-th smallest of values[left..right] at index k, with no larger value
 * before it and no smaller one after it, and returns it. Middle-of-three pivots keep sorted or constant runs
 * linear. */
function selectNth(values: Float64Array, left: number, right: number, k: number): number {
  let lo = left;
  let hi = right;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Order values[lo], values[mid], values[hi] so the pivot is their median.
    if (values[mid] < values[lo]) swap(values, mid, lo);
    if (values[hi] < values[lo]) swap(values, hi, lo);
    if (values[hi] < values[mid]) swap(values, hi, mid);
    const pivot = values[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i += 1;
      while (values[j] > pivot) j -= 1;
      if (i <= j) {
        swap(values, i, j);
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

function swap(values: Float64Array, a: number, b: number): void {
  const t = values[a];
  values[a] = values[b];
  values[b] = t;
}
