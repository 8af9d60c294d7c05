import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DashboardQueries } from '../../../src/dashboard/dashboardQueries';
import {
  DEFAULT_VIEW_STATE,
  SCREEN_SERIES,
  SCREEN_TABLE_COLUMNS,
  SCREEN_TILES,
  collectSnapshot,
  developerFilterAllowed,
  effectiveSource,
  filterForView,
  gatherSnapshot,
  isDashboardViewState,
  snapshotToCsv,
  snapshotToJson,
  viewDates,
} from '../../../src/dashboard/dashboardView';
import type { DashboardViewState } from '../../../src/dashboard/dashboardView';
import { MetricsStore } from '../../../src/dashboard/metricsStore';
import { TeamQueries, sqliteExecutor } from '../../../src/dashboard/teamQueries';
import { DAY, HOUR, accepted, chars, guard, request, shown, tempDir } from './fixtures/eventFactory';

const BERLIN = 'Europe/Berlin';
// 10:00 UTC on the day Berlin moves its clocks forward (a 23-hour local day).
const NOW = Date.UTC(2025, 2, 30, 10);

function view(change: Partial<DashboardViewState>): DashboardViewState {
  return { ...DEFAULT_VIEW_STATE, ...change };
}

describe('dashboard view state', () => {
  it('turns date presets into whole local days ending today, in the viewer zone', () => {
    const today = filterForView(view({ preset: 'today' }), BERLIN, NOW);
    assert.equal(today.from, Date.UTC(2025, 2, 29, 23)); // local midnight, still CET
    assert.equal(today.to, Date.UTC(2025, 2, 30, 22)); // next local midnight, CEST: 23 hours later
    const week = filterForView(view({ preset: '7d' }), BERLIN, NOW);
    assert.equal(week.from, Date.UTC(2025, 2, 23, 23));
    assert.equal(week.to, today.to);
    assert.deepEqual(viewDates(view({ preset: '90d' }), 'UTC', NOW), ['2024-12-31', '2025-03-30']);
    // Just after local midnight it is already the next day in Berlin, though not in UTC.
    const lateUtc = Date.UTC(2025, 2, 30, 22, 30);
    assert.deepEqual(viewDates(view({ preset: 'today' }), BERLIN, lateUtc), ['2025-03-31', '2025-03-31']);
    assert.deepEqual(viewDates(view({ preset: 'today' }), 'UTC', lateUtc), ['2025-03-30', '2025-03-30']);
  });

  it('puts a reversed custom range in order and keeps it within a year', () => {
    const reversed = view({ preset: 'custom', customFrom: '2025-03-10', customTo: '2025-03-01' });
    assert.deepEqual(viewDates(reversed, 'UTC', NOW), ['2025-03-01', '2025-03-10']);
    const filter = filterForView(reversed, 'UTC', NOW);
    assert.equal(filter.from, Date.UTC(2025, 2, 1));
    assert.equal(filter.to, Date.UTC(2025, 2, 11)); // the last day is included
    const huge = view({ preset: 'custom', customFrom: '2020-01-01', customTo: '2025-03-10' });
    assert.deepEqual(viewDates(huge, 'UTC', NOW), ['2024-03-10', '2025-03-10']);
  });

  it('passes only the dimension filters the viewer chose', () => {
    const filter = filterForView(view({ languages: ['go'], developers: ['dev-b'] }), 'UTC', NOW);
    assert.deepEqual(filter.languages, ['go']);
    assert.deepEqual(filter.developers, ['dev-b']);
    assert.equal('features' in filter, false);
    assert.equal('models' in filter, false);
  });

  it('accepts only well-formed saved states', () => {
    assert.equal(isDashboardViewState(DEFAULT_VIEW_STATE), true);
    assert.equal(isDashboardViewState({ ...DEFAULT_VIEW_STATE, preset: 'year' }), false);
    assert.equal(isDashboardViewState({ ...DEFAULT_VIEW_STATE, customTo: '03/10/2025' }), false);
    assert.equal(isDashboardViewState({ ...DEFAULT_VIEW_STATE, models: [3] }), false);
    assert.equal(isDashboardViewState(null), false);
    assert.equal(isDashboardViewState({ ...DEFAULT_VIEW_STATE, source: 'team' }), true);
    assert.equal(isDashboardViewState({ ...DEFAULT_VIEW_STATE, source: 'cloud' }), false);
  });

  it("reopens a state saved before the team view existed as the viewer's own data", () => {
    const { source: _source, ...old } = DEFAULT_VIEW_STATE;
    assert.equal(isDashboardViewState(old), true);
    assert.equal(effectiveSource(old, true), 'local');
  });

  it('shows the team view only while a team database is configured', () => {
    const team = view({ source: 'team' });
    assert.equal(effectiveSource(team, true), 'team');
    // The setting was removed: the saved choice falls back to local, and comes back with the setting.
    assert.equal(effectiveSource(team, false), 'local');
    assert.equal(effectiveSource(view({ source: 'local' }), true), 'local');
  });

  it("leaves the developer filter out of a non-lead's team view, and keeps it everywhere else", () => {
    const state = view({ source: 'team', developers: ['dev-b'], languages: ['go'] });
    assert.equal(developerFilterAllowed('local', undefined), true);
    assert.equal(developerFilterAllowed('team', undefined), false, 'before the access is known');
    assert.equal(developerFilterAllowed('team', { isLead: false, minGroupSize: 5 }), false);
    assert.equal(developerFilterAllowed('team', { isLead: true, minGroupSize: 5 }), true);
    const nonLead = filterForView(state, 'UTC', NOW, false);
    assert.equal('developers' in nonLead, false);
    assert.deepEqual(nonLead.languages, ['go']);
    assert.deepEqual(filterForView(state, 'UTC', NOW, true).developers, ['dev-b']);
  });
});

