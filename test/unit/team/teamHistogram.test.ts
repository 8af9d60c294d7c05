// Latency histograms of the team database: the bins and the percentile estimate against exact percentiles.
import assert from 'node:assert/strict';
import { percentileOfSorted, PERCENTILES } from '../../../src/dashboard/metricDefinitions';
import { histogramPercentiles } from '../../../src/dashboard/teamQueries';
import {
  histogramBin,
  histogramBinBounds,
  HISTOGRAM_LAST_BIN,
  HISTOGRAM_RELATIVE_ERROR,
} from '../../../src/dashboard/teamSchema';
import { withinHistogramBound } from './sameFigures';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('team latency histograms', () => {
  it('puts each latency in the bin whose bounds hold it', () => {
    for (const ms of [0, 0.4, 1, 1.5, 2, 37, 120.25, 999, 1000, 65_000, 3_600_000]) {
      const [low, high] = histogramBinBounds(histogramBin(ms));
      assert.ok(low <= ms && ms < high, `${ms} not in [${low}, ${high})`);
      assert.ok(high / Math.max(low, 1) <= 1 + HISTOGRAM_RELATIVE_ERROR + 1e-12 || low === 0);
    }
    assert.equal(histogramBin(1e12), HISTOGRAM_LAST_BIN);
  });

  it('estimates p50, p95 and p99 within the documented bound, for skewed and tiny sets', () => {
    const next = random(5);
    const sets: number[][] = [
      Array.from({ length: 5000 }, () => 40 * Math.exp(next() * 4)),
      Array.from({ length: 3 }, () => 200 + next() * 50),
      [0.2, 0.7, 3],
      [850],
      Array.from({ length: 999 }, (_, i) => (i % 10 === 0 ? 9000 : 120)),
    ];
    for (const values of sets) {
      const histogram = new Map<number, number>();
      for (const v of values) histogram.set(histogramBin(v), (histogram.get(histogramBin(v)) ?? 0) + 1);
      const sorted = Float64Array.from(values).sort();
      const estimate = histogramPercentiles(histogram);
      PERCENTILES.forEach((p, i) => {
        const exact = percentileOfSorted(sorted, p);
        assert.ok(withinHistogramBound(estimate[i], exact), `p${p}: ${estimate[i]} vs ${exact}`);
      });
    }
    assert.deepEqual(histogramPercentiles(new Map()), [null, null, null]);
  });
});
