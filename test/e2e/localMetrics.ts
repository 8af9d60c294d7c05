// The session's local metrics database as the e2e suites use it: filled before the extension opens it, and read
// back (read-only) to check what a feature recorded.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MetricEvent } from '../../src/dashboard/metricEvents';
import { MetricsStore } from '../../src/dashboard/metricsStore';
import { eventually } from '../support/waitFor';
import type { E2eSession } from './e2eSession';

function metricsFolder(session: E2eSession): string {
  return join(session.server.userDataDir, 'User', 'globalStorage', 'aegis.aegis-code-assistant');
}

/**
 * Writes `events` to the metrics database in the session's global storage. The extension opens it on first
 * use, and SQLite in WAL mode lets this process write while the extension host reads.
 */
export function seedLocalMetrics(session: E2eSession, events: MetricEvent[]): void {
  const dir = metricsFolder(session);
  mkdirSync(dir, { recursive: true });
  const { store } = MetricsStore.open({ path: join(dir, 'metrics.sqlite') });
  try {
    store.writeBatch(events);
  } finally {
    store.close();
  }
}

/**
 * Reads the session's metrics database until `read` returns a value: the recorder writes in batches every few
 * seconds, so the rows a test waits for arrive late. A database that does not exist yet, or that the extension
 * host is migrating, is looked at again.
 */
export async function waitForLocalMetrics<T>(
  session: E2eSession,
  read: (db: Database.Database) => T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const path = join(metricsFolder(session), 'metrics.sqlite');
  return eventually(
    () => {
      if (!existsSync(path)) return undefined;
      let db: Database.Database | undefined;
      try {
        db = new Database(path, { readonly: true, fileMustExist: true });
        return read(db);
      } catch {
        return undefined;
      } finally {
        db?.close();
      }
    },
    what,
    timeoutMs,
  );
}
