// The dashboard's named queries (tiles, time series, breakdowns, guard decisions, filter values) over a
// filter. Counters come from the rollup tables, latency percentiles and peak QPS from the request samples
// kept beside them; raw events are never scanned, so old (pruned) periods answer the same way.
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { ROLLUP_LEVELS, samplesTableOf } from './storeSchema';
import { NO_LATENCY, PERCENTILES, computeMetrics, percentilesOf } from './metricDefinitions';
import type { LatencyPercentiles, MetricId, MetricValues } from './metricDefinitions';
import { BUCKET_MS, ROLLUP_COUNTERS, addTotals, emptyTotals } from './rollupColumns';
import type { Totals } from './rollupColumns';
import { localBuckets, viewerZone } from './timeZones';
import type { Granularity, LocalBucket, ViewerZone } from './timeZones';

/** What the viewer selected. `from`/`to` are UTC ms, [from, to), aligned to 15 minutes (every local day or
 * hour boundary is). Empty or missing lists mean "all". */
export interface DashboardFilter {
  from: number;
  to: number;
  /** IANA zone or fixed offset ('+05:30') in which days and hours are bucketed. */
  timeZone: string;
  languages?: string[];
  features?: string[];
  models?: string[];
  developers?: string[];
}

export type BreakdownDimension = 'language' | 'feature' | 'model' | 'developer';
export const BREAKDOWN_DIMENSIONS: readonly BreakdownDimension[] = [
  'language',
  'feature',
  'model',
  'developer',
];

/** The dashboard's queries by name (the benchmark and the webview protocol use these names). */
export const QUERY_NAMES = [
  'tiles',
  'timeSeries',
  'breakdownByLanguage',
  'breakdownByFeature',
  'breakdownByModel',
  'breakdownByDeveloper',
  'guardBreakdown',
  'filterValues',
] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

export interface Tile {
  id: MetricId;
  value: number | null;
  /** The same metric over the previous period of equal length. */
  previous: number | null;
  /** value - previous. */
  delta: number | null;
  /** (value - previous) / previous; null when previous is 0 or missing. */
  relativeChange: number | null;
}

export interface Period {
  from: number;
  to: number;
}

export interface TilesResult {
  period: Period;
  previousPeriod: Period;
  tiles: Tile[];
}

export interface TimeSeriesPoint {
  label: string;
  start: number;
  end: number;
  metrics: MetricValues;
}

export interface TimeSeriesResult {
  granularity: Granularity;
  timeZone: string;
  points: TimeSeriesPoint[];
}

export interface BreakdownRow {
  key: string;
  metrics: MetricValues;
}

export interface BreakdownResult {
  by: BreakdownDimension;
  rows: BreakdownRow[];
}

export interface GuardBreakdownRow {
  ruleId: string;
  category: string;
  direction: string;
  action: string;
  feature: string;
  decisions: number;
}

export interface FilterValues {
  languages: string[];
  features: string[];
  models: string[];
  developers: string[];
}

/** Metrics shown as tiles, in display order. */
export const TILE_METRICS: readonly MetricId[] = [
  'shown',
  'accepted',
  'adoptionRateByCount',
  'adoptionRateByChars',
  'adoptionRateByLines',
  'codeGenerationRate',
  'retention30s',
  'retention2m',
  'retention5m',
  'retention10m',
  'requests',
  'qpsAverage',
  'qpsPeak',
  'ttftP50',
  'ttftP95',
  'ttftP99',
  'totalP50',
  'totalP95',
  'totalP99',
  'activeDevelopers',
  'guardDecisions',
  'guardBlocks',
  'guardRedactions',
];

const DAY_MS = 86_400_000;
/** Time series switch from daily to hourly points at or below this range. */
export const HOURLY_MAX_RANGE_MS = 2 * DAY_MS;
const MAX_RANGE_MS = 800 * DAY_MS;

const CHAR_COUNTERS = [
  'chars_typed',
  'chars_pasted',
  'chars_completion',
  'chars_chat',
  'chars_tests',
] as const;

const DIMENSION_COLUMN: Record<BreakdownDimension, string> = {
  language: 'language',
  feature: 'feature',
  model: 'model',
  developer: 'developer_id',
};

interface Interval {
  table: string;
  lo: number;
  hi: number;
}

