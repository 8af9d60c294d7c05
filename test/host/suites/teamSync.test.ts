// The team database sync inside the real extension host: starts the PostgreSQL test server from the test,
// points the aegis.team settings at it, records events through the real metrics service, runs "Aegis: Send
// Metrics to the Team Database Now", and finds exactly those events in PostgreSQL.
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import * as vscode from 'vscode';
import { connectTeamDatabase, migrateTeamDatabase } from '../../../src/dashboard/teamDatabase';
import { TEAM_READER_ROLE, TEAM_WRITER_ROLE } from '../../../src/dashboard/teamSchema';
import type { AegisApi } from '../../../src/extension/extension';

const extensionId = 'aegis.aegis-code-assistant';
const PASSWORD = 'host-test-password';

function postgresInstalled(): boolean {
  try {
    return readdirSync('/usr/lib/postgresql').some((v) =>
      existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')),
    );
  } catch {
    return false;
  }
}

async function superuser<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('Team database sync in the extension host', function () {
  this.timeout(120_000);
  let api: AegisApi;
  let script = '';
  let dir = '';
  let url = '';
  const team = () => vscode.workspace.getConfiguration('aegis.team');

  before(async function () {
    if (!postgresInstalled()) this.skip();
    const extension = vscode.extensions.getExtension<AegisApi>(extensionId);
    assert.ok(extension);
    api = await extension.activate();
    script = join(extension.extensionPath, 'scripts', 'postgres-test-server.sh');
    dir = mkdtempSync(join(tmpdir(), 'aegis-host-pg-'));
    chmodSync(dir, 0o755);
    url = execFileSync('bash', [script, 'start', dir], { encoding: 'utf8' }).trim();
    await superuser(url, async (client) => {
      await client.query(`CREATE ROLE aegis_team_owner LOGIN PASSWORD '${PASSWORD}'`);
      await client.query(`CREATE ROLE ${TEAM_WRITER_ROLE} NOLOGIN`);
      await client.query(`CREATE ROLE ${TEAM_READER_ROLE} NOLOGIN`);
      await client.query(`CREATE ROLE hostdev LOGIN PASSWORD '${PASSWORD}' IN ROLE ${TEAM_WRITER_ROLE}`);
      await client.query('CREATE DATABASE aegis OWNER aegis_team_owner');
    });
    const base = new URL(url);
    await superuser(`postgres://postgres:${base.password}@${base.host}/aegis`, (client) =>
      client.query('ALTER SCHEMA public OWNER TO aegis_team_owner'),
    );
    const owner = await connectTeamDatabase({
      connectionString: `postgres://aegis_team_owner@${base.host}/aegis`,
      password: PASSWORD,
    });
    try {
      await migrateTeamDatabase(owner);
    } finally {
      await owner.end();
    }
  });

  after(async () => {
    await team().update('database', undefined, vscode.ConfigurationTarget.Global);
    await team().update('name', undefined, vscode.ConfigurationTarget.Global);
    if (dir !== '') {
      execFileSync('bash', [script, 'stop', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends exactly the recorded events to PostgreSQL', async () => {
    const base = new URL(url);
    await team().update(
      'database',
      `postgres://hostdev@${base.host}/aegis`,
      vscode.ConfigurationTarget.Global,
    );
    await team().update('name', 'host-team', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('aegis.team.setPassword', PASSWORD);
    assert.equal(api.teamSync().configured, true);
    // Earlier suites may have recorded events too: the first sync sends those, then only ours remain.
    await vscode.commands.executeCommand('aegis.team.syncNow');
    const marker = `host-model-${randomUUID()}`;
    for (let i = 0; i < 3; i += 1) {
      api.recordMetric({
        kind: 'modelRequest',
        requestId: `r${i}`,
        feature: 'chat',
        profile: 'default',
        model: marker,
        startedAt: Date.now() - 500,
        ttftMs: 100 + i,
        totalMs: 400,
        promptTokens: 10,
        completionTokens: 5,
        outcome: 'produced',
        language: 'typescript',
      });
    }
    await vscode.commands.executeCommand('aegis.team.syncNow');
    const probe = api.teamSync();
    assert.equal(probe.lastError, undefined);
    const rows = await superuser(
      `postgres://postgres:${base.password}@${base.host}/aegis`,
      async (client) =>
        (
          await client.query<{ team: string; kind: string; ttft_ms: number; feature: string }>(
            'SELECT team, kind, ttft_ms, feature FROM team_events WHERE model = $1 ORDER BY ttft_ms',
            [marker],
          )
        ).rows,
    );
    assert.deepEqual(
      rows.map((r) => [r.team, r.kind, r.feature, r.ttft_ms]),
      [0, 1, 2].map((i) => ['host-team', 'modelRequest', 'chat', 100 + i]),
    );
  });
});
