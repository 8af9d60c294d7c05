// The VS Code side of code diagnosis: "Aegis: Diagnose" on the file or the selection, optionally on save
// (off by default, rate-limited), findings in a DiagnosticCollection with source "Aegis", a quick fix applying a
// finding's replacement, "Dismiss", and "Explain with Aegis" on any diagnostic (handed to the chat's command).
import * as vscode from 'vscode';
import { DismissalStore } from '../assist/diagnosisDismissals';
import type { Finding } from '../assist/diagnosisFindings';
import { DEFAULT_ON_SAVE_LIMITS, DiagnosisRateLimiter } from '../assist/diagnosisRateLimit';
import { runDiagnosis } from '../assist/diagnosisRun';
import type { TextGuard } from '../assist/testGenPipeline';
import type { AegisContext } from './aegisContext';

export const DIAGNOSE_COMMAND = 'aegis.diagnose';
export const DISMISS_FINDING_COMMAND = 'aegis.diagnosis.dismiss';
export const CLEAR_FINDINGS_COMMAND = 'aegis.diagnosis.clear';
/** Run by the quick fix after its edit is applied, to count it; internal, so not in the command palette. */
const FIX_APPLIED_COMMAND = 'aegis.diagnosis.fixApplied';
/** Implemented by the chat; called with `{ uri, range, message }`. */
export const EXPLAIN_COMMAND = 'aegis.chat.explain';
const SOURCE = 'Aegis';
const DISMISSED_KEY = 'aegis.diagnosis.dismissed';

/** One diagnosis run, for metrics. */
export interface DiagnosisRunEvent {
  languageId: string;
  trigger: 'command' | 'save';
  findings: number;
  dropped: number;
  dismissed: number;
}

export interface DiagnosisOptions {
  guard?: TextGuard;
  onRun?: (event: DiagnosisRunEvent) => void;
}

interface Shown {
  finding: Finding;
  diagnostic: vscode.Diagnostic;
}

