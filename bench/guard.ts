// Benchmark of the guard's detector catalogue: recall and precision on the labelled evaluation set
// (Aegis and secretlint's recommended preset in the same run), throughput on a ~1 MB mixed code corpus,
// and the scan latency of a 16 KB prompt. Prints one JSON object on stdout.
// Run: npx tsx bench/guard.ts
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { builtInDetectors, KeywordPrefilter, runDetectors } from '../src/guard/keywordPrefilter';
import { loadPolicyLayers } from '../src/guard/policyLoader';
import { loadEvalSet, scoreCategory } from '../test/fixtures/guard-eval/evalScoring';
import type { PredictedSpan } from '../test/fixtures/guard-eval/evalScoring';

const ROOT = join(__dirname, '..');
const CORPUS_BYTES = 1024 * 1024;
const PROMPT_BYTES = 16 * 1024;
const PROMPT_RUNS = 5000;
const PROMPT_WARMUP = 500;

function round(n: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

// Real source text from installed packages (deterministic order), with secrets from the evaluation
// set sprinkled in every ~32 KB so that detectors do real work, not only prefiltering.
function buildCorpus(secrets: readonly string[]): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.(?:ts|js|json|md|ya?ml)$/.test(name) && st.size < 200_000) files.push(p);
    }
  };
  for (const pkg of ['openai/src', 'js-yaml/lib', 'marked/src', 'ajv/lib', 'pg/lib']) {
    try {
      walk(join(ROOT, 'node_modules', pkg));
    } catch {
      // A package layout that differs only shrinks the pool.
    }
  }
  let corpus = '';
  let next = 0;
  let s = 0;
  for (const f of files) {
    corpus += readFileSync(f, 'utf8') + '\n';
    if (corpus.length >= next) {
      corpus += `\nconst CONFIG_VALUE = "${secrets[s++ % secrets.length] ?? ''}";\n`;
      next = corpus.length + 32 * 1024;
    }
    if (corpus.length >= CORPUS_BYTES) break;
  }
  return corpus.slice(0, CORPUS_BYTES);
}

