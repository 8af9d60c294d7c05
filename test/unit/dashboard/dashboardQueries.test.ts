import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  DashboardQueries,
  QUERY_NAMES,
  decomposeRange,
  validateFilter,
} from '../../../src/dashboard/dashboardQueries';
import type { DashboardFilter } from '../../../src/dashboard/dashboardQueries';
import { generateDemoEvents } from '../../../src/dashboard/demoSeeder';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { localDayStart, viewerZone } from '../../../src/dashboard/timeZones';
import { DAY, HOUR, accepted, chars, request, shown, tempDir } from './fixtures/eventFactory';

const D1 = Date.UTC(2025, 2, 10);
const D2 = D1 + DAY;

describe('dashboard queries', () => {
  let cleanup: () => void;
  let store: MetricsStore;
  let queries: DashboardQueries;

  before(() => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    store = MetricsStore.open({ path: join(temp.dir, 'metrics.db') }).store;
    queries = new DashboardQueries(store.db);
    store.writeBatch([
      // Previous day: 4 shown (2 typescript by dev-a, 2 python by dev-b), 1 accepted.
      shown(D1 + 9 * HOUR, 'p1', 10, 1),
      shown(D1 + 9 * HOUR, 'p2', 10, 1),
      shown(D1 + 9 * HOUR, 'p3', 10, 1, { language: 'python', developerId: 'dev-b' }),
      shown(D1 + 9 * HOUR, 'p4', 10, 1, { language: 'python', developerId: 'dev-b' }),
      accepted(D1 + 9 * HOUR + 1000, 'p1', 10, 1),
      // Current day: 2 shown, both accepted; model-b on python.
      shown(D2 + 9 * HOUR, 'c1', 20, 2),
      shown(D2 + 9 * HOUR, 'c2', 30, 3, { language: 'python', developerId: 'dev-b', model: 'model-b' }),
      accepted(D2 + 9 * HOUR + 1000, 'c1', 20, 2),
      accepted(D2 + 9 * HOUR + 1000, 'c2', 30, 3, {
        language: 'python',
        developerId: 'dev-b',
        model: 'model-b',
      }),
      chars(D2 + 10 * HOUR, 'typed', 150),
      chars(D2 + 10 * HOUR, 'typed', 250, { language: 'python', developerId: 'dev-b' }),
      chars(D2 + 10 * HOUR, 'completion', 20),
      chars(D2 + 10 * HOUR, 'completion', 30, { language: 'python', developerId: 'dev-b', model: 'model-b' }),
      request(D2 + 9 * HOUR, 100, 500),
      request(D2 + 9 * HOUR, 300, 700, { language: 'python', developerId: 'dev-b', model: 'model-b' }),
    ]);
  });
  after(() => {
    store.close();
    cleanup();
  });

  const current: DashboardFilter = { from: D2, to: D2 + DAY, timeZone: 'UTC' };

  it('tiles compare with the previous period of equal length', () => {
    const result = queries.tiles(current);
    assert.deepEqual(result.previousPeriod, { from: D1, to: D2 });
    const shownTile = result.tiles.find((t) => t.id === 'shown');
    assert.deepEqual(shownTile, { id: 'shown', value: 2, previous: 4, delta: -2, relativeChange: -0.5 });
    const rate = result.tiles.find((t) => t.id === 'adoptionRateByCount');
    assert.equal(rate?.value, 1);
    assert.equal(rate?.previous, 0.25);
    assert.equal(result.tiles.find((t) => t.id === 'requests')?.relativeChange, null); // nothing before
  });

  it('language and developer filters narrow every figure', () => {
    const python = queries.tiles({ ...current, languages: ['python'] }).tiles;
    const value = (id: string) => python.find((t) => t.id === id)?.value;
    assert.equal(value('shown'), 1);
    assert.equal(value('codeGenerationRate'), 30 / 280);
    assert.equal(value('ttftP50'), 300);
    const devA = queries.tiles({ ...current, developers: ['dev-a'] }).tiles;
    assert.equal(devA.find((t) => t.id === 'codeGenerationRate')?.value, 20 / 170);
    assert.equal(devA.find((t) => t.id === 'activeDevelopers')?.value, 1);
  });

  it('breaks down by language, developer and model', () => {
    const byLanguage = queries.breakdown(current, 'language').rows;
    assert.deepEqual(
      byLanguage.map((r) => [r.key, r.metrics.shown, r.metrics.codeGenerationRate]),
      [
        ['python', 1, 30 / 280],
        ['typescript', 1, 20 / 170],
      ],
    );
    const byModel = queries.breakdown(current, 'model').rows;
    // Model rows share the all-characters denominator, so their rates add up to the total rate.
    assert.deepEqual(
      byModel.map((r) => [r.key, r.metrics.codeGenerationRate, r.metrics.ttftP50]),
      [
        ['model-a', 20 / 450, 100],
        ['model-b', 30 / 450, 300],
      ],
    );
    const byDeveloper = queries.breakdown({ ...current, models: ['model-b'] }, 'developer').rows;
    assert.deepEqual(
      byDeveloper.map((r) => [r.key, r.metrics.accepted, r.metrics.requests]),
      [
        ['dev-b', 1, 1],
        ['dev-a', 0, 0],
      ],
    );
  });

  it('lists the distinct filter values', () => {
    assert.deepEqual(queries.filterValues(), {
      languages: ['python', 'typescript'],
      features: ['completion'],
      models: ['model-a', 'model-b'],
      developers: ['dev-a', 'dev-b'],
    });
  });

  it('runs every named query', () => {
    for (const name of QUERY_NAMES) assert.ok(queries.run(name, current) !== undefined, name);
  });

  it('refuses periods that are empty, unaligned, or in an unknown zone', () => {
    assert.throws(() => validateFilter({ from: D2, to: D2, timeZone: 'UTC' }), /empty/);
    assert.throws(() => validateFilter({ from: D2 + 1000, to: D2 + DAY, timeZone: 'UTC' }), /15-minute/);
    assert.throws(() => validateFilter({ from: D1, to: D2, timeZone: 'Mars/Olympus' }), /Unknown time zone/);
  });
});

