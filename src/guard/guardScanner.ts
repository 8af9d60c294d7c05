// Applies a compiled policy to text: path rules before content is read, detectors, patterns and keywords,
// allowlists, the scope rule, the strongest action wins, reversible redaction of prompts, and one audit event
// per finding. Also the fail-closed guard used when a required policy cannot be loaded.
import type { Detector, DetectorMatch, FindingCategory } from './detectorTypes';
import { AuditTrail } from './auditEvents';
import { KeywordPrefilter, runDetectors } from './keywordPrefilter';
import type { AuditOptions, ScanDirection } from './auditEvents';
import type { CompiledPolicy, CompiledRule } from './ruleCompiler';
import { ACTION_RANK } from './policySchema';
import type { PolicyMode, RuleAction } from './policySchema';
import { applyRedactions, RedactionMap } from './redactionMap';
import type { Guard, GuardDecision, GuardFinding, Moderator, ScanContext, ScanResult } from './scanTypes';
import { OutputStreamScanner } from './streamScanner';
import type { StreamScanEngine } from './streamScanner';

export interface GuardScannerOptions {
  audit?: AuditOptions;
  moderator?: Moderator;
}

const DECISION_FOR: Readonly<Record<RuleAction, GuardDecision>> = {
  warn: 'warn',
  redact: 'redact',
  block: 'block',
};

/** Scans text with one effective policy. Build it once per policy load; it is safe to share. */
export class GuardScanner implements Guard, StreamScanEngine {
  readonly mode: PolicyMode;
  readonly holdBackTerms: readonly string[];
  readonly holdPartialLines: boolean;
  private readonly audit: AuditTrail | undefined;
  private readonly detectors: readonly Detector[];
  private readonly prefilter: KeywordPrefilter;

