// What the dashboard page shows and remembers: the view state (date preset or custom dates, dimension
// filters) and how it becomes a query filter in the viewer's time zone; which metrics sit in the tiles,
// charts and tables; and the snapshot of all of it that the CSV and JSON exports write, so that an export
// holds exactly the figures on screen. Runs in the page and in the extension host alike.
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

/** Everything the viewer chose; kept in the webview state and the workspace state. */
export interface DashboardViewState {
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

/** The query filter of a view state: whole local days in the viewer's zone. */
export function filterForView(state: DashboardViewState, timeZone: string, now: number): DashboardFilter {
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
  if (state.developers.length > 0) filter.developers = [...state.developers];
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

/** All the aggregates behind one screen. */
export interface DashboardSnapshot {
  filter: DashboardFilter;
  tiles: TilesResult;
  timeSeries: TimeSeriesResult;
  breakdowns: Record<BreakdownDimension, BreakdownResult>;
  guard: GuardBreakdownRow[];
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
