// The guard in a real extension host: a secret in a document reaches the model server only as a placeholder
// (through the diagnosis path), a blocked secret leaves no trace in the metrics database, its WAL or the log,
// a required organisation policy that is missing refuses requests saying why, and a workspace policy that
// tries to loosen an organisation rule is reported naming the layer and the rule. The feature adapters:
// placeholders restored locally, a key split across stream chunks caught, blocks explained.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { AegisApi } from '../../../src/extension/extension';
import { chatGuardFrom, textGuardFrom } from '../../../src/extension/guardAdapters';
import { GuardService } from '../../../src/extension/guardService';
import type { MetricInput } from '../../../src/extension/metricsService';
import type { AegisStatusBar } from '../../../src/extension/statusBar';
import { OpenAITestServer } from '../../fixtures/openaiTestServer';
import type { RecordedRequest } from '../../fixtures/openaiTestServer';
import { until } from '../../support/waitFor';

const extensionId = 'aegis.aegis-code-assistant';
// Built from parts so that this source file itself does not trip secret scanners.
const AWS_KEY = ['AKIA', 'Q3ZT7WX2', 'LMN4PRS6'].join('');
const KEY_BODY = 'MIIEowIBAAKCAQEAx7Jc9QvLm2RkT4pW8sYzN3bHd6FgUe1VtKo5Ar0iLnXq2ZcBwMy';
const PEM = [
  `-----BEGIN RSA ${'PRIVATE'} KEY-----`,
  KEY_BODY,
  'Pq9Rt3Uv7Wx1Yz5Ab8Cd2Ef6Gh0Ij4Kl8Mn2Op6Qr0St4Uv8Wx2Yz6Ab0Cd4Ef8Gh2Ij',
  `-----END RSA ${'PRIVATE'} KEY-----`,
].join('\n');

