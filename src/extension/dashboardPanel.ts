// The adoption dashboard's host: the "Aegis: Open Dashboard" command, one webview panel (strict CSP with a
// nonce, scripts only from dist/media), the protocol (every message from the page is validated first), the
// queries run against the metrics store in this process, CSV and JSON export through a save dialog, the view
// state kept in the workspace state, and a refresh at most every two seconds while new events arrive.
// Queries, definitions and the export formats live in src/dashboard and are tested in plain Node.
import * as vscode from 'vscode';
import type { DashboardFilter } from '../dashboard/dashboardQueries';
import { DashboardQueries } from '../dashboard/dashboardQueries';
import { isWebviewToExtension } from '../dashboard/dashboardProtocol';
import type {
  DashboardStrings,
  ExportKind,
  ExtensionToWebview,
  QueryResultMessage,
  WebviewToExtension,
} from '../dashboard/dashboardProtocol';
import {
  DEFAULT_VIEW_STATE,
  collectSnapshot,
  filterForView,
  isDashboardViewState,
  snapshotToCsv,
  snapshotToJson,
} from '../dashboard/dashboardView';
import type { DashboardViewState } from '../dashboard/dashboardView';
import { METRIC_DEFINITIONS } from '../dashboard/metricDefinitions';
import type { MetricDefinition } from '../dashboard/metricDefinitions';
import { breakdownToCsv, tilesToCsv, timeSeriesToCsv } from '../dashboard/metricsExport';
import type { MetricsStore } from '../dashboard/metricsStore';
import type { AegisContext } from './aegisContext';
import { webviewHtml } from './webviewHtml';

export const OPEN_DASHBOARD_COMMAND = 'aegis.dashboard.open';
export const DASHBOARD_VIEW_TYPE = 'aegis.dashboard';
const STATE_KEY = 'aegis.dashboard.viewState';
/** New events refresh an open dashboard at most this often. */
const REFRESH_INTERVAL_MS = 2000;

/** What host tests read about the open dashboard. */
export interface DashboardProbe {
  readonly isOpen: boolean;
  /** Messages the panel posted to the page since it opened (types only). */
  readonly posted: readonly string[];
}

function pageStrings(): DashboardStrings {
  return {
    title: vscode.l10n.t('Aegis adoption dashboard'),
    timeZone: vscode.l10n.t('Time zone: {0}'),
    period: vscode.l10n.t('Period'),
    presetToday: vscode.l10n.t('Today'),
    preset7d: vscode.l10n.t('Last 7 days'),
    preset14d: vscode.l10n.t('Last 14 days'),
    preset30d: vscode.l10n.t('Last 30 days'),
    preset90d: vscode.l10n.t('Last 90 days'),
    presetCustom: vscode.l10n.t('Custom range'),
    from: vscode.l10n.t('From'),
    to: vscode.l10n.t('To'),
    language: vscode.l10n.t('Language'),
    feature: vscode.l10n.t('Feature'),
    model: vscode.l10n.t('Model'),
    developer: vscode.l10n.t('Developer'),
    all: vscode.l10n.t('All'),
    exportCsv: vscode.l10n.t('Export CSV'),
    exportJson: vscode.l10n.t('Export JSON'),
    refresh: vscode.l10n.t('Refresh'),
    previousPeriod: vscode.l10n.t('vs. previous period: {0}'),
    noChange: vscode.l10n.t('no previous data'),
    noData: vscode.l10n.t('No data for this period and filter.'),
    loading: vscode.l10n.t('Loading…'),
    updated: vscode.l10n.t('Updated {0}'),
    chartSuggestions: vscode.l10n.t('Suggestions shown and accepted'),
    chartRates: vscode.l10n.t('Adoption and code generation rate'),
    chartLatency: vscode.l10n.t('Latency (ms)'),
    chartRequests: vscode.l10n.t('Model requests'),
    byLanguage: vscode.l10n.t('By language'),
    byFeature: vscode.l10n.t('By feature'),
    byModel: vscode.l10n.t('By model'),
    byDeveloper: vscode.l10n.t('By developer'),
    guardDecisions: vscode.l10n.t('Guard decisions'),
    rule: vscode.l10n.t('Rule'),
    direction: vscode.l10n.t('Direction'),
    action: vscode.l10n.t('Action'),
    decisions: vscode.l10n.t('Decisions'),
    demoData: vscode.l10n.t('This database holds demo data.'),
    exported: vscode.l10n.t('Saved.'),
    error: vscode.l10n.t('The dashboard could not load: {0}'),
    filters: vscode.l10n.t('Filters'),
    clearFilters: vscode.l10n.t('Clear filters'),
  };
}

/** Labels and tooltips of the metrics on screen, in the UI language: metricDefinitions' English texts are
 * the keys of the translation bundle, so each definition is written once. */
function localizedDefinitions(): MetricDefinition[] {
  return Object.values(METRIC_DEFINITIONS).map((definition) => ({
    ...definition,
    label: vscode.l10n.t(definition.label),
    description: vscode.l10n.t(definition.description),
  }));
}

