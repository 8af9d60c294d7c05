// The team database's schema (PostgreSQL) as numbered migrations: the append-only event table partitioned
// by month, and rollup and request-sample tables with the same names, columns and bucket widths as the local
// SQLite store (generated from the same ROLLUP_COUNTERS and ROLLUP_LEVELS), plus a `team` column. Rollups
// are maintained by a statement trigger on the event table, so writers need nothing but INSERT.
import { ROLLUP_COUNTERS, rollupCounterColumnsSql } from './rollupColumns';
import type { RollupCounter } from './rollupColumns';
import { ROLLUP_LEVELS, samplesTableOf } from './storeSchema';

/** One event as it is sent to the team database (one row of `team_events`). Fields that do not apply to
 * the event's kind are null. */
export interface TeamEventRow {
  event_id: string;
  ts: number;
  team: string;
  developer_id: string;
  kind: string;
  counted_at: number;
  language: string;
  feature: string;
  model: string;
  extension_version: string;
  vscode_version: string;
  demo: boolean;
  outcome: string | null;
  ttft_ms: number | null;
  total_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  first_of_kind: boolean | null;
  first_of_partiality: boolean | null;
  partial: boolean | null;
  chars: number | null;
  lines: number | null;
  source: string | null;
  checkpoint_sec: number | null;
  accepted_chars: number | null;
  retained_chars: number | null;
  action: string | null;
  user_initiated: boolean | null;
  rule_id: string | null;
  category: string | null;
  direction: string | null;
}

/** One column of `team_events`: exactly the fields that leave a developer's machine. */
export interface TeamEventField {
  name: keyof TeamEventRow;
  pgType: string;
  /** Shown by "what was sent" and listed in the team-database documentation. */
  description: string;
}

/** Every field a developer's extension sends to the team database, in column order. Nothing else leaves the
 * machine: no code, prompts, file names, suggestion or request ids, profile names, machine ids or guard
 * match hashes. */
export const TEAM_EVENT_FIELDS: readonly TeamEventField[] = [
  {
    name: 'event_id',
    pgType: 'text NOT NULL',
    description: 'random id of the event (UUID), for idempotency',
  },
  { name: 'ts', pgType: 'bigint NOT NULL', description: 'when the event happened (UTC milliseconds)' },
  { name: 'team', pgType: 'text NOT NULL', description: 'the team name from the aegis.team.name setting' },
  { name: 'developer_id', pgType: 'text NOT NULL', description: 'the aegis.metrics.developerId setting' },
  { name: 'kind', pgType: 'text NOT NULL', description: 'event type (modelRequest, suggestionShown, ...)' },
  {
    name: 'counted_at',
    pgType: 'bigint NOT NULL',
    description: 'the instant the event counts at: request start for model requests, else ts',
  },
  {
    name: 'language',
    pgType: "text NOT NULL DEFAULT ''",
    description: 'VS Code language id of the document',
  },
  {
    name: 'feature',
    pgType: "text NOT NULL DEFAULT ''",
    description: 'completion, chat, tests or diagnosis',
  },
  { name: 'model', pgType: "text NOT NULL DEFAULT ''", description: 'model name of the request' },
  { name: 'extension_version', pgType: "text NOT NULL DEFAULT ''", description: 'Aegis version' },
  { name: 'vscode_version', pgType: "text NOT NULL DEFAULT ''", description: 'VS Code version' },
  { name: 'demo', pgType: 'boolean NOT NULL DEFAULT false', description: 'true only for seeded demo data' },
  { name: 'outcome', pgType: 'text', description: 'model request outcome (produced, cancelled, ...)' },
  { name: 'ttft_ms', pgType: 'double precision', description: 'time to first token of a model request' },
  {
    name: 'total_ms',
    pgType: 'double precision',
    description: 'total time of a model request that ran to completion',
  },
  { name: 'prompt_tokens', pgType: 'integer', description: 'prompt tokens of a model request' },
  { name: 'completion_tokens', pgType: 'integer', description: 'completion tokens of a model request' },
  {
    name: 'first_of_kind',
    pgType: 'boolean',
    description: 'suggestion events: first display, acceptance or dismissal of that suggestion',
  },
  {
    name: 'first_of_partiality',
    pgType: 'boolean',
    description: 'acceptances: first full (or first partial) acceptance of that suggestion',
  },
  { name: 'partial', pgType: 'boolean', description: 'acceptances: a word or line rather than all' },
  { name: 'chars', pgType: 'integer', description: 'character count (shown, accepted or added)' },
  { name: 'lines', pgType: 'integer', description: 'line count (shown or accepted)' },
  { name: 'source', pgType: 'text', description: 'characters added: typed, pasted, completion, chat, tests' },
  { name: 'checkpoint_sec', pgType: 'integer', description: 'retention check: seconds after acceptance' },
  { name: 'accepted_chars', pgType: 'integer', description: 'retention check: characters accepted' },
  { name: 'retained_chars', pgType: 'integer', description: 'retention check: characters still present' },
  {
    name: 'action',
    pgType: 'text',
    description: 'interaction action (request, apply, ...) or guard action (block, redact, warn)',
  },
  { name: 'user_initiated', pgType: 'boolean', description: 'interactions: started by the person' },
  { name: 'rule_id', pgType: 'text', description: 'guard decisions: id of the policy rule' },
  { name: 'category', pgType: 'text', description: 'guard decisions: category of the rule' },
  { name: 'direction', pgType: 'text', description: 'guard decisions: input or output' },
];

/** Roles the documented setup creates: members of the writer role may only insert events, members of the
 * reader role may only read. */
export const TEAM_WRITER_ROLE = 'aegis_team_writer';
export const TEAM_READER_ROLE = 'aegis_team_reader';

/** How each rollup counter is computed from one team event row. Mirrors `addEvent` in rollupColumns.ts;
 * the team tests check both give the same dashboard figures for the same events. */
export const COUNTER_SQL: Readonly<Record<RollupCounter, string>> = (() => {
  const when = (condition: string, value = '1'): string => `CASE WHEN ${condition} THEN ${value} ELSE 0 END`;
  const req = "kind = 'modelRequest'";
  const accepted = "kind = 'suggestionAccepted'";
  const shown = "kind = 'suggestionShown' AND first_of_kind";
  const retention = (sec: number, column: string): string =>
    when(`kind = 'retentionCheck' AND checkpoint_sec = ${sec}`, column);
  const retained = 'LEAST(retained_chars, accepted_chars)';
  return {
    requests: when(req),
    req_produced: when(`${req} AND outcome = 'produced'`),
    req_cancelled: when(`${req} AND outcome = 'cancelled'`),
    req_empty: when(`${req} AND outcome = 'empty'`),
    req_failed: when(`${req} AND outcome = 'failed'`),
    req_blocked: when(`${req} AND outcome = 'blocked'`),
    prompt_tokens: when(req, 'prompt_tokens'),
    completion_tokens: when(req, 'completion_tokens'),
    shown: when(shown),
    shown_chars: when(shown, 'chars'),
    shown_lines: when(shown, 'lines'),
    accepted: when(`${accepted} AND first_of_kind`),
    accepted_full: when(`${accepted} AND NOT partial AND first_of_partiality`),
    accepted_partial: when(`${accepted} AND partial AND first_of_partiality`),
    accepted_chars: when(accepted, 'chars'),
    accepted_lines: when(accepted, 'lines'),
    dismissed: when("kind = 'suggestionDismissed' AND first_of_kind"),
    chars_typed: when("kind = 'charsAdded' AND source = 'typed'", 'chars'),
    chars_pasted: when("kind = 'charsAdded' AND source = 'pasted'", 'chars'),
    chars_completion: when("kind = 'charsAdded' AND source = 'completion'", 'chars'),
    chars_chat: when("kind = 'charsAdded' AND source = 'chat'", 'chars'),
    chars_tests: when("kind = 'charsAdded' AND source = 'tests'", 'chars'),
    ret30_accepted: retention(30, 'accepted_chars'),
    ret30_retained: retention(30, retained),
    ret120_accepted: retention(120, 'accepted_chars'),
    ret120_retained: retention(120, retained),
    ret300_accepted: retention(300, 'accepted_chars'),
    ret300_retained: retention(300, retained),
    ret600_accepted: retention(600, 'accepted_chars'),
    ret600_retained: retention(600, retained),
    interactions: when("kind = 'interaction'"),
    user_actions: when(`(${accepted} AND first_of_kind) OR (kind = 'interaction' AND user_initiated)`),
    guard_decisions: when("kind = 'guardDecision'"),
  };
})();

