import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DashboardQueries } from '../../../src/dashboard/dashboardQueries';
import type { DashboardFilter } from '../../../src/dashboard/dashboardQueries';
import { METRIC_DEFINITIONS, percentileOfSorted } from '../../../src/dashboard/metricDefinitions';
import type { MetricEvent } from '../../../src/dashboard/metricEvents';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import {
  DAY,
  accepted,
  chars,
  dismissed,
  guard,
  interaction,
  request,
  retention,
  shown,
  tempDir,
} from './fixtures/eventFactory';

const D1 = Date.UTC(2025, 2, 10); // Monday 2025-03-10, UTC
const D2 = D1 + DAY;
const at = (day: number, hh: number, mm = 0, ss = 0): number => day + ((hh * 60 + mm) * 60 + ss) * 1000;

/** Two UTC days of hand-built activity; every expected figure below is worked out by hand from it. */
function sequence(): MetricEvent[] {
  const small = Array.from({ length: 9 }, (_, i) => shown(at(D2, 11, i), `s${5 + i}`, 10, 1));
  return [
    // Day 1: s1 shown twice (one re-display), accepted in full; s2 accepted in two parts; s3 dismissed.
    shown(at(D1, 9), 's1', 100, 4),
    shown(at(D1, 9, 0, 5), 's1', 100, 4),
    shown(at(D1, 9, 1), 's2', 50, 2),
    shown(at(D1, 9, 2), 's3', 30, 1),
    accepted(at(D1, 9, 0, 10), 's1', 100, 4),
    accepted(at(D1, 9, 1, 10), 's2', 20, 1, { partial: true }),
    accepted(at(D1, 9, 1, 20), 's2', 30, 1),
    dismissed(at(D1, 9, 2, 30), 's3'),
    // Day 2: s4 accepted, nine more shown and ignored. Shown only, so dev-b is not active.
    shown(at(D2, 10), 's4', 10, 1),
    accepted(at(D2, 10, 0, 3), 's4', 10, 1),
    ...small.map((e) => ({ ...e, developerId: 'dev-b' })),
    // Characters added.
    chars(at(D1, 9, 30), 'typed', 600),
    chars(at(D1, 9, 31), 'pasted', 200),
    chars(at(D1, 9, 32), 'completion', 160),
    chars(at(D2, 15), 'chat', 40, { model: 'model-chat' }),
    // Retention checks of s1 (100 accepted chars) and s2 (50).
    retention(at(D1, 9, 0, 40), 's1', 30, 100, 90),
    retention(at(D1, 9, 2, 10), 's1', 120, 100, 80),
    retention(at(D1, 9, 1, 50), 's2', 30, 50, 50),
    retention(at(D1, 9, 11, 20), 's2', 600, 50, 25),
    // Requests: four start in the minute 10:00 (day 1), one at 10:01:30, two chat requests.
    request(at(D1, 10, 0, 0), 100, 1000),
    request(at(D1, 10, 0, 10), 200, 2000),
    request(at(D1, 10, 0, 20), 300, 3000),
    request(at(D1, 10, 0, 59), null, 50, { outcome: 'cancelled' }),
    request(at(D1, 10, 1, 30), 400, 4000, { outcome: 'empty' }),
    request(at(D2, 14), 500, 5000, { feature: 'chat', model: 'model-chat' }),
    request(at(D2, 14, 0, 1), null, 9000, { feature: 'chat', model: 'model-chat', outcome: 'failed' }),
    // Interactions: dev-c asks in chat (active); dev-d only has an automatic one (not active).
    interaction(at(D2, 14), 'chat', { developerId: 'dev-c' }),
    interaction(at(D2, 16), 'diagnosis', { developerId: 'dev-d', userInitiated: false }),
    // Guard decisions.
    guard(at(D1, 12), 'secret.aws-key'),
    guard(at(D2, 12), 'secret.aws-key'),
    guard(at(D2, 13), 'pii.email', {
      direction: 'output',
      action: 'block',
      feature: 'completion',
      category: 'pii',
    }),
  ];
}