describe('rollup decomposition', () => {
  it('covers a range exactly, with days, hours and quarters', () => {
    const from = Date.UTC(2025, 2, 9, 18, 15);
    const to = Date.UTC(2025, 2, 12, 6, 45);
    const parts = decomposeRange(from, to);
    assert.equal(parts[0].lo, from);
    assert.equal(parts.at(-1)?.hi, to);
    for (let i = 1; i < parts.length; i += 1) assert.equal(parts[i].lo, parts[i - 1].hi);
    assert.deepEqual(
      parts.map((p) => p.table),
      ['rollup_15m', 'rollup_1h', 'rollup_1d', 'rollup_1h', 'rollup_15m'],
    );
  });

  it('agrees with a count over the raw events in a zone with a 45-minute offset', () => {
    const { dir, cleanup } = tempDir();
    const { store } = MetricsStore.open({ path: join(dir, 'demo.db') });
    try {
      const end = Date.UTC(2025, 5, 1);
      store.writeBatch([...generateDemoEvents({ days: 12, developers: 4, endMs: end, cyclesPerDay: 30 })]);
      const queries = new DashboardQueries(store.db);
      const zone = viewerZone('Asia/Kathmandu');
      const from = localDayStart(zone, '2025-05-21');
      const to = localDayStart(zone, '2025-05-31');
      const filter: DashboardFilter = { from, to, timeZone: 'Asia/Kathmandu' };
      const raw = (sql: string): number => (store.db.prepare(sql).get(from, to) as { n: number }).n;
      const shownRaw = raw(
        "SELECT COUNT(DISTINCT suggestion_id) AS n FROM suggestion_events WHERE event = 'shown' AND ts >= ? AND ts < ?",
      );
      const typedRaw = raw(
        "SELECT SUM(chars) AS n FROM chars_added WHERE source = 'typed' AND ts >= ? AND ts < ?",
      );
      const requestsRaw = raw(
        'SELECT COUNT(*) AS n FROM model_requests WHERE started_at >= ? AND started_at < ?',
      );
      assert.ok(shownRaw > 100);

      const tiles = queries.tiles(filter).tiles;
      assert.equal(tiles.find((t) => t.id === 'shown')?.value, shownRaw);
      assert.equal(tiles.find((t) => t.id === 'requests')?.value, requestsRaw);
      const series = queries.timeSeries(filter).points;
      assert.equal(series.length, 10);
      assert.equal(
        series.reduce((sum, p) => sum + (p.metrics.shown ?? 0), 0),
        shownRaw,
      );
      const byLanguage = queries.breakdown(filter, 'language').rows;
      const added = byLanguage.reduce((sum, r) => sum + (r.metrics.addedChars ?? 0), 0);
      const generated = byLanguage.reduce((sum, r) => sum + (r.metrics.generatedChars ?? 0), 0);
      assert.equal(
        added -
          generated -
          raw("SELECT SUM(chars) AS n FROM chars_added WHERE source = 'pasted' AND ts >= ? AND ts < ?"),
        typedRaw,
      );
    } finally {
      store.close();
      cleanup();
    }
  });
});
