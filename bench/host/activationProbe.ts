// Runs inside a real extension host (loaded as extensionTestsPath by bench/activation.ts): reads how long
// Aegis's activate() took, and how long evaluating the extension bundle takes when it is loaded afresh.
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { AegisApi } from '../../src/extension/extension';

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<AegisApi>('aegis.aegis-code-assistant');
  if (!extension) throw new Error('Aegis is not installed in this host');
  const started = performance.now();
  const api = await extension.activate();
  const activateCallMs = performance.now() - started;

  // Evaluating the bundle again, with the real 'vscode' module, measures what loading costs before activate().
  const bundle = require.resolve(`${extension.extensionPath}/dist/extension.js`);
  const evalMs: number[] = [];
  for (let i = 0; i < 15; i++) {
    delete require.cache[bundle];
    const t0 = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(bundle);
    evalMs.push(performance.now() - t0);
  }
  const out = process.env.AEGIS_BENCH_OUT;
  if (!out) throw new Error('AEGIS_BENCH_OUT is not set');
  writeFileSync(
    out,
    JSON.stringify({ activationMs: api.activationMs, activateCallMs, bundleEvalMs: evalMs }),
  );
}
