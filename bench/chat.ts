// Chat benchmark: the chat page's own bundle (dist/media/chat.js) in Debian's Chromium, wired to the real chat
// engine (ChatSession, ModelClient, the openai SDK) talking to the OpenAI test server on 127.0.0.1, with the
// extension's message passing replaced by a direct bridge. It measures
//  1. the time from pressing Enter in the page to the first answer token on screen, against the time to first
//     token that the test server itself takes (its scripted latency), p50 and p95 over repeated questions;
//  2. the rendering cost of a 2,000-line answer: the longest single render step of the page (one streaming
//     frame, or the final render of the finished answer), timed inside the page around its own callbacks.
// Run `npm run build` first. Prints one JSON object.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { PASS_THROUGH_GUARD } from '../src/assist/chatGuard';
import { CHAT_STRING_KEYS, parsePageMessage } from '../src/assist/chatProtocol';
import type { ChatStrings, HostMessage } from '../src/assist/chatProtocol';
import { ChatSession, memoryStore } from '../src/assist/chatSession';
import type { ChatEvents } from '../src/assist/chatSession';
import { ModelClient } from '../src/model/modelClient';
import type { ModelProfile } from '../src/model/profiles';
import { chromiumPath } from '../test/support/browser';
import { OpenAITestServer } from '../test/fixtures/openaiTestServer';

const ROOT = join(__dirname, '..');
const SERVER_TTFT_MS = Number(process.env.BENCH_SERVER_TTFT_MS ?? 100);
const QUESTIONS = Number(process.env.BENCH_QUESTIONS ?? 30);
const LONG_ANSWER_LINES = 2000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** About 2,000 lines of a typical long answer: headings, prose, lists and fenced code. */
function longAnswer(): string {
  const lines: string[] = [];
  for (let section = 0; lines.length < LONG_ANSWER_LINES; section++) {
    lines.push(`## Step ${section + 1}: the \`handler${section}\` function`, '');
    lines.push(
      `This part explains **why** handler ${section} validates its input before it touches the cache.`,
    );
    lines.push('- it returns early on an empty list', '- it never throws on a missing key', '');
    lines.push('```ts');
    for (let i = 0; i < 28; i++) {
      lines.push(
        `  const value${i} = input.items[${i}] ?? defaults.get('key-${section}-${i}'); // keep ${i}`,
      );
    }
    lines.push('```', '');
  }
  return lines.slice(0, LONG_ANSWER_LINES).join('\n');
}

/** Installed before the page's bundle: times each animation-frame callback and each message handler. */
const INSTRUMENT = `
window.__steps = [];
window.__enterAt = undefined;
window.__firstTokenAt = undefined;
const nativeRaf = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (callback) => nativeRaf((time) => {
  const start = performance.now();
  callback(time);
  window.__steps.push({ kind: 'frame', ms: performance.now() - start });
});
const nativeAdd = window.addEventListener.bind(window);
window.addEventListener = (type, listener, options) => {
  if (type !== 'message' || typeof listener !== 'function') return nativeAdd(type, listener, options);
  return nativeAdd(type, (event) => {
    const start = performance.now();
    listener(event);
    const kind = event.data && typeof event.data.type === 'string' ? event.data.type : 'message';
    window.__steps.push({ kind, ms: performance.now() - start });
  }, options);
};
document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) { window.__enterAt = performance.now(); window.__firstTokenAt = undefined; }
}, true);
new MutationObserver(() => {
  if (window.__enterAt === undefined || window.__firstTokenAt !== undefined) return;
  const live = document.querySelector('article.streaming .markdown-live, article.streaming .markdown-part');
  if (live && live.textContent && live.textContent.trim() !== '') window.__firstTokenAt = performance.now();
}).observe(document, { subtree: true, childList: true, characterData: true });
window.acquireVsCodeApi = () => ({ postMessage: (message) => window.__aegisToHost(message) });
`;

interface PageTimes {
  enterAt?: number;
  firstTokenAt?: number;
  steps: Array<{ kind: string; ms: number }>;
}

