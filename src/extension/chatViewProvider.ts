// The chat sidebar's host: the webview view `aegis.chat` (strict CSP, page bundle from dist/media), the protocol
// handling (every message from the page is validated first), the editor-facing actions (insert at the cursor,
// apply through a diff the user accepts or rejects, save as a new file, copy), the context chips (current file,
// selection, problems, files added with @), the "Ask About Selection" command and the `@aegis` chat participant.
// The chat logic itself (prompts, guard, streaming, storage) lives in src/assist and is tested in plain Node.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { PASS_THROUGH_GUARD } from '../assist/chatGuard';
import type { ChatGuard } from '../assist/chatGuard';
import { chipFor, slashCommandViews } from '../assist/chatPrompt';
import type { ContextItem, Problem } from '../assist/chatPrompt';
import { parsePageMessage } from '../assist/chatProtocol';
import type { HostMessage, PageMessage, ProfileOption } from '../assist/chatProtocol';
import { ChatBusyError, ChatSession, memoryStore } from '../assist/chatSession';
import type { ChatEvents, ChatModel } from '../assist/chatSession';
import { ChatStore } from '../assist/chatStore';
import type { ModelProfile } from '../model/profiles';
import type { AegisContext } from './aegisContext';

export const CHAT_VIEW_ID = 'aegis.chat';
export const ASK_ABOUT_SELECTION_COMMAND = 'aegis.chat.askAboutSelection';
export const NEW_CHAT_COMMAND = 'aegis.chat.new';
const PROPOSAL_SCHEME = 'aegis-proposal';
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

/** Serves proposed file versions to `vscode.diff` without writing them anywhere. */
class ProposalDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private counter = 0;

  add(original: vscode.Uri, text: string): vscode.Uri {
    const name = original.path.split('/').pop() ?? 'proposal';
    const uri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${++this.counter}/${name}` });
    this.contents.set(uri.toString(), text);
    return uri;
  }

  forget(uri: vscode.Uri): void {
    this.contents.delete(uri.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }
}

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly session: ChatSession;
  private readonly store: ChatStore;
  private readonly proposals = new ProposalDocuments();
  private readonly disposables: vscode.Disposable[] = [];
  private viewDisposables: vscode.Disposable[] = [];
  /** Items the user attached on purpose: files added with @, a selection from the command. */
  private pinned: ContextItem[] = [];
  /** Automatic items (current file, its selection and problems) the user removed, by kind and document. */
  private readonly suppressed = new Set<string>();
  private profileId: string | undefined;
  private chipTimer: ReturnType<typeof setTimeout> | undefined;
  private nextItem = 0;

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
    });
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this.proposals),
      vscode.window.onDidChangeActiveTextEditor(() => this.scheduleChips()),
      vscode.window.onDidChangeTextEditorSelection(() => this.scheduleChips()),
      vscode.languages.onDidChangeDiagnostics(() => this.scheduleChips()),
      ctx.settings.onDidChange(() => this.postProfiles()),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    for (const d of this.viewDisposables.splice(0)) d.dispose();
    this.view = view;
    const mediaRoot = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [mediaRoot] };
    view.webview.html = this.html(view.webview, mediaRoot);
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

  async newConversation(): Promise<void> {
    this.session.newConversation();
    await this.postConversation();
  }

  private post(message: HostMessage): void {
    void this.view?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview, mediaRoot: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'chat.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'chat.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Aegis Chat</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  // -------------------------------------------------------------------------------------------------------
  // Protocol

  private async handle(message: PageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.postInit();
        return;
      case 'send':
        await this.runTurn(
          message.requestId,
          (events, profile) =>
            this.session.ask(
              { requestId: message.requestId, text: message.text, profile, context: this.contextItems() },
              events,
            ),
          message.profileId,
        );
        return;
      case 'regenerate':
        await this.runTurn(
          message.requestId,
          (events, profile) =>
            this.session.regenerate(
              { requestId: message.requestId, profile, context: this.contextItems() },
              events,
            ),
          message.profileId,
        );
        return;
      case 'editLast':
        await this.runTurn(
          message.requestId,
          (events, profile) =>
            this.session.editLast(
              { requestId: message.requestId, text: message.text, profile, context: this.contextItems() },
              events,
            ),
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
        return;
      case 'insertCode':
        await this.insertCode(message.code);
        return;
      case 'applyCode':
        await this.applyCode(message.code);
        return;
      case 'saveCode':
        await this.saveCode(message.code, message.language);
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
        this.post({ type: 'toast', level: 'error', message: err.message });
        return;
      }
      throw err;
    }
    this.post({ type: 'conversations', conversations: await this.store.list() });
    this.ctx.logger.debug(`Chat request ${requestId} finished.`);
  }

  private async postInit(): Promise<void> {
    this.post({
      type: 'init',
      conversation: this.session.conversation,
      conversations: await this.store.list(),
      profiles: this.profileOptions(),
      profileId: this.currentProfile().id,
      chips: this.contextItems().map(chipFor),
      commands: slashCommandViews(),
    });
  }

  private async postConversation(): Promise<void> {
    const { id, title, messages } = this.session.conversation;
    this.post({ type: 'conversation', conversation: { id, title, messages } });
    this.post({ type: 'conversations', conversations: await this.store.list() });
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
    this.post({ type: 'chips', chips: this.contextItems().map(chipFor) });
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
    this.options.onCodeInserted?.({ action, languageId, characters: code.length, lines: countLines(code) });
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
    const proposal = this.proposals.add(document.uri, proposed);
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
      this.proposals.forget(proposal);
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
  ];
  const participant = registerParticipant(ctx, options.guard ?? PASS_THROUGH_GUARD);
  if (participant) disposables.push(participant);
  return disposables;
}
