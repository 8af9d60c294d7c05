// Fill-in-the-middle prompt formats, one per dialect named in the model profile (never guessed from the
// model's name), with each dialect's stop tokens; plus two detectors that produce a one-time status bar
// hint: FIM tokens echoed back in an answer, and a chat/instruct model configured with a raw FIM dialect.

import type { ChatMessage, CompletionProfile, FimDialect, ModelRequest } from './completionPorts';
import { languageSupport } from './languageSupport';

/** A file (or part of one) from elsewhere in the workspace, placed before the current file. */
export interface ContextFile {
  readonly path: string;
  readonly text: string;
}

export interface FimInput {
  readonly prefix: string;
  readonly suffix: string;
  readonly languageId: string;
  /** Workspace-relative path of the current file, with forward slashes. */
  readonly path: string;
  /** Context in the order it must appear (the prompt builder makes that order deterministic). */
  readonly contextFiles: readonly ContextFile[];
  readonly repoName?: string;
}

const qwenTokens = [
  '<|endoftext|>',
  '<|fim_prefix|>',
  '<|fim_suffix|>',
  '<|fim_middle|>',
  '<|fim_pad|>',
  '<|file_sep|>',
  '<|repo_name|>',
  '<|im_start|>',
  '<|im_end|>',
];
const starcoderTokens = [
  '<|endoftext|>',
  '<fim_prefix>',
  '<fim_suffix>',
  '<fim_middle>',
  '<fim_pad>',
  '<file_sep>',
  '<repo_name>',
];
const deepseekTokens = [
  '<｜fim▁begin｜>',
  '<｜fim▁hole｜>',
  '<｜fim▁end｜>',
  '<｜end▁of▁sentence｜>',
  '<|EOT|>',
];
const codellamaTokens = ['<EOT>', '<PRE>', '<SUF>', '<MID>', '</s>'];
const codestralTokens = ['[PREFIX]', '[SUFFIX]', '[MIDDLE]', '[INST]', '[/INST]', '</s>'];
// Generic end markers servers leak when the template is wrong; stopping on them is always safe.
const genericTokens = ['<|endoftext|>', '</s>', '<|im_end|>', '<|end|>', '<|eot_id|>'];

/** Stop sequences the server should stop on for a dialect. */
export function dialectStopTokens(dialect: FimDialect): readonly string[] {
  switch (dialect) {
    case 'qwen':
      return qwenTokens;
    case 'starcoder':
      return starcoderTokens;
    case 'deepseek':
      return deepseekTokens;
    case 'codellama':
      return codellamaTokens;
    case 'codestral':
      return codestralTokens;
    case 'suffix':
    case 'none':
      return genericTokens;
  }
}

/** Every special token any dialect uses: used to spot tokens the model echoes back as text. */
export const allFimTokens: readonly string[] = [
  ...new Set([
    ...qwenTokens,
    ...starcoderTokens,
    ...deepseekTokens,
    ...codellamaTokens,
    ...codestralTokens,
    ...genericTokens,
  ]),
];

