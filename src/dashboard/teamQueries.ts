// The dashboard's named queries over an asynchronous SQL executor with two dialects: the team database
// (PostgreSQL, one team's rows) and the local store (SQLite). One set of SQL, with the dialect differences
// (placeholders, big- or little-endian sample blobs, numeric sums returned as strings) confined to the
// executors; the team tests check both engines give the figures DashboardQueries gives. Adds the team
// view's privacy rules: per-developer rows only for groups of at least N developers, and the developer
// filter only for leads.
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Client, Pool } from 'pg';
import {
  autoGranularity,
  decomposeRange,
  previousPeriodOf,
  seriesPoint,
  signedDecomposeRange,
  tilesResult,
  validateFilter,
} from './dashboardQueries';
import type {
  BreakdownDimension,
  BreakdownResult,
  BreakdownRow,
  DashboardFilter,
  FilterValues,
  GuardBreakdownRow,
  Period,
  QueryName,
  RequestStats,
  TilesResult,
  TimeSeriesPoint,
  TimeSeriesResult,
} from './dashboardQueries';
import { NO_LATENCY, PERCENTILES, computeMetrics, percentileOfSorted } from './metricDefinitions';
import type { LatencyPercentiles, MetricValues } from './metricDefinitions';
import { ROLLUP_COUNTERS, addTotals, emptyTotals } from './rollupColumns';
import type { Totals } from './rollupColumns';
import { ROLLUP_LEVELS, samplesTableOf } from './storeSchema';
import {
  ACTIVITY_TABLE,
  DEVELOPER_ACTIVE_TABLE,
  DEVELOPER_DAY_TABLE,
  DEVELOPER_LANGUAGE_ACTIVE_TABLE,
  DEVELOPER_LANGUAGE_REQUESTS_TABLE,
  DEVELOPER_MONTH_TABLE,
  DEVELOPER_REQUESTS_MONTH_TABLE,
  DEVELOPER_REQUESTS_TABLE,
  DIMENSION_PAIRS,
  HISTOGRAM_LAST_BIN,
  HISTOGRAM_TABLES,
  MINUTE_TOTALS_TABLE,
  MINUTES_TABLE,
  PAIR_SEPARATOR,
  PEAKS_TABLE,
  pairDim,
  pairValueSql,
  TEAM_ROLLUP_TABLES,
  histogramBinBounds,
  LATENCY_CODE_STRIDE,
  REQUEST_RECORD_BYTES,
  TEAM_SCHEMA_VERSION,
} from './teamSchema';
import { TeamDatabaseError } from './teamDatabase';
import { localBuckets } from './timeZones';
import type { Granularity } from './timeZones';

type Param = string | number;
type Cell = string | number | bigint | null | Buffer | Uint8Array;

/** Runs SQL written with `?` placeholders and returns rows as arrays. */
export interface SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Whether the database has the team-level tables (team rollups, activity, histograms, minutes); the
   * local store has only the developer-level ones, which answer the same questions more slowly. */
  readonly teamTables: boolean;
  /** A condition every rollup query adds (the team of a shared database), with its parameters. */
  readonly scope: { sql: string; params: Param[] };
  rows(sql: string, params: readonly Param[]): Promise<Cell[][]>;
  /** Decodes a request-samples blob into (minute, ttft, total) triples. */
  samples(blob: Cell): Float64Array;
}

/** The local store as an executor (tests use it to prove both dialects agree). */
export function sqliteExecutor(db: SqliteDatabase): SqlExecutor {
  const cache = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  return {
    dialect: 'sqlite',
    teamTables: false,
    scope: { sql: '1 = 1', params: [] },
    rows: (sql, params) => {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        cache.set(sql, statement);
      }
      return Promise.resolve(statement.raw(true).all(...params) as Cell[][]);
    },
    samples: (blob) => {
      const bytes = blob as Buffer;
      return new Float64Array(new Uint8Array(bytes).buffer);
    },
  };
}

