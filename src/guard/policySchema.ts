// The guard policy document (format version 1): its TypeScript shape, its JSON Schema (policy.schema.json,
// also usable by editors), and parsing of YAML or JSON text into a validated document with errors that name
// the line and the field. Checks the schema cannot express (one matcher per rule, RE2-compatible patterns,
// unique rule ids) are made here too, with the same kind of error.
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { load, YAMLException } from 'js-yaml';
import policySchemaJson from './policy.schema.json';
import { compilePathGlob } from './pathGlob';
import { compileSafeRegex, UnsafePatternError } from './safeRegex';
import { SourceLocator } from './sourceLocator';

export type PolicyMode = 'enforce' | 'monitor';
export type RuleDirection = 'input' | 'output' | 'both';
/** Ordered from weakest to strongest: a lower layer may move a rule only to the right. */
export type RuleAction = 'warn' | 'redact' | 'block';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
/** The assistant features a request can come from (the same names the metrics use). */
export type GuardFeature = 'completion' | 'chat' | 'tests' | 'diagnosis';

export const ACTION_RANK: Readonly<Record<RuleAction, number>> = { warn: 1, redact: 2, block: 3 };
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 1, medium: 2, high: 3, critical: 4 };

export interface PolicyRule {
  id: string;
  description?: string;
  /** A detector id (`aws-access-key`), a category (`secret:*`), or `*`. */
  detector?: string;
  /** An RE2 expression. */
  pattern?: string;
  caseSensitive?: boolean;
  keywords?: string[];
  /** Globs; a file whose path matches is refused before it is read. */
  paths?: string[];
  direction?: RuleDirection;
  action?: RuleAction;
  severity?: Severity;
  message?: string;
  /** Limits the rule to these features; all features when absent. */
  features?: GuardFeature[];
  enabled?: boolean;
}

export interface AllowlistEntry {
  id?: string;
  rules?: string[];
  pattern?: string;
  paths?: string[];
  reason?: string;
}

export interface ModerationSettings {
  url: string;
  timeoutMs?: number;
  onError?: 'allow' | 'block';
}

export interface ScopePolicy {
  enabled?: boolean;
  action?: 'warn' | 'block';
  features?: GuardFeature[];
  classifier?: 'heuristic' | 'off';
  inScopeKeywords?: string[];
  outOfScopeKeywords?: string[];
  message?: string;
  moderation?: ModerationSettings;
}

export interface PolicyDocument {
  version: 1;
  name?: string;
  mode?: PolicyMode;
  remove?: string[];
  rules?: PolicyRule[];
  allowlist?: AllowlistEntry[];
  scope?: ScopePolicy;
  /** Who to ask for an exception; shown when something is blocked. */
  exceptionContact?: string;
}

/** One problem in a policy source, positioned for a human. */
export interface PolicyIssue {
  origin: string;
  line: number;
  column: number;
  /** The field in dotted form, e.g. `rules[2].action`; '' for the document. */
  field: string;
  message: string;
}

export type ParsedPolicy = { ok: true; document: PolicyDocument } | { ok: false; issues: PolicyIssue[] };

/** The JSON Schema of format version 1. */
export const POLICY_JSON_SCHEMA: object = policySchemaJson;

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const validateDocument = ajv.compile<PolicyDocument>(policySchemaJson);

/** Formats an issue the way the CLI, the policy editor and fail-closed messages show it. */
export function formatPolicyIssue(issue: PolicyIssue): string {
  const field = issue.field ? ` ${issue.field}:` : '';
  return `${issue.origin}:${issue.line}:${issue.column}:${field} ${issue.message}`;
}

/** Matcher fields: a rule names at most one of them. */
export function ruleMatcherKind(rule: PolicyRule): 'detector' | 'pattern' | 'keywords' | 'paths' | undefined {
  if (rule.detector !== undefined) return 'detector';
  if (rule.pattern !== undefined) return 'pattern';
  if (rule.keywords !== undefined) return 'keywords';
  if (rule.paths !== undefined) return 'paths';
  return undefined;
}