const KEY = 'bucket, team, developer_id, language, feature, model';

/** A table of every rollup counter per `keys` (text columns; `bucket` first when present). Every
 * counter table of the team database (developer-level, team-level, developer-day) comes from here. */
function counterTable(table: string, keys: readonly string[]): string {
  const keyColumns = keys.map((key) => `  ${key} ${key === 'bucket' ? 'bigint' : 'text'} NOT NULL,`);
  return `CREATE TABLE ${table} (
${keyColumns.join('\n')}
${rollupCounterColumnsSql('bigint')},
  PRIMARY KEY (${keys.join(', ')})
);`;
}

const DEVELOPER_KEYS = KEY.split(', ');
const TEAM_KEYS = ['bucket', 'team', 'language', 'feature', 'model'];
const DEVELOPER_DAY_KEYS = ['bucket', 'team', 'developer_id'];

function rollupTable(table: string): string {
  return counterTable(table, DEVELOPER_KEYS);
}

/** Samples are float8send() triples (big-endian, unlike the local store's little-endian blobs). */
function samplesTable(table: string): string {
  return `CREATE TABLE ${table} (
  bucket bigint NOT NULL,
  team text NOT NULL,
  developer_id text NOT NULL,
  language text NOT NULL,
  feature text NOT NULL,
  model text NOT NULL,
  n bigint NOT NULL,
  samples bytea NOT NULL,
  PRIMARY KEY (${KEY})
);`;
}

/** The trigger body of schema version 1: folds the rows one INSERT statement added (ON CONFLICT DO NOTHING
 * leaves duplicates out of the transition table) into every developer-level rollup. Keys are upserted in
 * sorted order so that concurrent writers lock rows in the same order. */
function rollupTriggerSql(): string {
  const sums = ROLLUP_COUNTERS.map((c) => `SUM(${COUNTER_SQL[c]})`).join(', ');
  const updates = (table: string): string =>
    ROLLUP_COUNTERS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');
  const statements: string[] = [];
  for (const level of ROLLUP_LEVELS) {
    const bucket = `(counted_at / ${level.ms}) * ${level.ms}`;
    const samples = samplesTableOf(level.table);
    statements.push(`
  INSERT INTO ${level.table} (${KEY}, ${ROLLUP_COUNTERS.join(', ')})
  SELECT ${bucket}, team, developer_id, language, feature, model, ${sums}
  FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (${KEY}) DO UPDATE SET ${updates(level.table)};`);
    statements.push(`
  INSERT INTO ${samples} (${KEY}, n, samples)
  SELECT ${bucket}, team, developer_id, language, feature, model, COUNT(*),
    string_agg(float8send(floor(counted_at / 60000.0)) || float8send(COALESCE(ttft_ms, 'NaN'))
      || float8send(COALESCE(total_ms, 'NaN')), ''::bytea)
  FROM new_rows WHERE kind = 'modelRequest' GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (${KEY}) DO UPDATE SET n = ${samples}.n + excluded.n, samples = ${samples}.samples || excluded.samples;`);
  }
  statements.push(`
  INSERT INTO guard_rollup_15m (bucket, team, developer_id, language, feature, rule_id, category, direction, action, n)
  SELECT (counted_at / 900000) * 900000, team, developer_id, language, feature, rule_id, category, direction, action, COUNT(*)
  FROM new_rows WHERE kind = 'guardDecision' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (bucket, team, developer_id, language, feature, rule_id, category, direction, action)
  DO UPDATE SET n = guard_rollup_15m.n + excluded.n;`);
  statements.push(`
  INSERT INTO dim_values (team, dim, value)
  SELECT DISTINCT team, d.dim, d.value FROM new_rows,
    LATERAL (VALUES ('language', language), ('developer', developer_id), ('feature', feature), ('model', model)) AS d(dim, value)
  WHERE d.value <> '' OR d.dim = 'language' ORDER BY 1, 2, 3
  ON CONFLICT DO NOTHING;`);
  return statements.join('\n');
}

/** Team-level rollups: the developer-level ones without the developer column. A thousand developers
 * multiply the developer-level tables a thousandfold; every figure but active developers and the
 * per-developer breakdown is answered from these. */
export const TEAM_ROLLUP_TABLES: Readonly<Record<string, string>> = {
  rollup_15m: 'team_rollup_15m',
  rollup_1h: 'team_rollup_1h',
  rollup_1d: 'team_rollup_1d',
};
/** Per day, developer, language, feature and model: the user-initiated actions (the active-developer
 * rule), in a narrow table instead of the 33 counters of rollup_1d. */
export const ACTIVITY_TABLE = 'developer_activity_1d';
/** Latency histograms beside each team-level rollup. */
export const HISTOGRAM_TABLES: Readonly<Record<string, string>> = {
  rollup_15m: 'latency_histogram_15m',
  rollup_1h: 'latency_histogram_1h',
  rollup_1d: 'latency_histogram_1d',
};
/** Model requests per minute (of their start), for the busiest-minute figure. */
export const MINUTES_TABLE = 'request_minutes';

/** Latency histogram bins: bin 0 holds [0, 1) ms; bin k >= 1 holds [2^((k-1)/16), 2^(k/16)) ms, up to bin
 * HISTOGRAM_LAST_BIN, which also takes everything longer (2^24 ms, about 4.7 hours). A percentile
 * interpolated inside the bins of its two closest ranks is within HISTOGRAM_RELATIVE_ERROR of the exact
 * one, plus 1 ms for values below 1 ms (see docs/team-database.md). */
export const HISTOGRAM_BINS_PER_DOUBLING = 16;
export const HISTOGRAM_LAST_BIN = 24 * HISTOGRAM_BINS_PER_DOUBLING + 1;
export const HISTOGRAM_RELATIVE_ERROR = 2 ** (1 / HISTOGRAM_BINS_PER_DOUBLING) - 1;

/** The bin of a latency in milliseconds (the same rule as the SQL in the trigger). */
export function histogramBin(ms: number): number {
  if (ms < 1) return 0;
  return Math.min(HISTOGRAM_LAST_BIN, 1 + Math.floor(Math.log2(ms) * HISTOGRAM_BINS_PER_DOUBLING));
}

/** The [low, high) bounds of a bin in milliseconds (the last bin's high bound is its low bound doubled). */
export function histogramBinBounds(bin: number): [number, number] {
  if (bin <= 0) return [0, 1];
  const low = 2 ** ((bin - 1) / HISTOGRAM_BINS_PER_DOUBLING);
  return [low, bin >= HISTOGRAM_LAST_BIN ? low * 2 : 2 ** (bin / HISTOGRAM_BINS_PER_DOUBLING)];
}

const TEAM_KEY = TEAM_KEYS.join(', ');

