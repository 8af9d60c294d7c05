// Turns raw model output into the suggestion to show, on the stream (to stop the model early) and on the
// final text: the dialect's stop tokens and any echoed FIM sentinel, a chat reply's code fence, the
// single-line cut, the suffix or the line below the cursor being repeated, brackets that close beyond
// the insertion point (not closing what the suffix already closes), indentation that leaves the block,
// runaway repetition, the document's indentation style and line endings, and empty results.

import { allFimTokens } from './fimDialects';
import { languageSupport } from './languageSupport';

export interface FilterContext {
  readonly multiline: boolean;
  /** The document after the cursor (a window of a few KB is enough). */
  readonly suffix: string;
  /** The cursor line before the cursor. */
  readonly linePrefix: string;
  readonly languageId: string;
  readonly stopTokens: readonly string[];
  /** The document's line ending; model output is normalised to it. */
  readonly eol: '\n' | '\r\n';
  /** One level of indentation in the document ('\t' or spaces); undefined keeps the model's. */
  readonly indentUnit?: string;
  /** The answer came from a chat model and may be wrapped in a markdown fence. */
  readonly fromChat: boolean;
}

export interface FilterResult {
  /** The usable text so far (LF line endings, not yet re-indented). */
  readonly text: string;
  /** A stop condition was met: the rest of the stream is not needed. */
  readonly complete: boolean;
}

/** Identical consecutive blocks of this many repeats count as a runaway. */
const runawayRepeats = 3;
const maxCycle = 3;

const openers: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const closerSet = new Set([')', ']', '}']);

function indentWidth(line: string): number {
  return (line.match(/^[ \t]*/)?.[0] ?? '').replace(/\t/g, '    ').length;
}

function firstNonBlankLine(text: string): string | undefined {
  for (const line of text.split('\n')) if (line.trim() !== '') return line;
  return undefined;
}

/** Earliest stop token; a trailing partial token is held back while streaming. */
function cutAtStopTokens(text: string, tokens: readonly string[]): { text: string; found: boolean } {
  let cut = -1;
  for (const token of tokens) {
    const at = text.indexOf(token);
    if (at !== -1 && (cut === -1 || at < cut)) cut = at;
  }
  if (cut !== -1) return { text: text.slice(0, cut), found: true };
  let hold = text.length;
  for (const token of tokens) {
    for (let n = Math.min(token.length - 1, text.length); n > 0; n--) {
      if (text.endsWith(token.slice(0, n))) {
        hold = Math.min(hold, text.length - n);
        break;
      }
    }
  }
  return { text: text.slice(0, hold), found: false };
}

