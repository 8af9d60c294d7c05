// Sends this machine's metrics to the team database (issue 8): on a timer and shortly after new events,
// never on the hot path; pg and the sync code load on the first sync. Owns the three team commands, the
// password in SecretStorage, the one-time login-refused prompt, and a status bar item shown only while the
// team database cannot be reached. The dashboard's team view reads with the same setting and password.
import * as vscode from 'vscode';
import type { TeamDatabaseSettings } from '../dashboard/teamDatabase';
import type { TeamSync, TeamSyncResult } from '../dashboard/teamSync';
import type { ScrubbingLogger } from './log';
import type { MetricsService } from './metricsService';

/** The SecretStorage key of the team database password (the sync and the dashboard's team view share it). */
export const TEAM_PASSWORD_KEY = 'aegis.team.password';
const PASSWORD_KEY = TEAM_PASSWORD_KEY;
/** Wait this long after the last recorded event before a sync, so a burst of typing makes one sync. */
const AFTER_EVENTS_MS = 60_000;

/** What the host tests read. */
export interface TeamSyncProbe {
  configured: boolean;
  syncs: number;
  lastResult: TeamSyncResult | undefined;
  lastError: string | undefined;
  authenticationPrompts: number;
}

interface TeamConfig {
  database: string;
  team: string;
  intervalMinutes: number;
}

/** How the dashboard's team view connects: one login serves both directions, so a lead's login holds the
 * writer role (to send their own metrics) and the reader role (to read the team's). */
export interface TeamReaderSettings {
  settings: TeamDatabaseSettings;
  team: string;
}

/** The team database settings and stored password, or undefined when no team database is configured. */
export async function teamReaderSettings(
  secrets: vscode.SecretStorage,
): Promise<TeamReaderSettings | undefined> {
  const config = vscode.workspace.getConfiguration('aegis.team');
  const database = config.get<string>('database', '').trim();
  if (database === '') return undefined;
  const password = await secrets.get(TEAM_PASSWORD_KEY);
  return {
    settings: { connectionString: database, ...(password === undefined ? {} : { password }) },
    team: config.get<string>('name', '').trim(),
  };
}

