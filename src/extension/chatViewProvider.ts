// The chat sidebar's host: the webview view `aegis.chat` (strict CSP, page bundle from dist/media), the protocol
// handling (every message from the page is validated first), the editor-facing actions (insert at the cursor,
// apply through a diff the user accepts or rejects, save as a new file, copy), the context chips (current file,
// selection, problems, files added with @), the "Ask About Selection" and "Explain" commands, the chat's usage
// metrics, the page's translated texts, and the `@aegis` chat participant.
// The chat logic itself (prompts, guard, streaming, storage) lives in src/assist and is tested in plain Node.
import * as vscode from 'vscode';
import { PASS_THROUGH_GUARD } from '../assist/chatGuard';
import type { ChatGuard } from '../assist/chatGuard';
import { chatActionMetrics, chatRequestMetrics } from '../assist/chatMetrics';
import type { ChatCodeAction } from '../assist/chatMetrics';
import { chipFor, slashCommandViews } from '../assist/chatPrompt';
import type { ContextItem, Problem } from '../assist/chatPrompt';
import { parsePageMessage } from '../assist/chatProtocol';
import type {
  ChatStrings,
  ContextChip,
  ConversationSummary,
  ConversationView,
  HostMessage,
  PageMessage,
  ProfileOption,
  SlashCommandView,
} from '../assist/chatProtocol';
import { ChatBusyError, ChatSession, memoryStore } from '../assist/chatSession';
import type { ChatEvents, ChatModel } from '../assist/chatSession';
import { ChatStore, UNTITLED } from '../assist/chatStore';
import type { ModelProfile } from '../model/profiles';
import type { AegisContext } from './aegisContext';
import { PROPOSAL_SCHEME } from './proposalDocuments';
import { webviewHtml } from './webviewHtml';

export const CHAT_VIEW_ID = 'aegis.chat';
export const ASK_ABOUT_SELECTION_COMMAND = 'aegis.chat.askAboutSelection';
export const NEW_CHAT_COMMAND = 'aegis.chat.new';
/** Called by the diagnosis feature's "Explain with Aegis" code action. */
export const EXPLAIN_COMMAND = 'aegis.chat.explain';
const MAX_FILE_BYTES = 1_000_000;
const PICK_EXCLUDE = '**/{node_modules,.git,dist,out,build,.venv,target}/**';

/** Code the assistant put into a document; the lead connects this to the metrics store. */
export interface CodeInsertedEvent {
  action: 'insert' | 'apply' | 'save';
  languageId: string;
  characters: number;
  lines: number;
}

export interface ChatViewOptions {
  /** The compliance guard; everything passes until the real guard is connected. */
  guard?: ChatGuard;
  onCodeInserted?: (event: CodeInsertedEvent) => void;
}

/** What the "Explain with Aegis" code action passes. */
export interface ExplainRequest {
  uri: vscode.Uri;
  range: vscode.Range;
  message: string;
}

function isExplainRequest(value: unknown): value is ExplainRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.uri instanceof vscode.Uri && v.range instanceof vscode.Range && typeof v.message === 'string';
}

