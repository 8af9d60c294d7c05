// "Explain with Aegis" in a real extension host: the `aegis.chat.explain` command the diagnosis code action
// calls opens the chat and asks /explain with the problem's message and the code of its range, which is what
// reaches the model endpoint.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AegisApi } from '../../../src/extension/extension';
import { OpenAITestServer } from '../../fixtures/openaiTestServer';

const extensionId = 'aegis.aegis-code-assistant';

async function until<T>(
  read: () => T,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const SOURCE = [
  'export function total(prices: number[]): number {',
  '  let sum = 0;',
  '  for (const price of prices) sum += price;',
  '  return sum.toFixed(2);',
  '}',
  '',
].join('\n');
const ERROR_LINE = 3;
const MESSAGE = "Type 'string' is not assignable to type 'number'.";

describe('Explain with Aegis in the extension host', function () {
  this.timeout(60_000);
  let api: AegisApi;
  const server = new OpenAITestServer();
  const config = () => vscode.workspace.getConfiguration('aegis');

  before(async () => {
    const extension = vscode.extensions.getExtension<AegisApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
    await server.start();
    await config().update(
      'models',
      [{ id: 'host-chat', baseUrl: server.baseUrl, model: 'host-chat-model', timeoutMs: 10_000 }],
      vscode.ConfigurationTarget.Global,
    );
    await config().update('features.chat', 'host-chat', vscode.ConfigurationTarget.Global);
    // The only profile is every feature's profile: once the status bar names it, the chat uses it too.
    await until(
      () => api.statusText(),
      (t) => t.includes('host-chat-model'),
      'the settings to take effect',
    );
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await config().update('features.chat', undefined, vscode.ConfigurationTarget.Global);
    await config().update('models', undefined, vscode.ConfigurationTarget.Global);
    await server.stop();
  });

  it('asks /explain with the problem message and the code of its range', async () => {
    server.reset();
    server.setDefault({ text: 'toFixed returns a string, but the function promises a number.' });
    const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: SOURCE });
    await vscode.window.showTextDocument(document);
    const line = document.lineAt(ERROR_LINE);
    const range = new vscode.Range(
      ERROR_LINE,
      line.firstNonWhitespaceCharacterIndex,
      ERROR_LINE,
      line.text.length,
    );

    // The command resolves once the answer has been written, after the chat view has loaded.
    await vscode.commands.executeCommand('aegis.chat.explain', {
      uri: document.uri,
      range,
      message: MESSAGE,
    });
    const chats = await until(
      () => server.requests.filter((r) => r.path === '/v1/chat/completions'),
      (requests) => requests.length > 0,
      'the chat request',
    );

    assert.equal(chats.length, 1, 'one question, one request');
    const body = chats[0]?.body as { model: string; messages: Array<{ role: string; content: string }> };
    assert.equal(body.model, 'host-chat-model');
    const question = body.messages.at(-1);
    assert.equal(question?.role, 'user');
    const text = question?.content ?? '';
    assert.ok(text.includes(MESSAGE), text);
    assert.ok(text.includes('  return sum.toFixed(2);'), text);
    assert.ok(text.includes(`lines ${ERROR_LINE + 1}-${ERROR_LINE + 1}`), text);
    assert.ok(!text.includes('for (const price of prices)'), 'only the code of the range is attached');
    assert.ok(text.includes('Task: Explain what the selected code'), text);
  });
});