/** Removes a chat reply's opening fence (and anything before it) and stops at the closing fence. */
function unfence(text: string, final: boolean): { text: string; complete: boolean; pending: boolean } {
  const open = text.indexOf('```');
  const lead = open === -1 ? text : text.slice(0, open);
  // Prose before the fence ("Here is the code:") is dropped; a reply without any fence is taken as is,
  // which is only known once the stream has ended.
  if (open === -1)
    return final ? { text, complete: false, pending: false } : { text: '', complete: false, pending: true };
  if (lead.trim() !== '' && !/[:.]\s*$/.test(lead)) return { text: lead, complete: true, pending: false };
  const lineEnd = text.indexOf('\n', open);
  if (lineEnd === -1) return { text: '', complete: false, pending: true };
  const body = text.slice(lineEnd + 1);
  const close = body.search(/(^|\n)```/);
  if (close === -1) return { text: body, complete: false, pending: false };
  return { text: body.slice(0, close), complete: true, pending: false };
}

/** A chat model tends to repeat the start of the line it was asked to complete. */
function dropRepeatedLinePrefix(text: string, linePrefix: string): string {
  const head = linePrefix.trim();
  let out = text;
  if (head === '') out = text.replace(/^[ \t]+/, '');
  else {
    const trimmed = text.replace(/^[ \t]+/, '');
    if (trimmed.startsWith(head)) out = trimmed.slice(head.length);
    if (/\s$/.test(linePrefix)) out = out.replace(/^[ \t]+/, '');
  }
  // A chat model writes its block from column 0: lines after the first take the cursor's indentation.
  const indent = linePrefix.match(/^[ \t]*/)?.[0] ?? '';
  if (indent === '') return out;
  return out
    .split('\n')
    .map((line, i) => (i === 0 || line.trim() === '' ? line : indent + line))
    .join('\n');
}

interface ScanState {
  depth: number;
  quote: string | undefined;
}

/**
 * Scans one line for brackets (outside strings and line comments). Returns the index of a closer that
 * takes the depth below zero, or -1.
 */
function scanBrackets(line: string, state: ScanState, lineComment: string): number {
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (state.quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === state.quote) state.quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      state.quote = ch;
      continue;
    }
    if (line.startsWith(lineComment, i)) return -1;
    if (openers[ch] !== undefined) state.depth++;
    else if (closerSet.has(ch)) {
      state.depth--;
      if (state.depth < 0) return i;
    }
  }
  // Only template literals span lines; other unterminated quotes are typos the model made.
  if (state.quote !== '`') state.quote = undefined;
  return -1;
}

function runawayCut(lines: readonly string[]): number {
  for (let cycle = 1; cycle <= maxCycle; cycle++) {
    for (let start = 0; start + cycle * runawayRepeats <= lines.length; start++) {
      const block = lines.slice(start, start + cycle);
      if (block.every((l) => l.trim() === '')) continue;
      let repeats = 1;
      while (
        repeats < runawayRepeats &&
        lines.slice(start + repeats * cycle, start + (repeats + 1) * cycle).every((l, i) => l === block[i])
      ) {
        repeats++;
      }
      if (repeats >= runawayRepeats) return start + cycle;
    }
  }
  return -1;
}

/** Applies every stop rule to the text received so far. Pure: call it on each chunk or on the final text. */
export function analyseCompletion(raw: string, ctx: FilterContext, final = false): FilterResult {
  const stops = cutAtStopTokens(raw.replace(/\r\n?/g, '\n'), [
    ...new Set([...ctx.stopTokens, ...allFimTokens]),
  ]);
  let text = stops.text;
  let complete = stops.found;

  if (ctx.fromChat) {
    const unfenced = unfence(text, final);
    if (unfenced.pending) return { text: '', complete };
    text = dropRepeatedLinePrefix(unfenced.text, ctx.linePrefix);
    complete = complete || unfenced.complete;
  }

  const restOfLine = ctx.suffix.split('\n', 1)[0] ?? '';
  const support = languageSupport(ctx.languageId);

  if (!ctx.multiline) {
    const newline = text.indexOf('\n');
    if (newline !== -1) {
      text = text.slice(0, newline);
      complete = true;
    }
  }

  const lines = text.split('\n');
  // The last line may still be growing while streaming; rules that need a whole line wait for it.
  const wholeLines = complete || final ? lines.length : lines.length - 1;
  const target = firstNonBlankLine(
    restOfLine.trim() !== '' ? ctx.suffix : ctx.suffix.slice(restOfLine.length + 1),
  )?.trim();
  const suffixStart = ctx.suffix.trimStart().charAt(0);
  const state: ScanState = { depth: 0, quote: undefined };
  const cursorIndent =
    ctx.linePrefix.trim() === '' ? indentWidth(ctx.linePrefix) : indentWidth(ctx.linePrefix) + 1;

  let keep = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const isWhole = i < wholeLines;
    if (
      isWhole &&
      target !== undefined &&
      line.trim() === target &&
      state.depth <= 0 &&
      (i > 0 || ctx.linePrefix.trim() === '')
    ) {
      keep = i;
      complete = true;
      break;
    }
    if (isWhole && i > 0 && support.indentBlocks && line.trim() !== '' && indentWidth(line) < cursorIndent) {
      keep = i;
      complete = true;
      break;
    }
    const closeAt = scanBrackets(line, state, support.lineComment);
    if (closeAt !== -1) {
      const closer = line.charAt(closeAt);
      if (suffixStart === closer) {
        // The suffix already closes it: stop just before.
        lines[i] = line.slice(0, closeAt);
      } else if (!isWhole) {
        keep = i + 1;
        break;
      }
      keep = i + 1;
      complete = true;
      break;
    }
  }
  let kept = lines.slice(0, keep);
  if (kept.length >= runawayRepeats) {
    // The first line starts at the cursor: give it the cursor's indentation so it compares like the rest.
    const comparable = kept.map((l, i) => (i === 0 && ctx.linePrefix.trim() === '' ? ctx.linePrefix + l : l));
    const cut = runawayCut(
      comparable.slice(0, complete || final ? kept.length : Math.max(0, kept.length - 1)),
    );
    if (cut !== -1) {
      kept = kept.slice(0, cut);
      complete = true;
    }
  }
  text = kept.join('\n');

  // Single-line text that ends with what already follows the cursor would duplicate it.
  const rest = restOfLine.trim();
  if ((complete || final) && rest !== '' && !text.includes('\n') && text.trimEnd().endsWith(rest)) {
    text = text.trimEnd().slice(0, text.trimEnd().length - rest.length);
  }
  return { text, complete };
}

