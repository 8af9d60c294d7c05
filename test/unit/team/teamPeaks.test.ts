// The daily tables of schema version 5 under concurrent writers: busiest minutes kept as daily peaks from the
// minute counts the trigger's upserts return, per-developer latency histograms and activity. Batches from
// several connections at once hit the same minutes (including the minutes either side of UTC midnight); the
// stored tables and the dashboard's figures are then checked against figures computed here from the events.
import assert from 'node:assert/strict';
import { Client } from 'pg';
import type { DashboardFilter } from '../../../src/dashboard/dashboardQueries';
import { PERCENTILES, percentileOfSorted } from '../../../src/dashboard/metricDefinitions';
import { TeamQueries, postgresExecutor } from '../../../src/dashboard/teamQueries';
import { LATENCY_CODE_STRIDE, histogramBin } from '../../../src/dashboard/teamSchema';
import { withinHistogramBound } from './sameFigures';
import { asSuperuser, createTeamDatabase, postgresInstalled, startCluster } from './testPostgres';
import type { TeamTestDatabase, TestCluster } from './testPostgres';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const D0 = Date.UTC(2025, 5, 2);
const LANGUAGES = ['typescript', 'python', 'go'];
const MODELS = ['model-a', 'model-b'];
const FEATURES = ['completion', 'chat'];
const DEVELOPERS = ['dev-a', 'dev-b', 'dev-c', 'dev-d', 'dev-e', 'dev-f'];

interface Row {
  id: string;
  at: number;
  developer: string;
  kind: 'modelRequest' | 'interaction';
  language: string;
  feature: string;
  model: string;
  ttft: number | null;
  total: number | null;
  userInitiated: boolean | null;
}

