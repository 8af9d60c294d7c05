// Compares team figures with the local dashboard's: every figure exactly, except latency percentiles, which
// the team database estimates from histograms and must be within the documented bound of the exact ones.
import assert from 'node:assert/strict';
import { HISTOGRAM_RELATIVE_ERROR } from '../../../src/dashboard/teamSchema';

const LATENCY_IDS = new Set(['ttftP50', 'ttftP95', 'ttftP99', 'totalP50', 'totalP95', 'totalP99']);

/** Whether an estimate is within the histogram bound of the exact value (both null counts as equal). */
export function withinHistogramBound(estimate: unknown, exact: unknown): boolean {
  if (exact === null || estimate === null) return exact === estimate;
  if (typeof exact !== 'number' || typeof estimate !== 'number') return false;
  return Math.abs(estimate - exact) <= HISTOGRAM_RELATIVE_ERROR * Math.abs(exact) + 1 + 1e-9;
}

function walk(actual: unknown, expected: unknown, path: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((item, i) => walk(actual[i], item, `${path}[${i}]`));
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    assert.ok(typeof actual === 'object' && actual !== null, `${path}: not an object`);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${path}: keys`);
    // A latency tile: its value and previous value are estimates; the deltas follow from them.
    const latencyTile = typeof e.id === 'string' && LATENCY_IDS.has(e.id);
    for (const key of Object.keys(e)) {
      if (latencyTile && (key === 'delta' || key === 'relativeChange')) {
        assert.equal(a[key] === null, e[key] === null, `${path}.${key}: null-ness`);
      } else if (latencyTile && (key === 'value' || key === 'previous')) {
        assert.ok(
          withinHistogramBound(a[key], e[key]),
          `${path}.${key}: ${String(a[key])} vs ${String(e[key])}`,
        );
      } else if (LATENCY_IDS.has(key)) {
        assert.ok(
          withinHistogramBound(a[key], e[key]),
          `${path}.${key}: ${String(a[key])} vs ${String(e[key])}`,
        );
      } else {
        walk(a[key], e[key], `${path}.${key}`);
      }
    }
    return;
  }
  assert.equal(actual, expected, path);
}

export function assertSameFigures(actual: unknown, expected: unknown): void {
  walk(actual, expected, '$');
}
