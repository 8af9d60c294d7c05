// Merges policy layers (built-in recommended < user < workspace < organisation) into one effective policy.
// The organisation layer is locked: lower layers may add rules and tighten organisation rules (a stronger
// action, a wider direction, a higher severity, more features) but every attempt to remove, disable, loosen,
// redefine or allowlist around an organisation rule, or to switch an enforced organisation policy to monitor,
// is refused and reported as a MergeViolation. Among the unlocked layers a higher layer simply overrides.
import { ACTION_RANK, SEVERITY_RANK, ruleMatcherKind } from './policySchema';
import type {
  AllowlistEntry,
  GuardFeature,
  ModerationSettings,
  PolicyDocument,
  PolicyMode,
  PolicyRule,
  RuleAction,
  RuleDirection,
  Severity,
} from './policySchema';

export type LayerName = 'builtin' | 'user' | 'workspace' | 'organisation';
export const LAYER_ORDER: readonly LayerName[] = ['builtin', 'user', 'workspace', 'organisation'];

export interface PolicyLayer {
  layer: LayerName;
  /** Where the document came from (a file path or URL), for messages. */
  origin: string;
  document: PolicyDocument;
}

/** A rule with every default filled in and its provenance recorded. */
export interface EffectiveRule {
  id: string;
  description?: string;
  detector?: string;
  pattern?: string;
  caseSensitive?: boolean;
  keywords?: string[];
  paths?: string[];
  direction: RuleDirection;
  action: RuleAction;
  severity: Severity;
  message?: string;
  features?: GuardFeature[];
  /** The layer the rule's definition came from. */
  layer: LayerName;
  origin: string;
  /** Organisation rules: lower layers cannot loosen them, and only organisation allowlists apply to them. */
  locked: boolean;
  /** Lower layers whose tightening was applied to this organisation rule. */
  tightenedBy: LayerName[];
}

export interface EffectiveAllowlistEntry extends AllowlistEntry {
  layer: LayerName;
  origin: string;
}

export interface EffectiveScope {
  action: 'warn' | 'block';
  features: GuardFeature[];
  classifier: 'heuristic' | 'off';
  inScopeKeywords: string[];
  outOfScopeKeywords: string[];
  message?: string;
  moderation?: ModerationSettings;
  layer: LayerName;
  locked: boolean;
}

export interface EffectivePolicy {
  mode: PolicyMode;
  /** The layer that decided the mode ('builtin' when nobody set one). */
  modeLayer: LayerName;
  rules: EffectiveRule[];
  allowlist: EffectiveAllowlistEntry[];
  scope?: EffectiveScope;
  layers: { layer: LayerName; origin: string; name?: string }[];
  /** Who to ask for an exception: the organisation's when it names one, else the highest layer's. */
  exceptionContact?: string;
}

export type ViolationKind =
  | 'remove'
  | 'disable'
  | 'loosen-action'
  | 'narrow-direction'
  | 'lower-severity'
  | 'narrow-features'
  | 'redefine'
  | 'allowlist'
  | 'monitor'
  | 'loosen-scope'
  | 'unknown-rule';

/** A change a layer attempted that was refused; the effective policy keeps the stricter setting. */
export interface MergeViolation {
  layer: LayerName;
  origin: string;
  ruleId?: string;
  attempted: ViolationKind;
  message: string;
}

export interface MergeResult {
  policy: EffectivePolicy;
  violations: MergeViolation[];
}

const DIRECTION_COVERS: Readonly<Record<RuleDirection, readonly RuleDirection[]>> = {
  input: ['input'],
  output: ['output'],
  both: ['input', 'output', 'both'],
};