/** The page's texts, translated; `{0}` and `{1}` stay for the page to fill (passed through as arguments). */
function pageStrings(): ChatStrings {
  return {
    conversations: vscode.l10n.t('Conversations'),
    showConversations: vscode.l10n.t('Show saved conversations'),
    newConversation: vscode.l10n.t('New conversation'),
    profileLabel: vscode.l10n.t('Model profile for chat'),
    newButton: vscode.l10n.t('New'),
    newButtonTitle: vscode.l10n.t('Start a new conversation'),
    savedConversations: vscode.l10n.t('Saved conversations'),
    conversationLabel: vscode.l10n.t('Conversation'),
    emptyHint: vscode.l10n.t(
      'Ask about your code. Select code and press Ctrl+Alt+I (Cmd+Alt+I on macOS) to attach it, type @ to add a file, or / for commands.',
    ),
    contextLabel: vscode.l10n.t('Context sent with the question'),
    slashCommandsLabel: vscode.l10n.t('Slash commands'),
    inputPlaceholder: vscode.l10n.t('Ask about your code (/ for commands, @ to add a file)'),
    inputLabel: vscode.l10n.t('Question'),
    send: vscode.l10n.t('Send'),
    sendTitle: vscode.l10n.t('Send (Enter)'),
    stop: vscode.l10n.t('Stop'),
    stopTitle: vscode.l10n.t('Stop the answer (Escape)'),
    addFile: vscode.l10n.t('@ Add file'),
    addFileTitle: vscode.l10n.t('Add a workspace file as context'),
    noticeRedacted: vscode.l10n.t('Redacted'),
    noticeBlocked: vscode.l10n.t('Blocked'),
    noticeWarned: vscode.l10n.t('Warning'),
    noticeHeldBack: vscode.l10n.t('Held back'),
    noticeContextCut: vscode.l10n.t('Context cut'),
    noticeError: vscode.l10n.t('Error'),
    noticeLine: vscode.l10n.t('{0}: {1}', '{0}', '{1}'),
    codeBlockLabel: vscode.l10n.t('Code block {0}', '{0}'),
    plainText: vscode.l10n.t('text'),
    copy: vscode.l10n.t('Copy'),
    copyTitle: vscode.l10n.t('Copy the code'),
    insert: vscode.l10n.t('Insert'),
    insertTitle: vscode.l10n.t('Insert at the cursor'),
    apply: vscode.l10n.t('Apply'),
    applyTitle: vscode.l10n.t('Apply to the current file (shows a diff first)'),
    saveAs: vscode.l10n.t('Save as…'),
    saveAsTitle: vscode.l10n.t('Save as a new file'),
    you: vscode.l10n.t('You'),
    assistant: vscode.l10n.t('Aegis'),
    withContext: vscode.l10n.t('With: {0}', '{0}'),
    edit: vscode.l10n.t('Edit'),
    editTitle: vscode.l10n.t('Edit and ask again'),
    stopped: vscode.l10n.t('Stopped.'),
    failed: vscode.l10n.t('The answer failed.'),
    blocked: vscode.l10n.t('Blocked by the compliance policy.'),
    copyAnswer: vscode.l10n.t('Copy answer'),
    regenerate: vscode.l10n.t('Regenerate'),
    regenerateTitle: vscode.l10n.t('Ask the last question again'),
    removeChip: vscode.l10n.t('Remove {0}', '{0}'),
    openConversationTitle: vscode.l10n.t('Open ({0} messages, {1})', '{0}', '{1}'),
    rename: vscode.l10n.t('Rename'),
    newTitleLabel: vscode.l10n.t('New title'),
    delete: vscode.l10n.t('Delete'),
    confirmDelete: vscode.l10n.t('Confirm delete'),
    noConversations: vscode.l10n.t('No saved conversations yet.'),
    writing: vscode.l10n.t('Writing the answer'),
  };
}

/** The slash commands' descriptions in the display language. */
function localizedCommands(): SlashCommandView[] {
  const descriptions: Record<string, string> = {
    '/explain': vscode.l10n.t('Explain the selected code'),
    '/fix': vscode.l10n.t('Find and fix bugs in the selection'),
    '/tests': vscode.l10n.t('Write unit tests for the selection'),
    '/doc': vscode.l10n.t('Add documentation comments to the selection'),
    '/review': vscode.l10n.t('Review the selection'),
  };
  return slashCommandViews().map((c) => ({ ...c, description: descriptions[c.name] ?? c.description }));
}

/** A chip as the page shows it: the problems label and the tooltips are sentences, so they are translated. */
function localizedChip(item: ContextItem): ContextChip {
  const chip = chipFor(item);
  const name = item.path.split(/[\\/]/).pop() ?? item.path;
  const lines = item.range ? `:${item.range.startLine}-${item.range.endLine}` : '';
  switch (item.kind) {
    case 'selection':
      return { ...chip, detail: vscode.l10n.t('Selection in {0}', `${item.path}${lines}`) };
    case 'problems': {
      const count = item.problems?.length ?? 0;
      return {
        ...chip,
        label:
          count === 1
            ? vscode.l10n.t('1 problem in {0}', name)
            : vscode.l10n.t('{0} problems in {1}', count, name),
        detail: vscode.l10n.t('Problems reported for {0}', item.path),
      };
    }
    case 'file':
      return item.origin === 'editor'
        ? { ...chip, detail: vscode.l10n.t('Current file: {0}', item.path) }
        : chip;
  }
}

