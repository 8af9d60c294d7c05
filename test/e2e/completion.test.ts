// Inline completion as a person uses it, in code-server with the packaged extension and the OpenAI test
// server: type, see ghost text, accept it with Tab and find it in the saved file; accept one word with
// Ctrl+Right and dismiss the rest with Escape; a slow and a failing server show no error popup and leave
// no spinner behind.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAITestServer } from '../fixtures/openaiTestServer';
import { useE2eSession } from './e2eSession';

const file = 'src/pricing.ts';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Inline completion, as a user sees it', function () {
  const server = new OpenAITestServer();
  const { current } = useE2eSession({
    modelServer: server,
    session: () => ({
      name: 'e2e-completion',
      settings: {
        'aegis.models': [
          { id: 'e2e', baseUrl: server.baseUrl, model: 'e2e-coder', fimDialect: 'qwen', timeoutMs: 5_000 },
        ],
        'aegis.features.completion': 'e2e',
        // The suggest widget would take Tab for itself; these tests are about ghost text.
        'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
        'editor.suggestOnTriggerCharacters': false,
      },
    }),
  });

  /** Saves with Ctrl+S and reads the file from disk until it matches (saving is asynchronous). */
  async function saveAndRead(expected: RegExp): Promise<string> {
    const { workbench, server: codeServer } = current();
    await workbench.press('Control+S');
    assert.ok(codeServer.workspace);
    const path = join(codeServer.workspace, file);
    const deadline = Date.now() + 10_000;
    let text = readFileSync(path, 'utf8');
    while (!expected.test(text) && Date.now() < deadline) {
      await sleep(200);
      text = readFileSync(path, 'utf8');
    }
    return text;
  }

  it('shows ghost text while typing and Tab puts it into the file', async () => {
    const { workbench } = current();
    server.setDefault({ text: '499;' });
    await workbench.openFile(file);
    await workbench.press('Control+End');
    await workbench.press('Enter');
    await workbench.type('export const shippingCents = ');
    // The first suggestion of a session loads the engine, the SDK and the grammars.
    const ghost = await workbench.waitForGhostText(60_000);
    assert.equal(ghost.trim(), '499;');
    await workbench.screenshot('e2e-completion-ghost-text');
    await workbench.press('Tab');
    const expected = /\nexport const shippingCents = 499;\n?$/;
    assert.match(await saveAndRead(expected), expected);
    // Requests may also have gone out at earlier pauses; the one that produced the ghost text was
    // for the whole line, in the profile's qwen FIM dialect.
    const prompts = server.requests
      .filter((r) => r.path === '/v1/completions')
      .map((r) => (r.body as { prompt?: string } | undefined)?.prompt ?? '');
    assert.ok(
      prompts.some((p) => p.startsWith('<|') && p.includes('export const shippingCents = <|fim_suffix|>')),
      JSON.stringify(prompts.map((p) => p.slice(-300))),
    );
  });

  it('accepts one word with Ctrl+Right and dismisses the rest with Escape', async () => {
    const { workbench } = current();
    server.setDefault({ text: 'formatCents(shippingCents);' });
    await workbench.press('End');
    await workbench.press('Enter');
    await workbench.type('export const label = ');
    assert.equal((await workbench.waitForGhostText()).trim(), 'formatCents(shippingCents);');
    await workbench.press('Control+ArrowRight');
    await workbench.screenshot('e2e-completion-next-word');
    await workbench.press('Escape');
    const deadline = Date.now() + 5_000;
    while ((await workbench.hasGhostText()) && Date.now() < deadline) await sleep(100);
    assert.equal(await workbench.hasGhostText(), false, 'Escape hid the ghost text');
    await workbench.screenshot('e2e-completion-dismissed');
    const expected = /\nexport const label = formatCents\n?$/;
    assert.match(await saveAndRead(expected), expected);
  });

  it('shows no error popup and no stuck spinner with a slow, then failing, then unreachable server', async () => {
    const { workbench } = current();
    const statusHtml = () => workbench.statusBarItem('aegis.status').innerHTML();

    server.setDefault({ text: '1;', latencyMs: 4_000 });
    await workbench.press('End');
    await workbench.press('Enter');
    await workbench.type('export const slow = ');
    await sleep(1_500);
    // Typing on while the slow answer is on its way supersedes it.
    await workbench.type('2');
    await sleep(5_000);
    assert.deepEqual(await workbench.notifications(), []);
    assert.doesNotMatch(await statusHtml(), /loading|spin/);

    server.setDefault({ status: 500 });
    await workbench.press('Enter');
    await workbench.type('export const failing = ');
    await sleep(3_000);
    assert.deepEqual(await workbench.notifications(), []);

    await server.stop();
    try {
      await workbench.press('Enter');
      await workbench.type('export const offline = ');
      await sleep(4_000);
      await workbench.type('3');
      await sleep(3_000);
      await workbench.screenshot('e2e-completion-unreachable');
      const shown = await workbench.notifications();
      // An unreachable endpoint is announced once, as a warning that offers the fixes; nothing else.
      assert.ok(shown.length <= 1, JSON.stringify(shown));
      assert.ok(
        shown.every((message) => /cannot reach the model endpoint/.test(message)),
        JSON.stringify(shown),
      );
      assert.equal(await workbench.modalDialogText(), undefined);
      assert.doesNotMatch(await statusHtml(), /loading|spin/);
      assert.equal(await workbench.hasGhostText(), false);
    } finally {
      await server.start();
    }
  });
});
