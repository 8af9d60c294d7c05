// The adoption dashboard page: filters (date presets or custom dates, language, feature, model, developer),
// tiles with their definitions and the change against the previous period, uPlot charts over time, and
// breakdown tables. It talks to the extension only through the dashboard protocol, validates every message,
// keeps its view state in the webview state (and reports it for the workspace state), and re-queries when
// the extension says new events were written. Every text comes localized in the init message.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import uPlot from 'uplot';
import { isExtensionToWebview } from '../../src/dashboard/dashboardProtocol';
import type {
  DashboardStrings,
  ExportKind,
  InitMessage,
  QueryResults,
  WebviewToExtension,
} from '../../src/dashboard/dashboardProtocol';
import type {
  BreakdownDimension,
  BreakdownResult,
  DashboardFilter,
  FilterValues,
  GuardBreakdownRow,
  QueryName,
  TilesResult,
  TimeSeriesResult,
} from '../../src/dashboard/dashboardQueries';
import {
  DATE_PRESETS,
  DEFAULT_VIEW_STATE,
  SCREEN_CHARTS,
  SCREEN_TABLE_COLUMNS,
  SCREEN_TILES,
  filterForView,
  isDashboardViewState,
  viewDates,
} from '../../src/dashboard/dashboardView';
import type { ChartId, DashboardViewState, DatePreset } from '../../src/dashboard/dashboardView';
import type { MetricDefinition, MetricId } from '../../src/dashboard/metricDefinitions';

interface VsCodeApi {
  postMessage(message: WebviewToExtension): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The value-bearing parts of the vscode-elements controls this page uses. */
interface ValueElement<T> extends HTMLElement {
  value: T;
}

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

interface Page {
  init: InitMessage;
  strings: DashboardStrings;
  definitions: Map<MetricId, MetricDefinition>;
  view: DashboardViewState;
  filterValues: FilterValues;
  /** Clock offset: the extension's now minus ours, so "today" matches the extension host. */
  skew: number;
  generation: number;
  charts: Map<ChartId, uPlot>;
  series: TimeSeriesResult | undefined;
}

let page: Page | undefined;
let nextRequestId = 1;
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

function post(message: WebviewToExtension): void {
  vscode.postMessage(message);
}

function request<Q extends QueryName>(query: Q, filter: DashboardFilter): Promise<QueryResults[Q]> {
  const requestId = nextRequestId++;
  return new Promise<QueryResults[Q]>((resolve, reject) => {
    pending.set(requestId, { resolve: resolve as (value: unknown) => void, reject });
    post({ type: 'query', requestId, query, filter });
  });
}

function exportRequest(kind: ExportKind | 'json', filter: DashboardFilter): Promise<unknown> {
  const requestId = nextRequestId++;
  return new Promise((resolve, reject) => {
    pending.set(requestId, { resolve, reject });
    if (kind === 'json') post({ type: 'exportJson', requestId, filter });
    else post({ type: 'exportCsv', requestId, kind, filter });
  });
}

// ---------------------------------------------------------------------------------------------------------
// DOM and formatting helpers

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; attrs?: Record<string, string> } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className !== undefined) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function fill(template: string, ...values: string[]): string {
  return template.replace(/\{(\d+)\}/g, (_, i: string) => values[Number(i)] ?? '');
}

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`missing #${id}`);
  return found as T;
}

function unitOf(id: MetricId): MetricDefinition['unit'] {
  return page?.definitions.get(id)?.unit ?? 'count';
}

