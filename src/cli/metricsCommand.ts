// `aegis metrics summary|seed`: prints the dashboard's aggregates from a metrics database (computed by the
// dashboard's own queries) and fills a database with labelled demo data.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { DashboardQueries } from '../dashboard/dashboardQueries';
import type { BreakdownDimension, DashboardFilter } from '../dashboard/dashboardQueries';
import { generateDemoEvents } from '../dashboard/demoSeeder';
import type { MetricEvent } from '../dashboard/metricEvents';
import { breakdownToCsv, tilesToCsv, tilesToRecord, timeSeriesToCsv } from '../dashboard/metricsExport';
import { MetricsStore } from '../dashboard/metricsStore';
import { localDayStart, viewerZone } from '../dashboard/timeZones';
import type { ViewerZone } from '../dashboard/timeZones';

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Clock for default date ranges; tests pin it. */
  now?(): number;
  env?: Record<string, string | undefined>;
  /** The better-sqlite3 binary to load, when it is not where the package would look (the bundled CLI). */
  nativeBinding?: string;
}

const USAGE = `Usage:
  aegis metrics summary [--db FILE] [--from DATE] [--to DATE] [--by language|feature|model|developer|day]
                        [--format json|csv] [--tz ZONE] [--language L] [--feature F] [--model M] [--developer D]
  aegis metrics seed --db FILE --days N [--developers N] [--seed N] [--cycles N]

DATE is a local date (YYYY-MM-DD, --to inclusive) in the --tz zone, or an ISO instant with a zone
(2025-03-01T12:00Z). Defaults: the last 30 days including today; the machine's time zone; --db from
AEGIS_METRICS_DB. Filters take comma-separated values.
`;

class UsageError extends Error {}

const DAY_MS = 86_400_000;

/** Runs `aegis metrics ...`; returns the process exit code (0 ok, 1 failure, 2 usage). */
export async function runMetricsCommand(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'summary') return await Promise.resolve(summary(rest, io));
    if (sub === 'seed') return await Promise.resolve(seed(rest, io));
    if (sub === undefined || sub === 'help' || sub === '--help') {
      io.stdout(USAGE);
      return sub === undefined ? 2 : 0;
    }
    throw new UsageError(`Unknown metrics command: ${sub}`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      io.stderr(`aegis metrics: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr(`aegis metrics: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** Parses `--name value` options; every option here takes a string. */
function parse(args: string[], names: readonly string[]): Record<string, string | undefined> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const name of names) options[name] = { type: 'string' };
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(values)) out[key] = typeof value === 'string' ? value : undefined;
  return out;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): string[] | undefined {
  const text = str(value);
  return text === undefined
    ? undefined
    : text
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
}

/** A --from/--to value as a UTC instant; local dates are day starts (and `to` dates are inclusive). */
function instant(zone: ViewerZone, value: string, isEnd: boolean): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = localDayStart(zone, value);
    if (!isEnd) return start;
    const next = new Date(
      Date.UTC(Number(value.slice(0, 4)), Number(value.slice(5, 7)) - 1, Number(value.slice(8, 10)) + 1),
    );
    return localDayStart(zone, next.toISOString().slice(0, 10));
  }
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(value))
    throw new UsageError(`A date-time needs a zone (Z or +hh:mm): ${value}`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`Not a date: ${value}`);
  return ms;
}

