// A person sets an API key through the command palette; the key reaches the model server as an
// Authorization header, and the status bar says the endpoint answers.
import * as assert from 'node:assert/strict';
import { OpenAITestServer } from '../fixtures/openaiTestServer';
import { useE2eSession } from './e2eSession';

describe('API key and endpoint status, as a user sees them', function () {
  const server = new OpenAITestServer();
  const key = 'e2e-test-key-7f3a9c';
  const { workbench } = useE2eSession({
    modelServer: server,
    session: () => ({
      name: 'e2e-api-key',
      settings: {
        'aegis.models': [{ id: 'e2e', baseUrl: server.baseUrl, model: 'e2e-model', fimDialect: 'qwen' }],
        'aegis.features.completion': 'e2e',
        'aegis.features.chat': 'e2e',
      },
    }),
  });

  it('shows the endpoint as reachable in the status bar', async () => {
    // The icon is a glyph; what a screen reader announces says the state in words.
    const label = async () =>
      (await workbench()
        .statusBarItem('aegis.status')
        .locator('a, [aria-label]')
        .first()
        .getAttribute('aria-label')) ?? '';
    const deadline = Date.now() + 20_000;
    while (!/endpoint reachable/.test(await label()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.match(await workbench().statusBarText('aegis.status'), /Aegis\s+e2e-model/);
    assert.match(await label(), /e2e-model, endpoint reachable/);
  });

  it('sends the key set with "Aegis: Set API Key" as a bearer token', async () => {
    const page = workbench().page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.pressSequentially('Aegis: Set API Key', { delay: 20 });
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Set API Key' }).waitFor();
    await page.keyboard.press('Enter');
    const password = page.locator('.quick-input-widget input[type="password"]');
    await password.waitFor({ state: 'visible' });
    await password.pressSequentially(key, { delay: 20 });
    await workbench().screenshot('e2e-api-key-input');
    await page.keyboard.press('Enter');
    await workbench().waitForNotification(/API key saved for e2e/);

    const deadline = Date.now() + 15_000;
    const authorized = () =>
      server.requests.find((r) => r.path === '/v1/models' && r.headers.authorization === `Bearer ${key}`);
    while (!authorized() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(authorized(), 'the server received the key as "Authorization: Bearer …"');
    const settings = await workbench().statusBarText('aegis.status');
    assert.ok(!settings.includes(key), 'the key is not shown in the status bar');
  });
});