function formatValue(id: MetricId, value: number | null): string {
  if (value === null) return '–';
  const locale = page?.init.locale;
  switch (unitOf(id)) {
    case 'ratio':
      return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);
    case 'ms':
      return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value)} ms`;
    case 'qps':
      return new Intl.NumberFormat(locale, { maximumSignificantDigits: 3 }).format(value);
    default:
      return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
  }
}

/** Change against the previous period: percentage points for ratios, relative change for the rest. */
function formatChange(id: MetricId, delta: number | null, relative: number | null): string {
  const strings = page?.strings;
  if (strings === undefined) return '';
  const locale = page?.init.locale;
  if (delta === null) return fill(strings.previousPeriod, strings.noChange);
  if (unitOf(id) === 'ratio') {
    const points = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, signDisplay: 'exceptZero' });
    return fill(strings.previousPeriod, `${points.format(delta * 100)} pp`);
  }
  if (relative === null) {
    const plain = new Intl.NumberFormat(locale, { maximumSignificantDigits: 3, signDisplay: 'exceptZero' });
    return fill(strings.previousPeriod, plain.format(delta));
  }
  const percent = new Intl.NumberFormat(locale, {
    style: 'percent',
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  });
  return fill(strings.previousPeriod, percent.format(relative));
}

function label(id: MetricId): string {
  return page?.definitions.get(id)?.label ?? id;
}

function setStatus(text: string, isError = false): void {
  const status = document.getElementById('status');
  if (status === null) return;
  status.textContent = text;
  status.classList.toggle('error', isError);
}

// ---------------------------------------------------------------------------------------------------------
// Layout

function presetLabel(preset: DatePreset, s: DashboardStrings): string {
  switch (preset) {
    case 'today':
      return s.presetToday;
    case '7d':
      return s.preset7d;
    case '14d':
      return s.preset14d;
    case '30d':
      return s.preset30d;
    case '90d':
      return s.preset90d;
    case 'custom':
      return s.presetCustom;
  }
}

function option(value: string, text: string, selected: boolean): HTMLElement {
  const o = el('vscode-option', { text, attrs: { value } });
  if (selected) o.setAttribute('selected', '');
  return o;
}

const DIMENSIONS: readonly {
  key: keyof FilterValues;
  state: keyof DashboardViewState;
  label: keyof DashboardStrings;
}[] = [
  { key: 'languages', state: 'languages', label: 'language' },
  { key: 'features', state: 'features', label: 'feature' },
  { key: 'models', state: 'models', label: 'model' },
  { key: 'developers', state: 'developers', label: 'developer' },
];

const TABLES: readonly { by: BreakdownDimension; caption: keyof DashboardStrings }[] = [
  { by: 'language', caption: 'byLanguage' },
  { by: 'feature', caption: 'byFeature' },
  { by: 'model', caption: 'byModel' },
  { by: 'developer', caption: 'byDeveloper' },
];

const CHART_CAPTIONS: Record<ChartId, keyof DashboardStrings> = {
  suggestions: 'chartSuggestions',
  rates: 'chartRates',
  latency: 'chartLatency',
  requests: 'chartRequests',
};

function buildLayout(p: Page): void {
  const s = p.strings;
  app.replaceChildren();
  const header = el(
    'header',
    { className: 'header' },
    el('h1', { text: s.title }),
    el('span', {
      className: 'time-zone',
      text: fill(s.timeZone, p.init.timeZone),
      attrs: { id: 'time-zone' },
    }),
  );
  if (p.init.demo) header.append(el('span', { className: 'badge', text: s.demoData }));
  for (const notice of p.init.notices) header.append(el('p', { className: 'notice', text: notice }));

  const preset = el('vscode-single-select', { attrs: { id: 'preset', 'aria-label': s.period } });
  for (const value of DATE_PRESETS)
    preset.append(option(value, presetLabel(value, s), value === p.view.preset));
  const [first, last] = viewDates(p.view, p.init.timeZone, Date.now() + p.skew);
  const from = el('vscode-textfield', {
    attrs: { id: 'custom-from', type: 'date', 'aria-label': s.from, value: first },
  });
  const to = el('vscode-textfield', {
    attrs: { id: 'custom-to', type: 'date', 'aria-label': s.to, value: last },
  });
  const custom = el(
    'div',
    { className: 'custom-range', attrs: { id: 'custom-range' } },
    el('vscode-label', { text: s.from, attrs: { for: 'custom-from' } }),
    from,
    el('vscode-label', { text: s.to, attrs: { for: 'custom-to' } }),
    to,
  );
  custom.hidden = p.view.preset !== 'custom';

  const filters = el('div', { className: 'filters', attrs: { role: 'group', 'aria-label': s.filters } });
  filters.append(
    el(
      'div',
      { className: 'field' },
      el('vscode-label', { text: s.period, attrs: { for: 'preset' } }),
      preset,
    ),
    custom,
  );
  for (const dim of DIMENSIONS) {
    const id = `filter-${dim.key}`;
    const select = el('vscode-multi-select', { attrs: { id, 'aria-label': s[dim.label] } });
    filters.append(
      el(
        'div',
        { className: 'field' },
        el('vscode-label', { text: s[dim.label], attrs: { for: id } }),
        select,
      ),
    );
  }
  const clear = el('vscode-button', { text: s.clearFilters, attrs: { id: 'clear-filters', secondary: '' } });
  const csv = el('vscode-button', { text: s.exportCsv, attrs: { id: 'export-csv' } });
  const json = el('vscode-button', { text: s.exportJson, attrs: { id: 'export-json', secondary: '' } });
  filters.append(el('div', { className: 'actions' }, clear, csv, json));

  const tiles = el('section', { className: 'tiles', attrs: { id: 'tiles', 'aria-label': s.title } });
  for (const id of SCREEN_TILES) {
    const definition = p.definitions.get(id);
    const defId = `def-${id}`;
    tiles.append(
      el(
        'div',
        {
          className: 'tile',
          attrs: {
            'data-metric': id,
            tabindex: '0',
            role: 'group',
            'aria-describedby': defId,
            title: definition?.description ?? '',
          },
        },
        el('div', { className: 'tile-label', text: label(id) }),
        el('div', { className: 'tile-value', text: '–' }),
        el('div', { className: 'tile-change', text: '' }),
        el('div', {
          className: 'tile-definition',
          text: definition?.description ?? '',
          attrs: { id: defId, role: 'tooltip' },
        }),
      ),
    );
  }

  const charts = el('section', { className: 'charts' });
  for (const chart of SCREEN_CHARTS) {
    charts.append(
      el(
        'figure',
        { className: 'chart', attrs: { 'data-chart': chart.id } },
        el('figcaption', { text: s[CHART_CAPTIONS[chart.id]] }),
        el('div', {
          className: 'chart-body',
          attrs: { id: `chart-${chart.id}`, role: 'img', 'aria-label': s[CHART_CAPTIONS[chart.id]] },
        }),
      ),
    );
  }

  const tables = el('section', { className: 'tables' });
  for (const table of TABLES) {
    tables.append(el('div', { className: 'table-wrap', attrs: { id: `table-${table.by}` } }));
  }
  tables.append(el('div', { className: 'table-wrap', attrs: { id: 'table-guard' } }));

  const status = el('p', {
    className: 'status',
    attrs: { id: 'status', role: 'status', 'aria-live': 'polite' },
  });
  app.append(header, filters, status, tiles, charts, tables);
  app.setAttribute('aria-busy', 'false');
  fillFilterOptions(p);
  wireControls(p);
}

function fillFilterOptions(p: Page): void {
  for (const dim of DIMENSIONS) {
    const select = byId<ValueElement<string[]>>(`filter-${dim.key}`);
    const chosen = p.view[dim.state] as string[];
    // Values chosen earlier stay selectable even when the store no longer lists them.
    const values = [...new Set([...p.filterValues[dim.key], ...chosen])].filter((v) => v !== '');
    select.replaceChildren(...values.map((v) => option(v, v, chosen.includes(v))));
  }
}

function changeView(p: Page, change: Partial<DashboardViewState>): void {
  p.view = { ...p.view, ...change };
  vscode.setState({ view: p.view });
  post({ type: 'saveState', state: p.view });
  void reload(p);
}

function wireControls(p: Page): void {
  const preset = byId<ValueElement<string>>('preset');
  preset.addEventListener('change', () => {
    const value = preset.value as DatePreset;
    byId('custom-range').hidden = value !== 'custom';
    const change: Partial<DashboardViewState> = { preset: value };
    if (value === 'custom') {
      // Start the custom range from what was on screen.
      const [first, last] = viewDates(p.view, p.init.timeZone, Date.now() + p.skew);
      change.customFrom = first;
      change.customTo = last;
      byId<ValueElement<string>>('custom-from').value = first;
      byId<ValueElement<string>>('custom-to').value = last;
    }
    changeView(p, change);
  });
  for (const [id, key] of [
    ['custom-from', 'customFrom'],
    ['custom-to', 'customTo'],
  ] as const) {
    const field = byId<ValueElement<string>>(id);
    field.addEventListener('change', () => {
      if (/^\d{4}-\d{2}-\d{2}$/.test(field.value)) changeView(p, { [key]: field.value });
    });
  }
  for (const dim of DIMENSIONS) {
    const select = byId<ValueElement<string[]>>(`filter-${dim.key}`);
    select.addEventListener('change', () => changeView(p, { [dim.state]: [...select.value] }));
  }
  byId('clear-filters').addEventListener('click', () => {
    for (const dim of DIMENSIONS) byId<ValueElement<string[]>>(`filter-${dim.key}`).value = [];
    changeView(p, { languages: [], features: [], models: [], developers: [] });
  });
  const exporter = (kind: ExportKind | 'json') => (): void => {
    void exportRequest(kind, currentFilter(p)).then(
      (saved) => {
        if (saved === true) setStatus(p.strings.exported);
      },
      (error: Error) => setStatus(fill(p.strings.error, error.message), true),
    );
  };
  byId('export-csv').addEventListener('click', exporter('dashboard'));
  byId('export-json').addEventListener('click', exporter('json'));
}

function currentFilter(p: Page): DashboardFilter {
  return filterForView(p.view, p.init.timeZone, Date.now() + p.skew);
}

// ---------------------------------------------------------------------------------------------------------
// Rendering results

function renderTiles(result: TilesResult): void {
  for (const tile of result.tiles) {
    const node = document.querySelector<HTMLElement>(`.tile[data-metric="${tile.id}"]`);
    if (node === null) continue;
    const value = formatValue(tile.id, tile.value);
    const change = formatChange(tile.id, tile.delta, tile.relativeChange);
    (node.querySelector('.tile-value') as HTMLElement).textContent = value;
    const changeNode = node.querySelector('.tile-change') as HTMLElement;
    changeNode.textContent = change;
    changeNode.dataset.trend =
      tile.delta === null || tile.delta === 0 ? 'flat' : tile.delta > 0 ? 'up' : 'down';
    node.setAttribute('aria-label', `${label(tile.id)}: ${value}. ${change}`);
  }
}

function renderTable(
  container: HTMLElement,
  caption: string,
  head: string[],
  rows: string[][],
  keyed: boolean,
): void {
  const p = page;
  if (p === undefined) return;
  const table = el('table', {}, el('caption', { text: caption }));
  const headRow = el('tr');
  head.forEach((h, i) =>
    headRow.append(el('th', { text: h, attrs: { scope: 'col', ...(i > 0 ? { class: 'num' } : {}) } })),
  );
  table.append(el('thead', {}, headRow));
  const body = el('tbody');
  if (rows.length === 0) {
    body.append(el('tr', {}, el('td', { text: p.strings.noData, attrs: { colspan: String(head.length) } })));
  }
  for (const row of rows) {
    const tr = el('tr');
    row.forEach((cell, i) => {
      if (i === 0 && keyed) tr.append(el('th', { text: cell, attrs: { scope: 'row' } }));
      else tr.append(el('td', { text: cell, ...(i > 0 ? { className: 'num' } : {}) }));
    });
    body.append(tr);
  }
  table.append(body);
  container.replaceChildren(table);
}

function renderBreakdown(result: BreakdownResult, caption: string): void {
  const p = page;
  if (p === undefined) return;
  renderTable(
    byId(`table-${result.by}`),
    caption,
    [p.strings[result.by], ...SCREEN_TABLE_COLUMNS.map(label)],
    result.rows.map((row) => [
      row.key,
      ...SCREEN_TABLE_COLUMNS.map((id) => formatValue(id, row.metrics[id])),
    ]),
    true,
  );
}

function renderGuard(rows: GuardBreakdownRow[]): void {
  const p = page;
  if (p === undefined) return;
  const s = p.strings;
  renderTable(
    byId('table-guard'),
    s.guardDecisions,
    [s.rule, s.direction, s.action, s.feature, s.decisions],
    rows.map((r) => [r.ruleId, r.direction, r.action, r.feature, formatValue('guardDecisions', r.decisions)]),
    true,
  );
}

const SERIES_COLORS = [
  '--vscode-charts-blue',
  '--vscode-charts-green',
  '--vscode-charts-orange',
  '--vscode-charts-purple',
];

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

function renderCharts(p: Page, series: TimeSeriesResult): void {
  p.series = series;
  for (const chart of p.charts.values()) chart.destroy();
  p.charts.clear();
  const xs = series.points.map((point) => point.start / 1000);
  const foreground = cssVar('--vscode-foreground', '#888');
  const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const fallbackColors = ['#3794ff', '#89d185', '#d18616', '#b180d7'];
  for (const chart of SCREEN_CHARTS) {
    const host = byId(`chart-${chart.id}`);
    host.replaceChildren();
    const ratio = chart.metrics.every((id) => unitOf(id) === 'ratio');
    const data: uPlot.AlignedData = [
      xs,
      ...chart.metrics.map((id) =>
        series.points.map((point) => {
          const v = point.metrics[id];
          return v === null ? null : ratio ? v * 100 : v;
        }),
      ),
    ];
    const width = Math.max(260, host.clientWidth || 420);
    const plot = new uPlot(
      {
        width,
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), series.timeZone),
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, ...(ratio ? { y: { range: [0, 100] } } : {}) },
        axes: [
          { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
          {
            stroke: foreground,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid, width: 1 },
            size: 56,
            ...(ratio ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${t}%`) } : {}),
          },
        ],
        series: [
          {},
          ...chart.metrics.map((id, i) => ({
            label: label(id),
            stroke: cssVar(
              SERIES_COLORS[i % SERIES_COLORS.length],
              fallbackColors[i % fallbackColors.length],
            ),
            width: 2,
            spanGaps: false,
            points: { show: series.points.length <= 45 },
            value: (_u: uPlot, v: number | null) =>
              v === null ? '–' : ratio ? `${v.toFixed(1)}%` : formatValue(id, v),
          })),
        ],
      },
      data,
      host,
    );
    p.charts.set(chart.id, plot);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Loading

