// The test server itself: its control endpoint as a separate process, its wire format and its demo answers.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { OpenAITestServer, demoCompletion } from '../../fixtures/openaiTestServer';
import type { RecordedRequest } from '../../fixtures/openaiTestServer';
import { drain, makeHarness, testProfile } from './clientHarness';

async function startStandalone(): Promise<{ child: ChildProcess; url: string; baseUrl: string }> {
  const script = join(__dirname, '..', '..', 'fixtures', 'openaiTestServer.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stdout = child.stdout;
  assert.ok(stdout);
  const lines = createInterface({ input: stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`the server exited with ${String(code)} before listening`)),
    );
  });
  const announced = JSON.parse(first) as { url: string; baseUrl: string };
  return { child, ...announced };
}

describe('OpenAI test server', () => {
  describe('as its own process', () => {
    let server: { child: ChildProcess; url: string; baseUrl: string } | undefined;
    before(async () => {
      server = await startStandalone();
    });
    after(() => {
      if (server?.child.pid !== undefined) process.kill(server.child.pid, 'SIGTERM');
    });

    it('is scripted over /__control, records over /__requests and forgets on /__reset', async () => {
      assert.ok(server);
      const control = await fetch(`${server.url}/__control`, {
        method: 'POST',
        body: JSON.stringify({ queue: [{ text: 'scripted answer' }] }),
      });
      assert.equal(control.status, 200);

      const { client } = makeHarness({ apiKey: 'sk-e2e' });
      const profile = testProfile(server.baseUrl);
      const signal = new AbortController().signal;
      const scripted = await drain(
        client.streamCompletion(profile, { prompt: 'x' }, { signal, feature: 'completion' }),
      );
      assert.equal(scripted.text, 'scripted answer');
      const demo = await drain(
        client.streamCompletion(
          profile,
          { prompt: '<|fim_prefix|>def greet():\n<|fim_suffix|>\n<|fim_middle|>' },
          { signal, feature: 'completion' },
        ),
      );
      assert.equal(
        demo.text,
        '    print("Hello from the Aegis demo server")',
        'without a script the demo answers in the prompt language',
      );

      const recorded = (await (await fetch(`${server.url}/__requests`)).json()) as RecordedRequest[];
      assert.deepEqual(
        recorded.map((r) => r.path),
        ['/v1/completions', '/v1/completions'],
      );
      assert.equal(recorded[0]?.headers.authorization, 'Bearer sk-e2e');

      assert.equal((await fetch(`${server.url}/__reset`, { method: 'POST' })).status, 200);
      assert.deepEqual(await (await fetch(`${server.url}/__requests`)).json(), []);
    });

    it('refuses a control body that is not a script', async () => {
      assert.ok(server);
      const response = await fetch(`${server.url}/__control`, { method: 'POST', body: '[1, 2]' });
      assert.equal(response.status, 400);
    });
  });

  describe('in process', () => {
    const server = new OpenAITestServer();
    before(() => server.start());
    after(() => server.stop());
    beforeEach(() => server.reset());

    it('lists models and answers without streaming in the OpenAI shape', async () => {
      const models = (await (await fetch(`${server.baseUrl}/models`)).json()) as {
        data: Array<{ id: string }>;
      };
      assert.ok(models.data.some((m) => m.id === 'qwen2.5-coder:7b-base'));

      server.setDefault({ rule: (request) => `seen ${request.path}` });
      const response = await fetch(`${server.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
      });
      const body = (await response.json()) as {
        choices: Array<{ message: { content: string }; finish_reason: string }>;
        usage: { prompt_tokens: number };
      };
      assert.equal(body.choices[0]?.message.content, 'seen /v1/chat/completions');
      assert.equal(body.choices[0]?.finish_reason, 'stop');
      assert.equal(body.usage.prompt_tokens, 2);
    });

    it('answers unknown routes with an OpenAI-style 404', async () => {
      const response = await fetch(`${server.url}/v2/engines`);
      assert.equal(response.status, 404);
      const body = (await response.json()) as { error: { message: string } };
      assert.match(body.error.message, /No route/);
    });
  });

  describe('demo completions', () => {
    it('continues the indentation already typed instead of repeating it', () => {
      assert.equal(
        demoCompletion('<|fim_prefix|>function f() {\n  <|fim_suffix|>}<|fim_middle|>', ''),
        "console.log('Hello from the Aegis demo server');",
      );
    });

    it('indents the first line of a block on an empty line', () => {
      assert.equal(
        demoCompletion('<fim_prefix>func main() {\n<fim_suffix>}\n<fim_middle>', ''),
        '    fmt.Println("Hello from the Aegis demo server")',
      );
    });

    it('closes the brackets a started line left open', () => {
      assert.equal(demoCompletion('def f(x):\n    return compute(x, [1, "(', ''), '])');
    });

    it('finishes a complete line with a comment in the language', () => {
      assert.equal(demoCompletion('def f(x):\n    return x', ''), '  # completed by the Aegis demo server');
      assert.equal(demoCompletion('const x = 1;', ''), ' // completed by the Aegis demo server');
    });
  });
});
