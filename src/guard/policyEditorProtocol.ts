// The messages between the guard policy editor / playground page (media/policy) and the extension host,
// imported by both sides. The page asks (scan this text, validate this policy text, load or save a layer);
// the host answers and pushes the effective policy whenever it changes. Findings carry positions into the
// text the page already holds, never the matched value. Every message that arrives is checked by a guard
// below before it is used.

export type EditableLayer = 'user' | 'workspace';
export type PlaygroundDirection = 'input' | 'output';
export type PlaygroundFeature = 'completion' | 'chat' | 'tests' | 'diagnosis';

/** The most text one scan or validation request may carry. */
export const MAX_TEXT_CHARS = 1_000_000;

/** Every string the page shows, translated by the extension and sent in the init message. */
export const POLICY_EDITOR_STRING_KEYS = [
  'title',
  'effectivePolicy',
  'mode',
  'failClosed',
  'exceptionContact',
  'layers',
  'rule',
  'matcher',
  'direction',
  'action',
  'severity',
  'layer',
  'locked',
  'tightenedBy',
  'violations',
  'noViolations',
  'issues',
  'playground',
  'playgroundHint',
  'text',
  'feature',
  'filePath',
  'findings',
  'noFindings',
  'decision',
  'category',
  'position',
  'input',
  'output',
  'editor',
  'editLayer',
  'policyText',
  'validate',
  'save',
  'reload',
  'valid',
  'notEditable',
] as const;
export type PolicyEditorStringKey = (typeof POLICY_EDITOR_STRING_KEYS)[number];
export type PolicyEditorStrings = Record<PolicyEditorStringKey, string>;

export interface RuleRow {
  id: string;
  /** `detector secret:*`, `pattern …`, `keywords a, b`, `paths …`. */
  matcher: string;
  direction: string;
  action: string;
  severity: string;
  layer: string;
  origin: string;
  locked: boolean;
  tightenedBy: string[];
  message?: string;
}

export interface IssueRow {
  origin: string;
  line: number;
  column: number;
  field: string;
  message: string;
}

export interface ViolationRow {
  layer: string;
  origin: string;
  ruleId?: string;
  attempted: string;
  message: string;
}

export interface SourceRow {
  layer: string;
  origin: string;
  status: string;
  editable: boolean;
}

export interface PolicyView {
  mode: string;
  modeLayer: string;
  /** Set when failing closed: why every request is refused. */
  failure?: string;
  exceptionContact?: string;
  rules: RuleRow[];
  violations: ViolationRow[];
  issues: IssueRow[];
  sources: SourceRow[];
}

export interface FindingRow {
  /** UTF-16 offsets into the scanned text, end exclusive. */
  start: number;
  end: number;
  line: number;
  column: number;
  ruleId: string;
  category: string;
  action: string;
  severity: string;
  label: string;
  layer: string;
  message: string;
}

// --- host -> page ---------------------------------------------------------------------------------------

export type HostMessage =
  | { type: 'init'; strings: PolicyEditorStrings }
  | { type: 'policy'; view: PolicyView }
  | {
      type: 'scanResult';
      requestId: number;
      decision: string;
      /** In monitor mode, what enforce mode would have done. */
      monitoredDecision?: string;
      findings: FindingRow[];
    }
  | { type: 'validation'; requestId: number; ok: boolean; issues: IssueRow[] }
  | { type: 'layerText'; layer: EditableLayer; origin: string; text: string; editable: boolean }
  | { type: 'saved'; requestId: number; ok: boolean; message: string };

// --- page -> host ---------------------------------------------------------------------------------------

export type PageMessage =
  | { type: 'ready' }
  | {
      type: 'scan';
      requestId: number;
      text: string;
      direction: PlaygroundDirection;
      feature: PlaygroundFeature;
      filePath?: string;
    }
  | { type: 'validate'; requestId: number; text: string }
  | { type: 'load'; layer: EditableLayer }
  | { type: 'save'; requestId: number; layer: EditableLayer; text: string }
  | { type: 'reload' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT_CHARS;
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isLayer = (v: unknown): v is EditableLayer => v === 'user' || v === 'workspace';
const isDirection = (v: unknown): v is PlaygroundDirection => v === 'input' || v === 'output';
const isFeature = (v: unknown): v is PlaygroundFeature =>
  v === 'completion' || v === 'chat' || v === 'tests' || v === 'diagnosis';
const optional =
  <T>(check: (v: unknown) => v is T) =>
  (v: unknown): v is T | undefined =>
    v === undefined || check(v);
const listOf =
  <T>(check: (v: unknown) => v is T) =>
  (v: unknown): v is T[] =>
    Array.isArray(v) && v.every(check);

/** Validates a message from the page; undefined for anything malformed. */
export function parsePageMessage(raw: unknown): PageMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'reload':
      return { type: raw.type };
    case 'scan': {
      const { requestId, text, direction, feature, filePath } = raw;
      if (!isId(requestId) || !isText(text) || !isDirection(direction) || !isFeature(feature))
        return undefined;
      if (filePath !== undefined && (!isString(filePath) || filePath.length > 1000)) return undefined;
      return {
        type: 'scan',
        requestId,
        text,
        direction,
        feature,
        ...(filePath ? { filePath } : {}),
      };
    }
    case 'validate':
      return isId(raw.requestId) && isText(raw.text)
        ? { type: 'validate', requestId: raw.requestId, text: raw.text }
        : undefined;
    case 'load':
      return isLayer(raw.layer) ? { type: 'load', layer: raw.layer } : undefined;
    case 'save':
      return isId(raw.requestId) && isLayer(raw.layer) && isText(raw.text)
        ? { type: 'save', requestId: raw.requestId, layer: raw.layer, text: raw.text }
        : undefined;
    default:
      return undefined;
  }
}

