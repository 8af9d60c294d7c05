// The completion engine's backend port on the real model client, over HTTP to the OpenAI test server:
// raw FIM prompts and the suffix dialect reach /v1/completions, chat profiles /v1/chat/completions, each
// request is counted as feature 'completion', and aborting ends the stream without an error.
import * as assert from 'node:assert/strict';
import type { ModelRequest } from '../../../src/completion/completionPorts';
import { ModelClientBackend } from '../../../src/extension/inlineCompletionBackend';
import { ModelClient } from '../../../src/model/modelClient';
import type { RequestEvent } from '../../../src/model/modelClient';
import type { ModelProfile } from '../../../src/model/profiles';
import { OpenAITestServer } from '../../fixtures/openaiTestServer';

describe('inline completion backend on the model client', () => {
  const server = new OpenAITestServer();
  const events: RequestEvent[] = [];
  let profile: ModelProfile;
  let backend: ModelClientBackend;

  before(async () => {
    await server.start();
  });
  after(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.reset();
    events.length = 0;
    profile = {
      id: 'unit',
      baseUrl: server.baseUrl,
      model: 'unit-coder',
      apiStyle: 'completions',
      fimDialect: 'qwen',
      contextWindow: 8192,
      maxTokens: 64,
      temperature: 0.1,
      headers: {},
      timeoutMs: 5_000,
    };
    const client = new ModelClient({
      getApiKey: () => Promise.resolve(undefined),
      onRequest: (event) => events.push(event),
      now: () => Date.now(),
    });
    backend = new ModelClientBackend({ client: () => Promise.resolve(client), profile: () => profile });
  });

  async function collect(request: ModelRequest, signal = new AbortController().signal): Promise<string> {
    let text = '';
    for await (const chunk of backend.stream(request, signal)) text += chunk;
    return text;
  }

  it('sends a raw FIM prompt to /v1/completions and streams the answer', async () => {
    server.setDefault({ text: 'a + b;' });
    const prompt = '<|fim_prefix|>return <|fim_suffix|>\n<|fim_middle|>';
    const text = await collect({
      apiStyle: 'completions',
      prompt,
      stop: ['<|endoftext|>'],
      maxTokens: 32,
      temperature: 0,
    });
    assert.equal(text, 'a + b;');
    const request = server.requests.find((r) => r.path === '/v1/completions');
    const body = request?.body as Record<string, unknown>;
    assert.equal(body.prompt, prompt);
    assert.equal(body.suffix, undefined);
    assert.deepEqual(body.stop, ['<|endoftext|>']);
    assert.equal(body.max_tokens, 32);
    assert.equal(body.model, 'unit-coder');
    assert.equal(events[0]?.feature, 'completion');
    assert.equal(events[0]?.outcome, 'produced');
  });

  it('sends the suffix field for the suffix dialect', async () => {
    server.setDefault({ text: 'x' });
    await collect({
      apiStyle: 'completions',
      prompt: 'const a = ',
      suffix: ';\n',
      stop: [],
      maxTokens: 8,
      temperature: 0,
    });
    const body = server.requests.find((r) => r.path === '/v1/completions')?.body as Record<string, unknown>;
    assert.equal(body.prompt, 'const a = ');
    assert.equal(body.suffix, ';\n');
  });

  it('sends chat messages to /v1/chat/completions', async () => {
    profile = { ...profile, apiStyle: 'chat', fimDialect: 'none' };
    server.setDefault({ text: 'return 1;' });
    const text = await collect({
      apiStyle: 'chat',
      messages: [
        { role: 'system', content: 'Complete the code.' },
        { role: 'user', content: 'function one() {' },
      ],
      stop: [],
      maxTokens: 16,
      temperature: 0,
    });
    assert.equal(text, 'return 1;');
    const body = server.requests.find((r) => r.path === '/v1/chat/completions')?.body as Record<
      string,
      unknown
    >;
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Complete the code.' },
      { role: 'user', content: 'function one() {' },
    ]);
  });

  it('ends quietly when aborted mid-stream, and the request is recorded as cancelled', async () => {
    server.setDefault({ text: 'abcdefghijklmnopqrstuvwxyz', chunkChars: 2, chunkDelayMs: 50 });
    const controller = new AbortController();
    let text = '';
    for await (const chunk of backend.stream(
      { apiStyle: 'completions', prompt: 'p', stop: [], maxTokens: 64, temperature: 0 },
      controller.signal,
    )) {
      text += chunk;
      controller.abort();
    }
    assert.equal(text, 'ab');
    assert.equal(events[0]?.outcome, 'cancelled');
  });

  it('throws on a server error, so the engine ends the request as failed', async () => {
    server.setDefault({ status: 500 });
    await assert.rejects(
      collect({ apiStyle: 'completions', prompt: 'p', stop: [], maxTokens: 8, temperature: 0 }),
      /500/,
    );
    assert.equal(events[0]?.outcome, 'failed');
  });
});