/** Covers [from, to) with the fewest rollup rows: whole UTC days, then whole hours, then 15-minute buckets. */
export function decomposeRange(from: number, to: number): Interval[] {
  const [quarter, hour, day] = ROLLUP_LEVELS;
  const out: Interval[] = [];
  let cursor = from;
  while (cursor < to) {
    let hi: number;
    let table: string;
    if (cursor % day.ms === 0 && cursor + day.ms <= to) {
      hi = Math.floor(to / day.ms) * day.ms;
      table = day.table;
    } else if (cursor % hour.ms === 0 && cursor + hour.ms <= to) {
      hi = Math.min(Math.floor(to / hour.ms) * hour.ms, Math.floor(cursor / day.ms) * day.ms + day.ms);
      table = hour.table;
    } else {
      hi = Math.min(to, Math.floor(cursor / hour.ms) * hour.ms + hour.ms);
      table = quarter.table;
    }
    out.push({ table, lo: cursor, hi });
    cursor = hi;
  }
  return out;
}

interface SignedInterval extends Interval {
  sign: 1 | -1;
}

/** Covers [from, to) for additive counters with the fewest rows: a UTC day (or hour) that is mostly inside
 * the range is taken whole and the part outside subtracted, so a local day in UTC+2 reads one day row and
 * four hour rows instead of 24 hour rows. */
export function signedDecomposeRange(from: number, to: number): SignedInterval[] {
  const [quarter, hour, day] = ROLLUP_LEVELS;
  const out: SignedInterval[] = [];
  const push = (table: string, lo: number, hi: number, sign: 1 | -1): void => {
    if (lo >= hi) return;
    const last = out.at(-1);
    if (last !== undefined && last.table === table && last.sign === sign && last.hi === lo) last.hi = hi;
    else out.push({ table, lo, hi, sign });
  };
  const quarters = (lo: number, hi: number, sign: 1 | -1): void => push(quarter.table, lo, hi, sign);
  const hours = (lo: number, hi: number, sign: 1 | -1): void => {
    for (let h = Math.floor(lo / hour.ms) * hour.ms; h < hi; h += hour.ms) {
      const a = Math.max(lo, h);
      const b = Math.min(hi, h + hour.ms);
      if (b - a === hour.ms) push(hour.table, h, h + hour.ms, sign);
      else if (b - a >= hour.ms / 2) {
        push(hour.table, h, h + hour.ms, sign);
        quarters(h, a, sign === 1 ? -1 : 1);
        quarters(b, h + hour.ms, sign === 1 ? -1 : 1);
      } else quarters(a, b, sign);
    }
  };
  for (let d = Math.floor(from / day.ms) * day.ms; d < to; d += day.ms) {
    const a = Math.max(from, d);
    const b = Math.min(to, d + day.ms);
    if (b - a === day.ms) push(day.table, d, d + day.ms, 1);
    else if (b - a >= day.ms / 2) {
      push(day.table, d, d + day.ms, 1);
      hours(d, a, -1);
      hours(b, d + day.ms, -1);
    } else hours(a, b, 1);
  }
  return out;
}

interface FilterSql {
  /** Conditions on language and developer: these narrow every figure. */
  where: string;
  whereParams: string[];
  /** Condition on feature and model: narrows everything except the all-characters denominator. */
  narrow: string;
  narrowParams: string[];
}

function inList(column: string, values: readonly string[] | undefined, params: string[]): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  params.push(...values);
  return `${column} IN (${values.map(() => '?').join(', ')})`;
}

function filterSql(filter: DashboardFilter): FilterSql {
  const whereParams: string[] = [];
  const narrowParams: string[] = [];
  const where = [
    inList('language', filter.languages, whereParams),
    inList('developer_id', filter.developers, whereParams),
  ]
    .filter((c): c is string => c !== undefined)
    .join(' AND ');
  const narrow = [
    inList('feature', filter.features, narrowParams),
    inList('model', filter.models, narrowParams),
  ]
    .filter((c): c is string => c !== undefined)
    .join(' AND ');
  return {
    where: where === '' ? '1' : where,
    whereParams,
    narrow: narrow === '' ? '1' : narrow,
    narrowParams,
  };
}

