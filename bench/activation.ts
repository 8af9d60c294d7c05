// Activation cost of Aegis in a real VS Code (code-server): the time activate() takes, the time to evaluate
// the extension bundle, and (for scale) the wall time from opening the workbench until the probe finished.
// Each run is a fresh code-server and browser. Usage: npm run build && npx tsx bench/activation.ts [--runs N]
// [--extension DIR]: DIR (default: this repository) is the extension folder to load, with its built dist/, so
// that two builds can be compared in alternating runs under the same machine load.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowser } from '../test/support/browser';
import { startCodeServer } from '../test/support/codeServer';
import { repoRoot, runStamp, sampleWorkspace, testRunsDir } from '../test/support/testRunPaths';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (rank - low);
}

const round = (value: number): number => Math.round(value * 100) / 100;

interface RunResult {
  activationMs: number;
  bundleEvalMs: number;
  workbenchToProbeMs: number;
}

async function once(index: number, extensionDir: string): Promise<RunResult> {
  const probe = join(extensionDir, 'dist', 'host-bench', 'activationProbe.js');
  if (!existsSync(probe)) throw new Error(`${probe} is missing: run \`npm run build\` first.`);
  const out = join(testRunsDir('bench'), `activation-${runStamp()}-${index}.json`);
  rmSync(out, { force: true });
  const server = await startCodeServer({
    name: `bench-activation-${index}`,
    workspace: sampleWorkspace,
    env: { AEGIS_BENCH_OUT: out },
  });
  const browser = await launchBrowser();
  try {
    let done: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (done = resolve));
    await browser.page.exposeFunction('codeAutomationExit', (code: unknown) =>
      done(typeof code === 'number' ? code : 1),
    );
    const opened = performance.now();
    await browser.page.goto(
      server.workbenchUrl({
        payload: [
          ['extensionDevelopmentPath', server.remoteUri(extensionDir)],
          ['extensionTestsPath', server.remoteUri(probe)],
        ],
      }),
    );
    const code = await Promise.race([
      exited,
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), 60_000)),
    ]);
    if (code !== 0 || !existsSync(out)) throw new Error(`the activation probe failed (exit ${code})`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { activationMs: number; bundleEvalMs: number[] };
    return {
      activationMs: result.activationMs,
      bundleEvalMs: percentile(result.bundleEvalMs, 50),
      workbenchToProbeMs: performance.now() - opened,
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5;
  const extensionArg = process.argv.indexOf('--extension');
  const extensionDir = extensionArg >= 0 ? resolve(process.argv[extensionArg + 1] ?? '') : repoRoot;
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await once(i, extensionDir));
  const summary = (pick: (r: RunResult) => number) => ({
    p50Ms: round(percentile(results.map(pick), 50)),
    maxMs: round(Math.max(...results.map(pick))),
  });
  console.log(
    JSON.stringify({
      activation: {
        runs,
        activate: summary((r) => r.activationMs),
        bundleEval: summary((r) => r.bundleEvalMs),
        workbenchToProbeDone: summary((r) => r.workbenchToProbeMs),
      },
    }),
  );
}

void main();