function binSql(column: string): string {
  // LEAST ignores NULLs, so a missing latency is kept out explicitly.
  return `CASE WHEN ${column} IS NULL THEN NULL WHEN ${column} < 1 THEN 0 ELSE LEAST(${HISTOGRAM_LAST_BIN}, 1 + floor(ln(${column}) * ${HISTOGRAM_BINS_PER_DOUBLING} / ln(2.0::float8))::integer) END`;
}

/** The statements of schema version 2 that fold rows of `source` (the trigger's transition table, or
 * team_events when the migration backfills) into the team-level tables. */
function scaleFoldSql(source: string): string {
  const sums = ROLLUP_COUNTERS.map((c) => `SUM(${COUNTER_SQL[c]})`).join(', ');
  const statements: string[] = [];
  for (const level of ROLLUP_LEVELS) {
    const bucket = `(counted_at / ${level.ms}) * ${level.ms}`;
    const table = TEAM_ROLLUP_TABLES[level.table];
    const updates = ROLLUP_COUNTERS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');
    statements.push(`
  INSERT INTO ${table} (${TEAM_KEY}, ${ROLLUP_COUNTERS.join(', ')})
  SELECT ${bucket}, team, language, feature, model, ${sums}
  FROM ${source} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (${TEAM_KEY}) DO UPDATE SET ${updates};`);
    const histogram = HISTOGRAM_TABLES[level.table];
    statements.push(`
  INSERT INTO ${histogram} (${TEAM_KEY}, metric, bin, n)
  SELECT ${bucket}, team, language, feature, model, h.metric, h.bin, COUNT(*)
  FROM ${source}, LATERAL (VALUES (0::smallint, ${binSql('ttft_ms')}), (1::smallint, ${binSql('total_ms')})) AS h(metric, bin)
  WHERE kind = 'modelRequest' AND h.bin IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (${TEAM_KEY}, metric, bin) DO UPDATE SET n = ${histogram}.n + excluded.n;`);
  }
  statements.push(`
  INSERT INTO ${ACTIVITY_TABLE} (bucket, team, developer_id, language, feature, model, user_actions)
  SELECT (counted_at / 86400000) * 86400000, team, developer_id, language, feature, model, SUM(${COUNTER_SQL.user_actions})
  FROM ${source} WHERE ${COUNTER_SQL.user_actions} > 0
  GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (bucket, team, developer_id, language, feature, model)
  DO UPDATE SET user_actions = ${ACTIVITY_TABLE}.user_actions + excluded.user_actions;`);
  statements.push(`
  INSERT INTO ${MINUTES_TABLE} (minute, team, language, feature, model, n)
  SELECT (counted_at / 60000) * 60000, team, language, feature, model, COUNT(*)
  FROM ${source} WHERE kind = 'modelRequest' GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (minute, team, language, feature, model) DO UPDATE SET n = ${MINUTES_TABLE}.n + excluded.n;`);
  return statements.join('\n');
}

const MIGRATION_1 = `
CREATE TABLE team_events (
${TEAM_EVENT_FIELDS.map((f) => `  ${f.name} ${f.pgType}`).join(',\n')},
  -- The partition key must be part of a partitioned table's unique key; ts never changes for an event id,
  -- so a retried event still meets its first copy.
  PRIMARY KEY (event_id, ts)
) PARTITION BY RANGE (ts);
-- Catches events of months that have no partition yet, so an insert never fails for lack of one.
CREATE TABLE team_events_default PARTITION OF team_events DEFAULT;
CREATE INDEX team_events_developer ON team_events (team, developer_id, ts);

${ROLLUP_LEVELS.map((level) => rollupTable(level.table)).join('\n')}

${ROLLUP_LEVELS.map((level) => samplesTable(samplesTableOf(level.table))).join('\n')}

CREATE TABLE guard_rollup_15m (
  bucket bigint NOT NULL,
  team text NOT NULL,
  developer_id text NOT NULL,
  language text NOT NULL,
  feature text NOT NULL,
  rule_id text NOT NULL,
  category text NOT NULL,
  direction text NOT NULL,
  action text NOT NULL,
  n bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, team, developer_id, language, feature, rule_id, category, direction, action)
);

CREATE TABLE dim_values (team text NOT NULL, dim text NOT NULL, value text NOT NULL, PRIMARY KEY (team, dim, value));

-- Readers listed here may filter by developer; everyone else sees per-developer rows only in groups of at
-- least min_group_size developers.
CREATE TABLE team_leads (login text PRIMARY KEY);
CREATE TABLE team_settings (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO team_settings (key, value) VALUES ('min_group_size', '5');

CREATE FUNCTION aegis_team_rollup() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $fn$
BEGIN
${rollupTriggerSql()}
  RETURN NULL;
END
$fn$;
CREATE TRIGGER team_events_rollup AFTER INSERT ON team_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aegis_team_rollup();

-- Creates the monthly partitions covering [from_ms, to_ms) that do not exist yet. A month whose events
-- already sit in the default partition is left there (they are still counted, just not pruned by month).
CREATE FUNCTION aegis_team_ensure_partitions(from_ms bigint, to_ms bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
  month timestamptz := date_trunc('month', to_timestamp(from_ms / 1000.0) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  next timestamptz;
  name text;
  created integer := 0;
BEGIN
  WHILE extract(epoch FROM month) * 1000 < to_ms LOOP
    next := ((month AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    name := 'team_events_' || to_char(month AT TIME ZONE 'UTC', 'YYYY_MM');
    IF to_regclass(name) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF team_events FOR VALUES FROM (%s) TO (%s)', name,
          (extract(epoch FROM month) * 1000)::bigint, (extract(epoch FROM next) * 1000)::bigint);
        created := created + 1;
      EXCEPTION WHEN check_violation THEN
        NULL;
      END;
    END IF;
    month := next;
  END LOOP;
  RETURN created;
END
$fn$;
REVOKE ALL ON FUNCTION aegis_team_ensure_partitions(bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION aegis_team_rollup() FROM PUBLIC;
`;

function teamRollupTable(table: string): string {
  return counterTable(table, TEAM_KEYS);
}

function histogramTable(table: string): string {
  return `CREATE TABLE ${table} (
  bucket bigint NOT NULL,
  team text NOT NULL,
  language text NOT NULL,
  feature text NOT NULL,
  model text NOT NULL,
  metric smallint NOT NULL, -- 0 time to first token, 1 total time
  bin smallint NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (${TEAM_KEY}, metric, bin)
);`;
}

/** Version 2, for scale: team-level rollups, the activity table, latency histograms and per-minute request
 * counts, all maintained by the same statement trigger, and backfilled from the events already stored. */
const MIGRATION_2 = `
${ROLLUP_LEVELS.map((level) => teamRollupTable(TEAM_ROLLUP_TABLES[level.table])).join('\n')}
${ROLLUP_LEVELS.map((level) => histogramTable(HISTOGRAM_TABLES[level.table])).join('\n')}
CREATE TABLE ${ACTIVITY_TABLE} (
  bucket bigint NOT NULL,
  team text NOT NULL,
  developer_id text NOT NULL,
  language text NOT NULL,
  feature text NOT NULL,
  model text NOT NULL,
  user_actions bigint NOT NULL,
  PRIMARY KEY (bucket, team, developer_id, language, feature, model)
);
CREATE TABLE ${MINUTES_TABLE} (
  minute bigint NOT NULL,
  team text NOT NULL,
  language text NOT NULL,
  feature text NOT NULL,
  model text NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (minute, team, language, feature, model)
);
-- A lead's developer filter reads the developer-level tables for one developer, not a whole bucket range.
CREATE INDEX rollup_1d_developer ON rollup_1d (team, developer_id, bucket);
CREATE INDEX request_samples_1d_developer ON request_samples_1d (team, developer_id, bucket);

CREATE OR REPLACE FUNCTION aegis_team_rollup() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $fn$
BEGIN
${rollupTriggerSql()}
${scaleFoldSql('new_rows')}
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION aegis_team_rollup() FROM PUBLIC;

${scaleFoldSql('team_events')}
`;

