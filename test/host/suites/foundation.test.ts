// The foundation in a real extension host: the status bar follows the completion endpoint (reachable,
// then unreachable once the server stops), and a broken setting is reported naming the setting.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AegisApi } from '../../../src/extension/extension';
import { OpenAITestServer } from '../../fixtures/openaiTestServer';
import { until } from '../../support/waitFor';

const extensionId = 'aegis.aegis-code-assistant';

describe('Foundation in the extension host', () => {
  let api: AegisApi;
  const server = new OpenAITestServer();
  const config = () => vscode.workspace.getConfiguration('aegis');

  before(async () => {
    const extension = vscode.extensions.getExtension<AegisApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
    await server.start();
  });

  after(async () => {
    await config().update('models', undefined, vscode.ConfigurationTarget.Global);
    await config().update('features.completion', undefined, vscode.ConfigurationTarget.Global);
    await server.stop();
  });

  it('reports the test server reachable, then unreachable once it stops', async () => {
    await config().update(
      'models',
      [{ id: 'host-test', baseUrl: server.baseUrl, model: 'host-test-model', fimDialect: 'qwen' }],
      vscode.ConfigurationTarget.Global,
    );
    await config().update('features.completion', 'host-test', vscode.ConfigurationTarget.Global);
    await until(
      () => api.statusText(),
      (t) => t.includes('host-test-model'),
      'the status bar to name the model',
    );

    assert.equal(await api.checkEndpoint(), true);
    assert.equal(api.endpointStatus(), 'reachable');
    assert.match(api.statusText(), /\$\(check\) host-test-model/);
    assert.ok(
      server.requests.some((r) => r.path === '/v1/models'),
      'the probe reached the server',
    );

    await server.stop();
    assert.equal(await api.checkEndpoint(), false);
    assert.equal(api.endpointStatus(), 'unreachable');
    assert.match(api.statusText(), /\$\(warning\) host-test-model/);
    await server.start();
  });

  it('names the broken setting and does not use the broken profile', async () => {
    await config().update(
      'models',
      [
        { id: 'good', baseUrl: server.baseUrl, model: 'good-model' },
        { id: 'broken', baseUrl: 'not a url', model: 'broken-model' },
      ],
      vscode.ConfigurationTarget.Global,
    );
    await config().update('features.completion', 'broken', vscode.ConfigurationTarget.Global);
    const problems = await until(
      () => api.settingsProblems(),
      (list) => list.some((p) => p.key === 'aegis.models[1].baseUrl'),
      'the settings problem',
    );
    const problem = problems.find((p) => p.key === 'aegis.models[1].baseUrl');
    assert.equal(problem?.code, 'invalid-url');
    assert.match(problem?.message ?? '', /aegis\.models\[1\]\.baseUrl/);
    assert.ok(problems.some((p) => p.key === 'aegis.features.completion' && p.code === 'unknown-profile'));
    // Completion falls back to the valid profile instead of the broken one.
    await until(
      () => api.statusText(),
      (t) => t.includes('good-model'),
      'the fallback profile in the status bar',
    );
  });
});
