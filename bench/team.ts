// Team database benchmark on a real PostgreSQL started by scripts/postgres-test-server.sh: ingest rate of
// concurrent writers (each a connection of the writer role, sending batches as the extension does), then
// every dashboard query over 90 days as a non-lead reader. Prints one JSON object.
//   npx tsx bench/team.ts [--events N] [--developers N] [--writers N] [--runs N] [--keep]
// The target is --events 10000000 --developers 1000 --writers 50.
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { QUERY_NAMES } from '../src/dashboard/dashboardQueries';
import type { DashboardFilter } from '../src/dashboard/dashboardQueries';
import { generateDemoEvents } from '../src/dashboard/demoSeeder';
import type { MetricEvent } from '../src/dashboard/metricEvents';
import { connectTeamDatabase } from '../src/dashboard/teamDatabase';
import { teamRowOf } from '../src/dashboard/teamEvents';
import { loadTeamAccess, postgresExecutor, TeamQueries } from '../src/dashboard/teamQueries';
import { TEAM_INSERT_SQL, teamInsertParams } from '../src/dashboard/teamSync';
import { localDayStart, viewerZone } from '../src/dashboard/timeZones';
import { createTeamDatabase, startCluster } from '../test/unit/team/testPostgres';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    developers: { type: 'string', default: '1000' },
    writers: { type: 'string', default: '50' },
    runs: { type: 'string', default: '10' },
    batch: { type: 'string', default: '2000' },
    keep: { type: 'boolean', default: false },
  },
});
const EVENTS = Number(values.events);
const DEVELOPERS = Number(values.developers);
const WRITERS = Number(values.writers);
const RUNS = Number(values.runs);
const BATCH = Number(values.batch);
const DAYS = 90;
const END = Date.UTC(2026, 5, 1);
const TIME_ZONE = 'Europe/Berlin';
// The demo seeder yields about 4.1 events per completion cycle on working days (5 of 7).
const CYCLES = Math.max(1, Math.round(EVENTS / (DEVELOPERS * DAYS * (5 / 7) * 4.1)));

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] * 10) / 10;
}

async function main(): Promise<void> {
  const cluster = startCluster();
  try {
    const db = await createTeamDatabase(cluster);
    const source = generateDemoEvents({
      days: DAYS,
      developers: DEVELOPERS,
      endMs: END,
      seed: 11,
      cyclesPerDay: CYCLES,
    });
    let generated = 0;
    const take = (): MetricEvent[] => {
      const out: MetricEvent[] = [];
      while (out.length < BATCH && generated < EVENTS) {
        const next = source.next();
        if (next.done === true) break;
        out.push(next.value);
        generated += 1;
      }
      return out;
    };
    const writers = new Pool({
      connectionString: db.urlFor('writer1').replace('writer1@', `writer1:${db.password}@`),
      max: WRITERS,
    });
    const started = performance.now();
    let stored = 0;
    let batches = 0;
    let generateMs = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        const client = await writers.connect();
        try {
          for (;;) {
            const t = performance.now();
            const events = take();
            // Novelty is worked out locally in the extension; generated suggestions are all new here.
            const rows = events.map((e) =>
              teamRowOf(e, { firstOfKind: true, firstOfPartiality: true }, 'bench'),
            );
            generateMs += performance.now() - t;
            if (rows.length === 0) break;
            const result = await client.query(TEAM_INSERT_SQL, teamInsertParams(rows));
            stored += result.rowCount ?? 0;
            batches += 1;
          }
        } finally {
          client.release();
        }
      }),
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    await writers.end();

    const owner = await connectTeamDatabase({
      connectionString: db.urlFor('aegis_team_owner'),
      password: db.password,
    });
    await owner.query('VACUUM ANALYZE');
    const size = (await owner.query<{ s: string }>('SELECT pg_database_size(current_database()) AS s'))
      .rows[0].s;
    await owner.end();

    const zone = viewerZone(TIME_ZONE);
    const endDay = new Date(END).toISOString().slice(0, 10);
    const startDay = new Date(END - DAYS * 86_400_000).toISOString().slice(0, 10);
    const filter: DashboardFilter = {
      from: localDayStart(zone, startDay),
      to: localDayStart(zone, endDay),
      timeZone: TIME_ZONE,
    };
    const readers = new Pool({
      connectionString: db.urlFor('reader').replace('reader@', `reader:${db.password}@`),
      max: 8,
    });
    const queries = new TeamQueries(postgresExecutor(readers, 'bench'), await loadTeamAccess(readers));
    const timings: Record<string, { p50: number; p95: number; max: number }> = {};
    for (const name of QUERY_NAMES) {
      await queries.run(name, filter); // warm-up
      const times: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        const t = performance.now();
        await queries.run(name, filter);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      timings[name] = { p50: percentile(times, 50), p95: percentile(times, 95), max: percentile(times, 100) };
    }
    await readers.end();
    process.stdout.write(
      JSON.stringify({
        events: stored,
        developers: DEVELOPERS,
        days: DAYS,
        writers: WRITERS,
        batchSize: BATCH,
        batches,
        ingestSeconds: Math.round(ingestSeconds * 10) / 10,
        ingestEventsPerSecond: Math.round(stored / ingestSeconds),
        generateAndMapMs: Math.round(generateMs),
        databaseBytes: Number(size),
        queryRuns: RUNS,
        queriesMs90Days: timings,
        slowestP95Ms: Math.max(...Object.values(timings).map((t) => t.p95)),
      }) + '\n',
    );
  } finally {
    if (values.keep !== true) cluster.remove();
  }
}

void main();