export class DiagnosisFeature implements vscode.Disposable, vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('aegis');
  private readonly shown = new Map<string, Shown[]>();
  private readonly running = new Map<string, AbortController>();
  private readonly dismissals: DismissalStore;
  private readonly limiter = new DiagnosisRateLimiter({ ...DEFAULT_ON_SAVE_LIMITS, now: () => Date.now() });
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(
    private readonly ctx: AegisContext,
    private readonly options: DiagnosisOptions = {},
  ) {
    const state = ctx.extension.workspaceState;
    this.dismissals = new DismissalStore({
      read: () => state.get<string[]>(DISMISSED_KEY),
      write: async (keys) => {
        await state.update(DISMISSED_KEY, keys);
      },
    });
  }

  register(): vscode.Disposable[] {
    this.disposables.push(
      vscode.commands.registerCommand(DIAGNOSE_COMMAND, (uri?: unknown) =>
        this.diagnoseCommand(uri instanceof vscode.Uri ? uri : undefined),
      ),
      vscode.commands.registerCommand(DISMISS_FINDING_COMMAND, (uri?: unknown, index?: unknown) =>
        uri instanceof vscode.Uri && typeof index === 'number' ? this.dismiss(uri, index) : undefined,
      ),
      vscode.commands.registerCommand(FIX_APPLIED_COMMAND, (languageId?: unknown, chars?: unknown) => {
        if (typeof languageId === 'string' && typeof chars === 'number') this.fixApplied(languageId, chars);
      }),
      vscode.commands.registerCommand(CLEAR_FINDINGS_COMMAND, () => {
        this.collection.clear();
        this.shown.clear();
      }),
      vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, this, {
        providedCodeActionKinds: DiagnosisFeature.providedCodeActionKinds,
      }),
      vscode.workspace.onDidSaveTextDocument((document) => this.onSave(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.onEdit(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
    );
    return [this];
  }

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const shown = this.shown.get(document.uri.toString()) ?? [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source === SOURCE) {
        // The diagnostics handed back are copies, so ours are found again by range and message.
        const index = shown.findIndex(
          (s) => s.diagnostic.range.isEqual(diagnostic.range) && s.diagnostic.message === diagnostic.message,
        );
        const entry = shown[index];
        if (entry?.finding.replacement !== undefined) {
          const fix = new vscode.CodeAction(
            vscode.l10n.t('Aegis: apply the suggested fix'),
            vscode.CodeActionKind.QuickFix,
          );
          fix.edit = new vscode.WorkspaceEdit();
          fix.edit.replace(document.uri, diagnostic.range, entry.finding.replacement);
          // The command runs only once the edit is applied, so only fixes that were really taken count.
          fix.command = {
            command: FIX_APPLIED_COMMAND,
            title: fix.title,
            arguments: [document.languageId, entry.finding.replacement.length],
          };
          fix.diagnostics = [diagnostic];
          fix.isPreferred = true;
          actions.push(fix);
        }
        if (entry) {
          const dismiss = new vscode.CodeAction(
            vscode.l10n.t('Aegis: dismiss this finding'),
            vscode.CodeActionKind.QuickFix,
          );
          dismiss.command = {
            command: DISMISS_FINDING_COMMAND,
            title: dismiss.title,
            arguments: [document.uri, index],
          };
          dismiss.diagnostics = [diagnostic];
          actions.push(dismiss);
        }
      }
      const explain = new vscode.CodeAction(
        vscode.l10n.t('Explain with Aegis'),
        vscode.CodeActionKind.QuickFix,
      );
      explain.command = {
        command: EXPLAIN_COMMAND,
        title: explain.title,
        arguments: [{ uri: document.uri, range: diagnostic.range, message: diagnostic.message }],
      };
      explain.diagnostics = [diagnostic];
      actions.push(explain);
    }
    return actions;
  }

  /** An applied fix is assistant-written code: the store counts it with chat's (see CharSource). */
  private fixApplied(languageId: string, chars: number): void {
    const model = this.ctx.profileFor('diagnosis').model;
    this.ctx.metrics.record({ kind: 'charsAdded', source: 'chat', model, chars, language: languageId });
    this.ctx.metrics.record({
      kind: 'interaction',
      feature: 'diagnosis',
      action: 'apply',
      userInitiated: true,
      model,
      language: languageId,
    });
  }

  private async diagnoseCommand(uri: vscode.Uri | undefined): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const document = uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
    if (!document) return;
    const selection =
      editor && editor.document === document && !editor.selection.isEmpty ? editor.selection : undefined;
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Aegis: diagnosing…'),
        cancellable: true,
      },
      async (_progress, token) => {
        const count = await this.diagnose(document, selection, 'command', token);
        if (count === 0) void vscode.window.showInformationMessage(vscode.l10n.t('Aegis found no problems.'));
      },
    );
  }

  private onSave(document: vscode.TextDocument): void {
    if (document.uri.scheme !== 'file') return;
    if (!vscode.workspace.getConfiguration('aegis', document).get<boolean>('diagnosis.onSave', false)) return;
    if (!this.limiter.tryAcquire(document.uri.toString())) return;
    void this.diagnose(document, undefined, 'save');
  }

  /** Returns the number of findings shown, or undefined when the run did not complete. */
  private async diagnose(
    document: vscode.TextDocument,
    selection: vscode.Range | undefined,
    trigger: 'command' | 'save',
    token?: vscode.CancellationToken,
  ): Promise<number | undefined> {
    const key = document.uri.toString();
    this.running.get(key)?.abort();
    const controller = new AbortController();
    this.running.set(key, controller);
    const sub = token?.onCancellationRequested(() => controller.abort());
    const version = document.version;
    const text = document.getText();
    const profile = this.ctx.profileFor('diagnosis');
    this.ctx.metrics.record({
      kind: 'interaction',
      feature: 'diagnosis',
      action: 'request',
      userInitiated: trigger === 'command',
      model: profile.model,
      language: document.languageId,
    });
    try {
      const existing = vscode.languages
        .getDiagnostics(document.uri)
        .filter((d) => d.source !== SOURCE)
        .map((d) => ({
          line: d.range.start.line + 1,
          severity: vscode.DiagnosticSeverity[d.severity].toLowerCase(),
          message: d.message,
          ...(d.source ? { source: d.source } : {}),
        }));
      const result = await runDiagnosis(
        {
          model: await this.ctx.modelClient(),
          profile,
          dismissals: this.dismissals,
          ...(this.options.guard ? { guard: this.options.guard } : {}),
        },
        {
          path: vscode.workspace.asRelativePath(document.uri, false),
          languageId: document.languageId,
          text,
          ...(selection ? { lines: { start: selection.start.line + 1, end: selection.end.line + 1 } } : {}),
          existingDiagnostics: existing,
          structuredOutput: vscode.workspace
            .getConfiguration('aegis', document)
            .get<boolean>('diagnosis.structuredOutput', false),
        },
        controller.signal,
      );
      // Findings are anchored to the text we sent; after an edit meanwhile they may point at the wrong place.
      if (document.version !== version) return undefined;
      this.show(document, result.findings, selection);
      for (const notice of result.notices) void vscode.window.showInformationMessage(`Aegis: ${notice}`);
      if (result.unreadable) this.ctx.logger.warn('diagnosis: the answer held no readable findings');
      this.options.onRun?.({
        languageId: document.languageId,
        trigger,
        findings: result.findings.length,
        dropped: result.dropped.length,
        dismissed: result.dismissed,
      });
      return result.findings.length;
    } catch (error) {
      if (!controller.signal.aborted) {
        const message = error instanceof Error ? error.message : String(error);
        this.ctx.logger.warn(`diagnosis: ${message}`);
        if (trigger === 'command') void vscode.window.showErrorMessage(`Aegis: ${message}`);
      }
      return undefined;
    } finally {
      sub?.dispose();
      if (this.running.get(key) === controller) this.running.delete(key);
    }
  }

  private show(
    document: vscode.TextDocument,
    findings: readonly Finding[],
    selection: vscode.Range | undefined,
  ): void {
    const key = document.uri.toString();
    // A selection run replaces only the findings inside the selection.
    const kept = selection
      ? (this.shown.get(key) ?? []).filter((s) => !selection.intersection(s.diagnostic.range))
      : [];
    const fresh = findings.map((finding) => {
      const range = new vscode.Range(
        finding.range.start.line,
        finding.range.start.character,
        finding.range.end.line,
        finding.range.end.character,
      );
      const diagnostic = new vscode.Diagnostic(range, finding.message, severityOf(finding.severity));
      diagnostic.source = SOURCE;
      diagnostic.code = finding.category;
      return { finding, diagnostic };
    });
    const all = [...kept, ...fresh];
    this.shown.set(key, all);
    this.collection.set(
      document.uri,
      all.map((s) => s.diagnostic),
    );
  }

  private async dismiss(uri: vscode.Uri, index: number): Promise<void> {
    const key = uri.toString();
    const shown = this.shown.get(key) ?? [];
    const entry = shown[index];
    if (!entry) return;
    await this.dismissals.dismiss(entry.finding);
    const rest = shown.filter((_, i) => i !== index);
    this.shown.set(key, rest);
    this.collection.set(
      uri,
      rest.map((s) => s.diagnostic),
    );
  }

  /** Edited lines lose their findings; findings below an edit move with their code. */
  private onEdit(event: vscode.TextDocumentChangeEvent): void {
    const key = event.document.uri.toString();
    let shown = this.shown.get(key);
    if (!shown || event.contentChanges.length === 0) return;
    for (const change of event.contentChanges) {
      const delta = change.text.split('\n').length - 1 - (change.range.end.line - change.range.start.line);
      shown = shown.flatMap((s) => {
        const range = s.diagnostic.range;
        if (range.end.line < change.range.start.line) return [s];
        if (range.start.line > change.range.end.line) {
          if (delta === 0) return [s];
          const moved = new vscode.Range(
            range.start.line + delta,
            range.start.character,
            range.end.line + delta,
            range.end.character,
          );
          const diagnostic = new vscode.Diagnostic(moved, s.diagnostic.message, s.diagnostic.severity);
          diagnostic.source = SOURCE;
          diagnostic.code = s.diagnostic.code;
          return [{ finding: s.finding, diagnostic }];
        }
        return [];
      });
    }
    this.shown.set(key, shown);
    this.collection.set(
      event.document.uri,
      shown.map((s) => s.diagnostic),
    );
  }

  private forget(uri: vscode.Uri): void {
    this.shown.delete(uri.toString());
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const controller of this.running.values()) controller.abort();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}

function severityOf(severity: Finding['severity']): vscode.DiagnosticSeverity {
  switch (severity) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'info':
      return vscode.DiagnosticSeverity.Information;
  }
}