async function main(): Promise<void> {
  const bundle = join(ROOT, 'dist', 'media', 'chat.js');
  if (!existsSync(bundle)) throw new Error('dist/media/chat.js is missing: run `npm run build` first.');
  const server = new OpenAITestServer();
  await server.start();
  const profile: ModelProfile = {
    id: 'bench',
    baseUrl: server.baseUrl,
    model: 'bench-model',
    apiStyle: 'chat',
    fimDialect: 'none',
    contextWindow: 128_000,
    maxTokens: 100_000,
    temperature: 0,
    headers: {},
    timeoutMs: 30_000,
  };
  const clientTtft: number[] = [];
  const client = new ModelClient({
    getApiKey: () => Promise.resolve(undefined),
    onRequest: (event) => {
      if (event.ttftMs !== undefined) clientTtft.push(event.ttftMs);
    },
    now: () => Date.now(),
  });
  const session = new ChatSession({ model: client, guard: PASS_THROUGH_GUARD, store: memoryStore() });
  const strings = Object.fromEntries(CHAT_STRING_KEYS.map((key) => [key, key])) as ChatStrings;

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  try {
    const page: Page = await browser.newPage({ viewport: { width: 420, height: 900 } });
    let queue: Promise<unknown> = Promise.resolve();
    // Messages reach the page in the order they were sent, as VS Code's postMessage keeps them.
    const post = (message: HostMessage): void => {
      queue = queue.then(() => page.evaluate((data) => window.postMessage(data, '*'), message));
    };
    const turnDone: Array<() => void> = [];
    const events: ChatEvents = {
      turnStarted: (requestId, question, answerId) =>
        post({ type: 'turnStarted', requestId, question, answerId }),
      delta: (requestId, text) => post({ type: 'delta', requestId, text }),
      notice: (requestId, notice) => post({ type: 'notice', requestId, notice }),
      turnEnded: (requestId, status, answer) => {
        post({ type: 'turnEnded', requestId, status, answer });
        void queue.then(() => turnDone.shift()?.());
      },
    };
    await page.exposeFunction('__aegisToHost', (raw: unknown) => {
      const message = parsePageMessage(raw);
      if (message?.type === 'ready') {
        post({
          type: 'init',
          strings,
          locale: 'en',
          conversation: { id: session.conversation.id, title: '', messages: [] },
          conversations: [],
          profiles: [{ id: profile.id, description: profile.model }],
          profileId: profile.id,
          chips: [],
          commands: [],
        });
      } else if (message?.type === 'send') {
        void session.ask({ requestId: message.requestId, text: message.text, profile, context: [] }, events);
      }
    });
    const css = readFileSync(join(ROOT, 'dist', 'media', 'chat.css'), 'utf8');
    await page.setContent(
      `<!DOCTYPE html><html><head><style>${css}</style></head><body><div id="app"></div></body></html>`,
    );
    // The instrumentation must be in place before the bundle registers its listeners.
    await page.addScriptTag({ content: INSTRUMENT });
    await page.addScriptTag({ content: readFileSync(bundle, 'utf8') });
    await page.locator('textarea.input').waitFor();

    const ask = async (question: string): Promise<PageTimes> => {
      session.newConversation();
      const done = new Promise<void>((resolve) => turnDone.push(resolve));
      await page.evaluate(() => {
        (window as unknown as { __steps: unknown[] }).__steps = [];
      });
      const input = page.locator('textarea.input');
      await input.fill(question);
      await input.press('Enter');
      await done;
      await page.locator('article.streaming').waitFor({ state: 'detached' });
      return page.evaluate(() => {
        const w = window as unknown as {
          __enterAt?: number;
          __firstTokenAt?: number;
          __steps: Array<{ kind: string; ms: number }>;
        };
        return { enterAt: w.__enterAt, firstTokenAt: w.__firstTokenAt, steps: w.__steps };
      });
    };

    // 1. Enter to first rendered token, against the server's own time to first token.
    server.setDefault({
      text: 'The answer starts here, and goes on for a little while.\n\n```ts\nconst x = 1;\n```',
      latencyMs: SERVER_TTFT_MS,
      chunkChars: 8,
      chunkDelayMs: 5,
    });
    await ask('warm up'); // The first request also loads the SDK and opens the connection.
    clientTtft.length = 0;
    const enterToFirst: number[] = [];
    for (let i = 0; i < QUESTIONS; i++) {
      const times = await ask(`question ${i}`);
      if (times.enterAt !== undefined && times.firstTokenAt !== undefined) {
        enterToFirst.push(times.firstTokenAt - times.enterAt);
      }
    }

    // 2. A 2,000-line answer, streamed in 64-character chunks as fast as the server can send them.
    const answer = longAnswer();
    server.setDefault({ text: answer, chunkChars: 64 });
    const started = performance.now();
    const long = await ask('explain everything');
    const wallMs = performance.now() - started;
    const frames = long.steps.filter((s) => s.kind === 'frame').map((s) => s.ms);
    const finalRender = long.steps.filter((s) => s.kind === 'turnEnded').map((s) => s.ms);
    const longest = long.steps.reduce((a, b) => (b.ms > a.ms ? b : a), { kind: 'none', ms: 0 });
    const renderedLines = await page.evaluate(
      () =>
        document.querySelector('article.message-assistant:last-of-type')?.textContent?.split('\n').length ??
        0,
    );

    const overhead = enterToFirst.map((ms) => ms - SERVER_TTFT_MS);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'chat',
        browser: 'chromium (headless), the page bundle dist/media/chat.js',
        firstToken: {
          questions: enterToFirst.length,
          serverTtftMs: SERVER_TTFT_MS,
          clientTtftMsP50: round(percentile(clientTtft, 50)),
          enterToFirstRenderMsP50: round(percentile(enterToFirst, 50)),
          enterToFirstRenderMsP95: round(percentile(enterToFirst, 95)),
          ratioToServerTtftP50: round(percentile(enterToFirst, 50) / SERVER_TTFT_MS),
          overheadMsP50: round(percentile(overhead, 50)),
        },
        longAnswer: {
          lines: answer.split('\n').length,
          chars: answer.length,
          renderedTextLines: renderedLines,
          streamingFrames: frames.length,
          longestStreamingFrameMs: round(Math.max(0, ...frames)),
          streamingFrameMsP50: round(percentile(frames, 50)),
          finalRenderMs: round(finalRender[0] ?? NaN),
          longestStep: { kind: longest.kind, ms: round(longest.ms) },
          wallMs: round(wallMs),
        },
      })}\n`,
    );
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
