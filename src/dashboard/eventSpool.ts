// The JSONL spool: where events go while the SQLite store cannot be used (native module missing, schema
// too new), and how they are imported, idempotently by event id, once the store works again.
import { appendFileSync, existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { MetricEvent } from './metricEvents';
import { isMetricEvent } from './metricEvents';

/** Writes events to the store (or anywhere else): the recorder's only dependency. */
export interface EventSink {
  writeBatch(events: readonly MetricEvent[]): unknown;
}

/** Appends events, one JSON object a line. Each append opens and closes the file, so a concurrent import
 * that renamed the file away never loses a later append: the next one creates a new file. */
export class SpoolSink implements EventSink {
  constructor(readonly path: string) {}

  writeBatch(events: readonly MetricEvent[]): void {
    if (events.length === 0) return;
    appendFileSync(this.path, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
}

export interface SpoolImportResult {
  imported: number;
  /** Lines that were not a valid event (e.g. a line cut short by a crash). */
  invalid: number;
}

/** Imports the spool (and any import a crashed process left behind) into `sink`, then deletes it. The file is
 * renamed first so that windows still spooling start a fresh file instead of racing with the import. */
export function importSpool(path: string, sink: EventSink, chunkSize = 5000): SpoolImportResult {
  const dir = dirname(path);
  const prefix = `${basename(path)}.importing-`;
  if (existsSync(path)) {
    renameSync(path, `${path}.importing-${process.pid}-${Date.now()}`);
  }
  const pending = existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith(prefix)) : [];
  const result: SpoolImportResult = { imported: 0, invalid: 0 };
  for (const name of pending) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // another window imported and removed it first
    }
    let chunk: MetricEvent[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        result.invalid += 1;
        continue;
      }
      if (!isMetricEvent(parsed)) {
        result.invalid += 1;
        continue;
      }
      chunk.push(parsed);
      if (chunk.length >= chunkSize) {
        sink.writeBatch(chunk);
        result.imported += chunk.length;
        chunk = [];
      }
    }
    sink.writeBatch(chunk);
    result.imported += chunk.length;
    rmSync(file, { force: true });
  }
  return result;
}
