// The open and recently used documents the completion context draws on: their text and version, where
// they were last edited and viewed. The extension feeds it open/change/view/close events; edits are also
// forwarded to the syntax trees so the next parse is incremental, and to each document's line index so
// line lookups never rescan the text. Recency is a counter, not a clock, so the same sequence of events
// always yields the same context.

import type { TextChange } from './completionPorts';
import { LineIndex } from './lineIndex';
import type { SyntaxTrees } from './syntaxTrees';

export interface DocumentSnapshot {
  readonly uri: string;
  /** Workspace-relative path with forward slashes, as it appears in prompts. */
  readonly path: string;
  readonly languageId: string;
  readonly version: number;
  readonly text: string;
  /**
   * Line starts, line ending and indentation of `text`, when the snapshot comes from a DocumentIndex.
   * The index updates it in place, so it describes this snapshot only while `lines.version === version`.
   */
  readonly lines?: VersionedLines;
}

/** A line index stamped with the document version it describes. */
export interface VersionedLines {
  readonly version: number;
  readonly index: LineIndex;
}

export interface IndexedDocument extends DocumentSnapshot {
  /** Recency stamps from the index's counter; 0 means never. */
  readonly lastEdited: number;
  readonly lastViewed: number;
  /** Lines of the latest edits, newest first (at most a handful). */
  readonly editedLines: readonly number[];
  /** The line last shown or holding the cursor when the user looked at the document. */
  readonly viewedLine: number;
}

interface MutableEntry {
  uri: string;
  path: string;
  languageId: string;
  version: number;
  text: string;
  lastEdited: number;
  lastViewed: number;
  editedLines: number[];
  viewedLine: number;
  lines: { version: number; index: LineIndex };
}

const maxEditedLines = 6;

export class DocumentIndex {
  private readonly docs = new Map<string, MutableEntry>();
  private clock = 0;

  constructor(
    private readonly trees?: SyntaxTrees,
    private readonly maxDocuments = 40,
  ) {}

  /** Adds or fully replaces a document (open, or a change the caller cannot describe as edits). */
  upsert(doc: DocumentSnapshot): void {
    const existing = this.docs.get(doc.uri);
    if (existing !== undefined && existing.version === doc.version && existing.text === doc.text) return;
    if (existing !== undefined && existing.text !== doc.text) this.trees?.forget(doc.uri);
    let lines = existing?.lines;
    if (lines === undefined || existing?.text !== doc.text)
      lines = { version: doc.version, index: new LineIndex(doc.text) };
    else lines.version = doc.version;
    this.docs.set(doc.uri, {
      uri: doc.uri,
      path: doc.path,
      languageId: doc.languageId,
      version: doc.version,
      text: doc.text,
      lines,
      lastEdited: existing?.lastEdited ?? 0,
      lastViewed: existing?.lastViewed ?? ++this.clock,
      editedLines: existing?.editedLines ?? [],
      viewedLine: existing?.viewedLine ?? 0,
    });
    this.evict();
  }

  /** Applies edits in order (each change's offsets refer to the text after the previous ones). */
  applyChanges(uri: string, version: number, changes: readonly TextChange[]): void {
    const entry = this.docs.get(uri);
    if (entry === undefined) return;
    let text = entry.text;
    const lines = entry.lines.index;
    for (const change of changes) {
      this.trees?.edit(uri, text, change, {
        startPosition: lines.positionAt(change.offset),
        oldEndPosition: lines.positionAt(change.offset + change.deletedLength),
      });
      const oldText = text;
      text = text.slice(0, change.offset) + change.text + text.slice(change.offset + change.deletedLength);
      lines.apply(oldText, text, change);
      const line = lines.lineAt(change.offset);
      entry.editedLines = [line, ...entry.editedLines.filter((l) => Math.abs(l - line) > 3)].slice(
        0,
        maxEditedLines,
      );
    }
    entry.text = text;
    entry.version = version;
    entry.lines.version = version;
    entry.lastEdited = ++this.clock;
  }

  recordView(uri: string, line: number): void {
    const entry = this.docs.get(uri);
    if (entry === undefined) return;
    entry.lastViewed = ++this.clock;
    entry.viewedLine = line;
  }

  remove(uri: string): void {
    this.docs.delete(uri);
    this.trees?.forget(uri);
  }

  get(uri: string): IndexedDocument | undefined {
    return this.docs.get(uri);
  }

  /** Documents, most recently used first; ties broken by uri so the order is total. */
  recent(): IndexedDocument[] {
    const recency = (d: MutableEntry): number => Math.max(d.lastEdited, d.lastViewed);
    return [...this.docs.values()].sort(
      (a, b) => recency(b) - recency(a) || (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0),
    );
  }

  private evict(): void {
    if (this.docs.size <= this.maxDocuments) return;
    const victims = this.recent().slice(this.maxDocuments);
    for (const v of victims) this.remove(v.uri);
  }
}
