// What the dashboard page shows and remembers: the view state (date preset or custom dates, dimension
// filters) and how it becomes a query filter in the viewer's time zone; which metrics sit in the tiles,
// charts and tables; and the snapshot of all of it that the CSV and JSON exports write, so that an export
// holds exactly the figures on screen; and the choice between the viewer's own data and the team database,
// with the team view's privacy rules as the page applies them. Runs in the page and in the extension host.
import type {
  BreakdownDimension,
  BreakdownResult,
  DashboardFilter,
  DashboardQueries,
  GuardBreakdownRow,
  TilesResult,
  TimeSeriesResult,
} from './dashboardQueries';
import { BREAKDOWN_DIMENSIONS } from './dashboardQueries';
import type { MetricId } from './metricDefinitions';
import { csvCell } from './metricsExport';
import { localDayStart, localLabel, viewerZone } from './timeZones';

export type DatePreset = 'today' | '7d' | '14d' | '30d' | '90d' | 'custom';
export const DATE_PRESETS: readonly DatePreset[] = ['today', '7d', '14d', '30d', '90d', 'custom'];
const PRESET_DAYS: Record<Exclude<DatePreset, 'custom'>, number> = {
  today: 1,
  '7d': 7,
  '14d': 14,
  '30d': 30,
  '90d': 90,
};

/** Where the figures come from: this machine's metrics store, or the team database (PostgreSQL). */
export type DataSource = 'local' | 'team';
export const DATA_SOURCES: readonly DataSource[] = ['local', 'team'];

/** Everything the viewer chose; kept in the webview state and the workspace state. */
export interface DashboardViewState {
  /** Absent in states saved before the team view existed; those mean 'local'. */
  source?: DataSource;
  preset: DatePreset;
  /** Local dates (YYYY-MM-DD), both inclusive; used when preset is 'custom'. */
  customFrom: string;
  customTo: string;
  languages: string[];
  features: string[];
  models: string[];
  developers: string[];
}

export const DEFAULT_VIEW_STATE: DashboardViewState = {
  source: 'local',
  preset: '7d',
  customFrom: '',
  customTo: '',
  languages: [],
  features: [],
  models: [],
  developers: [],
};

/** Longest custom range the page offers (the queries refuse more than 800 days). */
export const MAX_CUSTOM_DAYS = 366;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function isStringList(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= 1000 &&
    value.every((v) => typeof v === 'string' && v.length <= 200)
  );
}

export function isDashboardViewState(value: unknown): value is DashboardViewState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.source === undefined || (typeof v.source === 'string' && isDataSource(v.source))) &&
    typeof v.preset === 'string' &&
    (DATE_PRESETS as readonly string[]).includes(v.preset) &&
    typeof v.customFrom === 'string' &&
    (v.customFrom === '' || DATE_RE.test(v.customFrom)) &&
    typeof v.customTo === 'string' &&
    (v.customTo === '' || DATE_RE.test(v.customTo)) &&
    isStringList(v.languages) &&
    isStringList(v.features) &&
    isStringList(v.models) &&
    isStringList(v.developers)
  );
}

export function isDataSource(value: unknown): value is DataSource {
  return value === 'local' || value === 'team';
}

/** The source the page shows: the team view only while a team database is configured, so a saved 'team'
 * choice falls back to the viewer's own data once the setting is removed (and returns when it is back). */
export function effectiveSource(state: DashboardViewState, teamConfigured: boolean): DataSource {
  return state.source === 'team' && teamConfigured ? 'team' : 'local';
}

/** Who reads the team view and its privacy rule, as the extension learns them from the team database. */
export interface TeamReaderAccess {
  isLead: boolean;
  minGroupSize: number;
}

/** The developer filter narrows the viewer's own data freely; in the team view only leads may use it. */
export function developerFilterAllowed(source: DataSource, access: TeamReaderAccess | undefined): boolean {
  return source === 'local' || access?.isLead === true;
}

/** `date` (YYYY-MM-DD) moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Today's local date in the zone. */
export function localToday(timeZone: string, now: number): string {
  return localLabel(viewerZone(timeZone), now, 'day');
}

/** The inclusive local dates a state covers: presets end today; a custom range is put in order and
 * clamped to MAX_CUSTOM_DAYS. */
