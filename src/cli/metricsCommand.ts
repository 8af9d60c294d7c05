// `aegis metrics summary|seed|team-migrate`: prints the dashboard's aggregates from a metrics database or,
// with --team, from the team database (computed by the dashboard's own queries), fills a database with
// labelled demo data, and sets up or upgrades the team database's schema.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { DashboardQueries } from '../dashboard/dashboardQueries';
import type {
  BreakdownDimension,
  BreakdownResult,
  DashboardFilter,
  TilesResult,
  TimeSeriesResult,
} from '../dashboard/dashboardQueries';
import { generateDemoEvents } from '../dashboard/demoSeeder';
import type { MetricEvent } from '../dashboard/metricEvents';
import { breakdownToCsv, tilesToCsv, tilesToRecord, timeSeriesToCsv } from '../dashboard/metricsExport';
import { MetricsStore } from '../dashboard/metricsStore';
import {
  connectTeamDatabase,
  migrateTeamDatabase,
  TeamDatabaseError,
  teamDatabaseLabel,
} from '../dashboard/teamDatabase';
import { loadTeamAccess, postgresExecutor, TeamQueries } from '../dashboard/teamQueries';
import type { TeamDatabaseSettings } from '../dashboard/teamDatabase';
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
  aegis metrics summary --team [--team-db URL] [--team-name NAME] [the options above but --db]
  aegis metrics team-migrate [--team-db URL]
  aegis metrics seed --db FILE --days N [--developers N] [--seed N] [--cycles N]

