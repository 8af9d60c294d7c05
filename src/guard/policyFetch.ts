// Fetching a policy document over HTTP(S): one request with a timeout, a size limit, no downgrade from https
// to http through a redirect, and an origin fit for messages and logs (the query string, which may carry an
// access token, is not repeated).
export interface PolicyFetchOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export type PolicyFetchResult =
  | { kind: 'text'; text: string; response: Response }
  | { kind: 'not-modified'; response: Response }
  | { kind: 'error'; error: string };

/** A policy is a few kilobytes; a megabyte is a server answering with something else. */
export const MAX_POLICY_BYTES = 1024 * 1024;

const ACCEPT = 'application/yaml, application/json, text/plain';

/** The URL as messages and logs show it: without its query string or fragment. */
export function policyOrigin(url: string): string {
  try {
    const parsed = new URL(url);
    const hidden = parsed.search !== '' ? '?…' : '';
    parsed.search = '';
    parsed.hash = '';
    parsed.username = '';
    parsed.password = '';
    return `${parsed.toString()}${hidden}`;
  } catch {
    return url.replace(/[?#].*$/s, '');
  }
}

export async function fetchPolicyText(url: string, options: PolicyFetchOptions): Promise<PolicyFetchResult> {
  try {
    const response = await (options.fetch ?? fetch)(url, {
      headers: { accept: ACCEPT, ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    // A redirect may move the policy, never off https: that would let the network rewrite the rules.
    if (url.toLowerCase().startsWith('https:') && response.url !== '' && !response.url.startsWith('https:')) {
      await response.body?.cancel();
      return { kind: 'error', error: 'redirected to a URL that is not https' };
    }
    if (response.status === 304) return { kind: 'not-modified', response };
    if (!response.ok) {
      await response.body?.cancel();
      return { kind: 'error', error: `HTTP ${response.status}` };
    }
    const text = await readLimited(response, MAX_POLICY_BYTES);
    if (text === undefined) return { kind: 'error', error: `larger than ${MAX_POLICY_BYTES} bytes` };
    return { kind: 'text', text, response };
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : String(error);
    return { kind: 'error', error: reason };
  }
}

/** The body as UTF-8 text, or undefined (and the rest left unread) once it passes `max` bytes. */
async function readLimited(response: Response, max: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
