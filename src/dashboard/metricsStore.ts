// The local metrics database: opening (WAL, busy timeout, migrations, corrupt-file recovery), idempotent
// batched writes that keep the rollup tables current, and retention pruning that keeps rollups for good.
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import type { MetricEvent, MetricEventKind } from './metricEvents';
import { latencySample } from './metricDefinitions';
import {
  BUCKET_MS,
  NOVEL_ACCEPTED,
  NOVEL_ACCEPTED_FULL,
  NOVEL_ACCEPTED_PARTIAL,
  NOVEL_DISMISSED,
  NOVEL_SHOWN,
  ROLLUP_COUNTERS,
  addEvent,
  bucketOf,
  rollupFeatureOf,
  rollupModelOf,
  rollupTimeOf,
} from './rollupColumns';
import { MIGRATIONS, ROLLUP_LEVELS, SCHEMA_VERSION, samplesTableOf } from './storeSchema';

export const DEFAULT_RETENTION_DAYS = 180;
const DEFAULT_BUSY_TIMEOUT_MS = 2000;
const OPEN_BUSY_TIMEOUT_MS = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface MetricsStoreOptions {
  /** The database file. */
  path: string;
  /** Path of better_sqlite3.node, for the bundled extension which ships it beside the bundle. */
  nativeBinding?: string;
  /** How long SQLite waits on a lock held by another window before giving up with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Clock for the timestamp in the name of a moved-aside corrupt file. */
  now?: () => number;
}

/** Something the user should be told once, e.g. that a corrupt database was replaced. */
export interface StoreNotice {
  kind: 'corruptDatabaseReplaced';
  movedTo: string;
  message: string;
}

/** The database was written by a newer version of the extension; it is left exactly as it is. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `The metrics database has schema version ${found}, but this version of Aegis understands up to ` +
        `${supported}. It was written by a newer Aegis; update the extension. The file was not modified.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** better-sqlite3 could not be loaded (a native module built for another Node or Electron ABI). */
