// The typed messages between the extension and the dashboard webview, imported by both sides. The webview
// sends `ready` once its script runs; the extension answers with `init` (localized strings, definitions,
// the saved view state), then answers each `query`, `exportCsv` or `exportJson` with a message carrying the
// same requestId. The page reports its view state with `saveState`; the extension says `dataChanged` when
// new events were written while the panel is open. Every query and export names its `source`: the viewer's
// own metrics store ('local') or the team database ('team', offered only when one is configured). The page
// asks `teamConnect` before its first team query; the extension answers `teamStatus` (connected with the
// reader's access, or a problem the page explains with a button to set the password), and sends it again
// when the password or the team settings change. Whatever arrives is validated before use.
import type {
  BreakdownResult,
  DashboardFilter,
  FilterValues,
  GuardBreakdownRow,
  QueryName,
  TilesResult,
  TimeSeriesResult,
} from './dashboardQueries';
import type { MetricDefinition } from './metricDefinitions';
import { QUERY_NAMES } from './dashboardQueries';
import { isDashboardViewState, isDataSource, isWithheldRows } from './dashboardView';
import type { DashboardViewState, DataSource, ScreenBreakdown } from './dashboardView';

/** What each named query returns. */
export interface QueryResults {
  tiles: TilesResult;
  timeSeries: TimeSeriesResult;
  breakdownByLanguage: BreakdownResult;
  breakdownByFeature: BreakdownResult;
  breakdownByModel: BreakdownResult;
  /** In the team view, without rows when the selection holds fewer developers than the team allows. */
  breakdownByDeveloper: ScreenBreakdown;
  guardBreakdown: GuardBreakdownRow[];
  filterValues: FilterValues;
}

/** 'dashboard' is everything on screen in one file; the others one panel each. */
export type ExportKind = 'dashboard' | 'tiles' | 'day' | 'language' | 'feature' | 'model' | 'developer';

/** Every text the page shows that does not come with the data; the extension sends them localized. */
export const DASHBOARD_STRING_KEYS = [
  'title',
  'timeZone',
  'period',
  'presetToday',
  'preset7d',
  'preset14d',
  'preset30d',
  'preset90d',
  'presetCustom',
  'from',
  'to',
  'language',
  'feature',
  'model',
  'developer',
  'all',
  'exportCsv',
  'exportJson',
  'refresh',
  'previousPeriod',
  'noChange',
  'noData',
  'loading',
  'updated',
  'chartSuggestions',
  'chartRates',
  'chartLatency',
  'chartRequests',
  'byLanguage',
  'byFeature',
  'byModel',
  'byDeveloper',
  'guardDecisions',
  'rule',
  'direction',
  'action',
  'decisions',
  'demoData',
  'exported',
  'error',
  'filters',
  'clearFilters',
  'source',
  'sourceLocal',
  'sourceTeam',
  'teamScope',
  'teamConnecting',
  'setTeamPassword',
  'retry',
  'developerLeadsOnly',
  'withheld',
] as const;
export type DashboardStringKey = (typeof DASHBOARD_STRING_KEYS)[number];
export type DashboardStrings = Record<DashboardStringKey, string>;

// ---- webview -> extension ----

/** Sent once by the page when its script has loaded and it can receive messages. */
export interface ReadyMessage {
  type: 'ready';
}

/** Asks for one named query over a filter. */
export interface QueryRequest {
  type: 'query';
  requestId: number;
  source: DataSource;
  query: QueryName;
  filter: DashboardFilter;
}

/** Asks the extension to save a CSV export (the extension shows the save dialog). */
export interface ExportCsvRequest {
  type: 'exportCsv';
  requestId: number;
  source: DataSource;
  kind: ExportKind;
  filter: DashboardFilter;
}

/** Asks the extension to save the aggregated data of the filter as JSON. */
export interface ExportJsonRequest {
  type: 'exportJson';
  requestId: number;
  source: DataSource;
  filter: DashboardFilter;
}

/** The page switched to the team view (or the viewer pressed Retry): connect, and answer `teamStatus`. */
export interface TeamConnectRequest {
  type: 'teamConnect';
}

/** The viewer pressed "Set Password" under a connection problem: the extension asks for it (the same
 * secret the sync uses), then connects again and answers `teamStatus`. */
export interface SetTeamPasswordRequest {
  type: 'setTeamPassword';
}

/** The view state changed; the extension keeps it in the workspace state for the next opening. */
export interface SaveStateMessage {
  type: 'saveState';
  state: DashboardViewState;
}