/** A deterministic generator (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rows(): Row[] {
  const next = random(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  // Busy minutes: either side of each UTC midnight and of Berlin's midnight (22:00 UTC in summer), and
  // some in the working day; a few requests anywhere else.
  const hot: number[] = [];
  for (let d = 0; d < 3; d += 1) {
    const day = D0 + d * DAY_MS;
    hot.push(day + DAY_MS - MINUTE_MS, day + DAY_MS, day + 22 * 3_600_000, day + 22 * 3_600_000 - MINUTE_MS);
    for (let k = 0; k < 6; k += 1) hot.push(day + (8 + k) * 3_600_000 + Math.floor(next() * 60) * MINUTE_MS);
  }
  const out: Row[] = [];
  for (let i = 0; i < 2400; i += 1) {
    const at =
      next() < 0.85 ? pick(hot) + Math.floor(next() * MINUTE_MS) : D0 + Math.floor(next() * 3 * DAY_MS);
    const ttft = next() < 0.9 ? Math.exp(3 + next() * 5) : null;
    out.push({
      id: `r${i}`,
      at,
      developer: pick(DEVELOPERS),
      kind: 'modelRequest',
      language: pick(LANGUAGES),
      feature: pick(FEATURES),
      model: pick(MODELS),
      ttft,
      total: ttft !== null && next() < 0.6 ? ttft * (2 + next() * 20) : null,
      userInitiated: null,
    });
  }
  // Few user-initiated actions, some just inside or just outside the ranges the tests read, so that the
  // active developers of a range depend on its first and last quarter-hours.
  const action = (id: string, at: number, developer: string, userInitiated: boolean): Row => ({
    id,
    at,
    developer,
    kind: 'interaction',
    language: pick(LANGUAGES),
    feature: 'chat',
    model: '',
    ttft: null,
    total: null,
    userInitiated,
  });
  for (let i = 0; i < 30; i += 1) {
    out.push(action(`i${i}`, D0 + Math.floor(next() * 3 * DAY_MS), pick(DEVELOPERS), next() < 0.3));
  }
  out.push(
    action('edge1', D0 + 22 * 3_600_000, 'dev-f', true),
    action('edge2', D0 + 22 * 3_600_000 - MINUTE_MS, 'dev-e', true),
    action('edge3', D0 + 5 * 3_600_000, 'dev-d', true),
    action('edge4', D0 + 5 * 3_600_000 - 1, 'dev-c', true),
    action('edge5', D0 + 3 * DAY_MS - 3 * 3_600_000 - 1, 'dev-b', true),
    action('edge6', D0 + 26 * 3_600_000 - 1, 'dev-a', true),
  );
  // Shuffled, so that every batch touches many minutes and every minute many batches.
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const INSERT = `INSERT INTO team_events (event_id, ts, team, developer_id, kind, counted_at, language, feature,
  model, outcome, ttft_ms, total_ms, prompt_tokens, completion_tokens, action, user_initiated)
SELECT id, at, 'payments', developer, kind, at, language, feature, model,
  CASE WHEN kind = 'modelRequest' THEN 'produced' END, ttft, total,
  CASE WHEN kind = 'modelRequest' THEN 300 END, CASE WHEN kind = 'modelRequest' THEN 40 END,
  CASE WHEN kind = 'interaction' THEN 'request' END, user_initiated
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
  $8::float8[], $9::float8[], $10::boolean[])
  AS e(id, at, developer, kind, language, feature, model, ttft, total, user_initiated)`;

/** Sends the rows in batches of 40 from three writer connections at once. */
async function sendConcurrently(db: TeamTestDatabase, all: readonly Row[]): Promise<void> {
  const batches: Row[][] = [];
  for (let i = 0; i < all.length; i += 40) batches.push(all.slice(i, i + 40));
  let next = 0;
  await Promise.all(
    ['writer1', 'writer2', 'writer3'].map(async (login) => {
      const client = new Client({
        connectionString: db.urlFor(login).replace(`${login}@`, `${login}:${db.password}@`),
      });
      await client.connect();
      try {
        while (next < batches.length) {
          const batch = batches[next];
          next += 1;
          await client.query(INSERT, [
            batch.map((r) => r.id),
            batch.map((r) => r.at),
            batch.map((r) => r.developer),
            batch.map((r) => r.kind),
            batch.map((r) => r.language),
            batch.map((r) => r.feature),
            batch.map((r) => r.model),
            batch.map((r) => r.ttft),
            batch.map((r) => r.total),
            batch.map((r) => r.userInitiated),
          ]);
        }
      } finally {
        await client.end();
      }
    }),
  );
}

/** The most requests in one minute among `requests` (minutes by their start). */
function busiest(requests: readonly Row[]): number {
  const minutes = new Map<number, number>();
  let peak = 0;
  for (const r of requests) {
    const minute = Math.floor(r.at / MINUTE_MS);
    const n = (minutes.get(minute) ?? 0) + 1;
    minutes.set(minute, n);
    peak = Math.max(peak, n);
  }
  return peak;
}

function exactPercentiles(values: number[]): (number | null)[] {
  const sorted = Float64Array.from(values).sort();
  return PERCENTILES.map((p) => percentileOfSorted(sorted, p));
}

