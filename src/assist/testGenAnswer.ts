// Turns a model's answer into test code: picks the code block out of prose (tolerating a missing closing
// fence, several blocks, or no fence at all), and merges an addition into the existing test file (imports
// de-duplicated and placed with the others, new tests appended, or inserted into a class or a Rust tests module).
import type { MergeStrategy } from './testGenPrompt';

export interface ExtractedCode {
  code: string;
  /** False when the answer ended inside a code block (cut off by max_tokens, say). */
  complete: boolean;
}

interface Block {
  language: string;
  body: string;
  closed: boolean;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^\n]*$/;

/** The code in an answer, or undefined when it holds none. */
export function extractCode(answer: string, fenceLanguage?: string): ExtractedCode | undefined {
  const blocks = fencedBlocks(answer);
  if (blocks.length === 0) {
    const text = answer.trim();
    // An answer without fences is used only when it reads as code, not as an apology or explanation.
    return text !== '' && looksLikeCode(text) ? { code: `${text}\n`, complete: true } : undefined;
  }
  const wanted = fenceLanguage ? aliases(fenceLanguage) : new Set<string>();
  const matching = blocks.filter((b) => wanted.has(b.language.toLowerCase()));
  const candidates = (matching.length > 0 ? matching : blocks).filter((b) => b.body.trim() !== '');
  if (candidates.length === 0) return undefined;
  // Several blocks usually mean "the file" plus a snippet of how to run it: the largest is the file.
  let best = candidates[0];
  for (const b of candidates) if (b.body.length > best.body.length) best = b;
  return { code: `${best.body.replace(/\s+$/, '')}\n`, complete: best.closed };
}

function fencedBlocks(answer: string): Block[] {
  const lines = answer.replace(/\r\n/g, '\n').split('\n');
  const blocks: Block[] = [];
  let open: { fence: string; language: string; lines: string[] } | undefined;
  for (const line of lines) {
    if (!open) {
      const m = FENCE_OPEN.exec(line);
      if (m) open = { fence: m[1], language: m[2] ?? '', lines: [] };
      continue;
    }
    const trimmed = line.trim();
    // A closing fence uses the same character, at least as long, with nothing after it.
    if (trimmed.length >= open.fence.length && trimmed === open.fence[0].repeat(trimmed.length)) {
      blocks.push({ language: open.language, body: open.lines.join('\n'), closed: true });
      open = undefined;
    } else {
      open.lines.push(line);
    }
  }
  if (open) blocks.push({ language: open.language, body: open.lines.join('\n'), closed: false });
  return blocks;
}

function aliases(language: string): Set<string> {
  const groups = [
    ['ts', 'typescript', 'tsx', 'mts', 'cts'],
    ['js', 'javascript', 'jsx', 'mjs', 'cjs', 'node'],
    ['py', 'python', 'python3'],
    ['go', 'golang'],
    ['java'],
    ['rs', 'rust'],
  ];
  const lower = language.toLowerCase();
  return new Set(groups.find((g) => g.includes(lower)) ?? [lower]);
}

