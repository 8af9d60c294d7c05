// Runs the bundled host tests (dist/host-tests/index.js) inside code-server's real extension host:
// starts code-server on the sample workspace, opens the workbench with VS Code's extension-test payload
// in headless Chromium, and waits for the exit code the workbench reports through codeAutomationExit.
// Prints the results and a final `host: N passed, N failed` line; exits 0 only if every test passed.
// Expects `npm run build` to have run. Usage: npx tsx test/host/runInCodeServer.ts
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../support/browser';
import type { BrowserSession } from '../support/browser';
import { startCodeServer } from '../support/codeServer';
import type { CodeServer } from '../support/codeServer';
import { repoRoot, runStamp, sampleWorkspace, testRunsDir } from '../support/testRunPaths';
import { formatHostTestResults, isHostTestResults } from './hostTestResults';

const timeoutMs = Number(process.env.AEGIS_HOST_TIMEOUT_MS ?? 300_000);

async function main(): Promise<number> {
  const testsEntry = join(repoRoot, 'dist', 'host-tests', 'index.js');
  for (const built of [join(repoRoot, 'dist', 'extension.js'), testsEntry]) {
    if (!existsSync(built)) {
      console.error(`${built} is missing: run \`npm run build\` first.`);
      return 1;
    }
  }
  const stamp = runStamp();
  const resultsPath = join(testRunsDir('host'), `results-${stamp}.json`);
  const consoleLog = join(testRunsDir('host'), `workbench-console-${stamp}.log`);
  rmSync(resultsPath, { force: true });

  let server: CodeServer | undefined;
  let browser: BrowserSession | undefined;
  const cleanUp = async () => {
    await browser?.close();
    await server?.stop();
  };
  // Ctrl+C or a CI cancel must not leave code-server and Chromium running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    server = await startCodeServer({
      name: 'host',
      workspace: sampleWorkspace,
      env: { AEGIS_TEST_RESULTS: resultsPath },
    });
    browser = await launchBrowser({ onConsole: (line) => appendFileSync(consoleLog, `${line}\n`) });

    let reportExit: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => (reportExit = resolve));
    // The workbench calls window.codeAutomationExit(code, logs) when the extension-test run ends.
    await browser.page.exposeFunction('codeAutomationExit', (code: unknown, ...logs: unknown[]) => {
      for (const entry of logs) appendFileSync(consoleLog, `[exit log] ${JSON.stringify(entry)}\n`);
      reportExit(typeof code === 'number' ? code : 1);
    });
    const url = server.workbenchUrl({
      payload: [
        ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
        ['extensionTestsPath', server.remoteUri(testsEntry)],
      ],
    });
    await browser.page.goto(url);

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
    );
    const outcome = await Promise.race([exitCode, timedOut]);
    clearTimeout(timer);

    const results: unknown = existsSync(resultsPath)
      ? JSON.parse(readFileSync(resultsPath, 'utf8'))
      : undefined;
    if (isHostTestResults(results)) console.log(formatHostTestResults(results));
    console.log(`logs: ${server.logFile}, ${server.logsDir}, ${consoleLog}`);

    if (outcome === 'timeout') {
      await browser.workbench.screenshot(`host-timeout-${stamp}`).catch(() => undefined);
      console.error(`The extension host did not report within ${timeoutMs} ms.`);
      console.log('host: 0 passed, 1 failed');
      return 1;
    }
    if (!isHostTestResults(results)) {
      console.error(`The host exited with ${outcome} but wrote no results to ${resultsPath}.`);
      console.log('host: 0 passed, 1 failed');
      return 1;
    }
    console.log(`host: ${results.passes} passed, ${results.failures} failed`);
    return outcome === 0 && results.failures === 0 && results.passes > 0 ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    console.log('host: 0 passed, 1 failed');
    process.exit(1);
  },
);