/** Per UTC day, team and developer: every counter, without the language, feature and model columns. The
 * per-developer breakdown and a lead's developer filter read it (when no language, feature or model filter
 * is set) instead of rollup_1d, which holds a row per language, feature and model of each developer-day. */
export const DEVELOPER_DAY_TABLE = 'developer_rollup_1d';

function developerDayFoldSql(source: string): string {
  const sums = ROLLUP_COUNTERS.map((c) => `SUM(${COUNTER_SQL[c]})`).join(', ');
  const updates = ROLLUP_COUNTERS.map((c) => `${c} = ${DEVELOPER_DAY_TABLE}.${c} + excluded.${c}`).join(', ');
  return `
  INSERT INTO ${DEVELOPER_DAY_TABLE} (bucket, team, developer_id, ${ROLLUP_COUNTERS.join(', ')})
  SELECT (counted_at / 86400000) * 86400000, team, developer_id, ${sums}
  FROM ${source} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, team, developer_id) DO UPDATE SET ${updates};`;
}

/** Version 3: the developer-day table, folded by the same trigger and backfilled from rollup_1d (the same
 * sums, already grouped). */
const MIGRATION_3 = `
${counterTable(DEVELOPER_DAY_TABLE, DEVELOPER_DAY_KEYS)}

CREATE OR REPLACE FUNCTION aegis_team_rollup() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $fn$
BEGIN
${rollupTriggerSql()}
${scaleFoldSql('new_rows')}
${developerDayFoldSql('new_rows')}
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION aegis_team_rollup() FROM PUBLIC;

INSERT INTO ${DEVELOPER_DAY_TABLE} (bucket, team, developer_id, ${ROLLUP_COUNTERS.join(', ')})
SELECT bucket, team, developer_id, ${ROLLUP_COUNTERS.map((c) => `SUM(${c})`).join(', ')}
FROM rollup_1d GROUP BY 1, 2, 3;
`;

/** The trigger body of schema version 4: one statement. The batch is aggregated once per 15-minute bucket
 * and full key (every CASE evaluated once per row), and every other rollup is summed from that aggregate
 * (a few hundred rows per batch, not a few thousand); latency bins likewise from one per-quarter histogram,
 * and request samples from one per-quarter concatenation. Data-modifying CTEs all run to completion; each
 * upserts its keys in sorted order so that concurrent writers lock rows in the same order. */
function foldBatchSql(extra: readonly string[] = []): string {
  const counters = ROLLUP_COUNTERS.join(', ');
  const caseSums = ROLLUP_COUNTERS.map((c) => `SUM(${COUNTER_SQL[c]}) AS ${c}`).join(', ');
  const reSums = ROLLUP_COUNTERS.map((c) => `SUM(${c})`).join(', ');
  const adds = (table: string): string =>
    ROLLUP_COUNTERS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');
  const bucketOf = (ms: number, column = 'q'): string =>
    ms === 900000 ? column : `(${column} / ${ms}) * ${ms}`;
  const parts: string[] = [
    `agg AS MATERIALIZED (
    SELECT (counted_at / 900000) * 900000 AS q, team, developer_id, language, feature, model, ${caseSums}
    FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6)`,
    `smp AS MATERIALIZED (
    SELECT (counted_at / 900000) * 900000 AS q, team, developer_id, language, feature, model, COUNT(*) AS n,
      string_agg(float8send(floor(counted_at / 60000.0)) || float8send(COALESCE(ttft_ms, 'NaN'))
        || float8send(COALESCE(total_ms, 'NaN')), ''::bytea) AS samples
    FROM new_rows WHERE kind = 'modelRequest' GROUP BY 1, 2, 3, 4, 5, 6)`,
    `hst AS MATERIALIZED (
    SELECT (counted_at / 900000) * 900000 AS q, team, language, feature, model, h.metric, h.bin, COUNT(*) AS n
    FROM new_rows, LATERAL (VALUES (0::smallint, ${binSql('ttft_ms')}), (1::smallint, ${binSql('total_ms')})) AS h(metric, bin)
    WHERE kind = 'modelRequest' AND h.bin IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7)`,
  ];
  ROLLUP_LEVELS.forEach((level, i) => {
    const b = bucketOf(level.ms);
    const samples = samplesTableOf(level.table);
    const team = TEAM_ROLLUP_TABLES[level.table];
    const histogram = HISTOGRAM_TABLES[level.table];
    parts.push(`r${i} AS (
    INSERT INTO ${level.table} (${KEY}, ${counters})
    SELECT ${b}, team, developer_id, language, feature, model, ${reSums}
    FROM agg GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (${KEY}) DO UPDATE SET ${adds(level.table)})`);
    parts.push(`s${i} AS (
    INSERT INTO ${samples} (${KEY}, n, samples)
    SELECT ${b}, team, developer_id, language, feature, model, SUM(n), string_agg(samples, ''::bytea)
    FROM smp GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (${KEY}) DO UPDATE SET n = ${samples}.n + excluded.n, samples = ${samples}.samples || excluded.samples)`);
    parts.push(`t${i} AS (
    INSERT INTO ${team} (${TEAM_KEY}, ${counters})
    SELECT ${b}, team, language, feature, model, ${reSums}
    FROM agg GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (${TEAM_KEY}) DO UPDATE SET ${adds(team)})`);
    parts.push(`h${i} AS (
    INSERT INTO ${histogram} (${TEAM_KEY}, metric, bin, n)
    SELECT ${b}, team, language, feature, model, metric, bin, SUM(n)
    FROM hst GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (${TEAM_KEY}, metric, bin) DO UPDATE SET n = ${histogram}.n + excluded.n)`);
  });
  parts.push(`dev AS (
    INSERT INTO ${DEVELOPER_DAY_TABLE} (bucket, team, developer_id, ${counters})
    SELECT ${bucketOf(86400000)}, team, developer_id, ${reSums}
    FROM agg GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (bucket, team, developer_id) DO UPDATE SET ${adds(DEVELOPER_DAY_TABLE)})`);
  parts.push(`act AS (
    INSERT INTO ${ACTIVITY_TABLE} (bucket, team, developer_id, language, feature, model, user_actions)
    SELECT ${bucketOf(86400000)}, team, developer_id, language, feature, model, SUM(user_actions)
    FROM agg WHERE user_actions > 0 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (bucket, team, developer_id, language, feature, model)
    DO UPDATE SET user_actions = ${ACTIVITY_TABLE}.user_actions + excluded.user_actions)`);
  parts.push(`mnt AS (
    INSERT INTO ${MINUTES_TABLE} (minute, team, language, feature, model, n)
    SELECT (counted_at / 60000) * 60000, team, language, feature, model, COUNT(*)
    FROM new_rows WHERE kind = 'modelRequest' GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (minute, team, language, feature, model) DO UPDATE SET n = ${MINUTES_TABLE}.n + excluded.n)`);
  parts.push(`grd AS (
    INSERT INTO guard_rollup_15m (bucket, team, developer_id, language, feature, rule_id, category, direction, action, n)
    SELECT (counted_at / 900000) * 900000, team, developer_id, language, feature, rule_id, category, direction, action, COUNT(*)
    FROM new_rows WHERE kind = 'guardDecision' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT (bucket, team, developer_id, language, feature, rule_id, category, direction, action)
    DO UPDATE SET n = guard_rollup_15m.n + excluded.n)`);
  // Most batches bring no new dimension value: look them up before inserting, from the aggregate.
  parts.push(`dim AS (
    INSERT INTO dim_values (team, dim, value)
    SELECT DISTINCT a.team, d.dim, d.value FROM agg AS a,
      LATERAL (VALUES ('language', a.language), ('developer', a.developer_id), ('feature', a.feature), ('model', a.model)) AS d(dim, value)
    WHERE (d.value <> '' OR d.dim = 'language')
      AND NOT EXISTS (SELECT 1 FROM dim_values AS v WHERE v.team = a.team AND v.dim = d.dim AND v.value = d.value)
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING)`);
  parts.push(...extra);
  return `  WITH ${parts.join(',\n  ')}\n  SELECT 1 INTO STRICT done;`;
}

