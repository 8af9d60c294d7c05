// The chat engine end to end against the real OpenAI-compatible test server over HTTP: streaming, Stop at the
// HTTP level, guard decisions on the way out and on the way back, failures, regenerate and storage.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASS_THROUGH_GUARD } from '../../../src/assist/chatGuard';
import type { ChatGuard, ChatOutputStep } from '../../../src/assist/chatGuard';
import type { ContextItem } from '../../../src/assist/chatPrompt';
import type { ChatNotice, TurnStatus } from '../../../src/assist/chatProtocol';
import {
  ChatSession,
  keptQuestionText,
  WITHHELD_QUESTION,
  WITHHELD_REDACTED_QUESTION,
} from '../../../src/assist/chatSession';
import type { ChatEvents } from '../../../src/assist/chatSession';
import { ChatStore } from '../../../src/assist/chatStore';
import { OpenAITestServer } from '../../fixtures/openaiTestServer';
import { makeHarness, testProfile } from '../model/clientHarness';

interface Recorded extends ChatEvents {
  deltas: string[];
  notices: ChatNotice[];
  ended: TurnStatus[];
  firstDelta: Promise<void>;
}

function recorder(): Recorded {
  let resolveFirst: () => void = () => undefined;
  const firstDelta = new Promise<void>((resolve) => (resolveFirst = resolve));
  const rec: Recorded = {
    deltas: [],
    notices: [],
    ended: [],
    firstDelta,
    turnStarted: () => undefined,
    delta: (_id, text) => {
      rec.deltas.push(text);
      resolveFirst();
    },
    notice: (_id, notice) => rec.notices.push(notice),
    turnEnded: (_id, status) => rec.ended.push(status),
  };
  return rec;
}

const KEY = 'AKIAIOSFODNN7EXAMPLE';

/** A stand-in for the real guard with the same contract: blocks one marker, redacts a fake key, blocks output. */
const testGuard: ChatGuard = {
  scanInput: (text) => {
    if (text.includes('BLOCK-ME'))
      return {
        decision: 'block',
        text: '',
        findings: [{ ruleId: 'no-internal', message: 'internal project name' }],
      };
    if (text.includes(KEY)) {
      return {
        decision: 'redact',
        text: text.split(KEY).join('[AWS_KEY_1]'),
        findings: [{ ruleId: 'aws-key', message: 'AWS access key' }],
      };
    }
    return { decision: 'allow', text, findings: [] };
  },
  createOutputScanner: () => {
    let seen = '';
    let blocked = false;
    return {
      push: (chunk): ChatOutputStep => {
        if (blocked) return { text: '' };
        seen += chunk;
        if (seen.includes('SECRET')) {
          blocked = true;
          return { text: '', blocked: true, notice: 'The answer contained a secret and was stopped.' };
        }
        return { text: chunk };
      },
      end: () => ({ text: '' }),
    };
  },
};

/** The test guard, counting its scans and the findings it reports (each finding is one recorded decision). */
function countingGuard(): ChatGuard & { scans: string[]; decisions: number } {
  const counted = {
    ...testGuard,
    scans: [] as string[],
    decisions: 0,
    scanInput: async (text: string, ctx: Parameters<ChatGuard['scanInput']>[1]) => {
      counted.scans.push(text);
      const scan = await testGuard.scanInput(text, ctx);
      counted.decisions += scan.findings.length;
      return scan;
    },
  };
  return counted;
}

