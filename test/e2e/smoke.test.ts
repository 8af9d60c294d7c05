// The packaged extension, installed from its .vsix into a real VS Code in a real browser: the person
// opening the sample workspace sees the Aegis status bar item and can open the Aegis log.
import * as assert from 'node:assert/strict';
import { useE2eSession } from './e2eSession';

describe('Aegis, installed from its .vsix, in code-server', function () {
  const { workbench } = useE2eSession({ session: { name: 'e2e-smoke' } });

  it('shows the Aegis item in the status bar', async () => {
    const text = await workbench().statusBarText('aegis.status');
    assert.match(text, /Aegis/);
    await workbench().screenshot('e2e-smoke-status-bar');
  });

  it('opens the "Aegis" output channel from "Aegis: Show Log" in the command palette', async () => {
    await workbench().runCommand('Aegis: Show Log');
    const deadline = Date.now() + 15_000;
    let channel = await workbench().visibleOutputChannel();
    let dialog: string | undefined;
    while (channel !== 'Aegis' && dialog === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      channel = await workbench().visibleOutputChannel();
      dialog = await workbench().modalDialogText();
    }
    await workbench().screenshot('e2e-smoke-show-log');
    assert.equal(dialog, undefined, `VS Code showed an error dialog: ${dialog}`);
    assert.equal(channel, 'Aegis');
  });
});