export function viewDates(state: DashboardViewState, timeZone: string, now: number): [string, string] {
  const today = localToday(timeZone, now);
  if (state.preset !== 'custom') return [addDays(today, 1 - PRESET_DAYS[state.preset]), today];
  let from = DATE_RE.test(state.customFrom) ? state.customFrom : addDays(today, -6);
  let to = DATE_RE.test(state.customTo) ? state.customTo : today;
  if (from > to) [from, to] = [to, from];
  if (addDays(from, MAX_CUSTOM_DAYS - 1) < to) from = addDays(to, 1 - MAX_CUSTOM_DAYS);
  return [from, to];
}

/** The query filter of a view state: whole local days in the viewer's zone. Without `allowDevelopers` the
 * developer choice is left out (a non-lead's team view), so that it never turns into a refused query. */
export function filterForView(
  state: DashboardViewState,
  timeZone: string,
  now: number,
  allowDevelopers = true,
): DashboardFilter {
  const zone = viewerZone(timeZone);
  const [first, last] = viewDates(state, timeZone, now);
  const filter: DashboardFilter = {
    from: localDayStart(zone, first),
    to: localDayStart(zone, addDays(last, 1)),
    timeZone,
  };
  if (state.languages.length > 0) filter.languages = [...state.languages];
  if (state.features.length > 0) filter.features = [...state.features];
  if (state.models.length > 0) filter.models = [...state.models];
  if (allowDevelopers && state.developers.length > 0) filter.developers = [...state.developers];
  return filter;
}

// ---- what is on screen ----

/** Tiles, in display order. */
export const SCREEN_TILES: readonly MetricId[] = [
  'adoptionRateByCount',
  'adoptionRateByLines',
  'codeGenerationRate',
  'retention5m',
  'qpsAverage',
  'qpsPeak',
  'totalP50',
  'totalP95',
  'ttftP50',
  'ttftP95',
  'activeDevelopers',
  'guardBlocks',
  'guardRedactions',
];

export type ChartId = 'suggestions' | 'rates' | 'latency' | 'requests';

/** Charts over time and the series each draws. */
export const SCREEN_CHARTS: readonly { id: ChartId; metrics: readonly MetricId[] }[] = [
  { id: 'suggestions', metrics: ['shown', 'accepted'] },
  { id: 'rates', metrics: ['adoptionRateByCount', 'codeGenerationRate'] },
  { id: 'latency', metrics: ['totalP50', 'totalP95', 'ttftP50', 'ttftP95'] },
  { id: 'requests', metrics: ['requests'] },
];

/** Every metric drawn in some chart, once, in chart order (the time-series export's columns). */
export const SCREEN_SERIES: readonly MetricId[] = [...new Set(SCREEN_CHARTS.flatMap((c) => c.metrics))];

/** Columns of the breakdown tables after the dimension's value. */
export const SCREEN_TABLE_COLUMNS: readonly MetricId[] = [
  'requests',
  'shown',
  'accepted',
  'adoptionRateByCount',
  'adoptionRateByLines',
  'codeGenerationRate',
  'totalP50',
  'totalP95',
  'activeDevelopers',
];

/** Every metric whose label or definition the page shows. */
export const SCREEN_METRICS: readonly MetricId[] = [
  ...new Set([...SCREEN_TILES, ...SCREEN_SERIES, ...SCREEN_TABLE_COLUMNS]),
];

/** Per-developer rows the team view withheld because the selection holds too few developers. */
export interface WithheldRows {
  developers: number;
  minGroupSize: number;
}

/** A breakdown as the page receives it: the team view may withhold the per-developer rows. */
export interface ScreenBreakdown extends BreakdownResult {
  withheld?: WithheldRows;
}

export function isWithheldRows(value: unknown): value is WithheldRows {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.developers === 'number' &&
    Number.isSafeInteger(v.developers) &&
    v.developers >= 0 &&
    typeof v.minGroupSize === 'number' &&
    Number.isSafeInteger(v.minGroupSize) &&
    v.minGroupSize >= 1
  );
}

/** All the aggregates behind one screen. */
export interface DashboardSnapshot {
  filter: DashboardFilter;
  tiles: TilesResult;
  timeSeries: TimeSeriesResult;
  breakdowns: Record<BreakdownDimension, ScreenBreakdown>;
  guard: GuardBreakdownRow[];
}

/** The queries behind a snapshot, answered at once (the local store) or later (the team database). */
export interface SnapshotQueries {
  tiles(filter: DashboardFilter): TilesResult | Promise<TilesResult>;
  timeSeries(filter: DashboardFilter): TimeSeriesResult | Promise<TimeSeriesResult>;
  breakdown(filter: DashboardFilter, by: BreakdownDimension): ScreenBreakdown | Promise<ScreenBreakdown>;
  guardBreakdown(filter: DashboardFilter): GuardBreakdownRow[] | Promise<GuardBreakdownRow[]>;
}

