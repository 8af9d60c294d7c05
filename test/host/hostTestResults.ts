// The results file a host-test run leaves for the runner outside the host: the extension host's console
// is not reliably visible from outside (code-server keeps it in its own logs), so the outcome is written
// to the path in AEGIS_TEST_RESULTS. Shared by the writer (index.ts) and the readers (the runners).

export interface HostTestOutcome {
  /** Full title: the describe blocks and the test, joined by spaces. */
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  /** Message and stack of a failure. */
  error?: string;
}

export interface HostTestResults {
  passes: number;
  failures: number;
  pending: number;
  /** Titles of the failed tests, in the order they failed. */
  failedTitles: string[];
  tests: HostTestOutcome[];
  /** The VS Code version the host reported. */
  vscodeVersion: string;
}

export function isHostTestResults(value: unknown): value is HostTestResults {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.passes === 'number' &&
    typeof record.failures === 'number' &&
    typeof record.pending === 'number' &&
    Array.isArray(record.failedTitles) &&
    Array.isArray(record.tests)
  );
}

/** Human-readable lines, like mocha's spec reporter, for a runner to print. */
export function formatHostTestResults(results: HostTestResults): string {
  const lines = [`VS Code ${results.vscodeVersion}`];
  for (const test of results.tests) {
    const mark = test.state === 'passed' ? 'ok  ' : test.state === 'failed' ? 'FAIL' : 'skip';
    lines.push(`  ${mark} ${test.title}`);
    if (test.error !== undefined) lines.push(...test.error.split('\n').map((line) => `         ${line}`));
  }
  // Not mocha's "N passing" wording: scripts that scrape mocha output must not count these lines twice.
  lines.push(`passed ${results.passes}, failed ${results.failures}, pending ${results.pending}`);
  return lines.join('\n');
}
