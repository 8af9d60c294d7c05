// The guard policy editor and playground (command "Aegis: Open Guard Policy Playground"): a webview panel
// showing the effective policy with the layer each rule came from, a playground where pasted text is scanned
// by the real guard here in the extension host (findings go to the page as positions, never as values, and
// nothing of the text is logged or audited), validation of policy text with line and field, and saving the
// user or workspace policy. The organisation policy is read-only by construction: it is not a savable layer.
import * as vscode from 'vscode';
import { parsePageMessage } from '../guard/policyEditorProtocol';
import type {
  EditableLayer,
  FindingRow,
  HostMessage,
  IssueRow,
  PageMessage,
  PolicyEditorStrings,
  PolicyView,
} from '../guard/policyEditorProtocol';
import type { EffectiveRule } from '../guard/policyMerge';
import type { AegisContext } from './aegisContext';
import { webviewHtml } from './webviewHtml';
import type { GuardSnapshot } from './guardService';
import { resolvePolicyPath } from './guardSources';

export const OPEN_PLAYGROUND_COMMAND = 'aegis.guard.openPlayground';
const VIEW_TYPE = 'aegis.policyEditor';

const NEW_POLICY = `# Aegis guard policy (see docs/guard-policy.md). Lower layers may tighten, never loosen, organisation rules.
version: 1
rules: []
`;

export function registerPolicyEditor(ctx: AegisContext): vscode.Disposable[] {
  let panel: PolicyEditorPanel | undefined;
  return [
    vscode.commands.registerCommand(OPEN_PLAYGROUND_COMMAND, () => {
      if (panel) {
        panel.reveal();
        return;
      }
      panel = new PolicyEditorPanel(ctx, () => (panel = undefined));
    }),
    { dispose: () => panel?.dispose() },
  ];
}

class PolicyEditorPanel implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: AegisContext,
    private readonly onDisposed: () => void,
  ) {
    const mediaRoot = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'media');
    this.panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      vscode.l10n.t('Aegis Guard Policy'),
      vscode.ViewColumn.Active,
      { enableScripts: true, localResourceRoots: [mediaRoot], retainContextWhenHidden: true },
    );
    this.panel.webview.html = webviewHtml(this.panel.webview, {
      mediaRoot,
      name: 'policy',
      title: 'Aegis Guard Policy',
    });
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parsePageMessage(raw);
        if (!message) {
          ctx.logger.warn('Policy editor: ignored a malformed message from the page.');
          return;
        }
        void this.handle(message).catch((error: unknown) => {
          ctx.logger.error(`Policy editor: ${error instanceof Error ? error.message : String(error)}`);
        });
      }),
      ctx.guard.onDidChange((snapshot) => this.post({ type: 'policy', view: policyView(snapshot) })),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private async handle(message: PageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.post({ type: 'init', strings: strings() });
        this.post({ type: 'policy', view: policyView(await this.ctx.guard.snapshot()) });
        return;
      case 'reload':
        this.post({ type: 'policy', view: policyView(await this.ctx.guard.reload()) });
        return;
      case 'scan': {
        const guard = await this.ctx.guard.playgroundGuard();
        const scanContext = {
          feature: message.feature,
          ...(message.filePath ? { filePath: message.filePath } : {}),
        };
        const result =
          message.direction === 'input'
            ? guard.scanInput(message.text, scanContext)
            : guard.scanOutput(message.text, scanContext);
        // The size and the count only: the text may be full of the very values the guard protects.
        this.ctx.logger.debug(
          `Policy editor: scanned ${message.text.length} characters, ${result.findings.length} findings.`,
        );
        this.post({
          type: 'scanResult',
          requestId: message.requestId,
          decision: result.decision,
          ...(result.monitoredDecision ? { monitoredDecision: result.monitoredDecision } : {}),
          findings: result.findings.map((f): FindingRow => ({
            start: f.start,
            end: f.end,
            line: f.line,
            column: f.column,
            ruleId: f.ruleId,
            category: f.category,
            action: f.action,
            severity: f.severity,
            label: f.label,
            layer: f.layer,
            message: f.message,
          })),
        });
        return;
      }
      case 'validate': {
        const issues = await validate(message.text);
        this.post({ type: 'validation', requestId: message.requestId, ok: issues.length === 0, issues });
        return;
      }
      case 'load':
        await this.load(message.layer);
        return;
      case 'save':
        await this.save(message.requestId, message.layer, message.text);
        return;
    }
  }

  private async load(layer: EditableLayer): Promise<void> {
    const uri = await this.ctx.guard.editableFile(layer);
    if (!uri) {
      this.post({
        type: 'layerText',
        layer,
        origin: layer === 'user' ? 'aegis.guard.userPolicy' : '.aegis/policy.yaml',
        text: '',
        editable: false,
      });
      return;
    }
    let text = NEW_POLICY;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      // Not created yet: start from an empty policy.
    }
    this.post({ type: 'layerText', layer, origin: displayPath(uri), text, editable: true });
  }

  private async save(requestId: number, layer: EditableLayer, text: string): Promise<void> {
    const uri = await this.ctx.guard.editableFile(layer);
    const organisation = resolvePolicyPath(
      vscode.workspace.getConfiguration('aegis.guard').get<string>('organizationPolicy', ''),
    );
    // A user policy setting that points at the organisation's file must not become a way to edit it.
    if (!uri || (organisation !== undefined && uri.fsPath === vscode.Uri.file(organisation).fsPath)) {
      this.post({
        type: 'saved',
        requestId,
        ok: false,
        message: vscode.l10n.t('This layer cannot be saved from the editor.'),
      });
      return;
    }
    const issues = await validate(text);
    if (issues.length > 0) {
      this.post({ type: 'validation', requestId, ok: false, issues });
      this.post({
        type: 'saved',
        requestId,
        ok: false,
        message: vscode.l10n.t('Not saved: the policy has {0} problem(s).', issues.length),
      });
      return;
    }
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    this.ctx.logger.info(`Policy editor: saved the ${layer} policy to ${uri.fsPath}.`);
    this.post({
      type: 'saved',
      requestId,
      ok: true,
      message: vscode.l10n.t('Saved {0}.', displayPath(uri)),
    });
    this.post({ type: 'policy', view: policyView(await this.ctx.guard.reload()) });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    this.panel.dispose();
    this.onDisposed();
  }
}

