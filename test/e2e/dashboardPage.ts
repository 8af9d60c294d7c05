// What the dashboard e2e suites share: reading the dashboard's tiles as a person does, waiting for a figure to
// arrive.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { eventually } from '../support/waitFor';

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