/** Validates a filter; throws RangeError with a message fit for the user. */
export function validateFilter(filter: DashboardFilter): ViewerZone {
  const zone = viewerZone(filter.timeZone);
  if (!Number.isInteger(filter.from) || !Number.isInteger(filter.to) || filter.from >= filter.to) {
    throw new RangeError('The period is empty: "from" must be before "to".');
  }
  if (filter.from % BUCKET_MS !== 0 || filter.to % BUCKET_MS !== 0) {
    throw new RangeError(
      'The period must start and end on a 15-minute boundary (local days and hours always do).',
    );
  }
  if (filter.to - filter.from > MAX_RANGE_MS) throw new RangeError('The period is longer than 800 days.');
  return zone;
}

/** Latency percentiles and the busiest minute's request count of one group over one range. */
export interface RequestStats {
  latency: LatencyPercentiles;
  peakMinuteRequests: number;
}

interface SliceRow {
  key: string;
  developer: string;
  totals: Totals;
  denominator: Totals;
}

export class DashboardQueries {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Sums the rollups over [from, to), one row per (group key, developer). */
  private slices(
    filter: DashboardFilter,
    from: number,
    to: number,
    groupColumn: string | undefined,
  ): SliceRow[] {
    const f = filterSql(filter);
    const key = groupColumn ?? "''";
    const narrowed = ROLLUP_COUNTERS.map((c) => (f.narrow === '1' ? `SUM(${c})` : `SUM(n * ${c})`)).join(
      ', ',
    );
    const denominators = CHAR_COUNTERS.map((c) => `SUM(${c})`).join(', ');
    const out = new Map<string, SliceRow>();
    for (const interval of signedDecomposeRange(from, to)) {
      const sql = `SELECT ${key} AS k, developer_id AS d, ${narrowed}, ${denominators}
        FROM (SELECT *, (${f.narrow}) AS n FROM ${interval.table}
              WHERE bucket >= ? AND bucket < ? AND ${f.where})
        GROUP BY k, d`;
      const rows = this.statement(sql)
        .raw(true)
        .all(...f.narrowParams, interval.lo, interval.hi, ...f.whereParams) as (string | number | null)[][];
      for (const row of rows) {
        const k = String(row[0]);
        const d = String(row[1]);
        const mapKey = `${k}\u0000${d}`;
        let slice = out.get(mapKey);
        if (slice === undefined) {
          slice = { key: k, developer: d, totals: emptyTotals(), denominator: emptyTotals() };
          out.set(mapKey, slice);
        }
        ROLLUP_COUNTERS.forEach((c, i) => {
          slice.totals[c] += interval.sign * Number(row[2 + i] ?? 0);
        });
        CHAR_COUNTERS.forEach((c, i) => {
          slice.denominator[c] += interval.sign * Number(row[2 + ROLLUP_COUNTERS.length + i] ?? 0);
        });
      }
    }
    return [...out.values()];
  }

  /** The counters of [from, to) summed over everything the filter keeps, and its active developers. The
   * sums need no grouping (grouping by developer, as slices does, sorts every rollup row and doubles the
   * cost); active developers come from one narrow grouped query on user_actions alone. */
  private periodTotals(
    filter: DashboardFilter,
    from: number,
    to: number,
  ): { totals: Totals; denominator: Totals; activeDevelopers: number } {
    const f = filterSql(filter);
    const narrowed = (c: string): string => (f.narrow === '1' ? `SUM(${c})` : `SUM(n * ${c})`);
    const sums = ROLLUP_COUNTERS.map(narrowed).join(', ');
    const denominators = CHAR_COUNTERS.map((c) => `SUM(${c})`).join(', ');
    const totals = emptyTotals();
    const denominator = emptyTotals();
    const actions = new Map<string, number>();
    for (const interval of signedDecomposeRange(from, to)) {
      const source = `(SELECT *, (${f.narrow}) AS n FROM ${interval.table}
              WHERE bucket >= ? AND bucket < ? AND ${f.where})`;
      const params = [...f.narrowParams, interval.lo, interval.hi, ...f.whereParams];
      const row = this.statement(`SELECT ${sums}, ${denominators} FROM ${source}`)
        .raw(true)
        .get(...params) as (number | null)[];
      ROLLUP_COUNTERS.forEach((c, i) => {
        totals[c] += interval.sign * (row[i] ?? 0);
      });
      CHAR_COUNTERS.forEach((c, i) => {
        denominator[c] += interval.sign * (row[ROLLUP_COUNTERS.length + i] ?? 0);
      });
      const perDeveloper = this.statement(
        `SELECT developer_id, ${narrowed('user_actions')} FROM ${source} GROUP BY developer_id`,
      )
        .raw(true)
        .all(...params) as [string, number | null][];
      for (const [developer, n] of perDeveloper) {
        actions.set(developer, (actions.get(developer) ?? 0) + interval.sign * (n ?? 0));
      }
    }
    let activeDevelopers = 0;
    for (const n of actions.values()) if (n > 0) activeDevelopers += 1;
    return { totals, denominator, activeDevelopers };
  }

