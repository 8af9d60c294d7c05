// The model client against the real test server and the real openai SDK: streams, headers, cancellation,
// retries and every failure kind, each ending in exactly one request event.

import assert from 'node:assert/strict';
import { ModelClient } from '../../../src/model/modelClient';
import type { RequestEvent } from '../../../src/model/modelClient';
import { ModelRequestError } from '../../../src/model/modelErrors';
import { OpenAITestServer } from '../../fixtures/openaiTestServer';
import { closedPort, drain, drainError, makeHarness, testProfile } from './clientHarness';

function asModelError(error: unknown): ModelRequestError {
  assert.ok(error instanceof ModelRequestError, `expected ModelRequestError, got ${String(error)}`);
  return error;
}

function bodyOf(server: OpenAITestServer, index = 0): Record<string, unknown> {
  const body = server.requests[index]?.body;
  assert.ok(typeof body === 'object' && body !== null, 'the server received a JSON body');
  return body as Record<string, unknown>;
}

describe('ModelClient against the OpenAI test server', () => {
  const server = new OpenAITestServer();
  before(() => server.start());
  after(() => server.stop());
  beforeEach(() => server.reset());

  describe('successful streams', () => {
    it('streams a chat answer in several deltas and reports one produced event with usage', async () => {
      server.setDefault({ text: 'Use a map instead of nested loops.' });
      const { client, events } = makeHarness();
      const profile = testProfile(server.baseUrl, {
        apiStyle: 'chat',
        model: 'test-chat-model',
        maxTokens: 100,
        temperature: 0.3,
      });
      const { deltas, text, result } = await drain(
        client.streamChat(
          profile,
          { messages: [{ role: 'user', content: 'How do I speed this up?' }] },
          {
            signal: new AbortController().signal,
            feature: 'chat',
          },
        ),
      );
      assert.equal(text, 'Use a map instead of nested loops.');
      assert.ok(deltas.length > 1, 'the answer arrives in pieces');
      assert.deepEqual(result, { outcome: 'produced', finishReason: 'stop' });

      const body = bodyOf(server);
      assert.equal(server.requests[0]?.path, '/v1/chat/completions');
      assert.equal(body.model, 'test-chat-model');
      assert.equal(body.stream, true);
      assert.deepEqual(body.stream_options, { include_usage: true });
      assert.equal(body.max_tokens, 100);
      assert.equal(body.temperature, 0.3);
      assert.deepEqual(body.messages, [{ role: 'user', content: 'How do I speed this up?' }]);

      assert.equal(events.length, 1);
      const event = events[0];
      assert.ok(event);
      assert.equal(event.outcome, 'produced');
      assert.equal(event.feature, 'chat');
      assert.equal(event.profileId, 'test-endpoint');
      assert.equal(event.model, 'test-chat-model');
      assert.equal(event.status, 200);
      assert.equal(event.attempts, 1);
      assert.equal(event.promptTokens, 6);
      assert.equal(event.completionTokens, 9);
      assert.equal(typeof event.ttftMs, 'number');
      assert.ok(event.totalMs >= (event.ttftMs ?? 0));
      assert.equal(event.errorKind, undefined);
    });

    it('sends prompt and suffix for a completion with suffix', async () => {
      server.setDefault({ echo: 'suffix' });
      const { client, events } = makeHarness();
      const { text } = await drain(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'function add(a, b) {\n  return ', suffix: '\n}\n', stop: ['\n\n'] },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const body = bodyOf(server);
      assert.equal(server.requests[0]?.path, '/v1/completions');
      assert.equal(body.prompt, 'function add(a, b) {\n  return ');
      assert.equal(body.suffix, '\n}\n');
      assert.deepEqual(body.stop, ['\n\n']);
      assert.equal(text, '\n}\n', 'the server saw the suffix the caller passed');
      assert.equal(events[0]?.feature, 'completion');
    });

    it('sends a raw FIM prompt without any suffix field', async () => {
      server.setDefault({ echo: 'prompt' });
      const { client } = makeHarness();
      const prompt = '<|fim_prefix|>const x = <|fim_suffix|>;\n<|fim_middle|>';
      const { text } = await drain(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      assert.equal(text, prompt);
      assert.equal('suffix' in bodyOf(server), false);
    });

    it('sends response_format only when a structured answer is asked for', async () => {
      server.setDefault({ text: '[]' });
      const { client } = makeHarness();
      const profile = testProfile(server.baseUrl, { apiStyle: 'chat' });
      const responseFormat = {
        type: 'json_schema' as const,
        json_schema: { name: 'findings', strict: true, schema: { type: 'array' } },
      };
      const signal = new AbortController().signal;
      await drain(
        client.streamChat(
          profile,
          { messages: [{ role: 'user', content: 'a' }], responseFormat },
          { signal, feature: 'diagnosis' },
        ),
      );
      await drain(
        client.streamChat(
          profile,
          { messages: [{ role: 'user', content: 'b' }] },
          { signal, feature: 'chat' },
        ),
      );
      assert.deepEqual(bodyOf(server, 0).response_format, responseFormat);
      assert.equal('response_format' in bodyOf(server, 1), false);
    });

    it('reports finish reason length when the answer hits max tokens', async () => {
      server.setDefault({ text: 'a very long answer that goes on and on' });
      const { client } = makeHarness();
      const { text, result } = await drain(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x', maxTokens: 2 },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      assert.equal(bodyOf(server).max_tokens, 2);
      assert.equal(text, 'a very l');
      assert.equal(result.finishReason, 'length');
    });

    it('reports an empty answer as empty, not produced', async () => {
      server.setDefault({ text: '' });
      const { client, events } = makeHarness();
      const { text, result } = await drain(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      assert.equal(text, '');
      assert.equal(result.outcome, 'empty');
      assert.equal(events[0]?.outcome, 'empty');
      assert.equal(events[0]?.ttftMs, undefined);
    });

    it('leaves token counts out when the server sends no usage', async () => {
      server.setDefault({ text: 'ok', omitUsage: true });
      const { client, events } = makeHarness();
      await drain(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      assert.equal(events[0]?.outcome, 'produced');
      assert.equal(events[0]?.promptTokens, undefined);
      assert.equal(events[0]?.completionTokens, undefined);
    });
  });

  describe('headers', () => {
    it('sends the API key as a bearer token and the profile headers', async () => {
      server.setDefault({ text: 'ok' });
      const { client } = makeHarness({ apiKey: 'sk-test-123' });
      const profile = testProfile(server.baseUrl, {
        headers: { 'X-Tenant': 'team-a', 'OpenAI-Organization': 'org-7' },
      });
      await drain(
        client.streamCompletion(
          profile,
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const headers = server.requests[0]?.headers ?? {};
      assert.equal(headers.authorization, 'Bearer sk-test-123');
      assert.equal(headers['x-tenant'], 'team-a');
      assert.equal(headers['openai-organization'], 'org-7');
    });

    it('sends no Authorization header when there is no key', async () => {
      server.setDefault({ text: 'ok' });
      const { client } = makeHarness({ apiKey: undefined });
      await drain(
        client.streamChat(
          testProfile(server.baseUrl),
          { messages: [{ role: 'user', content: 'hi' }] },
          { signal: new AbortController().signal, feature: 'chat' },
        ),
      );
      assert.equal(server.requests[0]?.headers.authorization, undefined);
    });
  });

  describe('cancellation', () => {
    it('ends quietly as cancelled when aborted mid-stream, and the server sees the connection close', async () => {
      server.setDefault({ text: 'x'.repeat(400), chunkChars: 2, chunkDelayMs: 20 });
      const { client, events } = makeHarness();
      const controller = new AbortController();
      const { deltas, result } = await drain(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: controller.signal, feature: 'completion' },
        ),
        () => controller.abort(),
      );
      assert.equal(result.outcome, 'cancelled');
      assert.ok(deltas.length >= 1 && deltas.join('').length < 400, 'the stream stopped early');
      assert.equal(events.length, 1);
      assert.equal(events[0]?.outcome, 'cancelled');
      assert.equal(typeof events[0]?.ttftMs, 'number');
      await server.settled();
      assert.equal(server.requests[0]?.closedEarly, true);
    });

    it('ends quietly as cancelled when aborted before the headers arrive', async () => {
      server.setDefault({ text: 'late', latencyMs: 10_000 });
      const { client, events } = makeHarness();
      const controller = new AbortController();
      const reading = drain(
        client.streamChat(
          testProfile(server.baseUrl),
          { messages: [{ role: 'user', content: 'q' }] },
          { signal: controller.signal, feature: 'chat' },
        ),
      );
      await server.waitForRequests(1);
      controller.abort();
      const { text, result } = await reading;
      assert.equal(text, '');
      assert.equal(result.outcome, 'cancelled');
      assert.equal(events.length, 1);
      assert.equal(events[0]?.outcome, 'cancelled');
      assert.equal(events[0]?.status, undefined);
      await server.settled();
      assert.equal(server.requests[0]?.closedEarly, true);
    });

    it('does not send anything when the signal is already aborted', async () => {
      const { client, events } = makeHarness();
      const controller = new AbortController();
      controller.abort();
      const { result } = await drain(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: controller.signal, feature: 'completion' },
        ),
      );
      assert.equal(result.outcome, 'cancelled');
      assert.equal(server.requests.length, 0);
      assert.equal(events[0]?.outcome, 'cancelled');
      assert.equal(events[0]?.attempts, 0);
    });

    it('counts a consumer that stops reading after text as produced, and closes the connection', async () => {
      server.setDefault({ text: 'y'.repeat(400), chunkChars: 2, chunkDelayMs: 20 });
      const { client, events } = makeHarness();
      let received = '';
      for await (const delta of client.streamCompletion(
        testProfile(server.baseUrl),
        { prompt: 'x' },
        { signal: new AbortController().signal, feature: 'completion' },
      )) {
        received += delta;
        break;
      }
      assert.equal(received, 'yy');
      assert.equal(events.length, 1);
      assert.equal(events[0]?.outcome, 'produced');
      await server.settled();
      assert.equal(server.requests[0]?.closedEarly, true);
    });

    it('is cancelled, not failed, when aborted while waiting to retry', async () => {
      server.enqueue({ status: 429, retryAfter: 3 });
      server.setDefault({ text: 'never read' });
      const { client, events } = makeHarness({ realSleep: true });
      const controller = new AbortController();
      const reading = drain(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: controller.signal, feature: 'completion' },
        ),
      );
      await server.waitForRequests(1);
      await server.settled();
      controller.abort();
      const { result } = await reading;
      assert.equal(result.outcome, 'cancelled');
      assert.equal(events.length, 1);
      assert.equal(events[0]?.outcome, 'cancelled');
      assert.equal(server.requests.length, 1, 'no retry after the abort');
    });
  });

  describe('retries', () => {
    it('retries a 429 after the Retry-After wait and then succeeds', async () => {
      server.enqueue({ status: 429, retryAfter: 1 });
      server.setDefault({ text: 'after the wait' });
      const { client, events, sleeps } = makeHarness();
      const { text } = await drain(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      assert.equal(text, 'after the wait');
      assert.deepEqual(sleeps, [1000]);
      assert.equal(server.requests.length, 2);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.outcome, 'produced');
      assert.equal(events[0]?.attempts, 2);
    });

    it('gives up at once when Retry-After is longer than it is worth waiting', async () => {
      server.setDefault({ status: 429, retryAfter: 30 });
      const { client, events, sleeps } = makeHarness();
      const { error } = await drainError(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const failure = asModelError(error);
      assert.equal(failure.kind, 'rate-limited');
      assert.equal(failure.retryAfterMs, 30_000);
      assert.match(failure.message, /30 s/);
      assert.deepEqual(sleeps, []);
      assert.equal(server.requests.length, 1);
      assert.equal(events[0]?.errorKind, 'rate-limited');
      assert.equal(events[0]?.status, 429);
    });

    it('retries 503 with backoff', async () => {
      server.enqueue({ status: 503 });
      server.setDefault({ text: 'recovered' });
      const { client, sleeps } = makeHarness();
      const { text } = await drain(
        client.streamChat(
          testProfile(server.baseUrl),
          { messages: [{ role: 'user', content: 'q' }] },
          { signal: new AbortController().signal, feature: 'chat' },
        ),
      );
      assert.equal(text, 'recovered');
      assert.deepEqual(sleeps, [250]);
    });

    it('fails as a server error after the last attempt at a 502', async () => {
      server.setDefault({ status: 502 });
      const { client, events, sleeps } = makeHarness();
      const { error } = await drainError(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const failure = asModelError(error);
      assert.equal(failure.kind, 'server');
      assert.equal(failure.status, 502);
      assert.deepEqual(sleeps, [250, 500], 'the wait doubles');
      assert.equal(server.requests.length, 3);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.outcome, 'failed');
      assert.equal(events[0]?.attempts, 3);
    });

    it('does not retry a 500', async () => {
      server.setDefault({ status: 500, errorMessage: 'CUDA out of memory' });
      const { client, sleeps } = makeHarness();
      const { error } = await drainError(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const failure = asModelError(error);
      assert.equal(failure.kind, 'server');
      assert.match(failure.message, /CUDA out of memory/);
      assert.deepEqual(sleeps, []);
      assert.equal(server.requests.length, 1);
    });

    it('retries a refused connection and then reports the endpoint unreachable', async () => {
      const port = await closedPort();
      const { client, events, sleeps } = makeHarness();
      const profile = testProfile(`http://127.0.0.1:${port}/v1`);
      const { error } = await drainError(
        client.streamCompletion(
          profile,
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const failure = asModelError(error);
      assert.equal(failure.kind, 'unreachable');
      assert.match(failure.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.deepEqual(sleeps, [250, 500]);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.errorKind, 'unreachable');
      assert.equal(events[0]?.status, undefined);
    });
  });

  describe('failures', () => {
    it('fails a stream that breaks midway without retrying, after delivering what arrived', async () => {
      server.setDefault({ text: 'abcdefghijklmnop', chunkChars: 4, breakAfterChunks: 2 });
      const { client, events, sleeps } = makeHarness();
      const { error, deltas } = await drainError(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      assert.equal(asModelError(error).kind, 'server');
      assert.equal(deltas.join(''), 'abcdefgh');
      assert.deepEqual(sleeps, []);
      assert.equal(server.requests.length, 1);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.outcome, 'failed');
      assert.equal(events[0]?.errorKind, 'server');
      assert.equal(events[0]?.status, 200);
    });

    it('reports malformed JSON in the stream as a bad response', async () => {
      server.setDefault({ text: 'abcdefgh', malformedAfterChunks: 1 });
      const { client, events } = makeHarness();
      const { error } = await drainError(
        client.streamChat(
          testProfile(server.baseUrl),
          { messages: [{ role: 'user', content: 'q' }] },
          { signal: new AbortController().signal, feature: 'chat' },
        ),
      );
      assert.equal(asModelError(error).kind, 'bad-response');
      assert.equal(events[0]?.errorKind, 'bad-response');
    });

    it('reports an error event inside the stream as a server error with its message', async () => {
      server.setDefault({ text: 'abcdefgh', streamErrorAfterChunks: 1, errorMessage: 'model unloaded' });
      const { client } = makeHarness();
      const { error } = await drainError(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const failure = asModelError(error);
      assert.equal(failure.kind, 'server');
      assert.match(failure.message, /model unloaded/);
    });

    it('reports 401 as an auth problem without retrying', async () => {
      server.setDefault({ status: 401 });
      const { client, sleeps } = makeHarness({ apiKey: 'wrong' });
      const { error } = await drainError(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const failure = asModelError(error);
      assert.equal(failure.kind, 'auth');
      assert.equal(failure.status, 401);
      assert.match(failure.message, /API key/);
      assert.deepEqual(sleeps, []);
    });

    it('fails as auth without sending when the key store cannot be read', async () => {
      const events: RequestEvent[] = [];
      const client = new ModelClient({
        getApiKey: () => Promise.reject(new Error('keychain locked')),
        onRequest: (event) => events.push(event),
        now: () => Date.now(),
      });
      const { error } = await drainError(
        client.streamCompletion(
          testProfile(server.baseUrl),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const failure = asModelError(error);
      assert.equal(failure.kind, 'auth');
      assert.match(failure.message, /secure storage/);
      assert.equal(server.requests.length, 0);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.errorKind, 'auth');
    });

    it('names the model when the endpoint answers 404', async () => {
      server.setDefault({ status: 404 });
      const { client } = makeHarness();
      const { error } = await drainError(
        client.streamCompletion(
          testProfile(server.baseUrl, { model: 'no-such-model' }),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      const failure = asModelError(error);
      assert.equal(failure.kind, 'bad-response');
      assert.match(failure.message, /no-such-model/);
    });

    it('times out when the server never answers', async () => {
      server.setDefault({ hang: true });
      const { client, events, sleeps } = makeHarness();
      const { error } = await drainError(
        client.streamCompletion(
          testProfile(server.baseUrl, { timeoutMs: 300 }),
          { prompt: 'x' },
          { signal: new AbortController().signal, feature: 'completion' },
        ),
      );
      assert.equal(asModelError(error).kind, 'timeout');
      assert.deepEqual(sleeps, [], 'a timeout already used the time budget');
      assert.equal(events[0]?.errorKind, 'timeout');
      await server.settled();
      assert.equal(server.requests[0]?.closedEarly, true);
    });

    it('times out when the stream goes silent midway', async () => {
      server.setDefault({ text: 'abcdefgh', chunkChars: 4, chunkDelayMs: 5_000 });
      const { client } = makeHarness();
      const { error, deltas } = await drainError(
        client.streamChat(
          testProfile(server.baseUrl, { timeoutMs: 300 }),
          { messages: [{ role: 'user', content: 'q' }] },
          { signal: new AbortController().signal, feature: 'chat' },
        ),
      );
      assert.equal(asModelError(error).kind, 'timeout');
      assert.equal(deltas.join(''), 'abcd');
    });
  });
});
