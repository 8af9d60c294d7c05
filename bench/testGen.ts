// Measures test generation's own time: from the command (detect the framework, build the prompt) to the diff
// content being ready, minus the time the test server spent answering, for a 300-line TypeScript file in a
// Vitest workspace with one existing test file. Prints one JSON object.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { planTests } from '../src/assist/testFrameworkDetect';
import { createDiskFileSystem } from '../src/assist/testFrameworkFs';
import { generateTests } from '../src/assist/testGenPipeline';
import { leadingImports } from '../src/assist/testGenSymbols';
import { ModelClient } from '../src/model/modelClient';
import { DEFAULT_PROFILE } from '../src/model/profiles';
import { OpenAITestServer } from '../test/fixtures/openaiTestServer';

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const WARMUP = 10;

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function sourceFile(lines: number): string {
  const out = ["import { readFileSync } from 'node:fs';", "import type { Options } from './options';", ''];
  for (let i = 0; out.length < lines - 1; i++) {
    out.push(`export function step${i}(value: number, options: Options): number {`);
    out.push(`  if (value < ${i}) return options.floor;`);
    out.push(`  return value * ${i + 1} + options.offset;`);
    out.push('}', '');
  }
  return `${out.slice(0, lines).join('\n')}\n`;
}

const ANSWER = [
  'Here are the tests:',
  '',
  '```ts',
  "import { describe, expect, it } from 'vitest';",
  "import { step3 } from './engine';",
  '',
  "describe('step3', () => {",
  "  it('returns the floor below 3', () => {",
  '    expect(step3(1, { floor: 7, offset: 0 })).toBe(7);',
  '  });',
  "  it('scales and offsets', () => {",
  '    expect(step3(5, { floor: 0, offset: 1 })).toBe(21);',
  '  });',
  '});',
  '```',
].join('\n');

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'aegis-bench-testgen-'));
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ devDependencies: { vitest: '2' } }));
  writeFileSync(join(root, 'src/engine.ts'), sourceFile(300));
  writeFileSync(join(root, 'src/other.ts'), 'export const other = 1;\n');
  writeFileSync(join(root, 'src/other.test.ts'), "import { it } from 'vitest';\nit('works', () => {});\n");

  const server = new OpenAITestServer();
  await server.start();
  server.setDefault({ text: ANSWER, chunkChars: 16 });
  const client = new ModelClient({
    getApiKey: () => Promise.resolve(undefined),
    onRequest: () => undefined,
    now: () => performance.timeOrigin + performance.now(),
  });
  const profile = {
    ...DEFAULT_PROFILE,
    id: 'bench',
    apiStyle: 'chat' as const,
    baseUrl: server.baseUrl,
    headers: {},
    maxTokens: 2000,
  };

  const overheads: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const started = performance.now();
    const fs = createDiskFileSystem(root);
    const plan = await planTests(fs, 'src/engine.ts');
    if (!plan) throw new Error('no plan');
    const text = readFileSync(join(root, 'src/engine.ts'), 'utf8');
    const example = await fs.readText('src/other.test.ts');
    const result = await generateTests(
      { model: client, profile },
      {
        target: plan,
        sourcePath: 'src/engine.ts',
        code: text,
        imports: leadingImports(text),
        typeSignatures: [],
        ...(example ? { example: { path: 'src/other.test.ts', content: example } } : {}),
      },
      new AbortController().signal,
    );
    const elapsed = performance.now() - started;
    await server.settled();
    if (!result.proposedContent.includes("describe('step3'")) throw new Error('unexpected proposal');
    const serverMs = server.requests[server.requests.length - 1]?.serverMs;
    if (serverMs === undefined) throw new Error('missing server timing');
    if (i < WARMUP) continue;
    overheads.push(elapsed - serverMs);
    totals.push(elapsed);
  }
  await server.stop();
  rmSync(root, { recursive: true, force: true });
  overheads.sort((a, b) => a - b);
  totals.sort((a, b) => a - b);
  const round = (n: number): number => Math.round(n * 1000) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      testGen: {
        runs: RUNS,
        sourceLines: 300,
        overheadP50Ms: round(percentile(overheads, 50)),
        overheadP95Ms: round(percentile(overheads, 95)),
        totalP50Ms: round(percentile(totals, 50)),
      },
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
