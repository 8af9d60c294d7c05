// The chat webview page: the conversation, the streaming answer (rendered at most once per animation frame, with
// completed blocks rendered once), code-block actions, context chips, the input with slash-command hints, the
// conversation list and the profile picker. It talks to the extension only through the chat protocol, and it
// shows model output only through the sanitizing markdown renderer.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import { CHAT_STRING_KEYS, formatString, parseHostMessage } from '../../src/assist/chatProtocol';
import type {
  ChatMessageView,
  ChatStrings,
  ChatNotice,
  ContextChip,
  ConversationSummary,
  ConversationView,
  HostMessage,
  PageMessage,
  ProfileOption,
  SlashCommandView,
} from '../../src/assist/chatProtocol';
import { MarkdownRenderer, StreamingMarkdown } from '../../src/assist/markdownRender';
import type { CodeBlockInfo, RenderedMarkdown } from '../../src/assist/markdownRender';

interface VsCodeApi {
  postMessage(message: PageMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const renderer = new MarkdownRenderer(window);
const post = (message: PageMessage): void => vscode.postMessage(message);

interface Pending {
  requestId: string;
  answerId: string;
  text: string;
  /** The question's article, which gets its Edit button back when the answer ends. */
  question: HTMLElement;
  questionMessage: ChatMessageView;
  element: HTMLElement;
  typing: HTMLElement;
  body: HTMLElement;
  live: HTMLElement;
  notices: HTMLElement;
  streaming: StreamingMarkdown;
  blocks: Map<number, CodeBlockInfo>;
  frame: number | undefined;
}

// The page's texts arrive translated in `init`; until then every label is empty rather than English.
let t: ChatStrings = Object.fromEntries(CHAT_STRING_KEYS.map((key) => [key, ''])) as ChatStrings;
let locale: string | undefined;

const state = {
  conversation: { id: 'none', title: '', messages: [] } as ConversationView,
  conversations: [] as ConversationSummary[],
  profiles: [] as ProfileOption[],
  profileId: '',
  chips: [] as ContextChip[],
  commands: [] as SlashCommandView[],
  pending: undefined as Pending | undefined,
  hintIndex: 0,
};

// ---------------------------------------------------------------------------------------------------------
// DOM helpers

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; title?: string; attrs?: Record<string, string> } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title) node.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function button(
  label: string,
  onClick: () => void,
  title?: string,
  className = 'link-button',
): HTMLButtonElement {
  const b = el('button', { className, text: label, attrs: { type: 'button' }, ...(title ? { title } : {}) });
  b.addEventListener('click', onClick);
  return b;
}

