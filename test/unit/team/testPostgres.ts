// Starts a throwaway PostgreSQL cluster through scripts/postgres-test-server.sh for the team tests, and gives
// each test its own database set up the way docs/team-database.md describes (owner, writer and reader roles).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { connectTeamDatabase, migrateTeamDatabase } from '../../../src/dashboard/teamDatabase';
import { TEAM_READER_ROLE, TEAM_WRITER_ROLE } from '../../../src/dashboard/teamSchema';

const SCRIPT = resolve(__dirname, '../../../scripts/postgres-test-server.sh');

/** True when PostgreSQL's server binaries are installed (the tests skip with a message otherwise). */
export function postgresInstalled(): boolean {
  if (process.env.PG_BIN !== undefined && existsSync(join(process.env.PG_BIN, 'initdb'))) return true;
  try {
    return readdirSync('/usr/lib/postgresql').some((v) =>
      existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')),
    );
  } catch {
    return false;
  }
}

export interface TestCluster {
  dir: string;
  /** Superuser connection string. */
  url: string;
  start(): string;
  stop(): void;
  remove(): void;
}

export function startCluster(): TestCluster {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-team-pg-'));
  // As root the cluster runs as the postgres user, who must be able to enter the folder.
  chmodSync(dir, 0o755);
  const start = (): string => execFileSync('bash', [SCRIPT, 'start', dir], { encoding: 'utf8' }).trim();
  const cluster: TestCluster = {
    dir,
    url: start(),
    start,
    stop: () => {
      execFileSync('bash', [SCRIPT, 'stop', dir], { encoding: 'utf8' });
    },
    remove: () => {
      cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

export async function asSuperuser<T>(
  url: string,
  work: (client: Client) => Promise<T>,
  database?: string,
): Promise<T> {
  const target = new URL(url);
  if (database !== undefined) target.pathname = `/${database}`;
  const client = new Client({ connectionString: target.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TeamTestDatabase {
  name: string;
  /** Connection string of a login (no password inside, as the setting holds it). */
  urlFor(user: string): string;
  password: string;
}

let counter = 0;

/** Creates a database owned by a dedicated owner, migrates it (to `schemaVersion`, by default the newest),
 * and logins `writer1..3`, `reader`, `lead`. */
export async function createTeamDatabase(
  cluster: TestCluster,
  schemaVersion?: number,
): Promise<TeamTestDatabase> {
  counter += 1;
  const name = `team_${process.pid}_${counter}`;
  const password = 'test-password-1';
  await asSuperuser(cluster.url, async (client) => {
    const roles = (await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles')).rows.map(
      (r) => r.rolname,
    );
    const ensure = async (role: string, sql: string): Promise<void> => {
      if (!roles.includes(role)) await client.query(sql);
    };
    await ensure('aegis_team_owner', `CREATE ROLE aegis_team_owner LOGIN PASSWORD '${password}'`);
    await ensure(TEAM_WRITER_ROLE, `CREATE ROLE ${TEAM_WRITER_ROLE} NOLOGIN`);
    await ensure(TEAM_READER_ROLE, `CREATE ROLE ${TEAM_READER_ROLE} NOLOGIN`);
    for (const writer of ['writer1', 'writer2', 'writer3']) {
      await ensure(writer, `CREATE ROLE ${writer} LOGIN PASSWORD '${password}' IN ROLE ${TEAM_WRITER_ROLE}`);
    }
    await ensure('reader', `CREATE ROLE reader LOGIN PASSWORD '${password}' IN ROLE ${TEAM_READER_ROLE}`);
    await ensure('lead', `CREATE ROLE lead LOGIN PASSWORD '${password}' IN ROLE ${TEAM_READER_ROLE}`);
    await client.query(`CREATE DATABASE ${name} OWNER aegis_team_owner`);
    await client.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${name} TO ${TEAM_WRITER_ROLE}, ${TEAM_READER_ROLE}`);
  });
  await asSuperuser(
    cluster.url,
    async (client) => {
      // PostgreSQL 15 no longer lets every role create in public; the owner needs the schema.
      await client.query('ALTER SCHEMA public OWNER TO aegis_team_owner');
      await client.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    },
    name,
  );
  const base = new URL(cluster.url);
  const urlFor = (user: string): string => `postgres://${user}@${base.hostname}:${base.port}/${name}`;
  const owner = await connectTeamDatabase({ connectionString: urlFor('aegis_team_owner'), password });
  try {
    await migrateTeamDatabase(owner, schemaVersion);
    await owner.query("INSERT INTO team_leads (login) VALUES ('lead')");
  } finally {
    await owner.end();
  }
  return { name, urlFor, password };
}
