// The host-test entry VS Code loads as `extensionTestsPath` (bundled by scripts/build.mjs into
// dist/host-tests/index.js, with 'mocha' left external). run() executes mocha's bdd suites inside the
// real extension host, writes the outcome to AEGIS_TEST_RESULTS when set, and rejects on any failure,
// which VS Code turns into exit code 1.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import type { HostTestOutcome, HostTestResults } from './hostTestResults';

/**
 * Every host suite, listed here so esbuild bundles them. They are imported only after mocha has put
 * `describe`/`it` on the global object (its pre-require event): a top-level import would run their
 * describe() calls before mocha exists.
 */
const suites: ReadonlyArray<[name: string, load: () => Promise<unknown>]> = [
  ['extensionSmoke', () => import('./suites/extensionSmoke.test')],
  ['foundation', () => import('./suites/foundation.test')],
  ['guard', () => import('./suites/guard.test')],
  ['completion', () => import('./suites/completion.test')],
  ['testgenTiming', () => import('./suites/testgenTiming.test')],
  ['teamSync', () => import('./suites/teamSync.test')],
  ['chatExplain', () => import('./suites/chatExplain.test')],
];

/**
 * Suite files in test/host/suites that the list above forgot: such a file would silently never run.
 * The bundle sits in dist/host-tests/, two levels below the repository root; a packaged copy without
 * the sources checks nothing.
 */
function unlistedSuites(): string[] {
  const dir = join(__dirname, '..', '..', 'test', 'host', 'suites');
  if (!existsSync(dir)) return [];
  const listed = new Set(suites.map(([name]) => name));
  return readdirSync(dir)
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => file.slice(0, -'.test.ts'.length))
    .filter((name) => !listed.has(name));
}

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.AEGIS_HOST_TEST_TIMEOUT_MS ?? 20_000),
    grep: process.env.AEGIS_HOST_TEST_GREP,
  });
  const unlisted = unlistedSuites();
  mocha.suite.addTest(
    new Mocha.Test('every file in test/host/suites is listed in test/host/index.ts', () => {
      assert.deepEqual(unlisted, []);
    }),
  );
  for (const [name, load] of suites) {
    mocha.suite.emit('pre-require', globalThis, name, mocha);
    mocha.suite.emit('require', await load(), name, mocha);
    mocha.suite.emit('post-require', globalThis, name, mocha);
  }

  const tests: HostTestOutcome[] = [];
  const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
      tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
    });
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => {
      tests.push({ title: test.fullTitle(), state: 'pending' });
    });
    // Also fires for failing hooks (before/after), which count as failures too.
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Runnable, error: Error) => {
      tests.push({ title: test.fullTitle(), state: 'failed', error: error.stack ?? String(error) });
    });
  });

  const failed = tests.filter((test) => test.state === 'failed');
  const results: HostTestResults = {
    passes: tests.filter((test) => test.state === 'passed').length,
    failures: failed.length,
    pending: tests.filter((test) => test.state === 'pending').length,
    failedTitles: failed.map((test) => test.title),
    tests,
    vscodeVersion: vscode.version,
  };
  const resultsPath = process.env.AEGIS_TEST_RESULTS;
  if (resultsPath !== undefined && resultsPath !== '') {
    writeFileSync(resultsPath, JSON.stringify(results, null, 2));
  }
  if (failures > 0 || results.failures > 0) {
    throw new Error(`${Math.max(failures, results.failures)} host test(s) failed`);
  }
}
