// Tree-sitter syntax trees per document: loads the runtime and grammars from a wasm folder (the extension
// points it at its bundled copy), parses once per document version, and reparses incrementally after
// edits (tree.edit, then parse with the old tree). Parsing can be cut off at a deadline; a parse cut off
// is resumed where it stopped when the same version is asked for again (idle slices finish it), and
// until then the last tree, with the edits recorded on it, stands in for context.

import * as path from 'node:path';
import { Language, Parser } from '@vscode/tree-sitter-wasm';
import type { Tree } from '@vscode/tree-sitter-wasm';
import type { TextChange } from './completionPorts';
import { languageSupport } from './languageSupport';

interface TreeEntry {
  version: number;
  languageId: string;
  tree: Tree;
  /** tree.edit was applied since the last parse: the next parse may reuse it. */
  edited: boolean;
}

/** A parse cut off at its deadline, which the grammar's parser can resume for this exact text. */
interface PendingParse {
  readonly uri: string;
  readonly version: number;
  readonly text: string;
  readonly oldTree: Tree | null;
}

/** Row/column positions of a change in the text before it (UTF-16 code units). */
export interface EditPositions {
  readonly startPosition: { row: number; column: number };
  readonly oldEndPosition: { row: number; column: number };
}

let runtimeReady: Promise<void> | undefined;
let runtimeDir: string | undefined;

/** Row and column (UTF-16 code units, as this runtime reports them) of an offset. */
function pointAt(text: string, offset: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

function advancePoint(
  start: { row: number; column: number },
  inserted: string,
): { row: number; column: number } {
  const lastBreak = inserted.lastIndexOf('\n');
  if (lastBreak === -1) return { row: start.row, column: start.column + inserted.length };
  let rows = 0;
  for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: inserted.length - lastBreak - 1 };
}

export class SyntaxTrees {
  private readonly languages = new Map<string, Language | null>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly parsers = new Map<string, Parser>();
  private readonly trees = new Map<string, TreeEntry>();
  /** Per grammar: the parse its parser holds half-done (tree-sitter resumes it unless reset). */
  private readonly pending = new Map<string, PendingParse>();
  /** Documents whose latest parse was cut off, and no parse has completed in one go since. */
  private readonly cutOff = new Set<string>();
  /**
   * Parses done so far: from scratch, reusing an edited tree, cut off at a deadline, and finished after
   * being resumed (a resumed parse also counts as full or incremental).
   */
  readonly parses = { full: 0, incremental: 0, cancelled: 0, resumed: 0 };

  /** @param wasmDir the folder holding tree-sitter.wasm and the tree-sitter-<lang>.wasm grammars */
  constructor(private readonly wasmDir: string) {}

  /** Loads the runtime and the grammar for a language id; resolves false when there is no grammar. */
  async loadLanguage(languageId: string): Promise<boolean> {
    const grammar = languageSupport(languageId).grammar;
    if (grammar === undefined) return false;
    if (!this.languages.has(grammar)) {
      let pending = this.loading.get(grammar);
      if (pending === undefined) {
        pending = this.load(grammar);
        this.loading.set(grammar, pending);
      }
      await pending;
    }
    return this.languages.get(grammar) !== null;
  }

  private async load(grammar: string): Promise<void> {
    // The runtime is process-wide; a second wasm folder would be ignored, which is fine for one bundle.
    if (runtimeReady === undefined) {
      runtimeDir = this.wasmDir;
      runtimeReady = Parser.init({
        locateFile: (file: string) => path.join(runtimeDir ?? this.wasmDir, file),
      });
    }
    await runtimeReady;
    try {
      this.languages.set(grammar, await Language.load(path.join(this.wasmDir, grammar)));
    } catch {
      this.languages.set(grammar, null);
    }
  }

  /** True when a tree can be produced for this language without waiting. */
  isLoaded(languageId: string): boolean {
    const grammar = languageSupport(languageId).grammar;
    return grammar !== undefined && (this.languages.get(grammar) ?? null) !== null;
  }

  /** True when the document already has a tree (possibly edited), so the next parse is incremental. */
  hasTree(uri: string): boolean {
    return this.trees.has(uri);
  }

  /**
   * True when the document's latest parse was cut off at its deadline and no parse of it has completed
   * in one go since (finishing the cut-off one in idle slices does not count): an edit made reparsing
   * slow (an open string or comment turns the rest of the file into one error), and while it stays,
   * each keystroke's reparse is slow again.
   */
  lastParseCutOff(uri: string): boolean {
    return this.cutOff.has(uri);
  }

