// Upgrading a team database that already holds events: a database at the previous schema version takes the
// first days of three developers, is migrated by the runner, takes the rest through the new insert trigger,
// and then shows the figures the local dashboard shows for all the events.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardQueries } from '../../../src/dashboard/dashboardQueries';
import type { DashboardFilter } from '../../../src/dashboard/dashboardQueries';
import { generateDemoEvents } from '../../../src/dashboard/demoSeeder';
import type { MetricEvent } from '../../../src/dashboard/metricEvents';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import {
  connectTeamDatabase,
  migrateTeamDatabase,
  TeamDatabaseError,
} from '../../../src/dashboard/teamDatabase';
import { loadTeamAccess, postgresExecutor, TeamQueries } from '../../../src/dashboard/teamQueries';
import { TEAM_SCHEMA_VERSION } from '../../../src/dashboard/teamSchema';
import { TeamSync } from '../../../src/dashboard/teamSync';
import { assertSameFigures } from './sameFigures';
import { asSuperuser, createTeamDatabase, postgresInstalled, startCluster } from './testPostgres';
import type { TestCluster } from './testPostgres';

const DAY_MS = 86_400_000;
const END = Date.UTC(2025, 4, 9); // a Friday
const FROM = END - 5 * DAY_MS;
const CUT = END - 2 * DAY_MS;

function events(): MetricEvent[] {
  const out: MetricEvent[] = [];
  for (const event of generateDemoEvents({
    days: 5,
    developers: 3,
    endMs: END,
    seed: 21,
    cyclesPerDay: 40,
  })) {
    const { demo: _demo, ...real } = event;
    out.push(real);
  }
  return out;
}

describe('team database schema upgrade (real PostgreSQL)', function () {
  this.timeout(180_000);
  let cluster: TestCluster | undefined;
  let temp: string;
  const stores: MetricsStore[] = [];

  before(function () {
    if (!postgresInstalled()) {
      console.log('    (skipped: PostgreSQL server binaries are not installed; apt-get install postgresql)');
      this.skip();
    }
    cluster = startCluster();
    temp = mkdtempSync(join(tmpdir(), 'aegis-team-migration-'));
  });

  after(() => {
    for (const store of stores) store.close();
    cluster?.remove();
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
  });

  function openStore(name: string): MetricsStore {
    const { store } = MetricsStore.open({ path: join(temp, `${name}.sqlite`) });
    stores.push(store);
    return store;
  }

  it('tells a reader of an older schema that the database needs the upgrade, until it has it', async () => {
    const c = cluster as TestCluster;
    const db = await createTeamDatabase(c, TEAM_SCHEMA_VERSION - 1);
    const reader = await connectTeamDatabase({ connectionString: db.urlFor('lead'), password: db.password });
    try {
      await assert.rejects(loadTeamAccess(reader), (error: unknown) => {
        assert.ok(error instanceof TeamDatabaseError);
        assert.equal(error.kind, 'schema');
        assert.match(error.message, /schema version \d+; this Aegis reads version \d+/);
        assert.match(error.message, /team-migrate/);
        return true;
      });
      const owner = await connectTeamDatabase({
        connectionString: db.urlFor('aegis_team_owner'),
        password: db.password,
      });
      try {
        await migrateTeamDatabase(owner);
      } finally {
        await owner.end();
      }
      assert.equal((await loadTeamAccess(reader)).isLead, true);
    } finally {
      await reader.end();
    }
  });

  it('keeps every figure exact across the upgrade from the previous version', async () => {
    const c = cluster as TestCluster;
    const previous = TEAM_SCHEMA_VERSION - 1;
    const db = await createTeamDatabase(c, previous);
    const all = events();
    const developers = [...new Set(all.map((e) => e.developerId))].sort();
    assert.equal(developers.length, 3);
    const syncs = developers.map((developer, i) => {
      const store = openStore(developer);
      return {
        store,
        own: all.filter((e) => e.developerId === developer),
        sync: new TeamSync({
          store,
          settings: { connectionString: db.urlFor(`writer${i + 1}`), password: db.password },
          team: 'payments',
          batchSize: 400,
        }),
      };
    });
    const sendAll = async (keep: (e: MetricEvent) => boolean): Promise<number> => {
      let stored = 0;
      for (const { store, own, sync } of syncs) {
        const part = own.filter(keep);
        for (let i = 0; i < part.length; i += 1000) store.writeBatch(part.slice(i, i + 1000));
        stored += (await sync.sync()).stored;
      }
      return stored;
    };
    const before = await sendAll((e) => e.ts < CUT);
    assert.ok(before > 500, `only ${before} events before the upgrade`);

    // An owner may detach or drop old months of raw events: the upgrade backfills from what the rollups keep.
    await asSuperuser(c.url, (client) => client.query('TRUNCATE team_events'), db.name);
    const owner = await connectTeamDatabase({
      connectionString: db.urlFor('aegis_team_owner'),
      password: db.password,
    });
    try {
      assert.deepEqual(await migrateTeamDatabase(owner), { from: previous, to: TEAM_SCHEMA_VERSION });
    } finally {
      await owner.end();
    }
    const after = await sendAll((e) => e.ts >= CUT);
    assert.ok(after > 500, `only ${after} events after the upgrade`);
    const stored = await asSuperuser(
      c.url,
      async (client) =>
        Number((await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM team_events')).rows[0].n),
      db.name,
    );
    assert.equal(stored, after);

    const reference = openStore('reference');
    for (let i = 0; i < all.length; i += 1000) reference.writeBatch(all.slice(i, i + 1000));
    const local = new DashboardQueries(reference.db);
    const reader = await connectTeamDatabase({ connectionString: db.urlFor('lead'), password: db.password });
    try {
      assert.equal((await loadTeamAccess(reader)).isLead, true);
      // Three developers: a group size of one lets the per-developer breakdown be compared too.
      const team = new TeamQueries(postgresExecutor(reader, 'payments'), { isLead: true, minGroupSize: 1 });
      for (const filter of [
        { from: FROM, to: END, timeZone: 'Europe/Berlin' },
        { from: FROM + DAY_MS / 3, to: END - DAY_MS / 8, timeZone: '+05:45', languages: ['python'] },
      ] satisfies DashboardFilter[]) {
        assertSameFigures(await team.tiles(filter), local.tiles(filter));
        assertSameFigures(await team.timeSeries(filter), local.timeSeries(filter));
        for (const by of ['language', 'feature', 'model', 'developer'] as const) {
          assertSameFigures(await team.breakdown(filter, by), local.breakdown(filter, by));
        }
        const one = { ...filter, developers: [developers[1]] };
        assert.deepEqual(await team.tiles(one), local.tiles(one));
        assert.deepEqual(await team.guardBreakdown(filter), local.guardBreakdown(filter));
      }
      assert.deepEqual(await team.filterValues(), local.filterValues());
    } finally {
      await reader.end();
    }
  });
});