  /** Conditions on all four dimensions: requests have a feature and a model, so every filter narrows them. */
  private sampleWhere(filter: DashboardFilter): { sql: string; params: string[] } {
    const params: string[] = [];
    const sql = [
      inList('language', filter.languages, params),
      inList('developer_id', filter.developers, params),
      inList('feature', filter.features, params),
      inList('model', filter.models, params),
    ]
      .filter((c): c is string => c !== undefined)
      .join(' AND ');
    return { sql: sql === '' ? '1' : sql, params };
  }

  /** Exact latency percentiles and busiest-minute request count, per group key, for each of the contiguous
   * ranges [bounds[i], bounds[i + 1]). One query reads the day-level request samples of every UTC day the
   * ranges touch; each sample carries its start minute, and ranges start and end on whole minutes, so
   * samples are assigned to ranges exactly, whatever the time zone, without reading finer buckets. */
  private requestStats(
    filter: DashboardFilter,
    bounds: readonly number[],
    groupColumn: string | undefined,
  ): Map<string, RequestStats>[] {
    const w = this.sampleWhere(filter);
    const key = groupColumn ?? "''";
    const from = bounds[0];
    const to = bounds[bounds.length - 1];
    const dayTable = ROLLUP_LEVELS[2];
    const sql = `SELECT ${key} AS k, samples FROM ${samplesTableOf(dayTable.table)}
      WHERE bucket >= ? AND bucket < ? AND ${w.sql}`;
    const rows = this.statement(sql)
      .raw(true)
      .all(
        Math.floor(from / dayTable.ms) * dayTable.ms,
        Math.ceil(to / dayTable.ms) * dayTable.ms,
        ...w.params,
      ) as [string, Buffer][];
    const groups = new Map<string, Float64Array[]>();
    for (const [k, blob] of rows) {
      let list = groups.get(k);
      if (list === undefined) {
        list = [];
        groups.set(k, list);
      }
      list.push(asFloat64(blob));
    }
    // Range index of every minute of [from, to); OUTSIDE for none.
    const ranges = bounds.length - 1;
    const firstMinute = Math.floor(from / 60_000);
    const rangeOf = new Uint16Array(Math.ceil(to / 60_000) - firstMinute);
    for (let r = 0; r < ranges; r += 1) {
      rangeOf.fill(r, bounds[r] / 60_000 - firstMinute, bounds[r + 1] / 60_000 - firstMinute);
    }
    const result = Array.from({ length: ranges }, () => new Map<string, RequestStats>());
    const scratch = newScratch(rangeOf.length, ranges);
    for (const [k, list] of groups) {
      groupRequestStats(list, firstMinute, rangeOf, bounds, scratch).forEach((stats, r) => {
        if (stats !== undefined) result[r].set(k, stats);
      });
    }
    return result;
  }

  /** Guard decisions by action over [from, to); the model filter does not apply (as in guardBreakdown). */
  private guardActions(filter: DashboardFilter, from: number, to: number): { block: number; redact: number } {
    const params: string[] = [];
    const where = [
      inList('language', filter.languages, params),
      inList('developer_id', filter.developers, params),
      inList('feature', filter.features, params),
    ]
      .filter((c): c is string => c !== undefined)
      .join(' AND ');
    const sql = `SELECT action, SUM(n) FROM guard_rollup_15m
      WHERE bucket >= ? AND bucket < ? AND action IN ('block', 'redact') AND ${where === '' ? '1' : where}
      GROUP BY action`;
    const out = { block: 0, redact: 0 };
    for (const [action, n] of this.statement(sql)
      .raw(true)
      .all(from, to, ...params) as [string, number][]) {
      if (action === 'block' || action === 'redact') out[action] = n;
    }
    return out;
  }

