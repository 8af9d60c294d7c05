// The metrics database schema as numbered forward migrations. Migration N moves a database from
// user_version N-1 to N; a database newer than the last migration here is refused, never touched.
import { ROLLUP_COUNTERS } from './rollupColumns';

/** Rollup tables by bucket width. Hour and UTC-day rows let long ranges be summed from few rows; the
 * 15-minute table covers the edges that local days and hours in any time zone leave. */
export const ROLLUP_LEVELS = [
  { table: 'rollup_15m', ms: 15 * 60 * 1000 },
  { table: 'rollup_1h', ms: 60 * 60 * 1000 },
  { table: 'rollup_1d', ms: 24 * 60 * 60 * 1000 },
] as const;

const ENVELOPE = `
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  ts INTEGER NOT NULL,
  developer_id TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  language TEXT NOT NULL,
  extension_version TEXT NOT NULL,
  vscode_version TEXT NOT NULL,
  demo INTEGER NOT NULL DEFAULT 0`;

function rollupTable(table: string): string {
  const counters = ROLLUP_COUNTERS.map((name) => `  ${name} INTEGER NOT NULL DEFAULT 0`).join(',\n');
  return `CREATE TABLE ${table} (
  bucket INTEGER NOT NULL,
  developer_id TEXT NOT NULL,
  language TEXT NOT NULL,
  feature TEXT NOT NULL,
  model TEXT NOT NULL,
${counters},
  PRIMARY KEY (bucket, developer_id, language, feature, model)
) WITHOUT ROWID;`;
}

/** Per bucket and dimensions, every request's (start minute, ttft, total) as little-endian float64 triples:
 * exact latency percentiles and peak QPS for any range and filter, without reading raw rows, and still
 * available after raw rows are pruned. */
function samplesTable(table: string): string {
  return `CREATE TABLE ${table} (
  bucket INTEGER NOT NULL,
  developer_id TEXT NOT NULL,
  language TEXT NOT NULL,
  feature TEXT NOT NULL,
  model TEXT NOT NULL,
  n INTEGER NOT NULL,
  samples BLOB NOT NULL,
  PRIMARY KEY (bucket, developer_id, language, feature, model)
) WITHOUT ROWID;`;
}

const MIGRATION_1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE model_requests (${ENVELOPE},
  request_id TEXT NOT NULL,
  feature TEXT NOT NULL,
  profile TEXT NOT NULL,
  model TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ttft_ms REAL,
  total_ms REAL NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  outcome TEXT NOT NULL
);
CREATE INDEX model_requests_started ON model_requests (started_at);

CREATE TABLE suggestion_events (${ENVELOPE},
  suggestion_id TEXT NOT NULL,
  event TEXT NOT NULL CHECK (event IN ('shown', 'accepted', 'dismissed')),
  model TEXT NOT NULL,
  partial INTEGER NOT NULL DEFAULT 0,
  chars INTEGER NOT NULL DEFAULT 0,
  lines INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX suggestion_events_suggestion ON suggestion_events (suggestion_id, event, partial);
CREATE INDEX suggestion_events_ts ON suggestion_events (ts);

CREATE TABLE retention_checks (${ENVELOPE},
  suggestion_id TEXT NOT NULL,
  model TEXT NOT NULL,
  checkpoint_sec INTEGER NOT NULL,
  accepted_chars INTEGER NOT NULL,
  retained_chars INTEGER NOT NULL
);
CREATE INDEX retention_checks_ts ON retention_checks (ts);

CREATE TABLE chars_added (${ENVELOPE},
  source TEXT NOT NULL,
  model TEXT NOT NULL,
  chars INTEGER NOT NULL
);
CREATE INDEX chars_added_ts ON chars_added (ts);

CREATE TABLE interactions (${ENVELOPE},
  feature TEXT NOT NULL,
  action TEXT NOT NULL,
  user_initiated INTEGER NOT NULL,
  model TEXT NOT NULL
);
CREATE INDEX interactions_ts ON interactions (ts);

CREATE TABLE guard_decisions (${ENVELOPE},
  rule_id TEXT NOT NULL,
  category TEXT NOT NULL,
  direction TEXT NOT NULL,
  action TEXT NOT NULL,
  feature TEXT NOT NULL,
  match_hash TEXT NOT NULL
);
CREATE INDEX guard_decisions_ts ON guard_decisions (ts);

${ROLLUP_LEVELS.map((level) => rollupTable(level.table)).join('\n')}

CREATE TABLE guard_rollup_15m (
  bucket INTEGER NOT NULL,
  developer_id TEXT NOT NULL,
  language TEXT NOT NULL,
  feature TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  category TEXT NOT NULL,
  direction TEXT NOT NULL,
  action TEXT NOT NULL,
  n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, developer_id, language, feature, rule_id, category, direction, action)
) WITHOUT ROWID;

${ROLLUP_LEVELS.map((level) => samplesTable(samplesTableOf(level.table))).join('\n')}

CREATE TABLE dim_values (dim TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (dim, value)) WITHOUT ROWID;
`;

/** Schema 2: the guard audit records the workspace-relative file a match came from (NULL when it came from
 * none, and for every decision recorded before). */
const MIGRATION_2 = `
ALTER TABLE guard_decisions ADD COLUMN file_path TEXT;
`;

/** Index i holds the SQL that takes a database from user_version i to i + 1. */
export const MIGRATIONS: readonly string[] = [MIGRATION_1, MIGRATION_2];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Bytes per request in the request_samples tables: three float64 values. */
export const SAMPLE_BYTES = 24;

export function samplesTableOf(rollupTable: string): string {
  return rollupTable.replace('rollup_', 'request_samples_');
}