DATE is a local date (YYYY-MM-DD, --to inclusive) in the --tz zone, or an ISO instant with a zone
(2025-03-01T12:00Z). Defaults: the last 30 days including today; the machine's time zone; --db from
AEGIS_METRICS_DB. Filters take comma-separated values.
--team reads the team database: URL is postgres://user@host:port/database without a password (default
AEGIS_TEAM_DB), the password comes from AEGIS_TEAM_PASSWORD, NAME from AEGIS_TEAM_NAME. team-migrate runs
as the schema's owner.
`;

class UsageError extends Error {}

const DAY_MS = 86_400_000;

/** Runs `aegis metrics ...`; returns the process exit code (0 ok, 1 failure, 2 usage). */
export async function runMetricsCommand(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'summary') {
      if (rest.includes('--team'))
        return await teamSummary(
          rest.filter((a) => a !== '--team'),
          io,
        );
      return await Promise.resolve(summary(rest, io));
    }
    if (sub === 'team-migrate') return await teamMigrate(rest, io);
    if (sub === 'seed') return await Promise.resolve(seed(rest, io));
    if (sub === undefined || sub === 'help' || sub === '--help') {
      io.stdout(USAGE);
      return sub === undefined ? 2 : 0;
    }
    throw new UsageError(`Unknown metrics command: ${sub}`);
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof RangeError ||
      (error instanceof TeamDatabaseError && error.kind === 'settings')
    ) {
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

const SUMMARY_OPTIONS = ['from', 'to', 'by', 'format', 'tz', 'language', 'feature', 'model', 'developer'];

interface SummaryRequest {
  filter: DashboardFilter;
  format: 'json' | 'csv';
  by: BreakdownDimension | 'day' | undefined;
  timeZone: string;
}

function summaryRequest(values: Record<string, string | undefined>, io: CommandIo): SummaryRequest {
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
  return { filter, format, by: by as SummaryRequest['by'], timeZone };
}

/** The dashboard's queries as the summary needs them: the local ones answer at once, the team ones later. */
interface SummaryQueries {
  tiles(filter: DashboardFilter): TilesResult | Promise<TilesResult>;
  timeSeries(filter: DashboardFilter, granularity: 'day'): TimeSeriesResult | Promise<TimeSeriesResult>;
  breakdown(filter: DashboardFilter, by: BreakdownDimension): BreakdownResult | Promise<BreakdownResult>;
}

/** Prints the summary; the same output for the local store and the team database. */
async function printSummary(
  queries: SummaryQueries,
  request: SummaryRequest,
  source: Record<string, unknown>,
  io: CommandIo,
): Promise<number> {
  const { filter, format, by, timeZone } = request;
  const tiles = await queries.tiles(filter);
  if (format === 'csv') {
    if (by === undefined) io.stdout(tilesToCsv(tiles.tiles));
    else if (by === 'day') io.stdout(timeSeriesToCsv(await queries.timeSeries(filter, 'day')));
    else io.stdout(breakdownToCsv(await queries.breakdown(filter, by)));
    return 0;
  }
  const output: Record<string, unknown> = {
    ...source,
    timeZone,
    from: new Date(filter.from).toISOString(),
    to: new Date(filter.to).toISOString(),
    previousFrom: new Date(tiles.previousPeriod.from).toISOString(),
    tiles: tilesToRecord(tiles.tiles),
  };
  if (by === 'day') output.days = (await queries.timeSeries(filter, 'day')).points;
  else if (by !== undefined) output.breakdown = await queries.breakdown(filter, by);
  io.stdout(JSON.stringify(output, null, 2) + '\n');
  return 0;
}

/** The team database's connection setting and password, from the options and the environment. */
function teamSettings(values: Record<string, string | undefined>, io: CommandIo): TeamDatabaseSettings {
  const connectionString = str(values['team-db']) ?? io.env?.AEGIS_TEAM_DB;
  if (connectionString === undefined || connectionString === '') {
    throw new UsageError(
      'No team database: pass --team-db postgres://user@host/database or set AEGIS_TEAM_DB.',
    );
  }
  const password = io.env?.AEGIS_TEAM_PASSWORD;
  return { connectionString, ...(password === undefined || password === '' ? {} : { password }) };
}

async function teamSummary(args: string[], io: CommandIo): Promise<number> {
  const values = parse(args, [...SUMMARY_OPTIONS, 'team-db', 'team-name']);
  const settings = teamSettings(values, io);
  const team = str(values['team-name']) ?? io.env?.AEGIS_TEAM_NAME;
  if (team === undefined || team.trim() === '') {
    throw new UsageError('No team: pass --team-name NAME or set AEGIS_TEAM_NAME.');
  }
  const request = summaryRequest(values, io);
  const client = await connectTeamDatabase(settings);
  try {
    const queries = new TeamQueries(postgresExecutor(client, team), await loadTeamAccess(client));
    return await printSummary(
      queries,
      request,
      { teamDatabase: teamDatabaseLabel(settings.connectionString), team },
      io,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function teamMigrate(args: string[], io: CommandIo): Promise<number> {
  const values = parse(args, ['team-db']);
  const settings = teamSettings(values, io);
  const client = await connectTeamDatabase(settings);
  try {
    const { from, to } = await migrateTeamDatabase(client);
    io.stdout(
      JSON.stringify({
        teamDatabase: teamDatabaseLabel(settings.connectionString),
        fromVersion: from,
        toVersion: to,
      }) + '\n',
    );
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function summary(args: string[], io: CommandIo): Promise<number> {
  const values = parse(args, ['db', ...SUMMARY_OPTIONS]);
  const db = str(values.db) ?? io.env?.AEGIS_METRICS_DB;
  if (db === undefined) throw new UsageError('No database: pass --db FILE or set AEGIS_METRICS_DB.');
  if (!existsSync(db)) throw new Error(`No metrics database at ${db}.`);
  const request = summaryRequest(values, io);
  const { store, notices } = MetricsStore.open({
    path: db,
    ...(io.nativeBinding ? { nativeBinding: io.nativeBinding } : {}),
  });
  try {
    for (const notice of notices) io.stderr(`aegis metrics: ${notice.message}\n`);
    const queries = new DashboardQueries(store.db);
    const demo = store.getMeta('demo') === '1';
    return await printSummary(queries, request, { database: db, demo }, io);
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
