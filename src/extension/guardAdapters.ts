// Adapters from the guard service to each feature's own small port: completion (CompletionGuard), chat
// (ChatGuard) and test generation / diagnosis (TextGuard). Each is one line to plug in. The chat and text
// adapters keep the redaction map of their prompts so that placeholders in an answer are put back locally
// when the user inserts, applies or accepts the code. A guard that cannot be loaded refuses, never passes.
import * as vscode from 'vscode';
import type { ChatGuard, ChatInputScan, ChatOutputScanner, ChatOutputStep } from '../assist/chatGuard';
import type { GuardVerdict, TextGuard } from '../assist/testGenPipeline';
import type { CompletionGuard, GuardInputResult, GuardOutputScanner } from '../completion/completionPorts';
import { RedactionMap } from '../guard/redactionMap';
import type { Guard, ScanContext, ScanResult } from '../guard/scanTypes';
import type { StreamStep } from '../guard/streamScanner';
import type { GuardService } from './guardService';

/** A port plus the local restoration of the placeholders its prompts were given. */
export interface Restoring {
  /** Puts back the original values of placeholders this adapter issued; other text is unchanged. */
  readonly restore: (text: string) => string;
}

export type RestoringChatGuard = ChatGuard & Restoring;
export interface RestoringTextGuard extends Restoring {
  guard: TextGuard;
}

/** Where the text of a completion request comes from, for path rules and the audit log. */
export interface CompletionScanSource {
  filePath?: string;
  languageId?: string;
}

/** The completion engine's guard. `source` names the file being completed (workspace-relative). */
export function completionGuardFrom(
  service: GuardService,
  source: () => CompletionScanSource = () => ({}),
): CompletionGuard {
  return {
    scanInput: async (text): Promise<GuardInputResult> => {
      const scan = await scanOrRefuse(service, (guard) =>
        guard.scanInput(text, { feature: 'completion', ...source() }),
      );
      if (scan.decision === 'allow') return { decision: 'allow', text: scan.text };
      return { decision: scan.decision, text: scan.text, message: service.explain(scan) };
    },
    createOutputScanner: (): GuardOutputScanner => {
      const stream = outputStream(service, { feature: 'completion', ...source() });
      return {
        push: (chunk) => completionStep(service, stream.push(chunk)),
        end: () => completionStep(service, stream.end()),
      };
    },
  };
}

/** The chat's guard, with `restore` for the chat's Insert, Apply and Save. */
export function chatGuardFrom(service: GuardService): RestoringChatGuard {
  const kept = new KeptRedactions();
  return {
    scanInput: async (text, ctx): Promise<ChatInputScan> => {
      const redactions = kept.map();
      const scan = await scanOrRefuse(service, (guard) =>
        guard.scanInputWithModeration(text, { ...ctx, redactions }),
      );
      const findings = scan.findings.map((f) => ({ ruleId: f.ruleId, message: f.message }));
      if (scan.decision === 'allow') return { decision: 'allow', text: scan.text, findings };
      return { decision: scan.decision, text: scan.text, findings, notice: inputNotice(service, scan) };
    },
    createOutputScanner: (ctx): ChatOutputScanner => {
      const stream = outputStream(service, ctx);
      return {
        push: (chunk) => chatStep(service, stream.push(chunk)),
        end: () => chatStep(service, stream.end()),
      };
    },
    restore: (text) => kept.restore(text),
  };
}

/** Test generation's and diagnosis's guard, with `restore` for accepting generated tests. */
export function textGuardFrom(service: GuardService): RestoringTextGuard {
  const kept = new KeptRedactions();
  const guard: TextGuard = async (text, context): Promise<GuardVerdict> => {
    const ctx: ScanContext = {
      feature: context.feature,
      ...(context.filePath !== undefined ? { filePath: context.filePath } : {}),
      redactions: kept.map(),
    };
    const scan = await scanOrRefuse(service, (g) =>
      context.direction === 'input' ? g.scanInput(text, ctx) : g.scanOutput(text, ctx),
    );
    if (scan.decision === 'allow') return { decision: 'allow', text: scan.text };
    return { decision: scan.decision, text: scan.text, reason: service.explain(scan) };
  };
  return { guard, restore: (text) => kept.restore(text) };
}