describe('metric definitions, computed from hand-built events', () => {
  let cleanup: () => void;
  let store: MetricsStore;
  let queries: DashboardQueries;
  const filter: DashboardFilter = { from: D1, to: D2 + DAY, timeZone: 'UTC' };

  before(() => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    store = MetricsStore.open({ path: join(temp.dir, 'metrics.db') }).store;
    store.writeBatch(sequence());
    queries = new DashboardQueries(store.db);
  });
  after(() => {
    store.close();
    cleanup();
  });

  const tile = (id: string, f: DashboardFilter = filter): number | null => {
    const found = queries.tiles(f).tiles.find((t) => t.id === id);
    assert.ok(found, id);
    return found.value;
  };

  it('counts a re-displayed suggestion once as shown', () => {
    assert.equal(tile('shown'), 13);
  });

  it('counts accepted suggestions once, full and partial, with accepted length', () => {
    const [row] = queries.breakdown(filter, 'feature').rows;
    assert.equal(row.key, 'completion');
    assert.equal(row.metrics.accepted, 3);
    assert.equal(row.metrics.acceptedFull, 3); // s2 was finished with a full acceptance
    assert.equal(row.metrics.acceptedPartial, 1);
    assert.equal(row.metrics.acceptedChars, 160);
    assert.equal(row.metrics.acceptedLines, 7);
    assert.equal(row.metrics.dismissed, 1);
  });

  it('adoption rates are ratios of sums, not averages of daily ratios', () => {
    assert.equal(tile('adoptionRateByCount'), 3 / 13);
    assert.equal(tile('adoptionRateByChars'), 160 / 280);
    assert.equal(tile('adoptionRateByLines'), 7 / 17);
    const days = queries.timeSeries(filter, 'day').points;
    assert.deepEqual(
      days.map((p) => p.metrics.adoptionRateByCount),
      [2 / 3, 1 / 10],
    );
    assert.notEqual(tile('adoptionRateByCount'), (2 / 3 + 1 / 10) / 2);
  });

  it('code generation rate is assistant characters over all characters added', () => {
    assert.equal(tile('codeGenerationRate'), 200 / 1000);
    // A feature filter narrows the numerator only: chat wrote 40 of the 1000 characters added.
    assert.equal(tile('codeGenerationRate', { ...filter, features: ['chat'] }), 40 / 1000);
  });

  it('retention is the share of accepted characters still present at each checkpoint', () => {
    assert.equal(tile('retention30s'), 140 / 150);
    assert.equal(tile('retention2m'), 80 / 100);
    assert.equal(tile('retention5m'), null);
    assert.equal(tile('retention10m'), 25 / 50);
  });

  it('QPS: average over the period and peak over the busiest minute', () => {
    assert.equal(tile('requests'), 7);
    assert.equal(tile('qpsAverage'), 7 / (2 * 86_400));
    assert.equal(tile('qpsPeak'), 4 / 60);
    const byFeature = queries.breakdown(filter, 'feature').rows;
    const chat = byFeature.find((r) => r.key === 'chat');
    assert.equal(chat?.metrics.qpsPeak, 2 / 60);
    assert.equal(chat?.metrics.qpsAverage, 2 / (2 * 86_400));
  });

  it('latency percentiles: ttft of requests with a first token, total of completed requests', () => {
    // ttft values 100..500; totals 1000..5000 (cancelled and failed requests excluded from total).
    assert.equal(tile('ttftP50'), 300);
    assert.equal(tile('ttftP95'), 480);
    assert.equal(tile('ttftP99'), 496);
    assert.equal(tile('totalP50'), 3000);
    assert.equal(tile('totalP95'), 4800);
    assert.equal(tile('totalP99'), 4960);
    assert.equal(percentileOfSorted([100, 200, 300, 400, 500], 95), 480);
  });

  it('active developers have a user-initiated interaction; a shown suggestion is not one', () => {
    assert.equal(tile('activeDevelopers'), 2); // dev-a (acceptances) and dev-c (chat)
    const days = queries.timeSeries(filter, 'day').points;
    assert.deepEqual(
      days.map((p) => p.metrics.activeDevelopers),
      [1, 2],
    );
  });

  it('guard decisions by rule, direction, action and feature', () => {
    assert.equal(tile('guardDecisions'), 3);
    assert.deepEqual(queries.guardBreakdown(filter), [
      {
        ruleId: 'secret.aws-key',
        category: 'secret',
        direction: 'input',
        action: 'redact',
        feature: 'chat',
        decisions: 2,
      },
      {
        ruleId: 'pii.email',
        category: 'pii',
        direction: 'output',
        action: 'block',
        feature: 'completion',
        decisions: 1,
      },
    ]);
  });

  it('every metric has a tooltip description', () => {
    for (const definition of Object.values(METRIC_DEFINITIONS)) {
      assert.ok(definition.description.length > 20, definition.id);
    }
  });
});