  constructor(
    private readonly compiled: CompiledPolicy,
    private readonly options: GuardScannerOptions = {},
  ) {
    this.mode = compiled.policy.mode;
    this.audit = options.audit ? new AuditTrail(options.audit) : undefined;
    const referenced = new Map<string, Detector>();
    for (const r of compiled.rules) for (const d of r.detectors) referenced.set(d.id, d);
    this.detectors = [...referenced.values()];
    this.prefilter = new KeywordPrefilter(this.detectors);
    const outputRules = compiled.rules.filter((r) => r.rule.direction !== 'input');
    this.holdBackTerms = [
      ...new Set(
        outputRules.flatMap((r) => [...(r.rule.keywords ?? []), ...r.detectors.flatMap((d) => d.keywords)]),
      ),
    ].map((t) => t.toLowerCase());
    // A pattern that can match across a space could be cut by a chunk boundary anywhere on the line.
    this.holdPartialLines = outputRules.some(
      (r) => r.kind === 'pattern' && /\\s|\\W|\\D|\\p|\\P|\[\^| |\./.test(r.rule.pattern ?? ''),
    );
  }

  checkPath(filePath: string, ctx: ScanContext): ScanResult {
    const findings = this.pathFindings(filePath, ctx);
    this.record(findings, () => filePath, 'input', { ...ctx, filePath });
    return this.result('', findings, ctx, 'input', true);
  }

  scanInput(text: string, ctx: ScanContext): ScanResult {
    const pathFindings = ctx.filePath !== undefined ? this.pathFindings(ctx.filePath, ctx) : [];
    if (this.mode === 'enforce' && pathFindings.some((f) => f.action === 'block')) {
      // Refused by path: the content is not even looked at.
      this.record(pathFindings, () => ctx.filePath ?? '', 'input', ctx);
      return this.result(text, pathFindings, ctx, 'input');
    }
    const contentFindings = [...this.findings(text, 'input', ctx), ...this.scopeFindings(text, ctx)];
    this.record(pathFindings, () => ctx.filePath ?? '', 'input', ctx);
    this.record(contentFindings, (f) => text.slice(f.start, f.end), 'input', ctx);
    return this.result(text, [...pathFindings, ...contentFindings], ctx, 'input');
  }

  async scanInputWithModeration(text: string, ctx: ScanContext): Promise<ScanResult> {
    const first = this.scanInput(text, ctx);
    const scope = this.compiled.scope?.settings;
    const moderation = scope?.moderation;
    const blocked = (first.monitoredDecision ?? first.decision) === 'block';
    if (
      !scope ||
      !moderation ||
      !this.options.moderator ||
      blocked ||
      !scope.features.includes(ctx.feature)
    ) {
      return first;
    }
    let finding: GuardFinding | undefined;
    try {
      // The endpoint sees the redacted prompt, never the values the guard just removed.
      const verdict = await this.options.moderator({
        url: moderation.url,
        text: first.text,
        timeoutMs: moderation.timeoutMs ?? 5000,
      });
      if (verdict.flagged) {
        const why = verdict.categories?.length ? ` (${verdict.categories.join(', ')})` : '';
        finding = this.scopeFinding(
          text,
          'scope.moderation',
          scope.action,
          `${scope.message ?? 'The moderation service refused this question'}${why}`,
        );
      }
    } catch {
      if (moderation.onError === 'block') {
        finding = this.scopeFinding(
          text,
          'scope.moderation-unavailable',
          'block',
          'The moderation service could not be reached; the policy refuses questions until it can.',
        );
      }
    }
    if (!finding) return first;
    this.record([finding], () => text, 'input', ctx);
    return this.result(text, [...first.findings, finding], { ...ctx, redactions: first.redactions }, 'input');
  }

  scanOutput(text: string, ctx: ScanContext): ScanResult {
    const findings = this.findings(text, 'output', ctx);
    this.record(findings, (f) => text.slice(f.start, f.end), 'output', ctx);
    return this.result(text, findings, ctx, 'output');
  }

  openOutputStream(ctx: ScanContext): OutputStreamScanner {
    return new OutputStreamScanner(this, ctx);
  }

  /** Findings of detector, pattern and keyword rules for one direction, after allowlists; no audit. */
  findings(text: string, direction: ScanDirection, ctx: ScanContext): GuardFinding[] {
    // One prefiltered pass over every referenced detector; overlaps go to the most specific detector.
    const detected = this.detectors.length > 0 ? runDetectors(text, this.detectors, this.prefilter) : [];
    const lines = lineStarts(text);
    const out: GuardFinding[] = [];
    for (const compiled of this.compiled.rules) {
      if (compiled.kind === 'paths' || !this.applies(compiled, direction, ctx)) continue;
      const hits: { match: DetectorMatch; category: FindingCategory; label: string }[] = [];
      if (compiled.kind === 'detector') {
        const wanted = new Set(compiled.detectors.map((d) => d.id));
        for (const found of detected) {
          if (wanted.has(found.detectorId))
            hits.push({ match: found, category: found.category, label: found.detectorId });
        }
      } else {
        for (const match of compiled.regex?.findAll(text) ?? [])
          hits.push({ match, category: 'policy', label: compiled.rule.id });
      }
      for (const hit of hits) {
        const value = text.slice(hit.match.start, hit.match.end);
        if (this.allowed(compiled, value, ctx)) continue;
        out.push(this.finding(compiled, hit.match, hit.category, hit.label, direction, lines));
      }
    }
    return out.sort((a, b) => a.start - b.start || b.end - a.end);
  }

  /** Writes audit events for findings; `valueOf` gives the matched value, which only the hash ever sees. */
  record(
    findings: readonly GuardFinding[],
    valueOf: (f: GuardFinding) => string,
    direction: ScanDirection,
    ctx: ScanContext,
  ): void {
    if (!this.audit) return;
    for (const f of findings) {
      this.audit.record(
        {
          ruleId: f.ruleId,
          category: f.category,
          direction,
          action: f.action,
          feature: ctx.feature,
          filePath: ctx.filePath,
          mode: this.mode,
        },
        valueOf(f),
      );
    }
  }

  private pathFindings(filePath: string, ctx: ScanContext): GuardFinding[] {
    const out: GuardFinding[] = [];
    for (const compiled of this.compiled.rules) {
      if (compiled.kind !== 'paths' || !this.applies(compiled, 'input', ctx)) continue;
      if (!compiled.globs.some((g) => g.matches(filePath))) continue;
      if (this.allowed(compiled, filePath, { ...ctx, filePath })) continue;
      // Redacting a whole file is refusing it.
      const action: RuleAction = compiled.rule.action === 'redact' ? 'block' : compiled.rule.action;
      const finding = this.finding(compiled, { start: 0, end: 0 }, 'path', compiled.rule.id, 'input', [0]);
      out.push({
        ...finding,
        action,
        message: `${compiled.rule.message ?? 'This file may not be sent to a model.'} (rule ${compiled.rule.id})`,
      });
    }
    return out;
  }

  private scopeFindings(text: string, ctx: ScanContext): GuardFinding[] {
    const scope = this.compiled.scope;
    if (!scope || !scope.settings.features.includes(ctx.feature)) return [];
    if (scope.classifier.classify(text).inScope) return [];
    const message = scope.settings.message ?? 'This assistant answers software engineering questions only.';
    return [this.scopeFinding(text, 'scope', scope.settings.action, message)];
  }

  private scopeFinding(text: string, ruleId: string, action: RuleAction, message: string): GuardFinding {
    const layer = this.compiled.scope?.settings.layer ?? 'guard';
    return {
      ruleId,
      category: 'scope',
      start: 0,
      end: text.length,
      line: 1,
      column: 1,
      action,
      severity: 'low',
      direction: 'input',
      label: 'scope',
      layer,
      message: `${message} (rule ${ruleId})`,
    };
  }

  private applies(compiled: CompiledRule, direction: ScanDirection, ctx: ScanContext): boolean {
    const rule = compiled.rule;
    if (rule.direction !== 'both' && rule.direction !== direction) return false;
    return rule.features === undefined || rule.features.includes(ctx.feature);
  }

  private allowed(compiled: CompiledRule, value: string, ctx: ScanContext): boolean {
    for (const { entry, pattern, globs } of this.compiled.allowlist) {
      // Only the organisation may make exceptions to its own rules.
      if (compiled.rule.locked && entry.layer !== 'organisation') continue;
      if (entry.rules && !entry.rules.includes(compiled.rule.id)) continue;
      if (pattern && !pattern.matchesWhole(value)) continue;
      if (globs && (ctx.filePath === undefined || !globs.some((g) => g.matches(ctx.filePath ?? ''))))
        continue;
      return true;
    }
    return false;
  }

  private finding(
    compiled: CompiledRule,
    match: DetectorMatch,
    category: FindingCategory,
    label: string,
    direction: ScanDirection,
    lines: readonly number[],
  ): GuardFinding {
    const { line, column } = positionOf(match.start, lines);
    const rule = compiled.rule;
    const what = rule.message ?? rule.description ?? `Matched ${label}.`;
    return {
      ruleId: rule.id,
      category,
      start: match.start,
      end: match.end,
      line,
      column,
      action: rule.action,
      severity: rule.severity,
      direction,
      label,
      layer: rule.layer,
      message: `${what} (rule ${rule.id}, line ${line}, column ${column})`,
    };
  }

  private result(
    text: string,
    findings: GuardFinding[],
    ctx: ScanContext,
    direction: ScanDirection,
    pathOnly = false,
  ): ScanResult {
    const redactions = ctx.redactions ?? new RedactionMap();
    const decision = decide(findings);
    const base = { findings, redactions, mode: this.mode, summary: summarise(decision, findings) };
    if (this.mode === 'monitor') {
      return { ...base, decision: 'allow', text, monitoredDecision: decision };
    }
    if (decision === 'block') return { ...base, decision, text: '' };
    if (decision === 'redact' && !pathOnly) {
      return { ...base, decision, text: applyRedactions(text, findings, direction, redactions) };
    }
    return { ...base, decision, text };
  }
}

/** The strongest action among the findings. */
export function decide(findings: readonly GuardFinding[]): GuardDecision {
  let rank = 0;
  let action: RuleAction | undefined;
  for (const f of findings) {
    if (ACTION_RANK[f.action] > rank) {
      rank = ACTION_RANK[f.action];
      action = f.action;
    }
  }
  return action ? DECISION_FOR[action] : 'allow';
}

function summarise(decision: GuardDecision, findings: readonly GuardFinding[]): string | undefined {
  if (decision === 'allow') return undefined;
  const rules = [...new Set(findings.map((f) => f.ruleId))].join(', ');
  const verb = { block: 'Blocked', redact: 'Redacted', warn: 'Warning' }[decision];
  return `${verb} by the guard policy (rules: ${rules}).`;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionOf(offset: number, starts: readonly number[]): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
}

/** Refuses everything, saying why: used when a required policy is missing, unreadable or invalid. */
export class FailClosedGuard implements Guard {
  readonly mode: PolicyMode = 'enforce';
  private readonly audit: AuditTrail | undefined;