/** Version 4, for ingest speed: the same tables, folded by one statement per batch (foldBatchSql), with
 * room left in each page of the upserted tables so that a later batch's update of a row can stay on its page
 * (a HOT update: no new index entries). The raw-event index by developer is dropped: nothing reads raw
 * events by developer (readers cannot read them at all), and every event paid for it. */
const UPSERTED_TABLES: readonly string[] = [
  ...ROLLUP_LEVELS.map((level) => level.table),
  ...ROLLUP_LEVELS.map((level) => samplesTableOf(level.table)),
  ...ROLLUP_LEVELS.map((level) => TEAM_ROLLUP_TABLES[level.table]),
  ...ROLLUP_LEVELS.map((level) => HISTOGRAM_TABLES[level.table]),
  ACTIVITY_TABLE,
  MINUTES_TABLE,
  DEVELOPER_DAY_TABLE,
  'guard_rollup_15m',
];

const MIGRATION_4 = `
DROP INDEX IF EXISTS team_events_developer;
${UPSERTED_TABLES.map((table) => `ALTER TABLE ${table} SET (fillfactor = 80);`).join('\n')}

CREATE OR REPLACE FUNCTION aegis_team_rollup() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $fn$
DECLARE
  done integer;
BEGIN
${foldBatchSql()}
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION aegis_team_rollup() FROM PUBLIC;
`;

/** Requests per minute and team, in total (dim '') and per language, feature and model (dim names the
 * column, value its value): the minute counts the daily peaks below are kept from, and the minutes at the
 * edges of a range that does not start or end on a UTC day. */
export const MINUTE_TOTALS_TABLE = 'request_minute_totals';
/** Per UTC day and the same (dim, value): the most requests in one minute of that day. The busiest minute
 * of whole days is the largest of their daily peaks, so a 90-day tile reads 90 rows, not every minute. */
export const PEAKS_TABLE = 'request_peaks_1d';
/** Requests per minute and developer, kept only to maintain the peaks of DEVELOPER_REQUESTS_TABLE. */
export const DEVELOPER_MINUTES_TABLE = 'developer_minutes';
/** Per UTC day and developer: the most requests the developer started in one minute of that day (`peak`),
 * and the latency bin of each request (`bins`: one big-endian 16-bit code per latency, LATENCY_CODE_STRIDE
 * times the metric plus the bin; 0 time to first token, 1 total time). One row per developer-day whatever
 * the number of requests, so the per-developer breakdown reads a few bytes per request and one row per
 * developer-day, and the database concatenates them per developer. */
export const DEVELOPER_REQUESTS_TABLE = 'developer_requests_1d';
export const LATENCY_CODE_STRIDE = 512;
/** Per UTC day and developer: which quarter-hours of the day hold a user-initiated action (the
 * active-developer rule), bit k (from the left) for the quarter starting k * 15 minutes after midnight. One
 * narrow row per active developer-day answers active developers for any range of quarter-hours, in any
 * time zone, exactly: a local day is a mask over one or two UTC days. */
export const DEVELOPER_ACTIVE_TABLE = 'developer_active_1d';

function daySql(column: string): string {
  return `(${column} / 86400000) * 86400000`;
}

/** Per UTC day and developer of `source`'s model requests, their latency codes (DEVELOPER_REQUESTS_TABLE). */
function latencyCodesSql(source: string): string {
  return `SELECT ${daySql('counted_at')} AS bucket, team, developer_id,
      string_agg(int2send((${LATENCY_CODE_STRIDE} * h.metric + h.bin)::smallint), ''::bytea) AS bins
    FROM ${source}, LATERAL (VALUES (0, ${binSql('ttft_ms')}), (1, ${binSql('total_ms')})) AS h(metric, bin)
    WHERE kind = 'modelRequest' AND h.bin IS NOT NULL GROUP BY 1, 2, 3`;
}

/** The bit of the quarter-hour starting at `column` (ms) in its day's bit(96); casting B'1' to bit(96) pads
 * with zeros on the right. */
function quarterBitSql(column: string): string {
  return `(B'1'::bit(96) >> ((${column} % 86400000) / 900000)::integer)`;
}

/** The (dim, value) rows each request adds to the minute totals: in total and per language, feature and
 * model (version 5), and per pair of them (version 6: `dim` names the pair, `value` joins the two values
 * with PAIR_SEPARATOR), so that one value of one dimension grouped by another reads daily peaks too. */
const MINUTE_DIMS_5 = `('', ''), ('language', language), ('feature', feature), ('model', model)`;
export const PAIR_SEPARATOR = '\u001f';
export const DIMENSION_PAIRS: readonly (readonly [string, string])[] = [
  ['language', 'feature'],
  ['language', 'model'],
  ['feature', 'model'],
];
/** The `dim` of a pair of dimensions in the minute totals and daily peaks. */
export function pairDim(pair: readonly [string, string]): string {
  return `${pair[0]}+${pair[1]}`;
}
/** SQL joining two dimension values with PAIR_SEPARATOR. */
export function pairValueSql(a: string, b: string): string {
  return `${a} || chr(${PAIR_SEPARATOR.charCodeAt(0)}) || ${b}`;
}
const PAIR_DIMS = DIMENSION_PAIRS.map(
  (pair) => `('${pairDim(pair)}', ${pairValueSql(pair[0], pair[1])})`,
).join(', ');
const MINUTE_DIMS_6 = `${MINUTE_DIMS_5}, ${PAIR_DIMS}`;

/** The data-modifying CTEs version 5 adds to the one-statement trigger. Minute counts only grow, so the
 * totals an upsert returns (RETURNING gives the row after the update, including what concurrent batches
 * committed before it) are the minute's counts so far, and the day's peak is the largest of them ever
 * returned: GREATEST keeps it. Each peak upsert groups all returned rows first, so a batch holds all its
 * minute-row locks before it takes any peak-row lock, in the same sorted order as every other batch. */