export class NativeModuleUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super(
      `The SQLite native module could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'NativeModuleUnavailableError';
  }
}

export interface WriteResult {
  /** Events stored for the first time. */
  inserted: number;
  /** Events already stored (same event id), or older than the pruned horizon. */
  skipped: number;
}

function sqliteCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_BUSY' || code?.startsWith('SQLITE_BUSY_') === true || code === 'SQLITE_LOCKED';
}

function isCorruptError(error: unknown): boolean {
  const code = sqliteCode(error);
  return (
    code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code?.startsWith('SQLITE_CORRUPT_') === true
  );
}

function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The raw tables and the columns each stores after the envelope, in the order `stageEvent` pushes them (its table indexes follow RAW_TABLES). */
const RAW_COLUMNS = {
  model_requests: [
    'request_id',
    'feature',
    'profile',
    'model',
    'started_at',
    'ttft_ms',
    'total_ms',
    'prompt_tokens',
    'completion_tokens',
    'outcome',
  ],
  suggestion_events: ['suggestion_id', 'event', 'model', 'partial', 'chars', 'lines'],
  retention_checks: ['suggestion_id', 'model', 'checkpoint_sec', 'accepted_chars', 'retained_chars'],
  chars_added: ['source', 'model', 'chars'],
  interactions: ['feature', 'action', 'user_initiated', 'model'],
  guard_decisions: ['rule_id', 'category', 'direction', 'action', 'feature', 'match_hash', 'file_path'],
} as const;
type RawTable = keyof typeof RAW_COLUMNS;
const RAW_TABLES = Object.keys(RAW_COLUMNS) as RawTable[];

const ENVELOPE_COLUMNS = [
  'event_id',
  'ts',
  'developer_id',
  'machine_id',
  'language',
  'extension_version',
  'vscode_version',
  'demo',
] as const;

/** Index into RAW_TABLES of the table each kind of event is stored in. */
const TABLE_INDEX: Readonly<Record<MetricEventKind, number>> = {
  modelRequest: 0,
  suggestionShown: 1,
  suggestionAccepted: 1,
  suggestionDismissed: 1,
  retentionCheck: 2,
  charsAdded: 3,
  interaction: 4,
  guardDecision: 5,
};

/** Rows per multi-row statement, largest first. A batch's rows for one table go in with few statement calls
 * (each call costs a crossing into native code and a VM start), and only these sizes are ever prepared. The
 * largest keeps the widest statement (rollup rows, 38 values) far below SQLite's 32,766 variables. */
const CHUNK_ROWS = [256, 64, 16, 4, 1] as const;

const ROLLUP_KEY_COLUMNS = ['bucket', 'developer_id', 'language', 'feature', 'model'] as const;
const ROLLUP_WIDTH = ROLLUP_KEY_COLUMNS.length + ROLLUP_COUNTERS.length;
const SAMPLES_WIDTH = ROLLUP_KEY_COLUMNS.length + 2;

interface Statements {
  /** Which of a batch's event ids each raw table already holds: one JSON array parameter per table. */
  storedIds: Statement;
  seenSuggestions: Statement;
  guardRollup: Statement;
  dimValue: Statement;
  rawFrom: Statement;
}

/** Bits of what the store already holds for one suggestion id (see SuggestionHistory). */
const SEEN_SHOWN = 1;
const SEEN_DISMISSED = 2;
const SEEN_ACCEPTED_FULL = 4;
const SEEN_ACCEPTED_PARTIAL = 8;
const SEEN_BY_EVENT: Readonly<Record<string, number>> = {
  shown: SEEN_SHOWN,
  dismissed: SEEN_DISMISSED,
  accepted: SEEN_ACCEPTED_FULL,
};

/** For each suggestion id of a batch, which events the store already holds (SEEN_* bits). Read with one query
 * per batch and kept current as the batch's rows are prepared, so that a suggestion shown twice in the same
 * batch still counts once. */
type SuggestionHistory = Map<string, number>;

/** What this event adds that the store has not counted yet (NOVEL_* bits); updates `history`. */
function noveltyOf(e: MetricEvent, history: SuggestionHistory): number {
  switch (e.kind) {
    case 'suggestionShown': {
      const seen = history.get(e.suggestionId) ?? 0;
      if ((seen & SEEN_SHOWN) !== 0) return 0;
      history.set(e.suggestionId, seen | SEEN_SHOWN);
      return NOVEL_SHOWN;
    }
    case 'suggestionDismissed': {
      const seen = history.get(e.suggestionId) ?? 0;
      if ((seen & SEEN_DISMISSED) !== 0) return 0;
      history.set(e.suggestionId, seen | SEEN_DISMISSED);
      return NOVEL_DISMISSED;
    }
    case 'suggestionAccepted': {
      const seen = history.get(e.suggestionId) ?? 0;
      const sameKind = e.partial ? SEEN_ACCEPTED_PARTIAL : SEEN_ACCEPTED_FULL;
      history.set(e.suggestionId, seen | sameKind);
      let novelty = (seen & (SEEN_ACCEPTED_FULL | SEEN_ACCEPTED_PARTIAL)) === 0 ? NOVEL_ACCEPTED : 0;
      if ((seen & sameKind) === 0) novelty |= e.partial ? NOVEL_ACCEPTED_PARTIAL : NOVEL_ACCEPTED_FULL;
      return novelty;
    }
    default:
      return 0;
  }
}

const COUNTERS = ROLLUP_COUNTERS.length;
type Level = Map<string, Map<string, Map<string, Map<string, number>>>>;

/** The rollup rows of one bucket width that a batch adds to: keys in parallel arrays, counters in one
 * Float64Array (row i at i * COUNTERS), request samples as flat (minute, ttft, total) lists. Rows are found
 * through nested maps keyed by the dimension strings themselves, and the last row found is tried first
 * (consecutive events mostly share a row): the ingest path builds no key string and no object per event. */
class RollupRows {
  readonly buckets: number[] = [];
  readonly developers: string[] = [];
  readonly languages: string[] = [];
  readonly features: string[] = [];
  readonly models: string[] = [];
  readonly samples: (number[] | undefined)[] = [];
  counts = new Float64Array(64 * COUNTERS);
  private readonly index = new Map<number, Level>();
  private last = -1;

  get size(): number {
    return this.buckets.length;
  }

  /** The row of these dimensions, created (zeroed) if the batch has none yet. */
  row(bucket: number, developer: string, language: string, feature: string, model: string): number {
    const last = this.last;
    if (
      last >= 0 &&
      this.buckets[last] === bucket &&
      this.developers[last] === developer &&
      this.languages[last] === language &&
      this.features[last] === feature &&
      this.models[last] === model
    ) {
      return last;
    }
    let byDeveloper = this.index.get(bucket);
    if (byDeveloper === undefined) {
      byDeveloper = new Map();
      this.index.set(bucket, byDeveloper);
    }
    let byLanguage = byDeveloper.get(developer);
    if (byLanguage === undefined) {
      byLanguage = new Map();
      byDeveloper.set(developer, byLanguage);
    }
    let byFeature = byLanguage.get(language);
    if (byFeature === undefined) {
      byFeature = new Map();
      byLanguage.set(language, byFeature);
    }
    let byModel = byFeature.get(feature);
    if (byModel === undefined) {
      byModel = new Map();
      byFeature.set(feature, byModel);
    }
    let row = byModel.get(model);
    if (row === undefined) {
      row = this.buckets.length;
      byModel.set(model, row);
      this.buckets.push(bucket);
      this.developers.push(developer);
      this.languages.push(language);
      this.features.push(feature);
      this.models.push(model);
      this.samples.push(undefined);
      if ((row + 1) * COUNTERS > this.counts.length) {
        const grown = new Float64Array(this.counts.length * 2);
        grown.set(this.counts);
        this.counts = grown;
      }
    }
    this.last = row;
    return row;
  }

  addSample(row: number, minute: number, ttft: number, total: number): void {
    const list = this.samples[row];
    if (list === undefined) this.samples[row] = [minute, ttft, total];
    else list.push(minute, ttft, total);
  }

  /** These rows folded into rows of a wider bucket (`ms`), keeping sample order. */
  fold(ms: number): RollupRows {
    const wide = new RollupRows();
    for (let i = 0; i < this.buckets.length; i += 1) {
      const target = wide.row(
        Math.floor(this.buckets[i] / ms) * ms,
        this.developers[i],
        this.languages[i],
        this.features[i],
        this.models[i],
      );
      const counts = wide.counts;
      const from = i * COUNTERS;
      const to = target * COUNTERS;
      for (let c = 0; c < COUNTERS; c += 1) counts[to + c] += this.counts[from + c];
      const list = this.samples[i];
      if (list === undefined) continue;
      const into = wide.samples[target];
      if (into === undefined) wide.samples[target] = list.slice();
      else for (const value of list) into.push(value);
    }
    return wide;
  }
}

/** Appends the raw row of an event to its table's flat value list (RAW_COLUMNS order) and returns the
 * 15-minute rollup row it counts in. Each kind reads its own fields, envelope included, in its own case: events
 * arrive in many object shapes (built by spread), and one shared read site for all of them would be
 * megamorphic, the slowest kind of property read; this runs for every event on the ingest path. */
function stageEvent(raw: readonly unknown[][], quarters: RollupRows, e: MetricEvent): number {
  const bucket = bucketOf(rollupTimeOf(e));
  const feature = rollupFeatureOf(e);
  const model = rollupModelOf(e);
  switch (e.kind) {
    case 'modelRequest': {
      const { developerId, language } = e;
      raw[0].push(
        e.eventId,
        e.ts,
        developerId,
        e.machineId,
        language,
        e.extensionVersion,
        e.vscodeVersion,
        e.demo === true ? 1 : 0,
        e.requestId,
        e.feature,
        e.profile,
        e.model,
        e.startedAt,
        e.ttftMs,
        e.totalMs,
        e.promptTokens,
        e.completionTokens,
        e.outcome,
      );
      return quarters.row(bucket, developerId, language, feature, model);
    }
    case 'suggestionShown': {
      const { developerId, language } = e;
      raw[1].push(
        e.eventId,
        e.ts,
        developerId,
        e.machineId,
        language,
        e.extensionVersion,
        e.vscodeVersion,
        e.demo === true ? 1 : 0,
        e.suggestionId,
        'shown',
        e.model,
        0,
        e.shownChars,
        e.shownLines,
      );
      return quarters.row(bucket, developerId, language, feature, model);
    }
    case 'suggestionAccepted': {
      const { developerId, language } = e;
      raw[1].push(
        e.eventId,
        e.ts,
        developerId,
        e.machineId,
        language,
        e.extensionVersion,
        e.vscodeVersion,
        e.demo === true ? 1 : 0,
        e.suggestionId,
        'accepted',
        e.model,
        e.partial ? 1 : 0,
        e.acceptedChars,
        e.acceptedLines,
      );
      return quarters.row(bucket, developerId, language, feature, model);
    }
    case 'suggestionDismissed': {
      const { developerId, language } = e;
      raw[1].push(
        e.eventId,
        e.ts,
        developerId,
        e.machineId,
        language,
        e.extensionVersion,
        e.vscodeVersion,
        e.demo === true ? 1 : 0,
        e.suggestionId,
        'dismissed',
        e.model,
        0,
        0,
        0,
      );
      return quarters.row(bucket, developerId, language, feature, model);
    }
    case 'retentionCheck': {
      const { developerId, language } = e;
      raw[2].push(
        e.eventId,
        e.ts,
        developerId,
        e.machineId,
        language,
        e.extensionVersion,
        e.vscodeVersion,
        e.demo === true ? 1 : 0,
        e.suggestionId,
        e.model,
        e.checkpointSec,
        e.acceptedChars,
        e.retainedChars,
      );
      return quarters.row(bucket, developerId, language, feature, model);
    }
    case 'charsAdded': {
      const { developerId, language } = e;
      raw[3].push(
        e.eventId,
        e.ts,
        developerId,
        e.machineId,
        language,
        e.extensionVersion,
        e.vscodeVersion,
        e.demo === true ? 1 : 0,
        e.source,
        e.model,
        e.chars,
      );
      return quarters.row(bucket, developerId, language, feature, model);
    }
    case 'interaction': {
      const { developerId, language } = e;
      raw[4].push(
        e.eventId,
        e.ts,
        developerId,
        e.machineId,
        language,
        e.extensionVersion,
        e.vscodeVersion,
        e.demo === true ? 1 : 0,
        e.feature,
        e.action,
        e.userInitiated ? 1 : 0,
        e.model,
      );
      return quarters.row(bucket, developerId, language, feature, model);
    }
    case 'guardDecision': {
      const { developerId, language } = e;
      raw[5].push(
        e.eventId,
        e.ts,
        developerId,
        e.machineId,
        language,
        e.extensionVersion,
        e.vscodeVersion,
        e.demo === true ? 1 : 0,
        e.ruleId,
        e.category,
        e.direction,
        e.action,
        e.feature,
        e.matchHash,
        e.filePath ?? null,
      );
      return quarters.row(bucket, developerId, language, feature, model);
    }
  }
}

function placeholders(width: number, rows: number): string {
  const row = `(${Array<string>(width).fill('?').join(', ')})`;
  return Array<string>(rows).fill(row).join(', ');
}

export class MetricsStore {
  private readonly statements: Statements;
  /** Multi-row statements by name and row count, prepared on first use. */
  private readonly chunkStatements = new Map<string, Statement>();

  private constructor(readonly db: SqliteDatabase) {
    this.statements = this.prepare();
  }

  /** Opens (creating or migrating) the database. A file that is not a database, or is corrupt, is renamed to
   * `<path>.corrupt-<UTC stamp>` and replaced by a new one; the returned notice says so. */
  static open(options: MetricsStoreOptions): { store: MetricsStore; notices: StoreNotice[] } {
    const notices: StoreNotice[] = [];
    try {
      return { store: new MetricsStore(openDatabase(options)), notices };
    } catch (error) {
      if (!isCorruptError(error)) throw error;
      const movedTo = `${options.path}.corrupt-${stamp((options.now ?? Date.now)())}`;
      renameSync(options.path, movedTo);
      for (const suffix of ['-wal', '-shm']) {
        if (existsSync(options.path + suffix)) renameSync(options.path + suffix, movedTo + suffix);
      }
      notices.push({
        kind: 'corruptDatabaseReplaced',
        movedTo,
        message: `The metrics database was damaged and could not be read. It was moved to ${movedTo} and a new, empty one was created.`,
      });
      return { store: new MetricsStore(openDatabase(options)), notices };
    }
  }

  /** The start of the period still held as raw events; older periods live only in rollups. */
  rawFrom(): number {
    const row = this.statements.rawFrom.get() as { value: string } | undefined;
    return row === undefined ? 0 : Number(row.value);
  }

  /** Writes events in one IMMEDIATE transaction (so that the checks for stored ids and first displays cannot
   * race with another window). Throws SQLITE_BUSY if the lock stays taken beyond the busy timeout; nothing is
   * then written and the caller may retry the same batch. */
  writeBatch(events: readonly MetricEvent[]): WriteResult {
    const run = this.db.transaction((batch: readonly MetricEvent[], checkStored: boolean) =>
      this.writeInTransaction(batch, checkStored),
    );
    try {
      // Nearly every batch is all new: looking up each id first would cost as much as inserting the rows.
      return run.immediate(events, false);
    } catch (error) {
      // A repeated id (a replayed spool, an event recorded twice) fails the insert and rolls back everything;
      // the batch is then written again, this time looking up which ids are already stored.
      if (sqliteCode(error) !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      return run.immediate(events, true);
    }
  }

  private writeInTransaction(events: readonly MetricEvent[], checkStored: boolean): WriteResult {
    const fresh = this.freshEvents(events, this.rawFrom(), checkStored);
    const history = this.suggestionHistory(fresh);
    const raw: unknown[][] = RAW_TABLES.map(() => []);
    // Events fold into 15-minute rows first; hour and day rows are folded from those after the loop.
    const quarters = new RollupRows();
    const guards = new Map<string, number>();
    for (let i = 0; i < fresh.length; i += 1) {
      const event = fresh[i];
      const row = stageEvent(raw, quarters, event);
      addEvent(quarters.counts, row * COUNTERS, event, noveltyOf(event, history));
      if (event.kind === 'modelRequest') {
        const sample = latencySample(event);
        quarters.addSample(
          row,
          Math.floor(event.startedAt / 60_000),
          sample.ttft ?? NaN,
          sample.total ?? NaN,
        );
      } else if (event.kind === 'guardDecision') {
        const guardKey = `${quarters.buckets[row]}\u0000${event.developerId}\u0000${event.language}\u0000${event.feature}\u0000${event.ruleId}\u0000${event.category}\u0000${event.direction}\u0000${event.action}`;
        guards.set(guardKey, (guards.get(guardKey) ?? 0) + 1);
      }
    }
    // Dimension values, once per row rather than per event.
    const languages = new Set<string>(quarters.languages);
    const developers = new Set<string>(quarters.developers);
    const features = new Set<string>(quarters.features);
    const models = new Set<string>(quarters.models);
    features.delete('');
    models.delete('');
    // Rows of each table go in batch order, so row ids keep the order events arrived in (the team sync and
    // its first-of-kind rule read them in id order).
    RAW_TABLES.forEach((table, index) => {
      const columns = [...ENVELOPE_COLUMNS, ...RAW_COLUMNS[table]];
      this.runChunked(
        table,
        columns.length,
        raw[index],
        (rows) => `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${placeholders(columns.length, rows)}`,
      );
    });
    // Day rows fold from hour rows: fewer rows to fold, the same sums and sample order.
    let rows = quarters;
    ROLLUP_LEVELS.forEach((level, index) => {
      if (index > 0) rows = rows.fold(level.ms);
      this.writeRollups(level.table, rows);
    });
    for (const [guardKey, n] of guards) {
      const [bucket, ...rest] = guardKey.split('\u0000');
      this.statements.guardRollup.run(Number(bucket), ...rest, n);
    }
    for (const [name, values] of [
      ['language', languages],
      ['developer', developers],
      ['feature', features],
      ['model', models],
    ] as const) {
      for (const value of values) this.statements.dimValue.run(name, value);
    }
    return { inserted: fresh.length, skipped: events.length - fresh.length };
  }

  /** The events of a batch that are to be stored: none older than the raw horizon (periods before it are
   * final: their raw ids are gone, so a late duplicate could not be detected) and, with `checkStored`, none
   * repeated within the batch or already stored, which one query answers for the whole batch. */
  private freshEvents(events: readonly MetricEvent[], rawFrom: number, checkStored: boolean): MetricEvent[] {
    const candidates = events.filter((e) => (e.kind === 'modelRequest' ? e.startedAt : e.ts) >= rawFrom);
    if (!checkStored || candidates.length === 0) return candidates;
    const ids: Set<string>[] = RAW_TABLES.map(() => new Set());
    const unique = candidates.filter((event) => {
      const tableIds = ids[TABLE_INDEX[event.kind]];
      if (tableIds.has(event.eventId)) return false;
      tableIds.add(event.eventId);
      return true;
    });
    const stored = this.statements.storedIds.raw(true).all(...ids.map((set) => JSON.stringify([...set]))) as [
      number,
      string,
    ][];
    const storedIds: Set<string>[] = RAW_TABLES.map(() => new Set());
    for (const [table, id] of stored) storedIds[table].add(id);
    return unique.filter((event) => !storedIds[TABLE_INDEX[event.kind]].has(event.eventId));
  }

  /** Adds a batch's rollup entries to one level's counters and request samples: rows that exist are added
   * to in SQLite (counters summed, sample blobs concatenated natively), so nothing is read back into JS. */
  private writeRollups(table: string, rows: RollupRows): void {
    const size = rows.size;
    const counters = new Array<unknown>(size * ROLLUP_WIDTH);
    const samples: unknown[] = [];
    const counts = rows.counts;
    for (let i = 0, at = 0; i < size; i += 1) {
      const bucket = rows.buckets[i];
      const developer = rows.developers[i];
      const language = rows.languages[i];
      const feature = rows.features[i];
      const model = rows.models[i];
      counters[at++] = bucket;
      counters[at++] = developer;
      counters[at++] = language;
      counters[at++] = feature;
      counters[at++] = model;
      for (let c = i * COUNTERS, end = c + COUNTERS; c < end; c += 1) counters[at++] = counts[c];
      const values = rows.samples[i];
      if (values !== undefined) {
        samples.push(
          bucket,
          developer,
          language,
          feature,
          model,
          values.length / 3,
          Buffer.from(new Float64Array(values).buffer),
        );
      }
    }
    const keyColumns = ROLLUP_KEY_COLUMNS.join(', ');
    this.runChunked(
      table,
      ROLLUP_WIDTH,
      counters,
      (rows) =>
        `INSERT INTO ${table} (${keyColumns}, ${ROLLUP_COUNTERS.join(', ')})
         VALUES ${placeholders(ROLLUP_WIDTH, rows)}
         ON CONFLICT DO UPDATE SET ${ROLLUP_COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
    );
    const samplesTable = samplesTableOf(table);
    // Concatenating two blobs with || keeps their bytes as they are; the CAST keeps the result a blob.
    this.runChunked(
      samplesTable,
      SAMPLES_WIDTH,
      samples,
      (rows) =>
        `INSERT INTO ${samplesTable} (${keyColumns}, n, samples) VALUES ${placeholders(SAMPLES_WIDTH, rows)}
         ON CONFLICT DO UPDATE SET n = n + excluded.n, samples = CAST(samples || excluded.samples AS BLOB)`,
    );
  }

  /** Runs a multi-row statement over flat `values` (`width` per row) in chunks of CHUNK_ROWS sizes. */
  private runChunked(name: string, width: number, values: unknown[], sqlFor: (rows: number) => string): void {
    const rows = values.length / width;
    let done = 0;
    while (done < rows) {
      const left = rows - done;
      const size = CHUNK_ROWS.find((n) => n <= left) ?? 1;
      const cacheKey = `${name}/${size}`;
      let statement = this.chunkStatements.get(cacheKey);
      if (statement === undefined) {
        statement = this.db.prepare(sqlFor(size));
        this.chunkStatements.set(cacheKey, statement);
      }
      statement.run(size === rows ? values : values.slice(done * width, (done + size) * width));
      done += size;
    }
  }

  /** What the store already holds for the suggestions of a batch, in one query: a lookup per display or
   * acceptance would cost a statement call per event. */
  private suggestionHistory(events: readonly MetricEvent[]): SuggestionHistory {
    const ids = new Set<string>();
    for (const event of events) {
      if (
        event.kind === 'suggestionShown' ||
        event.kind === 'suggestionAccepted' ||
        event.kind === 'suggestionDismissed'
      ) {
        ids.add(event.suggestionId);
      }
    }
    const history: SuggestionHistory = new Map();
    if (ids.size === 0) return history;
    const rows = this.statements.seenSuggestions.raw(true).all(JSON.stringify([...ids])) as [
      string,
      string,
      number,
    ][];
    for (const [id, event, partial] of rows) {
      const bit = event === 'accepted' && partial === 1 ? SEEN_ACCEPTED_PARTIAL : SEEN_BY_EVENT[event];
      history.set(id, (history.get(id) ?? 0) | bit);
    }
    return history;
  }

  /** Deletes raw events older than `retentionDays` (whole 15-minute buckets). Counters, latency samples and
   * per-minute request starts are already in the rollup tables, which are kept for good, so every dashboard
   * query still answers for those periods. Returns the number of raw rows deleted. */
  prune(now: number, retentionDays: number = DEFAULT_RETENTION_DAYS): number {
    const cutoff = Math.floor((now - retentionDays * DAY_MS) / BUCKET_MS) * BUCKET_MS;
    const run = this.db.transaction(() => {
      if (cutoff <= this.rawFrom()) return 0;
      let deleted = this.db.prepare('DELETE FROM model_requests WHERE started_at < ?').run(cutoff).changes;
      for (const table of [
        'suggestion_events',
        'retention_checks',
        'chars_added',
        'interactions',
        'guard_decisions',
      ]) {
        deleted += this.db.prepare(`DELETE FROM ${table} WHERE ts < ?`).run(cutoff).changes;
      }
      this.db
        .prepare(
          "INSERT INTO meta (key, value) VALUES ('raw_from', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .run(String(cutoff));
      return deleted;
    });
    return run.immediate();
  }

  /** Sets a meta flag (e.g. 'demo' for seeded databases). */
  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private prepare(): Statements {
    const db = this.db;
    return {
      // JSON array parameters keep one prepared statement for any batch size (no variable limit).
      storedIds: db.prepare(
        RAW_TABLES.map(
          (table, index) =>
            `SELECT ${index}, event_id FROM ${table} WHERE event_id IN (SELECT value FROM json_each(?))`,
        ).join(' UNION ALL '),
      ),
      seenSuggestions: db.prepare(
        `SELECT DISTINCT suggestion_id, event, partial FROM suggestion_events
         WHERE suggestion_id IN (SELECT value FROM json_each(?))`,
      ),
      guardRollup: db.prepare(
        `INSERT INTO guard_rollup_15m (bucket, developer_id, language, feature, rule_id, category, direction, action, n)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n`,
      ),
      dimValue: db.prepare('INSERT OR IGNORE INTO dim_values (dim, value) VALUES (?, ?)'),
      rawFrom: db.prepare("SELECT value FROM meta WHERE key = 'raw_from'"),
    };
  }
}