/** Conversations without a title yet show the page's own (translated) "New conversation". */
function untitledAsEmpty<T extends { title: string }>(value: T): T {
  return value.title === UNTITLED ? { ...value, title: '' } : value;
}

function countLines(text: string): number {
  return text === '' ? 0 : text.split('\n').length;
}

function severityOf(severity: vscode.DiagnosticSeverity): Problem['severity'] {
  switch (severity) {
    case vscode.DiagnosticSeverity.Error:
      return 'error';
    case vscode.DiagnosticSeverity.Warning:
      return 'warning';
    case vscode.DiagnosticSeverity.Information:
      return 'info';
    default:
      return 'hint';
  }
}

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly session: ChatSession;
  private readonly store: ChatStore;
  private readonly disposables: vscode.Disposable[] = [];
  private viewDisposables: vscode.Disposable[] = [];
  /** Items the user attached on purpose: files added with @, a selection from the command. */
  private pinned: ContextItem[] = [];
  /** Automatic items (current file, its selection and problems) the user removed, by kind and document. */
  private readonly suppressed = new Set<string>();
  private profileId: string | undefined;
  private chipTimer: ReturnType<typeof setTimeout> | undefined;
  private nextItem = 0;
  private nextRequest = 0;
  /** Whether the last conversation of an earlier window has been reopened (once per window). */
  private restored = false;
  /** Resolved when the page has said `ready` (after each load of the view). */
  private pageReady: Promise<void>;
  private markReady: () => void = () => undefined;
  private pageIsReady = false;

  constructor(
    private readonly ctx: AegisContext,
    private readonly options: ChatViewOptions = {},
  ) {
    this.store = new ChatStore(vscode.Uri.joinPath(ctx.extension.globalStorageUri, 'chat').fsPath, {
      onProblem: (message) => ctx.logger.warn(message),
    });
    this.session = new ChatSession({
      model: lazyModel(ctx),
      guard: options.guard ?? PASS_THROUGH_GUARD,
      store: this.store,
      chipLabel: (item) => localizedChip(item).label,
    });
    this.pageReady = this.newReadyPromise();
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.scheduleChips()),
      vscode.window.onDidChangeTextEditorSelection(() => this.scheduleChips()),
      vscode.languages.onDidChangeDiagnostics(() => this.scheduleChips()),
      ctx.settings.onDidChange(() => this.postProfiles()),
    );
  }

  private newReadyPromise(): Promise<void> {
    this.pageIsReady = false;
    return new Promise((resolve) => {
      this.markReady = () => {
        this.pageIsReady = true;
        resolve();
      };
    });
  }

  /**
   * A new wait for the page only once the last one has been answered: someone may already be waiting on the
   * pending one (Explain focuses the view and waits before VS Code has even resolved it), and replacing it
   * would leave them waiting forever.
   */
  private expectPageLoad(): void {
    if (this.pageIsReady) this.pageReady = this.newReadyPromise();
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    for (const d of this.viewDisposables.splice(0)) d.dispose();
    this.view = view;
    this.expectPageLoad();
    const mediaRoot = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [mediaRoot] };
    view.webview.html = webviewHtml(view.webview, { mediaRoot, name: 'chat', title: 'Aegis Chat' });
    this.viewDisposables.push(
      view.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parsePageMessage(raw);
        if (!message) {
          this.ctx.logger.warn('Chat: ignored a malformed message from the chat view.');
          return;
        }
        void this.handle(message).catch((err: unknown) => {
          this.ctx.logger.error(err instanceof Error ? err : String(err));
          this.post({
            type: 'toast',
            level: 'error',
            message: err instanceof Error ? err.message : String(err),
          });
        });
      }),
      view.onDidDispose(() => {
        this.session.stop();
        this.view = undefined;
        this.expectPageLoad();
      }),
    );
  }

  /** The "Ask About Selection" command: attaches the selection and focuses the chat input. */
  async askAboutSelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (editor && !editor.selection.isEmpty) {
      const item = this.selectionItem(editor, `sel-${++this.nextItem}`);
      this.pinned = this.pinned.filter((p) => p.kind !== 'selection');
      this.pinned.push(item);
      this.suppressed.add(`selection:${editor.document.uri.toString()}`);
    }
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    this.postChips();
  }

  /**
   * "Explain with Aegis" on a problem: opens the chat with the problem's message and the code at its range
   * attached, and asks /explain right away.
   */
  async explain(request: unknown): Promise<void> {
    if (!isExplainRequest(request)) {
      this.ctx.logger.warn('Chat: "Explain" was called without a document, range and message.');
      return;
    }
    const document = await vscode.workspace.openTextDocument(request.uri);
    // Whole lines read better than a diagnostic's exact columns, and an empty range still means its line.
    const startLine = Math.min(request.range.start.line, document.lineCount - 1);
    const endLine = Math.min(Math.max(request.range.end.line, startLine), document.lineCount - 1);
    const range = new vscode.Range(startLine, 0, endLine, document.lineAt(endLine).text.length);
    const path = this.relativePath(document.uri);
    const items: ContextItem[] = [
      {
        id: `explain-${++this.nextItem}`,
        kind: 'selection',
        path,
        languageId: document.languageId,
        text: document.getText(range),
        range: { startLine: startLine + 1, endLine: endLine + 1 },
      },
      {
        id: `explain-problem-${this.nextItem}`,
        kind: 'problems',
        path,
        languageId: document.languageId,
        text: '',
        problems: [
          {
            line: request.range.start.line + 1,
            column: request.range.start.character + 1,
            severity: 'error',
            message: request.message,
          },
        ],
      },
    ];
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    await this.pageReady;
    if (this.session.busy) {
      this.post({ type: 'toast', level: 'error', message: this.busyMessage() });
      return;
    }
    const requestId = `explain-${Date.now().toString(36)}-${++this.nextRequest}`;
    const text = `/explain ${request.message.replace(/\s+/g, ' ').trim()}`;
    const profile = this.currentProfile();
    this.recordRequest(profile, items);
    await this.runTurn(
      requestId,
      (events, p) => this.session.ask({ requestId, text, profile: p, context: items }, events),
      profile.id,
    );
  }

  async newConversation(): Promise<void> {
    this.session.newConversation();
    await this.postConversation();
  }

  private post(message: HostMessage): void {
    void this.view?.webview.postMessage(message);
  }

  // -------------------------------------------------------------------------------------------------------
  // Protocol

  private async handle(message: PageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.postInit();
        this.markReady();
        return;
      case 'send':
        await this.runTurn(
          message.requestId,
          (events, profile) => {
            const context = this.contextItems();
            if (!this.session.busy) this.recordRequest(profile, context);
            return this.session.ask(
              { requestId: message.requestId, text: message.text, profile, context },
              events,
            );
          },
          message.profileId,
        );
        return;
      case 'regenerate':
        await this.runTurn(
          message.requestId,
          (events, profile) => {
            const context = this.contextItems();
            if (!this.session.busy) this.recordRequest(profile, context);
            return this.session.regenerate({ requestId: message.requestId, profile, context }, events);
          },
          message.profileId,
        );
        return;
      case 'editLast':
        await this.runTurn(
          message.requestId,
          (events, profile) => {
            const context = this.contextItems();
            if (!this.session.busy) this.recordRequest(profile, context);
            return this.session.editLast(
              { requestId: message.requestId, text: message.text, profile, context },
              events,
            );
          },
          message.profileId,
        );
        return;
      case 'stop':
        this.session.stop(message.requestId);
        return;
      case 'removeContext':
        this.removeChip(message.chipId);
        return;
      case 'addFile':
        await this.pickFiles();
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        this.post({ type: 'toast', level: 'info', message: vscode.l10n.t('Copied.') });
        this.recordAction('copy', vscode.window.activeTextEditor?.document.languageId ?? '', undefined);
        return;
      case 'insertCode':
        await this.insertCode(this.restorePlaceholders(message.code));
        return;
      case 'applyCode':
        await this.applyCode(this.restorePlaceholders(message.code));
        return;
      case 'saveCode':
        await this.saveCode(this.restorePlaceholders(message.code), message.language);
        return;
      case 'newConversation':
        await this.newConversation();
        return;
      case 'openConversation':
        if (await this.session.open(message.id)) await this.postConversation();
        else
          this.post({
            type: 'toast',
            level: 'error',
            message: vscode.l10n.t('That conversation could not be opened.'),
          });
        return;
      case 'renameConversation': {
        const renamed = await this.store.rename(message.id, message.title);
        if (renamed && this.session.conversation.id === renamed.id)
          this.session.conversation.title = renamed.title;
        await this.postConversation();
        return;
      }
      case 'deleteConversation':
        await this.store.delete(message.id);
        if (this.session.conversation.id === message.id) this.session.newConversation();
        await this.postConversation();
        return;
      case 'selectProfile':
        if (this.profiles().some((p) => p.id === message.profileId)) this.profileId = message.profileId;
        this.postProfiles();
        return;
    }
  }

  private async runTurn(
    requestId: string,
    start: (events: ChatEvents, profile: ModelProfile) => Promise<unknown>,
    profileId: string,
  ): Promise<void> {
    const profile = this.profiles().find((p) => p.id === profileId) ?? this.currentProfile();
    const events: ChatEvents = {
      turnStarted: (id, question, answerId) =>
        this.post({ type: 'turnStarted', requestId: id, question, answerId }),
      delta: (id, text) => this.post({ type: 'delta', requestId: id, text }),
      notice: (id, notice) => this.post({ type: 'notice', requestId: id, notice }),
      turnEnded: (id, status, answer) => this.post({ type: 'turnEnded', requestId: id, status, answer }),
    };
    try {
      await start(events, profile);
    } catch (err) {
      if (err instanceof ChatBusyError) {
        this.post({ type: 'toast', level: 'error', message: this.busyMessage() });
        return;
      }
      throw err;
    }
    this.post({ type: 'conversations', conversations: await this.summaries() });
    this.ctx.logger.debug(`Chat request ${requestId} finished.`);
  }

  private busyMessage(): string {
    return vscode.l10n.t('An answer is still being written. Stop it or wait for it before asking again.');
  }

  private async summaries(): Promise<ConversationSummary[]> {
    return (await this.store.list()).map(untitledAsEmpty);
  }

  private conversationView(): ConversationView {
    const { id, title, messages } = this.session.conversation;
    return untitledAsEmpty({ id, title, messages });
  }

  /**
   * A reloaded window continues where the user left off: the newest saved conversation is reopened, unless
   * the user has already started another one here.
   */
  private async restoreLast(): Promise<void> {
    if (this.restored) return;
    this.restored = true;
    if (this.session.conversation.messages.length > 0 || this.session.busy) return;
    const newest = (await this.store.list())[0];
    if (newest) await this.session.open(newest.id);
  }

  private async postInit(): Promise<void> {
    await this.restoreLast();
    this.post({
      type: 'init',
      strings: pageStrings(),
      locale: vscode.env.language,
      conversation: this.conversationView(),
      conversations: await this.summaries(),
      profiles: this.profileOptions(),
      profileId: this.currentProfile().id,
      chips: this.contextItems().map(localizedChip),
      commands: localizedCommands(),
    });
  }

  private async postConversation(): Promise<void> {
    this.post({ type: 'conversation', conversation: this.conversationView() });
    this.post({ type: 'conversations', conversations: await this.summaries() });
  }

  // -------------------------------------------------------------------------------------------------------
  // Metrics

  private recordRequest(profile: ModelProfile, context: readonly ContextItem[]): void {
    const main = context.find((i) => i.kind === 'selection') ?? context.find((i) => i.kind === 'file');
    for (const event of chatRequestMetrics(profile.model, main?.languageId ?? ''))
      this.ctx.metrics.record(event);
  }

  /** The model that wrote the code being used: the last answer's profile, else the one selected now. */
  private answerModel(): string {
    const answers = this.session.conversation.messages.filter((m) => m.role === 'assistant');
    const profileId = answers[answers.length - 1]?.profileId;
    return (this.profiles().find((p) => p.id === profileId) ?? this.currentProfile()).model;
  }

  private recordAction(action: ChatCodeAction, language: string, characters: number | undefined): void {
    const events = chatActionMetrics(action, {
      model: this.answerModel(),
      language,
      ...(characters === undefined ? {} : { characters }),
    });
    for (const event of events) this.ctx.metrics.record(event);
  }

  // -------------------------------------------------------------------------------------------------------
  // Profiles

  private profiles(): ModelProfile[] {
    return this.ctx.settings.snapshot.models.profiles;
  }

  private currentProfile(): ModelProfile {
    return this.profiles().find((p) => p.id === this.profileId) ?? this.ctx.profileFor('chat');
  }

  private profileOptions(): ProfileOption[] {
    return this.profiles().map((p) => ({ id: p.id, description: `${p.model} · ${p.baseUrl}` }));
  }

  private postProfiles(): void {
    this.post({ type: 'profiles', profiles: this.profileOptions(), profileId: this.currentProfile().id });
  }

  // -------------------------------------------------------------------------------------------------------
  // Context

  private relativePath(uri: vscode.Uri): string {
    return uri.scheme === 'file' || uri.scheme === 'vscode-remote'
      ? vscode.workspace.asRelativePath(uri, false)
      : uri.path;
  }

  private selectionItem(editor: vscode.TextEditor, id: string): ContextItem {
    const { document, selection } = editor;
    return {
      id,
      kind: 'selection',
      path: this.relativePath(document.uri),
      languageId: document.languageId,
      text: document.getText(selection),
      range: { startLine: selection.start.line + 1, endLine: selection.end.line + 1 },
    };
  }

  /** What goes with the next question: automatic items from the active editor, then the pinned ones. */
  private contextItems(): ContextItem[] {
    const items: ContextItem[] = [];
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.uri.scheme !== PROPOSAL_SCHEME) {
      const { document } = editor;
      const key = document.uri.toString();
      const path = this.relativePath(document.uri);
      if (!editor.selection.isEmpty && !this.suppressed.has(`selection:${key}`)) {
        items.push(this.selectionItem(editor, 'auto-selection'));
      }
      if (
        !this.suppressed.has(`file:${key}`) &&
        !this.pinned.some((p) => p.kind === 'file' && p.path === path)
      ) {
        items.push({
          id: 'auto-file',
          kind: 'file',
          origin: 'editor',
          path,
          languageId: document.languageId,
          text: document.getText(),
        });
      }
      const problems = vscode.languages
        .getDiagnostics(document.uri)
        .filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning)
        .map((d) => ({
          line: d.range.start.line + 1,
          column: d.range.start.character + 1,
          severity: severityOf(d.severity),
          message: d.message,
          ...(d.source ? { source: d.source } : {}),
        }));
      if (problems.length > 0 && !this.suppressed.has(`problems:${key}`)) {
        items.push({
          id: 'auto-problems',
          kind: 'problems',
          path,
          languageId: document.languageId,
          text: '',
          problems,
        });
      }
    }
    return [...items, ...this.pinned];
  }

  private scheduleChips(): void {
    if (!this.view) return;
    if (this.chipTimer) clearTimeout(this.chipTimer);
    // Selections change on every cursor move; the chips only need to settle.
    this.chipTimer = setTimeout(() => this.postChips(), 200);
  }

  private postChips(): void {
    this.post({ type: 'chips', chips: this.contextItems().map(localizedChip) });
  }

  private removeChip(chipId: string): void {
    const before = this.pinned.length;
    this.pinned = this.pinned.filter((p) => p.id !== chipId);
    if (this.pinned.length === before) {
      const uri = vscode.window.activeTextEditor?.document.uri.toString();
      const kind =
        chipId === 'auto-selection'
          ? 'selection'
          : chipId === 'auto-file'
            ? 'file'
            : chipId === 'auto-problems'
              ? 'problems'
              : undefined;
      if (uri && kind) this.suppressed.add(`${kind}:${uri}`);
    }
    this.postChips();
  }

  private async pickFiles(): Promise<void> {
    const uris = await vscode.workspace.findFiles('**/*', PICK_EXCLUDE, 5000);
    const picked = await vscode.window.showQuickPick(
      uris
        .map((uri) => ({
          label: uri.path.split('/').pop() ?? uri.path,
          description: this.relativePath(uri),
          uri,
        }))
        .sort((a, b) => a.description.localeCompare(b.description)),
      {
        canPickMany: true,
        matchOnDescription: true,
        placeHolder: vscode.l10n.t('Files to add to the chat context'),
      },
    );
    for (const item of picked ?? []) {
      const stat = await vscode.workspace.fs.stat(item.uri);
      if (stat.size > MAX_FILE_BYTES) {
        this.post({
          type: 'toast',
          level: 'error',
          message: vscode.l10n.t('{0} is too large to add.', item.description),
        });
        continue;
      }
      const document = await vscode.workspace.openTextDocument(item.uri);
      this.pinned = this.pinned.filter((p) => !(p.kind === 'file' && p.path === item.description));
      this.pinned.push({
        id: `file-${++this.nextItem}`,
        kind: 'file',
        origin: 'mention',
        path: item.description,
        languageId: document.languageId,
        text: document.getText(),
      });
    }
    this.postChips();
  }

  // -------------------------------------------------------------------------------------------------------
  // Code actions

  private targetEditor(): vscode.TextEditor | undefined {
    return (
      vscode.window.activeTextEditor ??
      vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme !== PROPOSAL_SCHEME)
    );
  }

  private emitInserted(action: CodeInsertedEvent['action'], languageId: string, code: string): void {
    this.recordAction(action, languageId, code.length);
    this.options.onCodeInserted?.({ action, languageId, characters: code.length, lines: countLines(code) });
  }

  /** Puts back, locally, the values the guard replaced by placeholders in this session's prompts. */
  private restorePlaceholders(code: string): string {
    return this.options.guard?.restore?.(code) ?? code;
  }

  private async insertCode(code: string): Promise<void> {
    const editor = this.targetEditor();
    if (!editor) {
      this.post({
        type: 'toast',
        level: 'error',
        message: vscode.l10n.t('Open a file to insert the code into.'),
      });
      return;
    }
    const ok = await editor.edit((edit) => edit.replace(editor.selection, code));
    if (ok) this.emitInserted('insert', editor.document.languageId, code);
  }

  /** Shows the file against the proposed version and applies it only when the user accepts. */
  private async applyCode(code: string): Promise<void> {
    const editor = this.targetEditor();
    if (!editor) {
      this.post({
        type: 'toast',
        level: 'error',
        message: vscode.l10n.t('Open the file to apply the code to.'),
      });
      return;
    }
    const { document } = editor;
    const version = document.version;
    // A selection is what the code replaces; without one, the code is a new version of the whole file.
    const range = editor.selection.isEmpty
      ? new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length))
      : new vscode.Range(editor.selection.start, editor.selection.end);
    const proposed =
      document.getText().slice(0, document.offsetAt(range.start)) +
      code +
      document.getText().slice(document.offsetAt(range.end));
    const proposal = this.ctx.proposals.add(document.uri, proposed);
    const name = document.uri.path.split('/').pop() ?? '';
    try {
      await vscode.commands.executeCommand(
        'vscode.diff',
        document.uri,
        proposal,
        vscode.l10n.t('{0} ↔ Aegis proposal', name),
        {
          preview: true,
        },
      );
      const accept = vscode.l10n.t('Accept');
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Apply the proposed change to {0}?', name),
        accept,
        vscode.l10n.t('Reject'),
      );
      if (choice !== accept) return;
      if (document.version !== version) {
        void vscode.window.showWarningMessage(
          vscode.l10n.t('{0} changed while the diff was open; nothing was applied.', name),
        );
        return;
      }
      const edit = new vscode.WorkspaceEdit();
      edit.replace(document.uri, range, code);
      if (await vscode.workspace.applyEdit(edit)) this.emitInserted('apply', document.languageId, code);
    } finally {
      this.ctx.proposals.forget(proposal);
    }
  }

  private async saveCode(code: string, language: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const extension = EXTENSIONS[language] ?? (language || 'txt');
    const target = await vscode.window.showSaveDialog({
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `untitled.${extension}`) } : {}),
      saveLabel: vscode.l10n.t('Save code'),
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(code));
    const document = await vscode.workspace.openTextDocument(target);
    await vscode.window.showTextDocument(document);
    this.emitInserted('save', document.languageId, code);
  }

  dispose(): void {
    this.session.stop();
    if (this.chipTimer) clearTimeout(this.chipTimer);
    for (const d of [...this.viewDisposables.splice(0), ...this.disposables.splice(0)]) d.dispose();
  }
}

