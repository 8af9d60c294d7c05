// Reads the aegis.* settings, validates them through the pure parser in src/model/profiles, and tells the
// user once per distinct problem what is wrong and which setting to fix. Invalid profiles are never used.
import * as vscode from 'vscode';
import { parseModelSettings, problemTemplate } from '../model/profiles';
import type { ModelSettings, SettingProblem } from '../model/profiles';
import type { Logger } from './log';

export interface SettingsSnapshot {
  readonly models: ModelSettings;
  readonly problems: readonly SettingProblem[];
  readonly completionEnabled: boolean;
}

export class SettingsService implements vscode.Disposable {
  private current: SettingsSnapshot;
  private readonly reported = new Set<string>();
  /** Every problem announced so far, in order (read by the host tests through the extension API). */
  readonly shownProblems: SettingProblem[] = [];
  private readonly emitter = new vscode.EventEmitter<SettingsSnapshot>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChange = this.emitter.event;

  constructor(private readonly logger: Logger) {
    this.current = this.read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('aegis')) return;
      this.current = this.read();
      this.emitter.fire(this.current);
    });
  }

  get snapshot(): SettingsSnapshot {
    return this.current;
  }

  private read(): SettingsSnapshot {
    const config = vscode.workspace.getConfiguration('aegis');
    const { settings, problems } = parseModelSettings({
      models: config.get<unknown>('models'),
      features: {
        completion: config.get<unknown>('features.completion'),
        chat: config.get<unknown>('features.chat'),
        tests: config.get<unknown>('features.tests'),
        diagnosis: config.get<unknown>('features.diagnosis'),
      },
    });
    this.report(problems);
    return { models: settings, problems, completionEnabled: config.get<boolean>('completion.enabled', true) };
  }

  /** Shows new problems once: one notification naming the first, the rest in the log. */
  private report(problems: readonly SettingProblem[]): void {
    const fresh = problems.filter((problem) => {
      const key = `${problem.key}\u0000${problem.message}`;
      if (this.reported.has(key)) return false;
      this.reported.add(key);
      return true;
    });
    if (fresh.length === 0) return;
    for (const problem of fresh) this.logger.warn(problem.message);
    this.shownProblems.push(...fresh);
    const first = fresh.find((p) => p.severity === 'error') ?? fresh[0];
    const more = fresh.length - 1;
    const text =
      more > 0
        ? vscode.l10n.t('Aegis settings: {0} ({1} more in the log)', localizeProblem(first), more)
        : vscode.l10n.t('Aegis settings: {0}', localizeProblem(first));
    const open = vscode.l10n.t('Open Settings');
    const log = vscode.l10n.t('Show Log');
    void vscode.window.showWarningMessage(text, open, log).then((choice) => {
      if (choice === open) void vscode.commands.executeCommand('workbench.action.openSettings', 'aegis.');
      if (choice === log) void vscode.commands.executeCommand('aegis.showLog');
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

function localizeProblem(problem: SettingProblem): string {
  return vscode.l10n.t(problemTemplate(problem.code, problem.params), {
    ...problem.params,
    key: problem.key,
  });
}
