// The adoption dashboard page: filters (date presets or custom dates, language, feature, model, developer),
// tiles with their definitions and the change against the previous period, uPlot charts over time, and
// breakdown tables. It talks to the extension only through the dashboard protocol, validates every message,
// keeps its view state in the webview state (and reports it for the workspace state), and re-queries when
// the extension says new events were written. Every text comes localized in the init message. A switch
// chooses "My data" or "Team" (when a team database is configured); the team view explains connection
// problems in place of the figures, withholds per-developer rows for small groups, and gives the developer
// filter only to leads.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import uPlot from 'uplot';
import { isExtensionToWebview, passwordMayFix } from '../../src/dashboard/dashboardProtocol';
import type {
  DashboardStrings,
  ExportKind,
  InitMessage,
  QueryResults,
  TeamStatus,
  WebviewToExtension,
} from '../../src/dashboard/dashboardProtocol';
import type {
  BreakdownDimension,
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
  developerFilterAllowed,
  effectiveSource,
  filterForView,
  isDashboardViewState,
  viewDates,
} from '../../src/dashboard/dashboardView';
import type {
  ChartId,
  DashboardViewState,
  DataSource,
  DatePreset,
  ScreenBreakdown,
} from '../../src/dashboard/dashboardView';
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
  /** The team database's answer to the last `teamConnect`; undefined while connecting. */
  team: TeamStatus | undefined;
}

let page: Page | undefined;
let nextRequestId = 1;
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

function post(message: WebviewToExtension): void {
  vscode.postMessage(message);
}

function request<Q extends QueryName>(
  source: DataSource,
  query: Q,
  filter: DashboardFilter,
): Promise<QueryResults[Q]> {
  const requestId = nextRequestId++;
  return new Promise<QueryResults[Q]>((resolve, reject) => {
    pending.set(requestId, { resolve: resolve as (value: unknown) => void, reject });
    post({ type: 'query', requestId, source, query, filter });
  });
}

function exportRequest(
  source: DataSource,
  kind: ExportKind | 'json',
  filter: DashboardFilter,
): Promise<unknown> {
  const requestId = nextRequestId++;
  return new Promise((resolve, reject) => {
    pending.set(requestId, { resolve, reject });
    if (kind === 'json') post({ type: 'exportJson', requestId, source, filter });
    else post({ type: 'exportCsv', requestId, source, kind, filter });
  });
}

function sourceOf(p: Page): DataSource {
  return effectiveSource(p.view, p.init.team !== null);
}

function teamAccess(p: Page): { isLead: boolean; minGroupSize: number } | undefined {
  return p.team?.state === 'connected' ? p.team : undefined;
}

/** The team view shows figures only once connected; the viewer's own data always can. */
function canQuery(p: Page): boolean {
  return sourceOf(p) === 'local' || p.team?.state === 'connected';
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
  if (p.init.team !== null) {
    const switcher = el('div', {
      className: 'source-switch',
      attrs: { id: 'source-switch', role: 'radiogroup', 'aria-label': s.source },
    });
    for (const [source, text] of [
      ['local', s.sourceLocal],
      ['team', s.sourceTeam],
    ] as const) {
      switcher.append(
        el('button', { text, attrs: { id: `source-${source}`, type: 'button', role: 'radio' } }),
      );
    }
    header.append(
      switcher,
      el('span', {
        className: 'team-scope',
        text: fill(s.teamScope, p.init.team.team, p.init.team.database),
        attrs: { id: 'team-scope' },
      }),
    );
  }
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
    const field = el(
      'div',
      { className: 'field' },
      el('vscode-label', { text: s[dim.label], attrs: { for: id } }),
      select,
    );
    if (dim.key === 'developers') {
      const reason = el('p', {
        className: 'hint',
        text: s.developerLeadsOnly,
        attrs: { id: 'developer-reason' },
      });
      reason.hidden = true;
      field.append(reason);
    }
    filters.append(field);
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
  const teamPanel = el(
    'section',
    { className: 'team-panel', attrs: { id: 'team-panel', role: 'alert' } },
    el('p', { className: 'team-headline', attrs: { id: 'team-headline' } }),
    el('p', { className: 'team-detail', attrs: { id: 'team-detail' } }),
    el(
      'div',
      { className: 'actions', attrs: { id: 'team-actions' } },
      el('vscode-button', { text: s.setTeamPassword, attrs: { id: 'team-set-password' } }),
      el('vscode-button', { text: s.retry, attrs: { id: 'team-retry', secondary: '' } }),
    ),
  );
  teamPanel.hidden = true;
  const figures = el('div', { className: 'figures', attrs: { id: 'figures' } }, tiles, charts, tables);
  app.append(header, filters, status, teamPanel, figures);
  app.setAttribute('aria-busy', 'false');
  fillFilterOptions(p);
  wireControls(p);
  showSource(p);
}

