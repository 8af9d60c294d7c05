// The adoption dashboard's host: the "Aegis: Open Dashboard" command, one webview panel (strict CSP with a
// nonce, scripts only from dist/media), the protocol (every message from the page is validated first), the
// queries run against the metrics store in this process, CSV and JSON export through a save dialog, the view
// state kept in the workspace state, and a refresh at most every two seconds while new events arrive.
// The "Team" source reads the team database (aegis.team.database, the sync's password) through a small
// connection pool opened on first use; its failures become a status the page explains and never touch the
// local source. Queries, definitions and the export formats live in src/dashboard and are tested in Node.
import * as vscode from 'vscode';
import type { Pool } from 'pg';
import type { DashboardFilter, QueryName } from '../dashboard/dashboardQueries';
import { DashboardQueries } from '../dashboard/dashboardQueries';
import { isWebviewToExtension } from '../dashboard/dashboardProtocol';
import type {
  DashboardStrings,
  ExportKind,
  ExtensionToWebview,
  QueryResultMessage,
  TeamChoice,
  TeamProblem,
  TeamStatus,
  WebviewToExtension,
} from '../dashboard/dashboardProtocol';
import {
  DEFAULT_VIEW_STATE,
  developerFilterAllowed,
  effectiveSource,
  filterForView,
  gatherSnapshot,
  isDashboardViewState,
  snapshotToCsv,
  snapshotToJson,
} from '../dashboard/dashboardView';
import type { DashboardViewState, DataSource, SnapshotQueries } from '../dashboard/dashboardView';
import type { TeamAccess, TeamQueries } from '../dashboard/teamQueries';
import { METRIC_DEFINITIONS } from '../dashboard/metricDefinitions';
import type { MetricDefinition } from '../dashboard/metricDefinitions';
import { breakdownToCsv, tilesToCsv, timeSeriesToCsv } from '../dashboard/metricsExport';
import type { MetricsStore } from '../dashboard/metricsStore';
import type { AegisContext } from './aegisContext';
import { TEAM_PASSWORD_KEY, teamReaderSettings } from './teamSyncService';
import { webviewHtml } from './webviewHtml';

export const OPEN_DASHBOARD_COMMAND = 'aegis.dashboard.open';
export const DASHBOARD_VIEW_TYPE = 'aegis.dashboard';
const STATE_KEY = 'aegis.dashboard.viewState';
/** New events refresh an open dashboard at most this often. */
const REFRESH_INTERVAL_MS = 2000;
/** The team view waits this long for the database before calling it unreachable. */
const TEAM_CONNECT_TIMEOUT_MS = 8000;
/** A dashboard screen runs eight queries; a few connections answer them in parallel. */
const TEAM_POOL_SIZE = 4;

/** What host tests read about the open dashboard. */
export interface DashboardProbe {
  readonly isOpen: boolean;
  /** Messages the panel posted to the page since it opened (types only). */
  readonly posted: readonly string[];
  /** The last team status sent to the page. */
  readonly teamStatus: TeamStatus | undefined;
}

/** An open connection pool to the team database, with the reader's access. */
interface TeamConnection {
  key: string;
  pool: Pool;
  queries: TeamQueries;
  access: TeamAccess;
}

/** A source's queries; for the team, the connection they run on (to tell a failure of a replaced pool). */
interface SourceQueries {
  run(name: QueryName, filter: DashboardFilter): unknown;
  snapshot: SnapshotQueries;
  connection?: TeamConnection;
}

/** A team database failure, classified for the page. */
class TeamProblemError extends Error {
  constructor(
    readonly problem: TeamProblem,
    message: string,
  ) {
    super(message);
    this.name = 'TeamProblemError';
  }
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
    source: vscode.l10n.t('Data'),
    sourceLocal: vscode.l10n.t('My data'),
    sourceTeam: vscode.l10n.t('Team'),
    teamScope: vscode.l10n.t('Team {0} in {1}'),
    teamConnecting: vscode.l10n.t('Connecting to the team database…'),
    setTeamPassword: vscode.l10n.t('Set Password'),
    retry: vscode.l10n.t('Retry'),
    developerLeadsOnly: vscode.l10n.t('Only team leads can filter the team view by developer.'),
    withheld: vscode.l10n.t(
      'Per-developer figures are hidden: this selection holds {1} developers, and the team shows them only for at least {0}, so that no one is singled out.',
    ),
  };
}