function isIssue(v: unknown): v is IssueRow {
  return (
    isRecord(v) &&
    isString(v.origin) &&
    isCount(v.line) &&
    isCount(v.column) &&
    isString(v.field) &&
    isString(v.message)
  );
}

function isRule(v: unknown): v is RuleRow {
  return (
    isRecord(v) &&
    isString(v.id) &&
    isString(v.matcher) &&
    isString(v.direction) &&
    isString(v.action) &&
    isString(v.severity) &&
    isString(v.layer) &&
    isString(v.origin) &&
    isBool(v.locked) &&
    listOf(isString)(v.tightenedBy) &&
    optional(isString)(v.message)
  );
}

function isViolation(v: unknown): v is ViolationRow {
  return (
    isRecord(v) &&
    isString(v.layer) &&
    isString(v.origin) &&
    optional(isString)(v.ruleId) &&
    isString(v.attempted) &&
    isString(v.message)
  );
}

function isSource(v: unknown): v is SourceRow {
  return isRecord(v) && isString(v.layer) && isString(v.origin) && isString(v.status) && isBool(v.editable);
}

function isFinding(v: unknown): v is FindingRow {
  return (
    isRecord(v) &&
    isCount(v.start) &&
    isCount(v.end) &&
    isCount(v.line) &&
    isCount(v.column) &&
    [v.ruleId, v.category, v.action, v.severity, v.label, v.layer, v.message].every(isString)
  );
}

function isPolicyView(v: unknown): v is PolicyView {
  return (
    isRecord(v) &&
    isString(v.mode) &&
    isString(v.modeLayer) &&
    optional(isString)(v.failure) &&
    optional(isString)(v.exceptionContact) &&
    listOf(isRule)(v.rules) &&
    listOf(isViolation)(v.violations) &&
    listOf(isIssue)(v.issues) &&
    listOf(isSource)(v.sources)
  );
}

function isStrings(v: unknown): v is PolicyEditorStrings {
  return isRecord(v) && POLICY_EDITOR_STRING_KEYS.every((key) => isString(v[key]));
}

/** Validates a message from the host (the page trusts nothing it did not check). */
export function parseHostMessage(raw: unknown): HostMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'init':
      return isStrings(raw.strings) ? { type: 'init', strings: raw.strings } : undefined;
    case 'policy':
      return isPolicyView(raw.view) ? { type: 'policy', view: raw.view } : undefined;
    case 'scanResult':
      return isId(raw.requestId) &&
        isString(raw.decision) &&
        optional(isString)(raw.monitoredDecision) &&
        listOf(isFinding)(raw.findings)
        ? {
            type: 'scanResult',
            requestId: raw.requestId,
            decision: raw.decision,
            findings: raw.findings,
            ...(raw.monitoredDecision !== undefined ? { monitoredDecision: raw.monitoredDecision } : {}),
          }
        : undefined;
    case 'validation':
      return isId(raw.requestId) && isBool(raw.ok) && listOf(isIssue)(raw.issues)
        ? { type: 'validation', requestId: raw.requestId, ok: raw.ok, issues: raw.issues }
        : undefined;
    case 'layerText':
      return isLayer(raw.layer) && isString(raw.origin) && isText(raw.text) && isBool(raw.editable)
        ? { type: 'layerText', layer: raw.layer, origin: raw.origin, text: raw.text, editable: raw.editable }
        : undefined;
    case 'saved':
      return isId(raw.requestId) && isBool(raw.ok) && isString(raw.message)
        ? { type: 'saved', requestId: raw.requestId, ok: raw.ok, message: raw.message }
        : undefined;
    default:
      return undefined;
  }
}
