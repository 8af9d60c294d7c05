// Unit-test generation as a person uses it, in code-server with the packaged extension: click the "Generate
// tests" CodeLens above a TypeScript function, see the proposed test file as a diff, accept it, and the new
// file passes with the project's own test command. The model is the OpenAI test server, answering by rule
// with a correct test file for the function the prompt names. The metrics store records the run and the code.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAITestServer } from '../fixtures/openaiTestServer';
import type { RecordedRequest } from '../fixtures/openaiTestServer';
import { repoRoot } from '../support/testRunPaths';
import { useE2eSession } from './e2eSession';
import { waitForLocalMetrics } from './localMetrics';
import { eventually } from '../support/waitFor';

const fixture = join(repoRoot, 'test', 'fixtures', 'workspaces', 'testgen-ts');

/** What a good model writes for `applyDiscount` of the fixture: it passes against the fixture's code. */
const APPLY_DISCOUNT_TESTS = [
  "import assert from 'node:assert/strict';",
  "import { describe, it } from 'node:test';",
  "import { money } from '../src/money';",
  "import { applyDiscount } from '../src/pricing';",
  '',
  "describe('applyDiscount', () => {",
  "  it('takes the percentage off from the minimum subtotal on', () => {",
  '    assert.deepEqual(applyDiscount(money(10_000), { percent: 10, minimumCents: 5_000 }), money(9_000));',
  '  });',
  '',
  "  it('leaves a total under the minimum alone', () => {",
  '    assert.deepEqual(applyDiscount(money(4_999), { percent: 10, minimumCents: 5_000 }), money(4_999));',
  '  });',
  '',
  "  it('rejects a percentage over 100', () => {",
  '    assert.throws(() => applyDiscount(money(100), { percent: 101, minimumCents: 0 }), RangeError);',
  '  });',
  '});',
].join('\n');

function lastUserMessage(request: RecordedRequest): string {
  const body = request.body as { messages?: Array<{ role: string; content: string }> };
  return [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
}

function isTestGenRequest(request: RecordedRequest): boolean {
  return request.path === '/v1/chat/completions' && /Write unit tests for/.test(lastUserMessage(request));
}

describe('Generate tests from the CodeLens, as a user does it', function () {
  const server = new OpenAITestServer();
  server.setDefault({
    rule: (request) => {
      const prompt = lastUserMessage(request);
      if (/Write unit tests for `applyDiscount`/.test(prompt))
        return `Here are the tests.\n\n\`\`\`ts\n${APPLY_DISCOUNT_TESTS}\n\`\`\`\n`;
      return 'I can only test applyDiscount.';
    },
  });
  const { current } = useE2eSession({
    modelServer: server,
    session: () => ({
      name: 'e2e-testgen',
      workspace: fixture,
      settings: {
        'aegis.models': [
          {
            id: 'e2e',
            baseUrl: server.baseUrl,
            model: 'e2e-tests-model',
            apiStyle: 'chat',
            fimDialect: 'none',
          },
        ],
        'aegis.features.completion': 'e2e',
        'aegis.features.tests': 'e2e',
        'aegis.completion.enabled': false,
      },
    }),
  });

  it('proposes a test file as a diff, writes it on Accept, and the tests pass', async function () {
    this.timeout(180_000);
    const { workbench, server: codeServer } = current();
    const page = workbench.page;
    const workspace = codeServer.workspace;
    assert.ok(workspace);
    await workbench.openFile('src/pricing.ts');

    // One lens per function; the lower one is applyDiscount's (subtotal comes first in the file).
    const lenses = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Generate tests' });
    await eventually(
      async () => (await lenses.count()) >= 2,
      'a "Generate tests" CodeLens above each function',
      60_000,
    );
    await workbench.screenshot('e2e-testgen-codelens');
    const boxes = await Promise.all(
      (await lenses.all()).map(async (lens) => ({ lens, box: await lens.boundingBox() })),
    );
    boxes.sort((a, b) => (a.box?.y ?? 0) - (b.box?.y ?? 0));
    const lens = boxes[boxes.length - 1]?.lens;
    assert.ok(lens);
    await lens.click();

    await page
      .locator('.tabs-container .tab', { hasText: 'proposed tests' })
      .waitFor({ state: 'visible', timeout: 30_000 });
    const modified = page.locator('.monaco-diff-editor .editor.modified .view-lines');
    await eventually(
      async () => /applyDiscount/.test(await modified.innerText().catch(() => '')),
      'the proposed tests in the diff',
    );
    await workbench.waitForNotification(/write the proposed tests to test\/pricing\.test\.ts/);
    await workbench.screenshot('e2e-testgen-diff');

    // The prompt carried the shapes of the types the function uses, found in another file.
    const request = server.requests.find(isTestGenRequest);
    assert.ok(request, 'the test server received the test-generation request');
    const prompt = lastUserMessage(request);
    assert.match(prompt, /Types it uses:[\s\S]*interface DiscountRule \{[\s\S]*minimumCents: number;/);
    assert.match(prompt, /interface Money \{/);
    assert.match(prompt, /Import the code under test from '\.\.\/src\/pricing'/);

    const toast = page.locator('.notification-toast', { hasText: 'write the proposed tests' });
    await toast.locator('.monaco-button', { hasText: /^Accept$/ }).click();
    const testFile = join(workspace, 'test', 'pricing.test.ts');
    await eventually(() => existsSync(testFile), 'test/pricing.test.ts on disk');
    await eventually(
      () => readFileSync(testFile, 'utf8').includes('rejects a percentage over 100'),
      'the accepted tests saved',
    );
    await workbench.waitForNotification(/run `node --import tsx --test test\/pricing\.test\.ts`/);
    await workbench.screenshot('e2e-testgen-accepted');

    // The project's own test command, with the machine's tsx standing in for the fixture's npm install.
    symlinkSync(join(repoRoot, 'node_modules'), join(workspace, 'node_modules'), 'dir');
    const run = spawnSync('node', ['--import', 'tsx', '--test', 'test/pricing.test.ts'], {
      cwd: workspace,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, `the generated tests failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /# pass 3/);
    assert.match(run.stdout, /# fail 0/);
  });

  it('records the request, the applied tests and their characters in the metrics store', async function () {
    this.timeout(60_000);
    const rows = await waitForLocalMetrics(
      current(),
      (db) => {
        const interactions = db
          .prepare("SELECT action, model, language FROM interactions WHERE feature = 'tests' ORDER BY ts")
          .all() as Array<{ action: string; model: string; language: string }>;
        const chars = db
          .prepare("SELECT chars, model, language FROM chars_added WHERE source = 'tests'")
          .all() as Array<{ chars: number; model: string; language: string }>;
        return chars.length > 0 && interactions.length >= 2 ? { interactions, chars } : undefined;
      },
      'the tests metrics rows',
    );
    assert.deepEqual(
      rows.interactions.map((r) => r.action),
      ['request', 'apply'],
    );
    assert.ok(rows.interactions.every((r) => r.model === 'e2e-tests-model' && r.language === 'typescript'));
    assert.equal(rows.chars.length, 1);
    assert.equal(rows.chars[0]?.chars, APPLY_DISCOUNT_TESTS.length + 1);
  });
});