function summary(args: string[], io: CommandIo): number {
  const values = parse(args, [
    'db',
    'from',
    'to',
    'by',
    'format',
    'tz',
    'language',
    'feature',
    'model',
    'developer',
  ]);
  const db = str(values.db) ?? io.env?.AEGIS_METRICS_DB;
  if (db === undefined) throw new UsageError('No database: pass --db FILE or set AEGIS_METRICS_DB.');
  if (!existsSync(db)) throw new Error(`No metrics database at ${db}.`);
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'csv')
    throw new UsageError(`--format must be json or csv, not ${format}`);
  const by = str(values.by);
  if (by !== undefined && !['language', 'feature', 'model', 'developer', 'day'].includes(by)) {
    throw new UsageError(`--by must be language, feature, model, developer or day, not ${by}`);
  }
  const timeZone = str(values.tz) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = viewerZone(timeZone);
  const now = (io.now ?? Date.now)();
  const today = new Date(now + zone.offsetAt(now)).toISOString().slice(0, 10);
  const toValue = str(values.to) ?? today;
  const to = instant(zone, toValue, true);
  const defaultFrom = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  const from = instant(zone, str(values.from) ?? defaultFrom, false);
  const filter: DashboardFilter = {
    from,
    to,
    timeZone,
    ...optional('languages', list(values.language)),
    ...optional('features', list(values.feature)),
    ...optional('models', list(values.model)),
    ...optional('developers', list(values.developer)),
  };

  const { store, notices } = MetricsStore.open({
    path: db,
    ...(io.nativeBinding ? { nativeBinding: io.nativeBinding } : {}),
  });
  try {
    for (const notice of notices) io.stderr(`aegis metrics: ${notice.message}\n`);
    const queries = new DashboardQueries(store.db);
    const tiles = queries.tiles(filter);
    const demo = store.getMeta('demo') === '1';
    if (format === 'csv') {
      if (by === undefined) io.stdout(tilesToCsv(tiles.tiles));
      else if (by === 'day') io.stdout(timeSeriesToCsv(queries.timeSeries(filter, 'day')));
      else io.stdout(breakdownToCsv(queries.breakdown(filter, by as BreakdownDimension)));
      return 0;
    }
    const output: Record<string, unknown> = {
      database: db,
      demo,
      timeZone,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      previousFrom: new Date(tiles.previousPeriod.from).toISOString(),
      tiles: tilesToRecord(tiles.tiles),
    };
    if (by === 'day') output.days = queries.timeSeries(filter, 'day').points;
    else if (by !== undefined) output.breakdown = queries.breakdown(filter, by as BreakdownDimension);
    io.stdout(JSON.stringify(output, null, 2) + '\n');
    return 0;
  } finally {
    store.close();
  }
}

function optional<K extends string>(key: K, value: string[] | undefined): Partial<Record<K, string[]>> {
  return value === undefined || value.length === 0 ? {} : ({ [key]: value } as Partial<Record<K, string[]>>);
}

function positiveInt(value: unknown, name: string, fallback?: number): number {
  const text = str(value);
  if (text === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`--${name} is required`);
  }
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive whole number, not ${text}`);
  return n;
}

function seed(args: string[], io: CommandIo): number {
  const values = parse(args, ['db', 'days', 'developers', 'seed', 'cycles']);
  const db = str(values.db);
  if (db === undefined) throw new UsageError('--db is required');
  const days = positiveInt(values.days, 'days');
  const developers = positiveInt(values.developers, 'developers', 8);
  if (developers > 99) throw new UsageError('--developers must be at most 99');
  const seedValue = positiveInt(values.seed, 'seed', 42);
  const cycles = positiveInt(values.cycles, 'cycles', 80);
  const { store, notices } = MetricsStore.open({
    path: db,
    ...(io.nativeBinding ? { nativeBinding: io.nativeBinding } : {}),
  });
  try {
    for (const notice of notices) io.stderr(`aegis metrics: ${notice.message}\n`);
    const hasRows = store.db.prepare('SELECT 1 FROM rollup_1d LIMIT 1').get() !== undefined;
    if (hasRows && store.getMeta('demo') !== '1') {
      throw new Error(`${db} holds real metrics; demo data goes only into a new or demo database.`);
    }
    store.setMeta('demo', '1');
    const now = (io.now ?? Date.now)();
    let batch: MetricEvent[] = [];
    let events = 0;
    for (const event of generateDemoEvents({
      days,
      developers,
      endMs: now,
      seed: seedValue,
      cyclesPerDay: cycles,
    })) {
      if (event.ts >= now) continue; // nothing from the future
      batch.push(event);
      if (batch.length >= 10_000) {
        events += store.writeBatch(batch).inserted;
        batch = [];
      }
    }
    events += store.writeBatch(batch).inserted;
    io.stdout(JSON.stringify({ database: db, demo: true, days, developers, events }) + '\n');
    return 0;
  } finally {
    store.close();
  }
}