async function reload(p: Page): Promise<void> {
  const generation = ++p.generation;
  const filter = currentFilter(p);
  const current = (): boolean => page === p && p.generation === generation;
  setStatus(p.strings.loading);
  try {
    const work: Promise<void>[] = [
      request('tiles', filter).then((r) => {
        if (current()) renderTiles(r);
      }),
      request('timeSeries', filter).then((r) => {
        if (current()) renderCharts(p, r);
      }),
      request('guardBreakdown', filter).then((r) => {
        if (current()) renderGuard(r);
      }),
      ...TABLES.map((t) => {
        const name = `breakdownBy${t.by[0].toUpperCase()}${t.by.slice(1)}` as
          'breakdownByLanguage' | 'breakdownByFeature' | 'breakdownByModel' | 'breakdownByDeveloper';
        return request(name, filter).then((r) => {
          if (current()) renderBreakdown(r, p.strings[t.caption]);
        });
      }),
    ];
    await Promise.all(work);
    if (!current()) return;
    const time = new Intl.DateTimeFormat(p.init.locale, { timeStyle: 'medium' }).format(new Date());
    setStatus(fill(p.strings.updated, time));
    document.body.dataset.loaded = String(generation);
  } catch (error) {
    if (current())
      setStatus(fill(p.strings.error, error instanceof Error ? error.message : String(error)), true);
  }
}

