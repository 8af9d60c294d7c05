// Test generation from request to proposed file content, in plain Node: build the prompt, pass it through the
// guard, stream the answer, pass the answer through the guard, extract the code and merge it into the test file.
// Also the one repair round after the tests failed. The guard and the model are small interfaces, so that the
// extension plugs in the real ones and tests use the real client against the test server.
import type { CallOptions, ChatMessage, ChatRequest, ModelStream } from '../model/modelClient';
import type { ModelProfile } from '../model/profiles';
import { extractCode, mergeTestCode } from './testGenAnswer';
import { buildRepairMessages, buildTestGenPrompt } from './testGenPrompt';
import type { TestGenInput, TestGenPrompt } from './testGenPrompt';

/** The part of ModelClient test generation and diagnosis use. */
export interface AssistModel {
  streamChat(profile: ModelProfile, request: ChatRequest, options: CallOptions): ModelStream;
}

export type GuardDecision = 'allow' | 'redact' | 'warn' | 'block';

export interface GuardVerdict {
  decision: GuardDecision;
  /** The text to use: redacted when the decision is `redact`. */
  text: string;
  /** Why, for the user, when the guard did something. */
  reason?: string;
}

/**
 * The compliance guard as test generation and diagnosis see it. Every prompt is scanned before it is sent and
 * every answer before it is used. The lead connects the real guard here; PASS_THROUGH_TEXT_GUARD stands in.
 */
export type TextGuard = (
  text: string,
  context: { direction: 'input' | 'output'; feature: 'tests' | 'diagnosis'; filePath?: string },
) => GuardVerdict | Promise<GuardVerdict>;

export const PASS_THROUGH_TEXT_GUARD: TextGuard = (text) => ({ decision: 'allow', text });

export class GuardBlockedError extends Error {
  constructor(
    readonly direction: 'input' | 'output',
    reason: string | undefined,
  ) {
    super(
      direction === 'input'
        ? `Not sent: the compliance policy blocks this request${reason ? `: ${reason}` : ''}.`
        : `The answer was withheld: the compliance policy blocks it${reason ? `: ${reason}` : ''}.`,
    );
    this.name = 'GuardBlockedError';
  }
}

export class NoCodeInAnswerError extends Error {
  constructor(readonly answer: string) {
    super('The model answered without a code block, so there is nothing to propose.');
    this.name = 'NoCodeInAnswerError';
  }
}

export interface AssistDeps {
  model: AssistModel;
  profile: ModelProfile;
  guard?: TextGuard;
}

export interface TestGenResult {
  prompt: TestGenPrompt;
  /** Workspace-relative path of the file the content is for. */
  testFile: string;
  /** The file as it is now, or undefined when it is new. */
  originalContent: string | undefined;
  /** The code the model produced (the addition, or the whole file). */
  code: string;
  /** False when the answer was cut off inside its code block. */
  complete: boolean;
  /** The whole file as it would be after accepting. */
  proposedContent: string;
  /** What the guard did, when it did something (redacted, warned). */
  notices: string[];
}

export async function generateTests(
  deps: AssistDeps,
  input: TestGenInput,
  signal: AbortSignal,
): Promise<TestGenResult> {
  const prompt = buildTestGenPrompt(input);
  const notices: string[] = [];
  const messages = await guardMessages(deps, prompt.messages, input.sourcePath, notices);
  const answer = await askModel(deps, messages, 'tests', input.sourcePath, signal, notices);
  const extracted = extractCode(answer, prompt.fenceLanguage);
  if (!extracted) throw new NoCodeInAnswerError(answer);
  const original = input.existingTestFile;
  return {
    prompt,
    testFile: input.target.testFile,
    originalContent: original,
    code: extracted.code,
    complete: extracted.complete,
    proposedContent: mergeTestCode(original ?? '', extracted.code, prompt.strategy),
    notices,
  };
}

/** One repair round: the failure output goes back with the proposal; the answer replaces the whole file. */
export async function repairTests(
  deps: AssistDeps,
  previous: TestGenResult,
  failureOutput: string,
  signal: AbortSignal,
): Promise<TestGenResult> {
  const notices: string[] = [];
  const messages = await guardMessages(
    deps,
    buildRepairMessages(previous.prompt, previous.proposedContent, failureOutput, previous.testFile),
    previous.testFile,
    notices,
  );
  const answer = await askModel(deps, messages, 'tests', previous.testFile, signal, notices);
  const extracted = extractCode(answer, previous.prompt.fenceLanguage);
  if (!extracted) throw new NoCodeInAnswerError(answer);
  return {
    ...previous,
    originalContent: previous.proposedContent,
    code: extracted.code,
    complete: extracted.complete,
    proposedContent: mergeTestCode('', extracted.code, 'replace'),
    notices,
  };
}

/** Scans the messages we did not write ourselves (every user message); the system prompt is ours. */
export async function guardMessages(
  deps: AssistDeps,
  messages: readonly ChatMessage[],
  filePath: string,
  notices: string[],
  feature: 'tests' | 'diagnosis' = 'tests',
): Promise<ChatMessage[]> {
  const guard = deps.guard ?? PASS_THROUGH_TEXT_GUARD;
  const out: ChatMessage[] = [];
  for (const message of messages) {
    if (message.role === 'system') {
      out.push(message);
      continue;
    }
    const verdict = await guard(message.content, { direction: 'input', feature, filePath });
    if (verdict.decision === 'block') throw new GuardBlockedError('input', verdict.reason);
    if (verdict.decision !== 'allow' && verdict.reason) notices.push(verdict.reason);
    out.push({ role: message.role, content: verdict.text });
  }
  return out;
}

/** Streams the whole answer, then lets the guard see it before anything uses it. */
export async function askModel(
  deps: AssistDeps,
  messages: ChatMessage[],
  feature: 'tests' | 'diagnosis',
  filePath: string,
  signal: AbortSignal,
  notices: string[],
  extra: Partial<ChatRequest> = {},
): Promise<string> {
  let answer = '';
  for await (const delta of deps.model.streamChat(
    deps.profile,
    { ...extra, messages },
    { signal, feature },
  )) {
    answer += delta;
  }
  if (signal.aborted) throw new DOMException('The request was cancelled.', 'AbortError');
  const guard = deps.guard ?? PASS_THROUGH_TEXT_GUARD;
  const verdict = await guard(answer, { direction: 'output', feature, filePath });
  if (verdict.decision === 'block') throw new GuardBlockedError('output', verdict.reason);
  if (verdict.decision !== 'allow' && verdict.reason) notices.push(verdict.reason);
  return verdict.text;
}
