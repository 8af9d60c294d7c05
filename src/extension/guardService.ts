// The compliance guard as the extension runs it: loads the policy layers (built-in recommended < user <
// workspace < organisation) on first use, reloads them when the settings or the policy files change, fails
// closed when a required organisation policy cannot be loaded (status bar error, every request refused with
// the reason), reports each merge violation once, and sends every decision to the metrics store as an audit
// event with a salted hash of the match, never the match itself.
import { randomBytes } from 'node:crypto';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { Feature } from '../model/profiles';
import type { AuditEvent, AuditOptions } from '../guard/auditEvents';
import type { LoadPolicyOptions } from '../guard/policyLoader';
import type { EffectivePolicy, LayerName, MergeViolation } from '../guard/policyMerge';
import type { PolicyIssue } from '../guard/policySchema';
import type { RemotePolicy } from '../guard/remotePolicy';
import type { Guard, GuardFinding, ScanResult } from '../guard/scanTypes';
import { findWorkspacePolicy, moderate, readPolicyLocation } from './guardSources';
import type { LocatedSource } from './guardSources';
import type { Logger } from './log';
import type { MetricInput } from './metricsService';
import type { AegisStatusBar } from './statusBar';

export const SALT_KEY = 'aegis.guard.auditSalt';
const FEATURES: ReadonlySet<string> = new Set<Feature>(['completion', 'chat', 'tests', 'diagnosis']);
const RELOAD_DELAY_MS = 300;
/** How often an https organisation policy is asked for again (a conditional request: usually a 304). */
export const ORG_POLICY_REFRESH_MS = 15 * 60_000;
/** Regaining focus re-checks the policy, but not more often than this. */
const FOCUS_REFRESH_MIN_AGE_MS = 60_000;
const RETRY_FIRST_MS = 60_000;
/** A load right after a refresh (the reload it triggered) uses that refresh instead of asking again. */
const LOAD_REUSE_MS = 5_000;

export interface GuardServiceDeps {
  extension: vscode.ExtensionContext;
  logger: Logger;
  statusBar: AegisStatusBar;
  metrics: { record(input: MetricInput): void };
}

/** What one layer's source looked like at the last load. */
export interface LayerSourceInfo {
  layer: Exclude<LayerName, 'builtin'>;
  /** The file or URL, or the setting name when the layer is not configured. */
  origin: string;
  status: 'loaded' | 'missing' | 'unreadable' | 'invalid' | 'not-configured';
  /** The user and workspace layers can be saved from the policy editor; the organisation layer never. */
  editable: boolean;
}

/** Plain data about the loaded policy, for the status bar, the policy editor and the host tests. */
export interface GuardSnapshot {
  /** Set when failing closed: why every request is refused. */
  failure?: string;
  policy?: EffectivePolicy;
  violations: MergeViolation[];
  issues: PolicyIssue[];
  sources: LayerSourceInfo[];
  exceptionContact?: string;
}

interface Loaded {
  guard: Guard;
  snapshot: GuardSnapshot;
  /** The options without the audit trail: the playground rebuilds an un-audited guard from them. */
  options: LoadPolicyOptions;
  files: { user?: vscode.Uri; workspace?: vscode.Uri };
}

export class GuardService implements vscode.Disposable {
  private loading: Promise<Loaded> | undefined;
  private loaded: Loaded | undefined;
  private generation = 0;
  private playground: { generation: number; guard: Guard } | undefined;
  private saltPromise: Promise<string> | undefined;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private watchers: vscode.Disposable[] = [];
  private remote: RemotePolicy | undefined;
  /** A refresh still in flight at dispose must not reload (and create watchers) afterwards. */
  private disposed = false;
  private readonly refreshTimer: ReturnType<typeof setInterval>;
  /** After a failed refresh the server is asked again sooner: 1 min, doubling up to the regular interval. */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelayMs = RETRY_FIRST_MS;
  private readonly reported = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<GuardSnapshot>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  /** Every violation and layer problem announced so far (read by the host tests). */
  readonly shownReports: string[] = [];
  /** Fires after each (re)load. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly deps: GuardServiceDeps) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('aegis.guard')) this.scheduleReload();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleReload()),
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused) void this.refreshRemote(FOCUS_REFRESH_MIN_AGE_MS);
      }),
    );
    // Settings and file watchers cover local policies; a policy on a server changes without telling us.
    this.refreshTimer = setInterval(() => void this.refreshRemote(0), ORG_POLICY_REFRESH_MS);
    this.refreshTimer.unref?.();
  }

  /** Asks the organisation policy's server again (if it is one) and reloads when the answer changed. */
  async refreshRemote(maxAgeMs = 0): Promise<boolean> {
    const remote = this.remote;
    if (!remote || !this.loading) return false;
    const refresh = await remote.refresh(maxAgeMs);
    if (this.disposed || remote !== this.remote) return false;
    this.retryAfter(refresh.outcome === 'failed');
    if (refresh.changed) this.scheduleReload();
    return refresh.changed;
  }