async function refreshFilterValues(p: Page): Promise<void> {
  try {
    p.filterValues = await request('filterValues', currentFilter(p));
    if (page === p) fillFilterOptions(p);
  } catch {
    // The figures still refresh; a stale value list only lacks the newest names.
  }
}

function start(init: InitMessage): void {
  const saved = vscode.getState() as { view?: unknown } | undefined;
  const view =
    saved !== undefined && isDashboardViewState(saved.view)
      ? saved.view
      : (init.state ?? { ...DEFAULT_VIEW_STATE });
  for (const chart of page?.charts.values() ?? []) chart.destroy();
  page = {
    init,
    strings: init.strings,
    definitions: new Map(init.definitions.map((d) => [d.id, d])),
    view,
    filterValues: init.filterValues,
    skew: init.now - Date.now(),
    generation: 0,
    charts: new Map(),
    series: undefined,
  };
  document.title = init.strings.title;
  buildLayout(page);
  void reload(page);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isExtensionToWebview(message)) return;
  switch (message.type) {
    case 'init':
      start(message);
      return;
    case 'queryResult':
      pending.get(message.requestId)?.resolve(message.result);
      pending.delete(message.requestId);
      return;
    case 'exportDone':
      pending.get(message.requestId)?.resolve(message.saved);
      pending.delete(message.requestId);
      return;
    case 'requestError':
      pending.get(message.requestId)?.reject(new Error(message.message));
      pending.delete(message.requestId);
      return;
    case 'dataChanged':
      if (page !== undefined) {
        void refreshFilterValues(page);
        void reload(page);
      }
      return;
  }
});

// Charts take their colours from the theme: draw them again when the theme (the body's class) changes,
// and when the panel is resized.
new MutationObserver(() => {
  if (page?.series !== undefined) renderCharts(page, page.series);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  if (resizeTimer !== undefined) clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (page?.series !== undefined) renderCharts(page, page.series);
  }, 150);
});

post({ type: 'ready' });
