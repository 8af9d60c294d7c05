// Runs the same bundled host tests in desktop VS Code (Electron) through @vscode/test-electron, for
// machines that can download VS Code (it cannot here; code-server covers this machine and CI). On Linux
// without a display, run it under xvfb-run. Expects `npm run build` to have run.
// Usage: npx tsx test/host/runInElectron.ts   (AEGIS_VSCODE_VERSION=1.100.0 to test the oldest supported)
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot, runStamp, sampleWorkspace, testRunsDir } from '../support/testRunPaths';
import { formatHostTestResults, isHostTestResults } from './hostTestResults';

async function main(): Promise<number> {
  const extensionTestsPath = join(repoRoot, 'dist', 'host-tests', 'index.js');
  if (!existsSync(extensionTestsPath)) {
    console.error(`${extensionTestsPath} is missing: run \`npm run build\` first.`);
    return 1;
  }
  const resultsPath = join(testRunsDir('host'), `results-electron-${runStamp()}.json`);
  const profile = mkdtempSync(join(tmpdir(), 'aegis-electron-'));
  try {
    const exitCode = await runTests({
      version: process.env.AEGIS_VSCODE_VERSION ?? 'stable',
      // Downloads stay under the gitignored .test-runs/ rather than a new .vscode-test/ at the root.
      cachePath: testRunsDir('vscode-test'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      extensionTestsEnv: { AEGIS_TEST_RESULTS: resultsPath },
      launchArgs: [
        sampleWorkspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        join(profile, 'user-data'),
        '--extensions-dir',
        join(profile, 'extensions'),
      ],
    }).catch((error: unknown) => {
      // Also a failed download or launch, not only failing tests: say which.
      console.error(error instanceof Error ? error.message : error);
      return 1;
    });
    const results: unknown = existsSync(resultsPath)
      ? JSON.parse(readFileSync(resultsPath, 'utf8'))
      : undefined;
    if (!isHostTestResults(results)) {
      console.log('host: 0 passed, 1 failed');
      return 1;
    }
    console.log(formatHostTestResults(results));
    console.log(`host: ${results.passes} passed, ${results.failures} failed`);
    return exitCode === 0 && results.failures === 0 ? 0 : 1;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