describe('chat session against the test server', () => {
  const server = new OpenAITestServer();
  let folder: string;
  let store: ChatStore;

  before(() => server.start());
  after(() => server.stop());
  beforeEach(async () => {
    server.reset();
    folder = await mkdtemp(join(tmpdir(), 'aegis-session-'));
    store = new ChatStore(folder);
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  function session(guard: ChatGuard = PASS_THROUGH_GUARD): ChatSession {
    return new ChatSession({ model: makeHarness().client, guard, store });
  }

  const profile = (): ReturnType<typeof testProfile> =>
    testProfile(server.baseUrl, { contextWindow: 8_192, maxTokens: 1_024 });
  const selection: ContextItem = {
    id: 'sel',
    kind: 'selection',
    path: 'src/cart.ts',
    languageId: 'typescript',
    text: 'export const total = (xs: number[]) => xs.reduce((a, b) => a + b);',
    range: { startLine: 3, endLine: 3 },
  };

  it('streams the answer in pieces, sends the context, and saves the conversation', async () => {
    const answer =
      'The reduce has no initial value, so an empty cart throws.\n\n```ts\nxs.reduce((a, b) => a + b, 0)\n```';
    server.enqueue({ text: answer, chunkChars: 5 });
    const chat = session();
    const events = recorder();
    const outcome = await chat.ask(
      { requestId: 'r1', text: '/fix', profile: profile(), context: [selection] },
      events,
    );

    assert.equal(outcome.status, 'complete');
    assert.ok(events.deltas.length > 5, `streamed in ${events.deltas.length} pieces`);
    assert.equal(events.deltas.join(''), answer);
    assert.deepEqual(events.ended, ['complete']);
    const body = server.requests[0]?.body as { messages: Array<{ role: string; content: string }> };
    assert.equal(body.messages[0]?.role, 'system');
    assert.match(body.messages[1]?.content ?? '', /Selected code from src\/cart\.ts, lines 3-3/);
    assert.match(body.messages[1]?.content ?? '', /Task: Find the bugs/);

    const stored = await store.open(chat.conversation.id);
    assert.equal(stored?.title, '/fix');
    assert.deepEqual(
      stored?.messages.map((m) => [m.role, m.status]),
      [
        ['user', undefined],
        ['assistant', 'complete'],
      ],
    );
    assert.equal(stored?.messages[0]?.context?.[0], 'cart.ts:3-3');
    assert.equal(stored?.messages[1]?.text, answer);
  });

  it('Stop closes the HTTP connection and keeps what was shown', async () => {
    server.enqueue({ text: 'word '.repeat(400), chunkChars: 5, chunkDelayMs: 20 });
    const chat = session();
    const events = recorder();
    const running = chat.ask(
      { requestId: 'r2', text: 'Explain closures', profile: profile(), context: [] },
      events,
    );
    await events.firstDelta;
    assert.equal(chat.stop('other-request'), false);
    assert.equal(chat.stop('r2'), true);
    const outcome = await running;
    await server.settled();

    assert.equal(outcome.status, 'stopped');
    assert.equal(server.requests[0]?.closedEarly, true);
    assert.ok(outcome.answer.text.length > 0 && outcome.answer.text.length < 2_000);
    assert.equal(outcome.answer.text, events.deltas.join(''));
    assert.equal(chat.busy, false);
  });

  it('a guard block shows a notice and sends nothing', async () => {
    const chat = session(testGuard);
    const events = recorder();
    const outcome = await chat.ask(
      { requestId: 'r3', text: 'What does BLOCK-ME do?', profile: profile(), context: [] },
      events,
    );

    assert.equal(outcome.status, 'blocked');
    assert.equal(server.requests.length, 0);
    assert.deepEqual(events.deltas, []);
    assert.equal(events.notices[0]?.kind, 'blocked');
    assert.match(events.notices[0]?.message ?? '', /internal project name/);
    const stored = await store.open(chat.conversation.id);
    assert.equal(stored?.messages[0]?.text, WITHHELD_QUESTION);
    assert.equal(stored?.messages[1]?.notices?.[0]?.kind, 'blocked');
  });

  it('a redaction sends the redacted text only, and says so', async () => {
    server.enqueue({ echo: 'prompt' });
    const chat = session(testGuard);
    const events = recorder();
    await chat.ask(
      { requestId: 'r4', text: `Why is ${KEY} rejected?`, profile: profile(), context: [] },
      events,
    );

    const sent = JSON.stringify(server.requests[0]?.body);
    assert.ok(!sent.includes(KEY));
    assert.ok(sent.includes('[AWS_KEY_1]'));
    assert.equal(events.notices[0]?.kind, 'redacted');
    const stored = await store.open(chat.conversation.id);
    assert.ok(!JSON.stringify(stored).includes(KEY), 'the key is not written to disk either');
  });

  it('an answer the output guard blocks stops streaming and closes the connection', async () => {
    server.enqueue({ text: `Here it is: SECRET ${'tail '.repeat(300)}`, chunkChars: 6, chunkDelayMs: 10 });
    const chat = session(testGuard);
    const events = recorder();
    const outcome = await chat.ask(
      { requestId: 'r5', text: 'Print the key', profile: profile(), context: [] },
      events,
    );
    await server.settled();

    assert.equal(outcome.status, 'blocked');
    assert.ok(!events.deltas.join('').includes('SECRET'));
    assert.equal(events.notices.at(-1)?.kind, 'blocked');
    assert.equal(server.requests[0]?.closedEarly, true);
  });

  it('a failing endpoint ends the turn as failed with the reason', async () => {
    server.enqueue({ status: 401 });
    const chat = session();
    const events = recorder();
    const outcome = await chat.ask(
      { requestId: 'r6', text: 'hello?', profile: profile(), context: [] },
      events,
    );
    assert.equal(outcome.status, 'failed');
    assert.equal(events.notices[0]?.kind, 'error');
    assert.ok((events.notices[0]?.message ?? '').length > 0);
  });

  it('sends earlier turns as history, and Regenerate replaces the last answer', async () => {
    server.enqueue({ text: 'first answer' }, { text: 'second answer' }, { text: 'second answer, again' });
    const chat = session();
    await chat.ask({ requestId: 'a', text: 'first question', profile: profile(), context: [] }, recorder());
    await chat.ask({ requestId: 'b', text: 'second question', profile: profile(), context: [] }, recorder());
    const second = server.requests[1]?.body as { messages: Array<{ role: string; content: string }> };
    assert.deepEqual(
      second.messages.slice(1).map((m) => m.content),
      ['first question', 'first answer', 'second question'],
    );

    const outcome = await chat.regenerate({ requestId: 'c', profile: profile() }, recorder());
    assert.equal(outcome.answer.text, 'second answer, again');
    assert.deepEqual(
      chat.conversation.messages.map((m) => m.text),
      ['first question', 'first answer', 'second question', 'second answer, again'],
    );
    const third = server.requests[2]?.body as { messages: Array<{ role: string; content: string }> };
    assert.deepEqual(
      third.messages.slice(1).map((m) => m.content),
      ['first question', 'first answer', 'second question'],
    );
  });

  it('refuses a second question while an answer is streaming', async () => {
    server.enqueue({ text: 'slow '.repeat(100), chunkDelayMs: 20 });
    const chat = session();
    const events = recorder();
    const running = chat.ask({ requestId: 'x1', text: 'one', profile: profile(), context: [] }, events);
    await events.firstDelta;
    await assert.rejects(
      chat.ask({ requestId: 'x2', text: 'two', profile: profile(), context: [] }, recorder()),
      /still being written/,
    );
    chat.stop();
    assert.equal((await running).status, 'stopped');
  });

  it('scans a redacted question once and keeps the redacted text of that scan', async () => {
    server.enqueue({ echo: 'prompt' });
    const guard = countingGuard();
    const chat = session(guard);
    await chat.ask(
      { requestId: 'g1', text: `/fix  why is ${KEY} rejected?`, profile: profile(), context: [selection] },
      recorder(),
    );

    assert.equal(guard.scans.length, 1, JSON.stringify(guard.scans));
    assert.equal(guard.decisions, 1);
    const stored = await store.open(chat.conversation.id);
    assert.equal(stored?.messages[0]?.text, '/fix  why is [AWS_KEY_1] rejected?');
    const sent = server.requests[0]?.body as { messages: Array<{ role: string; content: string }> };
    assert.ok(sent.messages[1]?.content.endsWith('Also: why is [AWS_KEY_1] rejected?'));
  });

  it('scans a blocked question once, sends nothing and keeps only the placeholder', async () => {
    const guard = countingGuard();
    const chat = session(guard);
    const outcome = await chat.ask(
      { requestId: 'g2', text: 'What does BLOCK-ME do?', profile: profile(), context: [selection] },
      recorder(),
    );

    assert.equal(outcome.status, 'blocked');
    assert.equal(guard.scans.length, 1, JSON.stringify(guard.scans));
    assert.equal(guard.decisions, 1);
    assert.equal(server.requests.length, 0);
    const stored = await store.open(chat.conversation.id);
    assert.equal(stored?.messages[0]?.text, WITHHELD_QUESTION);
  });

  it('scans each question once per turn when earlier turns are sent along', async () => {
    server.enqueue({ text: 'first answer' }, { text: 'second answer' });
    const guard = countingGuard();
    const chat = session(guard);
    await chat.ask({ requestId: 'h1', text: `Is ${KEY} live?`, profile: profile(), context: [] }, recorder());
    await chat.ask({ requestId: 'h2', text: 'And now?', profile: profile(), context: [] }, recorder());

    // The second turn scans its question and the stored (already redacted) first question: no new finding.
    assert.equal(guard.scans.length, 3, JSON.stringify(guard.scans));
    assert.equal(guard.decisions, 1);
    const stored = await store.open(chat.conversation.id);
    assert.equal(stored?.messages[0]?.text, 'Is [AWS_KEY_1] live?');
  });
});

describe('the question kept after one scan', () => {
  const redact = (text: string, value: string) => ({
    decision: 'redact' as const,
    text: text.split(value).join('<SECRET_1:key>'),
    findings: [{ ruleId: 'key', message: 'key' }],
  });

  it('keeps the question unchanged when only its context was redacted', () => {
    const sent = `Context from my workspace:\n\nconst key = "${KEY}";\n\nTask: Explain it.\n\nAlso: why?`;
    assert.equal(keptQuestionText('/explain why?', sent, redact(sent, KEY)), '/explain why?');
  });

  it('keeps a placeholder when the question and its context were both redacted', () => {
    const sent = `Context:\n\n${KEY}\n\nIs ${KEY} live?`;
    const kept = keptQuestionText(`Is ${KEY} live?`, sent, redact(sent, KEY));
    assert.equal(kept, WITHHELD_REDACTED_QUESTION);
  });

  it('keeps the question as typed when the guard allowed or only warned', () => {
    const sent = `Is ${KEY} live?`;
    assert.equal(keptQuestionText(sent, sent, { decision: 'warn', text: sent, findings: [] }), sent);
  });
});
