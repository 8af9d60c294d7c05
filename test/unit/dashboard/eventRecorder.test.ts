import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventRecorder } from '../../../src/dashboard/eventRecorder';
import type { RecorderTimer } from '../../../src/dashboard/eventRecorder';
import type { EventSink } from '../../../src/dashboard/eventSpool';
import type { MetricEvent } from '../../../src/dashboard/metricEvents';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { shown, tempDir } from './fixtures/eventFactory';

const run = promisify(execFile);

/** A timer the test advances by hand. */
class ManualTimer implements RecorderTimer {
  now = 0;
  private tasks: { due: number; callback: () => void; id: number }[] = [];
  private next = 1;
  set(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.tasks.push({ due: this.now + ms, callback, id });
    return id;
  }
  clear(handle: unknown): void {
    this.tasks = this.tasks.filter((t) => t.id !== handle);
  }
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.set(resolve, ms));
  }
  advance(ms: number): void {
    this.now += ms;
    for (;;) {
      const due = this.tasks.filter((t) => t.due <= this.now).sort((a, b) => a.due - b.due)[0];
      if (due === undefined) return;
      this.clear(due.id);
      due.callback();
    }
  }
}

class MemorySink implements EventSink {
  batches: MetricEvent[][] = [];
  failures: Error[] = [];
  writeBatch(events: readonly MetricEvent[]): void {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.batches.push([...events]);
  }
}

const busy = (): Error => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
const T0 = Date.UTC(2025, 4, 5, 9);

describe('event recorder', () => {
  it('flushes by size, in one batch, without writing on record()', () => {
    const timer = new ManualTimer();
    const sink = new MemorySink();
    const recorder = new EventRecorder(sink, { maxBatch: 3, flushIntervalMs: 1000, timer });
    recorder.record(shown(T0, 'a', 1, 1));
    recorder.record(shown(T0, 'b', 1, 1));
    recorder.record(shown(T0, 'c', 1, 1));
    assert.equal(sink.batches.length, 0);
    timer.advance(0);
    assert.deepEqual(
      sink.batches.map((b) => b.length),
      [3],
    );
  });

  it('flushes by time', () => {
    const timer = new ManualTimer();
    const sink = new MemorySink();
    const recorder = new EventRecorder(sink, { maxBatch: 100, flushIntervalMs: 1000, timer });
    recorder.record(shown(T0, 'a', 1, 1));
    timer.advance(999);
    recorder.record(shown(T0, 'b', 1, 1));
    assert.equal(sink.batches.length, 0);
    timer.advance(1);
    assert.deepEqual(
      sink.batches.map((b) => b.length),
      [2],
    );
  });

  it('keeps a batch through SQLITE_BUSY and retries with growing delays', () => {
    const timer = new ManualTimer();
    const sink = new MemorySink();
    sink.failures.push(busy(), busy());
    const recorder = new EventRecorder(sink, { maxBatch: 2, timer, retryInitialMs: 10, retryMaxMs: 1000 });
    recorder.record(shown(T0, 'a', 1, 1));
    recorder.record(shown(T0, 'b', 1, 1));
    timer.advance(0); // busy
    recorder.record(shown(T0, 'c', 1, 1));
    timer.advance(10); // first retry, jittered into [5, 10] ms: busy again
    assert.equal(recorder.pending, 3);
    assert.equal(sink.batches.length, 0);
    timer.advance(20); // second retry, jittered into [10, 20] ms: succeeds
    assert.equal(recorder.pending, 0);
    assert.deepEqual(
      sink.batches.map((b) => b.map((e) => (e.kind === 'suggestionShown' ? e.suggestionId : ''))),
      [['a', 'b', 'c']],
    );
    assert.equal(recorder.stats.busyRetries, 2);
  });

  it('writes what is left on close(), and spools what the store refuses', async () => {
    const sink = new MemorySink();
    const spool = new MemorySink();
    const recorder = new EventRecorder(sink, { fallback: spool, onError: () => undefined });
    recorder.record(shown(T0, 'a', 1, 1));
    sink.failures.push(new Error('disk I/O error'));
    await recorder.close();
    assert.equal(sink.batches.length, 0);
    assert.deepEqual(
      spool.batches.map((b) => b.length),
      [1],
    );
    assert.throws(() => recorder.record(shown(T0, 'b', 1, 1)), /closed/);
  });

  it('loses nothing when four processes write the same database at once', async function () {
    this.timeout(120_000);
    const { dir, cleanup } = tempDir();
    try {
      const dbPath = join(dir, 'shared.db');
      const spoolPath = join(dir, 'spool.jsonl');
      const script = join(__dirname, 'fixtures', 'concurrentWriter.ts');
      const perWorker = 600;
      const outputs = await Promise.all(
        [1, 2, 3, 4].map((worker) =>
          run(
            process.execPath,
            ['--require', 'tsx/cjs', script, dbPath, spoolPath, String(worker), String(perWorker)],
            {
              cwd: join(__dirname, '..', '..', '..'),
            },
          ),
        ),
      );
      const stats = outputs.map((o) => {
        assert.equal(o.stderr, '');
        return JSON.parse(o.stdout) as {
          written: number;
          spooled: number;
          busyRetries: number;
          errors: string[];
        };
      });
      for (const s of stats) {
        assert.deepEqual(s.errors, []);
        assert.equal(s.spooled, 0);
        assert.equal(s.written, perWorker * 2);
      }
      assert.equal(existsSync(spoolPath), false);
      const { store } = MetricsStore.open({ path: dbPath });
      const count = (sql: string): number => (store.db.prepare(sql).get() as { n: number }).n;
      assert.equal(count("SELECT COUNT(*) AS n FROM suggestion_events WHERE event = 'shown'"), 4 * perWorker);
      assert.equal(count('SELECT COUNT(*) AS n FROM chars_added'), 4 * perWorker);
      assert.equal(count('SELECT SUM(shown) AS n FROM rollup_15m'), 4 * perWorker);
      assert.equal(count('SELECT SUM(chars_typed) AS n FROM rollup_1d'), 4 * perWorker * 3);
      assert.equal(count('SELECT COUNT(DISTINCT developer_id) AS n FROM rollup_1h'), 4);
      store.close();
    } finally {
      cleanup();
    }
  });
});