/** Merges the given layers (any order, at most one per name) into the effective policy. */
export function mergePolicyLayers(layers: readonly PolicyLayer[]): MergeResult {
  const ordered = [...layers].sort((a, b) => LAYER_ORDER.indexOf(a.layer) - LAYER_ORDER.indexOf(b.layer));
  const organisation = ordered.find((l) => l.layer === 'organisation');
  const lower = ordered.filter((l) => l.layer !== 'organisation');
  const builtin = ordered.find((l) => l.layer === 'builtin');
  const violations: MergeViolation[] = [];
  const refuse = (l: PolicyLayer, attempted: ViolationKind, message: string, ruleId?: string): void => {
    violations.push({ layer: l.layer, origin: l.origin, ruleId, attempted, message });
  };

  // Organisation rules first, so that every lower-layer attempt on them can be judged as it is met.
  const locked = new Map<string, EffectiveRule>();
  for (const rule of organisation?.document.rules ?? []) {
    if (ruleMatcherKind(rule) !== undefined) {
      locked.set(rule.id, fromDefinition(rule, organisation as PolicyLayer, true));
      continue;
    }
    // An organisation entry without a matcher adopts the recommended rule of that id and locks it.
    const base = builtin?.document.rules?.find((r) => r.id === rule.id && ruleMatcherKind(r) !== undefined);
    if (!base || !organisation) {
      if (organisation)
        refuse(
          organisation,
          'unknown-rule',
          `rule '${rule.id}' has no matcher and overrides no built-in rule`,
          rule.id,
        );
      continue;
    }
    if (rule.enabled === false) continue;
    locked.set(rule.id, fromDefinition({ ...base, ...definedFields(rule) }, organisation, true));
  }

  const open = new Map<string, EffectiveRule>();
  for (const layer of lower) {
    for (const id of layer.document.remove ?? []) {
      if (locked.has(id)) refuse(layer, 'remove', `cannot remove organisation rule '${id}'`, id);
      else open.delete(id);
    }
    for (const rule of layer.document.rules ?? []) {
      const lockedRule = locked.get(rule.id);
      if (lockedRule) {
        // The built-in layer is a default, not an attempt: the organisation's definition simply wins.
        if (layer.layer !== 'builtin') tighten(lockedRule, rule, layer, refuse);
        continue;
      }
      const existing = open.get(rule.id);
      if (rule.enabled === false) {
        if (existing) open.delete(rule.id);
        continue;
      }
      if (ruleMatcherKind(rule) !== undefined) {
        open.set(rule.id, fromDefinition(rule, layer, false));
      } else if (existing) {
        open.set(rule.id, { ...existing, ...definedFields(rule), layer: layer.layer, origin: layer.origin });
      } else {
        refuse(
          layer,
          'unknown-rule',
          `rule '${rule.id}' has no matcher and overrides no rule of a lower layer`,
          rule.id,
        );
      }
    }
  }

  const allowlist: EffectiveAllowlistEntry[] = [];
  for (const layer of ordered) {
    for (const entry of layer.document.allowlist ?? []) {
      if (layer.layer === 'organisation' || !entry.rules) {
        // An entry without `rules` from a lower layer never reaches locked rules (the scanner checks the layer).
        allowlist.push({ ...entry, layer: layer.layer, origin: layer.origin });
        continue;
      }
      const aimed = entry.rules.filter((id) => locked.has(id));
      for (const id of aimed) {
        refuse(layer, 'allowlist', `cannot allowlist around organisation rule '${id}'`, id);
      }
      const rest = entry.rules.filter((id) => !locked.has(id));
      if (rest.length > 0)
        allowlist.push({ ...entry, rules: rest, layer: layer.layer, origin: layer.origin });
    }
  }

  const { mode, modeLayer } = mergeMode(ordered, organisation, refuse);
  const scope = mergeScope(ordered, refuse);
  return {
    policy: {
      mode,
      modeLayer,
      rules: [...locked.values(), ...open.values()],
      allowlist,
      scope,
      layers: ordered.map((l) => ({ layer: l.layer, origin: l.origin, name: l.document.name })),
      ...exceptionContactOf(ordered),
    },
    violations,
  };
}