/** Runs every query the screen shows, for the export. */
export function collectSnapshot(queries: DashboardQueries, filter: DashboardFilter): DashboardSnapshot {
  const breakdowns = {} as Record<BreakdownDimension, BreakdownResult>;
  for (const by of BREAKDOWN_DIMENSIONS) breakdowns[by] = queries.breakdown(filter, by);
  return {
    filter,
    tiles: queries.tiles(filter),
    timeSeries: queries.timeSeries(filter),
    breakdowns,
    guard: queries.guardBreakdown(filter),
  };
}

/** Runs every query the screen shows over either source, for the export. */
export async function gatherSnapshot(
  queries: SnapshotQueries,
  filter: DashboardFilter,
): Promise<DashboardSnapshot> {
  const [tiles, timeSeries, guard, ...breakdowns] = await Promise.all([
    queries.tiles(filter),
    queries.timeSeries(filter),
    queries.guardBreakdown(filter),
    ...BREAKDOWN_DIMENSIONS.map((by) => queries.breakdown(filter, by)),
  ]);
  const byDimension = {} as Record<BreakdownDimension, ScreenBreakdown>;
  BREAKDOWN_DIMENSIONS.forEach((by, i) => (byDimension[by] = breakdowns[i]));
  return { filter, tiles, timeSeries, breakdowns: byDimension, guard };
}

type Cell = string | number | null;

function rows(cells: Cell[][]): string {
  return cells.map((row) => row.map(csvCell).join(',')).join('\n');
}

/** The figures on screen as one CSV file: a section per panel (tiles, time series, each breakdown table,
 * guard decisions), separated by blank lines, each with its own header row. Raw values (ratios as
 * fractions, times in ms), not the rounded text of the page. */
export function snapshotToCsv(snapshot: DashboardSnapshot): string {
  const byId = new Map(snapshot.tiles.tiles.map((t) => [t.id, t]));
  const sections: string[] = [
    rows([
      ['section', 'tiles'],
      ['period_from', new Date(snapshot.filter.from).toISOString()],
      ['period_to', new Date(snapshot.filter.to).toISOString()],
      ['time_zone', snapshot.filter.timeZone],
    ]),
    rows([
      ['metric', 'value', 'previous', 'delta', 'relative_change'],
      ...SCREEN_TILES.map((id) => {
        const t = byId.get(id);
        return [id, t?.value ?? null, t?.previous ?? null, t?.delta ?? null, t?.relativeChange ?? null];
      }),
    ]),
    rows([
      ['section', `time_series_${snapshot.timeSeries.granularity}`],
      [snapshot.timeSeries.granularity, ...SCREEN_SERIES],
      ...snapshot.timeSeries.points.map((p) => [p.label, ...SCREEN_SERIES.map((id) => p.metrics[id])]),
    ]),
    ...BREAKDOWN_DIMENSIONS.map((by) =>
      rows([
        ['section', `by_${by}`],
        [by, ...SCREEN_TABLE_COLUMNS],
        ...snapshot.breakdowns[by].rows.map((r) => [
          r.key,
          ...SCREEN_TABLE_COLUMNS.map((id) => r.metrics[id]),
        ]),
        // Says why the section is empty, as the page does in place of the table.
        ...withheldCells(snapshot.breakdowns[by].withheld),
      ]),
    ),
    rows([
      ['section', 'guard_decisions'],
      ['rule', 'category', 'direction', 'action', 'feature', 'decisions'],
      ...snapshot.guard.map((g) => [g.ruleId, g.category, g.direction, g.action, g.feature, g.decisions]),
    ]),
  ];
  return sections.join('\n\n') + '\n';
}

function withheldCells(withheld: WithheldRows | undefined): Cell[][] {
  if (withheld === undefined) return [];
  return [
    ['withheld_min_group_size', withheld.minGroupSize],
    ['withheld_developers_in_selection', withheld.developers],
  ];
}

/** The aggregated data as JSON (every metric, not only those on screen). */
export function snapshotToJson(snapshot: DashboardSnapshot): string {
  return JSON.stringify(
    {
      period: {
        from: new Date(snapshot.filter.from).toISOString(),
        to: new Date(snapshot.filter.to).toISOString(),
      },
      ...snapshot,
    },
    null,
    2,
  );
}
