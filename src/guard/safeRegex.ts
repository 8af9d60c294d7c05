// Linear-time regular expressions for patterns written by security teams. Every custom pattern, allowlist
// pattern, keyword list and path glob is compiled with re2js, so no policy can make a scan backtrack
// catastrophically and hang the editor; constructs RE2 cannot run in linear time are rejected up front.
import { RE2JS } from 're2js';
import type { DetectorMatch } from './detectorTypes';

/** A compiled pattern. Offsets are UTF-16 code units, end exclusive, like the rest of the guard. */
export interface SafeRegex {
  readonly source: string;
  /** Every non-empty, non-overlapping match, left to right. */
  findAll(text: string): DetectorMatch[];
  /** Whether the whole of `text` matches. */
  matchesWhole(text: string): boolean;
  /** Whether any part of `text` matches. */
  test(text: string): boolean;
}

/** Thrown for a pattern RE2 cannot compile; the message says why without echoing any scanned text. */
export class UnsafePatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(
      `pattern is not a valid RE2 expression (${reason}); backreferences and lookaround are not supported`,
    );
    this.name = 'UnsafePatternError';
  }
}

export interface SafeRegexOptions {
  caseSensitive?: boolean;
}

/** Compiles `pattern` with RE2 semantics or throws `UnsafePatternError`. */
export function compileSafeRegex(pattern: string, options: SafeRegexOptions = {}): SafeRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, options.caseSensitive === false ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    const reason =
      error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    throw new UnsafePatternError(pattern, reason);
  }
  return {
    source: pattern,
    findAll(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      const matcher = re.matcher(text);
      while (matcher.find()) {
        const start = matcher.start();
        const end = matcher.end();
        if (end > start) out.push({ start, end });
      }
      return out;
    },
    matchesWhole(text: string): boolean {
      return re.matches(text);
    },
    test(text: string): boolean {
      return re.test(text);
    },
  };
}

/** Compiles a keyword list into one RE2 alternation, matching whole words where a keyword begins or ends with one. */
export function compileKeywords(keywords: readonly string[], caseSensitive = false): SafeRegex {
  return compileSafeRegex(`(?:${literalAlternatives(keywords).join('|')})`, { caseSensitive });
}

/**
 * Keywords as escaped literal alternatives, longest first (so `unit test` wins over `unit`), each anchored at
 * a word boundary on the sides where it starts or ends with a word character. The source is valid for RE2
 * and for V8 alike, and holds no quantifier: the work at each position of a text is bounded by the keywords'
 * total length, whichever engine runs it.
 * Empty keywords are dropped, because an empty alternative matches everywhere without consuming anything.
 */
export function literalAlternatives(keywords: readonly string[]): string[] {
  return keywords
    .filter((keyword) => keyword !== '')
    .sort((a, b) => b.length - a.length)
    .map((keyword) => {
      const left = /^\w/.test(keyword) ? '\\b' : '';
      const right = /\w$/.test(keyword) ? '\\b' : '';
      return `${left}${escapeLiteral(keyword)}${right}`;
    });
}

/**
 * The same alternation as `literalAlternatives(keywords).join('|')`, with the word boundary that every keyword
 * shares on a side hoisted out of the group: `\b(?:movie|film)\b` matches exactly what `\bmovie\b|\bfilm\b`
 * does (backtracking tries the same alternatives in the same order), but V8 tests the boundary once per
 * position instead of once per keyword and can skip ahead on the keywords' first letters. The scope rule
 * counts its vocabulary with it on every chat prompt; this form is several times faster there.
 * Empty when no keyword is left.
 */
export function literalAlternation(keywords: readonly string[]): string {
  const kept = keywords.filter((keyword) => keyword !== '').sort((a, b) => b.length - a.length);
  if (kept.length === 0) return '';
  const left = kept.every((keyword) => /^\w/.test(keyword));
  const right = kept.every((keyword) => /\w$/.test(keyword));
  const inner = kept.map((keyword) => {
    const l = !left && /^\w/.test(keyword) ? '\\b' : '';
    const r = !right && /\w$/.test(keyword) ? '\\b' : '';
    return `${l}${escapeLiteral(keyword)}${r}`;
  });
  return `${left ? '\\b' : ''}(?:${inner.join('|')})${right ? '\\b' : ''}`;
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