function looksLikeCode(text: string): boolean {
  return /^\s*(import |from \S+ import|package |use |const |let |def |func |fn |class |describe\(|test\(|#\[|@Test|public |using |require\()/m.test(
    text,
  );
}

// --------------------------------------------------------------------------------------------------- merge

/** Import-like statements at the head of a file, recognised per language family. */
const IMPORT_START =
  /^(import\s|export\s+\*\s+from|(const|let|var)\s+[\w{},\s]+=\s*require\(|from\s+[\w.]+\s+import\s|use\s+[\w:{}*,\s]+;|#include\s)/;

interface SplitFile {
  /** Leading comments, package and module declarations. */
  preamble: string[];
  imports: string[];
  body: string[];
}

/**
 * The proposed content of the test file after adding `addition` to `existing`, following the strategy chosen
 * for the prompt. 'replace' takes the addition as the whole file.
 */
export function mergeTestCode(existing: string, addition: string, strategy: MergeStrategy): string {
  if (strategy === 'replace' || existing.trim() === '') return ensureNewline(addition);
  const eol = existing.includes('\r\n') ? '\r\n' : '\n';
  const base = existing.replace(/\r\n/g, '\n');
  const add = splitFile(addition.replace(/\r\n/g, '\n'));
  let body = trimBlankEdges(add.body);

  if (strategy === 'class-body') body = trimBlankEdges(unwrapBlock(body, /\bclass\s+\w+/));
  if (strategy === 'rust-tests-module') {
    body = trimBlankEdges(
      unwrapBlock(body, /\bmod\s+tests\b/).filter(
        (line) => !/^\s*(#\[cfg\(test\)\]|use\s+super::\*;)\s*$/.test(line),
      ),
    );
  }

  const withImports = addImports(base, add.imports);
  let merged: string;
  if (strategy === 'append') {
    merged = `${withImports.replace(/\s+$/, '')}\n\n${body.join('\n')}\n`;
  } else {
    const anchor = strategy === 'class-body' ? /\bclass\s+\w+/ : /\bmod\s+tests\b/;
    merged =
      insertBeforeClosingBrace(withImports, anchor, body) ??
      `${withImports.replace(/\s+$/, '')}\n\n${body.join('\n')}\n`;
  }
  return eol === '\n' ? merged : merged.replace(/\n/g, eol);
}

function splitFile(text: string): SplitFile {
  const lines = text.split('\n');
  const preamble: string[] = [];
  const imports: string[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '' || /^(\/\/|#(?!\[)|\/\*|\*)/.test(trimmed) || /^package\s/.test(trimmed)) {
      // Package lines of an addition repeat the file's own; comments before the imports stay with the body.
      if (/^package\s/.test(trimmed)) continue;
      if (imports.length === 0 && trimmed !== '') preamble.push(line);
      continue;
    }
    if (/^import\s*\($/.test(trimmed)) {
      // A Go import block: one statement per quoted path.
      for (i++; i < lines.length && lines[i].trim() !== ')'; i++) {
        const spec = lines[i].trim();
        if (spec !== '') imports.push(`import ${spec}`);
      }
      continue;
    }
    if (IMPORT_START.test(trimmed)) {
      // Multi-line imports (`import {\n a,\n b\n} from 'x';`) end at their `from '...'` or semicolon.
      let statement = line;
      while (!statementEnds(statement) && i + 1 < lines.length) statement += `\n${lines[++i]}`;
      imports.push(statement);
      continue;
    }
    break;
  }
  // Comments directly above the first test belong to it, not to the imports.
  return {
    preamble: imports.length === 0 ? [] : preamble,
    imports,
    body: [...(imports.length === 0 ? preamble : []), ...lines.slice(i)],
  };
}

function statementEnds(statement: string): boolean {
  const s = statement.trim();
  if (/^(import|export)\s/.test(s) && s.includes('{') && !s.includes('}')) return false;
  if (/^from\s+\S+\s+import\s*\($/.test(s) || (/^from\s/.test(s) && s.includes('(') && !s.includes(')')))
    return false;
  return true;
}

/** Adds the addition's imports that the file lacks, merging named imports from a module already imported. */
function addImports(file: string, imports: readonly string[]): string {
  if (imports.length === 0) return file;
  const lines = file.split('\n');
  const fresh: string[] = [];
  const isGo = /^package\s+\w+/m.test(file) && /^func\s/m.test(file);
  for (const statement of imports) {
    const key = normalizeImport(statement);
    if (lines.some((l) => normalizeImport(l) === key) || fresh.some((f) => normalizeImport(f) === key))
      continue;
    if (isGo) {
      const path = /"[^"]+"/.exec(statement)?.[0];
      if (path && file.includes(path)) continue;
      if (path && addToGoImportBlock(lines, statement.replace(/^import\s+/, ''))) continue;
    }
    if (mergeNamedImport(lines, statement)) continue;
    fresh.push(statement);
  }
  if (fresh.length === 0) return lines.join('\n');
  const at = lastImportLine(lines);
  const insertAt = at >= 0 ? at + 1 : headerEnd(lines);
  lines.splice(insertAt, 0, ...fresh.flatMap((s) => s.split('\n')));
  return lines.join('\n');
}

function normalizeImport(statement: string): string {
  return statement.replace(/\s+/g, ' ').replace(/;\s*$/, '').replace(/"/g, "'").trim();
}

/** `import { a } from 'x'` + `import { b } from 'x'` -> `import { a, b } from 'x'`; Python's `from x import` too. */
function mergeNamedImport(lines: string[], statement: string): boolean {
  const js = /^import\s+(type\s+)?\{([^}]*)\}\s+from\s+(['"][^'"]+['"]);?\s*$/.exec(
    statement.replace(/\s+/g, ' ').trim(),
  );
  const py = /^from\s+([\w.]+)\s+import\s+([\w\s,]+)$/.exec(statement.trim());
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (js) {
      const m = /^(import\s+(type\s+)?\{)([^}]*)(\}\s+from\s+)(['"][^'"]+['"])(;?)\s*$/.exec(line);
      if (!m || (m[2] ?? '') !== (js[1] ?? '') || m[5]?.slice(1, -1) !== js[3]?.slice(1, -1)) continue;
      const names = mergeNames(m[3] ?? '', js[2] ?? '');
      lines[i] = `${m[1]} ${names} ${m[4]}${m[5]}${m[6]}`;
      return true;
    }
    if (py) {
      const m = /^from\s+([\w.]+)\s+import\s+([\w\s,]+)$/.exec(line.trim());
      if (!m || m[1] !== py[1]) continue;
      lines[i] = `from ${m[1]} import ${mergeNames(m[2] ?? '', py[2] ?? '')}`;
      return true;
    }
  }
  return false;
}

function mergeNames(existing: string, added: string): string {
  const names: string[] = [];
  for (const name of [...existing.split(','), ...added.split(',')]) {
    const n = name.trim();
    if (n !== '' && !names.includes(n)) names.push(n);
  }
  return names.join(', ');
}

function addToGoImportBlock(lines: string[], spec: string): boolean {
  const start = lines.findIndex((l) => /^import\s*\($/.test(l.trim()));
  if (start < 0) {
    // A single `import "x"` becomes a block holding both.
    const single = lines.findIndex((l) => /^import\s+"/.test(l.trim()));
    if (single < 0) return false;
    const current = lines[single].trim().replace(/^import\s+/, '');
    lines.splice(single, 1, 'import (', `\t${current}`, `\t${spec}`, ')');
    return true;
  }
  const end = lines.findIndex((l, i) => i > start && l.trim() === ')');
  if (end < 0) return false;
  lines.splice(end, 0, `\t${spec}`);
  return true;
}

function lastImportLine(lines: readonly string[]): number {
  let last = -1;
  let inGoBlock = false;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (inGoBlock) {
      if (t === ')') {
        inGoBlock = false;
        last = i;
      }
      continue;
    }
    if (/^import\s*\($/.test(t)) inGoBlock = true;
    else if (IMPORT_START.test(t)) {
      // Follow a multi-line import to its end.
      let statement = t;
      while (!statementEnds(statement) && i + 1 < lines.length) statement += `\n${lines[++i]}`;
      last = i;
    } else if (t !== '' && !/^(\/\/|#(?!\[)|\/\*|\*|package\s|['"]use strict)/.test(t) && last >= 0) break;
  }
  return last;
}

/** Where imports go in a file that has none: after leading comments and the package line. */
function headerEnd(lines: readonly string[]): number {
  let i = 0;
  while (i < lines.length && /^\s*(\/\/|#(?!\[)|\/\*|\*|package\s|$)/.test(lines[i])) i++;
  return i;
}

/** The lines inside the first block opened by a line matching `opener`, or the lines unchanged. */
function unwrapBlock(lines: readonly string[], opener: RegExp): string[] {
  const start = lines.findIndex((l) => opener.test(l) && l.includes('{'));
  if (start < 0) return [...lines];
  const end = matchingClose(lines, start);
  if (end < 0) return lines.slice(start + 1);
  return lines.slice(start + 1, end).map((l) => l);
}

function insertBeforeClosingBrace(file: string, opener: RegExp, body: readonly string[]): string | undefined {
  const lines = file.split('\n');
  const start = lines.findIndex((l) => opener.test(l) && l.includes('{'));
  if (start < 0) return undefined;
  const end = matchingClose(lines, start);
  if (end < 0) return undefined;
  const indent = indentOfMembers(lines, start, end);
  const reindented = reindent(body, indent);
  // Keep one blank line between the last member and the new ones.
  let insertAt = end;
  while (insertAt > start + 1 && lines[insertAt - 1].trim() === '') insertAt--;
  lines.splice(insertAt, end - insertAt, '', ...reindented);
  return `${lines.join('\n').replace(/\s+$/, '')}\n`;
}

/** The line index of the brace closing the block opened on line `start`; strings and comments are skipped. */
function matchingClose(lines: readonly string[], start: number): number {
  let depth = 0;
  let opened = false;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i].replace(/"(\\.|[^"\\])*"|'(\\.|[^'\\])*'|\/\/.*$/g, '""');
    for (const ch of line) {
      if (ch === '{') {
        depth++;
        opened = true;
      } else if (ch === '}') {
        depth--;
        if (opened && depth === 0) return i;
      }
    }
  }
  return -1;
}

function indentOfMembers(lines: readonly string[], start: number, end: number): string {
  for (let i = start + 1; i < end; i++) {
    const line = lines[i];
    if (line.trim() !== '') return /^\s*/.exec(line)?.[0] ?? '    ';
  }
  return `${/^\s*/.exec(lines[start])?.[0] ?? ''}    `;
}

/** Shifts a block so that its least indented line starts at `indent`. */
function reindent(body: readonly string[], indent: string): string[] {
  const nonBlank = body.filter((l) => l.trim() !== '');
  const common = Math.min(...nonBlank.map((l) => /^\s*/.exec(l)?.[0].length ?? 0));
  return body.map((l) => (l.trim() === '' ? '' : indent + l.slice(Number.isFinite(common) ? common : 0)));
}

function trimBlankEdges(lines: readonly string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start].trim() === '') start++;
  while (end > start && lines[end - 1].trim() === '') end--;
  return lines.slice(start, end);
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
