// The contract between the detector catalogue (secrets, personal data) and the scanner that runs it.
// Detectors are pure: text in, matches out. They know nothing of policies, actions or directions.

/** What kind of sensitive content a finding is; matches the CLI's and the audit log's `category`. */
export type FindingCategory = 'secret' | 'pii' | 'policy' | 'scope' | 'path';

/** One place in a text where a detector found something. Offsets are UTF-16 code units, end exclusive. */
export interface DetectorMatch {
  start: number;
  end: number;
}

/**
 * A built-in detector. `keywords` feed the prefilter: the detector runs on a text only when one of its
 * keywords occurs in it (case-insensitive). An empty list means "always run" (reserve that for detectors
 * whose shape has no fixed substring, such as phone numbers, and keep those cheap).
 */
export interface Detector {
  /** Stable id used in policies, allowlists, placeholders and the audit log, e.g. `aws-access-key`. */
  readonly id: string;
  readonly category: FindingCategory;
  /** A human description shown in the policy editor and in block messages. */
  readonly description: string;
  readonly keywords: readonly string[];
  find(text: string): DetectorMatch[];
}
