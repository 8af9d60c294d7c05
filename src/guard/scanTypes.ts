// The guard's public shapes: what callers pass to a scan, what they get back, and the Guard interface that
// both the policy-driven scanner and the fail-closed guard implement.
import type { FindingCategory } from './detectorTypes';
import type { ScanDirection } from './auditEvents';
import type { LayerName } from './policyMerge';
import type { GuardFeature, PolicyMode, RuleAction, Severity } from './policySchema';
import type { RedactionMap } from './redactionMap';
import type { OutputStreamScanner } from './streamScanner';

export type GuardDecision = 'allow' | 'redact' | 'block' | 'warn';

export interface ScanContext {
  feature: GuardFeature;
  /** Workspace-relative path of the file the text comes from, when there is one. */
  filePath?: string;
  languageId?: string;
  /**
   * The request's redaction map. Pass the same map to every scan of one request (prefix and suffix of a
   * completion, several context snippets) so that one value gets one placeholder across them.
   */
  redactions?: RedactionMap;
}

/** One rule firing. Shown to users and written to reports: it carries positions, never the matched value. */
export interface GuardFinding {
  ruleId: string;
  category: FindingCategory;
  /** UTF-16 offsets into the scanned text, end exclusive; 0/0 for path findings. */
  start: number;
  end: number;
  /** 1-based line and column of `start`. */
  line: number;
  column: number;
  action: RuleAction;
  severity: Severity;
  direction: ScanDirection;
  /** The detector id for detector rules, otherwise the rule id: the placeholder label. */
  label: string;
  layer: LayerName | 'guard';
  message: string;
}

export interface ScanResult {
  /** What to do. In monitor mode always 'allow'; `monitoredDecision` says what enforce mode would do. */
  decision: GuardDecision;
  /** The text to send: redacted when the decision is 'redact', '' when 'block', else unchanged. */
  text: string;
  findings: GuardFinding[];
  /** The request's map (the one passed in the context, or a new one). */
  redactions: RedactionMap;
  mode: PolicyMode;
  /** In monitor mode, the decision enforce mode would have made. */
  monitoredDecision?: GuardDecision;
  /** One line for the user when the decision is not 'allow'. */
  summary?: string;
}

/** What the scope rule's moderation endpoint is asked; the text is already redacted. */
export interface ModerationRequest {
  url: string;
  text: string;
  timeoutMs: number;
}

export interface ModerationVerdict {
  flagged: boolean;
  /** Category names the endpoint reported; shown in the finding message. */
  categories?: string[];
}

/** Calls a moderation endpoint; injected so that the guard does no networking of its own. */
export type Moderator = (request: ModerationRequest) => Promise<ModerationVerdict>;

export interface Guard {
  readonly mode: PolicyMode;
  /** Why every request is refused, when the guard is failing closed. */
  readonly failure?: string;
  /** Checks a file by its path alone, before its content is read. */
  checkPath(filePath: string, ctx: ScanContext): ScanResult;
  scanInput(text: string, ctx: ScanContext): ScanResult;
  /** `scanInput`, then the scope rule's moderation endpoint when one is configured. */
  scanInputWithModeration(text: string, ctx: ScanContext): Promise<ScanResult>;
  scanOutput(text: string, ctx: ScanContext): ScanResult;
  openOutputStream(ctx: ScanContext): OutputStreamScanner;
}
