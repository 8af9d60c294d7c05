// The commands of the Aegis menu. Each is a small factory over the extension's context, so that it holds
// no state of its own and can be read in isolation.
import * as vscode from 'vscode';
import type { ModelProfile } from '../model/profiles';
import type { AegisContext } from './aegisContext';

export const EXTENSION_ID = 'aegis.aegis-code-assistant';

export function registerCommands(ctx: AegisContext): vscode.Disposable[] {
  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'aegis.setApiKey': (profileId?: unknown) =>
      setApiKey(ctx, typeof profileId === 'string' ? profileId : undefined),
    'aegis.clearApiKey': () => clearApiKey(ctx),
    'aegis.selectCompletionProfile': () => selectCompletionProfile(ctx),
    'aegis.openSettings': () =>
      vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${EXTENSION_ID}`),
    'aegis.showLog': () => ctx.logger.show(),
    'aegis.checkEndpoint': () => ctx.checkCompletionEndpoint(true),
    'aegis.statusMenu': () => statusMenu(ctx),
  };
  return Object.entries(commands).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}

async function pickProfile(ctx: AegisContext, placeHolder: string): Promise<ModelProfile | undefined> {
  const profiles = ctx.settings.snapshot.models.profiles;
  if (profiles.length === 1) return profiles[0];
  const picked = await vscode.window.showQuickPick(
    profiles.map((profile) => ({
      label: profile.id,
      description: `${profile.model} · ${profile.baseUrl}`,
      profile,
    })),
    { placeHolder },
  );
  return picked?.profile;
}

async function setApiKey(ctx: AegisContext, profileId: string | undefined): Promise<void> {
  const profile =
    ctx.settings.snapshot.models.profiles.find((p) => p.id === profileId) ??
    (await pickProfile(ctx, vscode.l10n.t('Which model profile is the API key for?')));
  if (!profile) return;
  const key = await vscode.window.showInputBox({
    title: vscode.l10n.t('API key for {0}', profile.id),
    prompt: vscode.l10n.t('Stored in VS Code SecretStorage (the OS keychain on desktop), never in settings.'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) =>
      value.trim() === '' || /\s/.test(value.trim())
        ? vscode.l10n.t('An API key is one word, without spaces.')
        : undefined,
  });
  if (key === undefined) return;
  await ctx.apiKeys.set(profile.id, key.trim());
  ctx.logger.info(`API key stored for profile ${profile.id}.`);
  void vscode.window.showInformationMessage(vscode.l10n.t('Aegis: API key saved for {0}.', profile.id));
  await ctx.checkCompletionEndpoint(false);
}

async function clearApiKey(ctx: AegisContext): Promise<void> {
  const profile = await pickProfile(ctx, vscode.l10n.t('Which model profile should forget its API key?'));
  if (!profile) return;
  await ctx.apiKeys.clear(profile.id);
  ctx.logger.info(`API key removed for profile ${profile.id}.`);
  void vscode.window.showInformationMessage(vscode.l10n.t('Aegis: API key removed for {0}.', profile.id));
}

async function selectCompletionProfile(ctx: AegisContext): Promise<void> {
  const current = ctx.settings.snapshot.models.features.completion;
  const profiles = ctx.settings.snapshot.models.profiles;
  const picked = await vscode.window.showQuickPick(
    profiles.map((profile) => ({
      label: profile.id === current ? `$(check) ${profile.id}` : profile.id,
      description: `${profile.model} · ${profile.baseUrl}`,
      profile,
    })),
    { placeHolder: vscode.l10n.t('Model profile for inline completion') },
  );
  if (!picked) return;
  await vscode.workspace
    .getConfiguration('aegis')
    .update('features.completion', picked.profile.id, vscode.ConfigurationTarget.Global);
}

async function statusMenu(ctx: AegisContext): Promise<void> {
  const enabled = ctx.settings.snapshot.completionEnabled;
  const items: (vscode.QuickPickItem & { command: string; args?: unknown[] })[] = [
    {
      label: `$(arrow-swap) ${vscode.l10n.t('Switch completion model')}`,
      command: 'aegis.selectCompletionProfile',
    },
    { label: `$(plug) ${vscode.l10n.t('Check the model endpoint')}`, command: 'aegis.checkEndpoint' },
    { label: `$(key) ${vscode.l10n.t('Set API key')}`, command: 'aegis.setApiKey' },
    {
      label: enabled
        ? `$(circle-slash) ${vscode.l10n.t('Turn inline completion off')}`
        : `$(check) ${vscode.l10n.t('Turn inline completion on')}`,
      command: 'workbench.action.toggleSetting',
    },
    { label: `$(gear) ${vscode.l10n.t('Open Settings')}`, command: 'aegis.openSettings' },
    { label: `$(output) ${vscode.l10n.t('Show Log')}`, command: 'aegis.showLog' },
  ];
  const advice = ctx.statusBar.currentAdvice;
  if (advice !== undefined)
    items.unshift({
      label: `$(lightbulb) ${vscode.l10n.t('Fix the completion profile')}`,
      detail: advice,
      command: 'aegis.openSettings',
    });
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Aegis' });
  if (!picked) return;
  if (picked.command === 'workbench.action.toggleSetting') {
    await vscode.workspace
      .getConfiguration('aegis')
      .update('completion.enabled', !enabled, vscode.ConfigurationTarget.Global);
    return;
  }
  await vscode.commands.executeCommand(picked.command, ...(picked.args ?? []));
}