  /** All metrics of one period (no grouping), given its request stats. */
  private periodMetrics(
    filter: DashboardFilter,
    from: number,
    to: number,
    stats: RequestStats | undefined,
  ): MetricValues {
    const { totals, denominator, activeDevelopers } = this.periodTotals(filter, from, to);
    return computeMetrics(
      {
        totals,
        seconds: (to - from) / 1000,
        activeDevelopers,
        peakMinuteRequests: stats?.peakMinuteRequests ?? 0,
        latency: stats?.latency ?? NO_LATENCY,
        guardActions: this.guardActions(filter, from, to),
      },
      denominator,
    );
  }

  /** Tiles: each metric over the period and over the previous period of equal length. */
  tiles(filter: DashboardFilter): TilesResult {
    validateFilter(filter);
    const previousPeriod = previousPeriodOf(filter);
    // Both periods' request samples in one read: they are adjacent.
    const [before, now] = this.requestStats(filter, [previousPeriod.from, filter.from, filter.to], undefined);
    const current = this.periodMetrics(filter, filter.from, filter.to, now.get(''));
    const previous = this.periodMetrics(filter, previousPeriod.from, previousPeriod.to, before.get(''));
    return tilesResult(filter, current, previous);
  }

  /** Daily points in the viewer's zone, or hourly ones when the range is two days or less (unless a
   * granularity is asked for). */
  timeSeries(filter: DashboardFilter, granularity: Granularity = autoGranularity(filter)): TimeSeriesResult {
    const zone = validateFilter(filter);
    const buckets = localBuckets(zone, filter.from, filter.to, granularity);
    const stats = this.requestStats(filter, [filter.from, ...buckets.map((b) => b.end)], undefined);
    const points = buckets.map((bucket, index): TimeSeriesPoint => {
      const { totals, denominator, activeDevelopers } = this.periodTotals(filter, bucket.start, bucket.end);
      return seriesPoint(bucket, { totals, denominator, activeDevelopers }, stats[index].get(''));
    });
    return { granularity, timeZone: zone.name, points };
  }

  /** One row per value of the dimension, sorted by requests then shown, descending. For feature and model
   * rows the generation rate's denominator is all characters added under the filter (typed text has no
   * feature or model), so rows add up to the total rate. */
  breakdown(filter: DashboardFilter, by: BreakdownDimension): BreakdownResult {
    validateFilter(filter);
    const column = DIMENSION_COLUMN[by];
    const slices = this.slices(filter, filter.from, filter.to, column);
    const groups = new Map<string, { totals: Totals; denominator: Totals; active: Set<string> }>();
    const overallDenominator = emptyTotals();
    for (const slice of slices) {
      let group = groups.get(slice.key);
      if (group === undefined) {
        group = { totals: emptyTotals(), denominator: emptyTotals(), active: new Set() };
        groups.set(slice.key, group);
      }
      addTotals(group.totals, slice.totals);
      addTotals(group.denominator, slice.denominator);
      addTotals(overallDenominator, slice.denominator);
      if (slice.totals.user_actions > 0) group.active.add(slice.developer);
    }
    const [stats] = this.requestStats(filter, [filter.from, filter.to], column);
    const perFeatureOrModel = by === 'feature' || by === 'model';
    const rows: BreakdownRow[] = [];
    for (const [key, group] of groups) {
      // Typed and pasted text has no feature or model: it is only the denominator of those rows.
      if (perFeatureOrModel && key === '') continue;
      const metrics = computeMetrics(
        {
          totals: group.totals,
          seconds: (filter.to - filter.from) / 1000,
          activeDevelopers: group.active.size,
          peakMinuteRequests: stats.get(key)?.peakMinuteRequests ?? 0,
          latency: stats.get(key)?.latency ?? NO_LATENCY,
        },
        perFeatureOrModel ? overallDenominator : group.denominator,
      );
      // Nothing in the range: typed text only (feature and model rows), or a signed cover's leftover (a
      // developer or language seen only in the hours it subtracts).
      if (isEmptyRow(group.totals) && (perFeatureOrModel || isEmptyRow(group.denominator))) continue;
      rows.push({ key, metrics });
    }
    rows.sort(
      (a, b) =>
        (b.metrics.requests ?? 0) - (a.metrics.requests ?? 0) ||
        (b.metrics.shown ?? 0) - (a.metrics.shown ?? 0) ||
        a.key.localeCompare(b.key),
    );
    return { by, rows };
  }

