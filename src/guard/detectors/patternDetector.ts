// Builds regex-backed detectors: fixed-prefix tokens, key = value assignments, and custom shapes.
// Every built-in detector carries a specificity so that overlapping findings resolve to the most
// specific one (a GitHub token inside a password assignment is reported as a GitHub token).
import type { Detector, DetectorMatch, FindingCategory } from '../detectorTypes';
import { isPlaceholderValue } from './secretAllowlist';

/** How specific a detector is; higher wins when two findings overlap. */
export const Specificity = {
  generic: 0,
  assignment: 1,
  structured: 2,
  token: 3,
  checksum: 4,
} as const;

export interface RankedDetector extends Detector {
  readonly specificity: number;
}

export interface PatternSpec {
  id: string;
  description: string;
  keywords: readonly string[];
  category?: FindingCategory;
  specificity?: number;
  /**
   * A regex; its named group `v` marks the reported span (the secret value), else the whole match.
   * Flags are normalised to include `g` and `d`.
   */
  pattern: RegExp;
  /** Returns false to drop a candidate (bad checksum, placeholder, wrong shape). */
  validate?: (value: string, text: string, start: number) => boolean;
  /** Skip the shared placeholder allowlist (for PII and shapes where it makes no sense). */
  allowPlaceholders?: boolean;
}

function withFlags(re: RegExp, extra: string): RegExp {
  let flags = re.flags;
  for (const f of extra) if (!flags.includes(f)) flags += f;
  return new RegExp(re.source, flags);
}

export function patternDetector(spec: PatternSpec): RankedDetector {
  const re = withFlags(spec.pattern, 'gd');
  const category = spec.category ?? 'secret';
  const checkPlaceholder = category === 'secret' && spec.allowPlaceholders !== true;
  return {
    id: spec.id,
    category,
    description: spec.description,
    keywords: spec.keywords,
    specificity: spec.specificity ?? Specificity.token,
    find(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      // matchAll clones the regex, so concurrent scans never share lastIndex state.
      for (const m of text.matchAll(re)) {
        const span = m.indices?.groups?.v ?? m.indices?.[0];
        if (span === undefined) continue;
        const [start, end] = span;
        if (end <= start) continue;
        const value = text.slice(start, end);
        if (checkPlaceholder && isPlaceholderValue(value)) continue;
        if (spec.validate && !spec.validate(value, text, start)) continue;
        out.push({ start, end });
      }
      return out;
    },
  };
}

// Characters that may continue a token; a token must not be glued to any of them on either side.
const TOKEN_EDGE = 'A-Za-z0-9_\\-';

export interface TokenSpec {
  id: string;
  description: string;
  keywords: readonly string[];
  /** Regex source of the whole token, prefix included. */
  source: string;
  validate?: (value: string) => boolean;
  /** Regex source of characters that may not follow the token; defaults to word characters and `-`. */
  after?: string;
}

/** A token with a fixed shape, matched only when it stands alone (not inside a longer identifier). */
export function tokenDetector(spec: TokenSpec): RankedDetector {
  const after = spec.after ?? `[${TOKEN_EDGE}]`;
  const pattern = new RegExp(`(?<![${TOKEN_EDGE}])(?<v>${spec.source})(?!${after})`, 'g');
  const validate = spec.validate;
  return patternDetector({
    id: spec.id,
    description: spec.description,
    keywords: spec.keywords,
    pattern,
    specificity: Specificity.token,
    validate: validate ? (value) => validate(value) : undefined,
  });
}

export interface AssignmentSpec {
  id: string;
  description: string;
  keywords: readonly string[];
  /** Case-insensitive regex source matching the key name (the variable, setting or header). */
  key: string;
  /** Case-sensitive regex the whole value must match. */
  value: RegExp;
  specificity?: number;
}

// After the key: optional closing quote, an assignment operator (=, :, :=, =>, or an XML `>`), an
// optional opening quote. `==` comparisons are excluded.
const ASSIGN = `[\\w.-]{0,24}?["'\`]?\\s{0,4}(?::=|=>|=(?!=)|:(?!:)|>)\\s{0,4}["'\`]?`;
const VALUE_CAPTURE = `(?<v>[^\\s"'\`<>,;()\\[\\]{}]{8,400})`;

/** A secret identified by the name it is assigned to, with a value of a known shape. */
export function assignmentDetector(spec: AssignmentSpec): RankedDetector {
  // The regex starts at the key name, not at the namespacing before it: a leading lookbehind and a repeated
  // optional prefix made the engine try (and backtrack) at every word of the text. The prefix is checked
  // backwards from the key instead (`hasKeyPrefix`): up to four MY_APP_ or config.db. segments.
  const pattern = new RegExp(`(?:${spec.key})${ASSIGN}${VALUE_CAPTURE}`, 'gdi');
  const shape = spec.value;
  return {
    id: spec.id,
    category: 'secret',
    description: spec.description,
    keywords: spec.keywords,
    specificity: spec.specificity ?? Specificity.assignment + 1,
    find(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      const re = new RegExp(pattern);
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (!hasKeyPrefix(text, m.index)) {
          // Another key may start inside this one (`az_client_secret` in `aaz_client_secret`).
          re.lastIndex = m.index + 1;
          continue;
        }
        const span = m.indices?.groups?.v;
        if (span === undefined) continue;
        const [start, end] = span;
        const value = text.slice(start, end);
        if (isPlaceholderValue(value) || !shape.test(value)) continue;
        out.push({ start, end });
      }
      return out;
    },
  };
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isSeparator(c: number): boolean {
  return c === 95 || c === 46 || c === 45; // _ . -
}

/**
 * Whether the key starting at `keyAt` stands at the start of an identifier, possibly after up to four
 * namespacing segments of 1-20 letters or digits each followed by `_`, `.` or `-` (MY_APP_, config.db.).
 */
export function hasKeyPrefix(text: string, keyAt: number): boolean {
  let i = keyAt;
  for (let segments = 0; ; segments++) {
    const before = i > 0 ? text.charCodeAt(i - 1) : -1;
    if (before < 0 || !(isAlnum(before) || isSeparator(before))) return true;
    if (segments === 4 || !isSeparator(before)) return false;
    let j = i - 1;
    while (j > 0 && i - 1 - j <= 20 && isAlnum(text.charCodeAt(j - 1))) j--;
    const run = i - 1 - j;
    if (run < 1 || run > 20) return false;
    i = j;
  }
}
