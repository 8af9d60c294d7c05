// The month tables of schema version 6 against the local dashboard: the per-developer breakdown and a lead's
// developer filter over ranges that take whole UTC months (with the days outside them subtracted) or read
// days one by one, in a time zone whose days straddle UTC days and change offset inside the range, with and
// without a language condition. Counters and the busiest minute must match exactly, latency percentiles
// within the histogram bound.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardQueries } from '../../../src/dashboard/dashboardQueries';
import type { DashboardFilter } from '../../../src/dashboard/dashboardQueries';
import { generateDemoEvents } from '../../../src/dashboard/demoSeeder';
import type { MetricEvent, ModelRequestEvent } from '../../../src/dashboard/metricEvents';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { connectTeamDatabase } from '../../../src/dashboard/teamDatabase';
import { postgresExecutor, TeamQueries } from '../../../src/dashboard/teamQueries';
import { assertSameFigures } from './sameFigures';
import { syncEachDeveloper } from './syncDevelopers';
import { createTeamDatabase, postgresInstalled, startCluster } from './testPostgres';
import type { TestCluster } from './testPostgres';

const HOUR_MS = 3_600_000;
const END = Date.UTC(2025, 5, 3);

// Berlin is UTC+1 until 30 March 2025 and UTC+2 after.
const RANGES: DashboardFilter[] = [
  // Two whole UTC months.
  { from: Date.UTC(2025, 2, 1), to: Date.UTC(2025, 4, 1), timeZone: 'UTC' },
  // February's last days one by one, March and April whole, May taken whole less its last three days, and
  // the hours Berlin borrows from the UTC days either side.
  {
    from: Date.UTC(2025, 1, 20) - HOUR_MS,
    to: Date.UTC(2025, 4, 29) - 2 * HOUR_MS,
    timeZone: 'Europe/Berlin',
  },
  // One month less a day at each end, and a few days of the next.
  { from: Date.UTC(2025, 3, 2), to: Date.UTC(2025, 4, 4), timeZone: 'UTC' },
];

describe('team month tables (real PostgreSQL)', function () {
  this.timeout(240_000);
  let cluster: TestCluster | undefined;
  let temp: string;
  let store: MetricsStore;
  const demo = [
    ...generateDemoEvents({ days: 110, developers: 6, endMs: END, seed: 11, cyclesPerDay: 4 }),
  ].map(({ demo: _demo, ...real }) => real);
  // A burst of requests on a day the second range subtracts from May: the month's busiest minute, which that
  // range must not report.
  const template = demo.find((e) => e.kind === 'modelRequest') as ModelRequestEvent;
  const burst = Array.from({ length: 12 }, (_, i): ModelRequestEvent => ({
    ...template,
    eventId: `burst-${i}`,
    requestId: `burst-${i}`,
    ts: Date.UTC(2025, 4, 30, 10, 0, i),
    startedAt: Date.UTC(2025, 4, 30, 10, 0, i),
  }));
  const all: MetricEvent[] = [...demo, ...burst];

  before(function () {
    if (!postgresInstalled()) {
      console.log('    (skipped: PostgreSQL server binaries are not installed; apt-get install postgresql)');
      this.skip();
    }
    temp = mkdtempSync(join(tmpdir(), 'aegis-team-months-'));
    store = MetricsStore.open({ path: join(temp, 'all.sqlite') }).store;
    for (let i = 0; i < all.length; i += 1000) store.writeBatch(all.slice(i, i + 1000));
    cluster = startCluster();
  });

  after(() => {
    store?.close();
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
    cluster?.remove();
  });

  it('gives the per-developer figures of the local dashboard over whole and partial months', async () => {
    const db = await createTeamDatabase(cluster as TestCluster);
    const developers = await syncEachDeveloper(db, all, temp, 500);
    const reader = await connectTeamDatabase({ connectionString: db.urlFor('lead'), password: db.password });
    try {
      const team = new TeamQueries(postgresExecutor(reader, 'payments'), { isLead: true, minGroupSize: 1 });
      const local = new DashboardQueries(store.db);
      for (const range of RANGES) {
        for (const condition of [{}, { languages: ['python'] }, { languages: ['python', 'go'] }]) {
          const filter = { ...range, ...condition };
          const expected = local.breakdown(filter, 'developer');
          assert.ok(expected.rows.length >= 3, JSON.stringify(filter));
          assertSameFigures(await team.breakdown(filter, 'developer'), expected);
        }
        // A lead's developer filter: the developer's tiles and their breakdown by language.
        const one = { ...range, developers: [developers[1]] };
        assertSameFigures(await team.tiles(one), local.tiles(one));
        assertSameFigures(await team.breakdown(one, 'language'), local.breakdown(one, 'language'));
      }
    } finally {
      await reader.end();
    }
  });
});