function loadDriver(options: MetricsStoreOptions): SqliteDatabase {
  try {
    return new Database(options.path, {
      // Opening may wait on another window's migration or WAL switch; that wait is worth longer than a write's.
      timeout: Math.max(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, OPEN_BUSY_TIMEOUT_MS),
      ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
    });
  } catch (error) {
    if (sqliteCode(error)?.startsWith('SQLITE_') === true) throw error;
    throw new NativeModuleUnavailableError(error);
  }
}

function openDatabase(options: MetricsStoreOptions): SqliteDatabase {
  const db = loadDriver(options);
  try {
    // Read the version before anything that writes (journal_mode writes the header).
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new SchemaTooNewError(version, SCHEMA_VERSION);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
    // Touch every table once: a file with a valid header but damaged pages fails here, not mid-session.
    db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").get();
    db.prepare('SELECT COUNT(*) FROM meta').get();
    db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: SqliteDatabase): void {
  const step = db.transaction(() => {
    // Re-read inside the write lock: another window may have migrated since we looked.
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) throw new SchemaTooNewError(current, SCHEMA_VERSION);
    for (let version = current; version < SCHEMA_VERSION; version += 1) {
      db.exec(MIGRATIONS[version]);
    }
    if (current < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  if ((db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) step.immediate();
}

/** Deletes a database file and its WAL companions (tests and the seeder's --force use it). */
export function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}
