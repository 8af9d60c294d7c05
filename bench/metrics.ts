// Metrics benchmark: ingest rate through the batched recorder, then every dashboard query over about a
// million events spread over 90 days. Prints one JSON object (fields described in bench/README.md).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardQueries, QUERY_NAMES } from '../src/dashboard/dashboardQueries';
import type { DashboardFilter, QueryName } from '../src/dashboard/dashboardQueries';
import { generateDemoEvents } from '../src/dashboard/demoSeeder';
import { EventRecorder } from '../src/dashboard/eventRecorder';
import type { MetricEvent } from '../src/dashboard/metricEvents';
import { MetricsStore } from '../src/dashboard/metricsStore';
import { localDayStart, viewerZone } from '../src/dashboard/timeZones';

const INGEST_EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 200_000);
const TARGET_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
/** BENCH_INGEST_ONLY=1 skips the query part (seeding a million events takes a while): for profiling ingest. */
const INGEST_ONLY = process.env.BENCH_INGEST_ONLY === '1';
const DAYS = 90;
const DEVELOPERS = 20;
const END = Date.UTC(2025, 5, 2);
const TIME_ZONE = 'Europe/Berlin';

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] * 100) / 100;
}

/** CPU time of this process (user + system) in ms: on a shared machine it moves far less than wall time. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function ingest(dir: string): Promise<{ perSec: number; perCpuSec: number }> {
  const events: MetricEvent[] = [];
  for (const event of generateDemoEvents({
    days: 30,
    developers: DEVELOPERS,
    endMs: END,
    seed: 7,
    cyclesPerDay: 200,
  })) {
    events.push(event);
    if (events.length >= INGEST_EVENTS) break;
  }
  const { store } = MetricsStore.open({ path: join(dir, 'ingest.db') });
  const recorder = new EventRecorder(store, { maxBatch: 1000, flushIntervalMs: 50 });
  const started = performance.now();
  const startedCpu = cpuMs();
  for (let i = 0; i < events.length; i += 1) {
    recorder.record(events[i]);
    // Yield now and then, as an extension host does between keystrokes, so size-triggered flushes run.
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  await recorder.close();
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (cpuMs() - startedCpu) / 1000;
  store.close();
  return { perSec: Math.round(events.length / seconds), perCpuSec: Math.round(events.length / cpuSeconds) };
}

function seed(store: MetricsStore): { events: number; seconds: number } {
  // About 4.3 events per completion cycle with this team: sized to land near the target.
  const cyclesPerDay = Math.round((TARGET_EVENTS / (DEVELOPERS * 66 * 4.35)) * 1.0);
  const started = performance.now();
  let batch: MetricEvent[] = [];
  let events = 0;
  for (const event of generateDemoEvents({
    days: DAYS,
    developers: DEVELOPERS,
    endMs: END,
    seed: 11,
    cyclesPerDay,
  })) {
    batch.push(event);
    if (batch.length >= 50_000) {
      events += store.writeBatch(batch).inserted;
      batch = [];
    }
  }
  events += store.writeBatch(batch).inserted;
  return { events, seconds: (performance.now() - started) / 1000 };
}

/** Plain inserts per second into a one-column-index table on the same disk at the same moment: a yardstick
 * that shows how much of the figures above is the machine (about 400,000/s on an idle laptop-class core). */
function calibrate(dir: string): number {
  const { store } = MetricsStore.open({ path: join(dir, 'calibrate.db') });
  store.db.exec('CREATE TABLE plain (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)');
  const insert = store.db.prepare('INSERT INTO plain (a, b) VALUES (?, ?)');
  const started = performance.now();
  store.db.transaction(() => {
    for (let i = 0; i < 100_000; i += 1) insert.run('row', i);
  })();
  const seconds = (performance.now() - started) / 1000;
  store.close();
  return Math.round(100_000 / seconds);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-bench-metrics-'));
  try {
    const plainInsertsPerSec = calibrate(dir);
    const ingested = await ingest(dir);
    if (INGEST_ONLY) {
      process.stdout.write(
        JSON.stringify({
          ingestEventsPerSec: ingested.perSec,
          ingestEventsPerCpuSec: ingested.perCpuSec,
          plainInsertsPerSec,
          loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
          cores: cpus().length,
        }) + '\n',
      );
      return;
    }
    const { store } = MetricsStore.open({ path: join(dir, 'metrics.db') });
    const seeded = seed(store);
    store.db.pragma('optimize');
    const queries = new DashboardQueries(store.db);
    const zone = viewerZone(TIME_ZONE);
    // The dashboard's default view: the last 30 local days.
    const filter: DashboardFilter = {
      from: localDayStart(zone, '2025-05-03'),
      to: localDayStart(zone, '2025-06-02'),
      timeZone: TIME_ZONE,
    };
    const results: Record<string, { p50Ms: number; p95Ms: number; cpuP50Ms: number; cpuP95Ms: number }> = {};
    for (const name of QUERY_NAMES as readonly QueryName[]) {
      queries.run(name, filter); // warm-up: statement preparation, page cache
      const times: number[] = [];
      const cpuTimes: number[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        const started = performance.now();
        const startedCpu = cpuMs();
        queries.run(name, filter);
        times.push(performance.now() - started);
        cpuTimes.push(cpuMs() - startedCpu);
      }
      times.sort((a, b) => a - b);
      cpuTimes.sort((a, b) => a - b);
      results[name] = {
        p50Ms: percentile(times, 50),
        p95Ms: percentile(times, 95),
        cpuP50Ms: percentile(cpuTimes, 50),
        cpuP95Ms: percentile(cpuTimes, 95),
      };
    }
    store.close();
    process.stdout.write(
      JSON.stringify({
        ingestEventsPerSec: ingested.perSec,
        ingestEventsPerCpuSec: ingested.perCpuSec,
        events: seeded.events,
        seedSeconds: Math.round(seeded.seconds * 10) / 10,
        range: { days: 30, timeZone: TIME_ZONE },
        runs: RUNS,
        queries: results,
        plainInsertsPerSec,
        // Read every figure above against these: on a shared machine they explain most of the spread.
        loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
        cores: cpus().length,
      }) + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
