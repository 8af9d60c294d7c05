// Personal-data detectors: e-mail addresses, phone numbers, Chinese resident ID numbers, payment
// cards, IBANs, IP addresses and passport numbers. Whatever carries a checksum is validated by it,
// and no match is taken from inside a longer digit run or identifier.
import { isIPv6 } from 'node:net';
import type { DetectorMatch } from '../detectorTypes';
import { patternDetector, Specificity } from './patternDetector';
import type { RankedDetector } from './patternDetector';
import {
  isValidBirthDate,
  isValidCnRegionCode,
  isValidCnResidentId,
  isValidIban,
  luhnValid,
} from './piiChecksums';

// ---------------------------------------------------------------------------------------------------
// E-mail

const EXAMPLE_DOMAINS =
  /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost|local|gserviceaccount\.com|users\.noreply\.github\.com)$/i;
// user:password@host inside a URL is a credential (the secret detectors report it), not an address.
const URL_USERINFO_BEFORE = /[a-z][a-z0-9+.-]*:\/\/[^\s/@"'<>]*$/i;
const NON_PERSONAL_LOCAL = /^(?:no-?reply|do-?not-?reply|git|mailer-daemon|postmaster)$/i;
// `icon@2x.png` and `module@1.2.js` look like addresses but end in a file extension.
const FILE_EXTENSIONS = new Set(
  'png jpg jpeg gif svg webp ico bmp js mjs cjs ts tsx jsx css scss less json yaml yml xml html md txt map wasm py go rs java rb php'.split(
    ' ',
  ),
);

function isPersonalEmail(value: string, text: string, start: number): boolean {
  if (URL_USERINFO_BEFORE.test(text.slice(Math.max(0, start - 200), start))) return false;
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (EXAMPLE_DOMAINS.test(domain) || NON_PERSONAL_LOCAL.test(local) || /noreply/i.test(domain)) return false;
  const tld = domain.slice(domain.lastIndexOf('.') + 1).toLowerCase();
  return !FILE_EXTENSIONS.has(tld);
}

function isLocalPartChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 46 || // .
    c === 95 || // _
    c === 37 || // %
    c === 43 || // +
    c === 45 // -
  );
}
const EMAIL_DOMAIN =
  /(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-]|\.[A-Za-z0-9])/y;

