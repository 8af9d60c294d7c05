// Check digits and validity rules for personal identifiers: Chinese resident ID numbers (ISO 7064
// MOD 11-2, region code, birth date), payment card numbers (Luhn) and IBANs (ISO 13616 mod 97).
// Validating by checksum is what keeps random digit runs from being reported as personal data.

// Province-level prefixes of the administrative division codes (GB/T 2260), plus 81/82/83 used by the
// residence permits of Hong Kong, Macao and Taiwan residents.
const CN_PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
  62, 63, 64, 65, 71, 81, 82, 83,
]);

export function isValidCnRegionCode(code: string): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  if (!CN_PROVINCES.has(Number(code.slice(0, 2)))) return false;
  return code.slice(2) !== '0000';
}

/** A real calendar date between 1900-01-01 and today. */
export function isValidBirthDate(year: number, month: number, day: number, now = new Date()): boolean {
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return false;
  return d.getTime() <= now.getTime();
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** The ISO 7064 MOD 11-2 check character for the first 17 digits of an 18-digit ID number. */
export function cnIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK.charAt(sum % 11);
}

/** An 18-digit (checksum) or 15-digit (pre-1999, no checksum) Chinese resident ID number. */
export function isValidCnResidentId(id: string, now = new Date()): boolean {
  if (/^\d{17}[\dXx]$/.test(id)) {
    if (!isValidCnRegionCode(id.slice(0, 6))) return false;
    const y = Number(id.slice(6, 10));
    const m = Number(id.slice(10, 12));
    const d = Number(id.slice(12, 14));
    if (!isValidBirthDate(y, m, d, now)) return false;
    return cnIdCheckChar(id.slice(0, 17)) === id.charAt(17).toUpperCase();
  }
  if (/^\d{15}$/.test(id)) {
    if (!isValidCnRegionCode(id.slice(0, 6))) return false;
    const y = 1900 + Number(id.slice(6, 8));
    return isValidBirthDate(y, Number(id.slice(8, 10)), Number(id.slice(10, 12)), now);
  }
  return false;
}

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let n = digits.charCodeAt(i) - 48;
    if (double) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The digit that makes `partial` + digit pass Luhn (for generating test data and fixtures). */
export function luhnCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(partial + String(d))) return String(d);
  return '0';
}

// IBAN lengths by country (SWIFT IBAN registry).
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

/** ISO 7064 mod 97-10 over the rearranged IBAN; 1 means valid. */
export function ibanMod97(iban: string): number {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 && code <= 90 ? code - 55 : code - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem;
}

export function isValidIban(raw: string): boolean {
  const iban = raw.replace(/[ -]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const len = IBAN_LENGTHS[iban.slice(0, 2)];
  if (len === undefined || iban.length !== len) return false;
  return ibanMod97(iban) === 1;
}
