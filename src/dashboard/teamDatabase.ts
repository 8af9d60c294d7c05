// Connecting to the team database: the setting (a connection string without the password) plus the password
// from SecretStorage, errors translated into messages a developer can act on, and the migration runner.
import { Client } from 'pg';
import type { ClientConfig } from 'pg';
import {
  TEAM_MIGRATIONS,
  TEAM_READER_ROLE,
  TEAM_SCHEMA_VERSION,
  TEAM_WRITER_ROLE,
  teamGrantsSql,
} from './teamSchema';

export interface TeamDatabaseSettings {
  /** `aegis.team.database`: postgres://user@host:port/db?sslmode=..., without a password. */
  connectionString: string;
  /** From SecretStorage; undefined when none was set (the server may still accept, e.g. trust or cert). */
  password?: string;
  /** How long to wait for a connection before calling the server unreachable. */
  connectTimeoutMs?: number;
}

export type TeamErrorKind =
  'settings' | 'unreachable' | 'authentication' | 'noDatabase' | 'permission' | 'schema' | 'other';

/** A failure talking to the team database, with a message fit for the developer. Local events are never
 * touched by a failed sync; the message says so where it matters. */
export class TeamDatabaseError extends Error {
  constructor(
    readonly kind: TeamErrorKind,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'TeamDatabaseError';
  }
}

const KEPT_LOCALLY =
  'Your metrics stay on this machine and will be sent when the team database can be reached.';

/** Checks the setting; a password inside it is refused so that it never sits in settings.json. */
export function parseTeamConnectionString(value: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new TeamDatabaseError(
      'settings',
      `aegis.team.database is not a connection string (expected postgres://user@host:5432/database).`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new TeamDatabaseError(
      'settings',
      `aegis.team.database must start with postgres://, not ${url.protocol}//`,
    );
  }
  if (url.password !== '') {
    throw new TeamDatabaseError(
      'settings',
      'aegis.team.database contains a password. Remove it from the setting and run "Aegis: Set Team Database Password", which keeps it in the secret store.',
    );
  }
  if (url.username === '') {
    throw new TeamDatabaseError(
      'settings',
      'aegis.team.database names no user (postgres://user@host/database).',
    );
  }
  return url;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Translates a driver or server error into a TeamDatabaseError. */
export function describeTeamError(error: unknown, where: string): TeamDatabaseError {
  if (error instanceof TeamDatabaseError) return error;
  const code = errorCode(error);
  const text = error instanceof Error ? error.message : String(error);
  if (code === '28P01' || code === '28000') {
    return new TeamDatabaseError(
      'authentication',
      `The team database at ${where} refused the login (${text}). Check the user in aegis.team.database and set the password again with "Aegis: Set Team Database Password". ${KEPT_LOCALLY}`,
      error,
    );
  }
  if (code === '3D000') {
    return new TeamDatabaseError(
      'noDatabase',
      `The team database at ${where} does not exist (${text}).`,
      error,
    );
  }
  if (code === '42501') {
    return new TeamDatabaseError(
      'permission',
      `The team database at ${where} refused the operation: ${text}. Ask its administrator to grant your user the ${TEAM_WRITER_ROLE} role (to send) or ${TEAM_READER_ROLE} (to read).`,
      error,
    );
  }
  if (code === '42P01' || code === '42883') {
    return new TeamDatabaseError(
      'schema',
      `The team database at ${where} has not been set up (${text}). Its administrator runs the setup described in docs/team-database.md.`,
      error,
    );
  }
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'ETIMEDOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === '57P01' || // admin shutdown
    code === '57P03' || // cannot connect now (starting up or shutting down)
    /timeout|Connection terminated|connect ECONN/i.test(text)
  ) {
    return new TeamDatabaseError(
      'unreachable',
      `The team database at ${where} cannot be reached (${text}). ${KEPT_LOCALLY}`,
      error,
    );
  }
  return new TeamDatabaseError('other', `The team database at ${where} failed: ${text}`, error);
}

/** Where the database is, for messages (never includes a password). */
export function teamDatabaseLabel(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}${url.port === '' ? '' : `:${url.port}`}${url.pathname}`;
  } catch {
    return 'the configured address';
  }
}

export function clientConfig(settings: TeamDatabaseSettings): ClientConfig {
  const url = parseTeamConnectionString(settings.connectionString);
  // node-postgres lets fields parsed from the connection string override separate ones (an absent password
  // included), so the password goes into the in-memory URL; it is never written anywhere.
  if (settings.password !== undefined) url.password = settings.password;
  return {
    connectionString: url.toString(),
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 10_000,
    application_name: 'aegis-code-assistant',
  };
}

/** Opens one connection; throws TeamDatabaseError with a clear message when it cannot. */
export async function connectTeamDatabase(settings: TeamDatabaseSettings): Promise<Client> {
  const client = new Client(clientConfig(settings));
  // An idle connection the server drops would otherwise surface as an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw describeTeamError(error, teamDatabaseLabel(settings.connectionString));
  }
}

/** Applies the missing migrations in one transaction under an advisory lock (two administrators running it
 * at once is safe), then (re)grants the two roles' privileges when those roles exist. Runs as the owner of
 * the schema. Returns the version before and after. `target` stops at an older version (tests of an
 * upgrade start from one). */
export async function migrateTeamDatabase(
  client: Client,
  target: number = TEAM_SCHEMA_VERSION,
): Promise<{ from: number; to: number }> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(424242001)');
    await client.query('CREATE TABLE IF NOT EXISTS team_schema_version (version integer NOT NULL)');
    const rows = (await client.query<{ version: number }>('SELECT version FROM team_schema_version')).rows;
    const from = rows.length === 0 ? 0 : rows[0].version;
    const to = Math.max(from, Math.min(target, TEAM_SCHEMA_VERSION));
    if (from > TEAM_SCHEMA_VERSION) {
      throw new TeamDatabaseError(
        'schema',
        `The team database has schema version ${from}; this Aegis understands up to ${TEAM_SCHEMA_VERSION}. Update Aegis.`,
      );
    }
    // Writers wait until the upgrade commits: a batch inserted meanwhile would run the old trigger after
    // the new tables were backfilled, and be missing from them for good.
    if (from > 0 && from < to) await client.query('LOCK TABLE team_events IN SHARE ROW EXCLUSIVE MODE');
    for (let version = from; version < to; version += 1) {
      await client.query(TEAM_MIGRATIONS[version]);
    }
    if (rows.length === 0) await client.query('INSERT INTO team_schema_version VALUES ($1)', [to]);
    else await client.query('UPDATE team_schema_version SET version = $1', [to]);
    const roles = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_roles WHERE rolname = ANY($1)',
      [[TEAM_WRITER_ROLE, TEAM_READER_ROLE]],
    );
    if (Number(roles.rows[0].n) === 2) await client.query(teamGrantsSql(to));
    const now = Date.now();
    // A year back (for late imports) and a year ahead; the sync extends this as months pass.
    await client.query('SELECT aegis_team_ensure_partitions($1, $2)', [
      now - 366 * 86_400_000,
      now + 366 * 86_400_000,
    ]);
    await client.query('COMMIT');
    return { from, to };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
