// The chat sidebar as a person uses it, in the packaged extension: open the Aegis view from the activity bar,
// attach a selection with Ctrl+Alt+I, ask, watch the streamed answer render, insert and apply its code (the
// file changes), stop an answer mid-stream (the model server sees the connection close), read an answer full
// of XSS payloads that runs nothing, see the usage metrics recorded, and find the conversation again after
// reloading the window.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { OpenAITestServer } from '../fixtures/openaiTestServer';
import type { RecordedRequest } from '../fixtures/openaiTestServer';
import { useE2eSession } from './e2eSession';
import { waitForLocalMetrics } from './localMetrics';
import { eventually } from '../support/waitFor';

const INSERTED = 'export const AEGIS_INSERTED = 1;';
const APPLIED = '// Rewritten by Aegis.\nexport const AEGIS_APPLIED = true;';
const FIRST_QUESTION = 'What does this interface describe?';

/** Answers that carry script in every form a model could produce; none of it may run in the page. */
const XSS_ANSWER = [
  'Careful with these:',
  '',
  '<img src=x onerror="window.__pwned = 1; alert(1)">',
  '<script>window.__pwned = 2; alert(2)</script>',
  '<svg onload="window.__pwned = 3"><circle r="5"/></svg>',
  '<iframe srcdoc="<script>parent.__pwned = 4</script>"></iframe>',
  '[click me](javascript:window.__pwned=5)',
  '<a href="javascript:window.__pwned=6" id="injected-link">link</a>',
  '<div id="injected-div" style="position:fixed" onmouseover="window.__pwned=7">hover</div>',
  '',
  '```html',
  '<img src=x onerror="window.__pwned = 8">',
  '```',
].join('\n');

function chatRequests(server: OpenAITestServer): RecordedRequest[] {
  return server.requests.filter((r) => r.path === '/v1/chat/completions');
}

function userContent(request: RecordedRequest | undefined): string {
  const body = request?.body as { messages?: Array<{ role: string; content: string }> } | undefined;
  return (body?.messages ?? [])
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');
}