describe('days are bucketed in the viewer time zone', () => {
  let cleanup: () => void;
  let store: MetricsStore;
  let queries: DashboardQueries;

  before(() => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    store = MetricsStore.open({ path: join(temp.dir, 'metrics.db') }).store;
    queries = new DashboardQueries(store.db);
    store.writeBatch([
      // 20:00 UTC on the 9th and 10:00 UTC on the 10th are both 10 March in Kolkata (UTC+05:30).
      shown(Date.UTC(2025, 2, 9, 20), 'k1', 10, 1),
      shown(Date.UTC(2025, 2, 10, 10), 'k2', 10, 1),
      // 22:30 UTC on 30 March is 00:30 on 31 March in Berlin (summer time started that day).
      shown(Date.UTC(2025, 2, 30, 22, 30), 'b1', 10, 1),
      shown(Date.UTC(2025, 2, 30, 21, 30), 'b2', 10, 1),
    ]);
  });
  after(() => {
    store.close();
    cleanup();
  });

  it('puts events on both sides of UTC midnight on the same local day', () => {
    const from = Date.UTC(2025, 2, 8, 18, 30); // 9 March 00:00 in Kolkata
    const series = queries.timeSeries({ from, to: from + 3 * DAY, timeZone: 'Asia/Kolkata' });
    assert.equal(series.granularity, 'day');
    assert.deepEqual(
      series.points.map((p) => [p.label, p.metrics.shown]),
      [
        ['2025-03-09', 0],
        ['2025-03-10', 2],
        ['2025-03-11', 0],
      ],
    );
    assert.equal(series.points[1].start, Date.UTC(2025, 2, 9, 18, 30));
    // The same data in UTC splits across two days.
    const utc = queries.timeSeries(
      { from: Date.UTC(2025, 2, 9), to: Date.UTC(2025, 2, 11), timeZone: 'UTC' },
      'day',
    );
    assert.deepEqual(
      utc.points.map((p) => p.metrics.shown),
      [1, 1],
    );
    // A fixed offset gives the same days as the zone.
    const fixed = queries.timeSeries({ from, to: from + 3 * DAY, timeZone: '+05:30' });
    assert.deepEqual(
      fixed.points.map((p) => p.metrics.shown),
      [0, 2, 0],
    );
  });

  it('handles a 23-hour day at the start of summer time, hourly for short ranges', () => {
    const from = Date.UTC(2025, 2, 29, 23); // 30 March 00:00 CET
    const to = Date.UTC(2025, 2, 30, 22); // 31 March 00:00 CEST
    const series = queries.timeSeries({ from, to, timeZone: 'Europe/Berlin' });
    assert.equal(series.granularity, 'hour');
    assert.equal(series.points.length, 23);
    assert.equal(series.points[2].label, '2025-03-30T03:00'); // 02:00 does not exist that night
    assert.equal(series.points.at(-1)?.label, '2025-03-30T23:00');
    assert.equal(series.points.at(-1)?.metrics.shown, 1); // b2 at 23:30 CEST
    const days = queries.timeSeries({ from, to: to + DAY, timeZone: 'Europe/Berlin' }, 'day');
    assert.deepEqual(
      days.points.map((p) => [p.label, p.metrics.shown]),
      [
        ['2025-03-30', 1],
        ['2025-03-31', 1],
      ],
    );
  });
});