/** Turns `?` placeholders into `$1, $2, ...` (the SQL here never has a literal question mark). */
export function toPostgresPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${(n += 1)}`);
}

/** One team of the team database as an executor. */
export function postgresExecutor(client: Client | Pool, team: string): SqlExecutor {
  const run = async (sql: string, params: readonly Param[]): Promise<Cell[][]> => {
    const result = await client.query<Cell[]>({
      text: toPostgresPlaceholders(sql),
      values: params as Param[],
      rowMode: 'array',
    });
    return result.rows;
  };
  // A pool runs the queries of one dashboard request in parallel; a single connection takes them in turn.
  const parallel = 'totalCount' in client;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    dialect: 'postgres',
    teamTables: true,
    scope: { sql: 'team = ?', params: [team] },
    rows: (sql, params) => {
      if (parallel) return run(sql, params);
      const next = queue.then(() => run(sql, params));
      queue = next.catch(() => undefined);
      return next;
    },
    // float8send() writes big-endian; the local store writes the machine's (little-endian) order.
    samples: (blob) => {
      const bytes = blob as Buffer;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out = new Float64Array(bytes.byteLength / 8);
      for (let i = 0; i < out.length; i += 1) out[i] = view.getFloat64(i * 8, false);
      return out;
    },
  };
}

/** Who is reading, and the team's privacy rule. */
export interface TeamAccess {
  /** Leads may filter by developer and see the developer list. */
  isLead: boolean;
  /** Per-developer rows appear only when the selection holds at least this many developers. */
  minGroupSize: number;
}

export const DEFAULT_MIN_GROUP_SIZE = 5;

/** Reads the team's minimum group size and whether the connected login is a lead. */
export async function loadTeamAccess(client: Client | Pool): Promise<TeamAccess> {
  // The queries read the tables of the current schema: an older database gets a message naming the upgrade,
  // not a missing table.
  const version = await client.query<{ version: number }>('SELECT version FROM team_schema_version');
  const found = version.rows[0]?.version ?? 0;
  if (found !== TEAM_SCHEMA_VERSION) {
    throw new TeamDatabaseError(
      'schema',
      found < TEAM_SCHEMA_VERSION
        ? `The team database has schema version ${found}; this Aegis reads version ${TEAM_SCHEMA_VERSION}. Its administrator upgrades it with "npx aegis metrics team-migrate" (see docs/team-database.md).`
        : `The team database has schema version ${found}; this Aegis reads up to version ${TEAM_SCHEMA_VERSION}. Update Aegis.`,
    );
  }
  const size = await client.query<{ value: string }>(
    "SELECT value FROM team_settings WHERE key = 'min_group_size'",
  );
  const lead = await client.query<{ lead: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM team_leads WHERE login = current_user) AS lead',
  );
  const parsed = size.rows.length === 0 ? NaN : Number(size.rows[0].value);
  return {
    isLead: lead.rows[0]?.lead === true,
    minGroupSize: Number.isInteger(parsed) && parsed >= 1 ? parsed : DEFAULT_MIN_GROUP_SIZE,
  };
}

/** Thrown when a non-lead asks for a developer filter. */
export class TeamAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamAccessError';
  }
}

/** A breakdown, possibly with its per-developer rows withheld. */
export interface TeamBreakdownResult extends BreakdownResult {
  /** Set when per-developer rows were withheld because the selection has too few developers. */
  withheld?: { developers: number; minGroupSize: number; message: string };
}

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

function inList(column: string, values: readonly string[] | undefined, params: Param[]): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  params.push(...values);
  return `${column} IN (${values.map(() => '?').join(', ')})`;
}

function all(conditions: (string | undefined)[]): string {
  const present = conditions.filter((c): c is string => c !== undefined);
  return present.length === 0 ? '1 = 1' : present.join(' AND ');
}

/** Figures of one group (the whole selection, or one language, feature, model or developer). */
interface Slice {
  totals: Totals;
  denominator: Totals;
  /** Developers with at least one user-initiated action in the group. */
  active: Set<string>;
  /** How many there are, when the database counted them instead of listing them. */
  activeCount?: number;
}

function activeDevelopers(slice: Slice): number {
  return slice.activeCount ?? slice.active.size;
}

/** Counts per histogram bin of one latency figure. */
type Histogram = Map<number, number>;

/** Percentiles (PERCENTILES) of a histogram, with the same rank rule as percentileOfSorted: the values at
 * the two closest ranks are estimated inside their bins (spread evenly on a log scale) and interpolated.
 * Each estimate lies in the bin of the exact value, so the result is within HISTOGRAM_RELATIVE_ERROR of the
 * exact percentile (plus 1 ms below 1 ms). */
export function histogramPercentiles(histogram: Histogram): LatencyPercentiles['ttft'] {
  const bins = [...histogram.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const count = bins.reduce((sum, [, n]) => sum + n, 0);
  if (count === 0) return [null, null, null];
  const valueAt = (index: number): number => {
    let before = 0;
    for (const [bin, n] of bins) {
      if (index < before + n) {
        const [low, high] = histogramBinBounds(bin);
        const position = (index - before + 0.5) / n;
        return bin === 0 ? low + (high - low) * position : low * (high / low) ** position;
      }
      before += n;
    }
    return histogramBinBounds(bins[bins.length - 1][0])[1];
  };
  const at = (percent: number): number => {
    const rank = (percent / 100) * (count - 1);
    const low = Math.floor(rank);
    const high = Math.ceil(rank);
    const a = valueAt(low);
    return low === high ? a : a + (valueAt(high) - a) * (rank - low);
  };
  return [at(PERCENTILES[0]), at(PERCENTILES[1]), at(PERCENTILES[2])];
}

/** The first 15-minute boundary at or after t: a minute counts in [from, to) when its 15-minute bucket
 * starts in it, as the request samples of the developer-level tables count. */
function quarterCeil(t: number): number {
  return Math.ceil(t / 900_000) * 900_000;
}

const DAY_MS = 86_400_000;
const QUARTER_MS = 900_000;
const QUARTERS_PER_DAY = DAY_MS / QUARTER_MS;

/** The whole UTC days inside [from, to) as [first, end) (empty when first >= end), and the parts of
 * [from, to) before and after them, each possibly empty. */
function wholeDays(from: number, to: number): { days: [number, number]; edges: [number, number][] } {
  const first = Math.ceil(from / DAY_MS) * DAY_MS;
  const end = Math.floor(to / DAY_MS) * DAY_MS;
  if (first >= end) return { days: [first, first], edges: [[from, to]] };
  return {
    days: [first, end],
    edges: [
      [from, first],
      [end, to],
    ].filter(([a, b]) => a < b) as [number, number][],
  };
}

/** How whole UTC days [first, end) are read with the month tables: each UTC month they touch is either
 * taken whole, with the days outside subtracted (when fewer days lie outside than inside), or read day by
 * day (`inside` only). */
interface MonthPart {
  start: number;
  end: number;
  /** The days of [first, end) in this month. */
  inside: [number, number];
  taken: boolean;
}

function monthCover(first: number, end: number): MonthPart[] {
  const out: MonthPart[] = [];
  let cursor = first;
  while (cursor < end) {
    const date = new Date(cursor);
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    const next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    const inside: [number, number] = [cursor, Math.min(end, next)];
    const insideDays = inside[1] - inside[0];
    out.push({ start, end: next, inside, taken: next - start - insideDays < insideDays });
    cursor = inside[1];
  }
  return out;
}

/** The spans of a month taken whole that lie outside its inside days. */
function outsideOf(part: MonthPart): [number, number][] {
  return (
    [
      [part.start, part.inside[0]],
      [part.inside[1], part.end],
    ] as [number, number][]
  ).filter(([lo, hi]) => lo < hi);
}

/** The pseudo rollup level of the developer month table (the developer-level reads map it to the table). */
const MONTH_LEVEL = 'rollup_1mo';

/** Replaces the whole-day pieces of a cover by months where that reads fewer rows, and joins adjacent pieces
 * of the same table and sign (consecutive months are one query). */
function withMonths(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  const push = (piece: Piece): void => {
    const last = out.at(-1);
    if (
      last !== undefined &&
      last.table === piece.table &&
      last.sign === piece.sign &&
      last.hi === piece.lo
    ) {
      last.hi = piece.hi;
    } else out.push(piece);
  };
  for (const piece of pieces) {
    if (piece.table !== 'rollup_1d' || piece.sign !== 1) {
      push({ ...piece });
      continue;
    }
    const parts = monthCover(piece.lo, piece.hi);
    for (const part of parts.filter((p) => p.taken)) {
      push({ table: MONTH_LEVEL, lo: part.start, hi: part.end, sign: 1, range: piece.range });
    }
    for (const part of parts) {
      const days = part.taken ? outsideOf(part) : [part.inside];
      for (const [lo, hi] of days)
        push({ table: 'rollup_1d', lo, hi, sign: part.taken ? -1 : 1, range: piece.range });
    }
  }
  return out;
}

/** One developer's latency bin counts (indexed by latency code) and busiest minute so far. */
interface DeveloperTally {
  counts: Int32Array;
  peak: number;
}

type Dimension = 'language' | 'feature' | 'model';

const FILTER_OF: Record<Dimension, 'languages' | 'features' | 'models'> = {
  language: 'languages',
  feature: 'features',
  model: 'models',
};

/** Which rows of the minute totals and daily peaks answer the busiest minute of a selection. */
interface PeakSource {
  dim: string;
  /** Values of `dim` to read (all when empty). */
  values: readonly string[];
  /** For a pair dimension grouped by one side: the other side's one value, and which side it is. */
  pair?: { fixed: string; fixedFirst: boolean; groupDim: Dimension; groupValues: readonly string[] };
}

/** The pair dimension of two dimensions, in the order the minute totals name it. */
function pairOf(a: Dimension, b: Dimension): readonly [string, string] | undefined {
  return DIMENSION_PAIRS.find((p) => p.includes(a) && p.includes(b) && a !== b);
}

/** Which rows of the minute totals and daily peaks answer the busiest minute of a selection, or undefined
 * when none does: they hold sums over everything, over one language, feature or model, and over one value
 * of each pair of those. So they serve a selection that conditions on at most one dimension and groups by
 * it (or, ungrouped, a single value of it), one that conditions on one value of one dimension and groups by
 * another, and, ungrouped, one value of each of two dimensions. Anything else sums request_minutes. */
function peakSource(filter: DashboardFilter, group: string | undefined): PeakSource | undefined {
  const conditioned = (Object.keys(FILTER_OF) as Dimension[]).filter(
    (d) => (filter[FILTER_OF[d]]?.length ?? 0) > 0,
  );
  const single = (d: Dimension): string | undefined => {
    const values = filter[FILTER_OF[d]] ?? [];
    return values.length === 1 ? values[0] : undefined;
  };
  if (group === undefined) {
    if (conditioned.length === 0) return { dim: '', values: [] };
    const values = conditioned.map(single);
    if (values.some((v) => v === undefined)) return undefined;
    if (conditioned.length === 1) return { dim: conditioned[0], values: values as string[] };
    const pair = conditioned.length === 2 ? pairOf(conditioned[0], conditioned[1]) : undefined;
    if (pair === undefined) return undefined;
    const valueOf = (d: string): string => values[conditioned.indexOf(d as Dimension)] as string;
    return { dim: pairDim(pair), values: [valueOf(pair[0]) + PAIR_SEPARATOR + valueOf(pair[1])] };
  }
  if (group !== 'language' && group !== 'feature' && group !== 'model') return undefined;
  const others = conditioned.filter((d) => d !== group);
  if (others.length === 0) return { dim: group, values: filter[FILTER_OF[group]] ?? [] };
  const fixed = others.length === 1 ? single(others[0]) : undefined;
  const pair = fixed === undefined ? undefined : pairOf(others[0], group);
  if (fixed === undefined || pair === undefined) return undefined;
  return {
    dim: pairDim(pair),
    values: [],
    pair: {
      fixed,
      fixedFirst: pair[0] === others[0],
      groupDim: group,
      groupValues: filter[FILTER_OF[group]] ?? [],
    },
  };
}

/** Signed sums per (group key, developer key). */
type GroupSums = Map<string, { key: string; developer: string; values: number[] }>;

/** A part of one requested range answered by one rollup level, added (or, for signed covers, subtracted). */
interface Piece {
  table: string;
  lo: number;
  hi: number;
  sign: 1 | -1;
  /** Index of the requested range the piece belongs to. */
  range: number;
}

/** One query: the bucket spans it reads from one rollup level, and the pieces its rows are shared out to. */
interface PlannedQuery {
  table: string;
  spans: [number, number][];
  pieces: Piece[];
  /** Rows come per bucket (first column) and are shared out to the pieces in JavaScript. */
  bucketed: boolean;
}

/** One query per piece for a single range (each answers its piece whole); for several ranges (a time
 * series) one query per rollup level over the union of its pieces, grouped by bucket, so that the number
 * of queries does not grow with the number of points. */
function planQueries(pieces: readonly Piece[], single: boolean): PlannedQuery[] {
  if (single) {
    return pieces.map((p) => ({ table: p.table, spans: [[p.lo, p.hi]], pieces: [p], bucketed: false }));
  }
  const byTable = new Map<string, Piece[]>();
  for (const piece of pieces) {
    const list = byTable.get(piece.table);
    if (list === undefined) byTable.set(piece.table, [piece]);
    else list.push(piece);
  }
  return [...byTable].map(([table, list]) => {
    const sorted = [...list].sort((a, b) => a.lo - b.lo);
    const spans: [number, number][] = [];
    for (const p of sorted) {
      const last = spans.at(-1);
      if (last !== undefined && p.lo <= last[1]) last[1] = Math.max(last[1], p.hi);
      else spans.push([p.lo, p.hi]);
    }
    return { table, spans, pieces: list, bucketed: true };
  });
}

/** Above this many buckets a query reads the whole span from its first to its last bucket instead. */
const MAX_LISTED_BUCKETS = 4000;

/** The condition selecting the buckets of a query's spans. Several spans (the hours a local day borrows
 * from its UTC neighbours, for each point of a series) are listed bucket by bucket: an OR of ranges is
 * tested row by row over the whole table, a list is looked up in the primary key. */
function spansSql(query: PlannedQuery, params: Param[]): string {
  const { spans } = query;
  const ms = ROLLUP_LEVELS.find((level) => level.table === query.table)?.ms;
  const listed: number[] = [];
  if (spans.length > 1 && ms !== undefined) {
    for (const [lo, hi] of spans) {
      for (let b = Math.ceil(lo / ms) * ms; b < hi && listed.length <= MAX_LISTED_BUCKETS; b += ms) {
        listed.push(b);
      }
    }
  }
  if (listed.length === 0 || listed.length > MAX_LISTED_BUCKETS) {
    params.push(spans[0][0], spans[spans.length - 1][1]);
    return 'bucket >= ? AND bucket < ?';
  }
  params.push(...listed);
  return `bucket IN (${listed.map(() => '?').join(', ')})`;
}

/** Hands each row of a query (bucket in its first column) to every piece whose span holds its bucket; the
 * signed covers of neighbouring points can share a bucket, one adding and the other subtracting it. */
function shareOut(query: PlannedQuery, rows: Cell[][], add: (piece: Piece, row: Cell[]) => void): void {
  if (!query.bucketed) {
    for (const row of rows) add(query.pieces[0], row);
    return;
  }
  const sorted = rows.map((row) => ({ bucket: Number(row[0]), row })).sort((a, b) => a.bucket - b.bucket);
  const firstAtOrAfter = (t: number): number => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (sorted[mid].bucket < t) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  for (const piece of query.pieces) {
    for (let i = firstAtOrAfter(piece.lo); i < sorted.length && sorted[i].bucket < piece.hi; i += 1) {
      add(piece, sorted[i].row);
    }
  }
}

/** The whole selection from its groups. */
function merged(slices: Map<string, Slice>): Slice {
  const out: Slice = { totals: emptyTotals(), denominator: emptyTotals(), active: new Set() };
  for (const slice of slices.values()) {
    addTotals(out.totals, slice.totals);
    addTotals(out.denominator, slice.denominator);
    for (const developer of slice.active) out.active.add(developer);
    // Counts exist only for an ungrouped selection, which has a single slice.
    if (slice.activeCount !== undefined) out.activeCount = (out.activeCount ?? 0) + slice.activeCount;
  }
  return out;
}

export class TeamQueries {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly access: TeamAccess = { isLead: true, minGroupSize: 1 },
  ) {}

  private check(filter: DashboardFilter): void {
    validateFilter(filter);
    if (!this.access.isLead && (filter.developers?.length ?? 0) > 0) {
      throw new TeamAccessError('Only team leads may filter the team view by developer.');
    }
  }

  /** Language and developer conditions (they narrow every figure), with the executor's scope. */
  private where(filter: DashboardFilter, params: Param[]): string {
    const sql = all([
      inList('language', filter.languages, params),
      inList('developer_id', filter.developers, params),
    ]);
    params.push(...this.sql.scope.params);
    return `${sql} AND ${this.sql.scope.sql}`;
  }

  /** Signed sums of `columns` per (group key, developer key) over each of `ranges`, from the table `tableOf`
   * picks for each rollup level. Feature and model filters narrow the counters (`narrowed` columns) but not
   * the characters-added denominators, which count everything typed in the selection's languages. */
  private async sums(
    filter: DashboardFilter,
    ranges: readonly Period[],
    opts: {
      tableOf: (level: string) => string;
      key: string;
      developer: string;
      narrowed: readonly string[];
      plain: readonly string[];
      /** Read whole months from the table `tableOf(MONTH_LEVEL)` names (a single range only). */
      months?: boolean;
    },
  ): Promise<GroupSums[]> {
    const narrowParams: Param[] = [];
    const narrow = all([
      inList('feature', filter.features, narrowParams),
      inList('model', filter.models, narrowParams),
    ]);
    const columns = [
      ...opts.narrowed.map((c) => (narrow === '1 = 1' ? `SUM(${c})` : `SUM(n * ${c})`)),
      ...opts.plain.map((c) => `SUM(${c})`),
    ].join(', ');
    const covers = ranges.flatMap((range, index) =>
      signedDecomposeRange(range.from, range.to).map((interval) => ({ ...interval, range: index })),
    );
    const pieces = opts.months === true && ranges.length === 1 ? withMonths(covers) : covers;
    const queries = planQueries(pieces, ranges.length === 1);
    const results = await Promise.all(
      queries.map((query) => {
        const grouping = [
          query.bucketed ? 'bucket' : undefined,
          opts.key === "''" ? undefined : 'k',
          opts.developer === "''" ? undefined : 'd',
        ].filter((g) => g !== undefined);
        const spanParams: Param[] = [];
        const spans = spansSql(query, spanParams);
        const whereParams: Param[] = [];
        const where = this.where(filter, whereParams);
        const sql = `SELECT ${query.bucketed ? 'bucket' : '0'} AS b, ${opts.key} AS k, ${opts.developer} AS d, ${columns}
          FROM (SELECT *, CASE WHEN ${narrow} THEN 1 ELSE 0 END AS n FROM ${opts.tableOf(query.table)}
                WHERE ${spans} AND ${where}) AS r
          ${grouping.length === 0 ? '' : `GROUP BY ${grouping.join(', ')}`}`;
        return this.sql.rows(sql, [...narrowParams, ...spanParams, ...whereParams]);
      }),
    );
    const out = ranges.map((): GroupSums => new Map());
    const width = opts.narrowed.length + opts.plain.length;
    queries.forEach((query, index) => {
      shareOut(query, results[index], (piece, row) => {
        const k = String(row[1]);
        const d = String(row[2]);
        const mapKey = `${k}\u0000${d}`;
        const sums = out[piece.range];
        let entry = sums.get(mapKey);
        if (entry === undefined) {
          entry = { key: k, developer: d, values: new Array<number>(width).fill(0) };
          sums.set(mapKey, entry);
        }
        for (let i = 0; i < width; i += 1) entry.values[i] += piece.sign * Number(row[3 + i] ?? 0);
      });
    });
    return out;
  }

  /** Totals, denominators and active developers per group. With the team-level tables, counters come from
   * the rollups without the developer column and active developers from the narrow activity table (days)
   * and the developer-level rollups (the partial days at the range's ends); a developer filter or a
   * per-developer breakdown reads the developer-level rollups, which answer it exactly too. */
  private async slices(
    filter: DashboardFilter,
    ranges: readonly Period[],
    group: string | undefined,
  ): Promise<Map<string, Slice>[]> {
    const key = group ?? "''";
    const out = ranges.map(() => new Map<string, Slice>());
    const sliceOf = (range: number, k: string): Slice => {
      let slice = out[range].get(k);
      if (slice === undefined) {
        slice = { totals: emptyTotals(), denominator: emptyTotals(), active: new Set() };
        out[range].set(k, slice);
      }
      return slice;
    };
    const teamLevel =
      this.sql.teamTables && group !== 'developer_id' && (filter.developers?.length ?? 0) === 0;
    // Without language, feature and model conditions or groups, whole days per developer come from the
    // developer-day table: one row per developer and day instead of one per language, feature and model.
    const developerDays =
      !teamLevel &&
      this.sql.teamTables &&
      (group === undefined || group === 'developer_id') &&
      [filter.languages, filter.features, filter.models].every((v) => (v?.length ?? 0) === 0);
    // A developer-level read without feature or model (a condition or a group) takes whole months from the
    // developer month table, which keeps the language.
    const months =
      !teamLevel &&
      this.sql.teamTables &&
      ranges.length === 1 &&
      group !== 'feature' &&
      group !== 'model' &&
      [filter.features, filter.models].every((v) => (v?.length ?? 0) === 0);
    // Without a feature or model condition or a group, the database counts active developers from their
    // quarter-hour masks (per language with a language condition); otherwise the activity table gives whole
    // days and the developer-level rollups the rest, per developer.
    const countActive =
      teamLevel &&
      group === undefined &&
      [filter.features, filter.models].every((v) => (v?.length ?? 0) === 0);
    const [counters, activity, activeCounts] = await Promise.all([
      this.sums(filter, ranges, {
        tableOf: (level) =>
          teamLevel
            ? (TEAM_ROLLUP_TABLES[level] ?? level)
            : level === MONTH_LEVEL
              ? DEVELOPER_MONTH_TABLE
              : developerDays && level === 'rollup_1d'
                ? DEVELOPER_DAY_TABLE
                : level,
        key,
        developer: teamLevel ? "''" : 'developer_id',
        narrowed: ROLLUP_COUNTERS,
        plain: CHAR_COUNTERS,
        months,
      }),
      teamLevel && !countActive
        ? this.sums(filter, ranges, {
            tableOf: (level) => (level === 'rollup_1d' ? ACTIVITY_TABLE : level),
            key,
            developer: 'developer_id',
            narrowed: ['user_actions'],
            plain: [],
          })
        : Promise.resolve([]),
      countActive ? this.activeCounts(ranges, filter.languages ?? []) : Promise.resolve(undefined),
    ]);
    activeCounts?.forEach((n, range) => {
      sliceOf(range, '').activeCount = n;
    });
    const userActions = ROLLUP_COUNTERS.indexOf('user_actions');
    counters.forEach((sums, range) => {
      for (const entry of sums.values()) {
        const slice = sliceOf(range, entry.key);
        ROLLUP_COUNTERS.forEach((c, i) => {
          slice.totals[c] += entry.values[i];
        });
        CHAR_COUNTERS.forEach((c, i) => {
          slice.denominator[c] += entry.values[ROLLUP_COUNTERS.length + i];
        });
        if (!teamLevel && entry.values[userActions] > 0) slice.active.add(entry.developer);
      }
    });
    activity.forEach((sums, range) => {
      for (const entry of sums.values()) {
        if (entry.values[0] > 0) sliceOf(range, entry.key).active.add(entry.developer);
      }
    });
    return out;
  }

  /** Active developers of each range from the quarter-hour masks: per UTC day a range touches, the mask of
   * its quarter-hours (buckets starting in the range, as the rollups count), and the developers whose mask
   * meets it, counted once per range in the database. */
  private async activeCounts(ranges: readonly Period[], languages: readonly string[]): Promise<number[]> {
    const tuples: string[] = [];
    const params: Param[] = [];
    ranges.forEach(({ from, to }, index) => {
      for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
        const first = Math.max(0, Math.ceil((from - day) / QUARTER_MS));
        const end = Math.min(QUARTERS_PER_DAY, Math.ceil((to - day) / QUARTER_MS));
        if (first >= end) continue;
        tuples.push('(?::integer, ?::bigint, ?::bit(96))');
        params.push(
          index,
          day,
          '0'.repeat(first) + '1'.repeat(end - first) + '0'.repeat(QUARTERS_PER_DAY - end),
        );
      }
    });
    const counts = ranges.map(() => 0);
    if (tuples.length === 0) return counts;
    const days = params.filter((_, i) => i % 3 === 1) as number[];
    params.push(Math.min(...days), Math.max(...days));
    // With a language condition, the masks per language: a developer counts once however many match.
    const language = inList('a.language', languages, params);
    params.push(...this.sql.scope.params);
    // DISTINCT then COUNT hashes (developer, range) pairs; COUNT(DISTINCT) would sort every row.
    const rows = await this.sql.rows(
      `SELECT i, COUNT(*) FROM (
         SELECT DISTINCT p.i, a.developer_id FROM (VALUES ${tuples.join(', ')}) AS p(i, day, mask)
         JOIN ${language === undefined ? DEVELOPER_ACTIVE_TABLE : DEVELOPER_LANGUAGE_ACTIVE_TABLE} AS a ON a.bucket = p.day
         WHERE a.bucket >= ? AND a.bucket <= ? AND ${language ?? '1 = 1'}
           AND bit_count(a.quarters & p.mask) > 0 AND ${this.sql.scope.sql}
       ) AS d GROUP BY i`,
      params,
    );
    for (const [index, n] of rows) counts[Number(index)] = Number(n);
    return counts;
  }

  private async requestStats(
    filter: DashboardFilter,
    ranges: readonly Period[],
    group: string | undefined,
    withPeak = true,
  ): Promise<Map<string, RequestStats>[]> {
    if (this.sql.teamTables && group !== 'developer_id' && (filter.developers?.length ?? 0) === 0) {
      return this.histogramStats(filter, ranges, group, withPeak);
    }
    if (
      this.sql.teamTables &&
      group === 'developer_id' &&
      [filter.features, filter.models].every((v) => (v?.length ?? 0) === 0) &&
      ranges.every(({ from, to }) => wholeDays(from, to).days[0] < wholeDays(from, to).days[1])
    ) {
      return Promise.all(ranges.map((range) => this.developerStats(filter, range)));
    }
    const key = group ?? "''";
    const groups = await this.sampleGroups(filter, ranges, key);
    return ranges.map(({ from, to }, range) => {
      const out = new Map<string, RequestStats>();
      const firstMinute = Math.floor(from / 60_000);
      const minutes = new Uint32Array(Math.ceil(to / 60_000) - firstMinute);
      for (const [k, list] of groups[range]) {
        const count = list.reduce((sum, s) => sum + s.length / 3, 0);
        const ttft = new Float64Array(count);
        const total = new Float64Array(count);
        let ttftCount = 0;
        let totalCount = 0;
        let peak = 0;
        minutes.fill(0);
        for (const samples of list) {
          for (let i = 0; i < samples.length; i += 3) {
            const n = ++minutes[samples[i] - firstMinute];
            if (n > peak) peak = n;
            if (!Number.isNaN(samples[i + 1])) ttft[ttftCount++] = samples[i + 1];
            if (!Number.isNaN(samples[i + 2])) total[totalCount++] = samples[i + 2];
          }
        }
        const at = (sorted: Float64Array): LatencyPercentiles['ttft'] => [
          percentileOfSorted(sorted, PERCENTILES[0]),
          percentileOfSorted(sorted, PERCENTILES[1]),
          percentileOfSorted(sorted, PERCENTILES[2]),
        ];
        out.set(k, {
          latency: {
            ttft: at(ttft.subarray(0, ttftCount).sort()),
            total: at(total.subarray(0, totalCount).sort()),
          },
          peakMinuteRequests: peak,
        });
      }
      return out;
    });
  }

  /** Per-developer latency percentiles and busiest minute over a range holding whole UTC days: the whole days
   * from the developer month and day tables (monthDays) or, with a language condition, from the per-language
   * request records (recordDays); the partial days at the ends from those days' records too. Percentiles are
   * histogram estimates (within the documented bound); the busiest minute is exact. */
  private async developerStats(filter: DashboardFilter, range: Period): Promise<Map<string, RequestStats>> {
    const { days, edges } = wholeDays(range.from, range.to);
    // The loops below run per bin: imported constants are copied to locals (a module's exports may be
    // property getters, which cost a call on every read).
    const stride = LATENCY_CODE_STRIDE;
    const lastBin = HISTOGRAM_LAST_BIN;
    const developers = new Map<string, DeveloperTally>();
    const of = (developer: string): DeveloperTally => {
      let entry = developers.get(developer);
      if (entry === undefined) {
        entry = { counts: new Int32Array(2 * stride), peak: 0 };
        developers.set(developer, entry);
      }
      return entry;
    };
    // The partial days at the ends, each within one UTC day, from that day's per-request records.
    const edgeDays = edges.flatMap(([lo, hi]) => {
      const parts: [number, number][] = [];
      for (let day = Math.floor(lo / DAY_MS) * DAY_MS; day < hi; day += DAY_MS) {
        parts.push([Math.max(lo, day), Math.min(hi, day + DAY_MS)]);
      }
      return parts;
    });
    await Promise.all([
      (filter.languages?.length ?? 0) > 0
        ? this.recordDays(filter, days, of)
        : this.monthDays(filter, days, of),
      ...edgeDays.map(([lo, hi]) => {
        const day = Math.floor(lo / DAY_MS) * DAY_MS;
        return this.recordDays(filter, [day, day + DAY_MS], of, [lo, hi]);
      }),
    ]);
    const histogramOf = (counts: Int32Array, metric: number): Histogram => {
      const histogram: Histogram = new Map();
      for (let bin = 0; bin <= lastBin; bin += 1) {
        const n = counts[metric * stride + bin];
        if (n > 0) histogram.set(bin, n);
      }
      return histogram;
    };
    const out = new Map<string, RequestStats>();
    for (const [developer, { counts, peak }] of developers) {
      out.set(developer, {
        latency: {
          ttft: histogramPercentiles(histogramOf(counts, 0)),
          total: histogramPercentiles(histogramOf(counts, 1)),
        },
        peakMinuteRequests: peak,
      });
    }
    return out;
  }

  /** Whole days [days[0], days[1]) of every language into `of`: the months of the month cover from the
   * monthly histograms, less the codes of their days outside the range, plus the codes of the days read one
   * by one. Busiest minute: the monthly peak of months wholly inside, the daily peaks of the other days. */
  private async monthDays(
    filter: DashboardFilter,
    days: [number, number],
    of: (developer: string) => DeveloperTally,
  ): Promise<void> {
    const parts = monthCover(days[0], days[1]);
    const read = (sql: (where: string) => string, spans: readonly [number, number][]): Promise<Cell[][]> => {
      if (spans.length === 0) return Promise.resolve([]);
      const params: Param[] = [...spans.flat()];
      const developers = inList('developer_id', filter.developers, params);
      params.push(...this.sql.scope.params);
      const any = spans.map(() => '(bucket >= ? AND bucket < ?)').join(' OR ');
      return this.sql.rows(sql(`(${any}) AND ${developers ?? '1 = 1'} AND ${this.sql.scope.sql}`), params);
    };
    const taken = parts.filter((p) => p.taken);
    const wholeMonths = new Set(
      taken.filter((p) => p.inside[1] - p.inside[0] === p.end - p.start).map((p) => p.start),
    );
    // Days read one by one (codes added), days of taken months outside the range (codes subtracted), and the
    // inside days of taken months that are not wholly inside (their busiest minute comes from the days).
    const plus = parts.filter((p) => !p.taken).map((p) => p.inside);
    const minus = taken.flatMap(outsideOf);
    const peakOnly = taken.filter((p) => !wholeMonths.has(p.start)).map((p) => p.inside);
    const [monthRows, dayRows, peakRows] = await Promise.all([
      read(
        (where) =>
          `SELECT bucket, developer_id, peak, bins FROM ${DEVELOPER_REQUESTS_MONTH_TABLE} WHERE ${where}`,
        taken.map((p): [number, number] => [p.start, p.end]),
      ),
      read(
        (where) => `SELECT bucket, developer_id, peak, bins FROM ${DEVELOPER_REQUESTS_TABLE} WHERE ${where}`,
        [...plus, ...minus],
      ),
      read(
        (where) =>
          `SELECT developer_id, MAX(peak) FROM ${DEVELOPER_REQUESTS_TABLE} WHERE ${where} GROUP BY 1`,
        peakOnly,
      ),
    ]);
    for (const [bucket, developer, peak, pairs] of monthRows) {
      const entry = of(String(developer));
      if (wholeMonths.has(Number(bucket))) entry.peak = Math.max(entry.peak, Number(peak));
      const bytes = pairs as Buffer;
      for (let i = 0; i + 5 < bytes.length; i += 6) {
        entry.counts[(bytes[i] << 8) | bytes[i + 1]] += bytes.readUInt32BE(i + 2);
      }
    }
    const added = (t: number): boolean => plus.some(([lo, hi]) => t >= lo && t < hi);
    for (const [bucket, developer, peak, codes] of dayRows) {
      const entry = of(String(developer));
      const sign = added(Number(bucket)) ? 1 : -1;
      if (sign === 1) entry.peak = Math.max(entry.peak, Number(peak));
      const bytes = codes as Buffer;
      const { counts } = entry;
      for (let i = 0; i + 1 < bytes.length; i += 2) counts[(bytes[i] << 8) | bytes[i + 1]] += sign;
    }
    for (const [developer, peak] of peakRows) {
      const entry = of(String(developer));
      entry.peak = Math.max(entry.peak, Number(peak));
    }
  }

  /** Requests of whole UTC days [days[0], days[1]) (or, with `window`, of the part of one day it covers) in
   * the condition's languages (all without one) into `of`, from the per-request records: each
   * developer-day's minutes counted over its languages (the busiest minute), each latency binned. */
  private async recordDays(
    filter: DashboardFilter,
    days: [number, number],
    of: (developer: string) => DeveloperTally,
    window?: [number, number],
  ): Promise<void> {
    const params: Param[] = [days[0], days[1]];
    const languages = inList('language', filter.languages, params);
    const developers = inList('developer_id', filter.developers, params);
    params.push(...this.sql.scope.params);
    const rows = await this.sql.rows(
      `SELECT developer_id, bucket, requests FROM ${DEVELOPER_LANGUAGE_REQUESTS_TABLE}
       WHERE bucket >= ? AND bucket < ? AND ${languages ?? '1 = 1'} AND ${developers ?? '1 = 1'}
         AND ${this.sql.scope.sql}`,
      params,
    );
    // A developer-day's minutes are counted over all its languages: with one language each row is a whole
    // developer-day; with several, rows are gathered per developer-day here (sorting them in the database
    // would spill to disk).
    const developerDays = new Map<string, { developer: string; parts: Buffer[] }>();
    const single = (filter.languages?.length ?? 0) === 1;
    const gathered: { developer: string; parts: Buffer[] }[] = [];
    for (const [developer, bucket, requests] of rows) {
      if (single) {
        gathered.push({ developer: String(developer), parts: [requests as Buffer] });
        continue;
      }
      const key = `${String(developer)}\u0000${String(bucket)}`;
      const day = developerDays.get(key);
      if (day === undefined) {
        const entry = { developer: String(developer), parts: [requests as Buffer] };
        developerDays.set(key, entry);
        gathered.push(entry);
      } else day.parts.push(requests as Buffer);
    }
    const stride = LATENCY_CODE_STRIDE;
    const record = REQUEST_RECORD_BYTES;
    const minutes = new Uint32Array(DAY_MS / 60_000);
    const touched: number[] = [];
    // Within a window (part of one UTC day), a request counts when its quarter-hour starts in it, as the
    // rollups count: quarters [first, end) of the day.
    const firstQuarter = window === undefined ? 0 : Math.ceil((window[0] - days[0]) / QUARTER_MS);
    const endQuarter =
      window === undefined ? QUARTERS_PER_DAY : Math.ceil((window[1] - days[0]) / QUARTER_MS);
    for (const { developer, parts } of gathered) {
      const entry = of(developer);
      const { counts } = entry;
      for (const bytes of parts) {
        for (let i = 0; i + record <= bytes.length; i += record) {
          const minute = (bytes[i] << 8) | bytes[i + 1];
          const quarter = (minute / 15) | 0;
          if (quarter < firstQuarter || quarter >= endQuarter) continue;
          const n = (minutes[minute] += 1);
          if (n === 1) touched.push(minute);
          if (n > entry.peak) entry.peak = n;
          const ttft = (bytes[i + 2] << 8) | bytes[i + 3];
          if (ttft !== 0xffff) counts[ttft] += 1;
          const total = (bytes[i + 4] << 8) | bytes[i + 5];
          if (total !== 0xffff) counts[stride + total] += 1;
        }
      }
      for (const minute of touched) minutes[minute] = 0;
      touched.length = 0;
    }
  }

  /** The decoded request samples of each range per group (`key`), read from the developer-level sample
   * tables. */
  private async sampleGroups(
    filter: DashboardFilter,
    ranges: readonly Period[],
    key: string,
  ): Promise<Map<string, Float64Array[]>[]> {
    if (ranges.length === 0) return [];
    const pieces = ranges.flatMap((range, index) =>
      decomposeRange(range.from, range.to).map((interval) => ({
        ...interval,
        sign: 1 as const,
        range: index,
      })),
    );
    const queries = planQueries(pieces, ranges.length === 1);
    const results = await Promise.all(
      queries.map((query) => {
        const params: Param[] = [];
        const spans = spansSql(query, params);
        const where = all([
          inList('language', filter.languages, params),
          inList('developer_id', filter.developers, params),
          inList('feature', filter.features, params),
          inList('model', filter.models, params),
        ]);
        params.push(...this.sql.scope.params);
        return this.sql.rows(
          `SELECT ${query.bucketed ? 'bucket' : '0'} AS b, ${key} AS k, samples FROM ${samplesTableOf(query.table)}
           WHERE ${spans} AND ${where} AND ${this.sql.scope.sql}`,
          params,
        );
      }),
    );
    const groups = ranges.map(() => new Map<string, Float64Array[]>());
    queries.forEach((query, index) => {
      shareOut(query, results[index], (piece, [, k, blob]) => {
        const name = String(k);
        let list = groups[piece.range].get(name);
        if (list === undefined) {
          list = [];
          groups[piece.range].set(name, list);
        }
        list.push(this.sql.samples(blob));
      });
    });
    return groups;
  }

  /** Latency percentiles from the histograms and the busiest minute from the per-minute counts: a few
   * hundred rows per group whatever the number of requests. */
  private async histogramStats(
    filter: DashboardFilter,
    ranges: readonly Period[],
    group: string | undefined,
    withPeak: boolean,
  ): Promise<Map<string, RequestStats>[]> {
    const key = group ?? "''";
    const dimensions = (params: Param[]): string => {
      const where = all([
        inList('language', filter.languages, params),
        inList('feature', filter.features, params),
        inList('model', filter.models, params),
      ]);
      params.push(...this.sql.scope.params);
      return `${where} AND ${this.sql.scope.sql}`;
    };
    // Bin counts add up like the counters, so the signed cover (fewer rows) works here too: the net count
    // of each bin is its exact count inside the range.
    const pieces = ranges.flatMap((range, index) =>
      signedDecomposeRange(range.from, range.to).map((interval) => ({ ...interval, range: index })),
    );
    const queries = planQueries(pieces, ranges.length === 1);
    const histogramRows = Promise.all(
      queries.map((query) => {
        const params: Param[] = [];
        const spans = spansSql(query, params);
        const where = dimensions(params);
        const bucket = query.bucketed ? 'bucket' : '0';
        return this.sql.rows(
          `SELECT ${bucket} AS b, ${key} AS k, metric, bin, SUM(n) FROM ${HISTOGRAM_TABLES[query.table]}
           WHERE ${spans} AND ${where} GROUP BY ${query.bucketed ? 'bucket, ' : ''}2, 3, 4`,
          params,
        );
      }),
    );
    const peakRows = Promise.all(
      ranges.map(({ from, to }) => {
        if (!withPeak) return Promise.resolve([]);
        const source = peakSource(filter, group);
        if (source !== undefined) return this.dailyPeaks(source, quarterCeil(from), quarterCeil(to), group);
        const params: Param[] = [quarterCeil(from), quarterCeil(to)];
        const where = dimensions(params);
        return this.sql.rows(
          `SELECT k, MAX(s) FROM (SELECT ${key} AS k, minute, SUM(n) AS s FROM ${MINUTES_TABLE}
             WHERE minute >= ? AND minute < ? AND ${where} GROUP BY 1, 2) AS m GROUP BY k`,
          params,
        );
      }),
    );
    const [histograms, peaks] = await Promise.all([histogramRows, peakRows]);
    const byGroup = ranges.map(() => new Map<string, [Histogram, Histogram]>());
    queries.forEach((query, index) => {
      shareOut(query, histograms[index], (piece, [, k, metric, bin, n]) => {
        const name = String(k);
        let pair = byGroup[piece.range].get(name);
        if (pair === undefined) {
          pair = [new Map(), new Map()];
          byGroup[piece.range].set(name, pair);
        }
        const histogram = pair[Number(metric) === 0 ? 0 : 1];
        histogram.set(Number(bin), (histogram.get(Number(bin)) ?? 0) + piece.sign * Number(n));
      });
    });
    return ranges.map((_, range) => {
      const peakOf = new Map(peaks[range].map(([k, n]) => [String(k), Number(n)]));
      const out = new Map<string, RequestStats>();
      for (const [k, [ttft, total]] of byGroup[range]) {
        out.set(k, {
          latency: { ttft: histogramPercentiles(ttft), total: histogramPercentiles(total) },
          peakMinuteRequests: peakOf.get(k) ?? 0,
        });
      }
      return out;
    });
  }

  /** The busiest minute in [from, to) (minute starts) per group from the daily peaks of the whole UTC days
   * inside it and the minute totals of the rest: exact, because a minute lies in one UTC day. */
  private async dailyPeaks(
    source: PeakSource,
    from: number,
    to: number,
    group: string | undefined,
  ): Promise<Cell[][]> {
    const { days, edges } = wholeDays(from, to);
    const params: Param[] = [];
    const { pair } = source;
    const selection = (): string => {
      params.push(source.dim);
      let values = inList('value', source.values, params);
      if (pair !== undefined) {
        // The pairs of the fixed value with every recorded value of the grouped dimension.
        params.push(pair.fixed, ...this.sql.scope.params, pair.groupDim);
        const chosen = inList('value', pair.groupValues, params);
        values = `value IN (SELECT ${pair.fixedFirst ? pairValueSql('?', 'value') : pairValueSql('value', '?')}
          FROM dim_values WHERE ${this.sql.scope.sql} AND dim = ? AND ${chosen ?? '1 = 1'})`;
      }
      params.push(...this.sql.scope.params);
      return `dim = ? AND ${values ?? '1 = 1'} AND ${this.sql.scope.sql}`;
    };
    const parts: string[] = [];
    if (days[0] < days[1]) {
      params.push(days[0], days[1]);
      parts.push(
        `SELECT value, peak AS m FROM ${PEAKS_TABLE} WHERE bucket >= ? AND bucket < ? AND ${selection()}`,
      );
    }
    for (const [lo, hi] of edges) {
      params.push(lo, hi);
      parts.push(
        `SELECT value, n AS m FROM ${MINUTE_TOTALS_TABLE} WHERE minute >= ? AND minute < ? AND ${selection()}`,
      );
    }
    const rows = await this.sql.rows(
      `SELECT value, MAX(m) FROM (${parts.join(' UNION ALL ')}) AS p GROUP BY value`,
      params,
    );
    // Ungrouped, the rows are of the one selected value (or of everything): they are the selection's.
    if (group === undefined) return rows.map(([, n]) => ['', n]);
    if (pair === undefined) return rows;
    // The grouped side is what the fixed value and the separator leave (a value may hold the separator).
    const cut = pair.fixed.length + PAIR_SEPARATOR.length;
    return rows.map(([value, n]) => {
      const text = String(value);
      return [pair.fixedFirst ? text.slice(cut) : text.slice(0, text.length - cut), n];
    });
  }

  private async guardActions(
    filter: DashboardFilter,
    from: number,
    to: number,
  ): Promise<{ block: number; redact: number }> {
    const params: Param[] = [from, to];
    const where = all([
      inList('language', filter.languages, params),
      inList('developer_id', filter.developers, params),
      inList('feature', filter.features, params),
    ]);
    params.push(...this.sql.scope.params);
    const rows = await this.sql.rows(
      `SELECT action, SUM(n) FROM guard_rollup_15m
       WHERE bucket >= ? AND bucket < ? AND action IN ('block', 'redact') AND ${where} AND ${this.sql.scope.sql}
       GROUP BY action`,
      params,
    );
    const out = { block: 0, redact: 0 };
    for (const [action, n] of rows) {
      if (action === 'block' || action === 'redact') out[action] = Number(n);
    }
    return out;
  }

  private async periodMetrics(filter: DashboardFilter, from: number, to: number): Promise<MetricValues> {
    const [[slices], [stats], guardActions] = await Promise.all([
      this.slices(filter, [{ from, to }], undefined),
      this.requestStats(filter, [{ from, to }], undefined),
      this.guardActions(filter, from, to),
    ]);
    const all = merged(slices);
    const { totals, denominator } = all;
    const s = stats.get('');
    return computeMetrics(
      {
        totals,
        seconds: (to - from) / 1000,
        activeDevelopers: activeDevelopers(all),
        peakMinuteRequests: s?.peakMinuteRequests ?? 0,
        latency: s?.latency ?? NO_LATENCY,
        guardActions,
      },
      denominator,
    );
  }

  async tiles(filter: DashboardFilter): Promise<TilesResult> {
    this.check(filter);
    const previousPeriod = previousPeriodOf(filter);
    const [current, previous] = await Promise.all([
      this.periodMetrics(filter, filter.from, filter.to),
      this.periodMetrics(filter, previousPeriod.from, previousPeriod.to),
    ]);
    return tilesResult(filter, current, previous);
  }

  async timeSeries(
    filter: DashboardFilter,
    granularity: Granularity = autoGranularity(filter),
  ): Promise<TimeSeriesResult> {
    const zone = validateFilter(filter);
    this.check(filter);
    const buckets = localBuckets(zone, filter.from, filter.to, granularity);
    const ranges = buckets.map((bucket) => ({ from: bucket.start, to: bucket.end }));
    // Each table is read once over the whole range, per bucket; the rows are shared out to the points here.
    const [slices, stats] = await Promise.all([
      this.slices(filter, ranges, undefined),
      this.requestStats(filter, ranges, undefined, false),
    ]);
    const points = buckets.map((bucket, index): TimeSeriesPoint => {
      const all = merged(slices[index]);
      const sums = {
        totals: all.totals,
        denominator: all.denominator,
        activeDevelopers: activeDevelopers(all),
      };
      return seriesPoint(bucket, sums, stats[index].get(''));
    });
    return { granularity, timeZone: zone.name, points };
  }

  async breakdown(filter: DashboardFilter, by: BreakdownDimension): Promise<TeamBreakdownResult> {
    this.check(filter);
    const column = DIMENSION_COLUMN[by];
    const range = { from: filter.from, to: filter.to };
    const [[slices], [stats]] = await Promise.all([
      this.slices(filter, [range], column),
      this.requestStats(filter, [range], column),
    ]);
    const perFeatureOrModel = by === 'feature' || by === 'model';
    // A group with nothing in the range: typed text only (feature and model rows), or a signed cover's
    // leftover (a developer or language seen only in the hours or days it subtracts).
    const empty = (t: Totals): boolean => ROLLUP_COUNTERS.every((c) => t[c] === 0);
    const groups = new Map(
      [...slices].filter(([, g]) => !(empty(g.totals) && (perFeatureOrModel || empty(g.denominator)))),
    );
    if (by === 'developer') {
      const developers = groups.size;
      if (developers < this.access.minGroupSize) {
        return {
          by,
          rows: [],
          withheld: {
            developers,
            minGroupSize: this.access.minGroupSize,
            message: `Per-developer figures are shown only when at least ${this.access.minGroupSize} developers are in the selection (${developers} here).`,
          },
        };
      }
    }
    const overallDenominator = merged(slices).denominator;
    const rows: BreakdownRow[] = [];
    for (const [key, group] of groups) {
      if (perFeatureOrModel && key === '') continue;
      rows.push({
        key,
        metrics: computeMetrics(
          {
            totals: group.totals,
            seconds: (filter.to - filter.from) / 1000,
            activeDevelopers: activeDevelopers(group),
            peakMinuteRequests: stats.get(key)?.peakMinuteRequests ?? 0,
            latency: stats.get(key)?.latency ?? NO_LATENCY,
          },
          perFeatureOrModel ? overallDenominator : group.denominator,
        ),
      });
    }
    rows.sort(
      (a, b) =>
        (b.metrics.requests ?? 0) - (a.metrics.requests ?? 0) ||
        (b.metrics.shown ?? 0) - (a.metrics.shown ?? 0) ||
        a.key.localeCompare(b.key),
    );
    return { by, rows };
  }

  async guardBreakdown(filter: DashboardFilter): Promise<GuardBreakdownRow[]> {
    this.check(filter);
    const params: Param[] = [filter.from, filter.to];
    const where = all([
      inList('language', filter.languages, params),
      inList('developer_id', filter.developers, params),
      inList('feature', filter.features, params),
    ]);
    params.push(...this.sql.scope.params);
    const rows = await this.sql.rows(
      `SELECT rule_id, category, direction, action, feature, SUM(n) AS total FROM guard_rollup_15m
       WHERE bucket >= ? AND bucket < ? AND ${where} AND ${this.sql.scope.sql}
       GROUP BY rule_id, category, direction, action, feature ORDER BY total DESC, rule_id`,
      params,
    );
    return rows.map(([ruleId, category, direction, action, feature, decisions]) => ({
      ruleId: String(ruleId),
      category: String(category),
      direction: String(direction),
      action: String(action),
      feature: String(feature),
      decisions: Number(decisions),
    }));
  }

  /** Every recorded value of each filterable dimension; the developer list only for leads. */
  async filterValues(): Promise<FilterValues> {
    const rows = await this.sql.rows(
      `SELECT dim, value FROM dim_values WHERE ${this.sql.scope.sql} ORDER BY dim, value`,
      this.sql.scope.params,
    );
    const pick = (dim: string): string[] => rows.filter((r) => r[0] === dim).map((r) => String(r[1]));
    return {
      languages: pick('language'),
      features: pick('feature'),
      models: pick('model'),
      developers: this.access.isLead ? pick('developer') : [],
    };
  }

  /** Runs a query by its name (dashboard protocol, CLI and benchmark). */
  run(name: QueryName, filter: DashboardFilter): Promise<unknown> {
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