async function main(): Promise<void> {
  const samples = loadEvalSet();
  const detectors = builtInDetectors();
  const prefilter = new KeywordPrefilter(detectors);

  // Accuracy: Aegis
  const ours: PredictedSpan[][] = samples.map((s) => runDetectors(s.text, detectors, prefilter));
  const ourSecret = scoreCategory(samples, ours, 'secret');
  const ourPii = scoreCategory(samples, ours, 'pii');

  // Accuracy: secretlint recommended preset (secrets only; it has no personal-data rules).
  const { lintSource } = await import('@secretlint/core');
  const preset = await import('@secretlint/secretlint-rule-preset-recommend');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] };
  const lint = async (content: string): Promise<PredictedSpan[]> => {
    const r = await lintSource({
      source: { content, filePath: 'prompt.txt', contentType: 'text' },
      options: { config },
    });
    return r.messages.map((m) => ({
      category: 'secret',
      start: m.range[0],
      end: m.range[1],
      detectorId: m.ruleId,
    }));
  };
  const theirs: PredictedSpan[][] = [];
  for (const s of samples) theirs.push(await lint(s.text));
  const theirSecret = scoreCategory(samples, theirs, 'secret');

  // Throughput on ~1 MB of code.
  const secrets = samples.flatMap((s) =>
    s.labels.filter((l) => l.category === 'secret').map((l) => s.text.slice(l.start, l.end)),
  );
  const corpus = buildCorpus(secrets.filter((v) => !v.includes('\n')));
  const mb = corpus.length / (1024 * 1024);
  runDetectors(corpus, detectors, prefilter); // warm-up: regex compilation, JIT
  const ourTimes: number[] = [];
  let corpusFindings = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = nowMs();
    corpusFindings = runDetectors(corpus, detectors, prefilter).length;
    ourTimes.push(nowMs() - t0);
  }
  ourTimes.sort((a, b) => a - b);
  const theirTimes: number[] = [];
  let theirCorpusFindings = 0;
  await lint(corpus);
  for (let i = 0; i < 2; i++) {
    const t0 = nowMs();
    theirCorpusFindings = (await lint(corpus)).length;
    theirTimes.push(nowMs() - t0);
  }
  theirTimes.sort((a, b) => a - b);

  // Latency of one 16 KB prompt (taken from the middle of the corpus, with a secret in it), through the path
  // a request takes: the recommended policy's scanInput (prefilter, detectors, rules, allowlists, redaction,
  // audit events with their hashes). Wall time and the process's CPU time are both taken per scan: on a
  // loaded machine the wall p99 measures the scheduler, the CPU p99 the scanner.
  const promptStart = corpus.indexOf('CONFIG_VALUE', CORPUS_BYTES / 2) - PROMPT_BYTES / 2;
  const prompt = corpus.slice(Math.max(0, promptStart), Math.max(0, promptStart) + PROMPT_BYTES);
  let audited = 0;
  const { guard } = loadPolicyLayers({ audit: { salt: 'bench', sink: () => void audited++ } });
  const scan = (): number =>
    guard.scanInput(prompt, { feature: 'chat', filePath: 'src/config.ts' }).findings.length;
  for (let i = 0; i < PROMPT_WARMUP; i++) scan();
  const lat: number[] = [];
  const cpu: number[] = [];
  let promptFindings = 0;
  for (let i = 0; i < PROMPT_RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = nowMs();
    promptFindings = scan();
    lat.push(nowMs() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  lat.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);

  const result = {
    bench: 'guard',
    evalSet: {
      samples: samples.length,
      secretLabels: ourSecret.labels,
      piiLabels: ourPii.labels,
      negativeSamples: samples.filter((s) => s.labels.length === 0).length,
    },
    detectors: {
      total: detectors.length,
      secret: detectors.filter((d) => d.category === 'secret').length,
      pii: detectors.filter((d) => d.category === 'pii').length,
    },
    aegis: {
      secret: { recall: round(ourSecret.recall), precision: round(ourSecret.precision) },
      pii: { recall: round(ourPii.recall), precision: round(ourPii.precision) },
      missedKinds: [...new Set([...ourSecret.missed, ...ourPii.missed].map((m) => m.kind))],
      falsePositiveDetectors: [
        ...new Set([...ourSecret.falsePositives, ...ourPii.falsePositives].map((f) => f.detectorId)),
      ],
    },
    secretlint: {
      preset: '@secretlint/secretlint-rule-preset-recommend',
      secret: { recall: round(theirSecret.recall), precision: round(theirSecret.precision) },
      pii: null,
    },
    throughput: {
      corpusBytes: corpus.length,
      aegisMBps: round(mb / ((ourTimes[2] ?? 1) / 1000), 2),
      aegisCorpusFindings: corpusFindings,
      secretlintMBps: round(mb / ((theirTimes[0] ?? 1) / 1000), 2),
      secretlintCorpusFindings: theirCorpusFindings,
    },
    prompt16k: {
      bytes: prompt.length,
      runs: PROMPT_RUNS,
      warmupRuns: PROMPT_WARMUP,
      findings: promptFindings,
      auditEvents: audited,
      p50Ms: round(percentile(lat, 50), 3),
      p99Ms: round(percentile(lat, 99), 3),
      cpuP50Ms: round(percentile(cpu, 50), 3),
      cpuP99Ms: round(percentile(cpu, 99), 3),
    },
    loadAverage1m: round(loadavg()[0] ?? 0, 2),
    cores: cpus().length,
    targets: {
      secretRecallAndPrecisionAtLeast095: ourSecret.recall >= 0.95 && ourSecret.precision >= 0.95,
      piiRecallAndPrecisionAtLeast098: ourPii.recall >= 0.98 && ourPii.precision >= 0.98,
      aboveSecretlint: ourSecret.recall > theirSecret.recall && ourSecret.precision >= theirSecret.precision,
      prompt16kP99Below2Ms: percentile(lat, 99) < 2,
      prompt16kCpuP99Below2Ms: percentile(cpu, 99) < 2,
    },
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
