// Sends events to a team test database the way the extension does: each developer syncs from their own local
// store (which decides which suggestions are new), through the writer logins in turn.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { MetricEvent } from '../../../src/dashboard/metricEvents';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { TeamSync } from '../../../src/dashboard/teamSync';
import type { TeamTestDatabase } from './testPostgres';

/** Syncs every developer's events in `all` from a store in `folder`, `batchSize` events per batch, to the team
 * 'payments'; returns the developers in order of first appearance. */
export async function syncEachDeveloper(
  db: TeamTestDatabase,
  all: readonly MetricEvent[],
  folder: string,
  batchSize: number,
): Promise<string[]> {
  const developers = [...new Set(all.map((e) => e.developerId))];
  for (const [index, developer] of developers.entries()) {
    const own = MetricsStore.open({ path: join(folder, `${developer}.sqlite`) }).store;
    try {
      const mine = all.filter((e) => e.developerId === developer);
      for (let i = 0; i < mine.length; i += 1000) own.writeBatch(mine.slice(i, i + 1000));
      const sync = new TeamSync({
        store: own,
        settings: { connectionString: db.urlFor(`writer${1 + (index % 3)}`), password: db.password },
        team: 'payments',
        batchSize,
      });
      assert.equal((await sync.sync()).pending, 0);
    } finally {
      own.close();
    }
  }
  return developers;
}