const EXTENSIONS: Record<string, string> = {
  typescript: 'ts',
  ts: 'ts',
  tsx: 'tsx',
  javascript: 'js',
  js: 'js',
  jsx: 'jsx',
  python: 'py',
  py: 'py',
  go: 'go',
  rust: 'rs',
  java: 'java',
  csharp: 'cs',
  cs: 'cs',
  cpp: 'cpp',
  c: 'c',
  ruby: 'rb',
  php: 'php',
  bash: 'sh',
  sh: 'sh',
  shell: 'sh',
  json: 'json',
  yaml: 'yaml',
  yml: 'yml',
  markdown: 'md',
  md: 'md',
  html: 'html',
  css: 'css',
  sql: 'sql',
  kotlin: 'kt',
  swift: 'swift',
};

/** The model client is created on first use, so opening the chat does not load the SDK. */
function lazyModel(ctx: AegisContext): ChatModel {
  return {
    streamChat: (profile, request, options) =>
      (async function* () {
        const client = await ctx.modelClient();
        return yield* client.streamChat(profile, request, options);
      })(),
  };
}

/** The `@aegis` participant in VS Code's own chat, where that API exists: same prompt, guard and model. */
function registerParticipant(ctx: AegisContext, guard: ChatGuard): vscode.Disposable | undefined {
  if (typeof vscode.chat?.createChatParticipant !== 'function') return undefined;
  const participant = vscode.chat.createChatParticipant(
    'aegis.chat',
    async (request, _context, stream, token) => {
      const session = new ChatSession({ model: lazyModel(ctx), guard, store: memoryStore() });
      const editor = vscode.window.activeTextEditor;
      const context: ContextItem[] = [];
      if (editor && !editor.selection.isEmpty) {
        context.push({
          id: 'selection',
          kind: 'selection',
          path: vscode.workspace.asRelativePath(editor.document.uri, false),
          languageId: editor.document.languageId,
          text: editor.document.getText(editor.selection),
          range: { startLine: editor.selection.start.line + 1, endLine: editor.selection.end.line + 1 },
        });
      }
      const cancel = token.onCancellationRequested(() => session.stop());
      try {
        const text = request.command ? `/${request.command} ${request.prompt}` : request.prompt;
        await session.ask(
          { requestId: 'participant', text, profile: ctx.profileFor('chat'), context },
          {
            turnStarted: () => undefined,
            delta: (_id, delta) => stream.markdown(delta),
            notice: (_id, notice) =>
              stream.markdown(`\n\n> **${notice.kind}**: ${notice.message.replace(/\n/g, ' ')}\n\n`),
            turnEnded: () => undefined,
          },
        );
      } finally {
        cancel.dispose();
      }
    },
  );
  participant.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'icon.png');
  return participant;
}

/** Registers the chat view, its commands and the `@aegis` participant; returns every disposable. */
export function registerChatView(ctx: AegisContext, options: ChatViewOptions = {}): vscode.Disposable[] {
  const provider = new ChatViewProvider(ctx, options);
  const disposables: vscode.Disposable[] = [
    provider,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, provider, {
      webviewOptions: { retainContextWhenHidden: true },
    }),
    vscode.commands.registerCommand(ASK_ABOUT_SELECTION_COMMAND, () => provider.askAboutSelection()),
    vscode.commands.registerCommand(NEW_CHAT_COMMAND, () => provider.newConversation()),
    vscode.commands.registerCommand(EXPLAIN_COMMAND, (request: unknown) => provider.explain(request)),
  ];
  const participant = registerParticipant(ctx, options.guard ?? PASS_THROUGH_GUARD);
  if (participant) disposables.push(participant);
  return disposables;
}
