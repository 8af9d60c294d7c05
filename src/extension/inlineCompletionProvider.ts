// Inline completion in the editor: registers the provider for every file and untitled document while
// aegis.completion.enabled is on, translates VS Code's document, position and cancellation into the
// engine's request and its suggestion into ghost text, keeps the engine's document index current, and
// turns acceptance (full, next word, next line), Escape and the characters people add into metrics.
// The engine loads on the first request; failures go to the log and the status bar, never a popup.
import * as vscode from 'vscode';
import type { CompletionEvent } from '../completion/completionEvents';
import { isRequestOutcome } from '../completion/completionEvents';
import type { CompletionGuard, CompletionProfile, TextChange } from '../completion/completionPorts';
import type { DocumentSnapshot } from '../completion/documentIndex';
import type { AegisContext } from './aegisContext';
import { completionGuardFrom } from './guardAdapters';
import type { CompletionScanSource } from './guardAdapters';
import { ModelClientBackend } from './inlineCompletionBackend';
import { CharCounter, CharSourceTracker } from './inlineCompletionCharSources';
import { completionEventToMetric } from './inlineCompletionMetrics';
import type { CompletionRuntime } from './inlineCompletionRuntime';
import type { MetricInput } from './metricsService';

export const ACCEPTED_COMMAND = 'aegis.completion.accepted';
export const ACCEPT_WORD_COMMAND = 'aegis.completion.acceptNextWord';
export const ACCEPT_LINE_COMMAND = 'aegis.completion.acceptNextLine';
export const HIDE_COMMAND = 'aegis.completion.hide';

const trackedSchemes = new Set(['file', 'untitled']);
/** Counted characters are written in batches: one event per source and language, not one per keystroke. */
const charFlushMs = 15_000;
/** Events kept for the host tests and for the log on request. */
const logLimit = 500;

/** The guard on completion (the engine's passThroughGuard would be the one-line stand-in without it). */
function completionGuard(ctx: AegisContext, source: () => CompletionScanSource): CompletionGuard {
  return completionGuardFrom(ctx.guard, source);
}

/** The item on screen now, and how much of it partial acceptances have inserted. */
interface ActiveItem {
  readonly id: string;
  readonly uri: string;
  readonly offset: number;
  readonly text: string;
  readonly languageId: string;
  acceptedSoFar: number;
}

export interface InlineCompletionStats {
  readonly providerRegistered: boolean;
  readonly runtimeLoaded: boolean;
  /** Tree-sitter parses so far; undefined until the engine has loaded. */
  readonly parses:
    { readonly full: number; readonly incremental: number; readonly cancelled: number } | undefined;
}

/**
 * Retention checkpoints in ms, from AEGIS_TEST_RETENTION_CHECKPOINTS_MS ("300,600"): the host tests run
 * in this process and set it to see checkpoints fire in seconds, not minutes. Absent or malformed, the
 * product's 30 s / 2 / 5 / 10 min apply.
 */
function testRetentionCheckpoints(): readonly number[] | undefined {
  const raw = process.env.AEGIS_TEST_RETENTION_CHECKPOINTS_MS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const delays = raw.split(',').map((part) => Number(part.trim()));
  return delays.every((ms) => Number.isFinite(ms) && ms > 0) ? delays : undefined;
}

function isTracked(document: vscode.TextDocument): boolean {
  return trackedSchemes.has(document.uri.scheme);
}

function toProfile(ctx: AegisContext): CompletionProfile {
  const p = ctx.profileFor('completion');
  return {
    id: p.id,
    model: p.model,
    fimDialect: p.fimDialect,
    apiStyle: p.apiStyle,
    contextWindow: p.contextWindow,
    maxTokens: p.maxTokens,
    temperature: p.temperature,
  };
}

/** Length of the document without building its text. */
function documentLength(document: vscode.TextDocument): number {
  return document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
}

function toChanges(event: vscode.TextDocumentChangeEvent): TextChange[] {
  return event.contentChanges.map((c) => ({
    offset: c.rangeOffset,
    deletedLength: c.rangeLength,
    text: c.text,
  }));
}

