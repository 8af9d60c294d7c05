// Entry point: activate() builds the context once, registers the commands, and returns a small API that the
// host tests read. Activation stays cheap: it reads settings and draws the status bar; everything heavy
// loads on first use.
import type * as vscode from 'vscode';
import type { CompletionEvent } from '../completion/completionEvents';
import type { EndpointStatus } from '../model/endpointHealth';
import type { SettingProblem } from '../model/profiles';
import { AegisContext } from './aegisContext';
import { registerChatView } from './chatViewProvider';
import { registerCommands } from './commands';
import { registerDashboard } from './dashboardPanel';
import type { DashboardProbe } from './dashboardPanel';
import { DiagnosisFeature } from './diagnosisProvider';
import { chatGuardFrom, textGuardFrom } from './guardAdapters';
import { InlineCompletionFeature } from './inlineCompletionProvider';
import type { InlineCompletionStats } from './inlineCompletionProvider';
import type { MetricInput } from './metricsService';
import type { GuardSnapshot } from './guardService';
import { registerPolicyEditor } from './policyEditorPanel';
import { TeamSyncService } from './teamSyncService';
import type { TeamSyncProbe } from './teamSyncService';
import { TestGenFeature } from './testGenProvider';

export interface AegisApi {
  /** Milliseconds from the start of activate() to its end. */
  readonly activationMs: number;
  statusText(): string;
  endpointStatus(): EndpointStatus;
  settingsProblems(): readonly SettingProblem[];
  checkEndpoint(): Promise<boolean>;
  /** The loaded guard policy (loading it if nothing has yet). */
  guardSnapshot(): Promise<GuardSnapshot>;
  /** Guard violations and layer problems shown to the user so far. */
  guardReports(): readonly string[];
  /** Where the Aegis log and the metrics database are, for the audit tests. */
  storagePaths(): { globalStorage: string; logs: string };
  /** Whether the dashboard panel is open and which messages it posted to its page. */
  dashboard(): DashboardProbe;
  /** Inline completion's lifecycle events so far (newest 500). */
  completionEvents(): readonly CompletionEvent[];
  /** Metric events inline completion recorded (newest 500), counted characters included. */
  completionMetrics(): readonly MetricInput[];
  completionStats(): InlineCompletionStats;
  /** The team database sync: configured or not, syncs done, last result and error. */
  teamSync(): TeamSyncProbe;
  /** Records a metric event through the real metrics service (host tests of the team sync). */
  recordMetric(input: MetricInput): void;
}

let current: AegisContext | undefined;
let currentCompletion: InlineCompletionFeature | undefined;

export function activate(context: vscode.ExtensionContext): AegisApi {
  const started = performance.now();
  const ctx = new AegisContext(context);
  current = ctx;
  const testsGuard = textGuardFrom(ctx.guard);
  const dashboard = registerDashboard(ctx);
  const completion = new InlineCompletionFeature(ctx);
  const teamSync = new TeamSyncService(context, ctx.logger, ctx.metrics);
  currentCompletion = completion;
  context.subscriptions.push(
    dashboard,
    ctx,
    ...registerCommands(ctx),
    ...registerChatView(ctx, { guard: chatGuardFrom(ctx.guard) }),
    ...new TestGenFeature(ctx, { guard: testsGuard.guard, restore: testsGuard.restore }).register(),
    ...new DiagnosisFeature(ctx, { guard: textGuardFrom(ctx.guard).guard }).register(),
    ...registerPolicyEditor(ctx),
    ...completion.register(),
    teamSync,
  );
  void ctx.checkCompletionEndpoint(false);
  const activationMs = performance.now() - started;
  ctx.logger.info(
    `Aegis ${(context.extension.packageJSON as { version: string }).version} activated in ${activationMs.toFixed(1)} ms.`,
  );
  return {
    activationMs,
    statusText: () => ctx.statusBar.text,
    endpointStatus: () => ctx.health.status(ctx.profileFor('completion').id),
    settingsProblems: () => ctx.settings.shownProblems,
    checkEndpoint: () => ctx.checkCompletionEndpoint(false),
    guardSnapshot: () => ctx.guard.snapshot(),
    guardReports: () => ctx.guard.shownReports,
    storagePaths: () => ({ globalStorage: context.globalStorageUri.fsPath, logs: context.logUri.fsPath }),
    dashboard: () => dashboard.probe,
    completionEvents: () => completion.events(),
    completionMetrics: () => completion.metrics(),
    completionStats: () => completion.stats(),
    teamSync: () => teamSync.probe,
    recordMetric: (input) => ctx.metrics.record(input),
  };
}

/** Flushes the metrics batch before the extension host goes away. */
export async function deactivate(): Promise<void> {
  currentCompletion?.flushChars();
  currentCompletion = undefined;
  await current?.metrics.close();
  current = undefined;
}
