// Reading a model's findings and checking them against the text: tolerant JSON parsing (code fences, prose,
// trailing commas, an answer cut off mid-array keeps its complete findings), validation of each finding, and
// anchoring: a finding must point at the code it quotes, found at its line or re-found on nearby lines when the
// model's line numbers are off; findings that point at nothing are dropped rather than shown in the wrong place.
import { CATEGORIES, SEVERITIES } from './diagnosisPrompt';
import type { FindingCategory, FindingSeverity } from './diagnosisPrompt';

/** A finding as the model wrote it (1-based lines and columns). */
export interface RawFinding {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
  severity: FindingSeverity;
  category: FindingCategory;
  message: string;
  code?: string;
  replacement?: string;
}

export interface ParsedFindings {
  findings: RawFinding[];
  /** Entries that were not valid findings (missing line or message, wrong types). */
  invalid: number;
  /** True when the JSON was cut off and only the complete findings before the cut were kept. */
  truncated: boolean;
  /** True when no JSON could be read at all. */
  unreadable: boolean;
}

/** 0-based, end exclusive, like the editor's ranges. */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

export interface Finding {
  range: Range;
  severity: FindingSeverity;
  category: FindingCategory;
  message: string;
  /** The document's text in the range when the finding was made. */
  anchoredText: string;
  replacement?: string;
}

export type DropReason = 'out-of-range' | 'code-not-found' | 'outside-selection' | 'duplicate';

export interface AnchorResult {
  findings: Finding[];
  dropped: Array<{ finding: RawFinding; reason: DropReason }>;
}

// ------------------------------------------------------------------------------------------------ parsing

export function parseFindings(answer: string): ParsedFindings {
  const body = jsonPart(answer);
  const empty: ParsedFindings = { findings: [], invalid: 0, truncated: false, unreadable: true };
  if (body === undefined) return empty;

  const whole = tryParse(body) ?? tryParse(removeTrailingCommas(body));
  if (whole !== undefined) {
    const list = findingsList(whole);
    if (list === undefined) return empty;
    return { ...validateAll(list), truncated: false, unreadable: false };
  }
  // Cut off (max_tokens) or otherwise broken: keep every element of the array that is complete on its own.
  const salvaged = salvageArrayElements(body);
  if (salvaged === undefined) return empty;
  return { ...validateAll(salvaged), truncated: true, unreadable: false };
}

/** The JSON inside the answer: a ```json block if there is one, else from the first brace or bracket. */
function jsonPart(answer: string): string | undefined {
  const fenced = /```[\w-]*\s*\n([\s\S]*?)(?:\n```|$)/.exec(answer);
  const text = fenced?.[1] !== undefined && /[[{]/.test(fenced[1]) ? fenced[1] : answer;
  const start = text.search(/[[{]/);
  if (start < 0) return undefined;
  const open = text[start];
  const close = open === '{' ? '}' : ']';
  const end = text.lastIndexOf(close);
  return end > start ? text.slice(start, end + 1) : text.slice(start);
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Removes commas directly before a closing bracket, outside strings. */
function removeTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    if (ch === ',') {
      const rest = /^\s*([}\]])/.exec(text.slice(i + 1));
      if (rest) continue;
    }
    out += ch;
  }
  return out;
}

function findingsList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value as unknown[];
  if (isRecord(value)) {
    for (const key of ['findings', 'issues', 'problems', 'diagnostics']) {
      const list = value[key];
      if (Array.isArray(list)) return list as unknown[];
    }
  }
  return undefined;
}

/** Each complete `{...}` element of the findings array, parsed on its own; an unfinished last one is dropped. */
function salvageArrayElements(text: string): unknown[] | undefined {
  const key = /"(findings|issues|problems|diagnostics)"\s*:\s*\[/.exec(text);
  let i = key ? key.index + key[0].length : text.trimStart().startsWith('[') ? text.indexOf('[') + 1 : -1;
  if (i < 0) return undefined;
  const elements: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (depth === 0 && ch === '{') start = i;
      depth++;
    } else if (ch === '}' || ch === ']') {
      if (depth === 0) break; // the end of the findings array
      depth--;
      if (depth === 0 && start >= 0) {
        const element = tryParse(removeTrailingCommas(text.slice(start, i + 1)));
        if (element !== undefined) elements.push(element);
        start = -1;
      }
    }
  }
  return elements;
}

