// Saving an answer's code as a new file is its own interaction action: events spooled while the store was
// unavailable keep it through the import, and a developer whose only action that day was a save is active.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DashboardQueries } from '../../../src/dashboard/dashboardQueries';
import { importSpool, SpoolSink } from '../../../src/dashboard/eventSpool';
import { isMetricEvent } from '../../../src/dashboard/metricEvents';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { DAY, HOUR, interaction, tempDir } from './fixtures/eventFactory';

const D1 = Date.UTC(2025, 2, 10);

describe("the 'save' interaction", () => {
  let cleanup: () => void;
  let dir: string;
  let store: MetricsStore;

  beforeEach(() => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    dir = temp.dir;
    store = MetricsStore.open({ path: join(dir, 'metrics.db') }).store;
  });
  afterEach(() => {
    store.close();
    cleanup();
  });

  it('is a valid event, and an unknown action still is not', () => {
    const save = interaction(D1, 'chat', { action: 'save' });
    assert.equal(isMetricEvent(save), true);
    assert.equal(isMetricEvent({ ...save, action: 'print' }), false);
  });

  it('survives the spool import and counts its developer as active', () => {
    const spool = join(dir, 'events.jsonl');
    new SpoolSink(spool).writeBatch([
      interaction(D1 + 9 * HOUR, 'chat', { action: 'save', developerId: 'dev-saver' }),
    ]);
    assert.deepEqual(importSpool(spool, store), { imported: 1, invalid: 0 });

    const rows = store.db.prepare('SELECT action FROM interactions').all() as Array<{ action: string }>;
    assert.deepEqual(rows, [{ action: 'save' }]);
    const tiles = new DashboardQueries(store.db).tiles({ from: D1, to: D1 + DAY, timeZone: 'UTC' }).tiles;
    assert.equal(tiles.find((t) => t.id === 'activeDevelopers')?.value, 1);
  });
});
