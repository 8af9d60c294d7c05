// The chat webview's one protocol: every message the page sends to the extension and every message the
// extension sends to the page, as discriminated unions, with parsers that check each field of what arrives.
// Both sides import this file. Neither side trusts the other: a compromised page must not be able to make the
// extension do more than its buttons do, and a bug on the extension side must not break the page.

/** Longest text either side accepts in one field; a whole file pasted into a question still fits. */
export const MAX_TEXT = 2_000_000;
const MAX_ID = 128;
const MAX_TITLE = 200;
const MAX_LIST = 10_000;

export type ContextKind = 'selection' | 'file' | 'problems';
export const CONTEXT_KINDS: readonly ContextKind[] = ['selection', 'file', 'problems'];

/** A context item as the page shows it: a removable chip. The content itself stays in the extension. */
export interface ContextChip {
  id: string;
  kind: ContextKind;
  /** Short label, e.g. `cart.ts:12-30`. */
  label: string;
  /** Longer description for the tooltip, e.g. the workspace-relative path. */
  detail: string;
}

export type TurnStatus = 'complete' | 'stopped' | 'failed' | 'blocked';
export const TURN_STATUSES: readonly TurnStatus[] = ['complete', 'stopped', 'failed', 'blocked'];

export type NoticeKind = 'redacted' | 'blocked' | 'warned' | 'held-back' | 'context-cut' | 'error';
export const NOTICE_KINDS: readonly NoticeKind[] = [
  'redacted',
  'blocked',
  'warned',
  'held-back',
  'context-cut',
  'error',
];

/** Something the user must see as part of the conversation: what the guard did, what was cut, what failed. */
export interface ChatNotice {
  kind: NoticeKind;
  message: string;
}

export interface ChatMessageView {
  id: string;
  role: 'user' | 'assistant';
  /** Markdown for answers, plain text for questions. */
  text: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Chip labels of the context that was attached to a question. */
  context?: string[];
  notices?: ChatNotice[];
  /** How an answer ended. */
  status?: TurnStatus;
  profileId?: string;
}

export interface ConversationView {
  id: string;
  title: string;
  messages: ChatMessageView[];
}

export interface ConversationSummary {
  id: string;
  title: string;
  /** Epoch milliseconds. */
  updatedAt: number;
  messageCount: number;
}

export interface ProfileOption {
  id: string;
  /** e.g. `qwen2.5-coder:7b · http://localhost:11434/v1` */
  description: string;
}

export interface SlashCommandView {
  name: string;
  description: string;
}

/**
 * Every text the page shows that is not data: labels, tooltips, accessible names, placeholders. The extension
 * sends them translated (vscode.l10n.t) in `init`, so the page holds no English of its own. `{0}`, `{1}` are
 * filled in by the page.
 */
export const CHAT_STRING_KEYS = [
  'conversations',
  'showConversations',
  'newConversation',
  'profileLabel',
  'newButton',
  'newButtonTitle',
  'savedConversations',
  'conversationLabel',
  'emptyHint',
  'contextLabel',
  'slashCommandsLabel',
  'inputPlaceholder',
  'inputLabel',
  'send',
  'sendTitle',
  'stop',
  'stopTitle',
  'addFile',
  'addFileTitle',
  'noticeRedacted',
  'noticeBlocked',
  'noticeWarned',
  'noticeHeldBack',
  'noticeContextCut',
  'noticeError',
  'noticeLine',
  'codeBlockLabel',
  'plainText',
  'copy',
  'copyTitle',
  'insert',
  'insertTitle',
  'apply',
  'applyTitle',
  'saveAs',
  'saveAsTitle',
  'you',
  'assistant',
  'withContext',
  'edit',
  'editTitle',
  'stopped',
  'failed',
  'blocked',
  'copyAnswer',
  'regenerate',
  'regenerateTitle',
  'removeChip',
  'openConversationTitle',
  'rename',
  'newTitleLabel',
  'delete',
  'confirmDelete',
  'noConversations',
  'writing',
] as const;

