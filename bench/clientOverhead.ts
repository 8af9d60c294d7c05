// Measures what the model client itself adds to a request: its total time minus the time the test server
// spent answering, over a few hundred streamed completions with zero server latency. Prints one JSON object.

import { performance } from 'node:perf_hooks';
import { ModelClient } from '../src/model/modelClient';
import type { RequestEvent } from '../src/model/modelClient';
import { DEFAULT_PROFILE } from '../src/model/profiles';
import { OpenAITestServer } from '../test/fixtures/openaiTestServer';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const WARMUP = 30;
const ANSWER = 'const total = items.reduce((sum, item) => sum + item.price, 0);';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

async function main(): Promise<void> {
  const server = new OpenAITestServer();
  await server.start();
  server.setDefault({ text: ANSWER, chunkChars: 4 });

  const events: RequestEvent[] = [];
  // Sub-millisecond epoch clock: Date.now() would round away most of what is being measured.
  const client = new ModelClient({
    getApiKey: () => Promise.resolve('sk-bench'),
    onRequest: (event) => events.push(event),
    now: () => performance.timeOrigin + performance.now(),
  });
  const profile = { ...DEFAULT_PROFILE, id: 'bench', baseUrl: server.baseUrl, headers: {} };

  const overheads: number[] = [];
  const ttfts: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    let text = '';
    const stream = client.streamCompletion(
      profile,
      { prompt: `function sum${i}(items) {\n  ` },
      { signal: new AbortController().signal, feature: 'completion' },
    );
    for await (const delta of stream) text += delta;
    await server.settled();
    if (text !== ANSWER) throw new Error(`unexpected answer ${JSON.stringify(text)}`);
    const event = events[events.length - 1];
    const serverMs = server.requests[server.requests.length - 1]?.serverMs;
    if (!event || serverMs === undefined) throw new Error('missing event or server timing');
    if (i < WARMUP) continue;
    overheads.push(event.totalMs - serverMs);
    totals.push(event.totalMs);
    if (event.ttftMs !== undefined) ttfts.push(event.ttftMs);
  }
  await server.stop();

  for (const list of [overheads, ttfts, totals]) list.sort((a, b) => a - b);
  const result = {
    clientOverhead: {
      requests: REQUESTS,
      chunksPerAnswer: Math.ceil(ANSWER.length / 4),
      p50Ms: round(percentile(overheads, 50)),
      p99Ms: round(percentile(overheads, 99)),
      ttftP50Ms: round(percentile(ttfts, 50)),
      ttftP99Ms: round(percentile(ttfts, 99)),
      totalP50Ms: round(percentile(totals, 50)),
      totalP99Ms: round(percentile(totals, 99)),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