/** The request's scan, or a refusal saying why when the guard itself could not be loaded. */
async function scanOrRefuse(
  service: GuardService,
  scan: (guard: Guard) => ScanResult | Promise<ScanResult>,
): Promise<ScanResult> {
  let guard: Guard;
  try {
    guard = await service.guard();
  } catch (error) {
    return refusal(vscode.l10n.t('The guard policy could not be loaded ({0}).', String(error)));
  }
  return scan(guard);
}

function refusal(message: string): ScanResult {
  return {
    decision: 'block',
    text: '',
    findings: [
      {
        ruleId: 'policy-unavailable',
        category: 'policy',
        start: 0,
        end: 0,
        line: 1,
        column: 1,
        action: 'block',
        severity: 'critical',
        direction: 'input',
        label: 'policy-unavailable',
        layer: 'guard',
        message,
      },
    ],
    redactions: new RedactionMap(),
    mode: 'enforce',
    summary: message,
  };
}

function inputNotice(service: GuardService, scan: ScanResult): string {
  const why = service.explain(scan);
  switch (scan.decision) {
    case 'block':
      return vscode.l10n.t('Not sent: the compliance policy blocks this message. {0}', why);
    case 'redact':
      return vscode.l10n.t('Sensitive values were replaced by placeholders before sending: {0}', why);
    default:
      return vscode.l10n.t('The compliance policy flagged this message: {0}', why);
  }
}

interface SimpleStream {
  push(chunk: string): StreamStep;
  end(): StreamStep;
}

/**
 * The output stream of the loaded guard. Streams are opened after the prompt was scanned, so the guard is
 * normally loaded; if not, the answer is held whole and scanned at the end (or refused if it still is not).
 */
function outputStream(service: GuardService, ctx: ScanContext): SimpleStream {
  const guard = service.peek();
  if (guard) return guard.openOutputStream(ctx);
  let held = '';
  return {
    push: (chunk) => {
      held += chunk;
      return { text: '', notices: [], blocked: false };
    },
    end: () => {
      const late = service.peek();
      const scan = late
        ? late.scanOutput(held, ctx)
        : refusal(vscode.l10n.t('The guard policy is not loaded.'));
      const notices =
        scan.decision === 'allow' || scan.decision === 'warn'
          ? []
          : [
              {
                kind: scan.decision,
                findings: scan.findings,
                heldBackChars: held.length,
                message: scan.summary ?? '',
              },
            ];
      return { text: scan.text, notices, blocked: scan.decision === 'block' };
    },
  };
}

function stepNotice(service: GuardService, step: StreamStep): string | undefined {
  if (step.notices.length === 0) return undefined;
  const text = step.notices.map((n) => n.message).join(' ');
  return step.blocked ? `${text} ${service.exceptionHint()}` : text;
}

function chatStep(service: GuardService, step: StreamStep): ChatOutputStep {
  const notice = stepNotice(service, step);
  return { text: step.text, ...(notice ? { notice } : {}), ...(step.blocked ? { blocked: true } : {}) };
}

function completionStep(
  service: GuardService,
  step: StreamStep,
): { text: string; blocked: boolean; message?: string } {
  const message = stepNotice(service, step);
  return { text: step.text, blocked: step.blocked, ...(message ? { message } : {}) };
}

/**
 * The redaction map an adapter shares across its requests: one value keeps one placeholder for the whole
 * session, so an answer that quotes a placeholder from an earlier turn is still restored. It lives in memory
 * only, and holds nothing the user's own files did not already hold.
 */
class KeptRedactions {
  private readonly redactions = new RedactionMap();

  map(): RedactionMap {
    return this.redactions;
  }

  restore(text: string): string {
    return this.redactions.restore(text);
  }
}
