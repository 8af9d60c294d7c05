// The events the extension sends to the metrics store: one discriminated union, `MetricEvent`, plus the
// envelope every event carries. Events hold counts, ids and hashes only, never code or matched values.

/** The four assistant features; every model request and most interactions belong to one. */
export type Feature = 'completion' | 'chat' | 'tests' | 'diagnosis';
export const FEATURES: readonly Feature[] = ['completion', 'chat', 'tests', 'diagnosis'];

/** How a model request ended: every issued request ends in exactly one of these. */
export type RequestOutcome = 'produced' | 'cancelled' | 'empty' | 'failed' | 'blocked';
export const REQUEST_OUTCOMES: readonly RequestOutcome[] = [
  'produced',
  'cancelled',
  'empty',
  'failed',
  'blocked',
];

/** Where characters added to a document came from. 'chat' also covers applied diagnosis fixes: both are
 * code from an assistant answer. */
export type CharSource = 'typed' | 'pasted' | 'completion' | 'chat' | 'tests';
export const CHAR_SOURCES: readonly CharSource[] = ['typed', 'pasted', 'completion', 'chat', 'tests'];

/** Seconds after acceptance at which the extension checks how much of an accepted suggestion is still there. */
export type RetentionCheckpoint = 30 | 120 | 300 | 600;
export const RETENTION_CHECKPOINTS: readonly RetentionCheckpoint[] = [30, 120, 300, 600];

export type GuardDirection = 'input' | 'output';
export type GuardAction = 'block' | 'redact' | 'warn';

/** What a chat, test-generation or diagnosis interaction was. `request` is the user asking; the rest is what
 * the user did with the answer. `save` is code written to a new file, not into the document being edited. */
export type InteractionAction = 'request' | 'apply' | 'insert' | 'copy' | 'save' | 'discard';

/** Fields every event carries. `eventId` is globally unique (a UUID): the store ignores an id it has seen,
 * which makes spool imports and later team sync idempotent. */
export interface EventEnvelope {
  eventId: string;
  /** UTC milliseconds since the epoch. */
  ts: number;
  developerId: string;
  machineId: string;
  /** VS Code language id of the document involved, or '' when there is none. */
  language: string;
  extensionVersion: string;
  vscodeVersion: string;
  /** Set only by the demo-data seeder, so demo rows can never pass for real ones. */
  demo?: boolean;
}

/** One model request, recorded when it reaches its terminal outcome. Debounce time is not part of it. */
export interface ModelRequestEvent extends EventEnvelope {
  kind: 'modelRequest';
  requestId: string;
  feature: Feature;
  profile: string;
  model: string;
  /** UTC ms when the request was sent; QPS and latency are bucketed by this, not by `ts`. */
  startedAt: number;
  /** Time to first token; null when no token arrived (failed, cancelled before output, blocked). */
  ttftMs: number | null;
  totalMs: number;
  promptTokens: number;
  completionTokens: number;
  outcome: RequestOutcome;
}

/** An inline suggestion was displayed. Re-displays of the same suggestion send the same `suggestionId`. */
export interface SuggestionShownEvent extends EventEnvelope {
  kind: 'suggestionShown';
  suggestionId: string;
  model: string;
  shownChars: number;
  shownLines: number;
}

/** The user accepted all (`partial: false`) or part of a suggestion. Each event carries the characters and
 * lines that this acceptance inserted; successive partial acceptances add up. */
export interface SuggestionAcceptedEvent extends EventEnvelope {
  kind: 'suggestionAccepted';
  suggestionId: string;
  model: string;
  partial: boolean;
  acceptedChars: number;
  acceptedLines: number;
}

export interface SuggestionDismissedEvent extends EventEnvelope {
  kind: 'suggestionDismissed';
  suggestionId: string;
  model: string;
}

/** How much of an accepted suggestion's text was still present `checkpointSec` seconds after acceptance. */
export interface RetentionCheckEvent extends EventEnvelope {
  kind: 'retentionCheck';
  suggestionId: string;
  model: string;
  checkpointSec: RetentionCheckpoint;
  acceptedChars: number;
  retainedChars: number;
}

/** Characters added to a document, by source. Counts only. `model` is '' for typed and pasted text. */
export interface CharsAddedEvent extends EventEnvelope {
  kind: 'charsAdded';
  source: CharSource;
  model: string;
  chars: number;
}

