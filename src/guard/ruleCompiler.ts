// Turns an effective policy into matchers once, at load time: detector references resolved against the
// catalogue, patterns and keyword lists compiled with RE2, globs compiled. Anything that cannot be compiled
// is reported naming the rule, its layer and its origin, never at scan time.
import type { Detector } from './detectorTypes';
import { compilePathGlob } from './pathGlob';
import type { PathGlob } from './pathGlob';
import type {
  EffectiveAllowlistEntry,
  EffectivePolicy,
  EffectiveRule,
  EffectiveScope,
  LayerName,
} from './policyMerge';
import { compileKeywords, compileSafeRegex, UnsafePatternError } from './safeRegex';
import type { SafeRegex } from './safeRegex';
import { ScopeClassifier } from './scopeClassifier';

export type MatcherKind = 'detector' | 'pattern' | 'keywords' | 'paths';

export interface CompiledRule {
  rule: EffectiveRule;
  kind: MatcherKind;
  detectors: readonly Detector[];
  regex?: SafeRegex;
  globs: readonly PathGlob[];
}

export interface CompiledAllowEntry {
  entry: EffectiveAllowlistEntry;
  pattern?: SafeRegex;
  globs?: readonly PathGlob[];
}

export interface CompiledScope {
  settings: EffectiveScope;
  classifier: ScopeClassifier;
}

export interface CompiledPolicy {
  policy: EffectivePolicy;
  rules: readonly CompiledRule[];
  allowlist: readonly CompiledAllowEntry[];
  scope?: CompiledScope;
}

export interface CompileIssue {
  ruleId: string;
  layer: LayerName;
  origin: string;
  message: string;
}

/** Resolves a detector reference: `*`, `category:*`, `category:glob`, an id, or an id glob. */
export function resolveDetectorReference(reference: string, catalogue: readonly Detector[]): Detector[] {
  const colon = reference.indexOf(':');
  const category = colon >= 0 ? reference.slice(0, colon) : undefined;
  const idGlob = colon >= 0 ? reference.slice(colon + 1) : reference;
  const idPattern = new RegExp(`^${idGlob.split('*').map(escapeRegExp).join('.*')}$`);
  return catalogue.filter((d) => (category === undefined || d.category === category) && idPattern.test(d.id));
}

export function compilePolicy(
  policy: EffectivePolicy,
  catalogue: readonly Detector[],
): { compiled: CompiledPolicy; issues: CompileIssue[] } {
  const issues: CompileIssue[] = [];
  const rules: CompiledRule[] = [];
  for (const rule of policy.rules) {
    const fail = (message: string): void => {
      issues.push({
        ruleId: rule.id,
        layer: rule.layer,
        origin: rule.origin,
        message: `rule '${rule.id}': ${message}`,
      });
    };
    try {
      if (rule.detector !== undefined) {
        const detectors = resolveDetectorReference(rule.detector, catalogue);
        // A wildcard that matches nothing is a category without detectors yet; a plain id must exist.
        if (detectors.length === 0 && !rule.detector.includes('*')) {
          fail(`detector '${rule.detector}' is not a built-in detector`);
          continue;
        }
        rules.push({ rule, kind: 'detector', detectors, globs: [] });
      } else if (rule.pattern !== undefined) {
        const regex = compileSafeRegex(rule.pattern, { caseSensitive: rule.caseSensitive !== false });
        rules.push({ rule, kind: 'pattern', detectors: [], regex, globs: [] });
      } else if (rule.keywords !== undefined) {
        const regex = compileKeywords(rule.keywords, rule.caseSensitive === true);
        rules.push({ rule, kind: 'keywords', detectors: [], regex, globs: [] });
      } else if (rule.paths !== undefined) {
        rules.push({ rule, kind: 'paths', detectors: [], globs: rule.paths.map(compilePathGlob) });
      } else {
        fail('names no detector, pattern, keywords or paths');
      }
    } catch (error) {
      if (error instanceof UnsafePatternError) fail(error.message);
      else throw error;
    }
  }
  const allowlist: CompiledAllowEntry[] = [];
  for (const entry of policy.allowlist) {
    try {
      allowlist.push({
        entry,
        pattern: entry.pattern !== undefined ? compileSafeRegex(entry.pattern) : undefined,
        globs: entry.paths?.map(compilePathGlob),
      });
    } catch (error) {
      if (!(error instanceof UnsafePatternError)) throw error;
      issues.push({
        ruleId: entry.id ?? 'allowlist',
        layer: entry.layer,
        origin: entry.origin,
        message: `allowlist entry '${entry.id ?? '(unnamed)'}': ${error.message}`,
      });
    }
  }
  const scope: CompiledScope | undefined = policy.scope
    ? {
        settings: policy.scope,
        classifier: new ScopeClassifier({
          builtIn: policy.scope.classifier === 'heuristic',
          inScopeKeywords: policy.scope.inScopeKeywords,
          outOfScopeKeywords: policy.scope.outOfScopeKeywords,
        }),
      }
    : undefined;
  return { compiled: { policy, rules, allowlist, scope }, issues };
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