  private retryAfter(failed: boolean): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (!failed) {
      this.retryDelayMs = RETRY_FIRST_MS;
      return;
    }
    this.retryTimer = setTimeout(() => void this.refreshRemote(0), this.retryDelayMs);
    this.retryTimer.unref?.();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, ORG_POLICY_REFRESH_MS);
  }

  private async readOrganisation(setting: string, required: boolean): Promise<LocatedSource | undefined> {
    if (!setting) {
      this.remote = undefined;
      return undefined;
    }
    if (!/^https:\/\//i.test(setting)) {
      this.remote = undefined;
      return readPolicyLocation(setting);
    }
    if (this.remote?.url !== setting) {
      // Loaded on first use: the schema validator it brings has no place on the activation path.
      const { RemotePolicy: Remote } = await import('../guard/remotePolicy');
      this.remote = new Remote(setting);
    }
    const remote = this.remote;
    const refresh = await remote.refresh(LOAD_REUSE_MS);
    if (!this.disposed && remote === this.remote) this.retryAfter(refresh.outcome === 'failed');
    const source = remote.sourceFor(refresh, required);
    if (source !== refresh.latest && refresh.lastGood) {
      const when = new Date(refresh.lastGood.fetchedAt).toISOString();
      this.deps.logger.warn(
        `guard: the organisation policy (${refresh.latest.origin}) could not be refreshed (${refresh.latest.error ?? 'invalid'}); the copy confirmed at ${when} stays in force`,
      );
    }
    return source;
  }

  /** The guard for the current policy, loading the layers on the first call. */
  async guard(): Promise<Guard> {
    return (await this.load()).guard;
  }

  /** The guard if it has been loaded already (for callers that cannot wait, like a stream opened mid-request). */
  peek(): Guard | undefined {
    return this.loaded?.guard;
  }

  async snapshot(): Promise<GuardSnapshot> {
    return (await this.load()).snapshot;
  }

  /** The policy file the editor saves for a layer: the user policy setting's file, or the workspace's. */
  async editableFile(layer: 'user' | 'workspace'): Promise<vscode.Uri | undefined> {
    return (await this.load()).files[layer];
  }

  /** A guard with the same policy that records nothing: the playground's scans are not decisions. */
  async playgroundGuard(): Promise<Guard> {
    const loaded = await this.load();
    if (this.playground?.generation === this.generation) return this.playground.guard;
    const { loadPolicyLayers } = await import('../guard/policyLoader');
    const guard = loadPolicyLayers(loaded.options).guard;
    this.playground = { generation: this.generation, guard };
    return guard;
  }

  /** Reloads now (used after the editor saves a layer, and by the reload button). */
  reload(): Promise<GuardSnapshot> {
    this.loading = undefined;
    return this.snapshot();
  }

  /** Who to ask for an exception: the policy's contact, else the setting, else undefined. */
  exceptionContact(): string | undefined {
    const fromPolicy = this.loaded?.snapshot.exceptionContact;
    if (fromPolicy) return fromPolicy;
    const setting = vscode.workspace
      .getConfiguration('aegis.guard')
      .get<string>('exceptionContact', '')
      .trim();
    return setting === '' ? undefined : setting;
  }

  /**
   * The user-facing reason for a scan that did something: each rule with its category, action and message, and
   * how to ask for an exception when something was blocked. Never the matched value (findings hold none).
   */
  explain(result: Pick<ScanResult, 'decision' | 'findings' | 'summary'>): string {
    const acting = result.findings.filter((f) => f.action === result.decision);
    const shown = acting.length > 0 ? acting : result.findings;
    const details = [...new Set(shown.map(describeFinding))].join('; ');
    if (result.decision !== 'block') return details || (result.summary ?? '');
    return `${details || (result.summary ?? '')} ${this.exceptionHint()}`;
  }

  exceptionHint(): string {
    const contact = this.exceptionContact();
    return contact
      ? vscode.l10n.t('To ask for an exception, contact {0}.', contact)
      : vscode.l10n.t('To ask for an exception, contact your security team.');
  }

  private load(): Promise<Loaded> {
    if (!this.loading) {
      const generation = ++this.generation;
      this.loading = this.read().then(
        (loaded) => {
          if (generation === this.generation) this.apply(loaded);
          return loaded;
        },
        (error: unknown) => {
          // A bug while loading must not let requests through unscanned: refuse them, saying why.
          this.deps.logger.error(`guard: the policy could not be loaded: ${String(error)}`);
          this.loading = undefined;
          throw error;
        },
      );
    }
    return this.loading;
  }

  private async read(): Promise<Loaded> {
    const config = vscode.workspace.getConfiguration('aegis.guard');
    const orgSetting = config.get<string>('organizationPolicy', '').trim();
    const required = config.get<boolean>('organizationPolicyRequired', false);
    const userSetting = config.get<string>('userPolicy', '').trim();
    const [organisation, user, workspace, salt] = await Promise.all([
      this.readOrganisation(orgSetting, required),
      userSetting ? readPolicyLocation(userSetting) : undefined,
      findWorkspacePolicy(),
      this.salt(),
    ]);
    const { loadPolicyLayers } = await import('../guard/policyLoader');
    const options: LoadPolicyOptions = {
      ...(user ? { user } : {}),
      ...(workspace ? { workspace } : {}),
      ...(organisation ? { organisation } : {}),
      organisationRequired: required,
      moderator: moderate,
    };
    const audit: AuditOptions = { salt, sink: (event) => this.audit(event) };
    const result = loadPolicyLayers({ ...options, audit });
    const originOf = (source: LocatedSource | undefined, setting: string): string =>
      source?.origin ?? setting;
    const statusOf = (source: LocatedSource | undefined): LayerSourceInfo['status'] => {
      if (!source) return 'not-configured';
      if (source.error !== undefined) return 'unreadable';
      if (source.text === undefined) return 'missing';
      return result.issues.some((i) => i.origin === source.origin) ? 'invalid' : 'loaded';
    };
    const snapshot: GuardSnapshot = {
      ...(result.failClosed && result.guard.failure ? { failure: result.guard.failure } : {}),
      ...(result.policy ? { policy: result.policy } : {}),
      violations: result.violations,
      issues: result.issues,
      sources: [
        {
          layer: 'organisation',
          origin: originOf(organisation, 'aegis.guard.organizationPolicy'),
          status: statusOf(organisation),
          editable: false,
        },
        {
          layer: 'workspace',
          origin: originOf(workspace, '.aegis/policy.yaml'),
          status: statusOf(workspace),
          editable: workspace?.uri !== undefined,
        },
        {
          layer: 'user',
          origin: originOf(user, 'aegis.guard.userPolicy'),
          status: statusOf(user),
          editable: user?.uri !== undefined,
        },
      ],
      ...(result.policy?.exceptionContact ? { exceptionContact: result.policy.exceptionContact } : {}),
    };
    this.watch([organisation?.uri, user?.uri]);
    return {
      guard: result.guard,
      snapshot,
      options,
      files: {
        ...(user?.uri ? { user: user.uri } : {}),
        ...(workspace?.uri ? { workspace: workspace.uri } : {}),
      },
    };
  }

  private apply(loaded: Loaded): void {
    this.loaded = loaded;
    const { snapshot } = loaded;
    if (snapshot.failure) {
      this.deps.logger.error(`guard: ${snapshot.failure}`);
      this.deps.statusBar.setBlocked(vscode.l10n.t('Aegis guard: {0}', snapshot.failure));
    } else {
      this.deps.statusBar.setBlocked(undefined);
      const layers = snapshot.policy?.layers.map((l) => `${l.layer} (${l.origin})`).join(', ') ?? '';
      this.deps.logger.info(
        `guard: ${snapshot.policy?.rules.length ?? 0} rules in ${snapshot.policy?.mode ?? 'enforce'} mode from ${layers}`,
      );
    }
    for (const violation of snapshot.violations) this.reportViolation(violation);
    for (const issue of snapshot.issues) this.reportIssue(issue, snapshot);
    this.emitter.fire(snapshot);
  }

  /** Once per distinct attempt: a notification naming the layer, file and rule, and a line in the log. */
  private reportViolation(violation: MergeViolation): void {
    const key = `v\u0000${violation.layer}\u0000${violation.origin}\u0000${violation.ruleId ?? ''}\u0000${violation.attempted}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const text = violation.ruleId
      ? vscode.l10n.t(
          'Aegis guard: the {0} policy ({1}) may not loosen the organisation rule {2}: {3}. The organisation rule still applies.',
          violation.layer,
          violation.origin,
          violation.ruleId,
          violation.message,
        )
      : vscode.l10n.t(
          'Aegis guard: the {0} policy ({1}) may not loosen the organisation policy: {2}. The organisation setting still applies.',
          violation.layer,
          violation.origin,
          violation.message,
        );
    this.deps.logger.warn(text);
    this.shownReports.push(text);
    void vscode.window.showWarningMessage(text);
  }

  private reportIssue(issue: PolicyIssue, snapshot: GuardSnapshot): void {
    // A failing organisation policy is already the status bar's error and every request's message.
    if (snapshot.failure) return;
    const key = `i\u0000${issue.origin}\u0000${issue.line}\u0000${issue.field}\u0000${issue.message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const where = issue.field ? `${issue.origin}:${issue.line}:${issue.column} ${issue.field}` : issue.origin;
    const text = vscode.l10n.t('Aegis guard: the policy {0} was skipped: {1}', where, issue.message);
    this.deps.logger.warn(text);
    this.shownReports.push(text);
    void vscode.window.showWarningMessage(text);
  }

  private audit(event: AuditEvent): void {
    // Rule, direction and action only: the value never reaches the log, and the store gets its salted hash.
    const line = `guard: ${event.action} by ${event.ruleId} (${event.category}, ${event.direction}, ${event.feature}, ${event.mode})`;
    if (event.action === 'warn') this.deps.logger.debug(line);
    else this.deps.logger.info(line);
    if (!FEATURES.has(event.feature)) return;
    this.deps.metrics.record({
      kind: 'guardDecision',
      ruleId: event.ruleId,
      category: event.category,
      direction: event.direction,
      action: event.action,
      feature: event.feature as Feature,
      matchHash: event.matchHash,
      // Workspace-relative (the adapters' callers use asRelativePath); the path is local metadata, not the value.
      ...(event.filePath !== undefined ? { filePath: event.filePath } : {}),
    });
  }

  /** One random salt per installation, kept in SecretStorage (globalState when that is unavailable). */
  private salt(): Promise<string> {
    this.saltPromise ??= (async () => {
      const { secrets, globalState } = this.deps.extension;
      try {
        const stored = await secrets.get(SALT_KEY);
        if (stored) return stored;
        const fresh = randomBytes(32).toString('hex');
        await secrets.store(SALT_KEY, fresh);
        return fresh;
      } catch (error) {
        this.deps.logger.warn(`guard: SecretStorage is unavailable for the audit salt: ${String(error)}`);
        const kept = globalState.get<string>(SALT_KEY);
        if (kept) return kept;
        const fresh = randomBytes(32).toString('hex');
        await globalState.update(SALT_KEY, fresh);
        return fresh;
      }
    })();
    return this.saltPromise;
  }

  /** Watches the workspace policy files and the user and organisation files, once something has loaded. */
  private watch(files: readonly (vscode.Uri | undefined)[]): void {
    for (const d of this.watchers.splice(0)) d.dispose();
    const onChange = (): void => this.scheduleReload();
    const watchers = [
      vscode.workspace.createFileSystemWatcher('**/.aegis/policy.{yaml,yml,json}'),
      ...files
        .filter((uri): uri is vscode.Uri => uri !== undefined)
        .map((uri) =>
          vscode.workspace.createFileSystemWatcher(
            new vscode.RelativePattern(vscode.Uri.file(dirname(uri.fsPath)), basename(uri.fsPath)),
          ),
        ),
    ];
    for (const watcher of watchers) {
      this.watchers.push(
        watcher,
        watcher.onDidChange(onChange),
        watcher.onDidCreate(onChange),
        watcher.onDidDelete(onChange),
      );
    }
  }

  /** Reloads soon, if anything has loaded yet; before the first use there is nothing to refresh. */
  private scheduleReload(): void {
    if (!this.loading || this.disposed) return;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.reload().catch(() => undefined);
    }, RELOAD_DELAY_MS);
  }

  dispose(): void {
    this.disposed = true;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    clearInterval(this.refreshTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const d of [...this.watchers.splice(0), ...this.disposables.splice(0)].reverse()) d.dispose();
  }
}

function describeFinding(finding: GuardFinding): string {
  return `${finding.message} [${finding.category}, ${finding.action}]`;
}
