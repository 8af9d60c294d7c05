// Where the characters added to documents came from, for the code generation rate: typed by the person,
// pasted, or inserted by accepting an inline suggestion. Decided from each edit alone (its text, its
// place, the suggestion on screen, the clipboard), counted per source, language and model, and handed
// on in batches. Only counts leave this module: the inserted text is compared and forgotten.
// Plain Node: no 'vscode' here.
import type { TextChange } from '../completion/completionPorts';

export type AddedSource = 'typed' | 'pasted' | 'completion';

/** The suggestion the editor shows now: an insert of (a prefix of) its text at its offset is accepting it. */
export interface ShownCompletion {
  readonly uri: string;
  readonly offset: number;
  /** What is still to be inserted (the remainder after type-through and partial acceptances). */
  readonly text: string;
  readonly model: string;
}

/** How a single change looks before the clipboard is consulted. */
export type InsertKind = AddedSource | 'clipboardCandidate' | 'ignored';

/** Text that Enter inserts: a line break and the new line's indentation. */
const enterWithIndent = /^\r?\n[ \t]*$/;
/** What typing an opening character inserts when the editor closes the pair for you. */
const autoClosedPairs = new Set(['()', '[]', '{}', '""', "''", '``', '<>']);

/**
 * Classifies one change. `partialAccept` is set while our accept-next-word/line command runs, when an
 * insert of any length that the suggestion starts with is that acceptance.
 */
export function classifyChange(
  change: TextChange,
  shown: ShownCompletion | undefined,
  partialAccept: boolean,
): InsertKind {
  const text = change.text;
  if (text === '') return 'ignored';
  if (shown !== undefined && change.offset === shown.offset && change.deletedLength === 0) {
    // A full acceptance inserts the whole remainder; a single matching character is the person typing
    // through the ghost text, which is theirs.
    if (partialAccept ? shown.text.startsWith(text) : text.length > 1 && text === shown.text)
      return 'completion';
  }
  if (text.length === 1 || text === '\r\n' || enterWithIndent.test(text) || autoClosedPairs.has(text))
    return 'typed';
  return 'clipboardCandidate';
}

const normalizeEol = (text: string): string => text.replace(/\r\n/g, '\n');

export interface CharSourceDeps {
  /** The clipboard's text; consulted only for multi-character inserts that are not ours. */
  readClipboard: () => Promise<string>;
  /** Adds characters to the batch for this source, language and model ('' for typed and pasted). */
  count: (source: AddedSource, chars: number, languageId: string, model: string) => void;
  /** An insert that accepted part of the shown suggestion, while a partial acceptance was pending. */
  onPartialAccept?: (uri: string, offset: number, text: string) => void;
}

export class CharSourceTracker {
  private shown: ShownCompletion | undefined;
  private partialAccept = false;

  constructor(private readonly deps: CharSourceDeps) {}

  /** The suggestion on screen now, or undefined when none is. */
  setShown(shown: ShownCompletion | undefined): void {
    this.shown = shown;
  }

  /**
   * Set before running the editor's accept-next-word/line command. The edit it makes arrives as a change
   * event, possibly after the command has returned, so the flag holds until that change or a reset.
   */
  setPartialAccept(pending: boolean): void {
    this.partialAccept = pending;
  }

  /**
   * One document change event. Undo and redo restore text rather than add it, and large inserts that are
   * neither ours nor the clipboard (formatting, refactorings, other extensions' edits) are not counted:
   * the features that make them report their own characters.
   */
  onChanges(
    uri: string,
    languageId: string,
    changes: readonly TextChange[],
    reason: 'undo' | 'redo' | undefined,
  ): void {
    if (reason !== undefined) return;
    const shown = this.shown?.uri === uri ? this.shown : undefined;
    const candidates: string[] = [];
    for (const change of changes) {
      const kind = classifyChange(change, shown, this.partialAccept);
      if (kind === 'ignored') continue;
      if (kind === 'clipboardCandidate') {
        candidates.push(change.text);
        continue;
      }
      this.deps.count(
        kind,
        change.text.length,
        languageId,
        kind === 'completion' ? (shown?.model ?? '') : '',
      );
      if (kind === 'completion' && this.partialAccept && shown !== undefined) {
        this.partialAccept = false;
        // The rest stays on screen: the next acceptance starts where this one ended.
        this.shown = {
          ...shown,
          offset: shown.offset + change.text.length,
          text: shown.text.slice(change.text.length),
        };
        this.deps.onPartialAccept?.(uri, change.offset, change.text);
      } else if (kind === 'completion') {
        this.shown = undefined;
      }
    }
    if (candidates.length > 0) void this.resolvePastes(candidates, languageId);
  }

  private async resolvePastes(candidates: readonly string[], languageId: string): Promise<void> {
    let clipboard: string;
    try {
      clipboard = normalizeEol(await this.deps.readClipboard());
    } catch {
      return;
    }
    if (clipboard === '') return;
    const trimmed = clipboard.trim();
    // Multi-cursor paste spreads the clipboard's lines over the cursors, one line each.
    const lines = candidates.length > 1 ? new Set(clipboard.split('\n')) : new Set<string>();
    for (const text of candidates) {
      const inserted = normalizeEol(text);
      if (inserted === clipboard || (trimmed !== '' && inserted.trim() === trimmed) || lines.has(inserted))
        this.deps.count('pasted', text.length, languageId, '');
    }
  }
}

/** Sums counts by source, language and model between flushes, so typing makes one event per batch. */
export class CharCounter {
  private readonly counts = new Map<
    string,
    { source: AddedSource; languageId: string; model: string; chars: number }
  >();

  add(source: AddedSource, chars: number, languageId: string, model: string): void {
    if (chars <= 0) return;
    const key = `${source}\u0000${languageId}\u0000${model}`;
    const entry = this.counts.get(key);
    if (entry !== undefined) entry.chars += chars;
    else this.counts.set(key, { source, languageId, model, chars });
  }

  /** The sums since the last drain, and a fresh start. */
  drain(): { source: AddedSource; languageId: string; model: string; chars: number }[] {
    const out = [...this.counts.values()];
    this.counts.clear();
    return out;
  }
}
