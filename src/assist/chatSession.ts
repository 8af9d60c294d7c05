// The chat engine: one conversation at a time, one request at a time. A turn assembles the prompt, passes every
// outgoing user message through the guard (a block sends nothing), streams the answer through the guard's output
// scanner, and ends in exactly one of complete, stopped, failed or blocked, with the conversation saved. Stop
// aborts the HTTP request itself. It takes a client-like interface so it runs in plain Node against any server.
import { randomUUID } from 'node:crypto';
import type { CallOptions, ChatMessage, ChatRequest, ModelStream } from '../model/modelClient';
import { ModelRequestError } from '../model/modelErrors';
import type { ModelProfile } from '../model/profiles';
import { describeInputScan } from './chatGuard';
import type { ChatGuard, ChatInputScan, ChatScanContext } from './chatGuard';
import { buildChatPrompt, chipFor, parseSlashCommand } from './chatPrompt';
import type { ContextItem } from './chatPrompt';
import type { ChatMessageView, ChatNotice, TurnStatus } from './chatProtocol';
import type { Conversation } from './chatStore';

/** The part of ModelClient the chat uses. */
export interface ChatModel {
  streamChat(profile: ModelProfile, request: ChatRequest, options: CallOptions): ModelStream;
}

/** Where a turn's progress goes; the extension forwards each call to the page. */
export interface ChatEvents {
  turnStarted(requestId: string, question: ChatMessageView, answerId: string): void;
  delta(requestId: string, text: string): void;
  notice(requestId: string, notice: ChatNotice): void;
  turnEnded(requestId: string, status: TurnStatus, answer: ChatMessageView): void;
}

/** Where conversations are kept: ChatStore on disk, or memory for one-off questions (the `@aegis` participant). */
export interface ConversationStore {
  create(): Conversation;
  open(id: string): Promise<Conversation | undefined>;
  save(conversation: Conversation): Promise<void>;
}

/** Keeps nothing beyond the session's own conversation. */
export function memoryStore(
  newId: () => string = randomUUID,
  now: () => number = Date.now,
): ConversationStore {
  return {
    create: () => ({ version: 1, id: newId(), title: '', createdAt: now(), updatedAt: now(), messages: [] }),
    open: () => Promise.resolve(undefined),
    save: () => Promise.resolve(),
  };
}

export interface ChatSessionDeps {
  model: ChatModel;
  guard: ChatGuard;
  store: ConversationStore;
  now?: () => number;
  newId?: () => string;
  /** The label a context item gets on the stored question; the extension passes a translated one. */
  chipLabel?: (item: ContextItem) => string;
}

export interface AskInput {
  requestId: string;
  text: string;
  profile: ModelProfile;
  context: readonly ContextItem[];
}

export interface TurnOutcome {
  status: TurnStatus;
  answer: ChatMessageView;
}

export const WITHHELD_QUESTION = '(Not kept: the compliance policy blocked this question.)';
export const WITHHELD_REDACTED_QUESTION =
  '(Not kept: the compliance policy redacted this question and its redacted form could not be separated from its context.)';

/**
 * The question as the conversation file may keep it, taken from the one scan of the message that carried it
 * (scanning the question again would record every finding twice). That message ends with the question's own
 * words, after the context and the command's instruction: when the redacted message still starts with that part
 * unchanged, what follows is the redacted question; when it still ends with the question unchanged, only the
 * context was redacted. Anything else (a question cut to fit, a redaction across the seam) keeps a placeholder,
 * so nothing the guard removed is ever written to disk.
 */
export function keptQuestionText(question: string, sent: string, scan: ChatInputScan): string {
  if (scan.decision === 'block') return WITHHELD_QUESTION;
  if (scan.decision !== 'redact') return question;
  const own = parseSlashCommand(question).rest;
  if (own === '') return question;
  if (!sent.endsWith(own)) return WITHHELD_REDACTED_QUESTION;
  const before = sent.slice(0, sent.length - own.length);
  let redacted: string;
  if (scan.text.startsWith(before)) redacted = scan.text.slice(before.length);
  else if (scan.text.endsWith(own)) redacted = own;
  else return WITHHELD_REDACTED_QUESTION;
  const typed = question.trimEnd();
  return typed.slice(0, typed.length - own.length) + redacted;
}