export class InlineCompletionFeature implements vscode.Disposable {
  private runtimePromise: Promise<CompletionRuntime | undefined> | undefined;
  private runtime: CompletionRuntime | undefined;
  private registration: vscode.Disposable | undefined;
  private active: ActiveItem | undefined;
  private profileKey: string;
  private readonly eventLog: CompletionEvent[] = [];
  private readonly metricLog: MetricInput[] = [];
  private readonly counter = new CharCounter();
  private readonly chars: CharSourceTracker;
  private readonly disposables: vscode.Disposable[] = [];
  private partialKind: 'word' | 'line' = 'word';
  private partialText = '';
  private partialReset: ReturnType<typeof setTimeout> | undefined;
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private lastFailure: string | undefined;
  /** The document of the latest request, for the guard's path rules and audit log. */
  private scanSource: CompletionScanSource = {};

  constructor(private readonly ctx: AegisContext) {
    this.profileKey = JSON.stringify(toProfile(ctx));
    this.chars = new CharSourceTracker({
      readClipboard: () => Promise.resolve(vscode.env.clipboard.readText()),
      count: (source, chars, languageId, model) => this.counter.add(source, chars, languageId, model),
      onPartialAccept: (uri, offset, text) => this.partialAccepted(uri, offset, text),
    });
  }

