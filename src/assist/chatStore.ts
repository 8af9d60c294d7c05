// Conversations on disk: one JSON file per conversation in a folder the extension owns, written atomically
// (a temporary file renamed over the old one, so a crash never leaves half a conversation), with titles taken
// from the first question. A file that cannot be read as a conversation is moved aside and reported, never
// fatal: one bad file must not cost the user every other conversation.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMessageView } from './chatProtocol';
import type { ChatMessageView, ConversationSummary, ConversationView } from './chatProtocol';

export const STORE_VERSION = 1;
const TITLE_MAX = 60;
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface Conversation extends ConversationView {
  version: typeof STORE_VERSION;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** True once the user named it; automatic titles no longer replace it. */
  titleSetByUser?: boolean;
}

export interface ChatStoreOptions {
  now?: () => number;
  newId?: () => string;
  /** Told about files that were moved aside, so the extension can log it. */
  onProblem?: (message: string) => void;
}

export const UNTITLED = 'New conversation';

/** A title from the first question: its first line, without a leading slash command's noise, kept short. */
export function titleFrom(question: string): string {
  const firstLine =
    question
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '') ?? '';
  const collapsed = firstLine.replace(/\s+/g, ' ');
  if (collapsed === '') return UNTITLED;
  return collapsed.length > TITLE_MAX ? `${collapsed.slice(0, TITLE_MAX - 1).trimEnd()}…` : collapsed;
}

export function summarize(conversation: Conversation): ConversationSummary {
  return {
    id: conversation.id,
    title: conversation.title,
    updatedAt: conversation.updatedAt,
    messageCount: conversation.messages.length,
  };
}

function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Reads a parsed file as a conversation, or undefined when any part of it is not one. */
export function parseConversation(value: unknown): Conversation | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (v.version !== STORE_VERSION || typeof v.id !== 'string' || !isValidId(v.id)) return undefined;
  if (typeof v.title !== 'string' || v.title.length > 200) return undefined;
  if (typeof v.createdAt !== 'number' || typeof v.updatedAt !== 'number') return undefined;
  if (!Array.isArray(v.messages)) return undefined;
  const messages: ChatMessageView[] = [];
  for (const raw of v.messages as unknown[]) {
    const message = parseMessageView(raw);
    if (!message) return undefined;
    messages.push(message);
  }
  return {
    version: STORE_VERSION,
    id: v.id,
    title: v.title,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    messages,
    ...(v.titleSetByUser === true ? { titleSetByUser: true } : {}),
  };
}

export class ChatStore {
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly onProblem: (message: string) => void;
  private ready: Promise<void> | undefined;
  /** Writes to one file are chained, so that an older save never lands after a newer one. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly folder: string,
    options: ChatStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.onProblem = options.onProblem ?? (() => undefined);
  }

  /** A new, empty conversation; it is written on the first save. */
  create(): Conversation {
    const at = this.now();
    return {
      version: STORE_VERSION,
      id: this.newId(),
      title: UNTITLED,
      createdAt: at,
      updatedAt: at,
      messages: [],
    };
  }

  /** Summaries of every readable conversation, the most recently changed first. */
  async list(): Promise<ConversationSummary[]> {
    await this.ensureFolder();
    const names = (await readdir(this.folder)).filter((n) => n.endsWith('.json')).sort();
    const summaries: ConversationSummary[] = [];
    for (const name of names) {
      const conversation = await this.read(name.slice(0, -'.json'.length));
      if (conversation && conversation.messages.length > 0) summaries.push(summarize(conversation));
    }
    return summaries.sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1));
  }

  /** The conversation, or undefined when it does not exist or was unreadable (and has been moved aside). */
  async open(id: string): Promise<Conversation | undefined> {
    if (!isValidId(id)) return undefined;
    await this.ensureFolder();
    return this.read(id);
  }

  /** Writes the conversation, giving it a title from its first question while the user has not named it. */
  async save(conversation: Conversation): Promise<void> {
    if (!isValidId(conversation.id)) throw new Error(`Not a conversation id: ${conversation.id}`);
    if (!conversation.titleSetByUser) {
      const first = conversation.messages.find((m) => m.role === 'user');
      conversation.title = first ? titleFrom(first.text) : UNTITLED;
    }
    conversation.updatedAt = this.now();
    const text = JSON.stringify(conversation);
    const previous = this.writes.get(conversation.id) ?? Promise.resolve();
    const next = previous.then(() => this.writeAtomically(conversation.id, text));
    const settled = next.catch(() => undefined);
    this.writes.set(conversation.id, settled);
    void settled.finally(() => {
      if (this.writes.get(conversation.id) === settled) this.writes.delete(conversation.id);
    });
    await next;
  }

  async rename(id: string, title: string): Promise<Conversation | undefined> {
    const conversation = await this.open(id);
    const trimmed = title.replace(/\s+/g, ' ').trim().slice(0, 200);
    if (!conversation || trimmed === '') return undefined;
    conversation.title = trimmed;
    conversation.titleSetByUser = true;
    await this.save(conversation);
    return conversation;
  }

  /** True when a file was deleted. */
  async delete(id: string): Promise<boolean> {
    if (!isValidId(id)) return false;
    await this.ensureFolder();
    await (this.writes.get(id) ?? Promise.resolve());
    try {
      await rm(this.pathOf(id));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  private pathOf(id: string): string {
    return join(this.folder, `${id}.json`);
  }

  private ensureFolder(): Promise<void> {
    this.ready ??= mkdir(this.folder, { recursive: true }).then(() => undefined);
    return this.ready;
  }

  private async writeAtomically(id: string, text: string): Promise<void> {
    await this.ensureFolder();
    const temporary = join(this.folder, `.${id}.${randomUUID()}.tmp`);
    await writeFile(temporary, text, { encoding: 'utf8', mode: 0o600 });
    try {
      await rename(temporary, this.pathOf(id));
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }

  private async read(id: string): Promise<Conversation | undefined> {
    const path = this.pathOf(id);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const conversation = parseConversation(parsed);
    if (conversation && conversation.id === id) return conversation;
    // Moved aside rather than deleted: the user may want what is left of it, and it stops failing every list().
    const aside = join(this.folder, `${id}.corrupt-${this.now()}`);
    try {
      await rename(path, aside);
      this.onProblem(`The conversation file ${id}.json could not be read and was moved to ${aside}.`);
    } catch (err) {
      this.onProblem(`The conversation file ${id}.json could not be read, nor moved aside: ${String(err)}`);
    }
    return undefined;
  }
}