  /** Guard decisions by rule, category, direction, action and feature (models do not apply). */
  guardBreakdown(filter: DashboardFilter): GuardBreakdownRow[] {
    validateFilter(filter);
    const params: string[] = [];
    const where = [
      inList('language', filter.languages, params),
      inList('developer_id', filter.developers, params),
      inList('feature', filter.features, params),
    ]
      .filter((c): c is string => c !== undefined)
      .join(' AND ');
    const sql = `SELECT rule_id, category, direction, action, feature, SUM(n) FROM guard_rollup_15m
      WHERE bucket >= ? AND bucket < ? AND ${where === '' ? '1' : where}
      GROUP BY rule_id, category, direction, action, feature ORDER BY SUM(n) DESC, rule_id`;
    return (
      this.statement(sql)
        .raw(true)
        .all(filter.from, filter.to, ...params) as [string, string, string, string, string, number][]
    ).map(([ruleId, category, direction, action, feature, decisions]) => ({
      ruleId,
      category,
      direction,
      action,
      feature,
      decisions,
    }));
  }

  /** Every value ever recorded for each filterable dimension. */
  filterValues(): FilterValues {
    const rows = this.statement('SELECT dim, value FROM dim_values ORDER BY dim, value').all() as {
      dim: string;
      value: string;
    }[];
    const pick = (dim: string): string[] => rows.filter((r) => r.dim === dim).map((r) => r.value);
    return {
      languages: pick('language'),
      features: pick('feature'),
      models: pick('model'),
      developers: pick('developer'),
    };
  }

  /** Runs a query by its name (benchmark, CLI and webview use this). */
  run(name: QueryName, filter: DashboardFilter): unknown {
    switch (name) {
      case 'tiles':
        return this.tiles(filter);
      case 'timeSeries':
        return this.timeSeries(filter);
      case 'breakdownByLanguage':
        return this.breakdown(filter, 'language');
      case 'breakdownByFeature':
        return this.breakdown(filter, 'feature');
      case 'breakdownByModel':
        return this.breakdown(filter, 'model');
      case 'breakdownByDeveloper':
        return this.breakdown(filter, 'developer');
      case 'guardBreakdown':
        return this.guardBreakdown(filter);
      case 'filterValues':
        return this.filterValues();
    }
  }
}

/** The period of equal length just before the filter's, which the tiles compare with. */
export function previousPeriodOf(filter: DashboardFilter): Period {
  return { from: 2 * filter.from - filter.to, to: filter.from };
}

/** The tiles of a period from its metrics and those of the previous period (previousPeriodOf). */
export function tilesResult(
  filter: DashboardFilter,
  current: MetricValues,
  previous: MetricValues,
): TilesResult {
  const tiles = TILE_METRICS.map((id): Tile => {
    const value = current[id];
    const before = previous[id];
    const delta = value === null || before === null ? null : value - before;
    return {
      id,
      value,
      previous: before,
      delta,
      relativeChange: delta === null || before === null || before === 0 ? null : delta / before,
    };
  });
  return {
    period: { from: filter.from, to: filter.to },
    previousPeriod: previousPeriodOf(filter),
    tiles,
  };
}

/** One point of a time series from the bucket's totals and request statistics (no busiest minute: a
 * point's QPS is its average). */
export function seriesPoint(
  bucket: LocalBucket,
  sums: { totals: Totals; denominator: Totals; activeDevelopers: number },
  stats: RequestStats | undefined,
): TimeSeriesPoint {
  return {
    label: bucket.label,
    start: bucket.start,
    end: bucket.end,
    metrics: computeMetrics(
      {
        totals: sums.totals,
        seconds: (bucket.end - bucket.start) / 1000,
        activeDevelopers: sums.activeDevelopers,
        peakMinuteRequests: null,
        latency: stats?.latency ?? NO_LATENCY,
      },
      sums.denominator,
    ),
  };
}

