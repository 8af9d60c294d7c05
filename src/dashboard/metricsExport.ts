// CSV and JSON shapes of the dashboard's aggregates, shared by the CLI and the dashboard's export so that
// both print the figures the dashboard shows, computed by the same queries.
import { METRIC_DEFINITIONS } from './metricDefinitions';
import type { MetricId, MetricValues } from './metricDefinitions';
import type { BreakdownResult, Tile, TimeSeriesResult } from './dashboardQueries';

/** Metric columns of breakdown and time-series exports, in order. */
export const EXPORT_METRICS = Object.keys(METRIC_DEFINITIONS) as MetricId[];

/** Quotes a CSV cell; text that a spreadsheet would run as a formula is prefixed with a quote. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csv(rows: (string | number | null)[][]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

export function tilesToCsv(tiles: readonly Tile[]): string {
  return csv([
    ['metric', 'value', 'previous', 'delta', 'relative_change'],
    ...tiles.map((t) => [t.id, t.value, t.previous, t.delta, t.relativeChange]),
  ]);
}

function metricCells(metrics: MetricValues): (number | null)[] {
  return EXPORT_METRICS.map((id) => metrics[id]);
}

export function breakdownToCsv(result: BreakdownResult): string {
  return csv([
    [result.by, ...EXPORT_METRICS],
    ...result.rows.map((row) => [row.key, ...metricCells(row.metrics)]),
  ]);
}

export function timeSeriesToCsv(result: TimeSeriesResult): string {
  return csv([
    [result.granularity, ...EXPORT_METRICS],
    ...result.points.map((point) => [point.label, ...metricCells(point.metrics)]),
  ]);
}

/** Tiles keyed by metric id, the JSON shape the CLI prints. */
export function tilesToRecord(tiles: readonly Tile[]): Record<string, Omit<Tile, 'id'>> {
  const out: Record<string, Omit<Tile, 'id'>> = {};
  for (const { id, ...rest } of tiles) out[id] = rest;
  return out;
}