describe('team daily peaks, developer histograms and activity (real PostgreSQL)', function () {
  this.timeout(180_000);
  let cluster: TestCluster | undefined;
  let db: TeamTestDatabase;
  const all = rows();
  const requests = all.filter((r) => r.kind === 'modelRequest');

  before(async function () {
    if (!postgresInstalled()) {
      console.log('    (skipped: PostgreSQL server binaries are not installed; apt-get install postgresql)');
      this.skip();
    }
    cluster = startCluster();
    db = await createTeamDatabase(cluster);
    await sendConcurrently(db, all);
  });

  after(() => cluster?.remove());

  it('keeps each day’s busiest minute and each developer’s latency bins exact under concurrent batches', async () => {
    const expectedPeaks = new Map<string, number>();
    const minuteCounts = new Map<string, number>();
    for (const r of requests) {
      const minute = Math.floor(r.at / MINUTE_MS) * MINUTE_MS;
      const day = Math.floor(r.at / DAY_MS) * DAY_MS;
      const keys: [string, string][] = [
        ['', ''],
        ['language', r.language],
        ['feature', r.feature],
        ['model', r.model],
        ['language+feature', `${r.language}\u001f${r.feature}`],
        ['language+model', `${r.language}\u001f${r.model}`],
        ['feature+model', `${r.feature}\u001f${r.model}`],
        ['developer', r.developer],
      ];
      for (const [dim, value] of keys) {
        const minuteKey = `${dim}|${value}|${minute}`;
        const n = (minuteCounts.get(minuteKey) ?? 0) + 1;
        minuteCounts.set(minuteKey, n);
        const dayKey = `${dim}|${value}|${day}`;
        expectedPeaks.set(dayKey, Math.max(expectedPeaks.get(dayKey) ?? 0, n));
      }
    }
    const expectedBins = new Map<string, number>();
    for (const r of requests) {
      const day = Math.floor(r.at / DAY_MS) * DAY_MS;
      for (const [metric, value] of [
        [0, r.ttft],
        [1, r.total],
      ] as const) {
        if (value === null) continue;
        const key = `${day}|${r.developer}|${metric}|${histogramBin(value)}`;
        expectedBins.set(key, (expectedBins.get(key) ?? 0) + 1);
      }
    }
    const stored = await asSuperuser(
      (cluster as TestCluster).url,
      async (client) => {
        const read = async (sql: string): Promise<Map<string, number>> =>
          new Map((await client.query<{ k: string; n: string }>(sql)).rows.map((r) => [r.k, Number(r.n)]));
        return {
          peaks: await read(
            `SELECT dim || '|' || value || '|' || bucket AS k, peak AS n FROM request_peaks_1d
             UNION ALL SELECT 'developer|' || developer_id || '|' || bucket, peak FROM developer_requests_1d`,
          ),
          bins: await (async () => {
            // Each latency is a big-endian 16-bit code: LATENCY_CODE_STRIDE * metric + bin.
            const out = new Map<string, number>();
            const result = await client.query<{ bucket: string; developer_id: string; bins: Buffer }>(
              'SELECT bucket, developer_id, bins FROM developer_requests_1d',
            );
            for (const row of result.rows) {
              for (let i = 0; i < row.bins.length; i += 2) {
                const code = row.bins.readUInt16BE(i);
                const metric = Math.floor(code / LATENCY_CODE_STRIDE);
                const key = `${row.bucket}|${row.developer_id}|${metric}|${code % LATENCY_CODE_STRIDE}`;
                out.set(key, (out.get(key) ?? 0) + 1);
              }
            }
            return out;
          })(),
        };
      },
      db.name,
    );
    assert.ok(
      [...expectedPeaks.values()].some((n) => n >= 10),
      'some minute is busy',
    );
    assert.deepEqual(stored.peaks, expectedPeaks);
    assert.deepEqual(stored.bins, expectedBins);
  });

  it('answers the busiest minute, per-developer figures and active developers as the events say', async () => {
    const reader = new Client({
      connectionString: db.urlFor('lead').replace('lead@', `lead:${db.password}@`),
    });
    await reader.connect();
    try {
      const team = new TeamQueries(postgresExecutor(reader, 'payments'), { isLead: true, minGroupSize: 1 });
      const berlinDay = D0 - 2 * 3_600_000; // local midnight in summer time
      const ranges: DashboardFilter[] = [
        { from: berlinDay, to: berlinDay + 2 * DAY_MS, timeZone: 'Europe/Berlin' },
        { from: D0 + 5 * 3_600_000, to: D0 + 3 * DAY_MS - 3 * 3_600_000, timeZone: 'UTC' },
        { from: D0 + DAY_MS, to: D0 + 2 * DAY_MS, timeZone: 'UTC' },
        { from: D0 + 20 * 3_600_000, to: D0 + 26 * 3_600_000, timeZone: 'UTC' },
      ];
      const conditions: Partial<DashboardFilter>[] = [
        {},
        { languages: ['python'] },
        { models: ['model-b'] },
        { languages: ['python', 'go'] },
        { languages: ['go'], features: ['chat'] },
      ];
      for (const range of ranges) {
        const inRange = (r: Row): boolean => r.at >= range.from && r.at < range.to;
        for (const condition of conditions) {
          const filter = { ...range, ...condition };
          const matches = (r: Row): boolean =>
            inRange(r) &&
            (filter.languages === undefined || filter.languages.includes(r.language)) &&
            (filter.features === undefined || filter.features.includes(r.feature)) &&
            (filter.models === undefined || filter.models.includes(r.model));
          const tiles = await team.tiles(filter);
          const tile = (id: string): number | null => tiles.tiles.find((t) => t.id === id)?.value ?? null;
          assert.equal(tile('qpsPeak'), busiest(requests.filter(matches)) / 60, JSON.stringify(filter));
          if (filter.features === undefined && filter.models === undefined) {
            // With a language condition the per-developer figures come from the per-language request
            // records: the busiest minute exact, latency within the histogram bound.
            const byDeveloper = await team.breakdown(filter, 'developer');
            for (const row of byDeveloper.rows) {
              const own = requests.filter((r) => matches(r) && r.developer === row.key);
              assert.equal(
                row.metrics.qpsPeak,
                busiest(own) / 60,
                `developer ${row.key} ${JSON.stringify(filter)}`,
              );
              const ttft = exactPercentiles(own.flatMap((r) => (r.ttft === null ? [] : [r.ttft])));
              assert.ok(
                withinHistogramBound(row.metrics.ttftP95, ttft[1]),
                `${row.key} ${JSON.stringify(filter)}`,
              );
            }
          }
          for (const by of ['language', 'model', 'feature'] as const) {
            const breakdown = await team.breakdown(filter, by);
            for (const row of breakdown.rows) {
              const own = requests.filter((r) => matches(r) && r[by] === row.key);
              assert.equal(
                row.metrics.qpsPeak,
                busiest(own) / 60,
                `${by} ${row.key} ${JSON.stringify(filter)}`,
              );
            }
          }
        }
        const active = new Set(
          all
            .filter((r) => inRange(r) && r.kind === 'interaction' && r.userInitiated === true)
            .map((r) => r.developer),
        );
        const tiles = await team.tiles(range);
        assert.equal(tiles.tiles.find((t) => t.id === 'activeDevelopers')?.value, active.size);

        const byDeveloper = await team.breakdown(range, 'developer');
        assert.equal(byDeveloper.rows.length, DEVELOPERS.length);
        for (const row of byDeveloper.rows) {
          const own = requests.filter((r) => inRange(r) && r.developer === row.key);
          assert.equal(row.metrics.qpsPeak, busiest(own) / 60, `developer ${row.key}`);
          const ttft = exactPercentiles(own.flatMap((r) => (r.ttft === null ? [] : [r.ttft])));
          const total = exactPercentiles(own.flatMap((r) => (r.total === null ? [] : [r.total])));
          const estimated = [
            row.metrics.ttftP50,
            row.metrics.ttftP95,
            row.metrics.ttftP99,
            row.metrics.totalP50,
            row.metrics.totalP95,
            row.metrics.totalP99,
          ];
          [...ttft, ...total].forEach((exact, i) => {
            assert.ok(withinHistogramBound(estimated[i], exact), `${row.key}: ${estimated[i]} vs ${exact}`);
          });
        }
      }
      // A daily series in Berlin: each local day borrows two hours from the UTC day before.
      const series = await team.timeSeries(ranges[0], 'day');
      for (const point of series.points) {
        const active = new Set(
          all
            .filter(
              (r) =>
                r.at >= point.start &&
                r.at < point.end &&
                r.kind === 'interaction' &&
                r.userInitiated === true,
            )
            .map((r) => r.developer),
        );
        assert.equal(point.metrics.activeDevelopers, active.size, point.label);
      }
    } finally {
      await reader.end();
    }
  });
});