  /**
   * The tree for this exact version. Parses incrementally when edits were recorded, fully otherwise.
   * Returns undefined when the language is not loaded or the parse passed `deadline` (per `now`).
   */
  tree(
    doc: { uri: string; languageId: string; version: number; text: string },
    deadline?: { now: () => number; at: number },
  ): Tree | undefined {
    const entry = this.trees.get(doc.uri);
    if (entry !== undefined && entry.version === doc.version && entry.languageId === doc.languageId)
      return entry.tree;
    const grammar = languageSupport(doc.languageId).grammar;
    const language = grammar === undefined ? undefined : this.languages.get(grammar);
    if (language === undefined || language === null || grammar === undefined) return undefined;
    let parser = this.parsers.get(grammar);
    if (parser === undefined) {
      parser = new Parser();
      parser.setLanguage(language);
      this.parsers.set(grammar, parser);
    }
    const oldTree =
      entry !== undefined && entry.edited && entry.languageId === doc.languageId ? entry.tree : null;
    const held = this.pending.get(grammar);
    // Resuming is only sound for the same text and old tree; anything else starts over.
    const resume =
      held !== undefined &&
      held.uri === doc.uri &&
      held.version === doc.version &&
      held.text === doc.text &&
      held.oldTree === oldTree;
    if (held !== undefined && !resume) {
      parser.reset();
      this.pending.delete(grammar);
    }
    const options =
      deadline === undefined
        ? undefined
        : // The runtime cancels when the callback returns true (its typings say void).
          { progressCallback: (() => deadline.now() > deadline.at) as unknown as () => void };
    const tree = parser.parse(doc.text, oldTree, options);
    if (tree === null) {
      this.parses.cancelled++;
      this.pending.set(grammar, { uri: doc.uri, version: doc.version, text: doc.text, oldTree });
      this.cutOff.add(doc.uri);
      return undefined;
    }
    this.pending.delete(grammar);
    // A resumed parse finished, but the text that made it slow is likely still there.
    if (!resume) this.cutOff.delete(doc.uri);
    if (resume) this.parses.resumed++;
    if (oldTree === null) this.parses.full++;
    else this.parses.incremental++;
    entry?.tree.delete();
    this.trees.set(doc.uri, { version: doc.version, languageId: doc.languageId, tree, edited: false });
    return tree;
  }

  /**
   * The document's latest tree even when edits came after it (tree.edit has shifted its nodes to the
   * current text, but the edited region itself is not parsed): `fresh` says whether it is this version.
   * Node text must be read from the current document text, not `node.text`, which reads the old one.
   */
  latest(doc: {
    uri: string;
    languageId: string;
    version: number;
  }): { tree: Tree; fresh: boolean } | undefined {
    const entry = this.trees.get(doc.uri);
    if (entry === undefined || entry.languageId !== doc.languageId) return undefined;
    return { tree: entry.tree, fresh: entry.version === doc.version };
  }

  /**
   * Records one change on the document's tree; `oldText` is the text the change's offsets refer to.
   * Callers that keep a line index pass the change's start and old end positions, which spares a scan
   * of the text up to the change.
   */
  edit(uri: string, oldText: string, change: TextChange, known?: EditPositions): void {
    const entry = this.trees.get(uri);
    if (entry === undefined) return;
    const startPosition = known?.startPosition ?? pointAt(oldText, change.offset);
    const oldEndPosition =
      known?.oldEndPosition ??
      advancePoint(startPosition, oldText.slice(change.offset, change.offset + change.deletedLength));
    entry.tree.edit({
      startIndex: change.offset,
      oldEndIndex: change.offset + change.deletedLength,
      newEndIndex: change.offset + change.text.length,
      startPosition,
      oldEndPosition,
      newEndPosition: advancePoint(startPosition, change.text),
    });
    entry.edited = true;
    entry.version = -1;
  }

  forget(uri: string): void {
    for (const [grammar, held] of this.pending)
      if (held.uri === uri) {
        this.parsers.get(grammar)?.reset();
        this.pending.delete(grammar);
      }
    this.trees.get(uri)?.tree.delete();
    this.trees.delete(uri);
    this.cutOff.delete(uri);
  }

  dispose(): void {
    for (const entry of this.trees.values()) entry.tree.delete();
    this.trees.clear();
    this.pending.clear();
    this.cutOff.clear();
    for (const parser of this.parsers.values()) parser.delete();
    this.parsers.clear();
  }
}