/** Context rendered as line comments, for dialects with no file separator token. */
function commentedContext(files: readonly ContextFile[], languageId: string): string {
  if (files.length === 0) return '';
  const c = languageSupport(languageId).lineComment;
  let out = '';
  for (const file of files) {
    out += `${c} Path: ${file.path}\n`;
    for (const line of file.text.split('\n')) out += line.length > 0 ? `${c} ${line}\n` : `${c}\n`;
  }
  return out;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The raw prompt text for a FIM dialect (not for `chat`). */
export function buildFimPrompt(dialect: Exclude<FimDialect, 'suffix' | 'none'>, input: FimInput): string {
  const { prefix, suffix, contextFiles } = input;
  switch (dialect) {
    case 'qwen': {
      // Qwen2.5-Coder's repository-level format when there is context, plain file-level FIM otherwise.
      if (contextFiles.length === 0 && input.repoName === undefined) {
        return `<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`;
      }
      let out = input.repoName !== undefined ? `<|repo_name|>${input.repoName}\n` : '';
      for (const f of contextFiles) out += `<|file_sep|>${f.path}\n${withNewline(f.text)}`;
      return `${out}<|file_sep|>${input.path}\n<|fim_prefix|>${prefix}<|fim_suffix|>${suffix}<|fim_middle|>`;
    }
    case 'starcoder': {
      // StarCoder2 was trained on repository-level FIM: the only added newline follows each path.
      if (contextFiles.length === 0 && input.repoName === undefined) {
        return `<fim_prefix>${prefix}<fim_suffix>${suffix}<fim_middle>`;
      }
      let out = input.repoName !== undefined ? `<repo_name>${input.repoName}` : '';
      for (const f of contextFiles) out += `<file_sep>${f.path}\n${withNewline(f.text)}`;
      return `${out}<file_sep><fim_prefix>${input.path}\n${prefix}<fim_suffix>${suffix}<fim_middle>`;
    }
    case 'deepseek':
      return `<｜fim▁begin｜>${commentedContext(contextFiles, input.languageId)}${prefix}<｜fim▁hole｜>${suffix}<｜fim▁end｜>`;
    case 'codellama':
      // The spaces around the sentinels are part of Code Llama's infilling format.
      return `<PRE> ${commentedContext(contextFiles, input.languageId)}${prefix} <SUF>${suffix} <MID>`;
    case 'codestral':
      // Suffix first (SPM order), as Mistral's FIM endpoint lays it out.
      return `[SUFFIX]${suffix}[PREFIX]${commentedContext(contextFiles, input.languageId)}${prefix}`;
  }
}

const chatSystemPrompt =
  'You complete code. You are given the code before and after the cursor. Reply with only the code that ' +
  'belongs at the cursor, in one fenced code block, without repeating the code before or after it and ' +
  'without explanations.';

/** Messages for the chat fallback: the reply's code fence is stripped by the filters. */
export function buildChatMessages(input: FimInput): ChatMessage[] {
  let context = '';
  for (const f of input.contextFiles) context += `File ${f.path}:\n\`\`\`\n${withNewline(f.text)}\`\`\`\n\n`;
  const user =
    `${context}File ${input.path} (${input.languageId}). Code before the cursor:\n\`\`\`\n${input.prefix}\n\`\`\`\n` +
    `Code after the cursor:\n\`\`\`\n${input.suffix}\n\`\`\`\n` +
    'Write only the missing code at the cursor.';
  return [
    { role: 'system', content: chatSystemPrompt },
    { role: 'user', content: user },
  ];
}

/** The request for a profile: chat when the profile says chat, else the dialect's FIM prompt. */
export function buildModelRequest(
  profile: CompletionProfile,
  input: FimInput,
  maxTokens: number,
): ModelRequest {
  const common = { maxTokens, temperature: profile.temperature };
  if (profile.apiStyle === 'chat') {
    return { apiStyle: 'chat', messages: buildChatMessages(input), stop: genericTokens, ...common };
  }
  switch (profile.fimDialect) {
    case 'suffix':
      return {
        apiStyle: 'completions',
        prompt: commentedContext(input.contextFiles, input.languageId) + input.prefix,
        suffix: input.suffix,
        stop: genericTokens,
        ...common,
      };
    case 'none':
      // No infilling: a plain continuation of the prefix.
      return {
        apiStyle: 'completions',
        prompt: commentedContext(input.contextFiles, input.languageId) + input.prefix,
        stop: genericTokens,
        ...common,
      };
    default:
      return {
        apiStyle: 'completions',
        prompt: buildFimPrompt(profile.fimDialect, input),
        stop: dialectStopTokens(profile.fimDialect),
        ...common,
      };
  }
}

/** A message for the status bar, shown once per kind and profile. */
export interface CompletionHint {
  readonly kind: 'echoedFimTokens' | 'chatModelWithFimDialect' | 'fimDialectWithChatApi';
  readonly message: string;
}

/** The answer contains FIM sentinels as text: the dialect in the profile does not match the model. */
export function detectEchoedFimTokens(
  output: string,
  profile: CompletionProfile,
): CompletionHint | undefined {
  const found = allFimTokens.find((token) => output.includes(token));
  if (found === undefined) return undefined;
  return {
    kind: 'echoedFimTokens',
    message:
      `The model "${profile.model}" returned the token ${found} as text: its FIM dialect is probably not ` +
      `"${profile.fimDialect}". Check the completion profile "${profile.id}".`,
  };
}

const chatModelName =
  /(?:^|[-_./:])(?:instruct|chat|it|assistant)(?:$|[-_./:\d])|\bgpt-|\bclaude|\bo[134]-|\bllama-?3/i;

/** The configuration mixes a chat/instruct model with a raw FIM prompt, or a FIM dialect with a chat API. */
export function detectProfileMismatch(profile: CompletionProfile): CompletionHint | undefined {
  const rawFim =
    profile.apiStyle === 'completions' && profile.fimDialect !== 'suffix' && profile.fimDialect !== 'none';
  if (rawFim && chatModelName.test(profile.model)) {
    return {
      kind: 'chatModelWithFimDialect',
      message:
        `"${profile.model}" looks like a chat or instruct model, but profile "${profile.id}" sends it raw ` +
        `${profile.fimDialect} FIM prompts. Use a base/coder model for completion, or set the API style to chat.`,
    };
  }
  if (profile.apiStyle === 'chat' && profile.fimDialect !== 'none') {
    return {
      kind: 'fimDialectWithChatApi',
      message: `Profile "${profile.id}" uses the chat API, so its FIM dialect "${profile.fimDialect}" is ignored.`,
    };
  }
  return undefined;
}
