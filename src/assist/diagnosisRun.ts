// One diagnosis from request to anchored findings, in plain Node: prompt, guard, model (with a JSON schema
// response_format when the profile's server supports it), guard, tolerant parsing, anchoring against the text
// the request was made for, and the user's dismissals.
import type { ChatRequest } from '../model/modelClient';
import { anchorFindings, parseFindings } from './diagnosisFindings';
import type { AnchorResult, Finding } from './diagnosisFindings';
import { buildDiagnosisPrompt } from './diagnosisPrompt';
import type { DiagnosisInput } from './diagnosisPrompt';
import { askModel, guardMessages } from './testGenPipeline';
import type { AssistDeps } from './testGenPipeline';

/** The chat request of a diagnosis; `responseFormat` is sent only where the profile's server supports it. */
export type DiagnosisChatRequest = ChatRequest;

export interface DiagnosisResult {
  findings: Finding[];
  /** Findings the model gave that did not point at the text (and dismissed ones are not counted here). */
  dropped: AnchorResult['dropped'];
  /** Hidden because the user dismissed them earlier. */
  dismissed: number;
  /** The answer was cut off; only the complete findings were kept. */
  truncated: boolean;
  /** No JSON at all could be read from the answer. */
  unreadable: boolean;
  notices: string[];
}

export interface DiagnosisRunDeps extends AssistDeps {
  dismissals?: { isDismissed(finding: Finding): boolean };
}

export async function runDiagnosis(
  deps: DiagnosisRunDeps,
  input: DiagnosisInput,
  signal: AbortSignal,
): Promise<DiagnosisResult> {
  const prompt = buildDiagnosisPrompt(input);
  const notices: string[] = [];
  const messages = await guardMessages(deps, prompt.messages, input.path, notices, 'diagnosis');
  const extra: Partial<DiagnosisChatRequest> = {
    temperature: 0,
    ...(prompt.responseFormat ? { responseFormat: prompt.responseFormat } : {}),
  };
  const answer = await askModel(deps, messages, 'diagnosis', input.path, signal, notices, extra);
  const parsed = parseFindings(answer);
  const anchored = anchorFindings(parsed.findings, input.text, input.lines ? { within: prompt.lines } : {});
  const visible = deps.dismissals
    ? anchored.findings.filter((f) => !deps.dismissals?.isDismissed(f))
    : anchored.findings;
  return {
    findings: visible,
    dropped: anchored.dropped,
    dismissed: anchored.findings.length - visible.length,
    truncated: parsed.truncated,
    unreadable: parsed.unreadable,
    notices,
  };
}