/** Re-indents lines after the first from the model's indentation style to the document's. */
function normaliseIndentation(text: string, ctx: FilterContext): string {
  const lines = text.split('\n');
  if (ctx.linePrefix.length > 0 && ctx.linePrefix.trim() === '')
    lines[0] = (lines[0] ?? '').replace(/^[ \t]+/, '');
  const unit = ctx.indentUnit;
  if (unit === undefined || lines.length < 2) return lines.join('\n');
  if (unit === '\t') {
    const widths = lines
      .slice(1)
      .map((l) => l.match(/^ +/)?.[0].length ?? 0)
      .filter((w) => w > 0);
    if (widths.length === 0) return lines.join('\n');
    const step = widths.some((w) => w % 4 !== 0) ? 2 : 4;
    return lines
      .map((l, i) =>
        i === 0
          ? l
          : l.replace(/^ +/, (s) => '\t'.repeat(Math.floor(s.length / step)) + ' '.repeat(s.length % step)),
      )
      .join('\n');
  }
  return lines.map((l, i) => (i === 0 ? l : l.replace(/^\t+/, (s) => unit.repeat(s.length)))).join('\n');
}

/** The suggestion to show, or undefined when nothing useful is left. */
export function cleanCompletion(raw: string, ctx: FilterContext): string | undefined {
  let text = analyseCompletion(raw, ctx, true).text;
  text = normaliseIndentation(text, ctx).replace(/[ \t]+$/gm, '');
  text = text.replace(/\n+$/, '');
  if (text.trim() === '') return undefined;
  return ctx.eol === '\r\n' ? text.replace(/\n/g, '\r\n') : text;
}

/** Feeds stream chunks through the rules; `done` tells the caller to stop reading (and abort the stream). */
export class StreamFilter {
  private raw = '';
  private last: FilterResult = { text: '', complete: false };

  constructor(private readonly ctx: FilterContext) {}

  push(chunk: string): FilterResult {
    this.raw += chunk;
    this.last = analyseCompletion(this.raw, this.ctx);
    return this.last;
  }

  /** The raw text received so far (for the echoed-token detector). */
  get received(): string {
    return this.raw;
  }

  /** The cleaned suggestion once the stream ended. */
  finish(): string | undefined {
    return cleanCompletion(this.raw, this.ctx);
  }
}

/** The document's indentation unit, guessed from its lines (tabs, or the most common space step). */
export function detectIndentUnit(text: string): string | undefined {
  let tabs = 0;
  const steps = new Map<number, number>();
  let previous = 0;
  let sampled = 0;
  for (const line of text.split('\n', 2000)) {
    if (line.trim() === '') continue;
    if (line.startsWith('\t')) tabs++;
    const width = line.match(/^ */)?.[0].length ?? 0;
    const delta = Math.abs(width - previous);
    if (delta > 0 && delta <= 8) steps.set(delta, (steps.get(delta) ?? 0) + 1);
    previous = width;
    sampled++;
  }
  if (sampled === 0) return undefined;
  if (tabs > sampled / 4) return '\t';
  let best: number | undefined;
  for (const [step, count] of steps) if (best === undefined || count > (steps.get(best) ?? 0)) best = step;
  return best === undefined ? undefined : ' '.repeat(best);
}