export type WebviewToExtension =
  | ReadyMessage
  | QueryRequest
  | ExportCsvRequest
  | ExportJsonRequest
  | SaveStateMessage
  | TeamConnectRequest
  | SetTeamPasswordRequest;

// ---- extension -> webview ----

/** The configured team database, named for the switch (never with a password). */
export interface TeamChoice {
  /** aegis.team.name */
  team: string;
  /** host:port/database */
  database: string;
}

/** Why the team view cannot show figures; the page offers "Set Password" for each. */
export type TeamProblem =
  | 'noPassword'
  | 'authentication'
  | 'unreachable'
  | 'noDatabase'
  | 'permission'
  | 'settings'
  | 'schema'
  | 'other';
export const TEAM_PROBLEMS: readonly TeamProblem[] = [
  'noPassword',
  'authentication',
  'unreachable',
  'noDatabase',
  'permission',
  'settings',
  'schema',
  'other',
];

/** Whether setting the password again can fix the problem (the page offers the button only then; a
 * missing role, a bad setting or a database that was never set up need the administrator). */
export function passwordMayFix(problem: TeamProblem): boolean {
  return (
    problem === 'noPassword' ||
    problem === 'authentication' ||
    problem === 'unreachable' ||
    problem === 'other'
  );
}

export type TeamStatus =
  | {
      state: 'connected';
      /** Leads may filter by developer; others see the filter disabled with the reason. */
      isLead: boolean;
      /** Per-developer rows appear only for selections of at least this many developers. */
      minGroupSize: number;
      /** The team's languages, features, models (and developers, for leads). */
      filterValues: FilterValues;
    }
  | {
      state: 'error';
      problem: TeamProblem;
      /** Localized one-line summary. */
      headline: string;
      /** The driver's or server's details (English), for the administrator. */
      detail: string;
    };

/** The answer to `teamConnect` and `setTeamPassword`, and news when the password or settings change. */
export interface TeamStatusMessage {
  type: 'teamStatus';
  status: TeamStatus;
}

/** The answer to `ready`: everything the page needs before its first query. */
export interface InitMessage {
  type: 'init';
  /** The viewer's time zone, shown on the page and used for every filter. */
  timeZone: string;
  definitions: MetricDefinition[];
  filterValues: FilterValues;
  defaultFilter: DashboardFilter;
  /** True when the database holds seeded demo data. */
  demo: boolean;
  notices: string[];
  /** The page's texts in the UI language. */
  strings: DashboardStrings;
  /** BCP 47 tag for number and date formatting. */
  locale: string;
  /** The view state saved last time in this workspace, if any. */
  state: DashboardViewState | null;
  /** The extension host's clock, so that "today" is the same day on both sides. */
  now: number;
  /** The team database the "Team" choice reads; null hides the choice (aegis.team.database is empty). */
  team: TeamChoice | null;
}

/** New events were written since the page last queried; it re-runs its queries. */
export interface DataChangedMessage {
  type: 'dataChanged';
}

export type QueryResultMessage = {
  [Q in QueryName]: {
    type: 'queryResult';
    requestId: number;
    source: DataSource;
    query: Q;
    result: QueryResults[Q];
  };
}[QueryName];

export interface RequestErrorMessage {
  type: 'requestError';
  requestId: number;
  message: string;
}

export interface ExportDoneMessage {
  type: 'exportDone';
  requestId: number;
  /** False when the user cancelled the save dialog. */
  saved: boolean;
}

export type ExtensionToWebview =
  | InitMessage
  | QueryResultMessage
  | RequestErrorMessage
  | ExportDoneMessage
  | DataChangedMessage
  | TeamStatusMessage;

// ---- validation ----

