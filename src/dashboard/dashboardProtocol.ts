// The typed messages between the extension and the dashboard webview, imported by both sides. The webview
// sends `ready` once its script runs; the extension answers with `init`, then answers each `query` or
// `exportCsv` with a message carrying the same requestId. Whatever arrives is validated before use.
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

/** What each named query returns. */
export interface QueryResults {
  tiles: TilesResult;
  timeSeries: TimeSeriesResult;
  breakdownByLanguage: BreakdownResult;
  breakdownByFeature: BreakdownResult;
  breakdownByModel: BreakdownResult;
  breakdownByDeveloper: BreakdownResult;
  guardBreakdown: GuardBreakdownRow[];
  filterValues: FilterValues;
}

export type ExportKind = 'tiles' | 'day' | 'language' | 'feature' | 'model' | 'developer';

// ---- webview -> extension ----

/** Sent once by the page when its script has loaded and it can receive messages. */
export interface ReadyMessage {
  type: 'ready';
}

/** Asks for one named query over a filter. */
export interface QueryRequest {
  type: 'query';
  requestId: number;
  query: QueryName;
  filter: DashboardFilter;
}

/** Asks the extension to save a CSV export (the extension shows the save dialog). */
export interface ExportCsvRequest {
  type: 'exportCsv';
  requestId: number;
  kind: ExportKind;
  filter: DashboardFilter;
}

export type WebviewToExtension = ReadyMessage | QueryRequest | ExportCsvRequest;

// ---- extension -> webview ----

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
}

export type QueryResultMessage = {
  [Q in QueryName]: { type: 'queryResult'; requestId: number; query: Q; result: QueryResults[Q] };
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

export type ExtensionToWebview = InitMessage | QueryResultMessage | RequestErrorMessage | ExportDoneMessage;

// ---- validation ----

const QUERY_NAME_SET: ReadonlySet<string> = new Set<string>(QUERY_NAMES);
const EXPORT_KINDS: ReadonlySet<string> = new Set<ExportKind>([
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
        typeof value.query === 'string' &&
        QUERY_NAME_SET.has(value.query) &&
        isDashboardFilter(value.filter)
      );
    case 'exportCsv':
      return (
        isRequestId(value.requestId) &&
        typeof value.kind === 'string' &&
        EXPORT_KINDS.has(value.kind) &&
        isDashboardFilter(value.filter)
      );
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
        value.notices.every((n) => typeof n === 'string')
      );
    case 'queryResult':
      return (
        isRequestId(value.requestId) &&
        typeof value.query === 'string' &&
        QUERY_NAME_SET.has(value.query) &&
        (isRecord(value.result) || Array.isArray(value.result))
      );
    case 'requestError':
      return isRequestId(value.requestId) && typeof value.message === 'string';
    case 'exportDone':
      return isRequestId(value.requestId) && typeof value.saved === 'boolean';
    default:
      return false;
  }
}
