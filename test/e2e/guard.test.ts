// A security engineer opens "Aegis: Open Guard Policy Playground", pastes text holding a key and an e-mail
// address, and sees each finding highlighted with its rule, category and action; then types a broken policy
// and sees the problem with its line and field. Everything is read inside the webview frame.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { useE2eSession } from './e2eSession';
import { eventually } from '../support/waitFor';

// Built from parts so that this source file itself does not trip secret scanners.
const AWS_KEY = ['AKIA', 'Q3ZT7WX2', 'LMN4PRS6'].join('');
const PASTED = [
  'Please look at the deployment script:',
  `export AWS_ACCESS_KEY_ID=${AWS_KEY}`,
  'and tell jane.doe@northbank.co.uk when it is fixed.',
].join('\n');

describe('Guard policy playground, as a security engineer sees it', function () {
  const { current } = useE2eSession({ session: { name: 'e2e-guard' } });

  async function playground(): Promise<Frame> {
    return current().workbench.webviewFrame({ title: 'Aegis Guard Policy', selector: '#playground-text' });
  }

  it('shows every finding of pasted text with its rule, category and action', async function () {
    this.timeout(90_000);
    await current().workbench.runCommand('Aegis: Open Guard Policy Playground');
    const frame = await playground();
    // The effective policy arrives first: the recommended rules, each with its layer.
    await frame.locator('#policy-rules tbody tr').first().waitFor({ timeout: 30_000 });
    assert.match(await frame.locator('#policy-rules').innerText(), /secrets-input[\s\S]*builtin/);

    await frame.locator('#playground-text').fill(PASTED);
    const rows = frame.locator('#playground-findings li.finding-row');
    await rows.nth(1).waitFor({ timeout: 30_000 });
    const findings = await rows.evaluateAll((items) =>
      items.map((item) => ({
        rule: item.getAttribute('data-rule'),
        category: item.getAttribute('data-category'),
        action: item.getAttribute('data-action'),
        text: item.textContent ?? '',
      })),
    );
    const secret = findings.find((f) => f.category === 'secret');
    const pii = findings.find((f) => f.category === 'pii');
    assert.equal(secret?.rule, 'secrets-input');
    assert.equal(secret?.action, 'redact');
    assert.match(secret?.text ?? '', /line 2/);
    assert.equal(pii?.rule, 'pii-input');
    assert.equal(pii?.action, 'redact');
    assert.match(await frame.locator('#playground-decision').innerText(), /redact/);

    // The highlighted copy marks exactly the key and the address.
    const marks = await frame.locator('#playground-highlighted mark').allInnerTexts();
    assert.ok(marks.includes(AWS_KEY), `the key is highlighted (marks: ${marks.length})`);
    assert.ok(marks.includes('jane.doe@northbank.co.uk'), 'the address is highlighted');
    // The finding list names rules and positions only; the value is shown only in the highlight.
    assert.ok(!findings.some((f) => f.text.includes(AWS_KEY)), 'no finding row repeats the key');
    await current().workbench.screenshot('e2e-guard-playground');
  });

  it('validates a policy text and names the line and field of a mistake', async function () {
    this.timeout(60_000);
    const frame = await playground();
    await frame
      .locator('#editor-text')
      .fill(
        'version: 1\nrules:\n  - id: deploy-hosts\n    pattern: "deploy[0-9]+\\\\.corp"\n    action: maybe\n',
      );
    await frame.getByRole('button', { name: 'Validate' }).click();
    const issue = frame.locator('#editor-issues li').first();
    await issue.waitFor({ timeout: 20_000 });
    assert.match(await issue.innerText(), /:5:\d+: rules\[0\]\.action:/);
    await current().workbench.screenshot('e2e-guard-policy-validation');
  });
  it('saves a workspace policy whose rule then applies in the playground', async function () {
    this.timeout(60_000);
    const frame = await playground();
    await frame.locator('#editor-layer').selectOption('workspace');
    // Choosing a layer loads its text (a template when the file does not exist yet); a person waits for it.
    await frame.locator('#editor-text[data-layer="workspace"]').waitFor({ timeout: 20_000 });
    await frame
      .locator('#editor-text')
      .fill(
        'version: 1\nrules:\n  - id: codename-falcon\n    keywords: [Project Falcon]\n    action: block\n    message: Code names stay inside.\n',
      );
    assert.match(await frame.locator('#editor-text').inputValue(), /codename-falcon/);
    await frame.getByRole('button', { name: 'Save' }).click();
    await frame.locator('#editor-status', { hasText: 'Saved' }).waitFor({ timeout: 20_000 });
    const workspace = current().server.workspace;
    assert.ok(workspace);
    // The status may still read "Saved" from an earlier attempt: wait for the file itself.
    const saved = join(workspace, '.aegis', 'policy.yaml');
    await eventually(
      () => existsSync(saved) && /codename-falcon/.test(readFileSync(saved, 'utf8')),
      'the workspace policy file with the new rule',
      20_000,
    );
    await frame.locator('#policy-rules tr', { hasText: 'codename-falcon' }).waitFor({ timeout: 20_000 });
    assert.match(
      await frame.locator('#policy-rules tr', { hasText: 'codename-falcon' }).innerText(),
      /workspace/,
    );

    await frame.locator('#playground-text').fill('When does Project Falcon ship?');
    const row = frame.locator('#playground-findings li.finding-row[data-rule="codename-falcon"]');
    await row.waitFor({ timeout: 20_000 });
    assert.equal(await row.getAttribute('data-action'), 'block');
    assert.match(await frame.locator('#playground-decision').innerText(), /block/);
    await current().workbench.screenshot('e2e-guard-workspace-policy');
  });
});