function version5Parts(dims: string = MINUTE_DIMS_5): string[] {
  const parts: string[] = [
    `mt AS (
    INSERT INTO ${MINUTE_TOTALS_TABLE} (minute, team, dim, value, n)
    SELECT (counted_at / 60000) * 60000, team, d.dim, d.value, COUNT(*)
    FROM new_rows, LATERAL (VALUES ${dims}) AS d(dim, value)
    WHERE kind = 'modelRequest' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (minute, team, dim, value) DO UPDATE SET n = ${MINUTE_TOTALS_TABLE}.n + excluded.n
    RETURNING minute, team, dim, value, n)`,
    `pk AS (
    INSERT INTO ${PEAKS_TABLE} (team, dim, value, bucket, peak)
    SELECT team, dim, value, ${daySql('minute')}, MAX(n) FROM mt GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (team, dim, value, bucket) DO UPDATE SET peak = GREATEST(${PEAKS_TABLE}.peak, excluded.peak))`,
    `dm AS (
    INSERT INTO ${DEVELOPER_MINUTES_TABLE} (minute, team, developer_id, n)
    SELECT (counted_at / 60000) * 60000, team, developer_id, COUNT(*)
    FROM new_rows WHERE kind = 'modelRequest' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (minute, team, developer_id) DO UPDATE SET n = ${DEVELOPER_MINUTES_TABLE}.n + excluded.n
    RETURNING minute, team, developer_id, n)`,
    // Peak and bins of a developer-day in one upsert: a statement may not update a row twice. Every
    // request has a minute, so the minute counts name every developer-day the batch touches.
    `dr AS (
    INSERT INTO ${DEVELOPER_REQUESTS_TABLE} (bucket, team, developer_id, peak, bins)
    SELECT p.bucket, p.team, p.developer_id, p.peak, COALESCE(b.bins, ''::bytea)
    FROM (SELECT ${daySql('minute')} AS bucket, team, developer_id, MAX(n) AS peak FROM dm GROUP BY 1, 2, 3) AS p
    LEFT JOIN (${latencyCodesSql('new_rows')}) AS b USING (bucket, team, developer_id)
    ORDER BY 1, 2, 3
    ON CONFLICT (bucket, team, developer_id) DO UPDATE
    SET peak = GREATEST(${DEVELOPER_REQUESTS_TABLE}.peak, excluded.peak), bins = ${DEVELOPER_REQUESTS_TABLE}.bins || excluded.bins)`,
  ];
  // A developer-day gains a bit only when an action falls in a new quarter-hour; otherwise nothing is written.
  parts.push(`da AS (
    INSERT INTO ${DEVELOPER_ACTIVE_TABLE} (bucket, team, developer_id, quarters)
    SELECT ${daySql('q')}, team, developer_id, bit_or(${quarterBitSql('q')})
    FROM agg WHERE user_actions > 0 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (bucket, team, developer_id) DO UPDATE SET quarters = ${DEVELOPER_ACTIVE_TABLE}.quarters | excluded.quarters
    WHERE (${DEVELOPER_ACTIVE_TABLE}.quarters | excluded.quarters) <> ${DEVELOPER_ACTIVE_TABLE}.quarters)`);
  return parts;
}

/** A per-developer table of a busiest minute and latency bins per bucket (a day or a month). */
function peakBinsTable(table: string): string {
  return `CREATE TABLE ${table} (
  bucket bigint NOT NULL,
  team text NOT NULL,
  developer_id text NOT NULL,
  peak bigint NOT NULL,
  bins bytea NOT NULL,
  PRIMARY KEY (bucket, team, developer_id)
) WITH (fillfactor = 80);`;
}

/** Version 5, for reading 90 days of 1,000 developers: daily busiest-minute tables (team-wide, per
 * language, feature and model, per developer), per-developer daily latency histograms and narrow
 * per-developer activity tables, folded by the same statement and backfilled from what is stored. */
const MIGRATION_5 = `
CREATE TABLE ${MINUTE_TOTALS_TABLE} (
  minute bigint NOT NULL,
  team text NOT NULL,
  dim text NOT NULL,
  value text NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (minute, team, dim, value)
) WITH (fillfactor = 80);
CREATE TABLE ${PEAKS_TABLE} (
  team text NOT NULL,
  dim text NOT NULL,
  value text NOT NULL,
  bucket bigint NOT NULL,
  peak bigint NOT NULL,
  PRIMARY KEY (team, dim, value, bucket)
) WITH (fillfactor = 80);
CREATE TABLE ${DEVELOPER_MINUTES_TABLE} (
  minute bigint NOT NULL,
  team text NOT NULL,
  developer_id text NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (minute, team, developer_id)
) WITH (fillfactor = 80);
${peakBinsTable(DEVELOPER_REQUESTS_TABLE)}
CREATE TABLE ${DEVELOPER_ACTIVE_TABLE} (
  bucket bigint NOT NULL,
  team text NOT NULL,
  developer_id text NOT NULL,
  quarters bit(96) NOT NULL,
  PRIMARY KEY (bucket, team, developer_id)
) WITH (fillfactor = 80);

CREATE OR REPLACE FUNCTION aegis_team_rollup() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $fn$
DECLARE
  done integer;
BEGIN
${foldBatchSql(version5Parts())}
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION aegis_team_rollup() FROM PUBLIC;

INSERT INTO ${MINUTE_TOTALS_TABLE} (minute, team, dim, value, n)
SELECT minute, team, d.dim, d.value, SUM(n)
FROM ${MINUTES_TABLE}, LATERAL (VALUES ('', ''), ('language', language), ('feature', feature), ('model', model)) AS d(dim, value)
GROUP BY 1, 2, 3, 4;
INSERT INTO ${PEAKS_TABLE} (team, dim, value, bucket, peak)
SELECT team, dim, value, ${daySql('minute')}, MAX(n) FROM ${MINUTE_TOTALS_TABLE} GROUP BY 1, 2, 3, 4;
INSERT INTO ${DEVELOPER_MINUTES_TABLE} (minute, team, developer_id, n)
SELECT (counted_at / 60000) * 60000, team, developer_id, COUNT(*) FROM team_events
WHERE kind = 'modelRequest' GROUP BY 1, 2, 3;
INSERT INTO ${DEVELOPER_REQUESTS_TABLE} (bucket, team, developer_id, peak, bins)
SELECT p.bucket, p.team, p.developer_id, p.peak, COALESCE(b.bins, ''::bytea)
FROM (SELECT ${daySql('minute')} AS bucket, team, developer_id, MAX(n) AS peak FROM ${DEVELOPER_MINUTES_TABLE} GROUP BY 1, 2, 3) AS p
LEFT JOIN (${latencyCodesSql('team_events')}) AS b USING (bucket, team, developer_id);
INSERT INTO ${DEVELOPER_ACTIVE_TABLE} (bucket, team, developer_id, quarters)
SELECT ${daySql('bucket')}, team, developer_id, bit_or(${quarterBitSql('bucket')}) FROM rollup_15m
WHERE user_actions > 0 GROUP BY 1, 2, 3;
`;

/** Per UTC month, team, developer and language: every counter. The per-developer breakdown and a lead's
 * developer filter read months from it: a month mostly inside a range is taken whole and its days outside
 * subtracted (from the day tables), so 90 days of a developer are three or four month rows and a few days. */
export const DEVELOPER_MONTH_TABLE = 'developer_rollup_1mo';
const DEVELOPER_MONTH_KEYS = ['bucket', 'team', 'developer_id', 'language'];
/** Per UTC month and developer: the month's busiest minute (`peak`) and its latency histogram (`bins`: pairs
 * of a big-endian 16-bit latency code, as in DEVELOPER_REQUESTS_TABLE, and a big-endian 32-bit count, in
 * code order; each batch's pairs are merged in). About a hundred pairs per developer-month, whatever the
 * number of requests. */
export const DEVELOPER_REQUESTS_MONTH_TABLE = 'developer_requests_1mo';

/** Per UTC day, team, developer and language: one 6-byte record per model request (big-endian 16-bit
 * minute of the day, time-to-first-token bin, total-time bin; a missing latency is -1). The per-developer
 * breakdown with a language condition reads whole days from it: the busiest minute exactly and latency as
 * histogram estimates, a quarter of the bytes of the request samples. */
export const DEVELOPER_LANGUAGE_REQUESTS_TABLE = 'developer_language_requests_1d';
export const REQUEST_RECORD_BYTES = 6;

