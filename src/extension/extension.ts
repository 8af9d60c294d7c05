// Entry point: activate() builds the context once, registers the commands, and returns a small API that the
// host tests read. Activation stays cheap: it reads settings and draws the status bar; everything heavy
// loads on first use.
import type * as vscode from 'vscode';
import type { EndpointStatus } from '../model/endpointHealth';
import type { SettingProblem } from '../model/profiles';
import { AegisContext } from './aegisContext';
import { registerChatView } from './chatViewProvider';
import { registerCommands } from './commands';
import { DiagnosisFeature } from './diagnosisProvider';
import { TestGenFeature } from './testGenProvider';

export interface AegisApi {
  /** Milliseconds from the start of activate() to its end. */
  readonly activationMs: number;
  statusText(): string;
  endpointStatus(): EndpointStatus;
  settingsProblems(): readonly SettingProblem[];
  checkEndpoint(): Promise<boolean>;
}

let current: AegisContext | undefined;

export function activate(context: vscode.ExtensionContext): AegisApi {
  const started = performance.now();
  const ctx = new AegisContext(context);
  current = ctx;
  context.subscriptions.push(
    ctx,
    ...registerCommands(ctx),
    ...registerChatView(ctx),
    ...new TestGenFeature(ctx).register(),
    ...new DiagnosisFeature(ctx).register(),
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
  };
}

/** Flushes the metrics batch before the extension host goes away. */
export async function deactivate(): Promise<void> {
  await current?.metrics.close();
  current = undefined;
}
