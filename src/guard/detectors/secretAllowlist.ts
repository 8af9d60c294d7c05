// Values that look like secrets but are not: placeholders, documentation examples, template and
// environment references, identifiers and hashes. Shared by every secret detector so that a
// placeholder in any token shape is ignored the same way.

// Words that mark a value as an example in any detector, even inside an otherwise well-shaped token.
const PLACEHOLDER_MARKERS = [
  'example',
  'xxxx',
  '****',
  '••••',
  '....',
  'redacted',
  'changeme',
  'change_me',
  'change-me',
  'placeholder',
  'dummy',
  'sample',
  'fake',
  'your_',
  'your-',
  'yourkey',
  'yourtoken',
  'insert_',
  'replace_',
  'replaceme',
  'todo',
  'notreal',
  'not_a_real',
  'not-a-real',
];

// Template and environment references: ${VAR}, {{ var }}, <your-key>, %(name)s, $VAR, process.env.X...
const REFERENCE =
  /\$\{|\{\{|\}\}|<[^>]*>|%\(|%s\b|^\$[A-Za-z_]|process\.env|os\.environ|os\.getenv|getenv\(|ENV\[|System\.getenv|secrets\.|vault:|env\(/i;

/** True for placeholders and documentation values that no detector should report. */
export function isPlaceholderValue(value: string): boolean {
  const lower = value.toLowerCase();
  for (const marker of PLACEHOLDER_MARKERS) if (lower.includes(marker)) return true;
  if (REFERENCE.test(value)) return true;
  return isLowVariety(value);
}

// Words that mark a value as a test or demo value when it is assigned to a key; these are too short
// to apply inside random tokens (Stripe's `sk_test_` keys are real credentials).
const WEAK_WORDS =
  /(?:^|[^a-z])(?:test|testing|mock|demo|foo|bar|baz|secret|password|passwd|token|none|null|nil|undefined|true|false|string|str|int|number|boolean|required|optional|hidden|empty|default)(?:[^a-z]|$)/i;

/** Placeholder check for values assigned to password-like keys. */
export function isWeakAssignedValue(value: string): boolean {
  if (isPlaceholderValue(value)) return true;
  if (WEAK_WORDS.test(value)) return true;
  return false;
}

/** A value made of very few distinct characters or of a long ascending run (000000, abcdef, 123456789). */
export function isLowVariety(value: string): boolean {
  if (value.length < 8) return false;
  const body = value.replace(/^[A-Za-z]{1,8}[_.-]/, '');
  const distinct = new Set(body).size;
  if (body.length >= 12 && distinct <= 3) return true;
  let run = 1;
  for (let i = 1; i < body.length; i++) {
    if (body.charCodeAt(i) === body.charCodeAt(i - 1) + 1) {
      run++;
      if (run >= 7) return true;
    } else run = 1;
  }
  return false;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / value.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Hex digests of common hash lengths (MD5, SHA-1 / git, SHA-256, SHA-512). */
export function isHexDigest(value: string): boolean {
  return /^[0-9a-f]+$/i.test(value) && [32, 40, 64, 128].includes(value.length);
}

/** Subresource-integrity strings as found in lockfiles: sha512-<base64>. */
export function isIntegrityString(value: string): boolean {
  return /^sha(?:1|256|384|512)-[A-Za-z0-9+/]+={0,2}$/.test(value);
}
