// Where the host and e2e harnesses find the repository and keep what a run leaves behind for debugging:
// logs, results and screenshots all go under .test-runs/ (gitignored) so a failed CI job can upload one folder.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (this file lives in test/support/). */
export const repoRoot = resolve(__dirname, '..', '..');

/** The sample workspace the host and e2e tests open. */
export const sampleWorkspace = join(repoRoot, 'test', 'fixtures', 'workspaces', 'sample');

/** `.test-runs/<parts...>`, created on first use. */
export function testRunsDir(...parts: string[]): string {
  const dir = join(repoRoot, '.test-runs', ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A sortable, filesystem-safe stamp plus the pid, so parallel runs never share a file. */
export function runStamp(): string {
  return `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
}
