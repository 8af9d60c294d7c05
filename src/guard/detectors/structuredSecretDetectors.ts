// Secrets recognised by structure rather than by a vendor prefix: PEM private keys, JWTs, credentials
// in URLs and database connection strings, Authorization headers, passwords assigned in code and
// config files, and the generic high-entropy assignment rule.
import type { DetectorMatch } from '../detectorTypes';
import { patternDetector, Specificity } from './patternDetector';
import type { RankedDetector } from './patternDetector';
import {
  isHexDigest,
  isIntegrityString,
  isPlaceholderValue,
  isUuid,
  isWeakAssignedValue,
  shannonEntropy,
} from './secretAllowlist';

// ---------------------------------------------------------------------------------------------------
// PEM private keys

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----/g;
// What may follow a BEGIN line when the END line is missing (a truncated paste): base64, headers such
// as Proc-Type and DEK-Info, and escaped newlines inside JSON or code strings.
const PEM_BODY = /(?:[A-Za-z0-9+/=:,\- \t\r\n]|\\n|\\r)*/y;
const MAX_PEM = 64 * 1024;

function pemDetector(id: string, description: string, accepts: (label: string) => boolean): RankedDetector {
  return {
    id,
    category: 'secret',
    description,
    keywords: ['private key-----', 'private key block-----'],
    specificity: Specificity.structured,
    find(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      for (const m of text.matchAll(PEM_BEGIN)) {
        const label = m[1] ?? '';
        if (!accepts(label)) continue;
        const start = m.index;
        const bodyStart = start + m[0].length;
        const endMarker = `-----END ${label}-----`;
        const endAt = text.indexOf(endMarker, bodyStart);
        let end: number;
        let body: string;
        if (endAt >= 0 && endAt - bodyStart <= MAX_PEM) {
          end = endAt + endMarker.length;
          body = text.slice(bodyStart, endAt);
        } else {
          PEM_BODY.lastIndex = bodyStart;
          const tail = PEM_BODY.exec(text);
          body = tail ? tail[0] : '';
          end = bodyStart + body.replace(/[\s\\nr]+$/, '').length;
        }
        // A header line with an ellipsis or a placeholder is documentation, not a key.
        const base64Chars = body.replace(/\\n|\\r|[^A-Za-z0-9+/=]/g, '').length;
        if (base64Chars < 64 || isPlaceholderValue(body)) continue;
        out.push({ start, end });
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// JWTs

function decodeJsonPart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isJwt(value: string): boolean {
  const [header, payload] = value.split('.');
  if (header === undefined || payload === undefined) return false;
  const h = decodeJsonPart(header);
  if (typeof h !== 'object' || h === null || typeof (h as { alg?: unknown }).alg !== 'string') return false;
  // The jwt.io sample token is everywhere in tutorials.
  const p = decodeJsonPart(payload);
  if (typeof p === 'object' && p !== null && (p as { name?: unknown }).name === 'John Doe') return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Credentials in URLs and connection strings

const URL_PASSWORD_WORDS = /^(?:pass|pwd|passwd|password|secret|pw|user|username|x-oauth-basic)$/i;

function isRealUrlPassword(value: string): boolean {
  if (value.length < 3) return false;
  if (URL_PASSWORD_WORDS.test(value)) return false;
  if (/^\d{1,5}$/.test(value)) return false; // host:port mistaken for user:pass
  return !isWeakAssignedValue(value);
}

function urlCredentialDetector(
  id: string,
  description: string,
  scheme: string,
  keywords: readonly string[],
  specificity: number,
): RankedDetector {
  return patternDetector({
    id,
    description,
    keywords,
    specificity,
    // Anchored on '://' with the scheme checked by a lookbehind: scanning for a literal is far cheaper
    // than trying a scheme at every word.
    pattern: new RegExp(
      `://(?<=(?<![A-Za-z0-9+.-])(?:${scheme})://)[^\\s:/?#@"'<>]{0,64}:(?<v>[^\\s:/?#@"'<>]{1,128})@[A-Za-z0-9_.\\[\\]-]+`,
      'gi',
    ),
    validate: (value) => isRealUrlPassword(value),
  });
}

// ---------------------------------------------------------------------------------------------------
// Passwords and secrets assigned to key-like names

const PASSWORD_WORDS = 'password|passwd|passphrase|pwd|pass';
const PASSWORD_WORD = new RegExp(`^(?:${PASSWORD_WORDS})$`, 'i');
const SECRET_WORDS =
  'secret(?:[_-]?key)?|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|(?:private|signing|encryption|master)[_-]?key|client[_-]?secret|credentials?';

// The regex starts at the keyword (not at the start of the identifier) so that the engine can skip
// quickly over text without one; the rest of the key is recovered by scanning backwards.
const KEYED = new RegExp(
  `(?<word>${PASSWORD_WORDS}|${SECRET_WORDS})(?:[_-]?(?:value|str|string|plain))?` +
    `["'\`]?\\s{0,4}(?::=|=>|=(?!=)|:(?!:)|>)[ \\t]{0,4}` +
    `(?:(?<q>["'\`])(?<qv>[^"'\`\\r\\n]{1,400}?)\\k<q>|(?<uv>[^\\s"'\`<>,;()\\[\\]{}]{1,400}))`,
  'gdi',
);

function isKeyChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45
  );
}

/** Start of the identifier (letters, digits, _ . -) that ends at `end`, at most 40 characters back. */
function keyStart(text: string, end: number): number {
  let i = end;
  while (i > 0 && end - i < 40 && isKeyChar(text.charCodeAt(i - 1))) i--;
  return i;
}

/** The keyword starts a word inside the key: at the start, after a separator, or at a camelCase hump. */
function startsWord(key: string, wordStart: number): boolean {
  if (wordStart === 0) return true;
  const prev = key.charAt(wordStart - 1);
  if (prev === '_' || prev === '-' || prev === '.') return true;
  const first = key.charAt(wordStart);
  return /[a-z0-9]/.test(prev) && /[A-Z]/.test(first);
}

// Identifier shapes: camelCase, PascalCase, snake_case, CONSTANT_CASE. A random password rarely has
// such regular casing; a variable name in code always does.
const IDENTIFIER_SHAPES = [
  /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+)*$/,
  /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)*$/,
  /^[a-z_$][a-z0-9_$]*$/,
  /^[A-Z_$][A-Z0-9_$]*$/,
];

function isCodeReference(value: string): boolean {
  // Member accesses (config.db.password, this.options.token) are code.
  if (/^[A-Za-z_$][\w$]*(?:\.[\w$]+)+$/.test(value)) return true;
  if (/^![A-Za-z]+$/.test(value)) return true; // YAML tags such as !vault
  if (/\d/.test(value) && /[a-z]/i.test(value) && !/^[a-z_]+\d*$/i.test(value)) return false;
  return IDENTIFIER_SHAPES.some((re) => re.test(value));
}

interface KeyedMatch {
  start: number;
  end: number;
  value: string;
  quoted: boolean;
  isPassword: boolean;
  key: string;
}

function* keyedAssignments(text: string): Generator<KeyedMatch> {
  for (const m of text.matchAll(KEYED)) {
    const g = m.groups;
    const gi = m.indices?.groups;
    if (!g || !gi) continue;
    const word = g.word ?? '';
    const wordSpan = gi.word;
    if (!wordSpan) continue;
    const ks = keyStart(text, wordSpan[0]);
    const key = text.slice(ks, wordSpan[1]);
    if (!startsWord(key, wordSpan[0] - ks)) continue;
    const quoted = g.qv !== undefined;
    const span = quoted ? gi.qv : gi.uv;
    const value = quoted ? g.qv : g.uv;
    if (!span || value === undefined) continue;
    yield {
      start: span[0],
      end: span[1],
      value,
      quoted,
      isPassword: PASSWORD_WORD.test(word),
      key,
    };
  }
}

function isPlausibleAssignedSecret(a: KeyedMatch): boolean {
  const v = a.value;
  if (/\s/.test(v)) return false;
  if (isWeakAssignedValue(v)) return false;
  if (!a.quoted && isCodeReference(v)) return false;
  if (/^\d+$/.test(v) && v.length < 8) return false;
  if (a.isPassword) return v.length >= 6;
  // Token-like names need a token-like value: long enough and not a plain word.
  return v.length >= 8 && shannonEntropy(v) >= 2.8 && !/^[A-Za-z]+$/.test(v);
}

function passwordAssignmentDetector(): RankedDetector {
  return {
    id: 'password-assignment',
    category: 'secret',
    description: 'Password or secret assigned in code, .env, YAML, JSON, properties or XML',
    keywords: ['pass', 'pwd', 'secret', 'token', 'key', 'credential'],
    specificity: Specificity.assignment,
    find(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      for (const a of keyedAssignments(text)) {
        if (isPlausibleAssignedSecret(a)) out.push({ start: a.start, end: a.end });
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Generic high-entropy values assigned to key-like names

const GENERIC = new RegExp(
  `(?<key>(?:key|secret|token|auth|credential|passw(?:or)?d|pwd|salt|signature|sig|private|cert|hmac|session)[A-Za-z0-9_.-]{0,20}?)` +
    `["'\`]?\\s{0,4}(?::=|=>|=(?!=)|:(?!:)|,)\\s{0,4}["'\`]?` +
    `(?<v>[A-Za-z0-9+/=_.~-]{16,500})(?![A-Za-z0-9+/=_.~-])`,
  'gdi',
);

const HASH_KEY = /hash|sha|md5|digest|checksum|integrity|etag|commit|rev|fingerprint|nonce|id$/i;

/** Entropy threshold: hex carries at most 4 bits per char, base64-ish up to 6. */
export const GENERIC_ENTROPY_THRESHOLD = { hex: 3.0, other: 3.6 } as const;

// Publishable keys are meant to ship to browsers.
const PUBLIC_KEY_NAME = /public|publishable|pub[_-]?key/i;

export function isHighEntropySecret(value: string, key: string): boolean {
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  if (PUBLIC_KEY_NAME.test(key) || /^pk[_.]/.test(value)) return false;
  if (isUuid(value) || isIntegrityString(value) || isPlaceholderValue(value)) return false;
  if (/^[0-9a-f]+$/i.test(value)) {
    if (value.length === 40 || (isHexDigest(value) && HASH_KEY.test(key))) return false;
    return value.length >= 20 && shannonEntropy(value) >= GENERIC_ENTROPY_THRESHOLD.hex;
  }
  // Paths, dotted names and versions are not secrets even when long.
  if (/^[a-z0-9_.-]+(?:\/[a-z0-9_.-]+)+\/?$/.test(value)) return false;
  if (/^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$/.test(value)) return false;
  return shannonEntropy(value) >= GENERIC_ENTROPY_THRESHOLD.other;
}

function genericEntropyDetector(): RankedDetector {
  return {
    id: 'generic-high-entropy-secret',
    category: 'secret',
    description: 'High-entropy value assigned to a key-like name',
    keywords: [
      'key',
      'secret',
      'token',
      'auth',
      'credential',
      'pass',
      'pwd',
      'salt',
      'sig',
      'private',
      'cert',
      'hmac',
      'session',
    ],
    specificity: Specificity.generic,
    find(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      for (const m of text.matchAll(GENERIC)) {
        const span = m.indices?.groups?.v;
        const value = m.groups?.v;
        const keySpan = m.indices?.groups?.key;
        if (!span || !keySpan || value === undefined) continue;
        const key = text.slice(keyStart(text, keySpan[0]), keySpan[1]);
        if (isHighEntropySecret(value, key)) out.push({ start: span[0], end: span[1] });
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------

export function structuredSecretDetectors(): RankedDetector[] {
  return [
    pemDetector('pem-private-key', 'PEM private key (RSA, EC, DSA, PKCS#8, encrypted PKCS#8)', (l) =>
      /^(?:(?:RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY$/.test(l),
    ),
    pemDetector(
      'openssh-private-key',
      'OpenSSH private key',
      (l) => l === 'OPENSSH PRIVATE KEY' || l === 'SSH2 ENCRYPTED PRIVATE KEY',
    ),
    pemDetector('pgp-private-key', 'PGP private key block', (l) => l === 'PGP PRIVATE KEY BLOCK'),
    patternDetector({
      id: 'jwt',
      description: 'JSON Web Token',
      keywords: ['eyj'],
      specificity: Specificity.structured,
      pattern:
        /(?<![A-Za-z0-9_.-])(?<v>eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_.-])/g,
      validate: (value) => isJwt(value),
    }),
    patternDetector({
      id: 'authorization-header',
      description: 'Credential in an HTTP Authorization header',
      keywords: ['authorization'],
      specificity: Specificity.structured,
      pattern:
        /authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|apikey|digest)\s+(?<v>[A-Za-z0-9+/=_.~-]{16,})/gi,
      validate: (value) => shannonEntropy(value) >= 3,
    }),
    urlCredentialDetector(
      'postgres-connection-string',
      'PostgreSQL connection string with a password',
      'postgres(?:ql)?(?:\\+\\w+)?',
      ['postgres'],
      Specificity.structured + 0.5,
    ),
    urlCredentialDetector(
      'mysql-connection-string',
      'MySQL / MariaDB connection string with a password',
      '(?:mysql|mariadb)(?:\\+\\w+)?',
      ['mysql', 'mariadb'],
      Specificity.structured + 0.5,
    ),
    urlCredentialDetector(
      'mongodb-connection-string',
      'MongoDB connection string with a password',
      'mongodb(?:\\+srv)?',
      ['mongodb'],
      Specificity.structured + 0.5,
    ),
    patternDetector({
      id: 'redis-connection-string',
      description: 'Redis connection string with a password',
      keywords: ['redis'],
      specificity: Specificity.structured + 0.5,
      pattern:
        /(?<![A-Za-z0-9+.-])rediss?:\/\/[^\s:/?#@"'<>]{0,64}:(?<v>[^\s:/?#@"'<>]{1,128})@[A-Za-z0-9_.[\]-]+/gi,
      validate: (value) => isRealUrlPassword(value),
    }),
    patternDetector({
      id: 'jdbc-connection-string',
      description: 'JDBC URL with a password',
      keywords: ['jdbc:'],
      specificity: Specificity.structured + 0.5,
      pattern: /jdbc:[a-z0-9]+:[^\s"'<>]{0,300}?[?&;:]password=(?<v>[^&;\s"'<>]{1,128})/gi,
      validate: (value) => isRealUrlPassword(value),
    }),
    patternDetector({
      id: 'jdbc-oracle-password',
      description: 'Oracle thin JDBC URL with user/password',
      keywords: ['jdbc:oracle:thin:'],
      specificity: Specificity.structured + 0.5,
      pattern: /jdbc:oracle:thin:[\w.$-]{1,64}\/(?<v>[^@\s/"']{1,128})@/gi,
      validate: (value) => isRealUrlPassword(value),
    }),
    patternDetector({
      id: 'sqlserver-connection-string',
      description: 'SQL Server / ADO.NET connection string with Password= or Pwd=',
      keywords: ['password=', 'pwd='],
      specificity: Specificity.structured + 0.5,
      pattern:
        /(?:Server|Data Source|Host|Address|Addr)\s*=\s*[^;"'\n]{1,200};[^"'\n]{0,300}?\b(?:Password|Pwd)\s*=\s*(?<v>[^;"'\n]{1,128})/gi,
      validate: (value) => isRealUrlPassword(value.trim()),
    }),
    urlCredentialDetector(
      'url-credentials',
      'Credentials embedded in a URL (scheme://user:password@host)',
      '[a-z][a-z0-9+.-]{1,20}',
      ['://'],
      Specificity.structured,
    ),
    passwordAssignmentDetector(),
    genericEntropyDetector(),
  ];
}