/** A lower layer cannot redirect exception requests away from the security team that set the contact. */
function exceptionContactOf(ordered: readonly PolicyLayer[]): { exceptionContact?: string } {
  const setting = [...ordered].reverse().find((l) => l.document.exceptionContact !== undefined);
  const contact = setting?.document.exceptionContact;
  return contact === undefined ? {} : { exceptionContact: contact };
}

type Refuse = (layer: PolicyLayer, attempted: ViolationKind, message: string, ruleId?: string) => void;

function fromDefinition(rule: PolicyRule, layer: PolicyLayer, locked: boolean): EffectiveRule {
  const kind = ruleMatcherKind(rule);
  return {
    id: rule.id,
    description: rule.description,
    detector: rule.detector,
    pattern: rule.pattern,
    caseSensitive: rule.caseSensitive,
    keywords: rule.keywords,
    paths: rule.paths,
    direction: rule.direction ?? (kind === 'paths' ? 'input' : 'both'),
    // A rule that forgets its action fails safe.
    action: rule.action ?? 'block',
    severity: rule.severity ?? 'medium',
    message: rule.message,
    features: rule.features,
    layer: layer.layer,
    origin: layer.origin,
    locked,
    tightenedBy: [],
  };
}

function definedFields(rule: PolicyRule): Partial<PolicyRule> {
  const out: Partial<PolicyRule> = {};
  for (const [key, value] of Object.entries(rule)) {
    if (value !== undefined && key !== 'enabled') (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** Applies a lower layer's entry to an organisation rule: tightenings are kept, the rest refused. */
function tighten(target: EffectiveRule, rule: PolicyRule, layer: PolicyLayer, refuse: Refuse): void {
  const id = rule.id;
  let changed = false;
  if (rule.enabled === false) refuse(layer, 'disable', `cannot disable organisation rule '${id}'`, id);
  const kind = ruleMatcherKind(rule);
  if (kind !== undefined) {
    const same =
      kind === ruleMatcherKind(target) &&
      JSON.stringify(rule[kind]) === JSON.stringify(target[kind]) &&
      (rule.caseSensitive === undefined || rule.caseSensitive === target.caseSensitive);
    if (!same) refuse(layer, 'redefine', `cannot change what organisation rule '${id}' matches`, id);
  }
  if (rule.action !== undefined) {
    if (ACTION_RANK[rule.action] < ACTION_RANK[target.action]) {
      refuse(
        layer,
        'loosen-action',
        `cannot change organisation rule '${id}' from ${target.action} to ${rule.action}`,
        id,
      );
    } else if (rule.action !== target.action) {
      target.action = rule.action;
      changed = true;
    }
  }
  if (rule.direction !== undefined) {
    if (!DIRECTION_COVERS[rule.direction].includes(target.direction)) {
      refuse(
        layer,
        'narrow-direction',
        `cannot narrow organisation rule '${id}' from ${target.direction} to ${rule.direction}`,
        id,
      );
    } else if (rule.direction !== target.direction) {
      target.direction = rule.direction;
      changed = true;
    }
  }
  if (rule.severity !== undefined) {
    if (SEVERITY_RANK[rule.severity] < SEVERITY_RANK[target.severity]) {
      refuse(layer, 'lower-severity', `cannot lower the severity of organisation rule '${id}'`, id);
    } else if (rule.severity !== target.severity) {
      target.severity = rule.severity;
      changed = true;
    }
  }
  if (rule.features !== undefined) {
    const current = target.features;
    if (current === undefined) {
      refuse(layer, 'narrow-features', `cannot limit organisation rule '${id}' to some features`, id);
    } else if (!current.every((f) => rule.features?.includes(f))) {
      refuse(layer, 'narrow-features', `cannot drop features from organisation rule '${id}'`, id);
    } else if (rule.features.length > current.length) {
      target.features = [...rule.features];
      changed = true;
    }
  }
  if (changed && !target.tightenedBy.includes(layer.layer)) target.tightenedBy.push(layer.layer);
}

function mergeMode(
  ordered: readonly PolicyLayer[],
  organisation: PolicyLayer | undefined,
  refuse: Refuse,
): { mode: PolicyMode; modeLayer: LayerName } {
  if (organisation) {
    // An organisation policy that says nothing about mode is enforced: monitoring is an explicit choice.
    const mode = organisation.document.mode ?? 'enforce';
    if (mode === 'enforce') {
      for (const layer of ordered) {
        if (
          layer.layer !== 'organisation' &&
          layer.layer !== 'builtin' &&
          layer.document.mode === 'monitor'
        ) {
          refuse(layer, 'monitor', 'cannot switch the enforced organisation policy to monitor mode');
        }
      }
    }
    return { mode, modeLayer: 'organisation' };
  }
  let result: { mode: PolicyMode; modeLayer: LayerName } = { mode: 'enforce', modeLayer: 'builtin' };
  for (const layer of ordered) {
    if (layer.document.mode) result = { mode: layer.document.mode, modeLayer: layer.layer };
  }
  return result;
}

function mergeScope(ordered: readonly PolicyLayer[], refuse: Refuse): EffectiveScope | undefined {
  const organisation = ordered.find((l) => l.layer === 'organisation')?.document.scope;
  let scope: EffectiveScope | undefined;
  for (const layer of ordered) {
    if (layer.layer === 'organisation') continue;
    const spec = layer.document.scope;
    if (!spec) continue;
    if (spec.enabled === false) {
      scope = undefined;
      continue;
    }
    scope = {
      action: spec.action ?? scope?.action ?? 'warn',
      features: spec.features ?? scope?.features ?? ['chat'],
      classifier: spec.classifier ?? scope?.classifier ?? 'heuristic',
      inScopeKeywords: union(scope?.inScopeKeywords, spec.inScopeKeywords),
      outOfScopeKeywords: union(scope?.outOfScopeKeywords, spec.outOfScopeKeywords),
      message: spec.message ?? scope?.message,
      moderation: spec.moderation ?? scope?.moderation,
      layer: layer.layer,
      locked: false,
    };
  }
  if (!organisation || organisation.enabled === false) return scope;

  const locked: EffectiveScope = {
    action: organisation.action ?? 'warn',
    features: organisation.features ?? ['chat'],
    classifier: organisation.classifier ?? 'heuristic',
    inScopeKeywords: organisation.inScopeKeywords ?? [],
    outOfScopeKeywords: organisation.outOfScopeKeywords ?? [],
    message: organisation.message,
    moderation: organisation.moderation,
    layer: 'organisation',
    locked: true,
  };
  for (const layer of ordered) {
    const spec = layer.document.scope;
    if (layer.layer === 'organisation' || layer.layer === 'builtin' || !spec) continue;
    const say = (message: string): void => refuse(layer, 'loosen-scope', message, 'scope');
    if (spec.enabled === false)
      refuse(layer, 'disable', 'cannot disable the organisation scope rule', 'scope');
    if (spec.action === 'warn' && locked.action === 'block')
      say('cannot change the organisation scope rule from block to warn');
    else if (spec.action === 'block') locked.action = 'block';
    if (spec.classifier === 'off' && locked.classifier === 'heuristic')
      say('cannot turn off the organisation scope classifier');
    if (spec.inScopeKeywords?.length) say('cannot add in-scope keywords to the organisation scope rule');
    if (spec.features && !locked.features.every((f) => spec.features?.includes(f))) {
      say('cannot drop features from the organisation scope rule');
    } else if (spec.features) locked.features = [...spec.features];
    locked.outOfScopeKeywords = union(locked.outOfScopeKeywords, spec.outOfScopeKeywords);
    if (spec.moderation) {
      if (locked.moderation && spec.moderation.url !== locked.moderation.url) {
        say('cannot replace the organisation moderation endpoint');
      } else if (!locked.moderation) locked.moderation = spec.moderation;
    }
  }
  return locked;
}

function union(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] {
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}
