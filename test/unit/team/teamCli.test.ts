// `aegis metrics summary --team` and `aegis metrics team-migrate` as child processes against a real
// PostgreSQL server: the figures the team queries give, the password from the environment, the owner's
// migration of a new database, and the messages for a wrong password or a missing team.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateDemoEvents } from '../../../src/dashboard/demoSeeder';
import type { MetricEvent } from '../../../src/dashboard/metricEvents';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { TEAM_SCHEMA_VERSION } from '../../../src/dashboard/teamSchema';
import { TeamSync } from '../../../src/dashboard/teamSync';
import { asSuperuser, createTeamDatabase, postgresInstalled, startCluster } from './testPostgres';
import type { TeamTestDatabase, TestCluster } from './testPostgres';

const MAIN = resolve(__dirname, '../../../src/cli/main.ts');
const END = Date.UTC(2025, 2, 14);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function aegis(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--require', 'tsx/cjs', MAIN, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

describe('aegis metrics --team (real PostgreSQL, child processes)', function () {
  this.timeout(180_000);
  let cluster: TestCluster | undefined;
  let db: TeamTestDatabase;
  let temp: string;
  let events: MetricEvent[];

  before(async function () {
    if (!postgresInstalled()) {
      console.log('    (skipped: PostgreSQL server binaries are not installed)');
      this.skip();
    }
    cluster = startCluster();
    temp = mkdtempSync(join(tmpdir(), 'aegis-team-cli-'));
    db = await createTeamDatabase(cluster);
    events = [];
    for (const event of generateDemoEvents({
      days: 3,
      developers: 2,
      endMs: END,
      seed: 3,
      cyclesPerDay: 30,
    })) {
      const { demo: _demo, ...real } = event;
      events.push(real);
    }
    let writer = 0;
    for (const developer of ['demo-dev-01', 'demo-dev-02']) {
      writer += 1;
      const { store } = MetricsStore.open({ path: join(temp, `${developer}.sqlite`) });
      store.writeBatch(events.filter((e) => e.developerId === developer));
      await new TeamSync({
        store,
        settings: { connectionString: db.urlFor(`writer${writer}`), password: db.password },
        team: 'payments',
      }).sync();
      store.close();
    }
  });

  after(() => {
    cluster?.remove();
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
  });

  const range = ['--from', '2025-03-11', '--to', '2025-03-13', '--tz', 'UTC'];

  it('prints the team figures with the password from AEGIS_TEAM_PASSWORD', async () => {
    const run = await aegis(
      ['metrics', 'summary', '--team', '--team-name', 'payments', ...range, '--by', 'developer'],
      {
        AEGIS_TEAM_DB: db.urlFor('lead'),
        AEGIS_TEAM_PASSWORD: db.password,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const output = JSON.parse(run.stdout) as {
      team: string;
      teamDatabase: string;
      tiles: Record<string, { value: number | null }>;
      breakdown: { rows: unknown[]; withheld?: { developers: number } };
    };
    assert.equal(output.team, 'payments');
    assert.doesNotMatch(run.stdout, new RegExp(db.password));
    const requests = events.filter(
      (e) => e.kind === 'modelRequest' && e.startedAt >= Date.UTC(2025, 2, 11) && e.startedAt < END,
    ).length;
    assert.ok(requests > 0);
    assert.equal(output.tiles.requests.value, requests);
    // Two developers are fewer than the default minimum group of five.
    assert.deepEqual(output.breakdown.rows, []);
    assert.equal(output.breakdown.withheld?.developers, 2);
  });

  it('writes CSV, and another team name sees nothing', async () => {
    const csv = await aegis(
      ['metrics', 'summary', '--team', '--team-db', db.urlFor('reader'), '--format', 'csv', ...range],
      { AEGIS_TEAM_PASSWORD: db.password, AEGIS_TEAM_NAME: 'checkout' },
    );
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /^metric,/m);
    assert.match(csv.stdout, /^requests,0,/m);
  });

  it('refuses a developer filter for a non-lead, a wrong password and a missing team clearly', async () => {
    const filter = await aegis(
      ['metrics', 'summary', '--team', '--team-name', 'payments', '--developer', 'demo-dev-01', ...range],
      { AEGIS_TEAM_DB: db.urlFor('reader'), AEGIS_TEAM_PASSWORD: db.password },
    );
    assert.equal(filter.code, 1);
    assert.match(filter.stderr, /Only team leads/);
    const wrong = await aegis(['metrics', 'summary', '--team', '--team-name', 'payments', ...range], {
      AEGIS_TEAM_DB: db.urlFor('reader'),
      AEGIS_TEAM_PASSWORD: 'nope',
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /refused the login/);
    const noTeam = await aegis(['metrics', 'summary', '--team', ...range], {
      AEGIS_TEAM_DB: db.urlFor('reader'),
    });
    assert.equal(noTeam.code, 2);
    assert.match(noTeam.stderr, /--team-name/);
    const withPassword = await aegis(
      ['metrics', 'team-migrate', '--team-db', 'postgres://a:secret@h/db'],
      {},
    );
    assert.equal(withPassword.code, 2);
    assert.match(withPassword.stderr, /contains a password/);
  });

  it('migrates a new database as its owner, and running it again changes nothing', async () => {
    const c = cluster as TestCluster;
    const name = `fresh_${process.pid}`;
    await asSuperuser(c.url, (client) => client.query(`CREATE DATABASE ${name} OWNER aegis_team_owner`));
    await asSuperuser(c.url, (client) => client.query('ALTER SCHEMA public OWNER TO aegis_team_owner'), name);
    const url = db.urlFor('aegis_team_owner').replace(`/${db.name}`, `/${name}`);
    const first = await aegis(['metrics', 'team-migrate', '--team-db', url], {
      AEGIS_TEAM_PASSWORD: db.password,
    });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), {
      teamDatabase: new URL(url).host + `/${name}`,
      fromVersion: 0,
      toVersion: TEAM_SCHEMA_VERSION,
    });
    const again = await aegis(['metrics', 'team-migrate'], {
      AEGIS_TEAM_DB: url,
      AEGIS_TEAM_PASSWORD: db.password,
    });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { fromVersion: number }).fromVersion, TEAM_SCHEMA_VERSION);
    const tables = await asSuperuser(
      c.url,
      async (client) =>
        (
          await client.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'team_rollup_1d'",
          )
        ).rows[0].n,
      name,
    );
    assert.equal(tables, '1');
  });
});