/** Per UTC day, developer and language of `source`'s model requests, their 6-byte records. */
function requestRecordsSql(source: string): string {
  return `SELECT ${daySql('counted_at')} AS bucket, team, developer_id, language,
      string_agg(int2send(((counted_at % 86400000) / 60000)::smallint)
        || int2send(COALESCE(${binSql('ttft_ms')}, -1)::smallint)
        || int2send(COALESCE(${binSql('total_ms')}, -1)::smallint), ''::bytea) AS requests
    FROM ${source} WHERE kind = 'modelRequest' GROUP BY 1, 2, 3, 4`;
}

/** Per UTC day, developer and language: the quarter-hours holding a user-initiated action in that language
 * (as DEVELOPER_ACTIVE_TABLE, per language). Active developers with a language condition come from it. */
export const DEVELOPER_LANGUAGE_ACTIVE_TABLE = 'developer_language_active_1d';

/** The first millisecond of the UTC month holding `column` (ms). */
function monthSql(column: string): string {
  return `(extract(epoch FROM date_trunc('month', to_timestamp(${column} / 1000) AT TIME ZONE 'UTC')) * 1000)::bigint`;
}

/** Per UTC month and developer of `source`'s model requests, their latency histogram as code/count pairs. */
function latencyPairsSql(source: string): string {
  return `SELECT bucket, team, developer_id,
      string_agg(int2send(code::smallint) || int4send(n::integer), ''::bytea ORDER BY code) AS bins
    FROM (SELECT ${monthSql('counted_at')} AS bucket, team, developer_id, ${LATENCY_CODE_STRIDE} * h.metric + h.bin AS code, COUNT(*) AS n
      FROM ${source}, LATERAL (VALUES (0, ${binSql('ttft_ms')}), (1, ${binSql('total_ms')})) AS h(metric, bin)
      WHERE kind = 'modelRequest' AND h.bin IS NOT NULL GROUP BY 1, 2, 3, 4) AS c
    GROUP BY 1, 2, 3`;
}

/** The data-modifying CTEs version 6 adds to the one-statement trigger (after version 5's, whose `dm` it
 * reads: a month's peak is the largest minute count any batch saw, as for days). */
function version6Parts(): string[] {
  const counters = ROLLUP_COUNTERS.join(', ');
  const sums = ROLLUP_COUNTERS.map((c) => `SUM(${c})`).join(', ');
  const adds = ROLLUP_COUNTERS.map((c) => `${c} = ${DEVELOPER_MONTH_TABLE}.${c} + excluded.${c}`).join(', ');
  return [
    `mo AS (
    INSERT INTO ${DEVELOPER_MONTH_TABLE} (bucket, team, developer_id, language, ${counters})
    SELECT ${monthSql('q')}, team, developer_id, language, ${sums}
    FROM agg GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (bucket, team, developer_id, language) DO UPDATE SET ${adds})`,
    `mr AS (
    INSERT INTO ${DEVELOPER_REQUESTS_MONTH_TABLE} (bucket, team, developer_id, peak, bins)
    SELECT p.bucket, p.team, p.developer_id, p.peak, COALESCE(b.bins, ''::bytea)
    FROM (SELECT ${monthSql('minute')} AS bucket, team, developer_id, MAX(n) AS peak FROM dm GROUP BY 1, 2, 3) AS p
    LEFT JOIN (${latencyPairsSql('new_rows')}) AS b USING (bucket, team, developer_id)
    ORDER BY 1, 2, 3
    ON CONFLICT (bucket, team, developer_id) DO UPDATE
    SET peak = GREATEST(${DEVELOPER_REQUESTS_MONTH_TABLE}.peak, excluded.peak),
      bins = aegis_merge_latency_pairs(${DEVELOPER_REQUESTS_MONTH_TABLE}.bins, excluded.bins))`,
    `dla AS (
    INSERT INTO ${DEVELOPER_LANGUAGE_ACTIVE_TABLE} (bucket, team, developer_id, language, quarters)
    SELECT ${daySql('q')}, team, developer_id, language, bit_or(${quarterBitSql('q')})
    FROM agg WHERE user_actions > 0 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (bucket, team, developer_id, language)
    DO UPDATE SET quarters = ${DEVELOPER_LANGUAGE_ACTIVE_TABLE}.quarters | excluded.quarters
    WHERE (${DEVELOPER_LANGUAGE_ACTIVE_TABLE}.quarters | excluded.quarters) <> ${DEVELOPER_LANGUAGE_ACTIVE_TABLE}.quarters)`,
    `lr AS (
    INSERT INTO ${DEVELOPER_LANGUAGE_REQUESTS_TABLE} (bucket, team, developer_id, language, requests)
    ${requestRecordsSql('new_rows')} ORDER BY 1, 2, 3, 4
    ON CONFLICT (bucket, team, developer_id, language) DO UPDATE
    SET requests = ${DEVELOPER_LANGUAGE_REQUESTS_TABLE}.requests || excluded.requests)`,
  ];
}

/** Version 6, for the per-developer breakdown and one language's breakdowns at 10 million events: month
 * tables per developer (counters per language; latency histogram and busiest minute), compact per-request
 * records and activity masks per developer-day and language, and minute totals and daily peaks per pair of dimensions, folded
 * by the same statement and backfilled; and an index by language on the minutes, for the busiest minute
 * of several languages grouped by another dimension. */