export function autoGranularity(filter: DashboardFilter): Granularity {
  return filter.to - filter.from <= HOURLY_MAX_RANGE_MS ? 'hour' : 'day';
}

function isEmptyRow(t: Totals): boolean {
  return ROLLUP_COUNTERS.every((c) => t[c] === 0);
}

/** Reusable per-query arrays of groupRequestStats. */
interface StatsScratch {
  minutes: Uint32Array;
  requestCounts: Uint32Array;
  ttftEnds: Uint32Array;
  totalEnds: Uint32Array;
}

function newScratch(minutes: number, ranges: number): StatsScratch {
  return {
    minutes: new Uint32Array(minutes),
    requestCounts: new Uint32Array(ranges),
    ttftEnds: new Uint32Array(ranges),
    totalEnds: new Uint32Array(ranges),
  };
}

/** Latency percentiles and busiest minute per range of one group's sample blobs (see requestStats). A
 * function of its own, over typed arrays only, so that V8 optimizes these loops once and keeps them. */
function groupRequestStats(
  list: readonly Float64Array[],
  firstMinute: number,
  rangeOf: Uint16Array,
  bounds: readonly number[],
  scratch: StatsScratch,
): (RequestStats | undefined)[] {
  const { minutes, requestCounts, ttftEnds, totalEnds } = scratch;
  const ranges = bounds.length - 1;
  const span = rangeOf.length;
  minutes.fill(0);
  requestCounts.fill(0);
  ttftEnds.fill(0);
  totalEnds.fill(0);
  // Values of every range in one flat array per metric, range after range (a counting sort by range).
  for (const samples of list) {
    const length = samples.length;
    for (let i = 0; i < length; i += 3) {
      // An int32 index: a float one takes the slow path of typed-array access.
      const m = (samples[i] - firstMinute) | 0;
      if (m < 0 || m >= span) continue;
      minutes[m] += 1;
      const r = rangeOf[m];
      requestCounts[r] += 1;
      if (samples[i + 1] === samples[i + 1]) ttftEnds[r] += 1; // false only for NaN (no first token)
      if (samples[i + 2] === samples[i + 2]) totalEnds[r] += 1;
    }
  }
  // Counts become start offsets; ttftEnds[r] then advances to the end of range r while filling.
  let ttftSize = 0;
  let totalSize = 0;
  for (let r = 0; r < ranges; r += 1) {
    const t = ttftEnds[r];
    const d = totalEnds[r];
    ttftEnds[r] = ttftSize;
    totalEnds[r] = totalSize;
    ttftSize += t;
    totalSize += d;
  }
  const ttft = new Float64Array(ttftSize);
  const total = new Float64Array(totalSize);
  const ttftFrom = ttftEnds.slice();
  const totalFrom = totalEnds.slice();
  for (const samples of list) {
    const length = samples.length;
    for (let i = 0; i < length; i += 3) {
      const m = (samples[i] - firstMinute) | 0;
      if (m < 0 || m >= span) continue;
      const r = rangeOf[m];
      const t = samples[i + 1];
      const d = samples[i + 2];
      if (t === t) ttft[ttftEnds[r]++] = t;
      if (d === d) total[totalEnds[r]++] = d;
    }
  }
  const out: (RequestStats | undefined)[] = [];
  for (let r = 0; r < ranges; r += 1) {
    if (requestCounts[r] === 0) {
      out.push(undefined);
      continue;
    }
    let peak = 0;
    const end = bounds[r + 1] / 60_000 - firstMinute;
    for (let m = bounds[r] / 60_000 - firstMinute; m < end; m += 1) if (minutes[m] > peak) peak = minutes[m];
    const [t50, t95, t99] = percentilesOf(ttft.subarray(ttftFrom[r], ttftEnds[r]), PERCENTILES);
    const [d50, d95, d99] = percentilesOf(total.subarray(totalFrom[r], totalEnds[r]), PERCENTILES);
    out.push({ latency: { ttft: [t50, t95, t99], total: [d50, d95, d99] }, peakMinuteRequests: peak });
  }
  return out;
}

/** A float64 view of a sample blob, copying only when the buffer is not 8-byte aligned. */
function asFloat64(blob: Buffer): Float64Array {
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, blob.byteLength / 8);
  return new Float64Array(new Uint8Array(blob).buffer);
}
