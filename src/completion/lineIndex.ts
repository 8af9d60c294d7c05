// Per-document facts derived from the text that every request needs: where each line starts (offset to
// line and column, for tree-sitter edit points and edited-line tracking), the line ending, and the
// indentation unit. They are updated per edit from the changed lines only, because recomputing them on
// a 5,000-line document on every keystroke costs more than the rest of a request.

import type { TextChange } from './completionPorts';

/** Offsets of line starts; line 0 starts at 0. */
function scanLineStarts(text: string, base: number, out: number[]): void {
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) out.push(base + i + 1);
}

/**
 * Indentation of one line as the unit detection sees it: -1 for a blank line, else the count of leading
 * spaces, plus 0.5 when the line starts with a tab (kept in one number so the table stays a flat array).
 */
function lineIndent(text: string, start: number, end: number): number {
  let i = start;
  while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (i === end || (i === end - 1 && text.charCodeAt(i) === 13)) return -1;
  let spaces = 0;
  while (start + spaces < end && text.charCodeAt(start + spaces) === 32) spaces++;
  return text.charCodeAt(start) === 9 ? spaces + 0.5 : spaces;
}

/**
 * Line starts, line ending and indentation statistics of one document, kept current edit by edit.
 * The indentation unit follows the same rule as `detectIndentUnit` (tabs when a quarter of the lines
 * start with one, else the most common step between consecutive non-blank lines), over the whole file.
 */
export class LineIndex {
  private starts: number[] = [0];
  private indents: number[] = [];
  private tabLines = 0;
  private nonBlank = 0;
  private readonly steps = new Map<number, number>();
  private crlf = 0;
  private length = 0;

  constructor(text: string) {
    this.reset(text);
  }

  reset(text: string): void {
    this.starts = [0];
    scanLineStarts(text, 0, this.starts);
    this.length = text.length;
    this.crlf = countCrlf(text, 0, text.length);
    this.indents = [];
    for (let line = 0; line < this.starts.length; line++)
      this.indents.push(lineIndent(text, this.starts[line] ?? 0, this.lineEnd(line)));
    this.tabLines = 0;
    this.nonBlank = 0;
    this.steps.clear();
    let previous = 0;
    for (const indent of this.indents) {
      if (indent < 0) continue;
      this.count(indent, previous, 1);
      previous = Math.floor(indent);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** The line holding `offset` (binary search over the line starts). */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))] ?? 0;
  }

  /** Row and column in UTF-16 code units, as tree-sitter's JavaScript binding counts them. */
  positionAt(offset: number): { row: number; column: number } {
    const row = this.lineAt(offset);
    return { row, column: offset - (this.starts[row] ?? 0) };
  }

  get eol(): '\n' | '\r\n' {
    return this.crlf > 0 ? '\r\n' : '\n';
  }

  get indentUnit(): string | undefined {
    if (this.nonBlank === 0) return undefined;
    if (this.tabLines > this.nonBlank / 4) return '\t';
    let best: number | undefined;
    let bestCount = 0;
    for (const [step, count] of this.steps) {
      // Ties go to the smaller step so the answer does not depend on the order edits arrived in.
      if (count > bestCount || (count === bestCount && best !== undefined && step < best)) {
        best = step;
        bestCount = count;
      }
    }
    return best === undefined ? undefined : ' '.repeat(best);
  }

  /**
   * Applies one change. `oldText` is the text the change's offsets refer to, `newText` the text after it.
   * Only the lines the change touches (and the next non-blank line, whose step depends on them) are
   * looked at again.
   */
  apply(oldText: string, newText: string, change: TextChange): void {
    const firstLine = this.lineAt(change.offset);
    const lastLine = this.lineAt(change.offset + change.deletedLength);
    // A deleted or inserted "\r" next to a "\n" changes what counts as CRLF just around the change.
    const crlfFrom = Math.max(0, change.offset - 1);
    this.crlf -= countCrlf(oldText, crlfFrom, change.offset + change.deletedLength + 1);
    this.crlf += countCrlf(newText, crlfFrom, change.offset + change.text.length + 1);

    // Step contributions of the changed lines and of the first non-blank line after them come out.
    const previousIndent = this.previousNonBlank(firstLine);
    let next = lastLine + 1;
    while (next < this.indents.length && (this.indents[next] ?? -1) < 0) next++;
    let previous = previousIndent;
    for (let line = firstLine; line <= lastLine; line++) {
      const indent = this.indents[line] ?? -1;
      if (indent < 0) continue;
      this.count(indent, previous, -1);
      previous = Math.floor(indent);
    }
    const nextIndent = next < this.indents.length ? (this.indents[next] ?? -1) : -1;
    if (nextIndent >= 0) this.count(nextIndent, previous, -1);

    // New line starts: the changed lines are rescanned, later ones shift by the length difference.
    const delta = change.text.length - change.deletedLength;
    const inserted: number[] = [];
    scanLineStarts(change.text, change.offset, inserted);
    const tail = this.starts.slice(lastLine + 1);
    this.starts.length = firstLine + 1;
    for (const s of inserted) this.starts.push(s);
    for (const s of tail) this.starts.push(s + delta);
    this.length = newText.length;

    const newLast = firstLine + inserted.length;
    const fresh: number[] = [];
    for (let line = firstLine; line <= newLast; line++)
      fresh.push(lineIndent(newText, this.starts[line] ?? 0, this.lineEnd(line)));
    this.indents.splice(firstLine, lastLine - firstLine + 1, ...fresh);

    previous = previousIndent;
    for (const indent of fresh) {
      if (indent < 0) continue;
      this.count(indent, previous, 1);
      previous = Math.floor(indent);
    }
    if (nextIndent >= 0) this.count(nextIndent, previous, 1);
  }

  private lineEnd(line: number): number {
    const next = this.starts[line + 1];
    return next === undefined ? this.length : next - 1;
  }

  private previousNonBlank(line: number): number {
    for (let l = line - 1; l >= 0; l--) {
      const indent = this.indents[l] ?? -1;
      if (indent >= 0) return Math.floor(indent);
    }
    return 0;
  }

  private count(indent: number, previous: number, sign: 1 | -1): void {
    this.nonBlank += sign;
    if (indent % 1 !== 0) this.tabLines += sign;
    const step = Math.abs(Math.floor(indent) - previous);
    if (step > 0 && step <= 8) {
      const n = (this.steps.get(step) ?? 0) + sign;
      if (n === 0) this.steps.delete(step);
      else this.steps.set(step, n);
    }
  }
}

/**
 * CRLF pairs wholly inside [from, to). A search of the whole text would run on to the next CRLF, through
 * the whole rest of an LF file, on every keystroke.
 */
function countCrlf(text: string, from: number, to: number): number {
  let n = 0;
  const start = Math.max(0, from);
  const end = Math.min(to, text.length);
  if (end - start > 64) {
    // A slice shares the text's characters, and bounds the native search to the range.
    const range = text.slice(start, end);
    for (let i = range.indexOf('\r\n'); i !== -1; i = range.indexOf('\r\n', i + 2)) n++;
    return n;
  }
  for (let i = start; i + 1 < end; i++) if (text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10) n++;
  return n;
}