const MIGRATION_6 = `
${counterTable(DEVELOPER_MONTH_TABLE, DEVELOPER_MONTH_KEYS)}
ALTER TABLE ${DEVELOPER_MONTH_TABLE} SET (fillfactor = 80);
${peakBinsTable(DEVELOPER_REQUESTS_MONTH_TABLE)}
CREATE TABLE ${DEVELOPER_LANGUAGE_REQUESTS_TABLE} (
  bucket bigint NOT NULL,
  team text NOT NULL,
  developer_id text NOT NULL,
  language text NOT NULL,
  requests bytea NOT NULL,
  PRIMARY KEY (bucket, team, developer_id, language)
) WITH (fillfactor = 80);
CREATE TABLE ${DEVELOPER_LANGUAGE_ACTIVE_TABLE} (
  bucket bigint NOT NULL,
  team text NOT NULL,
  developer_id text NOT NULL,
  language text NOT NULL,
  quarters bit(96) NOT NULL,
  PRIMARY KEY (bucket, team, developer_id, language)
) WITH (fillfactor = 80);
CREATE INDEX ${DEVELOPER_LANGUAGE_REQUESTS_TABLE}_language ON ${DEVELOPER_LANGUAGE_REQUESTS_TABLE} (team, language, bucket);
CREATE INDEX request_minutes_language ON ${MINUTES_TABLE} (team, language, minute) INCLUDE (feature, model, n);

-- Two histograms as code/count pairs (6 bytes each, code order) merged into one.
CREATE FUNCTION aegis_merge_latency_pairs(a bytea, b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp AS $fn$
  SELECT COALESCE(string_agg(int2send(code::smallint) || int4send(n::integer), ''::bytea ORDER BY code), ''::bytea)
  FROM (SELECT (get_byte(x, i) << 8) | get_byte(x, i + 1) AS code,
          SUM((get_byte(x, i + 2)::bigint << 24) | (get_byte(x, i + 3) << 16) | (get_byte(x, i + 4) << 8) | get_byte(x, i + 5)) AS n
        FROM (VALUES (a), (b)) AS v(x), generate_series(0, length(x) - 6, 6) AS i
        GROUP BY 1) AS m
$fn$;
REVOKE ALL ON FUNCTION aegis_merge_latency_pairs(bytea, bytea) FROM PUBLIC;

CREATE OR REPLACE FUNCTION aegis_team_rollup() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $fn$
DECLARE
  done integer;
BEGIN
${foldBatchSql([...version5Parts(MINUTE_DIMS_6), ...version6Parts()])}
  RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION aegis_team_rollup() FROM PUBLIC;

INSERT INTO ${DEVELOPER_MONTH_TABLE} (bucket, team, developer_id, language, ${ROLLUP_COUNTERS.join(', ')})
SELECT ${monthSql('bucket')}, team, developer_id, language, ${ROLLUP_COUNTERS.map((c) => `SUM(${c})`).join(', ')}
FROM rollup_1d GROUP BY 1, 2, 3, 4;
-- The backfill reads what the day tables keep, not raw events (an owner may have dropped old months of those):
-- a month's pairs are its days' codes counted, the records come from the daily request samples.
INSERT INTO ${DEVELOPER_REQUESTS_MONTH_TABLE} (bucket, team, developer_id, peak, bins)
SELECT p.bucket, p.team, p.developer_id, p.peak, COALESCE(b.bins, ''::bytea)
FROM (SELECT ${monthSql('bucket')} AS bucket, team, developer_id, MAX(peak) AS peak FROM ${DEVELOPER_REQUESTS_TABLE} GROUP BY 1, 2, 3) AS p
LEFT JOIN (
  SELECT bucket, team, developer_id,
    string_agg(int2send(code::smallint) || int4send(n::integer), ''::bytea ORDER BY code) AS bins
  FROM (SELECT ${monthSql('d.bucket')} AS bucket, d.team, d.developer_id,
      (get_byte(d.bins, i) << 8) | get_byte(d.bins, i + 1) AS code, COUNT(*) AS n
    FROM ${DEVELOPER_REQUESTS_TABLE} AS d, generate_series(0, length(d.bins) - 2, 2) AS i
    GROUP BY 1, 2, 3, 4) AS c
  GROUP BY 1, 2, 3) AS b USING (bucket, team, developer_id);
INSERT INTO ${DEVELOPER_LANGUAGE_ACTIVE_TABLE} (bucket, team, developer_id, language, quarters)
SELECT ${daySql('bucket')}, team, developer_id, language, bit_or(${quarterBitSql('bucket')}) FROM rollup_15m
WHERE user_actions > 0 GROUP BY 1, 2, 3, 4;
-- The float8 at byte offset i of a float8send() blob, rebuilt from its IEEE 754 fields (exact).
CREATE OR REPLACE FUNCTION pg_temp.aegis_float8_at(b bytea, i integer) RETURNS float8 LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN e = 2047 THEN 'NaN'::float8
    WHEN e = 0 THEN m * power(2::float8, -1074)
    ELSE (1 + m * power(2::float8, -52)) * power(2::float8, e - 1023) END * CASE WHEN negative THEN -1 ELSE 1 END
  FROM (SELECT (bits >> 52) & 2047 AS e, bits & 4503599627370495 AS m, bits < 0 AS negative
    FROM (SELECT ('x' || encode(substring(b FROM i + 1 FOR 8), 'hex'))::bit(64)::bigint AS bits) AS r) AS f
$fn$;
INSERT INTO ${DEVELOPER_LANGUAGE_REQUESTS_TABLE} (bucket, team, developer_id, language, requests)
SELECT s.bucket, s.team, s.developer_id, s.language,
  string_agg(int2send((v.minute - s.bucket / 60000)::smallint)
    || int2send((CASE WHEN v.ttft = 'NaN' THEN -1 ELSE ${binSql('v.ttft')} END)::smallint)
    || int2send((CASE WHEN v.total = 'NaN' THEN -1 ELSE ${binSql('v.total')} END)::smallint), ''::bytea)
FROM request_samples_1d AS s, generate_series(0, length(s.samples) / 24 - 1) AS k,
  LATERAL (SELECT pg_temp.aegis_float8_at(s.samples, k * 24)::bigint AS minute,
    pg_temp.aegis_float8_at(s.samples, k * 24 + 8) AS ttft,
    pg_temp.aegis_float8_at(s.samples, k * 24 + 16) AS total) AS v
GROUP BY 1, 2, 3, 4;
INSERT INTO ${MINUTE_TOTALS_TABLE} (minute, team, dim, value, n)
SELECT minute, team, d.dim, d.value, SUM(n)
FROM ${MINUTES_TABLE}, LATERAL (VALUES ${PAIR_DIMS}) AS d(dim, value)
GROUP BY 1, 2, 3, 4;
INSERT INTO ${PEAKS_TABLE} (team, dim, value, bucket, peak)
SELECT team, dim, value, ${daySql('minute')}, MAX(n) FROM ${MINUTE_TOTALS_TABLE} WHERE dim LIKE '%+%' GROUP BY 1, 2, 3, 4;
`;

/** Index i holds the SQL that takes the team database from version i to i + 1. */
export const TEAM_MIGRATIONS: readonly string[] = [
  MIGRATION_1,
  MIGRATION_2,
  MIGRATION_3,
  MIGRATION_4,
  MIGRATION_5,
  MIGRATION_6,
];
export const TEAM_SCHEMA_VERSION = TEAM_MIGRATIONS.length;

/** Tables readers may read, by the schema version that added them. The raw event table is not among them
 * (the dashboard never needs it), nor the per-developer minute counts (only the trigger reads them). */
const READABLE_SINCE: readonly (readonly [number, readonly string[]])[] = [
  [
    1,
    [
      ...ROLLUP_LEVELS.map((level) => level.table),
      ...ROLLUP_LEVELS.map((level) => samplesTableOf(level.table)),
      'guard_rollup_15m',
      'dim_values',
      'team_leads',
      'team_settings',
      'team_schema_version',
    ],
  ],
  [
    2,
    [
      ...ROLLUP_LEVELS.map((level) => TEAM_ROLLUP_TABLES[level.table]),
      ...ROLLUP_LEVELS.map((level) => HISTOGRAM_TABLES[level.table]),
      ACTIVITY_TABLE,
      MINUTES_TABLE,
    ],
  ],
  [3, [DEVELOPER_DAY_TABLE]],
  [5, [MINUTE_TOTALS_TABLE, PEAKS_TABLE, DEVELOPER_REQUESTS_TABLE, DEVELOPER_ACTIVE_TABLE]],
  [
    6,
    [
      DEVELOPER_MONTH_TABLE,
      DEVELOPER_REQUESTS_MONTH_TABLE,
      DEVELOPER_LANGUAGE_REQUESTS_TABLE,
      DEVELOPER_LANGUAGE_ACTIVE_TABLE,
    ],
  ],
];

/** Tables readers may read at the current schema version. */
export const TEAM_READABLE_TABLES: readonly string[] = READABLE_SINCE.flatMap(([, tables]) => tables);

/** Grants for the two roles at a schema version, re-applied after every migration (new tables need them
 * too). */
export function teamGrantsSql(version: number = TEAM_SCHEMA_VERSION): string {
  const readable = READABLE_SINCE.filter(([since]) => since <= version).flatMap(([, tables]) => tables);
  return `
GRANT USAGE ON SCHEMA public TO ${TEAM_WRITER_ROLE}, ${TEAM_READER_ROLE};
GRANT INSERT ON team_events TO ${TEAM_WRITER_ROLE};
GRANT EXECUTE ON FUNCTION aegis_team_ensure_partitions(bigint, bigint) TO ${TEAM_WRITER_ROLE};
GRANT SELECT ON team_schema_version TO ${TEAM_WRITER_ROLE};
GRANT SELECT ON ${readable.join(', ')} TO ${TEAM_READER_ROLE};
`;
}