function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export class DashboardPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private queries: { store: MetricsStore; queries: DashboardQueries } | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly posted: string[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: AegisContext) {
    this.disposables.push(
      vscode.commands.registerCommand(OPEN_DASHBOARD_COMMAND, () => this.open()),
      ctx.metrics.onDidRecord(() => this.scheduleRefresh()),
    );
  }

  get probe(): DashboardProbe {
    return { isOpen: this.panel !== undefined, posted: [...this.posted] };
  }

  open(): void {
    if (this.panel !== undefined) {
      this.panel.reveal();
      return;
    }
    const mediaRoot = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'media');
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      vscode.l10n.t('Aegis Dashboard'),
      vscode.ViewColumn.Active,
      { enableScripts: true, localResourceRoots: [mediaRoot] },
    );
    this.panel = panel;
    this.posted.length = 0;
    panel.webview.html = webviewHtml(panel.webview, {
      mediaRoot,
      name: 'dashboard',
      title: 'Aegis Dashboard',
      dataImages: true,
    });
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        if (!isWebviewToExtension(raw)) {
          this.ctx.logger.warn('Dashboard: ignored a malformed message from the page.');
          return;
        }
        void this.handle(raw).catch((error: unknown) => {
          this.ctx.logger.error(error instanceof Error ? error : String(error));
        });
      }),
      panel.onDidDispose(() => {
        for (const d of this.panelDisposables.splice(0)) d.dispose();
        this.panel = undefined;
        if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
        this.refreshTimer = undefined;
      }),
    );
  }

  private post(message: ExtensionToWebview): void {
    this.posted.push(message.type);
    void this.panel?.webview.postMessage(message);
  }

  /** A trailing refresh: the first event after a quiet spell starts the clock, later ones ride along. */
  private scheduleRefresh(): void {
    if (this.panel === undefined || this.refreshTimer !== undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.ctx.metrics.flush();
      this.post({ type: 'dataChanged' });
    }, REFRESH_INTERVAL_MS);
  }

  private savedState(): DashboardViewState | null {
    const saved = this.ctx.extension.workspaceState.get<unknown>(STATE_KEY);
    return isDashboardViewState(saved) ? saved : null;
  }

  private async dashboardQueries(): Promise<DashboardQueries> {
    const store = await this.ctx.metrics.store();
    if (store === undefined) {
      throw new Error(
        vscode.l10n.t('Usage metrics are not available in this window (see the Aegis log for the reason).'),
      );
    }
    // Events recorded a moment ago sit in the recorder's batch; the dashboard shows them too.
    this.ctx.metrics.flush();
    if (this.queries?.store !== store) this.queries = { store, queries: new DashboardQueries(store.db) };
    return this.queries.queries;
  }

  private async handle(message: WebviewToExtension): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.sendInit();
        return;
      case 'saveState':
        await this.ctx.extension.workspaceState.update(STATE_KEY, message.state);
        return;
      case 'query':
        try {
          const queries = await this.dashboardQueries();
          this.post({
            type: 'queryResult',
            requestId: message.requestId,
            query: message.query,
            result: queries.run(message.query, message.filter),
          } as QueryResultMessage);
        } catch (error) {
          this.post({ type: 'requestError', requestId: message.requestId, message: errorText(error) });
        }
        return;
      case 'exportCsv':
      case 'exportJson':
        try {
          const saved = await this.export(
            message.type === 'exportJson' ? 'json' : message.kind,
            message.filter,
          );
          this.post({ type: 'exportDone', requestId: message.requestId, saved });
        } catch (error) {
          this.post({ type: 'requestError', requestId: message.requestId, message: errorText(error) });
        }
        return;
    }
  }

  private async sendInit(): Promise<void> {
    const timeZone = viewerTimeZone();
    const now = Date.now();
    const state = this.savedState();
    let filterValues = { languages: [], features: [], models: [], developers: [] } as ReturnType<
      DashboardQueries['filterValues']
    >;
    let demo = false;
    const notices: string[] = [];
    try {
      const queries = await this.dashboardQueries();
      filterValues = queries.filterValues();
      demo = this.queries?.store.getMeta('demo') === '1';
    } catch (error) {
      notices.push(errorText(error));
    }
    this.post({
      type: 'init',
      timeZone,
      definitions: localizedDefinitions(),
      filterValues,
      defaultFilter: filterForView(state ?? DEFAULT_VIEW_STATE, timeZone, now),
      demo,
      notices,
      strings: pageStrings(),
      locale: vscode.env.language,
      state,
      now,
    });
  }

  /** Runs the queries again with the page's filter and writes the file the user picks. */
  private async export(kind: ExportKind | 'json', filter: DashboardFilter): Promise<boolean> {
    const queries = await this.dashboardQueries();
    const extension = kind === 'json' ? 'json' : 'csv';
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    const name = `aegis-dashboard-${kind === 'json' || kind === 'dashboard' ? '' : `${kind}-`}${day(filter.from)}-${day(filter.to - 1)}.${extension}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      ...(folder === undefined ? {} : { defaultUri: vscode.Uri.joinPath(folder, name) }),
      filters: extension === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
      saveLabel: kind === 'json' ? vscode.l10n.t('Export JSON') : vscode.l10n.t('Export CSV'),
    });
    if (target === undefined) return false;
    const text = exportText(queries, kind, filter);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    this.ctx.logger.info(`Dashboard exported to ${target.fsPath}.`);
    return true;
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function exportText(queries: DashboardQueries, kind: ExportKind | 'json', filter: DashboardFilter): string {
  switch (kind) {
    case 'json':
      return snapshotToJson(collectSnapshot(queries, filter));
    case 'dashboard':
      return snapshotToCsv(collectSnapshot(queries, filter));
    case 'tiles':
      return tilesToCsv(queries.tiles(filter).tiles);
    case 'day':
      return timeSeriesToCsv(queries.timeSeries(filter));
    default:
      return breakdownToCsv(queries.breakdown(filter, kind));
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Registers the dashboard; the returned panel host is also a disposable. */
export function registerDashboard(ctx: AegisContext): DashboardPanel {
  return new DashboardPanel(ctx);
}