function validateAll(list: readonly unknown[]): { findings: RawFinding[]; invalid: number } {
  const findings: RawFinding[] = [];
  let invalid = 0;
  for (const item of list) {
    const finding = validate(item);
    if (finding) findings.push(finding);
    else invalid++;
  }
  return { findings, invalid };
}

function validate(item: unknown): RawFinding | undefined {
  if (!isRecord(item)) return undefined;
  const startLine = positiveInt(item.startLine ?? item.line);
  const message = typeof item.message === 'string' ? item.message.trim() : '';
  if (startLine === undefined || message === '') return undefined;
  const finding: RawFinding = {
    startLine,
    severity: severityOf(item.severity),
    category: categoryOf(item.category),
    message,
  };
  const startColumn = positiveInt(item.startColumn ?? item.column);
  const endLine = positiveInt(item.endLine);
  const endColumn = positiveInt(item.endColumn);
  if (startColumn !== undefined) finding.startColumn = startColumn;
  if (endLine !== undefined) finding.endLine = endLine;
  if (endColumn !== undefined) finding.endColumn = endColumn;
  if (typeof item.code === 'string' && item.code.trim() !== '') finding.code = item.code;
  if (typeof item.replacement === 'string') finding.replacement = item.replacement;
  return finding;
}

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : undefined;
}

function severityOf(value: unknown): FindingSeverity {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if ((SEVERITIES as readonly string[]).includes(v)) return v as FindingSeverity;
  if (['critical', 'high', 'fatal', 'blocker'].includes(v)) return 'error';
  if (['information', 'hint', 'low', 'note', 'suggestion'].includes(v)) return 'info';
  return 'warning';
}

function categoryOf(value: unknown): FindingCategory {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if ((CATEGORIES as readonly string[]).includes(v)) return v as FindingCategory;
  if (['vulnerability', 'secret', 'injection'].includes(v)) return 'security';
  if (['perf', 'efficiency'].includes(v)) return 'performance';
  if (['readability', 'maintainability', 'naming', 'convention'].includes(v)) return 'style';
  return 'bug';
}

// ------------------------------------------------------------------------------------------------ anchoring

export interface AnchorOptions {
  /** How many lines above and below the stated line a quoted excerpt is searched for. */
  searchRadius?: number;
  /** 1-based inclusive lines the diagnosis covered; findings outside are dropped. */
  within?: { start: number; end: number };
}

export function anchorFindings(
  raw: readonly RawFinding[],
  text: string,
  options: AnchorOptions = {},
): AnchorResult {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const radius = options.searchRadius ?? 8;
  const findings: Finding[] = [];
  const dropped: AnchorResult['dropped'] = [];
  const seen = new Set<string>();
  for (const finding of raw) {
    const range =
      finding.code !== undefined ? locateCode(lines, finding, radius) : statedRange(lines, finding);
    if (!range) {
      dropped.push({ finding, reason: finding.code !== undefined ? 'code-not-found' : 'out-of-range' });
      continue;
    }
    if (
      options.within &&
      (range.start.line + 1 < options.within.start || range.start.line + 1 > options.within.end)
    ) {
      dropped.push({ finding, reason: 'outside-selection' });
      continue;
    }
    const key = `${range.start.line}:${range.start.character}:${finding.message}`;
    if (seen.has(key)) {
      dropped.push({ finding, reason: 'duplicate' });
      continue;
    }
    seen.add(key);
    findings.push({
      range,
      severity: finding.severity,
      category: finding.category,
      message: finding.message,
      anchoredText: textIn(lines, range),
      ...(finding.replacement !== undefined ? { replacement: finding.replacement } : {}),
    });
  }
  findings.sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
  return { findings, dropped };
}

/** Where the quoted code is: at the stated line, else the nearest line within the radius where it matches. */
function locateCode(lines: readonly string[], finding: RawFinding, radius: number): Range | undefined {
  const quoted = trimBlankLines((finding.code ?? '').replace(/\r\n/g, '\n').split('\n'));
  if (quoted.length === 0) return undefined;
  const stated = finding.startLine - 1;
  for (let distance = 0; distance <= radius; distance++) {
    for (const line of distance === 0 ? [stated] : [stated - distance, stated + distance]) {
      if (line < 0 || line + quoted.length > lines.length) continue;
      const range = matchAt(lines, line, quoted, distance === 0 ? finding.startColumn : undefined);
      if (range) return range;
    }
  }
  return undefined;
}

