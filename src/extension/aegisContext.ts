// The one context object built in activate(): the log, settings, API keys, status bar and endpoint health,
// created once and handed to every command and provider. Heavy parts (the model client and its SDK, and
// later SQLite, tree-sitter and the guard's policies) are loaded on first use, not at activation.
import * as vscode from 'vscode';
import { EndpointHealth } from '../model/endpointHealth';
import type { ModelClient, RequestEvent } from '../model/modelClient';
import type { Feature, ModelProfile } from '../model/profiles';
import { ApiKeyStore } from './apiKeys';
import { GuardService } from './guardService';
import { ScrubbingLogger } from './log';
import { MetricsService } from './metricsService';
import { ProposalDocuments } from './proposalDocuments';
import { SettingsService } from './settings';
import { AegisStatusBar } from './statusBar';

export class AegisContext implements vscode.Disposable {
  readonly logger: ScrubbingLogger;
  readonly settings: SettingsService;
  readonly apiKeys: ApiKeyStore;
  readonly statusBar: AegisStatusBar;
  readonly health: EndpointHealth;
  readonly metrics: MetricsService;
  /** Proposed file versions shown in diffs before anything is written (chat Apply, test generation). */
  readonly proposals: ProposalDocuments;
  /** The compliance guard: its policy loads on the first scan, not here. */
  readonly guard: GuardService;
  private readonly disposables: vscode.Disposable[] = [];
  private clientPromise: Promise<ModelClient> | undefined;
  private readonly requestListeners = new Set<(event: RequestEvent) => void>();

  constructor(readonly extension: vscode.ExtensionContext) {
    this.logger = new ScrubbingLogger(vscode.window.createOutputChannel('Aegis', { log: true }));
    this.settings = new SettingsService(this.logger);
    this.apiKeys = new ApiKeyStore(extension.secrets, this.logger);
    this.statusBar = new AegisStatusBar(this.logger);
    this.health = new EndpointHealth({ getApiKey: (id) => this.apiKeys.get(id) });
    this.metrics = new MetricsService(extension, this.logger);
    this.proposals = new ProposalDocuments();
    this.guard = new GuardService({
      extension,
      logger: this.logger,
      statusBar: this.statusBar,
      metrics: this.metrics,
    });
    this.disposables.push(
      this.logger,
      this.settings,
      this.statusBar,
      this.metrics,
      this.guard,
      this.proposals,
      {
        dispose: () => this.health.dispose(),
      },
    );

    this.disposables.push(
      this.health.onDidChange((change) => {
        if (change.profileId !== this.profileFor('completion').id) return;
        this.statusBar.setEndpointState(change.status, this.profileFor('completion').baseUrl);
      }),
      this.settings.onDidChange(() => {
        this.refreshStatusBar();
        void this.checkCompletionEndpoint(false);
      }),
    );
    this.refreshStatusBar();
  }

  profileFor(feature: Feature): ModelProfile {
    const { profiles, features } = this.settings.snapshot.models;
    const profile = profiles.find((p) => p.id === features[feature]) ?? profiles[0];
    if (!profile) throw new Error('The settings parser always yields at least one profile.');
    return profile;
  }

  /** The model client, created (and the openai SDK loaded) on the first request. */
  modelClient(): Promise<ModelClient> {
    this.clientPromise ??= import('../model/modelClient').then(
      ({ ModelClient }) =>
        new ModelClient({
          getApiKey: (id) => this.apiKeys.get(id),
          onRequest: (event) => this.onRequest(event),
          now: () => Date.now(),
          gate: this.health,
        }),
    );
    return this.clientPromise;
  }

  /** Listens to every model request's measurement (time to first token, total time, outcome). */
  onDidRequest(listener: (event: RequestEvent) => void): vscode.Disposable {
    this.requestListeners.add(listener);
    return new vscode.Disposable(() => this.requestListeners.delete(listener));
  }

  async checkCompletionEndpoint(userInitiated: boolean): Promise<boolean> {
    const profile = this.profileFor('completion');
    const up = await this.health.probe(profile);
    this.statusBar.setEndpointState(up ? 'reachable' : 'unreachable', profile.baseUrl);
    if (userInitiated && up) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Aegis: the endpoint {0} answers ({1}).', profile.baseUrl, profile.model),
      );
    }
    return up;
  }

  private onRequest(event: RequestEvent): void {
    this.logger.debug(
      `request ${event.requestId} ${event.feature} ${event.profileId} ${event.outcome}` +
        ` ttft=${event.ttftMs ?? '-'}ms total=${event.totalMs}ms attempts=${event.attempts}` +
        (event.errorKind ? ` error=${event.errorKind}` : ''),
    );
    this.metrics.record({
      kind: 'modelRequest',
      requestId: event.requestId,
      feature: event.feature,
      profile: event.profileId,
      model: event.model,
      startedAt: event.startedAt,
      ttftMs: event.ttftMs ?? null,
      totalMs: event.totalMs,
      promptTokens: event.promptTokens ?? 0,
      completionTokens: event.completionTokens ?? 0,
      outcome: event.outcome,
    });
    for (const listener of this.requestListeners) listener(event);
  }

  private refreshStatusBar(): void {
    const profile = this.profileFor('completion');
    this.statusBar.setProfile(profile, this.settings.snapshot.completionEnabled);
    const status = this.health.status(profile.id);
    if (status !== 'unknown') this.statusBar.setEndpointState(status, profile.baseUrl);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    this.requestListeners.clear();
  }
}