describe('dashboard export of what is on screen', () => {
  const D1 = Date.UTC(2025, 4, 5);
  const D2 = D1 + DAY;
  let cleanup: () => void;
  let store: MetricsStore;
  let queries: DashboardQueries;

  before(() => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    store = MetricsStore.open({ path: join(temp.dir, 'metrics.db') }).store;
    queries = new DashboardQueries(store.db);
    store.writeBatch([
      // Previous day: 2 shown, 1 accepted; one block.
      shown(D1 + 9 * HOUR, 'a1', 10, 2),
      shown(D1 + 9 * HOUR, 'a2', 10, 2),
      accepted(D1 + 9 * HOUR + 1000, 'a1', 10, 2),
      guard(D1 + 9 * HOUR, 'aws-key', { action: 'block' }),
      // Current day: 4 shown, 3 accepted (one python), two redactions (one python) and a block.
      shown(D2 + 9 * HOUR, 'b1', 10, 1),
      shown(D2 + 9 * HOUR, 'b2', 10, 1),
      shown(D2 + 9 * HOUR, 'b3', 10, 1),
      shown(D2 + 9 * HOUR, 'b4', 10, 1, { language: 'python' }),
      accepted(D2 + 9 * HOUR + 1000, 'b1', 10, 1),
      accepted(D2 + 9 * HOUR + 1000, 'b2', 10, 1),
      accepted(D2 + 9 * HOUR + 1000, 'b4', 10, 1, { language: 'python' }),
      chars(D2 + 10 * HOUR, 'typed', 70),
      chars(D2 + 10 * HOUR, 'completion', 30),
      request(D2 + 9 * HOUR, 100, 400),
      request(D2 + 9 * HOUR, 200, 600),
      guard(D2 + 11 * HOUR, 'email', { action: 'redact' }),
      guard(D2 + 11 * HOUR, 'email', { action: 'redact', language: 'python' }),
      guard(D2 + 12 * HOUR, 'private-key', { action: 'block', direction: 'output' }),
      guard(D2 + 12 * HOUR, 'internal-host', { action: 'warn' }),
    ]);
  });

  after(() => {
    store.close();
    cleanup();
  });

  const day2 = { from: D2, to: D2 + DAY, timeZone: 'UTC' };

  it('shows guard blocks and redactions as tiles, compared with the previous period', () => {
    const tiles = new Map(queries.tiles(day2).tiles.map((t) => [t.id, t]));
    assert.equal(tiles.get('guardBlocks')?.value, 1);
    assert.equal(tiles.get('guardBlocks')?.previous, 1);
    assert.equal(tiles.get('guardBlocks')?.delta, 0);
    assert.equal(tiles.get('guardRedactions')?.value, 2);
    assert.equal(tiles.get('guardRedactions')?.previous, 0);
    assert.equal(tiles.get('guardDecisions')?.value, 4);
    const python = new Map(queries.tiles({ ...day2, languages: ['python'] }).tiles.map((t) => [t.id, t]));
    assert.equal(python.get('guardRedactions')?.value, 1);
    assert.equal(python.get('guardBlocks')?.value, 0);
  });

  it('writes every panel of the screen to one CSV, with the figures the queries return', () => {
    const snapshot = collectSnapshot(queries, day2);
    const csv = snapshotToCsv(snapshot);
    const sections = csv.trimEnd().split('\n\n');
    assert.equal(sections.length, 8); // period, tiles, time series, 4 breakdowns, guard
    const tileLines = sections[1].split('\n');
    assert.equal(tileLines[0], 'metric,value,previous,delta,relative_change');
    assert.deepEqual(
      tileLines.slice(1).map((line) => line.split(',')[0]),
      [...SCREEN_TILES],
    );
    const row = (id: string): string[] | undefined =>
      tileLines.find((line) => line.startsWith(`${id},`))?.split(',');
    // 3 of 4 accepted now, 1 of 2 before: +0.25.
    assert.deepEqual(row('adoptionRateByCount'), ['adoptionRateByCount', '0.75', '0.5', '0.25', '0.5']);
    assert.deepEqual(row('codeGenerationRate')?.slice(0, 2), ['codeGenerationRate', '0.3']);
    assert.deepEqual(row('guardRedactions')?.slice(0, 3), ['guardRedactions', '2', '0']);
    assert.deepEqual(row('totalP50')?.slice(0, 2), ['totalP50', '500']);

    const series = sections[2].split('\n');
    assert.equal(series[0], 'section,time_series_hour');
    assert.equal(series[1], ['hour', ...SCREEN_SERIES].join(','));
    assert.equal(series.length, 2 + 24, 'one row per hour of the day');
    const nine = series.find((line) => line.startsWith('2025-05-06T09:00,'))?.split(',');
    assert.equal(nine?.[1 + SCREEN_SERIES.indexOf('shown')], '4');
    assert.equal(nine?.[1 + SCREEN_SERIES.indexOf('accepted')], '3');
    assert.equal(nine?.[1 + SCREEN_SERIES.indexOf('requests')], '2');

    const languages = sections[3].split('\n');
    assert.equal(languages[1], ['language', ...SCREEN_TABLE_COLUMNS].join(','));
    const python = languages.find((line) => line.startsWith('python,'))?.split(',');
    assert.equal(python?.[1 + SCREEN_TABLE_COLUMNS.indexOf('shown')], '1');
    assert.equal(python?.[1 + SCREEN_TABLE_COLUMNS.indexOf('adoptionRateByCount')], '1');

    const guardSection = sections[7].split('\n');
    assert.equal(guardSection[0], 'section,guard_decisions');
    assert.ok(guardSection.includes('email,secret,input,redact,chat,2'));
    assert.ok(guardSection.includes('private-key,secret,output,block,chat,1'));
  });

  it('narrows the export with the filter on screen', () => {
    const csv = snapshotToCsv(collectSnapshot(queries, { ...day2, languages: ['python'] }));
    const tiles = csv.split('\n\n')[1];
    assert.match(tiles, /^adoptionRateByCount,1,,,$/m); // python had nothing shown the day before
    assert.doesNotMatch(csv.split('\n\n')[3], /^typescript,/m);
  });

  it('exports the aggregated data as JSON with every metric', () => {
    const parsed = JSON.parse(snapshotToJson(collectSnapshot(queries, day2))) as {
      period: { from: string; to: string };
      tiles: { tiles: { id: string; value: number | null }[] };
      breakdowns: { developer: { rows: { key: string; metrics: Record<string, number | null> }[] } };
    };
    assert.equal(parsed.period.from, '2025-05-06T00:00:00.000Z');
    assert.equal(parsed.tiles.tiles.find((t) => t.id === 'accepted')?.value, 3);
    assert.equal(parsed.breakdowns.developer.rows[0].metrics.acceptedChars, 30);
  });

  it('exports the team view with the same figures, through the asynchronous team queries', async () => {
    // The team queries over the local store (the same SQL the team database runs), as a lead would see it.
    const team = new TeamQueries(sqliteExecutor(store.db), { isLead: true, minGroupSize: 1 });
    const local = snapshotToCsv(collectSnapshot(queries, day2));
    assert.equal(snapshotToCsv(await gatherSnapshot(team, day2)), local);
    assert.equal(snapshotToCsv(await gatherSnapshot(queries, day2)), local);
  });

  it('says in the export why the per-developer section is empty when the team withholds it', async () => {
    const team = new TeamQueries(sqliteExecutor(store.db), { isLead: false, minGroupSize: 5 });
    const snapshot = await gatherSnapshot(team, day2);
    assert.deepEqual(snapshot.breakdowns.developer.withheld?.minGroupSize, 5);
    const developerSection = snapshotToCsv(snapshot).split('\n\n')[6].split('\n');
    assert.equal(developerSection[0], 'section,by_developer');
    assert.deepEqual(developerSection.slice(2), [
      'withheld_min_group_size,5',
      'withheld_developers_in_selection,1',
    ]);
    // The other tables are not affected by the group size.
    assert.match(snapshotToCsv(snapshot).split('\n\n')[3], /^python,/m);
    const json = JSON.parse(snapshotToJson(snapshot)) as {
      breakdowns: { developer: { rows: unknown[]; withheld: { developers: number } } };
    };
    assert.deepEqual(json.breakdowns.developer.rows, []);
    assert.equal(json.breakdowns.developer.withheld.developers, 1);
  });
});
