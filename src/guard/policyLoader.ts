// Loads the policy layers from their sources (text and origin; reading files or URLs is the caller's job),
// merges them and builds the guard. A required organisation policy that is missing, unreadable or invalid
// yields a fail-closed guard: every scan blocks, with a message that says which policy and why.
import type { AuditOptions } from './auditEvents';
import type { Detector } from './detectorTypes';
import { FailClosedGuard, GuardScanner } from './guardScanner';
import { builtInDetectors } from './keywordPrefilter';
import { mergePolicyLayers } from './policyMerge';
import type { EffectivePolicy, LayerName, MergeViolation, PolicyLayer } from './policyMerge';
import { formatPolicyIssue, parsePolicy } from './policySchema';
import type { PolicyDocument, PolicyIssue } from './policySchema';
import { RECOMMENDED_POLICY } from './recommendedPolicy';
import { compilePolicy } from './ruleCompiler';
import type { Guard, Moderator } from './scanTypes';

/** One layer's source. No `text` and no `error` means the policy does not exist. */
export interface PolicySource {
  origin: string;
  text?: string;
  /** Why the source could not be read (permission denied, HTTP 404...). */
  error?: string;
}

export interface LoadPolicyOptions {
  /** The lowest layer; the recommended policy unless given (false: none). */
  builtin?: PolicyDocument | false;
  user?: PolicySource;
  workspace?: PolicySource;
  organisation?: PolicySource;
  /** Fail closed when the organisation policy cannot be used. Defaults to true when an organisation source is named. */
  organisationRequired?: boolean;
  /** The detector catalogue; the built-in detectors unless given. */
  detectors?: readonly Detector[];
  audit?: AuditOptions;
  moderator?: Moderator;
}

export interface LoadedPolicy {
  guard: Guard;
  /** Undefined when failing closed. */
  policy?: EffectivePolicy;
  violations: MergeViolation[];
  /** Problems found in any layer (a broken user or workspace layer is skipped, not fatal). */
  issues: PolicyIssue[];
  failClosed: boolean;
}

export function loadPolicyLayers(options: LoadPolicyOptions): LoadedPolicy {
  const issues: PolicyIssue[] = [];
  const layers: PolicyLayer[] = [];
  const failClosed = (reason: string): LoadedPolicy => {
    const origin = options.organisation?.origin ?? 'the organisation policy setting';
    const message = `The organisation policy (${origin}) ${reason}. Requests to the model are refused until it is fixed.`;
    return { guard: new FailClosedGuard(message, options.audit), violations: [], issues, failClosed: true };
  };

  if (options.builtin !== false) {
    layers.push({
      layer: 'builtin',
      origin: 'built-in recommended policy',
      document: options.builtin ?? RECOMMENDED_POLICY,
    });
  }
  for (const layer of ['user', 'workspace'] as const) {
    const source = options[layer];
    if (!source) continue;
    const document = readLayer(source, issues);
    if (document) layers.push({ layer, origin: source.origin, document });
  }

  const org = options.organisation;
  const required = options.organisationRequired ?? org !== undefined;
  if (org?.error !== undefined) {
    issues.push({
      origin: org.origin,
      line: 1,
      column: 1,
      field: '',
      message: `could not be read: ${org.error}`,
    });
    if (required) return failClosed(`could not be read: ${org.error}`);
  } else if (org?.text === undefined) {
    if (required) return failClosed('was not found');
  } else {
    const parsed = parsePolicy(org.text, org.origin);
    if (!parsed.ok) {
      issues.push(...parsed.issues);
      if (required) return failClosed(`is invalid: ${parsed.issues.map(formatPolicyIssue).join('; ')}`);
    } else {
      layers.push({ layer: 'organisation', origin: org.origin, document: parsed.document });
    }
  }

  const { policy, violations } = mergePolicyLayers(layers);
  const { compiled, issues: compileIssues } = compilePolicy(policy, options.detectors ?? builtInDetectors());
  for (const issue of compileIssues) {
    issues.push({
      origin: issue.origin,
      line: 1,
      column: 1,
      field: `rules.${issue.ruleId}`,
      message: issue.message,
    });
  }
  const orgBroken = compileIssues.filter((i) => i.layer === ('organisation' satisfies LayerName));
  if (orgBroken.length > 0 && required) {
    return failClosed(`is invalid: ${orgBroken.map((i) => i.message).join('; ')}`);
  }
  const guard = new GuardScanner(compiled, { audit: options.audit, moderator: options.moderator });
  return { guard, policy, violations, issues, failClosed: false };
}

function readLayer(source: PolicySource, issues: PolicyIssue[]): PolicyDocument | undefined {
  if (source.error !== undefined) {
    issues.push({
      origin: source.origin,
      line: 1,
      column: 1,
      field: '',
      message: `could not be read: ${source.error}`,
    });
    return undefined;
  }
  if (source.text === undefined) return undefined;
  const parsed = parsePolicy(source.text, source.origin);
  if (!parsed.ok) {
    issues.push(...parsed.issues);
    return undefined;
  }
  return parsed.document;
}
