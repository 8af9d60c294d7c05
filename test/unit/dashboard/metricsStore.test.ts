import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DashboardQueries } from '../../../src/dashboard/dashboardQueries';
import type { DashboardFilter } from '../../../src/dashboard/dashboardQueries';
import { importSpool } from '../../../src/dashboard/eventSpool';
import { openMetricsRecording } from '../../../src/dashboard/metricsRecording';
import {
  MetricsStore,
  NativeModuleUnavailableError,
  SchemaTooNewError,
} from '../../../src/dashboard/metricsStore';
import { SCHEMA_VERSION } from '../../../src/dashboard/storeSchema';
import { DAY, MINUTE, accepted, chars, dismissed, request, shown, tempDir } from './fixtures/eventFactory';

const T0 = Date.UTC(2025, 4, 5, 9);

function tileValue(store: MetricsStore, id: string, filter: DashboardFilter): number | null {
  return new DashboardQueries(store.db).tiles(filter).tiles.find((t) => t.id === id)?.value ?? null;
}

describe('metrics store', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });
  afterEach(() => cleanup());

  it('creates the schema in WAL mode at the current version', () => {
    const { store, notices } = MetricsStore.open({ path: join(dir, 'm.db') });
    assert.deepEqual(notices, []);
    assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    store.close();
    // Reopening an up-to-date database changes nothing.
    const again = MetricsStore.open({ path: join(dir, 'm.db') });
    assert.equal(again.store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    again.store.close();
  });

  it('refuses a database from a newer schema and leaves the file untouched', () => {
    const path = join(dir, 'newer.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE future (x)');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = readFileSync(path);
    assert.throws(
      () => MetricsStore.open({ path }),
      (error: unknown) => {
        assert.ok(error instanceof SchemaTooNewError);
        assert.match(error.message, /newer Aegis/);
        return true;
      },
    );
    assert.deepEqual(readFileSync(path), before);
    assert.equal(existsSync(`${path}-wal`), false);
  });

  it('ignores an event id it has already stored', () => {
    const { store } = MetricsStore.open({ path: join(dir, 'm.db') });
    const events = [shown(T0, 's1', 10, 1), accepted(T0 + 1000, 's1', 10, 1), chars(T0, 'typed', 50)];
    assert.deepEqual(store.writeBatch(events), { inserted: 3, skipped: 0 });
    assert.deepEqual(store.writeBatch(events), { inserted: 0, skipped: 3 });
    const filter = { from: T0 - 9 * 3_600_000, to: T0 + 15 * 3_600_000, timeZone: 'UTC' };
    assert.equal(tileValue(store, 'accepted', filter), 1);
    assert.equal(tileValue(store, 'codeGenerationRate', filter), 0);
    store.close();
  });

  it('counts each suggestion once however its events are split into batches', () => {
    const s3 = shown(T0 + 9000, 's3', 30, 3);
    const events = [
      shown(T0, 's1', 10, 1),
      shown(T0 + 1000, 's1', 10, 1), // a re-display: a new event, the same suggestion
      accepted(T0 + 2000, 's1', 4, 1, { partial: true }),
      accepted(T0 + 3000, 's1', 3, 1, { partial: true }),
      accepted(T0 + 4000, 's1', 3, 1),
      shown(T0 + 5000, 's2', 20, 2),
      dismissed(T0 + 6000, 's2'),
      dismissed(T0 + 7000, 's2'),
      s3,
      s3, // the same event delivered twice
    ];
    const counters = (store: MetricsStore): unknown =>
      store.db
        .prepare(
          `SELECT SUM(shown) AS shown, SUM(shown_chars) AS shownChars, SUM(accepted) AS accepted,
             SUM(accepted_full) AS full, SUM(accepted_partial) AS partial, SUM(accepted_chars) AS acceptedChars,
             SUM(dismissed) AS dismissed, SUM(user_actions) AS userActions FROM rollup_1d`,
        )
        .get();
    const expected = {
      shown: 3,
      shownChars: 60,
      accepted: 1,
      full: 1,
      partial: 1,
      acceptedChars: 10,
      dismissed: 1,
      userActions: 1,
    };
    const splits: (readonly (typeof events)[])[] = [
      [events],
      events.map((event) => [event]),
      [events.slice(0, 3), events.slice(3, 9), events.slice(8)],
    ];
    splits.forEach((batches, index) => {
      const { store } = MetricsStore.open({ path: join(dir, `split-${index}.db`) });
      for (const batch of batches) store.writeBatch(batch);
      assert.deepEqual(counters(store), expected, `split ${index}`);
      // Replaying everything adds nothing.
      assert.equal(store.writeBatch(events).inserted, 0);
      assert.deepEqual(counters(store), expected, `split ${index} replayed`);
      store.close();
    });
  });

  it('moves a corrupt file aside with a timestamped name, starts afresh, and says so once', () => {
    const path = join(dir, 'm.db');
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(path, garbage);
    const { store, notices } = MetricsStore.open({ path, now: () => Date.UTC(2025, 0, 2, 3, 4, 5) });
    assert.equal(notices.length, 1);
    assert.equal(notices[0].movedTo, `${path}.corrupt-20250102T030405Z`);
    assert.deepEqual(readFileSync(notices[0].movedTo), garbage);
    store.writeBatch([shown(T0, 's1', 10, 1)]);
    assert.equal(
      tileValue(store, 'shown', { from: T0 - 9 * 3_600_000, to: T0 + 15 * 3_600_000, timeZone: 'UTC' }),
      1,
    );
    store.close();
    assert.deepEqual(MetricsStore.open({ path }).notices, []);
  });

  it('reports a native module that cannot load', () => {
    assert.throws(
      () =>
        MetricsStore.open({
          path: join(dir, 'm.db'),
          nativeBinding: join(dir, 'missing', 'better_sqlite3.node'),
        }),
      NativeModuleUnavailableError,
    );
  });

  it('spools to JSONL while the native module cannot load, then imports once, idempotently', async () => {
    const dbPath = join(dir, 'm.db');
    const spoolPath = join(dir, 'spool.jsonl');
    const broken = openMetricsRecording({ dbPath, spoolPath, nativeBinding: join(dir, 'nope.node') });
    assert.equal(broken.store, null);
    assert.deepEqual(
      broken.notices.map((n) => n.kind),
      ['storeUnavailable'],
    );
    for (let i = 0; i < 25; i += 1) broken.recorder.record(shown(T0 + i * 1000, `s${i}`, 10, 1));
    broken.recorder.record(accepted(T0 + 60_000, 's0', 10, 1));
    await broken.close();
    assert.equal(readFileSync(spoolPath, 'utf8').trim().split('\n').length, 26);
    const copy = join(dir, 'copy.jsonl');
    copyFileSync(spoolPath, copy);

    const working = openMetricsRecording({ dbPath, spoolPath });
    assert.ok(working.store);
    assert.deepEqual(
      working.notices.map((n) => n.kind),
      ['spoolImported'],
    );
    assert.equal(existsSync(spoolPath), false);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('importing')),
      [],
    );
    const filter = { from: T0 - 9 * 3_600_000, to: T0 + 15 * 3_600_000, timeZone: 'UTC' };
    assert.equal(tileValue(working.store, 'shown', filter), 25);
    // Importing the same events again (another window, a retry) adds nothing.
    importSpool(copy, working.store);
    assert.equal(tileValue(working.store, 'shown', filter), 25);
    assert.equal(tileValue(working.store, 'accepted', filter), 1);
    await working.close();
  });

  it('prunes raw events past retention but answers old periods exactly from rollups', () => {
    const { store } = MetricsStore.open({ path: join(dir, 'm.db') });
    const old = Date.UTC(2024, 9, 1, 10);
    const now = old + 200 * DAY;
    store.writeBatch([
      shown(old, 'o1', 40, 2),
      accepted(old + 5000, 'o1', 40, 2),
      request(old, 100, 1000),
      request(old + 10_000, 200, 2000),
      request(old + 20_000, 300, 3000),
      request(old + 5 * MINUTE, 400, 4000),
      request(now - DAY, 150, 1500),
    ]);
    const oldFilter: DashboardFilter = {
      from: Date.UTC(2024, 9, 1),
      to: Date.UTC(2024, 9, 2),
      timeZone: 'UTC',
    };
    const queries = new DashboardQueries(store.db);
    const before = queries.tiles(oldFilter);
    assert.equal(before.tiles.find((t) => t.id === 'ttftP50')?.value, 250);

    const deleted = store.prune(now);
    assert.equal(deleted, 6);
    assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM model_requests').get() as { n: number }).n, 1);

    // Every figure for the pruned day, latency percentiles and peak QPS included, is unchanged.
    assert.deepEqual(queries.tiles(oldFilter), before);
    assert.equal(before.tiles.find((t) => t.id === 'qpsPeak')?.value, 3 / 60);
    assert.equal(before.tiles.find((t) => t.id === 'totalP99')?.value, 3970);

    // A late event from the pruned period cannot be told apart from a duplicate: it is refused.
    assert.deepEqual(store.writeBatch([shown(old + 1000, 'late', 10, 1)]), { inserted: 0, skipped: 1 });
    assert.equal(queries.tiles(oldFilter).tiles.find((t) => t.id === 'shown')?.value, 1);
    store.close();
  });
});