/** Schema, RE2 and detector checks of one policy text, as one layer on its own. */
async function validate(text: string): Promise<IssueRow[]> {
  const { loadPolicyLayers } = await import('../guard/policyLoader');
  const loaded = loadPolicyLayers({ builtin: false, user: { origin: 'policy', text } });
  return loaded.issues.map((i) => ({
    origin: i.origin,
    line: i.line,
    column: i.column,
    field: i.field,
    message: i.message,
  }));
}

function displayPath(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri) ? vscode.workspace.asRelativePath(uri, true) : uri.fsPath;
}

function matcherOf(rule: EffectiveRule): string {
  if (rule.detector !== undefined) return `detector ${rule.detector}`;
  if (rule.pattern !== undefined) return `pattern ${rule.pattern}`;
  if (rule.keywords !== undefined) return `keywords ${rule.keywords.join(', ')}`;
  if (rule.paths !== undefined) return `paths ${rule.paths.join(', ')}`;
  return '';
}

function policyView(snapshot: GuardSnapshot): PolicyView {
  const policy = snapshot.policy;
  return {
    mode: policy?.mode ?? 'enforce',
    modeLayer: policy?.modeLayer ?? 'organisation',
    ...(snapshot.failure ? { failure: snapshot.failure } : {}),
    ...(snapshot.exceptionContact ? { exceptionContact: snapshot.exceptionContact } : {}),
    rules: (policy?.rules ?? []).map((rule) => ({
      id: rule.id,
      matcher: matcherOf(rule),
      direction: rule.direction,
      action: rule.action,
      severity: rule.severity,
      layer: rule.layer,
      origin: rule.origin,
      locked: rule.locked,
      tightenedBy: rule.tightenedBy,
      ...(rule.message ? { message: rule.message } : {}),
    })),
    violations: snapshot.violations.map((v) => ({
      layer: v.layer,
      origin: v.origin,
      ...(v.ruleId ? { ruleId: v.ruleId } : {}),
      attempted: v.attempted,
      message: v.message,
    })),
    issues: snapshot.issues.map((i) => ({ ...i })),
    sources: snapshot.sources.map((s) => ({ ...s })),
  };
}

function strings(): PolicyEditorStrings {
  return {
    title: vscode.l10n.t('Aegis Guard Policy'),
    effectivePolicy: vscode.l10n.t('Effective policy'),
    mode: vscode.l10n.t('Mode'),
    failClosed: vscode.l10n.t('Every request is refused'),
    exceptionContact: vscode.l10n.t('Exceptions'),
    layers: vscode.l10n.t('Layers'),
    rule: vscode.l10n.t('Rule'),
    matcher: vscode.l10n.t('Matches'),
    direction: vscode.l10n.t('Direction'),
    action: vscode.l10n.t('Action'),
    severity: vscode.l10n.t('Severity'),
    layer: vscode.l10n.t('Layer'),
    locked: vscode.l10n.t('locked'),
    tightenedBy: vscode.l10n.t('tightened by'),
    violations: vscode.l10n.t('Refused changes'),
    noViolations: vscode.l10n.t('No layer tried to loosen the organisation policy.'),
    issues: vscode.l10n.t('Problems'),
    playground: vscode.l10n.t('Playground'),
    playgroundHint: vscode.l10n.t(
      'Paste or type text: the guard of this window scans it here, and nothing is sent or recorded.',
    ),
    text: vscode.l10n.t('Text to scan'),
    feature: vscode.l10n.t('Feature'),
    filePath: vscode.l10n.t('File path (optional)'),
    findings: vscode.l10n.t('Findings'),
    noFindings: vscode.l10n.t('No findings: this text would be sent unchanged.'),
    decision: vscode.l10n.t('Decision'),
    category: vscode.l10n.t('Category'),
    position: vscode.l10n.t('Position'),
    input: vscode.l10n.t('Prompt (input)'),
    output: vscode.l10n.t('Answer (output)'),
    editor: vscode.l10n.t('Edit a policy'),
    editLayer: vscode.l10n.t('Policy layer'),
    policyText: vscode.l10n.t('Policy (YAML or JSON)'),
    validate: vscode.l10n.t('Validate'),
    save: vscode.l10n.t('Save'),
    reload: vscode.l10n.t('Reload'),
    valid: vscode.l10n.t('The policy is valid.'),
    notEditable: vscode.l10n.t(
      'This layer has no file to save to: set aegis.guard.userPolicy, or open a workspace folder.',
    ),
  };
}