export type ChatStringKey = (typeof CHAT_STRING_KEYS)[number];
export type ChatStrings = Record<ChatStringKey, string>;

/** Fills `{0}`, `{1}`… of a page string; a missing argument leaves its placeholder visible. */
export function formatString(template: string, ...args: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (match, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? match : String(value);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Page -> extension

export type PageMessage =
  /** The page has loaded and listens; the extension answers with `init`. */
  | { type: 'ready' }
  | { type: 'send'; requestId: string; text: string; profileId: string }
  /** Aborts the request at the HTTP level. */
  | { type: 'stop'; requestId: string }
  /** Asks the last question again, replacing the last answer. */
  | { type: 'regenerate'; requestId: string; profileId: string }
  /** Replaces the last question with new text and asks it again. */
  | { type: 'editLast'; requestId: string; text: string; profileId: string }
  | { type: 'removeContext'; chipId: string }
  /** Opens the `@` quick pick of workspace files. */
  | { type: 'addFile' }
  | { type: 'copy'; text: string }
  | { type: 'insertCode'; code: string; language: string }
  /** Shows a diff of the active file against the code and asks the user to accept or reject it. */
  | { type: 'applyCode'; code: string; language: string }
  | { type: 'saveCode'; code: string; language: string }
  | { type: 'newConversation' }
  | { type: 'openConversation'; id: string }
  | { type: 'renameConversation'; id: string; title: string }
  | { type: 'deleteConversation'; id: string }
  | { type: 'selectProfile'; profileId: string };

// ---------------------------------------------------------------------------------------------------------
// Extension -> page

export type HostMessage =
  | {
      type: 'init';
      /** The page's texts in the user's display language. */
      strings: ChatStrings;
      /** VS Code's display language (e.g. `zh-cn`), for dates. */
      locale: string;
      conversation: ConversationView;
      conversations: ConversationSummary[];
      profiles: ProfileOption[];
      profileId: string;
      chips: ContextChip[];
      commands: SlashCommandView[];
    }
  | { type: 'conversation'; conversation: ConversationView }
  | { type: 'conversations'; conversations: ConversationSummary[] }
  | { type: 'chips'; chips: ContextChip[] }
  | { type: 'profiles'; profiles: ProfileOption[]; profileId: string }
  /** A request began: the question as stored, and the id the answer will have. */
  | { type: 'turnStarted'; requestId: string; question: ChatMessageView; answerId: string }
  | { type: 'delta'; requestId: string; text: string }
  | { type: 'notice'; requestId: string; notice: ChatNotice }
  | { type: 'turnEnded'; requestId: string; status: TurnStatus; answer: ChatMessageView }
  /** A short confirmation or problem not tied to a request ("Copied", "No editor to insert into"). */
  | { type: 'toast'; message: string; level: 'info' | 'error' }
  /** Puts text into the input box (the ask-about-selection command, edit-and-resend). */
  | { type: 'prefill'; text: string };

// ---------------------------------------------------------------------------------------------------------
// Parsers. Each returns the message with only the known fields, or undefined when anything is wrong.

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, max: number, allowEmpty = true): value is string {
  return typeof value === 'string' && value.length <= max && (allowEmpty || value.length > 0);
}

function id(value: unknown): value is string {
  return str(value, MAX_ID, false) && /^[\w.:-]+$/.test(value);
}

/** Profile ids come from settings and may hold any printable text. */
function profileId(value: unknown): value is string {
  return (
    str(value, MAX_ID, false) && ![...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  );
}

function oneOf<T extends string>(value: unknown, choices: readonly T[]): value is T {
  return typeof value === 'string' && (choices as readonly string[]).includes(value);
}

function time(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function list<T>(value: unknown, parse: (item: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_LIST) return undefined;
  const out: T[] = [];
  for (const item of value as unknown[]) {
    const parsed = parse(item);
    if (parsed === undefined) return undefined;
    out.push(parsed);
  }
  return out;
}

/** Parses a message from the page. */
export function parsePageMessage(value: unknown): PageMessage | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  const m = value;
  switch (m.type) {
    case 'ready':
    case 'addFile':
    case 'newConversation':
      return { type: m.type };
    case 'send':
    case 'editLast':
      return id(m.requestId) && str(m.text, MAX_TEXT, false) && m.text.trim() !== '' && profileId(m.profileId)
        ? { type: m.type, requestId: m.requestId, text: m.text, profileId: m.profileId }
        : undefined;
    case 'stop':
      return id(m.requestId) ? { type: 'stop', requestId: m.requestId } : undefined;
    case 'regenerate':
      return id(m.requestId) && profileId(m.profileId)
        ? { type: 'regenerate', requestId: m.requestId, profileId: m.profileId }
        : undefined;
    case 'removeContext':
      return id(m.chipId) ? { type: 'removeContext', chipId: m.chipId } : undefined;
    case 'copy':
      return str(m.text, MAX_TEXT) ? { type: 'copy', text: m.text } : undefined;
    case 'insertCode':
    case 'applyCode':
    case 'saveCode':
      return str(m.code, MAX_TEXT) && str(m.language, 64) && /^[\w+#.-]*$/.test(m.language)
        ? { type: m.type, code: m.code, language: m.language }
        : undefined;
    case 'openConversation':
    case 'deleteConversation':
      return id(m.id) ? { type: m.type, id: m.id } : undefined;
    case 'renameConversation':
      return id(m.id) && str(m.title, MAX_TITLE, false) && m.title.trim() !== ''
        ? { type: 'renameConversation', id: m.id, title: m.title }
        : undefined;
    case 'selectProfile':
      return profileId(m.profileId) ? { type: 'selectProfile', profileId: m.profileId } : undefined;
    default:
      return undefined;
  }
}

function parseNotice(value: unknown): ChatNotice | undefined {
  if (!isRecord(value) || !oneOf(value.kind, NOTICE_KINDS) || !str(value.message, MAX_TEXT)) return undefined;
  return { kind: value.kind, message: value.message };
}

function parseChip(value: unknown): ContextChip | undefined {
  if (!isRecord(value)) return undefined;
  const { id: chipId, kind, label, detail } = value;
  if (!id(chipId) || !oneOf(kind, CONTEXT_KINDS) || !str(label, MAX_TITLE) || !str(detail, 4096))
    return undefined;
  return { id: chipId, kind, label, detail };
}

/** Parses one stored or displayed message; also used by the conversation store on files read from disk. */
export function parseMessageView(value: unknown): ChatMessageView | undefined {
  if (!isRecord(value)) return undefined;
  const m = value;
  if (
    !id(m.id) ||
    (m.role !== 'user' && m.role !== 'assistant') ||
    !str(m.text, MAX_TEXT) ||
    !time(m.createdAt)
  ) {
    return undefined;
  }
  const out: ChatMessageView = { id: m.id, role: m.role, text: m.text, createdAt: m.createdAt };
  if (m.context !== undefined) {
    const context = list(m.context, (c) => (str(c, MAX_TITLE) ? c : undefined));
    if (!context) return undefined;
    out.context = context;
  }
  if (m.notices !== undefined) {
    const notices = list(m.notices, parseNotice);
    if (!notices) return undefined;
    out.notices = notices;
  }
  if (m.status !== undefined) {
    if (!oneOf(m.status, TURN_STATUSES)) return undefined;
    out.status = m.status;
  }
  if (m.profileId !== undefined) {
    if (!profileId(m.profileId)) return undefined;
    out.profileId = m.profileId;
  }
  return out;
}

function parseConversation(value: unknown): ConversationView | undefined {
  if (!isRecord(value) || !id(value.id) || !str(value.title, MAX_TITLE)) return undefined;
  const messages = list(value.messages, parseMessageView);
  return messages ? { id: value.id, title: value.title, messages } : undefined;
}

function parseSummary(value: unknown): ConversationSummary | undefined {
  if (!isRecord(value) || !id(value.id) || !str(value.title, MAX_TITLE) || !time(value.updatedAt))
    return undefined;
  const count = value.messageCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return undefined;
  return { id: value.id, title: value.title, updatedAt: value.updatedAt, messageCount: count };
}

function parseProfile(value: unknown): ProfileOption | undefined {
  return isRecord(value) && profileId(value.id) && str(value.description, 1024)
    ? { id: value.id, description: value.description }
    : undefined;
}

function parseCommand(value: unknown): SlashCommandView | undefined {
  return isRecord(value) &&
    str(value.name, 32, false) &&
    /^\/\w+$/.test(value.name) &&
    str(value.description, 512)
    ? { name: value.name, description: value.description }
    : undefined;
}

function parseStrings(value: unknown): ChatStrings | undefined {
  if (!isRecord(value)) return undefined;
  const out: Partial<ChatStrings> = {};
  for (const key of CHAT_STRING_KEYS) {
    const text = value[key];
    if (!str(text, 4096, false)) return undefined;
    out[key] = text;
  }
  return out as ChatStrings;
}

/** Parses a message from the extension. */
export function parseHostMessage(value: unknown): HostMessage | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  const m = value;
  switch (m.type) {
    case 'init': {
      const conversation = parseConversation(m.conversation);
      const conversations = list(m.conversations, parseSummary);
      const profiles = list(m.profiles, parseProfile);
      const chips = list(m.chips, parseChip);
      const commands = list(m.commands, parseCommand);
      const strings = parseStrings(m.strings);
      if (
        !strings ||
        !str(m.locale, 32) ||
        !/^[\w-]*$/.test(m.locale) ||
        !conversation ||
        !conversations ||
        !profiles ||
        !chips ||
        !commands ||
        !profileId(m.profileId)
      )
        return undefined;
      return {
        type: 'init',
        strings,
        locale: m.locale,
        conversation,
        conversations,
        profiles,
        profileId: m.profileId,
        chips,
        commands,
      };
    }
    case 'conversation': {
      const conversation = parseConversation(m.conversation);
      return conversation ? { type: 'conversation', conversation } : undefined;
    }
    case 'conversations': {
      const conversations = list(m.conversations, parseSummary);
      return conversations ? { type: 'conversations', conversations } : undefined;
    }
    case 'chips': {
      const chips = list(m.chips, parseChip);
      return chips ? { type: 'chips', chips } : undefined;
    }
    case 'profiles': {
      const profiles = list(m.profiles, parseProfile);
      return profiles && profileId(m.profileId)
        ? { type: 'profiles', profiles, profileId: m.profileId }
        : undefined;
    }
    case 'turnStarted': {
      const question = parseMessageView(m.question);
      return id(m.requestId) && question && id(m.answerId)
        ? { type: 'turnStarted', requestId: m.requestId, question, answerId: m.answerId }
        : undefined;
    }
    case 'delta':
      return id(m.requestId) && str(m.text, MAX_TEXT)
        ? { type: 'delta', requestId: m.requestId, text: m.text }
        : undefined;
    case 'notice': {
      const notice = parseNotice(m.notice);
      return id(m.requestId) && notice ? { type: 'notice', requestId: m.requestId, notice } : undefined;
    }
    case 'turnEnded': {
      const answer = parseMessageView(m.answer);
      return id(m.requestId) && oneOf(m.status, TURN_STATUSES) && answer
        ? { type: 'turnEnded', requestId: m.requestId, status: m.status, answer }
        : undefined;
    }
    case 'toast':
      return str(m.message, 4096) && (m.level === 'info' || m.level === 'error')
        ? { type: 'toast', message: m.message, level: m.level }
        : undefined;
    case 'prefill':
      return str(m.text, MAX_TEXT) ? { type: 'prefill', text: m.text } : undefined;
    default:
      return undefined;
  }
}
