// The pure parts of the team database: what leaves the machine, the connection setting, and the SQL
// placeholders of the PostgreSQL dialect.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { MetricEvent } from '../../../src/dashboard/metricEvents';
import {
  describeTeamError,
  parseTeamConnectionString,
  TeamDatabaseError,
} from '../../../src/dashboard/teamDatabase';
import { teamRowOf } from '../../../src/dashboard/teamEvents';
import { toPostgresPlaceholders } from '../../../src/dashboard/teamQueries';
import { TEAM_EVENT_FIELDS } from '../../../src/dashboard/teamSchema';

const envelope = {
  eventId: 'e1',
  ts: 1_700_000_000_000,
  developerId: 'alice',
  machineId: 'machine-secret-id',
  language: 'typescript',
  extensionVersion: '0.1.0',
  vscodeVersion: '1.100.0',
};

const samples: MetricEvent[] = [
  {
    ...envelope,
    kind: 'modelRequest',
    requestId: 'request-secret-id',
    feature: 'completion',
    profile: 'internal-profile-name',
    model: 'qwen',
    startedAt: envelope.ts - 500,
    ttftMs: 120,
    totalMs: 400,
    promptTokens: 900,
    completionTokens: 30,
    outcome: 'cancelled',
  },
  {
    ...envelope,
    kind: 'suggestionShown',
    suggestionId: 'suggestion-secret-id',
    model: 'qwen',
    shownChars: 40,
    shownLines: 2,
  },
  {
    ...envelope,
    kind: 'guardDecision',
    ruleId: 'secret.aws-access-key',
    category: 'secret',
    direction: 'input',
    action: 'redact',
    feature: 'chat',
    matchHash: 'match-hash-value',
  },
  { ...envelope, kind: 'charsAdded', source: 'typed', model: '', chars: 12 },
];

describe('team events: what leaves the machine', () => {
  it('sends exactly the documented fields and no ids, profile names or match hashes', () => {
    const doc = readFileSync(resolve(__dirname, '../../../docs/team-database.md'), 'utf8');
    for (const field of TEAM_EVENT_FIELDS)
      assert.match(doc, new RegExp(`\\| \`${field.name}\` \\|`), field.name);
    for (const event of samples) {
      const row = teamRowOf(event, { firstOfKind: true, firstOfPartiality: false }, 'payments');
      assert.deepEqual(
        Object.keys(row),
        TEAM_EVENT_FIELDS.map((f) => f.name),
      );
      const text = JSON.stringify(row);
      for (const secret of [
        'machine-secret-id',
        'request-secret-id',
        'internal-profile-name',
        'suggestion-secret-id',
        'match-hash-value',
      ]) {
        assert.ok(!text.includes(secret), `${event.kind} leaks ${secret}`);
      }
    }
  });

  it('counts a request at its start and sends total time only for requests that ran to completion', () => {
    const row = teamRowOf(samples[0], { firstOfKind: false, firstOfPartiality: false }, 'payments');
    assert.equal(row.counted_at, envelope.ts - 500);
    assert.equal(row.ttft_ms, 120);
    assert.equal(row.total_ms, null);
    assert.equal(row.feature, 'completion');
    const typed = teamRowOf(samples[3], { firstOfKind: false, firstOfPartiality: false }, 'payments');
    assert.equal(typed.feature, '');
    assert.equal(typed.source, 'typed');
  });

  it('refuses a password in the connection-string setting', () => {
    assert.throws(
      () => parseTeamConnectionString('postgres://alice:hunter2@db.example.com/aegis'),
      (error: unknown) =>
        error instanceof TeamDatabaseError && error.kind === 'settings' && /secret store/.test(error.message),
    );
    assert.throws(() => parseTeamConnectionString('mysql://alice@db/aegis'), TeamDatabaseError);
    assert.throws(() => parseTeamConnectionString('postgres://db.example.com/aegis'), /names no user/);
    assert.equal(parseTeamConnectionString('postgres://alice@db.example.com:5433/aegis').port, '5433');
  });

  it('turns driver errors into messages a developer can act on', () => {
    const auth = describeTeamError(
      Object.assign(new Error('password authentication failed'), { code: '28P01' }),
      'db:5432/aegis',
    );
    assert.equal(auth.kind, 'authentication');
    const refused = describeTeamError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'db:5432/aegis',
    );
    assert.equal(refused.kind, 'unreachable');
    assert.match(refused.message, /stay on this machine/);
  });

  it('numbers placeholders in order for PostgreSQL', () => {
    assert.equal(toPostgresPlaceholders('a IN (?, ?) AND b = ?'), 'a IN ($1, $2) AND b = $3');
  });
});
