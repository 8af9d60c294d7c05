// Builds the model request for one cursor position within the profile's token budget: the prefix and
// suffix cut at line boundaries (prefix favoured 3:1), the file's imports and enclosing headers kept when
// the prefix is cut above them, and context snippets chosen by score but laid out in a fixed order
// (path, then line) so the same state yields the same prompt byte for byte: server-side prefix caches
// depend on it. Snippets that do not fit are dropped whole. Also computes the cache key.

import { createHash } from 'node:crypto';
import type { CompletionProfile, ModelRequest } from './completionPorts';
import type { ContextSnippet, GatheredContext } from './contextGatherer';
import type { DocumentSnapshot } from './documentIndex';
import { buildModelRequest } from './fimDialects';
import type { ContextFile } from './fimDialects';
import { languageSupport } from './languageSupport';

export interface PromptInput {
  readonly profile: CompletionProfile;
  readonly document: DocumentSnapshot;
  readonly offset: number;
  readonly context: GatheredContext;
  readonly repoName?: string;
}

export interface BuiltPrompt {
  readonly request: ModelRequest;
  /** The prefix and suffix as sent (after cutting). */
  readonly prefix: string;
  readonly suffix: string;
  readonly multiline: boolean;
  readonly snippetsUsed: number;
  readonly snippetsDropped: number;
  /** Hash of everything that determines the answer. */
  readonly cacheKey: string;
}

/** Tokens kept free for the dialect's sentinels, paths and the tokenizer's error. */
const reservedTokens = 32;
const safetyMargin = 0.9;
/** Single-line answers stop at the first newline: asking for more only costs time. */
const singleLineMaxTokens = 64;
const snippetShare = 0.25;
const scopeShare = 0.15;

/** Estimated tokens for a text, from the language's characters-per-token average. */
export function estimateTokens(text: string, languageId: string): number {
  return Math.ceil(text.length / languageSupport(languageId).charsPerToken);
}

/** Characters of prompt text the profile leaves room for, after the answer's tokens. */
export function promptCharBudget(profile: CompletionProfile, languageId: string, maxTokens: number): number {
  const tokens = Math.max(0, (profile.contextWindow - maxTokens - reservedTokens) * safetyMargin);
  return Math.floor(tokens * languageSupport(languageId).charsPerToken);
}

/** The last `budget` characters of the prefix, starting at a line start; the cursor line is always kept. */
export function cutPrefix(prefix: string, budget: number): string {
  if (prefix.length <= budget) return prefix;
  const cursorLineStart = prefix.lastIndexOf('\n') + 1;
  const from = prefix.length - budget;
  if (from >= cursorLineStart) return prefix.slice(cursorLineStart);
  const lineStart = prefix.indexOf('\n', from - 1) + 1;
  return prefix.slice(lineStart);
}

/** The first `budget` characters of the suffix, ending at a line end; the rest of the cursor line is kept. */
export function cutSuffix(suffix: string, budget: number): string {
  if (suffix.length <= budget) return suffix;
  const firstBreak = suffix.indexOf('\n');
  if (firstBreak === -1 || firstBreak >= budget)
    return suffix.slice(0, firstBreak === -1 ? suffix.length : firstBreak);
  const lastBreak = suffix.lastIndexOf('\n', budget - 1);
  return suffix.slice(0, lastBreak + 1);
}

function compareSnippets(a: ContextSnippet, b: ContextSnippet): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.startLine - b.startLine || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
}

function lastLine(s: ContextSnippet): number {
  let n = s.startLine;
  for (let i = s.text.indexOf('\n'); i !== -1; i = s.text.indexOf('\n', i + 1)) n++;
  return n;
}

function overlaps(a: ContextSnippet, b: ContextSnippet): boolean {
  return a.startLine <= lastLine(b) && b.startLine <= lastLine(a);
}