/** The range of `quoted` starting on `line`, comparing with whitespace collapsed; undefined when it differs. */
function matchAt(
  lines: readonly string[],
  line: number,
  quoted: readonly string[],
  statedColumn: number | undefined,
): Range | undefined {
  if (quoted.length === 1) {
    const needle = quoted[0].trim();
    const haystack = lines[line];
    // Prefer the occurrence at the stated column when the excerpt appears more than once on the line.
    const at =
      statedColumn !== undefined && haystack.startsWith(needle, statedColumn - 1)
        ? statedColumn - 1
        : haystack.indexOf(needle);
    if (at < 0) {
      const loose = looseIndex(haystack, needle);
      if (!loose) return undefined;
      return { start: { line, character: loose.start }, end: { line, character: loose.end } };
    }
    return { start: { line, character: at }, end: { line, character: at + needle.length } };
  }
  for (let k = 0; k < quoted.length; k++) {
    const want = collapse(quoted[k]);
    const have = collapse(lines[line + k]);
    // Inner lines must match whole; the first and last may be partial (the excerpt starts or ends mid-line).
    const ok =
      k === 0 ? have.endsWith(want) : k === quoted.length - 1 ? have.startsWith(want) : have === want;
    if (!ok || want === '') return undefined;
  }
  const first = lines[line];
  const firstQuoted = quoted[0].trim();
  const startChar = Math.max(0, first.indexOf(firstQuoted));
  const lastLine = line + quoted.length - 1;
  const last = lines[lastLine];
  const lastQuoted = quoted[quoted.length - 1].trim();
  const lastAt = last.indexOf(lastQuoted);
  const endChar = lastAt >= 0 ? lastAt + lastQuoted.length : last.length;
  return { start: { line, character: startChar }, end: { line: lastLine, character: endChar } };
}

/** indexOf that ignores differences in whitespace runs, mapping back to columns of the real line. */
function looseIndex(haystack: string, needle: string): { start: number; end: number } | undefined {
  const want = collapse(needle);
  if (want === '') return undefined;
  const map: number[] = [];
  let squashed = '';
  for (let i = 0; i < haystack.length; i++) {
    const ch = haystack[i];
    if (/\s/.test(ch)) {
      if (squashed.endsWith(' ') || squashed === '') continue;
      squashed += ' ';
    } else squashed += ch;
    map.push(i);
  }
  const at = squashed.indexOf(want);
  if (at < 0) return undefined;
  const endIndex = map[at + want.length - 1];
  return { start: map[at], end: (endIndex ?? haystack.length - 1) + 1 };
}

/** A finding without an excerpt is taken at its word, if that word fits the text. */
function statedRange(lines: readonly string[], finding: RawFinding): Range | undefined {
  const startLine = finding.startLine - 1;
  const endLine = (finding.endLine ?? finding.startLine) - 1;
  if (startLine >= lines.length || endLine >= lines.length || endLine < startLine) return undefined;
  const first = lines[startLine];
  const last = lines[endLine];
  const indent = /^\s*/.exec(first)?.[0].length ?? 0;
  const startChar = finding.startColumn !== undefined ? finding.startColumn - 1 : indent;
  const endChar = finding.endColumn !== undefined ? finding.endColumn - 1 : last.length;
  if (startChar > first.length || endChar > last.length) return undefined;
  if (endLine === startLine && endChar < startChar) return undefined;
  return { start: { line: startLine, character: startChar }, end: { line: endLine, character: endChar } };
}

function textIn(lines: readonly string[], range: Range): string {
  if (range.start.line === range.end.line)
    return lines[range.start.line].slice(range.start.character, range.end.character);
  const parts = [lines[range.start.line].slice(range.start.character)];
  for (let l = range.start.line + 1; l < range.end.line; l++) parts.push(lines[l]);
  parts.push(lines[range.end.line].slice(0, range.end.character));
  return parts.join('\n');
}

function collapse(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

function trimBlankLines(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start].trim() === '') start++;
  while (end > start && lines[end - 1].trim() === '') end--;
  return lines.slice(start, end);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
