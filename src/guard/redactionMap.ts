// Reversible redaction for one request: each redacted value gets a typed placeholder (`<SECRET_1:aws-access-key>`),
// the same value always the same placeholder, and the map can put the originals back into a model answer
// locally when the user inserts it. Values live in private fields, so the map never serialises them.
import type { FindingCategory } from './detectorTypes';
import type { ScanDirection } from './auditEvents';
import type { GuardFinding } from './scanTypes';

/** A placeholder prefix per category; the label after the colon is the detector or rule id. */
export type PlaceholderKind = 'SECRET' | 'PII' | 'POLICY';

const PLACEHOLDER = /<(?:SECRET|PII|POLICY)_\d+:[a-z0-9._*-]+>/g;

export class RedactionMap {
  readonly #byValue = new Map<string, string>();
  readonly #byPlaceholder = new Map<string, string>();
  readonly #counters = new Map<PlaceholderKind, number>();

  /** The placeholder for `value`, creating one numbered after those of the same kind. */
  placeholderFor(value: string, kind: PlaceholderKind, label: string): string {
    const existing = this.#byValue.get(value);
    if (existing !== undefined) return existing;
    const n = (this.#counters.get(kind) ?? 0) + 1;
    this.#counters.set(kind, n);
    const placeholder = `<${kind}_${n}:${label.toLowerCase().replace(/[^a-z0-9._*-]/g, '-')}>`;
    this.#byValue.set(value, placeholder);
    this.#byPlaceholder.set(placeholder, value);
    return placeholder;
  }

  /** Puts the original values back for every placeholder of this map; other text is untouched. */
  restore(text: string): string {
    if (this.#byPlaceholder.size === 0) return text;
    return text.replace(PLACEHOLDER, (placeholder) => this.#byPlaceholder.get(placeholder) ?? placeholder);
  }

  get size(): number {
    return this.#byPlaceholder.size;
  }

  /** The placeholders issued so far, in order. */
  placeholders(): string[] {
    return [...this.#byPlaceholder.keys()];
  }

  toJSON(): { placeholders: string[] } {
    return { placeholders: this.placeholders() };
  }
}

const PLACEHOLDER_KIND: Readonly<Record<FindingCategory, PlaceholderKind>> = {
  secret: 'SECRET',
  pii: 'PII',
  policy: 'POLICY',
  scope: 'POLICY',
  path: 'POLICY',
};
const CATEGORY_PRIORITY: Readonly<Record<FindingCategory, number>> = {
  secret: 5,
  pii: 4,
  policy: 3,
  path: 2,
  scope: 1,
};

/**
 * Replaces every span a redact finding covers. Overlapping spans become one, typed by the most sensitive
 * category among them. Prompts get reversible placeholders; answers get a plain marker that is never restored,
 * because a secret the model produced must not come back when its answer is inserted.
 */
export function applyRedactions(
  text: string,
  findings: readonly GuardFinding[],
  direction: ScanDirection,
  redactions: RedactionMap,
): string {
  const spans = findings
    .filter((f) => f.action === 'redact' && f.end > f.start)
    .sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  let i = 0;
  while (i < spans.length) {
    const first = spans[i];
    let end = first.end;
    let typed = first;
    i++;
    while (i < spans.length && spans[i].start < end) {
      const next = spans[i];
      end = Math.max(end, next.end);
      if (CATEGORY_PRIORITY[next.category] > CATEGORY_PRIORITY[typed.category]) typed = next;
      i++;
    }
    const start = Math.max(first.start, at);
    out += text.slice(at, start);
    const value = text.slice(start, end);
    out +=
      direction === 'input'
        ? redactions.placeholderFor(value, PLACEHOLDER_KIND[typed.category], typed.label)
        : `[REDACTED:${typed.label}]`;
    at = end;
  }
  return out + text.slice(at);
}