/** Picks snippets by score within `budget` characters, then orders them by path and line. */
export function chooseSnippets(
  snippets: readonly ContextSnippet[],
  budget: number,
): { files: ContextFile[]; used: number; dropped: number } {
  const byScore = [...snippets].sort((a, b) => b.score - a.score || compareSnippets(a, b));
  const chosen: ContextSnippet[] = [];
  let spent = 0;
  for (const s of byScore) {
    // Overlapping regions of one file (a definition inside a recently edited range) are shown once.
    if (chosen.some((c) => c.path === s.path && overlaps(c, s))) continue;
    const cost = s.text.length + s.path.length + 16;
    if (spent + cost > budget) continue;
    chosen.push(s);
    spent += cost;
  }
  chosen.sort(compareSnippets);
  const files: ContextFile[] = [];
  for (const s of chosen) {
    const last = files[files.length - 1];
    if (last !== undefined && last.path === s.path)
      files[files.length - 1] = { path: s.path, text: `${last.text}\n\n${s.text}` };
    else files.push({ path: s.path, text: s.text });
  }
  return { files, used: chosen.length, dropped: snippets.length - chosen.length };
}

export function buildPrompt(input: PromptInput): BuiltPrompt {
  const { profile, document, offset, context } = input;
  const languageId = document.languageId;
  const multiline = context.multiline;
  const maxTokens = multiline ? profile.maxTokens : Math.min(profile.maxTokens, singleLineMaxTokens);
  const budget = promptCharBudget(profile, languageId, maxTokens);
  const fullPrefix = document.text.slice(0, offset);
  const fullSuffix = document.text.slice(offset);

  const snippetCost = context.snippets.reduce((n, s) => n + s.text.length + s.path.length + 16, 0);
  const snippetCap = Math.min(
    snippetCost,
    Math.max(budget * snippetShare, budget - fullPrefix.length - fullSuffix.length),
  );
  const chosen = chooseSnippets(context.snippets, snippetCap);
  const snippetChars = chosen.files.reduce((n, f) => n + f.text.length + f.path.length + 16, 0);
  let remaining = Math.max(0, budget - snippetChars);

  let prefix: string;
  let suffix: string;
  if (fullPrefix.length + fullSuffix.length <= remaining) {
    prefix = fullPrefix;
    suffix = fullSuffix;
  } else {
    // Imports and enclosing headers cut off by the prefix window are put back on top of it.
    let scope = '';
    const provisionalCut = fullPrefix.length - Math.floor(remaining * 0.75);
    const above = [...context.imports, ...context.scopeHeaders].filter((s) => s.offset < provisionalCut);
    for (const item of above) {
      const next = `${scope}${item.text}\n`;
      if (next.length > remaining * scopeShare) break;
      scope = next;
    }
    if (scope !== '') scope += '\n';
    remaining -= scope.length;
    let prefixBudget = Math.floor(remaining * 0.75);
    let suffixBudget = remaining - prefixBudget;
    if (fullSuffix.length < suffixBudget) {
      prefixBudget += suffixBudget - fullSuffix.length;
      suffixBudget = fullSuffix.length;
    } else if (fullPrefix.length < prefixBudget) {
      suffixBudget += prefixBudget - fullPrefix.length;
      prefixBudget = fullPrefix.length;
    }
    const cut = cutPrefix(fullPrefix, prefixBudget);
    prefix = cut.length < fullPrefix.length ? scope + cut : cut;
    suffix = cutSuffix(fullSuffix, suffixBudget);
  }

  const request = buildModelRequest(
    profile,
    {
      prefix,
      suffix,
      languageId,
      path: document.path,
      contextFiles: chosen.files,
      ...(input.repoName !== undefined ? { repoName: input.repoName } : {}),
    },
    maxTokens,
  );
  const cacheKey = createHash('sha256')
    .update(JSON.stringify([profile.id, profile.model, profile.fimDialect, multiline, request]))
    .digest('hex');
  return {
    request,
    prefix,
    suffix,
    multiline,
    snippetsUsed: chosen.used,
    snippetsDropped: chosen.dropped,
    cacheKey,
  };
}
