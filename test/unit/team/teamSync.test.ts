// The team database against a real PostgreSQL 15 server started by scripts/postgres-test-server.sh: sync
// from three developers with exact counts, a server stopped mid-sync, wrong password and unreachable server,
// role privileges, the minimum group size, and the same figures from both engines.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
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
import {
  loadTeamAccess,
  postgresExecutor,
  sqliteExecutor,
  TeamAccessError,
  TeamQueries,
} from '../../../src/dashboard/teamQueries';
import { TEAM_SCHEMA_VERSION } from '../../../src/dashboard/teamSchema';
import { TeamSync } from '../../../src/dashboard/teamSync';
import { assertSameFigures } from './sameFigures';
import { asSuperuser, createTeamDatabase, postgresInstalled, startCluster } from './testPostgres';
import type { TeamTestDatabase, TestCluster } from './testPostgres';

const DAY_MS = 86_400_000;
const END = Date.UTC(2025, 2, 14); // a Friday
const FROM = END - 5 * DAY_MS;

/** A few thousand events from three developers, without the demo flag (real-looking data). */
function threeDevelopersEvents(): MetricEvent[] {
  const events: MetricEvent[] = [];
  for (const event of generateDemoEvents({ days: 5, developers: 3, endMs: END, seed: 7, cyclesPerDay: 60 })) {
    const { demo: _demo, ...real } = event;
    events.push(real);
  }
  return events;
}

function countByDeveloper(events: readonly MetricEvent[]): Map<string, MetricEvent[]> {
  const out = new Map<string, MetricEvent[]>();
  for (const event of events) {
    const list = out.get(event.developerId) ?? [];
    list.push(event);
    out.set(event.developerId, list);
  }
  return out;
}