const QUERY_NAME_SET: ReadonlySet<string> = new Set<string>(QUERY_NAMES);
const EXPORT_KINDS: ReadonlySet<string> = new Set<ExportKind>([
  'dashboard',
  'tiles',
  'day',
  'language',
  'feature',
  'model',
  'developer',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isOptionalStringList(value: unknown): boolean {
  return (
    value === undefined ||
    (Array.isArray(value) && value.length <= 1000 && value.every((v) => typeof v === 'string'))
  );
}

function isShortString(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max;
}

function isFilterValues(value: unknown): value is FilterValues {
  return (
    isRecord(value) &&
    (['languages', 'features', 'models', 'developers'] as const).every(
      (key) =>
        Array.isArray(value[key]) &&
        (value[key] as unknown[]).length <= 100_000 &&
        (value[key] as unknown[]).every((v) => typeof v === 'string'),
    )
  );
}

function isTeamChoice(value: unknown): value is TeamChoice {
  return isRecord(value) && isShortString(value.team, 200) && isShortString(value.database, 500);
}

export function isTeamStatus(value: unknown): value is TeamStatus {
  if (!isRecord(value)) return false;
  switch (value.state) {
    case 'connected':
      return (
        typeof value.isLead === 'boolean' &&
        typeof value.minGroupSize === 'number' &&
        Number.isSafeInteger(value.minGroupSize) &&
        value.minGroupSize >= 1 &&
        isFilterValues(value.filterValues)
      );
    case 'error':
      return (
        typeof value.problem === 'string' &&
        (TEAM_PROBLEMS as readonly string[]).includes(value.problem) &&
        isShortString(value.headline, 2000) &&
        isShortString(value.detail, 10_000)
      );
    default:
      return false;
  }
}

/** A query result's shape, as far as the page relies on it. */
function isQueryResult(query: string, result: unknown): boolean {
  if (query === 'guardBreakdown') return Array.isArray(result);
  if (!isRecord(result)) return false;
  if (query === 'filterValues') return isFilterValues(result);
  if (query.startsWith('breakdownBy')) {
    return Array.isArray(result.rows) && (result.withheld === undefined || isWithheldRows(result.withheld));
  }
  return true;
}

function isStrings(value: unknown): value is DashboardStrings {
  return isRecord(value) && DASHBOARD_STRING_KEYS.every((key) => typeof value[key] === 'string');
}

export function isDashboardFilter(value: unknown): value is DashboardFilter {
  if (!isRecord(value)) return false;
  return (
    typeof value.from === 'number' &&
    Number.isSafeInteger(value.from) &&
    typeof value.to === 'number' &&
    Number.isSafeInteger(value.to) &&
    value.from < value.to &&
    typeof value.timeZone === 'string' &&
    value.timeZone.length > 0 &&
    value.timeZone.length <= 64 &&
    isOptionalStringList(value.languages) &&
    isOptionalStringList(value.features) &&
    isOptionalStringList(value.models) &&
    isOptionalStringList(value.developers)
  );
}

/** Validates a message from the webview (the extension calls this on everything it receives). */
export function isWebviewToExtension(value: unknown): value is WebviewToExtension {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'ready':
      return true;
    case 'query':
      return (
        isRequestId(value.requestId) &&
        isDataSource(value.source) &&
        typeof value.query === 'string' &&
        QUERY_NAME_SET.has(value.query) &&
        isDashboardFilter(value.filter)
      );
    case 'exportCsv':
      return (
        isRequestId(value.requestId) &&
        isDataSource(value.source) &&
        typeof value.kind === 'string' &&
        EXPORT_KINDS.has(value.kind) &&
        isDashboardFilter(value.filter)
      );
    case 'exportJson':
      return isRequestId(value.requestId) && isDataSource(value.source) && isDashboardFilter(value.filter);
    case 'saveState':
      return isDashboardViewState(value.state);
    case 'teamConnect':
    case 'setTeamPassword':
      return true;
    default:
      return false;
  }
}

/** Validates a message from the extension (the page calls this on everything it receives). */
export function isExtensionToWebview(value: unknown): value is ExtensionToWebview {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'init':
      return (
        typeof value.timeZone === 'string' &&
        Array.isArray(value.definitions) &&
        isRecord(value.filterValues) &&
        isDashboardFilter(value.defaultFilter) &&
        typeof value.demo === 'boolean' &&
        Array.isArray(value.notices) &&
        value.notices.every((n) => typeof n === 'string') &&
        isStrings(value.strings) &&
        typeof value.locale === 'string' &&
        (value.state === null || isDashboardViewState(value.state)) &&
        typeof value.now === 'number' &&
        Number.isFinite(value.now) &&
        (value.team === null || isTeamChoice(value.team))
      );
    case 'dataChanged':
      return true;
    case 'teamStatus':
      return isTeamStatus(value.status);
    case 'queryResult':
      return (
        isRequestId(value.requestId) &&
        isDataSource(value.source) &&
        typeof value.query === 'string' &&
        QUERY_NAME_SET.has(value.query) &&
        isQueryResult(value.query, value.result)
      );
    case 'requestError':
      return isRequestId(value.requestId) && typeof value.message === 'string';
    case 'exportDone':
      return isRequestId(value.requestId) && typeof value.saved === 'boolean';
    default:
      return false;
  }
}