/** The switch, the team panel (connecting or the problem), the figures, and the developer filter, for the
 * source and team status of the moment. */
function showSource(p: Page): void {
  const source = sourceOf(p);
  for (const choice of ['local', 'team'] as const) {
    document.getElementById(`source-${choice}`)?.setAttribute('aria-checked', String(choice === source));
  }
  const scope = document.getElementById('team-scope');
  if (scope !== null) scope.hidden = source !== 'team';
  const panel = byId('team-panel');
  const figures = byId('figures');
  const showPanel = source === 'team' && p.team?.state !== 'connected';
  // The focused Set Password or Retry button is about to vanish: keep keyboard focus on the switch.
  if (!showPanel && panel.contains(document.activeElement)) document.getElementById('source-team')?.focus();
  panel.hidden = !showPanel;
  figures.hidden = showPanel;
  if (showPanel) {
    const problem = p.team?.state === 'error' ? p.team : undefined;
    byId('team-headline').textContent = problem?.headline ?? p.strings.teamConnecting;
    byId('team-detail').textContent = problem?.detail ?? '';
    byId('team-actions').hidden = problem === undefined;
    byId('team-set-password').hidden = problem === undefined || !passwordMayFix(problem.problem);
    panel.dataset.problem = problem?.problem ?? 'connecting';
  }
  const allowed = developerFilterAllowed(source, teamAccess(p));
  const developers = byId('filter-developers');
  developers.toggleAttribute('disabled', !allowed);
  byId('developer-reason').hidden = allowed || source !== 'team' || p.team?.state !== 'connected';
}

/** The dimension values of the source on screen. */
function sourceFilterValues(p: Page): FilterValues {
  return sourceOf(p) === 'team' && p.team?.state === 'connected' ? p.team.filterValues : p.filterValues;
}

function fillFilterOptions(p: Page): void {
  const values = sourceFilterValues(p);
  for (const dim of DIMENSIONS) {
    const select = byId<ValueElement<string[]>>(`filter-${dim.key}`);
    const chosen = p.view[dim.state] as string[];
    // Values chosen earlier stay selectable even when the store no longer lists them.
    const listed = [...new Set([...values[dim.key], ...chosen])].filter((v) => v !== '');
    select.replaceChildren(...listed.map((v) => option(v, v, chosen.includes(v))));
  }
}

function changeView(p: Page, change: Partial<DashboardViewState>): void {
  p.view = { ...p.view, ...change };
  vscode.setState({ view: p.view });
  post({ type: 'saveState', state: p.view });
  void reload(p);
}

/** Switches between the viewer's own data and the team database. */
function chooseSource(p: Page, source: DataSource): void {
  if (sourceOf(p) === source) return;
  p.view = { ...p.view, source };
  vscode.setState({ view: p.view });
  post({ type: 'saveState', state: p.view });
  clearFigures(p);
  if (source === 'team' && p.team?.state !== 'connected') connectTeam(p);
  fillFilterOptions(p);
  showSource(p);
  void reload(p);
}

function connectTeam(p: Page): void {
  p.team = undefined;
  showSource(p);
  post({ type: 'teamConnect' });
}

/** Tiles, charts and tables go blank when the source changes, so that one source's figures never sit under
 * the other's name while the new ones load (or when they fail to). */
function clearFigures(p: Page): void {
  for (const value of document.querySelectorAll<HTMLElement>('.tile-value')) value.textContent = '–';
  for (const change of document.querySelectorAll<HTMLElement>('.tile-change')) change.textContent = '';
  for (const table of document.querySelectorAll<HTMLElement>('.table-wrap')) table.replaceChildren();
  for (const chart of p.charts.values()) chart.destroy();
  p.charts.clear();
  // A resize redraws from the kept series: it must not bring the other source's lines back.
  p.series = undefined;
  for (const host of document.querySelectorAll<HTMLElement>('.chart-body')) host.replaceChildren();
}

