// Gathers what the model should see besides the text around the cursor, under a hard time budget: the
// enclosing function/class headers and the imports of the current file, signatures of identifiers used
// near the cursor that are defined in other indexed documents, and snippets of recently edited and viewed
// places. It also decides single-line vs multi-line from the syntax tree. Work that does not fit in the
// budget is dropped (and documents left unparsed are queued for warm-up), never waited for.

import type { Node, Tree } from '@vscode/tree-sitter-wasm';
import type { Clock } from './completionPorts';
import type { DocumentIndex, DocumentSnapshot, IndexedDocument } from './documentIndex';
import { languageSupport } from './languageSupport';
import type { LanguageSupport } from './languageSupport';
import type { SyntaxTrees } from './syntaxTrees';

export type SnippetKind = 'definition' | 'recentEdit' | 'recentView';

export interface ContextSnippet {
  readonly kind: SnippetKind;
  readonly path: string;
  readonly startLine: number;
  readonly text: string;
  /** Higher is kept first when the prompt budget is short. */
  readonly score: number;
}

/** A piece of the current file (an import or an enclosing header) and where it starts. */
export interface ScopeLine {
  readonly offset: number;
  readonly text: string;
}

export interface GatheredContext {
  readonly multiline: boolean;
  readonly imports: readonly ScopeLine[];
  /** Enclosing definition headers, outermost first. */
  readonly scopeHeaders: readonly ScopeLine[];
  readonly snippets: readonly ContextSnippet[];
  /** Some work was skipped because the budget ran out. */
  readonly truncated: boolean;
  /** The current document had a syntax tree (else the text heuristics decided). */
  readonly parsed: boolean;
}

export interface ContextGathererOptions {
  /** Hard budget for one gather, in the clock's milliseconds. */
  readonly budgetMs?: number;
  /** Of that, the most the current document's reparse may take before the last tree stands in. */
  readonly parseBudgetMs?: number;
  /** The reparse's share while the document's previous parse is still unfinished (cut off). */
  readonly cutOffParseBudgetMs?: number;
  readonly maxDefinitions?: number;
  readonly maxEditSnippets?: number;
  readonly maxViewSnippets?: number;
}

interface Signature {
  readonly name: string;
  readonly text: string;
  readonly startLine: number;
}

interface SymbolTable {
  readonly version: number;
  readonly byName: ReadonlyMap<string, readonly Signature[]>;
}

const identifierPattern = /[A-Za-z_$][\w$]{2,}/g;
const commonWords = new Set(
  (
    'const let var function return class interface type import export from async await this self new ' +
    'public private protected static void int string number boolean bool true false null none nil undefined ' +
    'for while if else elif switch case break continue def pass lambda struct impl pub mut use func package ' +
    'using namespace throw throws try catch finally yield with not and the'
  ).split(' '),
);
const pythonBlockStart =
  /^\s*(?:async\s+def|def|class|if|elif|else|for|while|with|try|except|finally|match|case)\b.*:\s*(?:#.*)?$/;
const closersOnly = /^[\s)\]}>;,'"`]*$/;
const maxHeaderChars = 300;
const exportKeywords = /^export\s+(?:default\s+)?$/;
/** Tokens that make a `{` inside an error-recovery node open a definition rather than a statement. */
const definitionKeywords = new Set([
  'class',
  'interface',
  'enum',
  'record',
  'struct',
  'trait',
  'impl',
  'namespace',
  'module',
  'function',
  'func',
  'fn',
]);
const parameterListTypes = new Set(['formal_parameters', 'parameters', 'parameter_list']);
const controlKeywords = new Set([
  'if',
  'else',
  'for',
  'while',
  'do',
  'switch',
  'try',
  'catch',
  'finally',
  'synchronized',
  'return',
  'new',
  '=',
  '=>',
  '->',
]);
const maxTypeDefinitionLines = 15;
const maxTopLevelScan = 40;

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEndOf(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return end === -1 ? text.length : end;
}

function trimEndLines(text: string): string {
  return text.replace(/[ \t]+$/gm, '').replace(/\s+$/, '');
}

/** `export` / `export default` in front of a declaration is part of what the declaration says. */
function headerStart(node: Node, text: string): number {
  const parent = node.parent;
  if (parent === null || parent.type !== 'export_statement' || parent.startIndex >= node.startIndex)
    return node.startIndex;
  return exportKeywords.test(text.slice(parent.startIndex, node.startIndex))
    ? parent.startIndex
    : node.startIndex;
}

