// The status bar item: which model serves completion and whether its endpoint answers. Clicking it opens
// the Aegis menu. An endpoint going down is announced once (not per keystroke), with ways to fix it.
import * as vscode from 'vscode';
import type { ModelProfile } from '../model/profiles';
import type { Logger } from './log';

export type EndpointState = 'unknown' | 'reachable' | 'unreachable';

export class AegisStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private profile: ModelProfile | undefined;
  private state: EndpointState = 'unknown';
  private detail = '';
  private enabled = true;
  private announcedDown = false;
  private blockedReason: string | undefined;
  private advice: string | undefined;

  constructor(private readonly logger: Logger) {
    this.item = vscode.window.createStatusBarItem('aegis.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Aegis';
    this.item.command = 'aegis.statusMenu';
    this.render();
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  get endpointState(): EndpointState {
    return this.state;
  }

  setProfile(profile: ModelProfile, enabled: boolean): void {
    if (this.profile?.id !== profile.id || this.profile.baseUrl !== profile.baseUrl) {
      this.state = 'unknown';
      this.announcedDown = false;
    }
    if (this.profile?.id !== profile.id || this.profile.model !== profile.model) this.advice = undefined;
    this.profile = profile;
    this.enabled = enabled;
    this.render();
  }

  /** A standing problem that stops requests (e.g. the guard's policy could not be loaded), or undefined. */
  setBlocked(reason: string | undefined): void {
    this.blockedReason = reason;
    this.render();
  }

  /**
   * A standing mismatch between the completion profile and its model (a chat model behind a FIM dialect,
   * echoed FIM tokens), with the fix; it stays on the item until the profile changes. Undefined clears it.
   */
  setAdvice(advice: string | undefined): void {
    this.advice = advice;
    this.render();
  }

  get currentAdvice(): string | undefined {
    return this.advice;
  }

  setEndpointState(state: EndpointState, detail = ''): void {
    const wasDown = this.state === 'unreachable';
    this.state = state;
    this.detail = detail;
    this.render();
    if (state === 'unreachable' && !wasDown) {
      this.logger.warn(`Endpoint ${this.profile?.baseUrl ?? ''} is unreachable: ${detail}`);
      this.announceDown();
    }
    if (state === 'reachable') {
      if (wasDown) this.logger.info(`Endpoint ${this.profile?.baseUrl ?? ''} is reachable again.`);
      this.announcedDown = false;
    }
  }

  private announceDown(): void {
    if (this.announcedDown || !this.profile) return;
    this.announcedDown = true;
    const settings = vscode.l10n.t('Open Settings');
    const retry = vscode.l10n.t('Retry');
    const log = vscode.l10n.t('Show Log');
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t(
          'Aegis cannot reach the model endpoint {0} ({1}). Completion is paused until it answers.',
          this.profile.baseUrl,
          this.profile.model,
        ),
        retry,
        settings,
        log,
      )
      .then((choice) => {
        if (choice === retry) void vscode.commands.executeCommand('aegis.checkEndpoint');
        if (choice === settings) void vscode.commands.executeCommand('aegis.openSettings');
        if (choice === log) void vscode.commands.executeCommand('aegis.showLog');
      });
  }

  private render(): void {
    const model = this.profile?.model ?? '';
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = false;
    tooltip.appendMarkdown(`**Aegis**\n\n`);
    if (this.profile) {
      tooltip.appendText(vscode.l10n.t('Completion model: {0} ({1})', this.profile.model, this.profile.id));
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(vscode.l10n.t('Endpoint: {0}', this.profile.baseUrl));
      tooltip.appendMarkdown('\n\n');
    }
    this.item.backgroundColor = undefined;
    if (this.blockedReason) {
      this.item.text = `$(shield) Aegis $(error)`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      tooltip.appendText(this.blockedReason);
    } else if (!this.enabled) {
      this.item.text = `$(shield) Aegis $(circle-slash) ${model}`;
      tooltip.appendText(vscode.l10n.t('Inline completion is turned off.'));
    } else if (this.state === 'unreachable') {
      this.item.text = `$(shield) Aegis $(warning) ${model}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      tooltip.appendText(vscode.l10n.t('Unreachable: {0}', this.detail));
    } else if (this.state === 'reachable') {
      this.item.text = `$(shield) Aegis $(check) ${model}`;
      tooltip.appendText(vscode.l10n.t('Reachable'));
    } else {
      this.item.text = `$(shield) Aegis ${model}`;
      tooltip.appendText(vscode.l10n.t('Not checked yet'));
    }
    if (this.advice && !this.blockedReason) {
      this.item.text += ' $(lightbulb)';
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(this.advice);
    }
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(vscode.l10n.t('Click for the Aegis menu.'));
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: this.accessibleLabel(model) };
  }

  private accessibleLabel(model: string): string {
    switch (this.state) {
      case 'reachable':
        return vscode.l10n.t('Aegis: {0}, endpoint reachable', model);
      case 'unreachable':
        return vscode.l10n.t('Aegis: {0}, endpoint unreachable', model);
      default:
        return vscode.l10n.t('Aegis: {0}', model);
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