/** Parses YAML or JSON policy text (JSON is read as YAML, which it is) and validates it. */
export function parsePolicy(text: string, origin: string): ParsedPolicy {
  let data: unknown;
  try {
    data = load(text, { filename: origin });
  } catch (error) {
    if (error instanceof YAMLException) {
      return {
        ok: false,
        issues: [
          {
            origin,
            line: error.mark ? error.mark.line + 1 : 1,
            column: error.mark ? error.mark.column + 1 : 1,
            field: '',
            message: `not valid YAML or JSON: ${error.reason}`,
          },
        ],
      };
    }
    throw error;
  }
  const locator = SourceLocator.build(text);
  if (data === undefined || data === null) {
    return { ok: false, issues: [{ origin, line: 1, column: 1, field: '', message: 'the policy is empty' }] };
  }
  if (!validateDocument(data)) {
    const issues = (validateDocument.errors ?? [])
      // anyOf reports each failed branch as well; the anyOf error alone says what is wrong.
      .filter((error) => !error.schemaPath.includes('/anyOf/'))
      .map((error) => schemaIssue(error, origin, locator));
    return { ok: false, issues: dedupe(issues) };
  }
  const issues = semanticIssues(data, origin, locator);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, document: data };
}

function schemaIssue(error: ErrorObject, origin: string, locator: SourceLocator): PolicyIssue {
  const params = error.params as Record<string, unknown>;
  const extra = typeof params.additionalProperty === 'string' ? params.additionalProperty : undefined;
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
  const position = locator.locate(error.instancePath, extra);
  const field = fieldName(error.instancePath, extra ?? missing);
  let message: string;
  switch (error.keyword) {
    case 'additionalProperties':
      message = `unknown field '${extra ?? ''}'`;
      break;
    case 'required':
      message = `missing required field '${missing ?? ''}'`;
      break;
    case 'enum':
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'const':
      message = `must be ${JSON.stringify(params.allowedValue)}`;
      break;
    case 'anyOf':
      message = 'an allowlist entry needs at least one of rules, pattern or paths';
      break;
    default:
      message = error.message ?? error.keyword;
  }
  return { origin, line: position.line, column: position.column, field, message };
}

function semanticIssues(document: PolicyDocument, origin: string, locator: SourceLocator): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const at = (pointer: string, field: string, message: string): void => {
    const position = locator.locate(pointer);
    issues.push({ origin, line: position.line, column: position.column, field, message });
  };
  const seen = new Set<string>();
  (document.rules ?? []).forEach((rule, index) => {
    const pointer = `/rules/${index}`;
    const name = `rules[${index}]`;
    if (seen.has(rule.id))
      at(`${pointer}/id`, `${name}.id`, `rule '${rule.id}' is defined twice in this policy`);
    seen.add(rule.id);
    const kinds = (['detector', 'pattern', 'keywords', 'paths'] as const).filter(
      (k) => rule[k] !== undefined,
    );
    if (kinds.length > 1) {
      at(
        pointer,
        name,
        `rule '${rule.id}' names ${kinds.join(' and ')}; a rule matches with only one of them`,
      );
    }
    if (rule.pattern !== undefined) {
      try {
        compileSafeRegex(rule.pattern, { caseSensitive: rule.caseSensitive !== false });
      } catch (error) {
        if (!(error instanceof UnsafePatternError)) throw error;
        at(`${pointer}/pattern`, `${name}.pattern`, `rule '${rule.id}': ${error.message}`);
      }
    }
    rule.paths?.forEach((glob, g) => {
      try {
        compilePathGlob(glob);
      } catch {
        at(
          `${pointer}/paths/${g}`,
          `${name}.paths[${g}]`,
          `rule '${rule.id}': '${glob}' is not a valid glob`,
        );
      }
    });
  });
  (document.allowlist ?? []).forEach((entry, index) => {
    if (entry.pattern === undefined) return;
    try {
      compileSafeRegex(entry.pattern);
    } catch (error) {
      if (!(error instanceof UnsafePatternError)) throw error;
      at(`/allowlist/${index}/pattern`, `allowlist[${index}].pattern`, error.message);
    }
  });
  return issues;
}

function fieldName(pointer: string, key: string | undefined): string {
  const segments = pointer === '' ? [] : pointer.split('/').slice(1);
  if (key !== undefined) segments.push(key);
  let out = '';
  for (const raw of segments) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

function dedupe(issues: PolicyIssue[]): PolicyIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.line}:${issue.field}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