function wireControls(p: Page): void {
  document.getElementById('source-local')?.addEventListener('click', () => chooseSource(p, 'local'));
  document.getElementById('source-team')?.addEventListener('click', () => chooseSource(p, 'team'));
  byId('team-retry').addEventListener('click', () => connectTeam(p));
  byId('team-set-password').addEventListener('click', () => post({ type: 'setTeamPassword' }));
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
    void exportRequest(sourceOf(p), kind, currentFilter(p)).then(
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
  const allowDevelopers = developerFilterAllowed(sourceOf(p), teamAccess(p));
  return filterForView(p.view, p.init.timeZone, Date.now() + p.skew, allowDevelopers);
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

function renderBreakdown(result: ScreenBreakdown, caption: string): void {
  const p = page;
  if (p === undefined) return;
  if (result.withheld !== undefined) {
    // In place of the table: why there is none, with the team's rule.
    byId(`table-${result.by}`).replaceChildren(
      el(
        'div',
        { className: 'withheld', attrs: { 'data-withheld': 'true' } },
        el('h3', { text: caption }),
        el('p', {
          text: fill(
            p.strings.withheld,
            String(result.withheld.minGroupSize),
            String(result.withheld.developers),
          ),
        }),
      ),
    );
    return;
  }
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
  if (!canQuery(p)) {
    // The team panel says what is happening; the figures load once the team database answers.
    setStatus('');
    return;
  }
  const filter = currentFilter(p);
  const source = sourceOf(p);
  const current = (): boolean => page === p && p.generation === generation && sourceOf(p) === source;
  setStatus(p.strings.loading);
  try {
    const work: Promise<void>[] = [
      request(source, 'tiles', filter).then((r) => {
        if (current()) renderTiles(r);
      }),
      request(source, 'timeSeries', filter).then((r) => {
        if (current()) renderCharts(p, r);
      }),
      request(source, 'guardBreakdown', filter).then((r) => {
        if (current()) renderGuard(r);
      }),
      ...TABLES.map((t) => {
        const name = `breakdownBy${t.by[0].toUpperCase()}${t.by.slice(1)}` as
          'breakdownByLanguage' | 'breakdownByFeature' | 'breakdownByModel' | 'breakdownByDeveloper';
        return request(source, name, filter).then((r) => {
          if (current()) renderBreakdown(r, p.strings[t.caption]);
        });
      }),
    ];
    await Promise.all(work);
    if (!current()) return;
    const time = new Intl.DateTimeFormat(p.init.locale, { timeStyle: 'medium' }).format(new Date());
    setStatus(fill(p.strings.updated, time));
    document.body.dataset.loaded = String(generation);
    document.body.dataset.source = source;
  } catch (error) {
    if (current())
      setStatus(fill(p.strings.error, error instanceof Error ? error.message : String(error)), true);
  }
}

async function refreshFilterValues(p: Page): Promise<void> {
  try {
    p.filterValues = await request('local', 'filterValues', currentFilter(p));
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
    team: undefined,
  };
  document.title = init.strings.title;
  buildLayout(page);
  if (sourceOf(page) === 'team') connectTeam(page);
  void reload(page);
}

function teamStatusArrived(p: Page, status: TeamStatus): void {
  const wasConnected = p.team?.state === 'connected';
  p.team = status;
  if (sourceOf(p) !== 'team') return;
  fillFilterOptions(p);
  showSource(p);
  if (status.state === 'connected') {
    void reload(p);
    return;
  }
  // The panel explains the problem; the queries still in flight must not repeat it in the status line.
  if (wasConnected) p.generation += 1;
  setStatus('');
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
      // Only the viewer's own figures change with local events; the team's arrive with the next sync.
      if (page !== undefined && sourceOf(page) === 'local') {
        void refreshFilterValues(page);
        void reload(page);
      }
      return;
    case 'teamStatus':
      if (page !== undefined) teamStatusArrived(page, message.status);
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
