// The time series and the per-developer figures of the team view against the local dashboard: every point of
// a series in a time zone whose days straddle UTC days (each table read once, its rows shared out to the
// points), hourly series, a lead's developer filter and the per-developer breakdown from the developer-day
// table. The same queries run on the local store (exact) and on a real PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardQueries } from '../../../src/dashboard/dashboardQueries';
import type { DashboardFilter } from '../../../src/dashboard/dashboardQueries';
import { generateDemoEvents } from '../../../src/dashboard/demoSeeder';
import type { MetricEvent } from '../../../src/dashboard/metricEvents';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { connectTeamDatabase } from '../../../src/dashboard/teamDatabase';
import { postgresExecutor, sqliteExecutor, TeamQueries } from '../../../src/dashboard/teamQueries';
import { assertSameFigures } from './sameFigures';
import { syncEachDeveloper } from './syncDevelopers';
import { createTeamDatabase, postgresInstalled, startCluster } from './testPostgres';
import type { TestCluster } from './testPostgres';

const DAY_MS = 86_400_000;
const END = Date.UTC(2025, 2, 28); // a Friday; Europe/Berlin moves to summer time two days later
const FROM = END - 6 * DAY_MS;

function events(): MetricEvent[] {
  const out: MetricEvent[] = [];
  for (const event of generateDemoEvents({
    days: 8,
    developers: 6,
    endMs: END + 2 * DAY_MS,
    seed: 3,
    cyclesPerDay: 25,
  })) {
    const { demo: _demo, ...real } = event;
    out.push(real);
  }
  return out;
}

const FILTERS: DashboardFilter[] = [
  { from: FROM - 2 * 3_600_000, to: END + 2 * DAY_MS - 2 * 3_600_000, timeZone: 'Europe/Berlin' },
  { from: FROM, to: END, timeZone: '-03:30', features: ['completion'] },
  {
    from: FROM + 2 * DAY_MS + DAY_MS / 3,
    to: FROM + 3 * DAY_MS + 5_700_000 * 3,
    timeZone: '+05:45',
    languages: ['python', 'go'],
  },
];

describe('team time series and per-developer figures', function () {
  this.timeout(180_000);
  let temp: string;
  let store: MetricsStore;
  const all = events();

  before(() => {
    temp = mkdtempSync(join(tmpdir(), 'aegis-team-series-'));
    store = MetricsStore.open({ path: join(temp, 'all.sqlite') }).store;
    for (let i = 0; i < all.length; i += 1000) store.writeBatch(all.slice(i, i + 1000));
  });

  after(() => {
    store.close();
    rmSync(temp, { recursive: true, force: true });
  });

  it('gives every point of a series the figures the local dashboard gives, daily and hourly', async () => {
    const local = new DashboardQueries(store.db);
    const team = new TeamQueries(sqliteExecutor(store.db));
    for (const filter of FILTERS) {
      const expected = local.timeSeries(filter);
      assert.ok(expected.points.some((p) => (p.metrics.requests ?? 0) > 0));
      assert.deepEqual(await team.timeSeries(filter), expected);
      assert.deepEqual(await team.timeSeries(filter, 'hour'), local.timeSeries(filter, 'hour'));
      const one = { ...filter, developers: ['demo-dev-02', 'demo-dev-04'] };
      assert.deepEqual(await team.timeSeries(one), local.timeSeries(one));
    }
  });

  describe('on PostgreSQL', function () {
    let cluster: TestCluster | undefined;

    before(function () {
      if (!postgresInstalled()) {
        console.log(
          '    (skipped: PostgreSQL server binaries are not installed; apt-get install postgresql)',
        );
        this.skip();
      }
      cluster = startCluster();
    });

    after(() => cluster?.remove());

    it('matches the local series, the developer filter and the per-developer breakdown', async () => {
      const db = await createTeamDatabase(cluster as TestCluster);
      await syncEachDeveloper(db, all, temp, 700);
      const reader = await connectTeamDatabase({
        connectionString: db.urlFor('lead'),
        password: db.password,
      });
      try {
        const team = new TeamQueries(postgresExecutor(reader, 'payments'), { isLead: true, minGroupSize: 1 });
        const local = new DashboardQueries(store.db);
        for (const filter of FILTERS) {
          assertSameFigures(await team.timeSeries(filter), local.timeSeries(filter));
          assertSameFigures(await team.timeSeries(filter, 'hour'), local.timeSeries(filter, 'hour'));
          const one = { ...filter, developers: ['demo-dev-03'] };
          assert.deepEqual(await team.timeSeries(one), local.timeSeries(one));
          assert.deepEqual(await team.tiles(one), local.tiles(one));
          // Without a language, feature or model condition, the per-developer breakdown reads whole days
          // from the per-developer latency histograms: every figure exact, percentiles within the bound.
          const byDeveloper = await team.breakdown(filter, 'developer');
          assert.ok(byDeveloper.rows.length >= 2);
          assertSameFigures(byDeveloper, local.breakdown(filter, 'developer'));
        }
      } finally {
        await reader.end();
      }
    });
  });
});
