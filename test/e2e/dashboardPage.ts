// What the dashboard e2e suites share: this machine's metrics database filled before the extension opens it, and
// reading the dashboard's tiles as a person does, waiting for a figure to arrive.
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import type { MetricEvent } from '../../src/dashboard/metricEvents';
import { MetricsStore } from '../../src/dashboard/metricsStore';
import { eventually } from '../support/waitFor';
import type { E2eSession } from './e2eSession';

/**
 * Writes `events` to the metrics database in the session's global storage. The extension opens it on first
 * use, and SQLite in WAL mode lets this process write while the extension host reads.
 */
export function seedLocalMetrics(session: E2eSession, events: MetricEvent[]): void {
  const dir = join(session.server.userDataDir, 'User', 'globalStorage', 'aegis.aegis-code-assistant');
  mkdirSync(dir, { recursive: true });
  const { store } = MetricsStore.open({ path: join(dir, 'metrics.sqlite') });
  try {
    store.writeBatch(events);
  } finally {
    store.close();
  }
}

export async function tileText(frame: Frame, metric: string): Promise<string> {
  return (await frame.locator(`.tile[data-metric="${metric}"] .tile-value`).innerText()).trim();
}

/** Waits until the tile shows `expected`; fails naming what it showed instead. */
export async function waitForTile(frame: Frame, metric: string, expected: string): Promise<void> {
  let seen = '';
  await eventually(
    async () => {
      seen = await tileText(frame, metric).catch(() => '');
      return seen === expected;
    },
    `tile ${metric} showing ${expected}`,
    30_000,
  ).catch(() => undefined);
  assert.equal(seen, expected, `tile ${metric}`);
}