describe('team database (real PostgreSQL)', function () {
  this.timeout(180_000);
  let cluster: TestCluster | undefined;
  let temp: string;
  const opened: MetricsStore[] = [];

  before(function () {
    if (!postgresInstalled()) {
      console.log('    (skipped: PostgreSQL server binaries are not installed; apt-get install postgresql)');
      this.skip();
    }
    cluster = startCluster();
    temp = mkdtempSync(join(tmpdir(), 'aegis-team-'));
  });

  after(() => {
    for (const store of opened) store.close();
    cluster?.remove();
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
  });

  function localStore(name: string, events: readonly MetricEvent[]): MetricsStore {
    const { store } = MetricsStore.open({ path: join(temp, `${name}-${opened.length}.sqlite`) });
    opened.push(store);
    for (let i = 0; i < events.length; i += 1000) store.writeBatch(events.slice(i, i + 1000));
    return store;
  }

  async function superCount(db: TeamTestDatabase, sql: string): Promise<number> {
    const c = cluster as TestCluster;
    return asSuperuser(
      c.url,
      async (client) => Number((await client.query<{ n: string }>(sql)).rows[0].n),
      db.name,
    );
  }

  async function syncAll(
    db: TeamTestDatabase,
    events: readonly MetricEvent[],
  ): Promise<Map<string, MetricsStore>> {
    const stores = new Map<string, MetricsStore>();
    let writer = 0;
    for (const [developer, own] of countByDeveloper(events)) {
      writer += 1;
      const store = localStore(developer, own);
      stores.set(developer, store);
      const sync = new TeamSync({
        store,
        settings: { connectionString: db.urlFor(`writer${writer}`), password: db.password },
        team: 'payments',
        batchSize: 500,
      });
      const result = await sync.sync();
      assert.equal(result.pending, 0);
    }
    return stores;
  }

  it('syncs three developers exactly, and the team view shows the figures the local dashboard shows', async () => {
    const db = await createTeamDatabase(cluster as TestCluster);
    const events = threeDevelopersEvents();
    assert.ok(events.length > 2000, `only ${events.length} events`);
    await syncAll(db, events);
    const reference = localStore('all', events);
    const localRows = [
      'model_requests',
      'suggestion_events',
      'retention_checks',
      'chars_added',
      'interactions',
      'guard_decisions',
    ]
      .map((t) => (reference.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n)
      .reduce((a, b) => a + b, 0);
    assert.equal(await superCount(db, 'SELECT COUNT(*) AS n FROM team_events'), localRows);
    assert.equal(await superCount(db, 'SELECT COUNT(DISTINCT developer_id) AS n FROM team_events'), 3);
    // Events went to their month's partition, not the default one.
    assert.equal(await superCount(db, 'SELECT COUNT(*) AS n FROM team_events_default'), 0);

    const reader = await connectTeamDatabase({ connectionString: db.urlFor('lead'), password: db.password });
    try {
      const team = new TeamQueries(postgresExecutor(reader, 'payments'), await loadTeamAccess(reader));
      const local = new DashboardQueries(reference.db);
      const viaExecutor = new TeamQueries(sqliteExecutor(reference.db));
      for (const filter of [
        { from: FROM, to: END, timeZone: 'Europe/Berlin' },
        {
          from: FROM,
          to: END,
          timeZone: '+05:30',
          languages: ['typescript', 'python'],
          features: ['completion'],
        },
        { from: FROM + DAY_MS / 4, to: END - DAY_MS / 8, timeZone: 'UTC', models: ['starcoder2-3b'] },
      ] satisfies DashboardFilter[]) {
        const expected = local.tiles(filter);
        assertSameFigures(await team.tiles(filter), expected);
        // The local store has no histograms: through the same executor code its latencies are exact.
        assert.deepEqual(await viaExecutor.tiles(filter), expected);
        assertSameFigures(await team.timeSeries(filter), local.timeSeries(filter));
        for (const by of ['language', 'feature', 'model'] as const) {
          assertSameFigures(await team.breakdown(filter, by), local.breakdown(filter, by));
        }
        // A lead's developer filter reads the developer-level tables: exact latencies there too.
        const one = { ...filter, developers: ['demo-dev-02'] };
        assert.deepEqual(await team.tiles(one), local.tiles(one));
        assert.deepEqual(await team.breakdown(one, 'language'), local.breakdown(one, 'language'));
        assert.deepEqual(await team.guardBreakdown(filter), local.guardBreakdown(filter));
      }
      const shown = (await team.tiles({ from: FROM, to: END, timeZone: 'UTC' })).tiles.find(
        (t) => t.id === 'shown',
      );
      assert.ok((shown?.value ?? 0) > 100);
      assert.deepEqual(await team.filterValues(), local.filterValues());
    } finally {
      await reader.end();
    }
  });

  it('sends nothing twice: a repeated sync and a lost cursor store no new rows', async () => {
    const db = await createTeamDatabase(cluster as TestCluster);
    const events = threeDevelopersEvents().filter((e) => e.developerId === 'demo-dev-01');
    const store = localStore('again', events);
    const settings = { connectionString: db.urlFor('writer1'), password: db.password };
    const sync = new TeamSync({ store, settings, team: 'payments', batchSize: 300 });
    const first = await sync.sync();
    assert.equal(first.stored, first.sent);
    const total = await superCount(db, 'SELECT COUNT(*) AS n FROM team_events');
    const shown = await superCount(db, 'SELECT SUM(shown) AS n FROM rollup_1d');
    assert.deepEqual(await sync.sync(), { sent: 0, stored: 0, batches: 0, pending: 0 });
    // As if the machine crashed after the server committed but before the cursor was saved.
    for (const table of ['model_requests', 'suggestion_events', 'chars_added'])
      store.setMeta(`team_cursor.${table}`, '0');
    const again = await sync.sync();
    assert.ok(again.sent > 0);
    assert.equal(again.stored, 0);
    assert.equal(await superCount(db, 'SELECT COUNT(*) AS n FROM team_events'), total);
    assert.equal(await superCount(db, 'SELECT SUM(shown) AS n FROM rollup_1d'), shown);
    // Migrating again changes nothing.
    const owner = await connectTeamDatabase({
      connectionString: db.urlFor('aegis_team_owner'),
      password: db.password,
    });
    try {
      assert.deepEqual(await migrateTeamDatabase(owner), {
        from: TEAM_SCHEMA_VERSION,
        to: TEAM_SCHEMA_VERSION,
      });
    } finally {
      await owner.end();
    }
  });

  it('loses nothing and counts nothing twice when the server stops mid-sync and comes back', async () => {
    const c = cluster as TestCluster;
    const db = await createTeamDatabase(c);
    const events = threeDevelopersEvents().filter((e) => e.developerId === 'demo-dev-02');
    const store = localStore('stop', events);
    let stopped = false;
    const sync = new TeamSync({
      store,
      settings: { connectionString: db.urlFor('writer2'), password: db.password, connectTimeoutMs: 3000 },
      team: 'payments',
      batchSize: 200,
      onBatch: (sent) => {
        if (sent >= 400 && !stopped) {
          stopped = true;
          c.stop();
        }
      },
    });
    const pendingBefore = sync.pending();
    await assert.rejects(sync.sync(), (error: unknown) => {
      assert.ok(error instanceof TeamDatabaseError);
      assert.equal(error.kind, 'unreachable');
      assert.match(error.message, /cannot be reached.*stay on this machine/s);
      return true;
    });
    const waiting = sync.pending();
    assert.equal(waiting, pendingBefore - 400);
    assert.match(sync.status().lastError ?? '', /cannot be reached/);
    // While the server is down, later syncs fail the same way and keep everything.
    await assert.rejects(sync.sync(), TeamDatabaseError);
    assert.equal(sync.pending(), waiting);
    c.start();
    const result = await sync.sync();
    assert.equal(result.pending, 0);
    assert.equal(result.sent, waiting);
    assert.equal(await superCount(db, 'SELECT COUNT(*) AS n FROM team_events'), pendingBefore);
    const requests = events.filter((e) => e.kind === 'modelRequest').length;
    assert.equal(await superCount(db, 'SELECT SUM(requests) AS n FROM rollup_15m'), requests);
    assert.equal(await superCount(db, 'SELECT SUM(n) AS n FROM request_samples_1d'), requests);
    assert.equal(sync.status().lastError, '');
  });

  it('says clearly when the password is wrong or the server cannot be reached, and keeps every event', async () => {
    const db = await createTeamDatabase(cluster as TestCluster);
    const events = threeDevelopersEvents().slice(0, 300);
    const store = localStore('refused', events);
    const wrong = new TeamSync({
      store,
      settings: { connectionString: db.urlFor('writer1'), password: 'not-the-password' },
      team: 'payments',
    });
    const pending = wrong.pending();
    assert.equal(pending, 300);
    await assert.rejects(wrong.sync(), (error: unknown) => {
      assert.ok(error instanceof TeamDatabaseError);
      assert.equal(error.kind, 'authentication');
      assert.match(error.message, /refused the login/);
      assert.match(error.message, /Set Team Database Password/);
      assert.doesNotMatch(error.message, /not-the-password/);
      return true;
    });
    assert.equal(wrong.pending(), pending);

    const closed = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const unreachable = new TeamSync({
      store,
      settings: { connectionString: `postgres://writer1@127.0.0.1:${closed}/team`, password: db.password },
      team: 'payments',
    });
    await assert.rejects(unreachable.sync(), (error: unknown) => {
      assert.ok(error instanceof TeamDatabaseError);
      assert.equal(error.kind, 'unreachable');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${closed}/team cannot be reached`));
      return true;
    });
    assert.equal(unreachable.pending(), pending);
    assert.equal(await superCount(db, 'SELECT COUNT(*) AS n FROM team_events'), 0);
  });

  it('lets writers only insert events and readers only read', async () => {
    const db = await createTeamDatabase(cluster as TestCluster);
    await syncAll(db, threeDevelopersEvents().slice(0, 500));
    const writer = await connectTeamDatabase({
      connectionString: db.urlFor('writer1'),
      password: db.password,
    });
    const reader = await connectTeamDatabase({
      connectionString: db.urlFor('reader'),
      password: db.password,
    });
    try {
      for (const sql of [
        'SELECT * FROM team_events LIMIT 1',
        'SELECT * FROM rollup_1d LIMIT 1',
        'DELETE FROM team_events',
        'UPDATE team_events SET chars = 0',
        'TRUNCATE team_events',
        'DELETE FROM rollup_1d',
        'UPDATE rollup_1d SET shown = 0',
      ]) {
        await assert.rejects(writer.query(sql), { code: '42501' }, `writer: ${sql}`);
      }
      for (const sql of [
        "INSERT INTO team_events (event_id, ts, team, developer_id, kind, counted_at) VALUES ('x', 1, 't', 'd', 'interaction', 1)",
        'DELETE FROM rollup_1d',
        'UPDATE rollup_15m SET shown = 0',
        'SELECT * FROM team_events LIMIT 1',
        "INSERT INTO team_leads VALUES ('reader')",
        "UPDATE team_settings SET value = '1'",
      ]) {
        await assert.rejects(reader.query(sql), { code: '42501' }, `reader: ${sql}`);
      }
      const rows = await reader.query<{ n: string }>('SELECT SUM(requests) AS n FROM rollup_1d');
      assert.ok(Number(rows.rows[0].n) > 0);
    } finally {
      await writer.end();
      await reader.end();
    }
    assert.equal(await superCount(db, 'SELECT COUNT(*) AS n FROM team_events'), 500);
  });

  it('shows per-developer rows only for groups of at least the minimum size, and the developer filter only to leads', async () => {
    const db = await createTeamDatabase(cluster as TestCluster);
    await syncAll(db, threeDevelopersEvents());
    const filter: DashboardFilter = { from: FROM, to: END, timeZone: 'UTC' };
    const reader = await connectTeamDatabase({
      connectionString: db.urlFor('reader'),
      password: db.password,
    });
    const lead = await connectTeamDatabase({ connectionString: db.urlFor('lead'), password: db.password });
    try {
      const readerAccess = await loadTeamAccess(reader);
      assert.deepEqual(readerAccess, { isLead: false, minGroupSize: 5 });
      const asReader = new TeamQueries(postgresExecutor(reader, 'payments'), readerAccess);
      const hidden = await asReader.breakdown(filter, 'developer');
      assert.deepEqual(hidden.rows, []);
      assert.equal(hidden.withheld?.developers, 3);
      assert.match(hidden.withheld?.message ?? '', /at least 5 developers/);
      assert.equal((await asReader.breakdown(filter, 'language')).rows.length > 1, true);
      assert.deepEqual((await asReader.filterValues()).developers, []);
      await assert.rejects(asReader.tiles({ ...filter, developers: ['demo-dev-01'] }), TeamAccessError);

      const leadAccess = await loadTeamAccess(lead);
      assert.equal(leadAccess.isLead, true);
      const asLead = new TeamQueries(postgresExecutor(lead, 'payments'), leadAccess);
      assert.deepEqual((await asLead.filterValues()).developers, [
        'demo-dev-01',
        'demo-dev-02',
        'demo-dev-03',
      ]);
      const one = await asLead.tiles({ ...filter, developers: ['demo-dev-01'] });
      assert.equal(one.tiles.find((t) => t.id === 'activeDevelopers')?.value, 1);
      assert.deepEqual((await asLead.breakdown(filter, 'developer')).rows, []);

      await asSuperuser(
        (cluster as TestCluster).url,
        (client) => client.query("UPDATE team_settings SET value = '3'"),
        db.name,
      );
      const smaller = new TeamQueries(postgresExecutor(reader, 'payments'), await loadTeamAccess(reader));
      const shown = await smaller.breakdown(filter, 'developer');
      assert.equal(shown.withheld, undefined);
      assert.deepEqual(shown.rows.map((r) => r.key).sort(), ['demo-dev-01', 'demo-dev-02', 'demo-dev-03']);
      // Another team's name sees nothing of this team.
      const other = new TeamQueries(postgresExecutor(reader, 'checkout'), await loadTeamAccess(reader));
      assert.equal((await other.tiles(filter)).tiles.find((t) => t.id === 'requests')?.value, 0);
    } finally {
      await reader.end();
      await lead.end();
    }
  });
});
