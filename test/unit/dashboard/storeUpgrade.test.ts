import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DashboardQueries } from '../../../src/dashboard/dashboardQueries';
import type { DashboardFilter } from '../../../src/dashboard/dashboardQueries';
import { percentileOfSorted, percentilesOf } from '../../../src/dashboard/metricDefinitions';
import type { GuardDecisionEvent } from '../../../src/dashboard/metricEvents';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/dashboard/storeSchema';
import { readLocalEvents, teamRowOf } from '../../../src/dashboard/teamEvents';
import { DAY, HOUR, MINUTE, guard, request, shown, tempDir } from './fixtures/eventFactory';

const D = Date.UTC(2025, 3, 14);
const dayFilter: DashboardFilter = { from: D, to: D + DAY, timeZone: 'UTC' };

function tile(store: MetricsStore, id: string, filter: DashboardFilter = dayFilter): number | null {
  return new DashboardQueries(store.db).tiles(filter).tiles.find((t) => t.id === id)?.value ?? null;
}

function withFile(ts: number, filePath: string | undefined): GuardDecisionEvent {
  const event = guard(ts, 'secret.aws-access-key') as GuardDecisionEvent;
  return filePath === undefined ? event : { ...event, filePath };
}

describe('metrics store schema 2', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });
  afterEach(() => cleanup());

  it('upgrades a schema 1 database and still reads its rows and request samples', () => {
    const path = join(dir, 'v1.db');
    const old = new Database(path);
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old
      .prepare(
        `INSERT INTO guard_decisions (event_id, ts, developer_id, machine_id, language, extension_version,
           vscode_version, rule_id, category, direction, action, feature, match_hash)
         VALUES ('old-guard', ?, 'dev-a', 'm', 'typescript', '0.1.0', '1.100.0', 'pii.email', 'pii', 'input',
           'redact', 'chat', 'hash-1')`,
      )
      .run(D + HOUR);
    // Two requests as schema 1 stored them: counted in the rollups, sampled at every level.
    const blob = Buffer.from(
      new Float64Array([(D + HOUR) / MINUTE, 100, 400, (D + HOUR) / MINUTE, 300, 800]).buffer,
    );
    for (const table of ['rollup_15m', 'rollup_1h', 'rollup_1d']) {
      old
        .prepare(
          `INSERT INTO ${table} (bucket, developer_id, language, feature, model, requests, req_produced)
           VALUES (?, 'dev-a', 'typescript', 'completion', 'model-a', 2, 2)`,
        )
        .run(table === 'rollup_1d' ? D : D + HOUR);
      old
        .prepare(
          `INSERT INTO ${table.replace('rollup_', 'request_samples_')}
           (bucket, developer_id, language, feature, model, n, samples) VALUES (?, 'dev-a', 'typescript', 'completion', 'model-a', 2, ?)`,
        )
        .run(table === 'rollup_1d' ? D : D + HOUR, blob);
    }
    old.close();

    const { store } = MetricsStore.open({ path });
    assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(store.db.prepare('SELECT event_id, rule_id, file_path FROM guard_decisions').all(), [
      { event_id: 'old-guard', rule_id: 'pii.email', file_path: null },
    ]);
    assert.equal(tile(store, 'requests'), 2);
    assert.equal(tile(store, 'ttftP50'), 200);
    // New requests of the same day join the old samples.
    store.writeBatch([request(D + 2 * HOUR, 500, 900)]);
    assert.equal(tile(store, 'requests'), 3);
    assert.equal(tile(store, 'ttftP50'), 300);
    assert.equal(tile(store, 'totalP50'), 800);
    store.close();
  });

  it('stores the file path of a guard decision, and none when the match came from no file', () => {
    const { store } = MetricsStore.open({ path: join(dir, 'm.db') });
    const inFile = withFile(D + HOUR, 'src/config/keys.ts');
    const noFile = withFile(D + 2 * HOUR, undefined);
    store.writeBatch([inFile, noFile]);
    const rows = store.db.prepare('SELECT event_id, file_path FROM guard_decisions ORDER BY id').all();
    assert.deepEqual(rows, [
      { event_id: inFile.eventId, file_path: 'src/config/keys.ts' },
      { event_id: noFile.eventId, file_path: null },
    ]);
    store.close();
  });

  it('keeps the file path on the machine: the team row of the decision does not carry it', () => {
    const { store } = MetricsStore.open({ path: join(dir, 'm.db') });
    const event = withFile(D + HOUR, 'src/secrets/very-private-name.ts');
    store.writeBatch([event]);
    const [local] = readLocalEvents(store.db, 'guard_decisions', 0, 10);
    assert.equal(local.event.eventId, event.eventId);
    const row = teamRowOf(local.event, local.novelty, 'team-a');
    assert.equal(row.rule_id, 'secret.aws-access-key');
    assert.equal(JSON.stringify(row).includes('very-private-name'), false);
    assert.equal(
      JSON.stringify(teamRowOf(event, local.novelty, 'team-a')).includes('very-private-name'),
      false,
    );
    store.close();
  });

  it('writes a batch that mixes new events with stored and repeated ones, counting each once', () => {
    const { store } = MetricsStore.open({ path: join(dir, 'm.db') });
    const first = shown(D + HOUR, 's1', 10, 1);
    assert.deepEqual(store.writeBatch([first]), { inserted: 1, skipped: 0 });
    const second = shown(D + HOUR + 1000, 's2', 20, 2);
    const third = request(D + HOUR, 120, 300);
    assert.deepEqual(store.writeBatch([second, first, third, second]), { inserted: 2, skipped: 2 });
    assert.equal(tile(store, 'shown'), 2);
    assert.equal(tile(store, 'requests'), 1);
    const count = (store.db.prepare('SELECT COUNT(*) AS n FROM suggestion_events').get() as { n: number }).n;
    assert.equal(count, 2);
    store.close();
  });

  it('joins request samples written in many batches into exact percentiles and peak', () => {
    const { store } = MetricsStore.open({ path: join(dir, 'm.db') });
    const ttfts: number[] = [];
    const totals: number[] = [];
    for (let batch = 0; batch < 6; batch += 1) {
      const events = [];
      for (let i = 0; i < 7; i += 1) {
        const ttft = ((batch * 7 + i) * 37) % 101;
        const total = ttft + 10.5 * i;
        ttfts.push(ttft);
        totals.push(total);
        // Batch 2 all lands in one minute: the busiest one.
        events.push(request(D + 3 * HOUR + (batch === 2 ? 0 : batch * 5 * MINUTE + i * MINUTE), ttft, total));
      }
      store.writeBatch(events);
    }
    const sorted = (values: number[]): Float64Array => new Float64Array(values).sort();
    for (const [id, values, p] of [
      ['ttftP50', ttfts, 50],
      ['ttftP95', ttfts, 95],
      ['totalP99', totals, 99],
    ] as const) {
      assert.equal(tile(store, id), percentileOfSorted(sorted([...values]), p), id);
    }
    // 03:00 holds batch 2 and the first request of batch 0.
    assert.equal(tile(store, 'qpsPeak'), 8 / 60);
    // A local day in a zone 5:45 ahead takes only that day's requests from the UTC day rows.
    const kathmandu = {
      from: D - 5 * HOUR - 45 * MINUTE,
      to: D + 3 * HOUR + 15 * MINUTE,
      timeZone: '+05:45',
    };
    assert.equal(tile(store, 'requests', kathmandu), 21);
    assert.equal(tile(store, 'ttftP50', kathmandu), percentileOfSorted(sorted(ttfts.slice(0, 21)), 50));
    store.close();
  });
});

describe('percentiles by selection', () => {
  it('equal the percentiles of the sorted values, with ties, tiny and odd sizes', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const percents = [0, 1, 50, 95, 99, 100];
    for (const size of [1, 2, 3, 10, 101, 1000, 4097]) {
      for (const spread of [3, 1000]) {
        const values = Array.from({ length: size }, () => Math.floor(random() * spread) + random() * 0.5);
        const expected = percents.map((p) => percentileOfSorted(new Float64Array(values).sort(), p));
        assert.deepEqual(percentilesOf(new Float64Array(values), percents), expected, `size ${size}`);
        // Already sorted and reversed input too (the worst cases of a naive pivot).
        const ascending = new Float64Array(values).sort();
        assert.deepEqual(percentilesOf(ascending.slice(), percents), expected);
        assert.deepEqual(percentilesOf(ascending.slice().reverse(), percents), expected);
      }
    }
    assert.deepEqual(percentilesOf(new Float64Array(0), [50]), [null]);
  });
});