// Anchored on '@' and expanded both ways, instead of a regex that would try a local part at every word.
function emailDetector(): RankedDetector {
  return {
    id: 'email-address',
    category: 'pii',
    description: 'E-mail address',
    keywords: ['@'],
    specificity: Specificity.structured,
    find(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      const domain = new RegExp(EMAIL_DOMAIN.source, 'y');
      for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
        let start = at;
        while (start > 0 && at - start < 65 && isLocalPartChar(text.charCodeAt(start - 1))) start--;
        if (at - start > 64 || start === at) continue;
        // The local part starts with a letter or digit.
        while (start < at && !/[A-Za-z0-9]/.test(text.charAt(start))) start++;
        if (start === at) continue;
        domain.lastIndex = at + 1;
        const d = domain.exec(text);
        if (!d) continue;
        const end = at + 1 + d[0].length;
        const value = text.slice(start, end);
        if (isPersonalEmail(value, text, start)) out.push({ start, end });
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Phone numbers

// Mainland mobile prefixes as allocated: 13x, 145-149, 15x except 154, 162/165/166/167, 170-178, 18x,
// 19x except 194.
const CN_MOBILE = '1(?:3\\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\\d|9[0-35-9])(?:\\d{8}|[ -]\\d{4}[ -]\\d{4})';

function cnMobileDetector(): RankedDetector {
  return patternDetector({
    id: 'cn-mobile-number',
    category: 'pii',
    description: 'Mainland China mobile phone number',
    keywords: [],
    specificity: Specificity.checksum,
    pattern: new RegExp(`(?<![\\w+./-])(?<v>(?:(?:\\+|00)86[ -]?)?${CN_MOBILE})(?![\\w]|[./-]\\d)`, 'g'),
  });
}

function internationalPhoneDetector(): RankedDetector {
  return patternDetector({
    id: 'phone-number-e164',
    category: 'pii',
    description: 'International phone number in E.164 form (+country code)',
    keywords: [],
    specificity: Specificity.structured,
    pattern: /(?<![\w+])(?<v>\+[1-9][\d ().-]{6,22}\d)(?![\w]|[.-]\d)/g,
    validate: (value) => {
      const digits = value.replace(/\D/g, '');
      if (digits.length < 8 || digits.length > 15) return false;
      // Separators are single characters between digit groups, never doubled.
      return !/[ .-]{2}|\(\)/.test(value);
    },
  });
}

// ---------------------------------------------------------------------------------------------------
// Identity numbers, cards, IBAN

function cnResidentIdDetector(): RankedDetector {
  return patternDetector({
    id: 'cn-resident-id',
    category: 'pii',
    description: 'Chinese resident identity card number (18-digit with checksum, or 15-digit)',
    keywords: [],
    specificity: Specificity.checksum + 1,
    pattern: /(?<![\w.])(?<v>\d{17}[\dXx]|\d{15})(?![\w]|\.\d)/g,
    validate: (value) => isValidCnResidentId(value),
  });
}

/** Plausible issuer prefixes: Mastercard 2-series, Amex/JCB/Diners, Visa, Mastercard/Maestro, UnionPay/Discover. */
function hasCardIssuerPrefix(digits: string): boolean {
  const two = Number(digits.slice(0, 2));
  switch (digits.charAt(0)) {
    case '2':
      return two >= 22 && two <= 27;
    case '3':
      return two === 30 || two === 34 || two === 35 || two === 36 || two === 37 || two === 38;
    case '4':
      return true;
    case '5':
      return two >= 50 && two <= 58;
    case '6':
      return two === 60 || two === 62 || two === 63 || two === 64 || two === 65 || two === 67 || two === 69;
    default:
      return false;
  }
}

export function isPlausibleCardNumber(value: string): boolean {
  const digits = value.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  const seps = value.match(/[ -]/g);
  if (seps && new Set(seps).size > 1) return false;
  if (/^(\d)\1+$/.test(digits)) return false;
  // An 18-digit number with a valid region code and birth date is a resident ID with a typo, not a card.
  if (
    digits.length === 18 &&
    isValidCnRegionCode(digits.slice(0, 6)) &&
    isValidBirthDate(Number(digits.slice(6, 10)), Number(digits.slice(10, 12)), Number(digits.slice(12, 14)))
  )
    return false;
  // Lengths other than 16-19 belong to specific brands: 15 Amex, 14 Diners, 13 old Visa.
  const two = digits.slice(0, 2);
  if (digits.length === 15 && two !== '34' && two !== '37') return false;
  if (digits.length === 14 && two !== '30' && two !== '36' && two !== '38') return false;
  if (digits.length === 13 && digits.charAt(0) !== '4') return false;
  return hasCardIssuerPrefix(digits) && luhnValid(digits);
}

function bankCardDetector(): RankedDetector {
  return patternDetector({
    id: 'bank-card-number',
    category: 'pii',
    description: 'Payment card number (13-19 digits, Luhn-valid; Visa, Mastercard, UnionPay, Amex...)',
    keywords: [],
    specificity: Specificity.checksum,
    // Not preceded by another digit group: the tail of a space-grouped IBAN or account number.
    pattern: /(?<![\w.-]|\d[ -])(?<v>[2-6]\d{3}(?:[ -]\d{3,6}){2,4}|[2-6]\d{12,18})(?![\w]|[.-]\d)/g,
    validate: (value) => isPlausibleCardNumber(value),
  });
}

function ibanDetector(): RankedDetector {
  return patternDetector({
    id: 'iban',
    category: 'pii',
    description: 'International bank account number (IBAN, mod-97 valid)',
    keywords: [],
    specificity: Specificity.checksum,
    pattern:
      /(?<![\w])(?<v>[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?))(?![\w])/g,
    validate: (value) => isValidIban(value),
  });
}

// ---------------------------------------------------------------------------------------------------
// IP addresses

export interface IpDetectorOptions {
  /** Report private, loopback, link-local and documentation addresses too. Default false. */
  includePrivate?: boolean;
}

function isNonPublicIpv4(octets: number[]): boolean {
  const [a = 0, b = 0, c = 0] = octets;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    a >= 224 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113)
  );
}

function isNonPublicIpv6(addr: string): boolean {
  const lower = addr.toLowerCase();
  if (lower === '::' || lower === '::1') return true;
  const first = parseInt(lower.split(':')[0] || '0', 16);
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xff00) === 0xff00 || // multicast
    lower.startsWith('2001:db8:') || // documentation
    lower.startsWith('::ffff:')
  );
}