/** A chat, test-generation or diagnosis interaction. */
export interface InteractionEvent extends EventEnvelope {
  kind: 'interaction';
  feature: Exclude<Feature, 'completion'>;
  action: InteractionAction;
  /** True when a person started it (a message sent, a command run, an answer applied). */
  userInitiated: boolean;
  model: string;
}

/** One compliance-guard decision. `matchHash` identifies the match without storing it. */
export interface GuardDecisionEvent extends EventEnvelope {
  kind: 'guardDecision';
  ruleId: string;
  category: string;
  direction: GuardDirection;
  action: GuardAction;
  feature: Feature;
  matchHash: string;
  /** Workspace-relative path of the file the matched text came from, when it came from one. Kept locally only. */
  filePath?: string;
}

export type MetricEvent =
  | ModelRequestEvent
  | SuggestionShownEvent
  | SuggestionAcceptedEvent
  | SuggestionDismissedEvent
  | RetentionCheckEvent
  | CharsAddedEvent
  | InteractionEvent
  | GuardDecisionEvent;

export type MetricEventKind = MetricEvent['kind'];

const KINDS: ReadonlySet<string> = new Set<MetricEventKind>([
  'modelRequest',
  'suggestionShown',
  'suggestionAccepted',
  'suggestionDismissed',
  'retentionCheck',
  'charsAdded',
  'interaction',
  'guardDecision',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
function isStr(value: unknown): value is string {
  return typeof value === 'string';
}

/** Validates an event read back from a spool file (or any other untrusted source). */
export function isMetricEvent(value: unknown): value is MetricEvent {
  if (!isRecord(value)) return false;
  const v = value;
  if (!isStr(v.kind) || !KINDS.has(v.kind)) return false;
  if (!isStr(v.eventId) || v.eventId === '' || !isCount(v.ts)) return false;
  if (!isStr(v.developerId) || !isStr(v.machineId) || !isStr(v.language)) return false;
  if (!isStr(v.extensionVersion) || !isStr(v.vscodeVersion)) return false;
  if (v.demo !== undefined && typeof v.demo !== 'boolean') return false;
  switch (v.kind as MetricEventKind) {
    case 'modelRequest':
      return (
        isStr(v.requestId) &&
        FEATURES.includes(v.feature as Feature) &&
        isStr(v.profile) &&
        isStr(v.model) &&
        isCount(v.startedAt) &&
        (v.ttftMs === null || isCount(v.ttftMs)) &&
        isCount(v.totalMs) &&
        isCount(v.promptTokens) &&
        isCount(v.completionTokens) &&
        REQUEST_OUTCOMES.includes(v.outcome as RequestOutcome)
      );
    case 'suggestionShown':
      return isStr(v.suggestionId) && isStr(v.model) && isCount(v.shownChars) && isCount(v.shownLines);
    case 'suggestionAccepted':
      return (
        isStr(v.suggestionId) &&
        isStr(v.model) &&
        typeof v.partial === 'boolean' &&
        isCount(v.acceptedChars) &&
        isCount(v.acceptedLines)
      );
    case 'suggestionDismissed':
      return isStr(v.suggestionId) && isStr(v.model);
    case 'retentionCheck':
      return (
        isStr(v.suggestionId) &&
        isStr(v.model) &&
        RETENTION_CHECKPOINTS.includes(v.checkpointSec as RetentionCheckpoint) &&
        isCount(v.acceptedChars) &&
        isCount(v.retainedChars)
      );
    case 'charsAdded':
      return CHAR_SOURCES.includes(v.source as CharSource) && isStr(v.model) && isCount(v.chars);
    case 'interaction':
      return (
        (v.feature === 'chat' || v.feature === 'tests' || v.feature === 'diagnosis') &&
        ['request', 'apply', 'insert', 'copy', 'save', 'discard'].includes(v.action as string) &&
        typeof v.userInitiated === 'boolean' &&
        isStr(v.model)
      );
    case 'guardDecision':
      return (
        isStr(v.ruleId) &&
        isStr(v.category) &&
        (v.direction === 'input' || v.direction === 'output') &&
        (v.action === 'block' || v.action === 'redact' || v.action === 'warn') &&
        FEATURES.includes(v.feature as Feature) &&
        isStr(v.matchHash) &&
        (v.filePath === undefined || isStr(v.filePath))
      );
  }
}
