// The e2e harness checked against VS Code itself, with a test-only probe extension instead of Aegis: if a
// VS Code upgrade moves the DOM the helpers read, these fail and say so, rather than every product test
// failing in ways that look like product bugs.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleWorkspace } from '../support/testRunPaths';
import { useE2eSession } from './e2eSession';

describe('e2e harness against a real VS Code (probe extension)', function () {
  const { current } = useE2eSession({
    session: {
      name: 'e2e-harness',
      developmentExtension: { path: join(__dirname, 'probe-extension'), readyItem: 'probe.ready' },
    },
  });

  it('reads a two-line ghost text, accepts it with Tab, and the saved file contains it', async () => {
    const { server, workbench } = current();
    await workbench.openFile('src/cart.ts');
    await workbench.press('Control+End');
    await workbench.type('\nconst total = ');
    assert.equal(await workbench.waitForGhostText(), 'cart.totalCents(0.2);\nconsole.log(total);');
    await workbench.press('Tab');
    assert.equal(await workbench.hasGhostText(), false);
    assert.match(
      await workbench.editorText(),
      /const total = cart\.totalCents\(0\.2\);\nconsole\.log\(total\);$/,
    );
    await workbench.press('Control+S');
    const saved = join(server.workspace ?? '', 'src', 'cart.ts');
    const deadline = Date.now() + 10_000;
    while (!readFileSync(saved, 'utf8').includes('console.log(total);') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(
      readFileSync(saved, 'utf8'),
      /const total = cart\.totalCents\(0\.2\);\nconsole\.log\(total\);\n?$/,
    );
    // The repository's fixture is untouched: the server works on a copy.
    assert.doesNotMatch(readFileSync(join(sampleWorkspace, 'src', 'cart.ts'), 'utf8'), /const total =/);
  });

  it('runs the exact palette command when a longer one ranks first, and reads inside the webview it opens', async () => {
    const { workbench } = current();
    await workbench.openFile('README.md');
    // Fuzzy matching ranks "Markdown: Open Locked Preview to the Side" above "Markdown: Open Preview".
    await workbench.runCommand('Markdown: Open Preview');
    const preview = await workbench.webviewFrame({ selector: 'h1' });
    assert.equal(await preview.locator('h1').innerText(), 'Shopping cart service (sample)');
    await workbench.screenshot('e2e-harness-markdown-preview');
  });
});