const IPV4 = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g;
// Candidates are found from a ':' with a hex group and another ':' (cheap to scan for), then widened.
const IPV6_SEED = /:[0-9A-Fa-f]{0,4}:/g;
const IPV6_CHARS = /[0-9A-Fa-f:]/;
// "version 1.2.3.4", "v1.2.3.4", "ver: 2.0.0.1": dotted quads that are versions, not addresses.
const VERSION_CONTEXT = /(?:version|ver|release|build|v)["']?\s*[:=]?\s*["']?$/i;

/** IPv4 and IPv6 addresses; by default private, loopback and documentation ranges are skipped. */
export function createIpAddressDetector(options: IpDetectorOptions = {}): RankedDetector {
  const includePrivate = options.includePrivate === true;
  return {
    id: 'ip-address',
    category: 'pii',
    description: includePrivate ? 'IP address' : 'Public IP address',
    keywords: [],
    specificity: Specificity.structured,
    find(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      for (const m of text.matchAll(IPV4)) {
        const value = m[0];
        const start = m.index;
        const end = start + value.length;
        // Not inside a longer dotted number, identifier, version or package spec.
        if (start > 0 && /[\w.:@-]/.test(text.charAt(start - 1))) continue;
        if (/\w/.test(text.charAt(end)) || /^\.\d/.test(text.slice(end, end + 2))) continue;
        const octets = value.split('.').map(Number);
        if (
          octets.some(
            (o, i) =>
              o > 255 || ((value.split('.')[i]?.length ?? 0) > 1 && value.split('.')[i]?.startsWith('0')),
          )
        )
          continue;
        if (VERSION_CONTEXT.test(text.slice(Math.max(0, start - 24), start))) continue;
        if (octets.every((o) => o === 0)) continue;
        if (!includePrivate && isNonPublicIpv4(octets)) continue;
        out.push({ start, end });
      }
      let scannedTo = 0;
      for (const m of text.matchAll(IPV6_SEED)) {
        if (m.index < scannedTo) continue;
        let start = m.index;
        let end = m.index + m[0].length;
        while (start > 0 && IPV6_CHARS.test(text.charAt(start - 1))) start--;
        while (end < text.length && IPV6_CHARS.test(text.charAt(end))) end++;
        scannedTo = end;
        if (start > 0 && /[\w.]/.test(text.charAt(start - 1))) continue;
        if (/\w/.test(text.charAt(end)) || /^\.\d/.test(text.slice(end, end + 2))) continue;
        const value = text.slice(start, end);
        if (value.length > 39) continue;
        const groups = value.split(':').filter((g) => g.length > 0).length;
        if (groups < 3 && !(includePrivate && value === '::1')) continue;
        if (!isIPv6(value)) continue;
        if (!includePrivate && isNonPublicIpv6(value)) continue;
        out.push({ start, end });
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Passport numbers (only near a passport keyword: the shapes alone are too common)

const PASSPORT_KEYWORD = /passport|护照/gi;
const PASSPORT_NUMBER =
  /(?<![A-Za-z0-9])(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7}|[A-Z]{1,2}\d{6,9}|\d{9})(?![A-Za-z0-9])/g;

function passportDetector(): RankedDetector {
  return {
    id: 'passport-number',
    category: 'pii',
    description: 'Passport number next to a "passport" / "护照" label',
    keywords: ['passport', '护照'],
    specificity: Specificity.structured,
    find(text: string): DetectorMatch[] {
      const out: DetectorMatch[] = [];
      let lastEnd = -1;
      for (const k of text.matchAll(PASSPORT_KEYWORD)) {
        const from = Math.max(k.index + k[0].length, lastEnd);
        const window = text.slice(from, k.index + k[0].length + 48);
        for (const m of window.matchAll(PASSPORT_NUMBER)) {
          const start = from + m.index;
          out.push({ start, end: start + m[0].length });
          lastEnd = start + m[0].length;
          break;
        }
      }
      return out;
    },
  };
}

export interface PiiDetectorOptions {
  ip?: IpDetectorOptions;
}

export function piiDetectors(options: PiiDetectorOptions = {}): RankedDetector[] {
  return [
    emailDetector(),
    cnMobileDetector(),
    internationalPhoneDetector(),
    cnResidentIdDetector(),
    bankCardDetector(),
    ibanDetector(),
    createIpAddressDetector(options.ip),
    passportDetector(),
  ];
}
