// Code diagnosis as a person uses it, in code-server with the packaged extension: run "Aegis: Diagnose" on a
// file with a real bug (an off-by-one loop that averages in `undefined`), read the finding in the Problems
// panel, go to it, press Ctrl+. and apply the suggested fix, and the file changes. The model is the OpenAI test
// server, answering by rule with a JSON finding on the loop's condition. Metrics record the run and the fix.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAITestServer } from '../fixtures/openaiTestServer';
import type { RecordedRequest } from '../fixtures/openaiTestServer';
import { repoRoot } from '../support/testRunPaths';
import { useE2eSession } from './e2eSession';
import { waitForLocalMetrics } from './localMetrics';
import { eventually } from '../support/waitFor';

const fixture = join(repoRoot, 'test', 'fixtures', 'workspaces', 'testgen-ts');
const BUGGY = 'i <= values.length';
const FIXED = 'i < values.length';
const MESSAGE = 'The loop reads one element past the end, so the sum is NaN.';

function messages(request: RecordedRequest): Array<{ role: string; content: string }> {
  return (request.body as { messages?: Array<{ role: string; content: string }> }).messages ?? [];
}

/** A finding on the loop condition, at the line and column where the numbered file in the prompt has it. */
function diagnosisAnswer(request: RecordedRequest): string {
  const user = [...messages(request)].reverse().find((m) => m.role === 'user')?.content ?? '';
  const findings = [];
  for (const numbered of user.split('\n')) {
    const m = /^\s*(\d+)\| (.*)$/.exec(numbered);
    const column = m?.[2]?.indexOf(BUGGY) ?? -1;
    if (!m || column === -1) continue;
    findings.push({
      startLine: Number(m[1]),
      startColumn: column + 1,
      endLine: Number(m[1]),
      endColumn: column + 1 + BUGGY.length,
      severity: 'error',
      category: 'bug',
      message: MESSAGE,
      code: BUGGY,
      replacement: FIXED,
    });
  }
  return JSON.stringify({ findings });
}

describe('Diagnose a file and apply the quick fix, as a user does it', function () {
  const server = new OpenAITestServer();
  server.setDefault({
    rule: (request) =>
      messages(request).some((m) => m.role === 'system' && /You review code/.test(m.content))
        ? diagnosisAnswer(request)
        : 'Not a diagnosis request.',
  });
  const { current } = useE2eSession({
    modelServer: server,
    session: () => ({
      name: 'e2e-diagnosis',
      workspace: fixture,
      settings: {
        'aegis.models': [
          {
            id: 'e2e',
            baseUrl: server.baseUrl,
            model: 'e2e-review-model',
            apiStyle: 'chat',
            fimDialect: 'none',
          },
        ],
        'aegis.features.completion': 'e2e',
        'aegis.features.diagnosis': 'e2e',
        'aegis.completion.enabled': false,
      },
    }),
  });

  it('shows the finding in the Problems panel and its quick fix changes the file', async function () {
    this.timeout(180_000);
    const { workbench, server: codeServer } = current();
    const page = workbench.page;
    const workspace = codeServer.workspace;
    assert.ok(workspace);
    await workbench.openFile('src/stats.ts');
    await workbench.runCommand('Aegis: Diagnose');

    await workbench.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'one element past the end' });
    await row.first().waitFor({ state: 'visible', timeout: 30_000 });
    const rowText = (await row.first().innerText()).replace(/\s+/g, ' ');
    assert.match(rowText, /The loop reads one element past the end/);
    assert.match(rowText, /Aegis/);
    assert.match(rowText, /\[Ln 6, Col 19\]/);
    await workbench.screenshot('e2e-diagnosis-problems');

    // Go to the problem as a person does (the row puts the cursor on it), then ask for quick fixes.
    await row.first().dblclick();
    await page.locator('.editor-instance .monaco-editor.focused').waitFor({ timeout: 20_000 });
    const fix = page.locator('.action-widget .monaco-list-row', {
      hasText: 'Aegis: apply the suggested fix',
    });
    // A busy extension host can answer the first Ctrl+. with "No code actions available"; ask again then.
    for (let attempt = 1; ; attempt++) {
      await workbench.press('Control+.');
      try {
        await fix.first().waitFor({ state: 'visible', timeout: 10_000 });
        break;
      } catch (error) {
        if (attempt === 3) throw error;
        await workbench.press('Escape');
      }
    }
    await workbench.screenshot('e2e-diagnosis-quickfix');
    // Picked with the keyboard, as the menu expects: arrow to the entry, Enter.
    for (let step = 0; step < 10; step++) {
      if (await fix.first().evaluate((node) => node.classList.contains('focused'))) break;
      await workbench.press('ArrowDown');
    }
    await workbench.press('Enter');

    await eventually(async () => (await workbench.editorText()).includes(FIXED), 'the fix in the editor');
    await workbench.press('Control+S');
    const file = join(workspace, 'src', 'stats.ts');
    await eventually(
      () => readFileSync(file, 'utf8').includes(`for (let i = 0; ${FIXED}; i++)`),
      'the fix on disk',
    );
    assert.ok(!readFileSync(file, 'utf8').includes(BUGGY));
    await workbench.screenshot('e2e-diagnosis-fixed');
  });

  it('records the diagnosis run and the applied fix in the metrics store', async function () {
    this.timeout(60_000);
    const rows = await waitForLocalMetrics(
      current(),
      (db) => {
        const interactions = db
          .prepare(
            "SELECT action, user_initiated AS userInitiated, model FROM interactions WHERE feature = 'diagnosis' ORDER BY ts",
          )
          .all() as Array<{ action: string; userInitiated: number; model: string }>;
        const chars = db
          .prepare("SELECT chars, model, language FROM chars_added WHERE source = 'chat'")
          .all() as Array<{ chars: number; model: string; language: string }>;
        return chars.length > 0 && interactions.length >= 2 ? { interactions, chars } : undefined;
      },
      'the diagnosis metrics rows',
    );
    assert.deepEqual(
      rows.interactions.map((r) => [r.action, r.userInitiated, r.model]),
      [
        ['request', 1, 'e2e-review-model'],
        ['apply', 1, 'e2e-review-model'],
      ],
    );
    assert.deepEqual(rows.chars, [
      { chars: FIXED.length, model: 'e2e-review-model', language: 'typescript' },
    ]);
  });
});