  constructor(
    readonly failure: string,
    audit?: AuditOptions,
  ) {
    this.audit = audit ? new AuditTrail(audit) : undefined;
  }

  checkPath(_filePath: string, ctx: ScanContext): ScanResult {
    return this.refuse('input', ctx);
  }

  scanInput(_text: string, ctx: ScanContext): ScanResult {
    return this.refuse('input', ctx);
  }

  scanInputWithModeration(_text: string, ctx: ScanContext): Promise<ScanResult> {
    return Promise.resolve(this.refuse('input', ctx));
  }

  scanOutput(_text: string, ctx: ScanContext): ScanResult {
    return this.refuse('output', ctx);
  }

  openOutputStream(ctx: ScanContext): OutputStreamScanner {
    return OutputStreamScanner.refusing(this.refuse('output', ctx).findings);
  }

  private refuse(direction: ScanDirection, ctx: ScanContext): ScanResult {
    const finding: GuardFinding = {
      ruleId: 'policy-unavailable',
      category: 'policy',
      start: 0,
      end: 0,
      line: 1,
      column: 1,
      action: 'block',
      severity: 'critical',
      direction,
      label: 'policy-unavailable',
      layer: 'guard',
      message: this.failure,
    };
    this.audit?.record(
      {
        ruleId: finding.ruleId,
        category: 'policy',
        direction,
        action: 'block',
        feature: ctx.feature,
        filePath: ctx.filePath,
        mode: 'enforce',
      },
      '',
    );
    return {
      decision: 'block',
      text: '',
      findings: [finding],
      redactions: ctx.redactions ?? new RedactionMap(),
      mode: 'enforce',
      summary: this.failure,
    };
  }
}
