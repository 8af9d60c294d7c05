// Smoke suite run inside a real extension host: the extension is installed, activates, and its API
// reports the status bar text a user sees.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AegisApi } from '../../../src/extension/extension';

const extensionId = 'aegis.aegis-code-assistant';

describe('Aegis extension in a real VS Code host', () => {
  it('is installed under its published id', () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is not among ${vscode.extensions.all.length} installed extensions`);
    // packageJSON is untyped in the API; read the one field as unknown.
    const manifest = extension.packageJSON as { publisher?: unknown };
    assert.equal(manifest.publisher, 'aegis');
  });

  it('activates and its API reports the Aegis status text', async () => {
    const extension = vscode.extensions.getExtension<AegisApi>(extensionId);
    assert.ok(extension);
    const api = await extension.activate();
    assert.equal(extension.isActive, true);
    assert.match(api.statusText(), /Aegis/);
  });

  it('registers every command it contributes, so none answers "command not found"', async () => {
    const extension = vscode.extensions.getExtension<AegisApi>(extensionId);
    assert.ok(extension);
    await extension.activate();
    const manifest = extension.packageJSON as { contributes?: { commands?: Array<{ command: string }> } };
    const contributed = (manifest.contributes?.commands ?? []).map((entry) => entry.command);
    assert.ok(contributed.length > 0, 'the manifest contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((command) => !registered.has(command)),
      [],
    );
  });
});