export class TeamSyncService implements vscode.Disposable {
  readonly probe: TeamSyncProbe = {
    configured: false,
    syncs: 0,
    lastResult: undefined,
    lastError: undefined,
    authenticationPrompts: 0,
  };
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private afterEvents: ReturnType<typeof setTimeout> | undefined;
  private sync: { key: string; sync: TeamSync } | undefined;
  private promptedForPassword = false;
  private readonly offline: vscode.StatusBarItem;

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly logger: ScrubbingLogger,
    private readonly metrics: MetricsService,
  ) {
    this.offline = vscode.window.createStatusBarItem('aegis.teamSync', vscode.StatusBarAlignment.Right, 99);
    this.offline.name = vscode.l10n.t('Aegis Team Database');
    this.offline.text = '$(cloud-upload) $(warning)';
    this.offline.command = 'aegis.team.syncNow';
    this.disposables.push(
      this.offline,
      vscode.commands.registerCommand('aegis.team.setPassword', (value?: unknown) =>
        this.setPassword(typeof value === 'string' ? value : undefined),
      ),
      vscode.commands.registerCommand('aegis.team.syncNow', () => this.syncNow(true)),
      vscode.commands.registerCommand('aegis.team.showSent', () => this.showSent()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('aegis.team')) this.configure();
      }),
      metrics.onDidRecord(() => this.scheduleAfterEvents()),
    );
    this.configure();
  }

  private config(): TeamConfig {
    const config = vscode.workspace.getConfiguration('aegis.team');
    return {
      database: config.get<string>('database', '').trim(),
      team: config.get<string>('name', '').trim(),
      intervalMinutes: Math.max(1, config.get<number>('syncIntervalMinutes', 5)),
    };
  }

  private configure(): void {
    const config = this.config();
    this.probe.configured = config.database !== '';
    this.sync = undefined;
    this.promptedForPassword = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.offline.hide();
    if (!this.probe.configured) return;
    this.timer = setInterval(() => void this.syncNow(false), config.intervalMinutes * 60_000);
    this.timer.unref();
  }

  private scheduleAfterEvents(): void {
    if (!this.probe.configured || this.afterEvents !== undefined) return;
    this.afterEvents = setTimeout(() => {
      this.afterEvents = undefined;
      void this.syncNow(false);
    }, AFTER_EVENTS_MS);
    this.afterEvents.unref();
  }

  private async teamSync(): Promise<TeamSync | undefined> {
    const config = this.config();
    if (config.database === '') return undefined;
    const store = await this.metrics.store();
    if (store === undefined) return undefined;
    const password = await this.extension.secrets.get(PASSWORD_KEY);
    const key = `${config.database}\u0000${config.team}\u0000${password ?? ''}`;
    if (this.sync?.key === key) return this.sync.sync;
    // Loaded here: pg and the sync code cost nothing until a team database is configured and used.
    const { TeamSync } = await import('../dashboard/teamSync');
    const sync = new TeamSync({
      store,
      settings: {
        connectionString: config.database,
        ...(password === undefined ? {} : { password }),
      },
      team: config.team,
    });
    this.sync = { key, sync };
    return sync;
  }

  /** Sends what is waiting. Errors are logged; a refused login is shown once with a way to fix it; only
   * a sync the person asked for reports its outcome in a notification. */
  async syncNow(userInitiated: boolean): Promise<TeamSyncResult | undefined> {
    if (!this.probe.configured) {
      if (userInitiated) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('Aegis: no team database is configured (aegis.team.database).'),
        );
      }
      return undefined;
    }
    this.metrics.flush();
    try {
      const sync = await this.teamSync();
      if (sync === undefined) return undefined;
      const result = await sync.sync();
      this.probe.syncs += 1;
      this.probe.lastResult = result;
      this.probe.lastError = undefined;
      this.offline.hide();
      this.logger.info(`Team database: sent ${result.sent} events (${result.stored} new).`);
      if (userInitiated) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('Aegis: sent {0} events to the team database.', result.sent),
        );
      }
      return result;
    } catch (error) {
      this.failed(error, userInitiated);
      return undefined;
    }
  }

  private failed(error: unknown, userInitiated: boolean): void {
    const message = error instanceof Error ? error.message : String(error);
    const kind =
      typeof error === 'object' && error !== null && 'kind' in error ? String(error.kind) : 'other';
    this.probe.lastError = message;
    this.logger.warn(`Team database: ${message}`);
    if (kind === 'unreachable') {
      // Not a notification: the events wait locally and the next sync retries.
      this.offline.tooltip = vscode.l10n.t('Aegis: the team database cannot be reached. {0}', message);
      this.offline.show();
      if (!userInitiated) return;
    }
    if (kind === 'authentication') {
      if (this.promptedForPassword && !userInitiated) return;
      this.promptedForPassword = true;
      this.probe.authenticationPrompts += 1;
      const set = vscode.l10n.t('Set Password');
      void vscode.window
        .showWarningMessage(vscode.l10n.t('Aegis: the team database refused the login. {0}', message), set)
        .then((choice) => {
          if (choice === set) void vscode.commands.executeCommand('aegis.team.setPassword');
        });
      return;
    }
    if (userInitiated) void vscode.window.showWarningMessage(vscode.l10n.t('Aegis: {0}', message));
  }

  /** Asks for the password; a caller (an administrator's script, the host tests) may pass it instead. */
  private async setPassword(given?: string): Promise<void> {
    const value =
      given ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Team database password'),
        prompt: vscode.l10n.t('Kept in the secret store, never in settings or logs.'),
        password: true,
        ignoreFocusOut: true,
      }));
    if (value === undefined) return;
    this.logger.addSecret(value);
    await this.extension.secrets.store(PASSWORD_KEY, value);
    this.promptedForPassword = false;
    if (given === undefined) void this.syncNow(false);
  }

  /** An untitled markdown document: every field that leaves the machine, and the last events sent. */
  private async showSent(): Promise<void> {
    const { TEAM_EVENT_FIELDS } = await import('../dashboard/teamSchema');
    const sync = await this.teamSync().catch(() => undefined);
    const sent = sync?.sentEvents(50) ?? [];
    const lines = [
      `# ${vscode.l10n.t('What Aegis sends to the team database')}`,
      '',
      vscode.l10n.t('Only these fields leave this machine, one row per metric event:'),
      '',
      '| Field | |',
      '| --- | --- |',
      ...TEAM_EVENT_FIELDS.map((f) => `| \`${f.name}\` | ${f.description} |`),
      '',
      `## ${vscode.l10n.t('The last {0} events sent', sent.length)}`,
      '',
      '```json',
      JSON.stringify(sent, null, 2),
      '```',
      '',
    ];
    const document = await vscode.workspace.openTextDocument({
      language: 'markdown',
      content: lines.join('\n'),
    });
    await vscode.window.showTextDocument(document, { preview: false });
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.afterEvents) clearTimeout(this.afterEvents);
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