function chatRequests(server: OpenAITestServer): RecordedRequest[] {
  return server.requests.filter((r) => r.path === '/v1/chat/completions');
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

function readAll(paths: readonly string[]): string {
  return paths.map((path) => readFileSync(path).toString('latin1')).join('\n');
}

describe('Guard in the extension host', function () {
  this.timeout(60_000);
  let api: AegisApi;
  const server = new OpenAITestServer();
  const temp = mkdtempSync(join(tmpdir(), 'aegis-guard-host-'));
  const aegis = () => vscode.workspace.getConfiguration('aegis');
  const guardConfig = () => vscode.workspace.getConfiguration('aegis.guard');
  const folder = () => vscode.workspace.workspaceFolders?.[0]?.uri;

  async function diagnose(name: string, text: string): Promise<void> {
    const path = join(temp, name);
    writeFileSync(path, text);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('aegis.diagnose', document.uri);
  }

  before(async () => {
    const extension = vscode.extensions.getExtension<AegisApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
    await server.start();
    await aegis().update(
      'models',
      [{ id: 'guard-host', baseUrl: server.baseUrl, model: 'guard-model', apiStyle: 'chat' }],
      vscode.ConfigurationTarget.Global,
    );
    await aegis().update('features.diagnosis', 'guard-host', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    for (const key of ['organizationPolicy', 'organizationPolicyRequired', 'exceptionContact'])
      await guardConfig().update(key, undefined, vscode.ConfigurationTarget.Global);
    await aegis().update('models', undefined, vscode.ConfigurationTarget.Global);
    await aegis().update('features.diagnosis', undefined, vscode.ConfigurationTarget.Global);
    const root = folder();
    if (root)
      await vscode.workspace.fs
        .delete(vscode.Uri.joinPath(root, '.aegis'), { recursive: true })
        .then(undefined, () => undefined);
    await server.stop();
    rmSync(temp, { recursive: true, force: true });
  });

  it('sends a placeholder, never the secret, when a document with a key is diagnosed', async () => {
    const before = chatRequests(server).length;
    await diagnose(
      'config.ts',
      `export const region = 'eu-west-1';\nexport const accessKey = '${AWS_KEY}';\n`,
    );
    const [request] = await until(
      () => chatRequests(server).slice(before),
      (list) => list.length > 0,
      'the diagnosis request',
    );
    const body = JSON.stringify(request?.body);
    assert.ok(!body.includes(AWS_KEY), 'the key did not reach the server');
    assert.match(body, /<SECRET_\d+:[a-z0-9._*-]+>/, 'the prompt holds the placeholder');
    assert.match(body, /eu-west-1/, 'the rest of the file was sent');
  });

  it('records a blocked key in the metrics store and the log by rule and hash only', async () => {
    const before = chatRequests(server).length;
    await diagnose('key.ts', `export const key = \`${PEM}\`;\n`);
    assert.equal(chatRequests(server).length, before, 'nothing was sent for a private key');

    const { globalStorage, logs } = api.storagePaths();
    const dbFiles = () =>
      ['metrics.sqlite', 'metrics.sqlite-wal', 'metrics-spool.jsonl']
        .map((name) => join(globalStorage, name))
        .filter(existsSync);
    // The recorder writes its batch within a few seconds; the rule id shows the event is on disk.
    await until(
      () => readAll(dbFiles()),
      (bytes) => bytes.includes('private-keys'),
      'the guard decision in the metrics database',
    );
    const stored = readAll(dbFiles());
    assert.ok(!stored.includes(KEY_BODY), 'the key is not in the database or its WAL');
    assert.ok(!stored.includes(AWS_KEY), 'the earlier key is not in the database either');
    assert.match(stored, /[0-9a-f]{64}/, 'a match hash is stored');

    // Every log of this window: the Aegis channel and the extension host's own.
    const windowLogs = dirname(dirname(logs));
    const logText = await until(
      () => readAll(filesUnder(windowLogs)),
      (text) => text.includes('guard: block by private-keys'),
      'the block in the Aegis log',
    );
    assert.ok(!logText.includes(KEY_BODY), 'the key is not in any log');
    assert.ok(!logText.includes(AWS_KEY), 'the earlier key is not in any log');
  });

  it('refuses every request, saying why, while a required organisation policy is missing', async () => {
    const missing = join(temp, 'no-such-org-policy.yaml');
    await guardConfig().update(
      'exceptionContact',
      'security@example.test',
      vscode.ConfigurationTarget.Global,
    );
    await guardConfig().update('organizationPolicy', missing, vscode.ConfigurationTarget.Global);
    await guardConfig().update('organizationPolicyRequired', true, vscode.ConfigurationTarget.Global);
    const snapshot = await until(
      () => api.guardSnapshot(),
      (s) => s.failure !== undefined,
      'the guard to fail closed',
    );
    assert.match(snapshot.failure ?? '', /no-such-org-policy\.yaml\) was not found/);
    assert.match(api.statusText(), /\$\(error\)/, 'the status bar shows the error state');

    const before = chatRequests(server).length;
    await diagnose('clean.ts', 'export const answer = 42;\n');
    assert.equal(chatRequests(server).length, before, 'nothing was sent');
    const logText = await until(
      () => readAll(filesUnder(dirname(dirname(api.storagePaths().logs)))),
      (text) => /diagnosis: Not sent: .*was not found/.test(text),
      'the refusal with its reason in the log',
    );
    assert.match(logText, /contact security@example\.test/, 'the refusal says whom to ask');

    await guardConfig().update('organizationPolicyRequired', undefined, vscode.ConfigurationTarget.Global);
    await guardConfig().update('organizationPolicy', undefined, vscode.ConfigurationTarget.Global);
    await until(
      () => api.guardSnapshot(),
      (s) => s.failure === undefined,
      'the guard to recover',
    );
    assert.doesNotMatch(api.statusText(), /\$\(error\)/);
  });

  it('reports a workspace policy that tries to loosen an organisation rule, and keeps the rule', async () => {
    const root = folder();
    assert.ok(root, 'the host tests run with a workspace folder');
    const orgPath = join(temp, 'org-policy.yaml');
    writeFileSync(
      orgPath,
      [
        'version: 1',
        'rules:',
        '  - id: no-falcon',
        '    keywords: [Project Falcon]',
        '    action: block',
        '    message: Confidential project names stay inside.',
        '',
      ].join('\n'),
    );
    await vscode.workspace.fs.writeFile(
      vscode.Uri.joinPath(root, '.aegis', 'policy.yaml'),
      new TextEncoder().encode('version: 1\nrules:\n  - id: no-falcon\n    action: warn\n'),
    );
    await guardConfig().update('organizationPolicy', orgPath, vscode.ConfigurationTarget.Global);
    const reports = await until(
      () => api.guardReports(),
      (list) => list.some((r) => r.includes('no-falcon')),
      'the violation report',
    );
    const report = reports.find((r) => r.includes('no-falcon')) ?? '';
    assert.match(report, /workspace/);
    assert.match(report, /\.aegis\/policy\.yaml/);
    // The first report can come from the load the policy file's watcher started before the organisation
    // setting changed (the setting's own reload follows after a short delay): read the policy once it holds
    // the organisation layer's rule.
    const snapshot = await until(
      () => api.guardSnapshot(),
      (s) => s.policy?.rules.some((r) => r.id === 'no-falcon' && r.layer === 'organisation') ?? false,
      'the merged policy with the organisation rule',
    );
    const rule = snapshot.policy?.rules.find((r) => r.id === 'no-falcon');
    assert.equal(rule?.action, 'block', 'the organisation rule still blocks');
    assert.equal(rule?.layer, 'organisation');
    // Reported once: a reload with the same files adds no second report.
    const count = api.guardReports().filter((r) => r.includes('no-falcon')).length;
    await guardConfig().update('exceptionContact', 'someone-else', vscode.ConfigurationTarget.Global);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(api.guardReports().filter((r) => r.includes('no-falcon')).length, count);
  });
});

describe('Guard adapters in the extension host', function () {
  this.timeout(30_000);
  const secrets = new Map<string, string>();
  const blocked: (string | undefined)[] = [];
  const recorded: MetricInput[] = [];
  const logged: string[] = [];
  const log = (message: string | Error): void => void logged.push(String(message));
  const service = new GuardService({
    // Only the parts the service uses: SecretStorage and globalState for the audit salt.
    extension: {
      secrets: {
        get: (key: string) => Promise.resolve(secrets.get(key)),
        store: (key: string, value: string) => Promise.resolve(void secrets.set(key, value)),
      },
      globalState: { get: () => undefined, update: () => Promise.resolve() },
    } as unknown as vscode.ExtensionContext,
    logger: { trace: log, debug: log, info: log, warn: log, error: log },
    statusBar: {
      setBlocked: (reason: string | undefined) => void blocked.push(reason),
    } as unknown as AegisStatusBar,
    metrics: { record: (input) => void recorded.push(input) },
  });

  after(() => service.dispose());

  it('restores a chat prompt placeholder locally for Insert, and never sends the key', async () => {
    const chat = chatGuardFrom(service);
    const scan = await chat.scanInput(`Why does this fail?\nconst key = '${AWS_KEY}';`, {
      feature: 'chat',
      filePath: 'src/config.ts',
    });
    assert.equal(scan.decision, 'redact');
    assert.ok(!scan.text.includes(AWS_KEY));
    const placeholder = /<SECRET_\d+:[a-z0-9._*-]+>/.exec(scan.text)?.[0];
    assert.ok(placeholder, 'the prompt holds a placeholder');
    assert.match(scan.notice ?? '', /secrets-input/);
    // The model's answer quotes the placeholder; inserting it puts the user's own key back.
    assert.equal(chat.restore(`const key = '${placeholder}';`), `const key = '${AWS_KEY}';`);
    assert.equal(chat.restore('<SECRET_99:unknown>'), '<SECRET_99:unknown>');
    const decision = recorded.find((e) => e.kind === 'guardDecision');
    assert.ok(decision && decision.kind === 'guardDecision');
    assert.equal(decision.ruleId, 'secrets-input');
    assert.equal(decision.feature, 'chat');
    assert.equal(decision.filePath, 'src/config.ts', 'the decision names the file the key came from');
    assert.match(decision.matchHash, /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(recorded).includes(AWS_KEY), 'the audit event holds no value');
    assert.ok(!logged.join('\n').includes(AWS_KEY), 'the log holds no value');
  });

  it('catches a key split across two chunks of a streamed answer', async () => {
    const chat = chatGuardFrom(service);
    await chat.scanInput('How do I read a config file?', { feature: 'chat' });
    const scanner = chat.createOutputScanner({ feature: 'chat', filePath: 'src/reader.ts' });
    const half = AWS_KEY.length / 2;
    const shown = [
      scanner.push(`Use this: ${AWS_KEY.slice(0, half)}`),
      scanner.push(`${AWS_KEY.slice(half)} and go.`),
      scanner.end(),
    ];
    const text = shown.map((s) => s.text).join('');
    assert.ok(!text.includes(AWS_KEY), 'the key is not shown');
    assert.match(text, /\[REDACTED:[a-z0-9-]+\] and go\./);
    assert.ok(shown.some((s) => s.notice?.includes('secrets-output')));
    const decision = recorded.find((e) => e.kind === 'guardDecision' && e.direction === 'output');
    assert.ok(decision && decision.kind === 'guardDecision');
    assert.equal(decision.filePath, 'src/reader.ts', 'the output decision names the same file');
  });

  it('explains a block to tests and diagnosis with the rule and whom to ask', async () => {
    await vscode.workspace
      .getConfiguration('aegis.guard')
      .update(
        'exceptionContact',
        'https://security.example.test/exceptions',
        vscode.ConfigurationTarget.Global,
      );
    try {
      const { guard } = textGuardFrom(service);
      const verdict = await guard(`const k = \`${PEM}\`;`, {
        direction: 'input',
        feature: 'tests',
        filePath: 'src/k.ts',
      });
      assert.equal(verdict.decision, 'block');
      assert.equal(verdict.text, '');
      assert.match(verdict.reason ?? '', /private-keys/);
      assert.match(verdict.reason ?? '', /https:\/\/security\.example\.test\/exceptions/);
      assert.ok(!(verdict.reason ?? '').includes(KEY_BODY));
      const decision = recorded.find((e) => e.kind === 'guardDecision' && e.ruleId === 'private-keys');
      assert.ok(decision && decision.kind === 'guardDecision');
      assert.equal(decision.filePath, 'src/k.ts');
      assert.equal(decision.feature, 'tests');
      const path = await guard('API_KEY=x', {
        direction: 'input',
        feature: 'diagnosis',
        filePath: 'deploy/.env',
      });
      assert.equal(path.decision, 'block', 'a .env file is refused by its path');
    } finally {
      await vscode.workspace
        .getConfiguration('aegis.guard')
        .update('exceptionContact', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