  register(): vscode.Disposable[] {
    this.disposables.push(
      vscode.commands.registerCommand(ACCEPTED_COMMAND, (id: unknown) => this.accepted(id)),
      vscode.commands.registerCommand(ACCEPT_WORD_COMMAND, () => this.acceptPart('word')),
      vscode.commands.registerCommand(ACCEPT_LINE_COMMAND, () => this.acceptPart('line')),
      vscode.commands.registerCommand(HIDE_COMMAND, () => this.hide()),
      vscode.workspace.onDidOpenTextDocument((d) => this.opened(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.closed(d)),
      vscode.window.onDidChangeActiveTextEditor((e) => this.viewed(e)),
      this.ctx.settings.onDidChange(() => this.settingsChanged()),
    );
    this.flushTimer = setInterval(() => this.flushChars(), charFlushMs);
    this.flushTimer.unref();
    this.updateRegistration();
    return [this];
  }

  /** Lifecycle events so far (the newest {@link logLimit}); read by the host tests. */
  events(): readonly CompletionEvent[] {
    return [...this.eventLog];
  }

  /** Metric events this feature recorded (the newest {@link logLimit}), after writing the pending counts. */
  metrics(): readonly MetricInput[] {
    this.flushChars();
    return [...this.metricLog];
  }

  stats(): InlineCompletionStats {
    return {
      providerRegistered: this.registration !== undefined,
      runtimeLoaded: this.runtime !== undefined,
      parses: this.runtime === undefined ? undefined : { ...this.runtime.trees.parses },
    };
  }

  /** Writes the counted characters now (before the metrics store closes). */
  flushChars(): void {
    for (const entry of this.counter.drain()) {
      this.record({
        kind: 'charsAdded',
        source: entry.source,
        model: entry.model,
        chars: entry.chars,
        language: entry.languageId,
      });
    }
  }

  private updateRegistration(): void {
    const enabled = this.ctx.settings.snapshot.completionEnabled;
    if (enabled && this.registration === undefined) {
      const provider: vscode.InlineCompletionItemProvider = {
        provideInlineCompletionItems: (document, position, context, token) =>
          this.provide(document, position, context, token),
      };
      this.registration = vscode.languages.registerInlineCompletionItemProvider(
        [
          { scheme: 'file', pattern: '**' },
          { scheme: 'untitled', pattern: '**' },
        ],
        provider,
      );
    } else if (!enabled && this.registration !== undefined) {
      this.registration.dispose();
      this.registration = undefined;
      this.runtime?.engine.cancelAll();
      this.setActive(undefined);
    }
  }

  private settingsChanged(): void {
    this.updateRegistration();
    const key = JSON.stringify(toProfile(this.ctx));
    if (key === this.profileKey) return;
    this.profileKey = key;
    this.runtime?.setProfile(toProfile(this.ctx));
    this.setActive(undefined);
  }

  private loadRuntime(): Promise<CompletionRuntime | undefined> {
    this.runtimePromise ??= import('./inlineCompletionRuntime').then(
      ({ CompletionRuntime }) => {
        const runtime = new CompletionRuntime({
          wasmDir: vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'tree-sitter').fsPath,
          profile: toProfile(this.ctx),
          backend: new ModelClientBackend({
            client: () => this.ctx.modelClient(),
            profile: () => this.ctx.profileFor('completion'),
          }),
          guard: completionGuard(this.ctx, () => this.scanSource),
          eventSink: (event) => this.onEvent(event),
          getText: (uri) => vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri)?.getText(),
          onError: (message) => this.ctx.logger.warn(message),
          retentionCheckpointsMs: testRetentionCheckpoints,
          ...(vscode.workspace.workspaceFolders?.[0] !== undefined
            ? { repoName: vscode.workspace.workspaceFolders[0].name }
            : {}),
        });
        // Documents opened before the engine loaded: their text now, and the visible editors as viewed.
        for (const document of vscode.workspace.textDocuments)
          if (isTracked(document)) runtime.index.upsert(this.snapshot(document));
        for (const editor of vscode.window.visibleTextEditors) this.viewed(editor, runtime);
        this.runtime = runtime;
        this.ctx.logger.info('Inline completion engine loaded.');
        return runtime;
      },
      (error: unknown) => {
        this.ctx.logger.error(`Inline completion could not start: ${String(error)}`);
        this.runtimePromise = undefined;
        return undefined;
      },
    );
    return this.runtimePromise;
  }

  private snapshot(document: vscode.TextDocument): DocumentSnapshot {
    return {
      uri: document.uri.toString(),
      path: vscode.workspace.asRelativePath(document.uri, false).replace(/\\/g, '/'),
      languageId: document.languageId,
      version: document.version,
      text: document.getText(),
    };
  }

  private async provide(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (!isTracked(document)) return undefined;
    const runtime = await this.loadRuntime();
    if (runtime === undefined || token.isCancellationRequested) return undefined;
    runtime.ensureLanguage(document.languageId);
    const uri = document.uri.toString();
    let entry = runtime.index.get(uri);
    if (
      entry === undefined ||
      entry.version !== document.version ||
      entry.languageId !== document.languageId
    ) {
      runtime.index.upsert(this.snapshot(document));
      entry = runtime.index.get(uri);
    }
    if (entry === undefined) return undefined;
    // A copy: the index updates its entries in place as the user keeps typing.
    const snapshot: DocumentSnapshot = {
      uri: entry.uri,
      path: entry.path,
      languageId: entry.languageId,
      version: entry.version,
      text: entry.text,
      ...(entry.lines !== undefined ? { lines: entry.lines } : {}),
    };
    const offset = document.offsetAt(position);
    this.scanSource = { filePath: snapshot.path, languageId: snapshot.languageId };
    const abort = new AbortController();
    const onCancel = token.onCancellationRequested(() => abort.abort());
    let suggestion;
    try {
      suggestion = await runtime.engine.provide(
        {
          document: snapshot,
          offset,
          trigger:
            context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke ? 'explicit' : 'automatic',
        },
        abort.signal,
      );
    } catch (error) {
      this.ctx.logger.error(`Inline completion failed: ${String(error)}`);
      return undefined;
    } finally {
      onCancel.dispose();
      runtime.scheduleWarmUp();
    }
    if (suggestion === undefined || token.isCancellationRequested) return undefined;
    this.setActive({
      id: suggestion.id,
      uri,
      offset: suggestion.offset,
      text: suggestion.text,
      languageId: document.languageId,
      acceptedSoFar: 0,
    });
    // VS Code's stable API does not say when ghost text is drawn; returning it for this exact position
    // is the closest signal. Re-displays of the same suggestion are reported once by the engine.
    runtime.engine.handleShown(suggestion.id);
    const item = new vscode.InlineCompletionItem(suggestion.text, new vscode.Range(position, position), {
      command: ACCEPTED_COMMAND,
      title: vscode.l10n.t('Accept'),
      arguments: [suggestion.id],
    });
    return [item];
  }

  private setActive(item: ActiveItem | undefined): void {
    this.active = item;
    this.chars.setShown(
      item === undefined
        ? undefined
        : {
            uri: item.uri,
            offset: item.offset,
            text: item.text,
            model: this.ctx.profileFor('completion').model,
          },
    );
  }

  /** The item's command: VS Code runs it after inserting the (rest of the) suggestion. */
  private accepted(id: unknown): void {
    const item = this.active;
    const runtime = this.runtime;
    if (typeof id !== 'string' || runtime === undefined || item === undefined || item.id !== id) return;
    const inserted = item.text.slice(item.acceptedSoFar);
    runtime.engine.handleAccepted(id, inserted);
    this.track(runtime, item, item.offset + item.acceptedSoFar, inserted);
    this.setActive(undefined);
  }

  /** Ctrl+Right (and accept-next-line): notes the acceptance, then runs the editor's own command. */
  private async acceptPart(kind: 'word' | 'line'): Promise<void> {
    const original =
      kind === 'word'
        ? 'editor.action.inlineSuggest.acceptNextWord'
        : 'editor.action.inlineSuggest.acceptNextLine';
    const editor = vscode.window.activeTextEditor;
    const item = this.active;
    if (editor !== undefined && item !== undefined && editor.document.uri.toString() === item.uri) {
      this.partialKind = kind;
      this.chars.setPartialAccept(true);
      if (this.partialReset !== undefined) clearTimeout(this.partialReset);
      // The edit normally arrives before the command returns; this only bounds a lost one.
      this.partialReset = setTimeout(() => this.chars.setPartialAccept(false), 2_000);
    }
    await vscode.commands.executeCommand(original);
  }

  private partialAccepted(uri: string, offset: number, text: string): void {
    const item = this.active;
    const runtime = this.runtime;
    if (runtime === undefined || item === undefined || item.uri !== uri) return;
    this.partialText = text;
    runtime.engine.handlePartialAccept(item.id, this.partialKind, text.length);
    this.track(runtime, item, offset, text);
    item.acceptedSoFar += text.length;
  }

  /** Escape: the suggestion is dismissed, then the editor hides it. */
  private async hide(): Promise<void> {
    const item = this.active;
    if (item !== undefined) {
      this.runtime?.engine.handleDismissed(item.id);
      this.setActive(undefined);
    }
    await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
  }

  private track(runtime: CompletionRuntime, item: ActiveItem, offset: number, text: string): void {
    const profile = this.ctx.profileFor('completion');
    runtime.retention.track({
      suggestionId: item.id,
      uri: item.uri,
      offset,
      text,
      profileId: profile.id,
      model: profile.model,
      languageId: item.languageId,
    });
  }

  private onEvent(event: CompletionEvent): void {
    this.eventLog.push(event);
    if (this.eventLog.length > logLimit) this.eventLog.splice(0, this.eventLog.length - logLimit);
    if (event.type === 'hint') {
      this.showHint(event.hint.kind);
      this.ctx.logger.warn(event.hint.message);
      return;
    }
    if (isRequestOutcome(event)) {
      this.ctx.logger.debug(
        `completion ${event.requestId} ${event.type} ttft=${event.firstTokenMs ?? '-'}ms total=${Math.round(event.totalMs)}ms`,
      );
      if (event.type === 'failed') {
        // The endpoint health and the status bar already say when the endpoint is down; the log gets
        // each distinct failure once instead of once per keystroke.
        if (event.error !== this.lastFailure)
          this.ctx.logger.warn(`Inline completion failed: ${event.error}`);
        this.lastFailure = event.error;
      } else if (event.type === 'produced') {
        this.lastFailure = undefined;
      } else if (event.type === 'blocked') {
        this.ctx.logger.info(`Inline completion blocked (${event.direction}): ${event.message}`);
      }
      return;
    }
    const metric = completionEventToMetric(
      event,
      event.type === 'partiallyAccepted' ? this.partialText : undefined,
    );
    if (metric !== undefined) this.record(metric);
  }

  private record(metric: MetricInput): void {
    this.metricLog.push(metric);
    if (this.metricLog.length > logLimit) this.metricLog.splice(0, this.metricLog.length - logLimit);
    this.ctx.metrics.record(metric);
  }

  /** One notification per problem and profile (the engine reports each once), with the way to fix it. */
  private showHint(kind: 'echoedFimTokens' | 'chatModelWithFimDialect' | 'fimDialectWithChatApi'): void {
    const profile = this.ctx.profileFor('completion');
    let message: string;
    switch (kind) {
      case 'echoedFimTokens':
        message = vscode.l10n.t(
          'Aegis: the model {0} returned fill-in-the-middle tokens as text, so the FIM dialect "{1}" of profile "{2}" probably does not match it. Set the dialect the model was trained with.',
          profile.model,
          profile.fimDialect,
          profile.id,
        );
        break;
      case 'chatModelWithFimDialect':
        message = vscode.l10n.t(
          'Aegis: {0} looks like a chat or instruct model, but profile "{1}" sends it raw fill-in-the-middle prompts. Use a base or coder model for completion, or set the API style to chat.',
          profile.model,
          profile.id,
        );
        break;
      case 'fimDialectWithChatApi':
        message = vscode.l10n.t(
          'Aegis: profile "{0}" uses the chat API, so its FIM dialect "{1}" is ignored. Set the dialect to "none".',
          profile.id,
          profile.fimDialect,
        );
        break;
    }
    // It stays on the status bar item (and atop its menu) until the profile changes; the notice comes once.
    this.ctx.statusBar.setAdvice(message);
    const open = vscode.l10n.t('Open Settings');
    void vscode.window.showWarningMessage(message, open).then((choice) => {
      if (choice === open)
        void vscode.commands.executeCommand('workbench.action.openSettings', 'aegis.models');
    });
  }

  private opened(document: vscode.TextDocument): void {
    if (this.runtime !== undefined && isTracked(document)) this.runtime.index.upsert(this.snapshot(document));
  }

  private changed(event: vscode.TextDocumentChangeEvent): void {
    const document = event.document;
    if (!isTracked(document) || event.contentChanges.length === 0) return;
    const uri = document.uri.toString();
    const changes = toChanges(event);
    const reason =
      event.reason === vscode.TextDocumentChangeReason.Undo
        ? 'undo'
        : event.reason === vscode.TextDocumentChangeReason.Redo
          ? 'redo'
          : undefined;
    const runtime = this.runtime;
    // Retention first: a partial acceptance found below starts tracking text this change already holds.
    runtime?.retention.onDocumentChange(uri, changes);
    this.chars.onChanges(uri, document.languageId, changes, reason);
    if (runtime === undefined) return;
    const entry = runtime.index.get(uri);
    if (entry === undefined) {
      runtime.index.upsert(this.snapshot(document));
      return;
    }
    runtime.index.applyChanges(uri, document.version, changes);
    // Typing postpones idle parsing, so its slices never compete with keystrokes.
    runtime.scheduleWarmUp();
    // Should the edits ever not add up (an event missed while loading), start over from the real text.
    if (runtime.index.get(uri)?.text.length !== documentLength(document))
      runtime.index.upsert(this.snapshot(document));
  }

  private closed(document: vscode.TextDocument): void {
    const uri = document.uri.toString();
    if (this.active?.uri === uri) this.setActive(undefined);
    const runtime = this.runtime;
    if (runtime === undefined) return;
    runtime.retention.onDocumentClosed(uri);
    runtime.index.remove(uri);
  }

  private viewed(editor: vscode.TextEditor | undefined, runtime = this.runtime): void {
    if (runtime === undefined || editor === undefined || !isTracked(editor.document)) return;
    const uri = editor.document.uri.toString();
    if (runtime.index.get(uri) === undefined) runtime.index.upsert(this.snapshot(editor.document));
    runtime.index.recordView(uri, editor.selection.active.line);
  }

  dispose(): void {
    this.flushChars();
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    if (this.partialReset !== undefined) clearTimeout(this.partialReset);
    this.registration?.dispose();
    this.registration = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.runtime?.dispose();
  }
}