function newRequestId(): string {
  return `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Layout

const app = document.getElementById('app') ?? document.body;
const historyToggle = button('', () => toggleHistory(), undefined, 'link-button header-button');
historyToggle.setAttribute('aria-expanded', 'false');
const titleEl = el('h1', { className: 'title' });
const profileSelect = document.createElement('vscode-single-select') as HTMLElement & { value: string };
profileSelect.className = 'profile-select';
profileSelect.addEventListener('change', () => {
  if (profileSelect.value && profileSelect.value !== state.profileId) {
    state.profileId = profileSelect.value;
    post({ type: 'selectProfile', profileId: state.profileId });
  }
});
const newButton = document.createElement('vscode-button');
newButton.setAttribute('secondary', '');
newButton.addEventListener('click', () => post({ type: 'newConversation' }));
const header = el('header', { className: 'header' }, historyToggle, titleEl, profileSelect, newButton);

const historyPanel = el('section', { className: 'history', attrs: { hidden: '' } });
const messagesEl = el('main', { className: 'messages', attrs: { role: 'log', 'aria-live': 'polite' } });
const emptyEl = el('p', { className: 'empty' });

const chipsEl = el('div', { className: 'chips' });
const hintsEl = el('ul', { className: 'hints', attrs: { role: 'listbox', hidden: '' } });
const input = el('textarea', { className: 'input', attrs: { rows: '3', 'aria-autocomplete': 'list' } });
const sendButton = document.createElement('vscode-button');
sendButton.addEventListener('click', () => send());
const stopButton = document.createElement('vscode-button');
stopButton.setAttribute('secondary', '');
stopButton.hidden = true;
stopButton.addEventListener('click', () => stop());
const addFileButton = button('', () => post({ type: 'addFile' }));
const footer = el(
  'footer',
  { className: 'composer' },
  chipsEl,
  hintsEl,
  input,
  el(
    'div',
    { className: 'composer-actions' },
    addFileButton,
    el('span', { className: 'spacer' }),
    stopButton,
    sendButton,
  ),
);
app.append(header, historyPanel, messagesEl, footer);

/** Puts the translated texts on the elements that live as long as the page. */
function applyStrings(): void {
  if (locale) document.documentElement.lang = locale;
  historyToggle.textContent = t.conversations;
  historyToggle.title = t.showConversations;
  profileSelect.setAttribute('aria-label', t.profileLabel);
  newButton.textContent = t.newButton;
  newButton.title = t.newButtonTitle;
  historyPanel.setAttribute('aria-label', t.savedConversations);
  messagesEl.setAttribute('aria-label', t.conversationLabel);
  emptyEl.textContent = t.emptyHint;
  chipsEl.setAttribute('aria-label', t.contextLabel);
  hintsEl.setAttribute('aria-label', t.slashCommandsLabel);
  input.placeholder = t.inputPlaceholder;
  input.setAttribute('aria-label', t.inputLabel);
  sendButton.textContent = t.send;
  sendButton.title = t.sendTitle;
  stopButton.textContent = t.stop;
  stopButton.title = t.stopTitle;
  addFileButton.textContent = t.addFile;
  addFileButton.title = t.addFileTitle;
}

// ---------------------------------------------------------------------------------------------------------
// Rendering of messages

function renderNotice(notice: ChatNotice): HTMLElement {
  const labels: Record<ChatNotice['kind'], string> = {
    redacted: t.noticeRedacted,
    blocked: t.noticeBlocked,
    warned: t.noticeWarned,
    'held-back': t.noticeHeldBack,
    'context-cut': t.noticeContextCut,
    error: t.noticeError,
  };
  // The label is bold and the message plain, so the template is split around the message.
  const [before = '', after = ''] = formatString(t.noticeLine, labels[notice.kind], '\u0000').split('\u0000');
  return el(
    'div',
    { className: `notice notice-${notice.kind}`, attrs: { role: 'status' } },
    el('strong', { text: before }),
    document.createTextNode(notice.message),
    document.createTextNode(after),
  );
}

function attachCodeActions(container: HTMLElement, blocks: Map<number, CodeBlockInfo>): void {
  for (const pre of Array.from(container.querySelectorAll<HTMLElement>('pre[data-block]'))) {
    if (pre.previousElementSibling?.classList.contains('code-actions')) continue;
    const info = blocks.get(Number(pre.dataset.block));
    if (!info) continue;
    const bar = el(
      'div',
      {
        className: 'code-actions',
        attrs: {
          role: 'toolbar',
          'aria-label': formatString(t.codeBlockLabel, info.language || t.plainText),
        },
      },
      el('span', { className: 'code-language', text: info.language || t.plainText }),
      button(t.copy, () => post({ type: 'copy', text: info.code }), t.copyTitle),
      button(
        t.insert,
        () => post({ type: 'insertCode', code: info.code, language: info.language }),
        t.insertTitle,
      ),
      button(
        t.apply,
        () => post({ type: 'applyCode', code: info.code, language: info.language }),
        t.applyTitle,
      ),
      button(
        t.saveAs,
        () => post({ type: 'saveCode', code: info.code, language: info.language }),
        t.saveAsTitle,
      ),
    );
    pre.before(bar);
  }
}

function addBlocks(target: Map<number, CodeBlockInfo>, rendered: RenderedMarkdown): void {
  for (const block of rendered.codeBlocks) target.set(block.index, block);
}

function renderMarkdownInto(container: HTMLElement, markdown: string): void {
  const rendered = renderer.render(markdown);
  const blocks = new Map<number, CodeBlockInfo>();
  addBlocks(blocks, rendered);
  container.innerHTML = rendered.html;
  attachCodeActions(container, blocks);
}

function isLast(message: ChatMessageView, role: 'user' | 'assistant'): boolean {
  const same = state.conversation.messages.filter((m) => m.role === role);
  return same[same.length - 1]?.id === message.id;
}

/** `answering`: a turn is running, so the last question and answer show no Edit or Regenerate. */
function renderMessage(message: ChatMessageView, answering = state.pending !== undefined): HTMLElement {
  const item = el('article', {
    className: `message message-${message.role}`,
    attrs: { 'data-id': message.id },
  });
  const who = el('div', { className: 'message-role', text: message.role === 'user' ? t.you : t.assistant });
  item.append(who);
  if (message.role === 'user') {
    if (message.context && message.context.length > 0) {
      item.append(
        el('div', {
          className: 'message-context',
          text: formatString(t.withContext, message.context.join(', ')),
        }),
      );
    }
    item.append(
      el('div', { className: 'message-text', text: message.text }),
      ...questionEnd(message, answering),
    );
    return item;
  }
  const notices = el('div', { className: 'notices' }, ...(message.notices ?? []).map(renderNotice));
  const body = el('div', { className: 'markdown' });
  renderMarkdownInto(body, message.text);
  item.append(notices, body, ...answerEnd(message, answering));
  return item;
}

/** Edit, on the last question only, and only while no answer is being written. */
function questionEnd(message: ChatMessageView, answering: boolean): HTMLElement[] {
  if (answering || !isLast(message, 'user')) return [];
  return [
    el(
      'div',
      { className: 'message-actions turn-actions' },
      button(t.edit, () => editLast(message.text), t.editTitle),
    ),
  ];
}

/** What follows an answer's text: its status when it did not complete, and its actions. */
function answerEnd(message: ChatMessageView, answering: boolean): HTMLElement[] {
  const end: HTMLElement[] = [];
  const status =
    message.status === 'stopped'
      ? t.stopped
      : message.status === 'failed'
        ? t.failed
        : message.status === 'blocked'
          ? t.blocked
          : undefined;
  if (status) end.push(el('div', { className: 'message-status', text: status }));
  const actions = el('div', { className: 'message-actions' });
  if (message.text) actions.append(button(t.copyAnswer, () => post({ type: 'copy', text: message.text })));
  if (!answering && isLast(message, 'assistant')) {
    actions.append(button(t.regenerate, () => regenerate(), t.regenerateTitle, 'link-button turn-action'));
  }
  end.push(actions);
  return end;
}

/** Takes Edit and Regenerate off the previous turn, which a new turn makes no longer the last. */
function removeTurnActions(): void {
  for (const node of Array.from(messagesEl.querySelectorAll('.turn-actions, .turn-action'))) node.remove();
}

function renderConversation(): void {
  titleEl.textContent = state.conversation.title || t.newConversation;
  messagesEl.replaceChildren(
    ...(state.conversation.messages.length === 0
      ? [emptyEl]
      : state.conversation.messages.map((message) => renderMessage(message))),
  );
  messagesEl.scrollTop = messagesEl.scrollHeight;
}

function renderChips(): void {
  chipsEl.replaceChildren(
    ...state.chips.map((chip) =>
      el(
        'span',
        { className: `chip chip-${chip.kind}`, title: chip.detail },
        el('span', { className: 'chip-label', text: chip.label }),
        button(
          '×',
          () => post({ type: 'removeContext', chipId: chip.id }),
          formatString(t.removeChip, chip.label),
          'chip-remove',
        ),
      ),
    ),
  );
  chipsEl.hidden = state.chips.length === 0;
}

function renderProfiles(): void {
  profileSelect.replaceChildren(
    ...state.profiles.map((profile) => {
      const option = document.createElement('vscode-option');
      option.setAttribute('value', profile.id);
      option.setAttribute('description', profile.description);
      if (profile.id === state.profileId) option.setAttribute('selected', '');
      option.textContent = profile.id;
      return option;
    }),
  );
  profileSelect.value = state.profileId;
  profileSelect.hidden = state.profiles.length < 2;
}

function renderHistory(): void {
  const items = state.conversations.map((summary) => {
    const openButton = button(
      summary.title || t.newConversation,
      () => {
        post({ type: 'openConversation', id: summary.id });
        toggleHistory(false);
      },
      formatString(
        t.openConversationTitle,
        summary.messageCount,
        new Date(summary.updatedAt).toLocaleString(locale ? [locale] : undefined),
      ),
      'history-open',
    );
    const row = el('li', { className: 'history-item' });
    const rename = button(t.rename, () => {
      const field = el('input', {
        className: 'history-rename',
        attrs: { type: 'text', 'aria-label': t.newTitleLabel },
      });
      field.value = summary.title;
      field.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && field.value.trim() !== '') {
          post({ type: 'renameConversation', id: summary.id, title: field.value.trim() });
        } else if (event.key === 'Escape') {
          renderHistory();
        }
      });
      openButton.replaceWith(field);
      field.focus();
      field.select();
    });
    let armed = false;
    const remove = button(t.delete, () => {
      // Modal confirm() is not available in webviews: a second click confirms instead.
      if (!armed) {
        armed = true;
        remove.textContent = t.confirmDelete;
        return;
      }
      post({ type: 'deleteConversation', id: summary.id });
    });
    row.append(openButton, el('span', { className: 'history-actions' }, rename, remove));
    return row;
  });
  historyPanel.replaceChildren(
    el('h2', { text: t.conversations }),
    items.length > 0
      ? el('ul', { className: 'history-list' }, ...items)
      : el('p', { className: 'empty', text: t.noConversations }),
  );
}

function toggleHistory(show = historyPanel.hidden): void {
  historyPanel.hidden = !show;
  historyToggle.setAttribute('aria-expanded', String(show));
  if (show) {
    renderHistory();
    historyPanel.querySelector<HTMLElement>('button')?.focus();
  }
}

function setBusy(busy: boolean): void {
  stopButton.hidden = !busy;
  sendButton.toggleAttribute('disabled', busy);
}

// ---------------------------------------------------------------------------------------------------------
// Streaming

function startTurn(message: Extract<HostMessage, { type: 'turnStarted' }>): void {
  emptyEl.remove();
  // A turn the extension never ended is abandoned, as a full re-render would have dropped it.
  if (state.pending) {
    if (state.pending.frame !== undefined) cancelAnimationFrame(state.pending.frame);
    state.pending.element.remove();
  }
  state.conversation.messages.push(message.question);
  // The conversation on screen stays as it is (a long one costs hundreds of ms to build again); only the
  // previous turn's Edit and Regenerate go, since this turn is now the last.
  removeTurnActions();
  titleEl.textContent = state.conversation.title || t.newConversation;
  const body = el('div', { className: 'markdown' });
  // Its own .markdown too, so that the block being written is styled as it will be once complete.
  const live = el('div', { className: 'markdown markdown-live' });
  const notices = el('div', { className: 'notices' });
  const typing = el('div', { className: 'typing', text: '…', attrs: { 'aria-label': t.writing } });
  const element = el(
    'article',
    { className: 'message message-assistant streaming', attrs: { 'aria-busy': 'true' } },
    el('div', { className: 'message-role', text: t.assistant }),
    notices,
    body,
    live,
    typing,
  );
  state.pending = {
    requestId: message.requestId,
    answerId: message.answerId,
    text: '',
    question: renderMessage(message.question, true),
    questionMessage: message.question,
    element,
    typing,
    body,
    live,
    notices,
    streaming: new StreamingMarkdown(renderer),
    blocks: new Map(),
    frame: undefined,
  };
  messagesEl.append(state.pending.question, element);
  setBusy(true);
  messagesEl.scrollTop = messagesEl.scrollHeight;
}

/** Appends one rendered (sanitized) block of the answer, with the buttons of its code blocks. */
function appendPart(pending: Pending, rendered: RenderedMarkdown): void {
  addBlocks(pending.blocks, rendered);
  const part = el('div', { className: 'markdown-part' });
  part.innerHTML = rendered.html;
  attachCodeActions(part, pending.blocks);
  pending.body.append(part);
}

function flushFrame(): void {
  const pending = state.pending;
  if (!pending) return;
  pending.frame = undefined;
  const nearBottom = messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 40;
  const update = pending.streaming.update(pending.text);
  for (const done of update.completed) appendPart(pending, done);
  addBlocks(pending.blocks, update.live);
  pending.live.innerHTML = update.live.html;
  attachCodeActions(pending.live, pending.blocks);
  if (nearBottom) messagesEl.scrollTop = messagesEl.scrollHeight;
}

function onDelta(requestId: string, text: string): void {
  const pending = state.pending;
  if (!pending || pending.requestId !== requestId) return;
  pending.text += text;
  // However fast tokens arrive, the answer is laid out at most once per frame.
  pending.frame ??= requestAnimationFrame(flushFrame);
}

function endTurn(message: Extract<HostMessage, { type: 'turnEnded' }>): void {
  const pending = state.pending;
  if (pending?.requestId !== message.requestId) return;
  if (pending.frame !== undefined) cancelAnimationFrame(pending.frame);
  state.pending = undefined;
  state.conversation.messages.push(message.answer);
  setBusy(false);
  finishAnswer(pending, message.answer);
  requestAnimationFrame(() => input.focus());
}

/**
 * Turns the streamed answer into the finished one in place: the blocks rendered while streaming stay, only the
 * last block (final now) and the answer's status and actions are added.
 */
function finishAnswer(pending: Pending, answer: ChatMessageView): void {
  const nearBottom = messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 40;
  if (answer.text.startsWith(pending.text)) {
    for (const part of pending.streaming.finish(answer.text)) appendPart(pending, part);
  } else {
    // The session streams exactly the text it keeps; should that ever change, this one answer is rendered
    // again from its final text rather than showing what was streamed.
    renderMarkdownInto(pending.body, answer.text);
  }
  pending.live.remove();
  pending.typing.remove();
  pending.element.classList.remove('streaming');
  pending.element.removeAttribute('aria-busy');
  pending.element.dataset.id = answer.id;
  pending.notices.replaceChildren(...(answer.notices ?? []).map(renderNotice));
  pending.element.append(...answerEnd(answer, false));
  pending.question.append(...questionEnd(pending.questionMessage, false));
  if (nearBottom) messagesEl.scrollTop = messagesEl.scrollHeight;
}

// ---------------------------------------------------------------------------------------------------------
// Input, slash hints, actions

function matchingCommands(): SlashCommandView[] {
  const value = input.value;
  if (!/^\/\w*$/.test(value)) return [];
  return state.commands.filter((c) => c.name.startsWith(value.toLowerCase()));
}

function renderHints(): void {
  const matches = matchingCommands();
  hintsEl.hidden = matches.length === 0;
  input.setAttribute('aria-expanded', String(matches.length > 0));
  state.hintIndex = Math.min(state.hintIndex, Math.max(0, matches.length - 1));
  hintsEl.replaceChildren(
    ...matches.map((command, index) => {
      const item = el(
        'li',
        {
          className: index === state.hintIndex ? 'hint active' : 'hint',
          attrs: { role: 'option', id: `hint-${index}`, 'aria-selected': String(index === state.hintIndex) },
        },
        el('span', { className: 'hint-name', text: command.name }),
        el('span', { className: 'hint-description', text: command.description }),
      );
      item.addEventListener('mousedown', (event) => {
        event.preventDefault();
        completeHint(command);
      });
      return item;
    }),
  );
  if (matches.length > 0) input.setAttribute('aria-activedescendant', `hint-${state.hintIndex}`);
  else input.removeAttribute('aria-activedescendant');
}

function completeHint(command: SlashCommandView): void {
  input.value = `${command.name} `;
  renderHints();
  input.focus();
}

function send(): void {
  const text = input.value.trim();
  if (text === '' || state.pending) return;
  post({ type: 'send', requestId: newRequestId(), text, profileId: state.profileId });
  input.value = '';
  renderHints();
}

function stop(): void {
  if (state.pending) post({ type: 'stop', requestId: state.pending.requestId });
}

function regenerate(): void {
  if (state.pending) return;
  dropLastExchange();
  post({ type: 'regenerate', requestId: newRequestId(), profileId: state.profileId });
}

function editLast(text: string): void {
  if (state.pending) return;
  input.value = text;
  input.dataset.editing = 'true';
  input.focus();
}

/** The extension replaces the last exchange on regenerate and edit; the page mirrors it before the new turn. */
function dropLastExchange(): void {
  const messages = state.conversation.messages;
  let index = messages.length - 1;
  while (index >= 0 && messages[index]?.role !== 'user') index--;
  if (index >= 0) messages.splice(index);
  renderConversation();
}

input.addEventListener('input', () => {
  const value = input.value;
  const caret = input.selectionStart;
  // '@' typed at the start of a word opens the file picker instead of staying in the question.
  if (caret > 0 && value[caret - 1] === '@' && (caret === 1 || /\s/.test(value[caret - 2] ?? ''))) {
    input.value = value.slice(0, caret - 1) + value.slice(caret);
    input.setSelectionRange(caret - 1, caret - 1);
    post({ type: 'addFile' });
  }
  state.hintIndex = 0;
  renderHints();
});

input.addEventListener('keydown', (event) => {
  const matches = matchingCommands();
  if (matches.length > 0) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      state.hintIndex = (state.hintIndex + step + matches.length) % matches.length;
      renderHints();
      return;
    }
    if (event.key === 'Tab' || (event.key === 'Enter' && !event.shiftKey)) {
      const chosen = matches[state.hintIndex];
      if (chosen && input.value.trim() !== chosen.name) {
        event.preventDefault();
        completeHint(chosen);
        return;
      }
    }
    if (event.key === 'Escape') {
      hintsEl.hidden = true;
      return;
    }
  }
  if (event.key === 'Escape' && state.pending) {
    event.preventDefault();
    stop();
  } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    if (input.dataset.editing === 'true' && !state.pending) {
      delete input.dataset.editing;
      const text = input.value.trim();
      if (text === '') return;
      dropLastExchange();
      post({ type: 'editLast', requestId: newRequestId(), text, profileId: state.profileId });
      input.value = '';
      return;
    }
    send();
  }
});

// ---------------------------------------------------------------------------------------------------------
// Messages from the extension

function toast(message: string, level: 'info' | 'error'): void {
  const note = el('div', {
    className: `toast toast-${level}`,
    text: message,
    attrs: { role: level === 'error' ? 'alert' : 'status' },
  });
  document.body.append(note);
  setTimeout(() => note.remove(), 3000);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostMessage(event.data);
  if (!message) return;
  switch (message.type) {
    case 'init':
      app.setAttribute('aria-busy', 'false');
      t = message.strings;
      locale = message.locale;
      applyStrings();
      state.conversation = message.conversation;
      state.conversations = message.conversations;
      state.profiles = message.profiles;
      state.profileId = message.profileId;
      state.chips = message.chips;
      state.commands = message.commands;
      renderProfiles();
      renderChips();
      renderConversation();
      break;
    case 'conversation':
      state.conversation = message.conversation;
      state.pending = undefined;
      setBusy(false);
      renderConversation();
      break;
    case 'conversations':
      state.conversations = message.conversations;
      if (!historyPanel.hidden) renderHistory();
      break;
    case 'chips':
      state.chips = message.chips;
      renderChips();
      break;
    case 'profiles':
      state.profiles = message.profiles;
      state.profileId = message.profileId;
      renderProfiles();
      break;
    case 'turnStarted':
      startTurn(message);
      break;
    case 'delta':
      onDelta(message.requestId, message.text);
      break;
    case 'notice':
      if (state.pending?.requestId === message.requestId)
        state.pending.notices.append(renderNotice(message.notice));
      break;
    case 'turnEnded':
      endTurn(message);
      break;
    case 'toast':
      toast(message.message, message.level);
      break;
    case 'prefill':
      input.value = message.text;
      input.focus();
      renderHints();
      break;
  }
});

renderChips();
post({ type: 'ready' });
input.focus();