/** The text of a definition up to its body: `function f(a: T): U`, `def f(x):`, `class A extends B`. */
function headerOf(node: Node, text: string, withBrace = true): string {
  const body = node.childForFieldName('body') ?? valueBody(node);
  const start = headerStart(node, text);
  const lineStart = lineStartOf(text, start);
  const indent = text.slice(lineStart, start).match(/^\s*/)?.[0] ?? '';
  const end = body !== null && body.startIndex > node.startIndex ? body.startIndex : lineEndOf(text, start);
  let header = indent + trimEndLines(text.slice(start, end));
  if (withBrace && body !== null && text[body.startIndex] === '{') header += ' {';
  return header.length > maxHeaderChars ? header.slice(0, maxHeaderChars) : header;
}

/** For `const f = (x) => { ... }` the body belongs to the arrow function inside the declarator. */
function valueBody(node: Node): Node | null {
  if (node.type !== 'lexical_declaration' && node.type !== 'variable_declaration') return null;
  const declarator = node.namedChild(0);
  const value = declarator?.childForFieldName('value');
  if (value === null || value === undefined) return null;
  return value.childForFieldName('body');
}

function definitionName(node: Node): string | undefined {
  const named = node.childForFieldName('name');
  if (named !== null) return named.text;
  if (node.type === 'lexical_declaration' || node.type === 'variable_declaration') {
    return node.namedChild(0)?.childForFieldName('name')?.text;
  }
  if (node.type === 'type_declaration') {
    return node.namedChildren
      .find((c) => c?.type === 'type_spec' || c?.type === 'type_alias')
      ?.childForFieldName('name')?.text;
  }
  // C++: the name sits inside a chain of declarators.
  let declarator = node.childForFieldName('declarator');
  while (declarator !== null) {
    const inner = declarator.childForFieldName('declarator');
    if (inner === null) return declarator.text;
    declarator = inner;
  }
  return undefined;
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function isDefinition(node: Node, support: LanguageSupport): boolean {
  if (!support.definitionTypes.has(node.type)) return false;
  if (node.type !== 'lexical_declaration') return true;
  // Only `const f = () => ...` style declarations are function definitions.
  const value = node.namedChild(0)?.childForFieldName('value');
  return (
    value?.type === 'arrow_function' || value?.type === 'function_expression' || value?.type === 'function'
  );
}

/** Nodes whose children may hold more definitions (export wrappers, class bodies, namespaces). */
function containerBody(node: Node): Node | null {
  if (node.type === 'export_statement') return node;
  if (node.type === 'decorated_definition') return node;
  return node.childForFieldName('body');
}

export class ContextGatherer {
  private readonly symbols = new Map<string, SymbolTable>();
  private readonly pendingWarm = new Set<string>();
  /** Documents whose symbol table a request found outdated. */
  private readonly tablesWanted = new Set<string>();
  private readonly budgetMs: number;
  private readonly parseBudgetMs: number;
  private readonly cutOffParseBudgetMs: number;
  private readonly maxDefinitions: number;
  private readonly maxEditSnippets: number;
  private readonly maxViewSnippets: number;

  constructor(
    private readonly index: DocumentIndex,
    private readonly trees: SyntaxTrees,
    private readonly clock: Clock,
    options: ContextGathererOptions = {},
  ) {
    this.budgetMs = options.budgetMs ?? 15;
    this.parseBudgetMs = Math.min(this.budgetMs, options.parseBudgetMs ?? 4);
    this.cutOffParseBudgetMs = Math.min(this.parseBudgetMs, options.cutOffParseBudgetMs ?? 2);
    this.maxDefinitions = options.maxDefinitions ?? 8;
    this.maxEditSnippets = options.maxEditSnippets ?? 3;
    this.maxViewSnippets = options.maxViewSnippets ?? 2;
  }

  /** Documents skipped for lack of time; the extension warms them when idle. */
  pendingWarmUps(): string[] {
    return [...this.pendingWarm];
  }

  /** Queues a document for idle parsing (a grammar arrived, a document opened). */
  requestWarmUp(uri: string): void {
    this.pendingWarm.add(uri);
  }

  /** Gives up on a queued document (its parse failed: trying again on every idle moment would too). */
  cancelWarmUp(uri: string): void {
    this.pendingWarm.delete(uri);
  }

  /** Parses a document and builds its symbol table without a budget (on open, or when idle). */
  warm(uri: string): void {
    this.pendingWarm.delete(uri);
    const doc = this.index.get(uri);
    if (doc === undefined) return;
    const tree = this.trees.tree(doc);
    if (tree !== undefined) this.symbolTable(doc, tree);
  }

  /**
   * One slice of idle work on a document the requests had no time to parse: parses (or resumes the
   * parse) for at most `sliceMs`, then builds its symbol table. Returns true when nothing is left.
   */
  warmSlice(uri: string, sliceMs: number): boolean {
    const doc = this.index.get(uri);
    if (doc === undefined || !this.trees.isLoaded(doc.languageId)) {
      this.pendingWarm.delete(uri);
      return true;
    }
    const start = this.clock.now();
    const tree = this.trees.tree(doc, { now: () => this.clock.now(), at: start + sliceMs });
    if (tree === undefined) return false;
    // The symbol table serves other documents' requests: built when the document is new to us or a
    // request used an outdated one, not on every version of the document being typed in. It gets a
    // slice of its own when the parse used most of this one.
    const table = this.symbols.get(uri);
    if (table === undefined || (table.version !== doc.version && this.tablesWanted.has(uri))) {
      if (this.clock.now() - start > sliceMs / 2) return false;
      this.symbolTable(doc, tree);
      this.tablesWanted.delete(uri);
    }
    this.pendingWarm.delete(uri);
    return true;
  }

  gather(doc: DocumentSnapshot, offset: number): GatheredContext {
    const start = this.clock.now();
    const deadline = start + this.budgetMs;
    const support = languageSupport(doc.languageId);
    let truncated = false;
    let tree: Tree | undefined;
    let fresh = false;
    if (this.trees.isLoaded(doc.languageId)) {
      // A reparse gets part of the budget (the last tree can stand in); a first parse of a small
      // document, with nothing to stand in, may use all of it.
      const reparse = this.trees.hasTree(doc.uri);
      if (reparse || doc.text.length / 1000 < this.budgetMs / 2) {
        // After a cut-off, until a parse completes, every reparse starts again from the same old tree
        // and redoes the slow part (an open string or comment changes the rest of the file), so it
        // rarely finishes; the reparses that do (the edit was undone or closed) are quick ones.
        const parseBudget = this.trees.lastParseCutOff(doc.uri)
          ? this.cutOffParseBudgetMs
          : this.parseBudgetMs;
        const at = start + (reparse ? parseBudget : this.budgetMs);
        tree = this.trees.tree(doc, { now: () => this.clock.now(), at });
        fresh = tree !== undefined;
      }
      if (tree === undefined) {
        // The reparse did not fit (an edit that changes the rest of the file, like an opened string):
        // the last tree, shifted by the edits since, still knows the enclosing definitions and imports.
        // The parse is finished in idle slices, resuming where this one stopped.
        truncated = true;
        this.pendingWarm.add(doc.uri);
        tree = this.trees.latest(doc)?.tree;
      }
    }
    const multiline =
      tree !== undefined && fresh
        ? this.multilineFromTree(doc.text, offset, tree, support)
        : multilineFromText(doc.text, offset, support);
    const imports: ScopeLine[] = [];
    const scopeHeaders: ScopeLine[] = [];
    if (tree !== undefined) {
      // Imports sit at the top: walking every top-level node of a large file would cost milliseconds.
      const root = tree.rootNode;
      const count = Math.min(root.namedChildCount, maxTopLevelScan);
      for (let i = 0; i < count; i++) {
        const child = root.namedChild(i);
        if (child === null || child.startIndex >= offset) break;
        // Read from the document, not child.text: a stale tree's text is the old version's.
        if (support.importTypes.has(child.type))
          imports.push({
            offset: child.startIndex,
            text: doc.text.slice(child.startIndex, child.endIndex).trimEnd(),
          });
      }
      for (
        let node = tree.rootNode.descendantForIndex(Math.max(0, offset - 1));
        node !== null;
        node = node.parent
      ) {
        if (isDefinition(node, support) && node.startIndex < offset) {
          const start = headerStart(node, doc.text);
          scopeHeaders.unshift({ offset: lineStartOf(doc.text, start), text: headerOf(node, doc.text) });
        } else if (node.type === 'ERROR') {
          // Error recovery flattens the definitions around a half-typed statement into one node;
          // their headers are still there as tokens before each unclosed `{`.
          scopeHeaders.unshift(...headersInError(node, offset, doc.text));
        }
      }
    }
    const snippets: ContextSnippet[] = [];
    if (this.clock.now() > deadline)
      return { multiline, imports, scopeHeaders, snippets, truncated: true, parsed: fresh };

    const others = this.index.recent().filter((d) => d.uri !== doc.uri);
    truncated = this.addDefinitions(doc, offset, others, snippets, deadline) || truncated;
    if (this.clock.now() > deadline) truncated = true;
    else this.addRecentSnippets(others, snippets);
    return { multiline, imports, scopeHeaders, snippets, truncated, parsed: fresh };
  }

  /** Returns true when it ran out of time. */
  private addDefinitions(
    doc: DocumentSnapshot,
    offset: number,
    others: readonly IndexedDocument[],
    out: ContextSnippet[],
    deadline: number,
  ): boolean {
    if (others.length === 0) return false;
    const names = identifiersNear(doc.text, offset);
    if (names.length === 0) return false;
    const tables: { doc: IndexedDocument; table: SymbolTable }[] = [];
    let outOfTime = false;
    for (const other of others) {
      if (this.clock.now() > deadline) return true;
      const cached = this.symbols.get(other.uri);
      if (cached !== undefined) {
        // An outdated table still names the right definitions but for the lines edited since; it is
        // rebuilt when idle rather than on this request's time.
        tables.push({ doc: other, table: cached });
        if (cached.version !== other.version) {
          this.tablesWanted.add(other.uri);
          this.pendingWarm.add(other.uri);
        }
        continue;
      }
      if (!this.trees.isLoaded(other.languageId)) continue;
      const remaining = deadline - this.clock.now();
      if (!this.trees.hasTree(other.uri) && other.text.length / 1000 > remaining) {
        this.pendingWarm.add(other.uri);
        outOfTime = true;
        continue;
      }
      const tree = this.trees.tree(other, { now: () => this.clock.now(), at: deadline });
      if (tree === undefined) {
        this.pendingWarm.add(other.uri);
        return true;
      }
      tables.push({ doc: other, table: this.symbolTable(other, tree) });
    }
    const seen = new Set<string>();
    let rank = 0;
    for (const name of names) {
      if (out.length >= this.maxDefinitions) break;
      rank++;
      for (const { doc: other, table } of tables) {
        const sigs = table.byName.get(name);
        if (sigs === undefined) continue;
        for (const sig of sigs.slice(0, 2)) {
          const key = `${other.uri}:${sig.startLine}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({
            kind: 'definition',
            path: other.path,
            startLine: sig.startLine,
            text: sig.text,
            score: 3 + 1 / rank,
          });
        }
        break;
      }
    }
    return outOfTime;
  }

  private addRecentSnippets(others: readonly IndexedDocument[], out: ContextSnippet[]): void {
    let edits = 0;
    const edited = others.filter((d) => d.lastEdited > 0).sort((a, b) => b.lastEdited - a.lastEdited);
    for (const d of edited) {
      for (const line of d.editedLines) {
        if (edits >= this.maxEditSnippets) break;
        const snippet = linesAround(d.text, line, 4, 4);
        if (snippet.text.trim() === '') continue;
        out.push({
          kind: 'recentEdit',
          path: d.path,
          startLine: snippet.startLine,
          text: snippet.text,
          score: 2 - edits * 0.1,
        });
        edits++;
      }
    }
    let views = 0;
    const viewed = others.filter((d) => d.lastViewed > 0).sort((a, b) => b.lastViewed - a.lastViewed);
    for (const d of viewed) {
      if (views >= this.maxViewSnippets) break;
      const snippet = linesAround(d.text, d.viewedLine, 10, 10);
      if (snippet.text.trim() === '') continue;
      out.push({
        kind: 'recentView',
        path: d.path,
        startLine: snippet.startLine,
        text: snippet.text,
        score: 1 - views * 0.1,
      });
      views++;
    }
  }

  private symbolTable(doc: DocumentSnapshot, tree: Tree): SymbolTable {
    const cached = this.symbols.get(doc.uri);
    if (cached !== undefined && cached.version === doc.version) return cached;
    const support = languageSupport(doc.languageId);
    const byName = new Map<string, Signature[]>();
    const visit = (node: Node, depth: number): void => {
      for (const child of node.namedChildren) {
        if (child === null) continue;
        if (isDefinition(child, support)) {
          const name = definitionName(child);
          if (name !== undefined) {
            const list = byName.get(name) ?? [];
            list.push({
              name,
              text: this.signatureText(child, doc.text, support),
              startLine: child.startPosition.row,
            });
            byName.set(name, list);
          }
        }
        const body = containerBody(child);
        if (body !== null && depth < 3) visit(body, depth + 1);
      }
    };
    visit(tree.rootNode, 0);
    const table = { version: doc.version, byName };
    this.symbols.set(doc.uri, table);
    return table;
  }

  /** A type's whole text when short; otherwise the header, with member headers for classes. */
  private signatureText(node: Node, text: string, support: LanguageSupport): string {
    const lineStart = lineStartOf(text, node.startIndex);
    const full = text.slice(lineStart, node.endIndex);
    if (support.typeDefinitionTypes.has(node.type) && lineCount(full) <= maxTypeDefinitionLines)
      return trimEndLines(full);
    const header = headerOf(node, text, false);
    const body = node.childForFieldName('body');
    if (body === null) return header;
    const members: string[] = [];
    for (const member of body.namedChildren) {
      if (member !== null && isDefinition(member, support) && members.length < 20)
        members.push(headerOf(member, text, false));
    }
    if (members.length === 0) return header;
    return `${header}\n${members.join('\n')}`;
  }

  private multilineFromTree(text: string, offset: number, tree: Tree, support: LanguageSupport): boolean {
    const lineStart = lineStartOf(text, offset);
    const before = text.slice(lineStart, offset);
    const after = text.slice(offset, lineEndOf(text, offset));
    if (!closersOnly.test(after)) return false;
    if (before.trim() === '') {
      // A blank line: multi-line when it sits in a statement or member list, not inside an expression.
      let node: Node | null = tree.rootNode.descendantForIndex(offset);
      while (node !== null && !node.isNamed) node = node.parent;
      while (node !== null && node.type === 'ERROR') node = node.parent;
      if (node === null) return true;
      if (support.blockTypes.has(node.type)) return true;
      // Python: a blank line after `def f():` has no block yet; the tree shows an error or the header.
      return support.indentBlocks && pythonBlockStart.test(previousNonBlankLine(text, lineStart));
    }
    const trimmed = before.trimEnd();
    if (trimmed.endsWith('{')) {
      const brace = tree.rootNode.descendantForIndex(lineStart + trimmed.length - 1);
      const block = brace?.parent ?? null;
      if (block === null || !support.blockTypes.has(block.type)) return false;
      return block.namedChildren.every((c) => c === null || c.type === 'comment');
    }
    if (support.indentBlocks && pythonBlockStart.test(before)) {
      return nextNonBlankIndent(text, lineEndOf(text, offset)) <= indentWidth(before);
    }
    return false;
  }
}

interface OpenBrace {
  readonly headerStart: number;
  readonly brace: number;
  readonly definition: boolean;
}

/**
 * Headers of the definitions still open at `offset` among an ERROR node's children: each unclosed `{`
 * whose header (the tokens since the last `;`, `{`, `}` or complete statement) names a definition, by a
 * keyword (`class`, `interface`, `func`...) or by a parameter list not introduced by a control keyword.
 */
function headersInError(error: Node, offset: number, text: string): ScopeLine[] {
  const open: OpenBrace[] = [];
  let segmentStart: number | undefined;
  let keyword = false;
  let params = false;
  let control = false;
  const boundary = (): void => {
    segmentStart = undefined;
    keyword = false;
    params = false;
    control = false;
  };
  for (const child of error.children) {
    if (child === null) continue;
    if (child.startIndex >= offset) break;
    const type = child.type;
    if (!child.isNamed && type === '{') {
      const start = segmentStart ?? child.startIndex;
      open.push({ headerStart: start, brace: child.startIndex, definition: keyword || (params && !control) });
      boundary();
    } else if (!child.isNamed && type === '}') {
      open.pop();
      boundary();
    } else if (!child.isNamed && type === ';') {
      boundary();
    } else if (child.isNamed && child.endIndex <= offset && endsStatement(text, child.endIndex)) {
      // A complete declaration or statement (a field, a finished method) ends the header before it.
      boundary();
    } else {
      if (segmentStart === undefined) {
        segmentStart = child.startIndex;
        control = controlKeywords.has(type);
      } else if (controlKeywords.has(type)) control = true;
      if (definitionKeywords.has(type)) keyword = true;
      if (parameterListTypes.has(type)) params = true;
    }
  }
  const headers: ScopeLine[] = [];
  for (const brace of open) {
    if (!brace.definition) continue;
    const lineStart = lineStartOf(text, brace.headerStart);
    const indent = text.slice(lineStart, brace.headerStart).match(/^\s*/)?.[0] ?? '';
    const header = `${indent}${trimEndLines(text.slice(brace.headerStart, brace.brace))} {`;
    headers.push({
      offset: lineStart,
      text: header.length > maxHeaderChars ? header.slice(0, maxHeaderChars) : header,
    });
  }
  return headers;
}

/**
 * The node ending at `end` ends in `;` or `}`. Read from the document, not the node's text: a stale
 * tree's text is the old version's, and a regular expression anchored at the end of a node spanning
 * a whole class scans all of it.
 */
function endsStatement(text: string, end: number): boolean {
  const last = text.charCodeAt(end - 1);
  return last === 59 || last === 125;
}

function indentWidth(line: string): number {
  return (line.match(/^[ \t]*/)?.[0] ?? '').replace(/\t/g, '    ').length;
}

function previousNonBlankLine(text: string, lineStart: number): string {
  let end = lineStart - 1;
  while (end > 0) {
    const start = lineStartOf(text, end);
    const line = text.slice(start, end);
    if (line.trim() !== '') return line;
    end = start - 1;
  }
  return '';
}

function nextNonBlankIndent(text: string, from: number): number {
  let start = from + 1;
  while (start < text.length) {
    const end = lineEndOf(text, start);
    const line = text.slice(start, end);
    if (line.trim() !== '') return indentWidth(line);
    start = end + 1;
  }
  return -1;
}

/** Without a tree: a blank line, or a line ending in a block opener with nothing after the cursor. */
export function multilineFromText(text: string, offset: number, support: LanguageSupport): boolean {
  const lineStart = lineStartOf(text, offset);
  const before = text.slice(lineStart, offset);
  const after = text.slice(offset, lineEndOf(text, offset));
  if (!closersOnly.test(after)) return false;
  if (before.trim() === '') return true;
  const trimmed = before.trimEnd();
  if (trimmed.endsWith('{')) return after.trim() === '' || after.trim().startsWith('}');
  return support.indentBlocks && pythonBlockStart.test(before);
}

/** Identifiers used near the cursor, nearest first (the lines above count before the lines below). */
function identifiersNear(text: string, offset: number): string[] {
  let from = offset;
  for (let n = 0; n < 31 && from > 0; n++) from = text.lastIndexOf('\n', from - 1);
  let to = offset;
  for (let n = 0; n < 6 && to !== -1 && to < text.length; n++) to = text.indexOf('\n', to + 1);
  const above = { text: text.slice(Math.max(0, from), lineEndOf(text, offset)) };
  const below = { text: text.slice(lineEndOf(text, offset), to === -1 ? text.length : to) };
  const ordered: string[] = [];
  const seen = new Set<string>();
  const take = (chunk: string, reverse: boolean): void => {
    const found = chunk.match(identifierPattern) ?? [];
    if (reverse) found.reverse();
    for (const word of found) {
      // Dunder names (__init__) are defined everywhere and say nothing about this code.
      if (seen.has(word) || commonWords.has(word) || word.startsWith('__')) continue;
      seen.add(word);
      ordered.push(word);
    }
  };
  take(above.text, true);
  take(below.text, false);
  return ordered.slice(0, 40);
}

function linesAround(
  text: string,
  line: number,
  before: number,
  after: number,
): { startLine: number; text: string } {
  const startLine = Math.max(0, line - before);
  let offset = 0;
  for (let l = 0; l < startLine; l++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return { startLine, text: '' };
    offset = next + 1;
  }
  let end = offset;
  for (let l = startLine; l <= line + after; l++) {
    const next = text.indexOf('\n', end);
    if (next === -1) {
      end = text.length;
      break;
    }
    end = next + 1;
  }
  return { startLine, text: trimEndLines(text.slice(offset, end)) };
}
