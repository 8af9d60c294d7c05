// Small detectors and helpers for the guard's policy and scanner tests, so that those tests do not depend on
// the exact shape of the built-in catalogue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEvent } from '../../../src/guard/auditEvents';
import type { Detector, DetectorMatch } from '../../../src/guard/detectorTypes';
import { loadPolicyLayers } from '../../../src/guard/policyLoader';
import type { LoadPolicyOptions, LoadedPolicy } from '../../../src/guard/policyLoader';

function regexDetector(
  id: string,
  category: Detector['category'],
  keywords: string[],
  regex: RegExp,
): Detector {
  return {
    id,
    category,
    description: id,
    keywords,
    find(text: string): DetectorMatch[] {
      return [...text.matchAll(regex)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
    },
  };
}

export const AWS_KEY = 'AKIAZ7VRSQ5TJ3XKQ2PD';
export const OTHER_AWS_KEY = 'AKIAQ4NMB8WXC2LTR6HS';

export const TEST_DETECTORS: readonly Detector[] = [
  regexDetector('aws-access-key', 'secret', ['akia'], /\bAKIA[0-9A-Z]{16}\b/g),
  regexDetector(
    'pem-private-key',
    'secret',
    ['private key-----'],
    /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/g,
  ),
  regexDetector('email', 'pii', ['@'], /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g),
];

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'policies');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** A guard from one organisation policy text, with the test detectors and a capturing audit sink. */
export function guardFrom(
  text: string,
  extra: Partial<LoadPolicyOptions> = {},
): LoadedPolicy & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  const loaded = loadPolicyLayers({
    builtin: false,
    organisation: { origin: 'org.yaml', text },
    detectors: TEST_DETECTORS,
    audit: { sink: (e) => events.push(e), salt: 'test-salt', clock: () => new Date('2025-01-02T03:04:05Z') },
    ...extra,
  });
  return { ...loaded, events };
}
