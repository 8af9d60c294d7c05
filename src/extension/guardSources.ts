// Reads the guard's policy layers from where the settings point: the organisation policy (a file or an https
// URL), the user policy (a file) and the workspace policy (.aegis/policy.yaml, .yml or .json in a workspace
// folder). Also the moderation endpoint client the scope rule may name. Reading is kept apart from the
// service so that what counts as "missing" (no text) and "unreadable" (an error) is decided in one place.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { fetchPolicyText, policyOrigin } from '../guard/policyFetch';
import type { PolicySource } from '../guard/policyLoader';
import type { ModerationRequest, ModerationVerdict } from '../guard/scanTypes';

/** Workspace policy file names, in the order they are looked for. */
export const WORKSPACE_POLICY_FILES: readonly string[] = [
  '.aegis/policy.yaml',
  '.aegis/policy.yml',
  '.aegis/policy.json',
];

const URL_TIMEOUT_MS = 10_000;

/** A layer's source plus where it lives, so the editor can save it and the service can watch it. */
export interface LocatedSource extends PolicySource {
  /** The file behind the source; undefined for URLs and unset layers. */
  uri?: vscode.Uri;
}

/** `~` is the home folder; other relative paths are refused, because their meaning would depend on the cwd. */
export function resolvePolicyPath(setting: string): string | undefined {
  const trimmed = setting.trim();
  if (trimmed === '') return undefined;
  if (trimmed === '~' || trimmed.startsWith('~/')) return join(homedir(), trimmed.slice(1));
  return trimmed;
}

/** Reads a policy named by a setting: an https URL or an absolute file path. Missing is not an error. */
export async function readPolicyLocation(location: string): Promise<LocatedSource> {
  if (/^https:\/\//i.test(location)) return fetchPolicy(location);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    return { origin: location, error: 'only https:// URLs and file paths are accepted' };
  }
  const path = resolvePolicyPath(location) ?? location;
  if (!isAbsolute(path)) {
    return { origin: location, error: 'the path must be absolute (or start with ~/)' };
  }
  const uri = vscode.Uri.file(path);
  try {
    return { origin: path, uri, text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { origin: path, uri };
    return { origin: path, uri, error: code ?? String(error) };
  }
}

async function fetchPolicy(url: string): Promise<LocatedSource> {
  const origin = policyOrigin(url);
  const answer = await fetchPolicyText(url, { timeoutMs: URL_TIMEOUT_MS });
  if (answer.kind === 'text') return { origin, text: answer.text };
  return { origin, error: answer.kind === 'error' ? answer.error : 'HTTP 304' };
}

/** The first workspace policy file found in the workspace folders, or where a new one would go. */
export async function findWorkspacePolicy(): Promise<LocatedSource | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  for (const folder of folders) {
    for (const name of WORKSPACE_POLICY_FILES) {
      const uri = vscode.Uri.joinPath(folder.uri, name);
      let bytes: Uint8Array;
      try {
        bytes = await vscode.workspace.fs.readFile(uri);
      } catch (error) {
        if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') continue;
        return { origin: originOf(folder, name), uri, error: String(error) };
      }
      return { origin: originOf(folder, name), uri, text: new TextDecoder().decode(bytes) };
    }
  }
  const first = folders[0];
  return first
    ? {
        origin: originOf(first, WORKSPACE_POLICY_FILES[0] ?? ''),
        uri: vscode.Uri.joinPath(first.uri, '.aegis', 'policy.yaml'),
      }
    : undefined;
}

function originOf(folder: vscode.WorkspaceFolder, name: string): string {
  return (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? `${folder.name}/${name}` : name;
}

/**
 * Asks a moderation endpoint about one (already redacted) prompt. Accepts the OpenAI moderation shape
 * (`{results: [{flagged, categories: {name: true}}]}`) and a plain `{flagged, categories: [...]}`.
 */
export async function moderate(request: ModerationRequest): Promise<ModerationVerdict> {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: request.text }),
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body: unknown = await response.json();
  const record = (value: unknown): Record<string, unknown> =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const results = record(body).results;
  const first = record(Array.isArray(results) ? results[0] : body);
  const raw = first.categories;
  const categories = Array.isArray(raw)
    ? raw.filter((c): c is string => typeof c === 'string')
    : Object.entries(record(raw))
        .filter(([, on]) => on === true)
        .map(([name]) => name);
  return { flagged: first.flagged === true, categories };
}