function teamHeadline(problem: TeamProblem): string {
  switch (problem) {
    case 'noPassword':
      return vscode.l10n.t('No password is set for the team database. Set it to see the team view.');
    case 'authentication':
      return vscode.l10n.t('The team database refused the login. Check the password.');
    case 'unreachable':
      return vscode.l10n.t('The team database cannot be reached. Your own data is still available.');
    case 'noDatabase':
      return vscode.l10n.t('The database named in aegis.team.database does not exist.');
    case 'permission':
      return vscode.l10n.t(
        'Your login may not read the team figures: it needs the aegis_team_reader role (see docs/team-database.md).',
      );
    case 'settings':
      return vscode.l10n.t('The team database setting (aegis.team.database) is not valid.');
    case 'schema':
      return vscode.l10n.t('The team database is not set up for this version of Aegis.');
    case 'other':
      return vscode.l10n.t('The team database could not be read.');
  }
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
  private team: { key: string; connection: Promise<TeamConnection> } | undefined;
  /** True once the page asked for the team view, so that a new password or setting reconnects it. */
  private teamWanted = false;
  private lastTeamStatus: TeamStatus | undefined;
  private statusAttempt = 0;

  constructor(private readonly ctx: AegisContext) {
    this.disposables.push(
      vscode.commands.registerCommand(OPEN_DASHBOARD_COMMAND, () => this.open()),
      ctx.metrics.onDidRecord(() => this.scheduleRefresh()),
      ctx.extension.secrets.onDidChange((e) => {
        if (e.key === TEAM_PASSWORD_KEY) void this.teamSettingsChanged(false);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('aegis.team')) void this.teamSettingsChanged(true);
      }),
    );
  }

  get probe(): DashboardProbe {
    return { isOpen: this.panel !== undefined, posted: [...this.posted], teamStatus: this.lastTeamStatus };
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
        this.teamWanted = false;
        this.closeTeam();
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

  // ---- the team database ----

  /** Opens (once per setting and password) a pool to the team database and reads the reader's access.
   * Every failure comes out as a TeamProblemError. */
  private async teamConnection(): Promise<TeamConnection> {
    const reader = await teamReaderSettings(this.ctx.extension.secrets);
    // Closing the panel while the settings were read has already closed the team view: a pool opened now
    // would be held by nobody and never ended.
    if (this.panel === undefined) throw new TeamProblemError('other', 'The dashboard was closed.');
    if (reader === undefined) {
      throw new TeamProblemError(
        'settings',
        vscode.l10n.t('No team database is configured (aegis.team.database).'),
      );
    }
    const key = `${reader.settings.connectionString}\u0000${reader.team}\u0000${reader.settings.password ?? ''}`;
    if (this.team?.key === key) return this.team.connection;
    this.closeTeam();
    const connection = this.connectTeam(key, reader.settings, reader.team);
    this.team = { key, connection };
    // A failed attempt is not kept: Retry (or a new password) tries again.
    connection.catch(() => {
      if (this.team?.connection === connection) this.team = undefined;
    });
    return connection;
  }

  private async connectTeam(
    key: string,
    settings: { connectionString: string; password?: string },
    team: string,
  ): Promise<TeamConnection> {
    // Loaded here: pg and the team queries cost nothing until someone opens the team view.
    const [{ Pool }, database, teamQueries] = await Promise.all([
      import('pg'),
      import('../dashboard/teamDatabase'),
      import('../dashboard/teamQueries'),
    ]);
    const label = database.teamDatabaseLabel(settings.connectionString);
    let pool: Pool | undefined;
    try {
      pool = new Pool({
        ...database.clientConfig({ ...settings, connectTimeoutMs: TEAM_CONNECT_TIMEOUT_MS }),
        max: TEAM_POOL_SIZE,
        idleTimeoutMillis: 60_000,
      });
      // An idle connection the server drops would otherwise be an unhandled 'error' event.
      pool.on('error', () => undefined);
      const access = await teamQueries.loadTeamAccess(pool);
      return {
        key,
        pool,
        access,
        queries: new teamQueries.TeamQueries(teamQueries.postgresExecutor(pool, team), access),
      };
    } catch (error) {
      void pool?.end().catch(() => undefined);
      const described = database.describeTeamError(error, label);
      const noPassword =
        settings.password === undefined &&
        (described.kind === 'authentication' ||
          (described.kind === 'other' && /password/i.test(described.message)));
      if (noPassword) {
        // The driver's words for this ("client password must be a string") help nobody.
        throw new TeamProblemError(
          'noPassword',
          vscode.l10n.t(
            'The team database at {0} asks for a password, and none is stored on this machine yet.',
            label,
          ),
        );
      }
      throw new TeamProblemError(described.kind, described.message);
    }
  }

  private closeTeam(): void {
    const team = this.team;
    this.team = undefined;
    void team?.connection.then(
      (c) => c.pool.end().catch(() => undefined),
      () => undefined,
    );
  }

  private async teamStatus(): Promise<TeamStatus> {
    try {
      const connection = await this.teamConnection();
      return {
        state: 'connected',
        isLead: connection.access.isLead,
        minGroupSize: connection.access.minGroupSize,
        filterValues: await connection.queries.filterValues(),
      };
    } catch (error) {
      return this.teamProblemStatus(error);
    }
  }

  private teamProblemStatus(error: unknown): TeamStatus {
    const problem = error instanceof TeamProblemError ? error.problem : 'other';
    this.ctx.logger.warn(`Dashboard team view: ${errorText(error)}`);
    return { state: 'error', problem, headline: teamHeadline(problem), detail: errorText(error) };
  }

  private async sendTeamStatus(): Promise<void> {
    this.teamWanted = true;
    // A new password and the page's own request can overlap: the latest attempt's answer is the one shown.
    const attempt = ++this.statusAttempt;
    const status = await this.teamStatus();
    if (attempt !== this.statusAttempt) return;
    this.lastTeamStatus = status;
    this.post({ type: 'teamStatus', status });
  }

  /** A new password or team setting: reconnect a page that shows the team view; a changed setting also
   * re-initializes the page, which shows or hides the Team choice. */
  private async teamSettingsChanged(settings: boolean): Promise<void> {
    // Closed now, not when the next team query replaces it: a removed setting or password would otherwise
    // leave a pool logged in with the old credentials until the panel closes.
    this.closeTeam();
    if (this.panel === undefined) return;
    if (settings) {
      await this.sendInit();
      return;
    }
    if (this.teamWanted) await this.sendTeamStatus();
  }

  /** The queries of a source; team queries with the developer filter only for leads. */
  private async sourceQueries(source: DataSource): Promise<SourceQueries> {
    if (source === 'local') {
      const queries = await this.dashboardQueries();
      return { run: (name, filter) => queries.run(name, filter), snapshot: queries };
    }
    const connection = await this.teamConnection();
    const { queries } = connection;
    return { run: (name, filter) => queries.run(name, filter), snapshot: queries, connection };
  }

  /** A team query that failed because the connection did (server gone, login refused, role revoked): the
   * page learns it through teamStatus and shows the problem in place of the figures; anything else (a
   * refused filter) is an error of that one request. */
  private async teamQueryFailed(
    source: DataSource,
    error: unknown,
    used: TeamConnection | undefined,
  ): Promise<string> {
    if (source !== 'team') return errorText(error);
    let problem = error instanceof TeamProblemError ? error : undefined;
    if (problem === undefined) {
      const { describeTeamError, teamDatabaseLabel } = await import('../dashboard/teamDatabase');
      const reader = await teamReaderSettings(this.ctx.extension.secrets);
      const label = teamDatabaseLabel(reader?.settings.connectionString ?? '');
      const described = describeTeamError(error, label);
      if (described.kind !== 'other') problem = new TeamProblemError(described.kind, described.message);
    }
    if (problem === undefined) return errorText(error);
    // A query on a pool that a new password or setting has since replaced says nothing about the new one:
    // closing that and reporting the old failure would undo a connection that works.
    const current = await this.team?.connection.catch(() => undefined);
    if (used !== undefined && current !== undefined && current !== used) return problem.message;
    this.closeTeam();
    this.statusAttempt += 1;
    const status = this.teamProblemStatus(problem);
    this.lastTeamStatus = status;
    this.post({ type: 'teamStatus', status });
    return problem.message;
  }

  private async handle(message: WebviewToExtension): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.sendInit();
        return;
      case 'saveState':
        await this.ctx.extension.workspaceState.update(STATE_KEY, message.state);
        return;
      case 'teamConnect':
        await this.sendTeamStatus();
        return;
      case 'setTeamPassword':
        // The sync's own command: one password for sending and reading.
        await vscode.commands.executeCommand('aegis.team.setPassword');
        await this.sendTeamStatus();
        return;
      case 'query': {
        let queries: SourceQueries | undefined;
        try {
          queries = await this.sourceQueries(message.source);
          this.post({
            type: 'queryResult',
            requestId: message.requestId,
            source: message.source,
            query: message.query,
            result: await queries.run(message.query, message.filter),
          } as QueryResultMessage);
        } catch (error) {
          this.post({
            type: 'requestError',
            requestId: message.requestId,
            message: await this.teamQueryFailed(message.source, error, queries?.connection),
          });
        }
        return;
      }
      case 'exportCsv':
      case 'exportJson': {
        let queries: SourceQueries | undefined;
        try {
          queries = await this.sourceQueries(message.source);
          const saved = await this.export(
            queries.snapshot,
            message.source,
            message.type === 'exportJson' ? 'json' : message.kind,
            message.filter,
          );
          this.post({ type: 'exportDone', requestId: message.requestId, saved });
        } catch (error) {
          this.post({
            type: 'requestError',
            requestId: message.requestId,
            message: await this.teamQueryFailed(message.source, error, queries?.connection),
          });
        }
        return;
      }
    }
  }

  private async teamChoice(): Promise<TeamChoice | null> {
    const reader = await teamReaderSettings(this.ctx.extension.secrets);
    if (reader === undefined) return null;
    const { teamDatabaseLabel } = await import('../dashboard/teamDatabase');
    return { team: reader.team, database: teamDatabaseLabel(reader.settings.connectionString) };
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
    const team = await this.teamChoice();
    const view = state ?? DEFAULT_VIEW_STATE;
    this.post({
      type: 'init',
      timeZone,
      definitions: localizedDefinitions(),
      filterValues,
      defaultFilter: filterForView(
        view,
        timeZone,
        now,
        developerFilterAllowed(effectiveSource(view, team !== null), undefined),
      ),
      demo,
      notices,
      strings: pageStrings(),
      locale: vscode.env.language,
      state,
      now,
      team,
    });
  }

  /** Runs the queries again with the page's filter and writes the file the user picks. */
  private async export(
    queries: SnapshotQueries,
    source: DataSource,
    kind: ExportKind | 'json',
    filter: DashboardFilter,
  ): Promise<boolean> {
    const extension = kind === 'json' ? 'json' : 'csv';
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    const prefix = source === 'team' ? 'aegis-team-dashboard' : 'aegis-dashboard';
    const name = `${prefix}-${kind === 'json' || kind === 'dashboard' ? '' : `${kind}-`}${day(filter.from)}-${day(filter.to - 1)}.${extension}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      ...(folder === undefined ? {} : { defaultUri: vscode.Uri.joinPath(folder, name) }),
      filters: extension === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
      saveLabel: kind === 'json' ? vscode.l10n.t('Export JSON') : vscode.l10n.t('Export CSV'),
    });
    if (target === undefined) return false;
    const text = await exportText(queries, kind, filter);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    this.ctx.logger.info(`Dashboard exported to ${target.fsPath}.`);
    return true;
  }

  dispose(): void {
    this.panel?.dispose();
    this.closeTeam();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

async function exportText(
  queries: SnapshotQueries,
  kind: ExportKind | 'json',
  filter: DashboardFilter,
): Promise<string> {
  switch (kind) {
    case 'json':
      return snapshotToJson(await gatherSnapshot(queries, filter));
    case 'dashboard':
      return snapshotToCsv(await gatherSnapshot(queries, filter));
    case 'tiles':
      return tilesToCsv((await queries.tiles(filter)).tiles);
    case 'day':
      return timeSeriesToCsv(await queries.timeSeries(filter));
    default:
      return breakdownToCsv(await queries.breakdown(filter, kind));
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Registers the dashboard; the returned panel host is also a disposable. */
export function registerDashboard(ctx: AegisContext): DashboardPanel {
  return new DashboardPanel(ctx);
}
