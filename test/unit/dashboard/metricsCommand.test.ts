import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DashboardQueries } from '../../../src/dashboard/dashboardQueries';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { localDayStart, viewerZone } from '../../../src/dashboard/timeZones';
import { shown, tempDir } from './fixtures/eventFactory';

const NOW = Date.UTC(2025, 5, 11, 12); // Wednesday
const root = join(__dirname, '..', '..', '..');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['--require', 'tsx/cjs', join(__dirname, 'fixtures', 'metricsCli.ts'), ...args],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, AEGIS_TEST_NOW: String(NOW) },
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('aegis metrics (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let db: string;

  before(() => {
    ({ dir, cleanup } = tempDir());
    db = join(dir, 'demo.db');
    const seeded = cli(['seed', '--db', db, '--days', '14', '--developers', '3', '--cycles', '20']);
    assert.equal(seeded.stderr, '');
    assert.equal(seeded.status, 0);
    const summary = JSON.parse(seeded.stdout) as { events: number; demo: boolean };
    assert.equal(summary.demo, true);
    assert.ok(summary.events > 500, String(summary.events));
  });
  after(() => cleanup());

  it('seeds labelled demo developers with an acceptance rate near 30%', () => {
    const { store } = MetricsStore.open({ path: db });
    const queries = new DashboardQueries(store.db);
    const developers = queries.filterValues().developers;
    store.close();
    assert.deepEqual(developers, ['demo-dev-01', 'demo-dev-02', 'demo-dev-03']);
    const out = cli(['summary', '--db', db, '--tz', 'UTC', '--from', '2025-05-28', '--to', '2025-06-10']);
    const rate = (JSON.parse(out.stdout) as { tiles: Record<string, { value: number }> }).tiles
      .adoptionRateByCount.value;
    assert.ok(rate > 0.2 && rate < 0.4, String(rate));
  });

  it('prints the same tiles the dashboard computes', () => {
    const out = cli([
      'summary',
      '--db',
      db,
      '--tz',
      'Asia/Kolkata',
      '--from',
      '2025-06-01',
      '--to',
      '2025-06-07',
    ]);
    assert.equal(out.status, 0, out.stderr);
    const printed = JSON.parse(out.stdout) as {
      demo: boolean;
      from: string;
      tiles: Record<string, { value: number | null; previous: number | null }>;
    };
    assert.equal(printed.demo, true);
    assert.equal(printed.from, '2025-05-31T18:30:00.000Z');
    const zone = viewerZone('Asia/Kolkata');
    const { store } = MetricsStore.open({ path: db });
    const tiles = new DashboardQueries(store.db).tiles({
      from: localDayStart(zone, '2025-06-01'),
      to: localDayStart(zone, '2025-06-08'),
      timeZone: 'Asia/Kolkata',
    });
    store.close();
    for (const tile of tiles.tiles) {
      assert.equal(printed.tiles[tile.id].value, tile.value, tile.id);
      assert.equal(printed.tiles[tile.id].previous, tile.previous, tile.id);
    }
    assert.ok((printed.tiles.shown.value ?? 0) > 0);
  });

  it('prints a CSV breakdown by language and by day', () => {
    const byLanguage = cli(['summary', '--db', db, '--tz', 'UTC', '--by', 'language', '--format', 'csv']);
    assert.equal(byLanguage.status, 0, byLanguage.stderr);
    const lines = byLanguage.stdout.trim().split('\n');
    assert.match(lines[0], /^language,shown,accepted,/);
    assert.ok(lines.length >= 2);
    const byDay = cli([
      'summary',
      '--db',
      db,
      '--tz',
      'UTC',
      '--from',
      '2025-06-01',
      '--to',
      '2025-06-03',
      '--by',
      'day',
      '--format',
      'csv',
    ]);
    assert.deepEqual(
      byDay.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(',')[0]),
      ['day', '2025-06-01', '2025-06-02', '2025-06-03'],
    );
  });

  it('explains usage errors with exit code 2', () => {
    const bad = cli(['summary', '--db', db, '--by', 'colour']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--by must be/);
    assert.equal(cli(['summary', '--db', db, '--tz', 'Nowhere/Land']).status, 2);
    assert.equal(cli(['seed', '--db', db]).status, 2);
  });

  it('refuses to seed demo data into a database with real metrics', () => {
    const real = join(dir, 'real.db');
    const { store } = MetricsStore.open({ path: real });
    store.writeBatch([shown(NOW - 3_600_000, 's1', 10, 1)]);
    store.close();
    const out = cli(['seed', '--db', real, '--days', '2']);
    assert.equal(out.status, 1);
    assert.match(out.stderr, /holds real metrics/);
  });
});