describe('Chat in VS Code, as a user sees it', function () {
  const server = new OpenAITestServer();
  const dialogs: string[] = [];
  const { current } = useE2eSession({
    modelServer: server,
    session: () => ({
      name: 'e2e-chat',
      settings: {
        'aegis.models': [
          { id: 'e2e', baseUrl: server.baseUrl, model: 'e2e-chat-model', apiStyle: 'chat', maxTokens: 4096 },
        ],
        'aegis.features.completion': 'e2e',
        'aegis.features.chat': 'e2e',
        'aegis.completion.enabled': false,
      },
    }),
    onStarted: (session) => {
      // Any alert/confirm/prompt from any frame (the webview's included) surfaces here.
      session.workbench.page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss().catch(() => undefined);
      });
    },
  });

  function chatFrame(): Promise<Frame> {
    return current().workbench.webviewFrame({ title: 'Aegis Chat', selector: 'textarea.input' });
  }

  async function openChatFromActivityBar(): Promise<Frame> {
    const page = current().workbench.page;
    const icon = page.locator('.part.activitybar .action-item .action-label[aria-label^="Aegis"]').first();
    await icon.waitFor({ state: 'visible', timeout: 20_000 });
    const checked = await icon.evaluate((node) =>
      node.closest('.action-item')?.classList.contains('checked'),
    );
    if (checked !== true) await icon.click();
    return chatFrame();
  }

  async function ask(frame: Frame, question: string): Promise<void> {
    const input = frame.locator('textarea.input');
    await input.click();
    // One input event for the whole question: typed key by key, a re-render of the page mid-question (it
    // restores the draft) made the driver type the question again after the part already restored.
    await input.fill(question);
    await input.press('Enter');
  }

  /** Waits until the answer being written has ended (the page drops its streaming article). */
  async function answerEnded(frame: Frame, answers: number): Promise<void> {
    await eventually(
      async () =>
        (await frame.locator('article.message-assistant:not(.streaming)').count()) >= answers &&
        (await frame.locator('article.streaming').count()) === 0,
      `answer ${answers} to end`,
    );
  }

  async function saveAllAndRead(relativePath: string): Promise<string> {
    await current().workbench.runCommand('File: Save All Files');
    const path = join(current().server.workspace ?? '', relativePath);
    return readFileSync(path, 'utf8');
  }

  it('answers a question about a selection attached with Ctrl+Alt+I, rendered as it streams', async () => {
    const { workbench } = current();
    await openChatFromActivityBar();
    await workbench.screenshot('e2e-chat-view-open');

    await workbench.openFile('src/cart.ts');
    await workbench.press('Control+Home');
    for (let i = 0; i < 3; i++) await workbench.press('ArrowDown');
    for (let i = 0; i < 6; i++) await workbench.press('Shift+ArrowDown');
    await workbench.press('Control+Alt+I');

    const frame = await chatFrame();
    const chip = frame.locator('.chip-selection .chip-label');
    await chip.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal((await chip.innerText()).trim(), 'cart.ts:4-10');

    server.enqueue({
      text: [
        'It is one line of the cart. A constant you could add:',
        '',
        '```ts',
        INSERTED,
        '```',
        '',
        'That is all.',
      ].join('\n'),
      chunkChars: 6,
      chunkDelayMs: 40,
    });
    await ask(frame, FIRST_QUESTION);
    await frame.locator('article.message-user', { hasText: FIRST_QUESTION }).waitFor({ timeout: 20_000 });
    await answerEnded(frame, 1);
    const code = frame.locator('article.message-assistant pre[data-block] code').first();
    assert.equal((await code.innerText()).trim(), INSERTED);
    assert.match(await frame.locator('article.message-assistant').first().innerText(), /That is all\./);
    await workbench.screenshot('e2e-chat-answer');

    const sent = userContent(chatRequests(server).at(-1));
    assert.match(sent, /What does this interface describe\?/);
    assert.match(sent, /export interface LineItem \{/, 'the selection went to the model');
  });

  it('inserts the code of an answer at the selection (the file changes)', async () => {
    const frame = await chatFrame();
    await frame
      .locator('.code-actions button', { hasText: /^Insert$/ })
      .first()
      .click();
    const text = await eventually(async () => {
      const saved = await saveAllAndRead('src/cart.ts');
      return saved.includes(INSERTED) ? saved : '';
    }, 'the inserted code in cart.ts');
    assert.ok(!text.includes('export interface LineItem {'), 'the selection was replaced');
  });

  it('applies an answer to the file after the user accepts the diff', async () => {
    const { workbench } = current();
    const frame = await chatFrame();
    server.enqueue({ text: `The replacement:\n\n\`\`\`ts\n${APPLIED}\n\`\`\`\n` });
    await ask(frame, 'Rewrite the file');
    await answerEnded(frame, 2);
    await frame
      .locator('article.message-assistant')
      .nth(1)
      .locator('.code-actions button', { hasText: /^Apply$/ })
      .click();
    await workbench.waitForNotification(/Apply the proposed change to cart\.ts\?/);
    await workbench.screenshot('e2e-chat-apply-diff');
    const proposed = await workbench.page
      .locator('.monaco-diff-editor .editor.modified .view-lines')
      .innerText();
    assert.match(proposed, /AEGIS_APPLIED/, 'the diff shows the proposed code');
    await workbench.page
      .locator('.notification-toast .monaco-button', { hasText: /^Accept$/ })
      .first()
      .click();
    // The inserted code is still selected, so the applied code replaces it.
    const text = await eventually(async () => {
      const saved = await saveAllAndRead('src/cart.ts');
      return saved.includes(APPLIED) ? saved : '';
    }, 'cart.ts to hold the applied code');
    assert.ok(!text.includes(INSERTED), 'the applied code replaced the selected code');
    assert.match(text, /export class Cart \{/, 'the rest of the file is kept');
  });

  it('stops an answer mid-stream: the model server sees the connection closed early', async () => {
    const frame = await chatFrame();
    const before = chatRequests(server).length;
    server.enqueue({ text: 'word '.repeat(2000), chunkChars: 5, chunkDelayMs: 50 });
    await ask(frame, 'Tell me everything');
    await frame.locator('article.streaming .markdown-live', { hasText: 'word' }).waitFor({ timeout: 20_000 });
    await frame.locator('vscode-button', { hasText: /Stop/ }).click();
    await frame.locator('.message-status', { hasText: 'Stopped.' }).waitFor({ timeout: 20_000 });
    const request = await eventually(() => chatRequests(server)[before], 'the stopped request');
    await eventually(() => request.closedEarly, 'the server to see the connection close');
    const shown = await frame.locator('article.message-assistant').last().innerText();
    assert.ok(shown.length < 'word '.repeat(2000).length, 'the answer was cut where it was stopped');
  });

  it('shows an answer full of script as text and runs none of it', async () => {
    const { workbench } = current();
    const frame = await chatFrame();
    server.enqueue({ text: XSS_ANSWER, chunkChars: 7, chunkDelayMs: 5 });
    await ask(frame, 'Show me some HTML');
    await answerEnded(frame, 4);
    const answer = frame.locator('article.message-assistant').last();
    // Hovering and clicking what might be there, as a curious person would.
    await answer.hover();
    const links = answer.locator('a');
    for (let i = 0; i < (await links.count()); i++)
      await links
        .nth(i)
        .click({ trial: true })
        .catch(() => undefined);
    await workbench.screenshot('e2e-chat-xss');

    assert.match(await answer.innerText(), /onerror/, 'the payload is shown as text');
    const injected = await answer.evaluate((node) => ({
      scripts: node.querySelectorAll('script').length,
      iframes: node.querySelectorAll('iframe, object, embed').length,
      svg: node.querySelectorAll('svg').length,
      handlers: Array.from(node.querySelectorAll('*')).filter((e) =>
        Array.from(e.attributes).some((a) => a.name.startsWith('on')),
      ).length,
      javascriptLinks: Array.from(node.querySelectorAll('a')).filter((a) =>
        (a.getAttribute('href') ?? '').trim().toLowerCase().startsWith('javascript:'),
      ).length,
      ids: node.querySelectorAll('#injected-link, #injected-div').length,
    }));
    assert.deepEqual(injected, { scripts: 0, iframes: 0, svg: 0, handlers: 0, javascriptLinks: 0, ids: 0 });
    for (const f of workbench.page.frames()) {
      if (f.isDetached()) continue;
      const pwned = await f
        .evaluate(() => (window as unknown as Record<string, unknown>).__pwned)
        .catch(() => undefined);
      assert.equal(pwned, undefined, `window.__pwned was set in ${f.url()}`);
    }
    assert.deepEqual(dialogs, []);
  });

  it('records each question and each use of an answer in the usage metrics', async () => {
    const counts = await waitForLocalMetrics(
      current(),
      (db) => {
        const actions = db
          .prepare(
            "SELECT action, user_initiated AS userInitiated, model, COUNT(*) AS n FROM interactions WHERE feature = 'chat' GROUP BY action, user_initiated, model",
          )
          .all() as Array<{ action: string; userInitiated: number; model: string; n: number }>;
        const chars = db
          .prepare("SELECT COALESCE(SUM(chars), 0) AS chars FROM chars_added WHERE source = 'chat'")
          .get() as { chars: number };
        const requests = actions.find((a) => a.action === 'request')?.n ?? 0;
        return requests >= 4 && chars.chars > 0 && actions.some((a) => a.action === 'apply')
          ? { actions, chars: chars.chars }
          : undefined;
      },
      'the chat metrics in the store',
    );
    assert.deepEqual(counts.actions.map((a) => [a.action, a.userInitiated, a.model, a.n]).sort(), [
      ['apply', 1, 'e2e-chat-model', 1],
      ['insert', 1, 'e2e-chat-model', 1],
      ['request', 1, 'e2e-chat-model', 4],
    ]);
    assert.equal(counts.chars, INSERTED.length + APPLIED.length);
  });

  it('shows the conversation again after the window is reloaded', async () => {
    const { workbench } = current();
    await workbench.page.reload();
    await workbench.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    // A reloaded window starts a new extension host; on a loaded machine that takes a while.
    await workbench.statusBarItem('aegis.status').waitFor({ state: 'visible', timeout: 90_000 });
    const frame = await openChatFromActivityBar();
    await frame.locator('article.message-user', { hasText: FIRST_QUESTION }).waitFor({ timeout: 30_000 });
    const answers = await frame.locator('article.message-assistant').count();
    assert.equal(answers, 4);
    assert.match(await frame.locator('.message-status').first().innerText(), /Stopped\./);
    await workbench.screenshot('e2e-chat-after-reload');
  });
});