export class ChatBusyError extends Error {
  constructor() {
    super('An answer is still being written. Stop it or wait for it before asking again.');
    this.name = 'ChatBusyError';
  }
}

export class ChatSession {
  private current: Conversation;
  private readonly now: () => number;
  private readonly newId: () => string;
  private active: { requestId: string; controller: AbortController } | undefined;
  /** The context of the last question, so that Regenerate asks with what was attached then. */
  private lastContext: readonly ContextItem[] = [];

  constructor(private readonly deps: ChatSessionDeps) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? randomUUID;
    this.current = deps.store.create();
  }

  get conversation(): Conversation {
    return this.current;
  }

  get busy(): boolean {
    return this.active !== undefined;
  }

  /** Starts a new, empty conversation (stopping any answer in progress). */
  newConversation(): Conversation {
    this.stop();
    this.current = this.deps.store.create();
    this.lastContext = [];
    return this.current;
  }

  /** Switches to a stored conversation; false when it does not exist or could not be read. */
  async open(id: string): Promise<boolean> {
    const conversation = await this.deps.store.open(id);
    if (!conversation) return false;
    this.stop();
    this.current = conversation;
    this.lastContext = [];
    return true;
  }

  /** Aborts the answer in progress (or only the one with this id); true when one was aborted. */
  stop(requestId?: string): boolean {
    if (!this.active || (requestId !== undefined && this.active.requestId !== requestId)) return false;
    this.active.controller.abort();
    return true;
  }

  async ask(input: AskInput, events: ChatEvents): Promise<TurnOutcome> {
    this.assertIdle();
    this.lastContext = input.context;
    return this.runTurn(input, events);
  }

  /** Asks the last question again, replacing its answer. */
  async regenerate(
    input: Omit<AskInput, 'text' | 'context'> & { context?: readonly ContextItem[] },
    events: ChatEvents,
  ): Promise<TurnOutcome> {
    this.assertIdle();
    const question = this.popLastExchange();
    if (!question) throw new Error('There is no question to ask again.');
    const context = this.lastContext.length > 0 ? this.lastContext : (input.context ?? []);
    return this.runTurn({ ...input, text: question.text, context }, events);
  }

  /** Replaces the last question (and its answer) with new text and asks it. */
  async editLast(input: AskInput, events: ChatEvents): Promise<TurnOutcome> {
    this.assertIdle();
    if (!this.popLastExchange()) throw new Error('There is no question to edit.');
    this.lastContext = input.context;
    return this.runTurn(input, events);
  }

  private assertIdle(): void {
    if (this.active) throw new ChatBusyError();
  }

  private popLastExchange(): ChatMessageView | undefined {
    const messages = this.current.messages;
    let index = messages.length - 1;
    while (index >= 0 && messages[index]?.role !== 'user') index--;
    const question = messages[index];
    if (index < 0 || !question) return undefined;
    messages.splice(index);
    return question;
  }

  /** Earlier turns as they go to the model: only exchanges that were sent and answered. */
  private historyBefore(messages: readonly ChatMessageView[]): ChatMessage[] {
    const history: ChatMessage[] = [];
    for (let i = 0; i + 1 < messages.length; i++) {
      const question = messages[i];
      const answer = messages[i + 1];
      if (question?.role !== 'user' || answer?.role !== 'assistant') continue;
      if ((answer.status === 'complete' || answer.status === 'stopped') && answer.text.trim() !== '') {
        history.push({ role: 'user', content: question.text }, { role: 'assistant', content: answer.text });
      }
      i++;
    }
    return history;
  }

  private async runTurn(input: AskInput, events: ChatEvents): Promise<TurnOutcome> {
    const { requestId, profile } = input;
    const controller = new AbortController();
    this.active = { requestId, controller };
    const conversation = this.current;
    const history = this.historyBefore(conversation.messages);
    const question: ChatMessageView = {
      id: this.newId(),
      role: 'user',
      text: input.text,
      createdAt: this.now(),
      ...(input.context.length > 0
        ? { context: input.context.map((item) => (this.deps.chipLabel ?? ((i) => chipFor(i).label))(item)) }
        : {}),
    };
    const answerId = this.newId();
    conversation.messages.push(question);
    const notices: ChatNotice[] = [];
    let text = '';
    const notify = (notice: ChatNotice): void => {
      notices.push(notice);
      events.notice(requestId, notice);
    };
    const finish = async (status: TurnStatus): Promise<TurnOutcome> => {
      const answer: ChatMessageView = {
        id: answerId,
        role: 'assistant',
        text,
        createdAt: this.now(),
        status,
        profileId: profile.id,
        ...(notices.length > 0 ? { notices } : {}),
      };
      conversation.messages.push(answer);
      if (this.active?.requestId === requestId) this.active = undefined;
      try {
        await this.deps.store.save(conversation);
      } catch (err) {
        notify({ kind: 'error', message: `The conversation could not be saved: ${String(err)}` });
      }
      events.turnEnded(requestId, status, answer);
      return { status, answer };
    };

    try {
      events.turnStarted(requestId, question, answerId);
      const prompt = buildChatPrompt({
        question: input.text,
        history,
        context: input.context,
        budget: { contextWindow: profile.contextWindow, maxTokens: profile.maxTokens },
      });
      for (const cut of prompt.cuts) notify({ kind: 'context-cut', message: cut });

      const main =
        input.context.find((item) => item.kind === 'selection') ??
        input.context.find((item) => item.kind === 'file');
      const scanContext: ChatScanContext = {
        feature: 'chat',
        ...(main ? { filePath: main.path, languageId: main.languageId } : {}),
      };
      // The question (the last message) is scanned first: a turn that ends early still knows what to keep of it.
      const last = prompt.messages.length - 1;
      const order = [last, ...Array.from({ length: last }, (_, i) => i)];
      const outgoing: ChatMessage[] = [...prompt.messages];
      for (const index of order) {
        const message = prompt.messages[index];
        if (message?.role !== 'user') continue;
        const scan = await this.deps.guard.scanInput(message.content, scanContext);
        if (index === last) question.text = keptQuestionText(input.text, message.content, scan);
        if (scan.decision === 'block') {
          notify({ kind: 'blocked', message: describeInputScan(scan) });
          return await finish('blocked');
        }
        if (scan.decision === 'redact') notify({ kind: 'redacted', message: describeInputScan(scan) });
        if (scan.decision === 'warn') notify({ kind: 'warned', message: describeInputScan(scan) });
        if (scan.decision === 'redact') outgoing[index] = { role: 'user', content: scan.text };
      }
      if (controller.signal.aborted) return await finish('stopped');

      const scanner = this.deps.guard.createOutputScanner(scanContext);
      const stream = this.deps.model.streamChat(
        profile,
        { messages: outgoing },
        { signal: controller.signal, feature: 'chat' },
      );
      let blocked = false;
      const show = (step: { text: string; notice?: string; blocked?: boolean }): void => {
        if (step.text) {
          text += step.text;
          events.delta(requestId, step.text);
        }
        if (step.notice) notify({ kind: step.blocked ? 'blocked' : 'held-back', message: step.notice });
        if (step.blocked) blocked = true;
      };
      for (;;) {
        const next = await stream.next();
        if (next.done) break;
        show(scanner.push(next.value));
        if (blocked) {
          // Ends the HTTP request too: the rest of a blocked answer is not wanted.
          controller.abort();
          await stream.return({ outcome: 'cancelled' });
          return await finish('blocked');
        }
      }
      show(scanner.end());
      if (blocked) return await finish('blocked');
      return await finish(controller.signal.aborted ? 'stopped' : 'complete');
    } catch (err) {
      if (controller.signal.aborted && !(err instanceof ModelRequestError)) return finish('stopped');
      const message = err instanceof Error ? err.message : String(err);
      notify({ kind: 'error', message });
      return finish('failed');
    }
  }
}
