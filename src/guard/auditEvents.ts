// The guard's audit trail: one event per finding of every scan, sent to an injected sink. An event says which
// rule fired, where, and what was done; the matched value itself never appears, only a salted SHA-256 of it,
// so that a security team can tell "the same key again" without the log becoming a store of secrets.
import { createHash } from 'node:crypto';
import type { FindingCategory } from './detectorTypes';
import type { PolicyMode, RuleAction } from './policySchema';

export type ScanDirection = 'input' | 'output';

export interface AuditEvent {
  /** ISO 8601, UTC. */
  time: string;
  ruleId: string;
  category: FindingCategory;
  direction: ScanDirection;
  /** What the rule asked for (in monitor mode: what would have been done). */
  action: RuleAction;
  feature: string;
  filePath?: string;
  /** Hex SHA-256 of the installation salt and the matched value. */
  matchHash: string;
  mode: PolicyMode;
}

/** Receives audit events; must not throw (the guard swallows and ignores sink failures). */
export type AuditSink = (event: AuditEvent) => void;

export interface AuditOptions {
  sink: AuditSink;
  /** Per installation, random, kept locally: without it the hashes of short values could be brute-forced. */
  salt: string;
  clock?: () => Date;
}

/** The salted hash recorded instead of a matched value. */
export function hashMatch(salt: string, value: string): string {
  return createHash('sha256').update(salt).update('\u0000').update(value).digest('hex');
}

/** Builds events and delivers them; a failing sink never breaks a scan. */
export class AuditTrail {
  private readonly clock: () => Date;

  constructor(private readonly options: AuditOptions) {
    this.clock = options.clock ?? ((): Date => new Date());
  }

  record(event: Omit<AuditEvent, 'time' | 'matchHash'>, matchedValue: string): void {
    const full: AuditEvent = {
      time: this.clock().toISOString(),
      ...event,
      matchHash: hashMatch(this.options.salt, matchedValue),
    };
    if (full.filePath === undefined) delete full.filePath;
    try {
      this.options.sink(full);
    } catch {
      // The audit sink belongs to the caller; its failure must not turn into an unscanned request.
    }
  }
}
