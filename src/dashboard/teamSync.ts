// Pushes a developer's local events to the team database: in batches, append-only, idempotent. A cursor per
// local table, kept in the local store's meta table, moves only after the team database has committed a
// batch; a batch sent again after a crash or a lost reply is ignored by the primary key, so nothing is lost
// and nothing counts twice. While the database cannot be reached, events simply wait in the local store.
import type { Client } from 'pg';
import type { MetricsStore } from './metricsStore';
import { LOCAL_EVENT_TABLES, readLastLocalEvents, readLocalEvents, teamRowOf } from './teamEvents';
import type { LocalEventTable } from './teamEvents';
import { connectTeamDatabase, describeTeamError, teamDatabaseLabel } from './teamDatabase';
import type { TeamDatabaseSettings } from './teamDatabase';
import { TeamDatabaseError } from './teamDatabase';
import { TEAM_EVENT_FIELDS } from './teamSchema';
import type { TeamEventRow } from './teamSchema';

export const DEFAULT_TEAM_BATCH_SIZE = 2000;

const PG_ARRAY_TYPE: Record<string, string> = {
  text: 'text[]',
  bigint: 'bigint[]',
  integer: 'integer[]',
  boolean: 'boolean[]',
  double: 'double precision[]',
};

function arrayType(pgType: string): string {
  const base = pgType.split(' ')[0];
  const type = PG_ARRAY_TYPE[base];
  if (type === undefined) throw new Error(`No array type for ${pgType}`);
  return type;
}

/** One statement for the whole batch: each column travels as one array parameter (31 parameters whatever the
 * batch size), and ON CONFLICT DO NOTHING without a conflict target needs no SELECT right on the table. */
export const TEAM_INSERT_SQL = `INSERT INTO team_events (${TEAM_EVENT_FIELDS.map((f) => f.name).join(', ')})
SELECT * FROM unnest(${TEAM_EVENT_FIELDS.map((f, i) => `$${i + 1}::${arrayType(f.pgType)}`).join(', ')})
ON CONFLICT DO NOTHING`;

/** The batch as column arrays, in TEAM_EVENT_FIELDS order. */
export function teamInsertParams(rows: readonly TeamEventRow[]): unknown[] {
  return TEAM_EVENT_FIELDS.map((field) => rows.map((row) => row[field.name]));
}

export interface TeamSyncOptions {
  store: MetricsStore;
  settings: TeamDatabaseSettings;
  /** `aegis.team.name`. */
  team: string;
  batchSize?: number;
  now?: () => number;
  /** Called after each committed batch (progress, and tests that stop the server mid-sync). */
  onBatch?: (sent: number) => void | Promise<void>;
}

export interface TeamSyncResult {
  /** Events handed to the team database in committed batches (duplicates included: the server drops those). */
  sent: number;
  /** New rows the team database stored (sent minus events it already had). */
  stored: number;
  batches: number;
  /** Local events still waiting. */
  pending: number;
}

export interface TeamSyncStatus {
  pending: number;
  lastSyncAt: number | null;
  lastError: string | null;
}

const cursorKey = (table: LocalEventTable): string => `team_cursor.${table}`;
const RETRYABLE = new Set(['40P01', '40001']);

export class TeamSync {
  private readonly batchSize: number;
  private running: Promise<TeamSyncResult> | undefined;

  constructor(private readonly options: TeamSyncOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_TEAM_BATCH_SIZE;
    if (options.team.trim() === '') {
      throw new TeamDatabaseError(
        'settings',
        'aegis.team.name is empty: name the team whose metrics these are.',
      );
    }
  }

  /** The local cursor of one table: the highest row id the team database has committed. */
  cursor(table: LocalEventTable): number {
    const value = this.options.store.getMeta(cursorKey(table));
    const cursor = value === undefined ? 0 : Number(value);
    // Ids restart at 1 if pruning ever emptied a table; then start over (resends are ignored by the server).
    const max = this.maxId(table);
    return cursor > max ? 0 : cursor;
  }

  private maxId(table: LocalEventTable): number {
    const row = this.options.store.db.prepare(`SELECT MAX(id) AS m FROM ${table}`).get() as {
      m: number | null;
    };
    return row.m ?? 0;
  }

  /** Local events not yet committed by the team database. */
  pending(): number {
    let pending = 0;
    for (const table of LOCAL_EVENT_TABLES) {
      const row = this.options.store.db
        .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE id > ?`)
        .get(this.cursor(table)) as { n: number };
      pending += row.n;
    }
    return pending;
  }

  status(): TeamSyncStatus {
    const last = this.options.store.getMeta('team_last_sync');
    return {
      pending: this.pending(),
      lastSyncAt: last === undefined ? null : Number(last),
      lastError: this.options.store.getMeta('team_last_error') ?? null,
    };
  }

  /** Sends every waiting event. Concurrent calls share one run. Throws TeamDatabaseError (with a message for
   * the developer) when the database cannot be reached or refuses; whatever was committed before stays
   * committed and the rest waits for the next run. */
  sync(): Promise<TeamSyncResult> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<TeamSyncResult> {
    const { store, settings } = this.options;
    const where = teamDatabaseLabel(settings.connectionString);
    if (store.getMeta('demo') === '1') {
      throw new TeamDatabaseError(
        'settings',
        'This metrics database holds demo data; demo data is never sent to the team database.',
      );
    }
    const result: TeamSyncResult = { sent: 0, stored: 0, batches: 0, pending: 0 };
    let client: Client | undefined;
    try {
      client = await connectTeamDatabase(settings);
      const months = new Set<string>();
      for (;;) {
        const batch = this.nextBatch();
        if (batch.rows.length === 0) break;
        await this.ensurePartitions(client, batch.rows, months);
        const stored = await this.insert(client, batch.rows);
        // Only now is the batch safe in the team database: move the cursors.
        const write = store.db.transaction(() => {
          for (const [table, id] of batch.cursors) store.setMeta(cursorKey(table), String(id));
        });
        write();
        result.sent += batch.rows.length;
        result.stored += stored;
        result.batches += 1;
        await this.options.onBatch?.(result.sent);
      }
      store.setMeta('team_last_sync', String((this.options.now ?? Date.now)()));
      store.setMeta('team_last_error', '');
      result.pending = this.pending();
      return result;
    } catch (error) {
      const described = describeTeamError(error, where);
      store.setMeta('team_last_error', described.message);
      throw described;
    } finally {
      await client?.end().catch(() => undefined);
    }
  }

  /** Up to batchSize events, drained table by table. */
  private nextBatch(): { rows: TeamEventRow[]; cursors: Map<LocalEventTable, number> } {
    const rows: TeamEventRow[] = [];
    const cursors = new Map<LocalEventTable, number>();
    for (const table of LOCAL_EVENT_TABLES) {
      const room = this.batchSize - rows.length;
      if (room <= 0) break;
      const events = readLocalEvents(this.options.store.db, table, this.cursor(table), room);
      for (const local of events) rows.push(teamRowOf(local.event, local.novelty, this.options.team));
      if (events.length > 0) cursors.set(table, events[events.length - 1].id);
    }
    return { rows, cursors };
  }

  /** Makes sure each month the batch touches has its partition (once per month per run). */
  private async ensurePartitions(
    client: Client,
    rows: readonly TeamEventRow[],
    done: Set<string>,
  ): Promise<void> {
    let from = Infinity;
    let to = -Infinity;
    for (const row of rows) {
      const month = new Date(row.ts).toISOString().slice(0, 7);
      if (done.has(month)) continue;
      done.add(month);
      from = Math.min(from, row.ts);
      to = Math.max(to, row.ts + 1);
    }
    if (from < to) await client.query('SELECT aegis_team_ensure_partitions($1, $2)', [from, to]);
  }

  private async insert(client: Client, rows: readonly TeamEventRow[]): Promise<number> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const result = await client.query(TEAM_INSERT_SQL, teamInsertParams(rows));
        return result.rowCount ?? 0;
      } catch (error) {
        // Concurrent writers updating the same rollup rows may deadlock; the statement rolled back as a whole.
        const code = (error as { code?: unknown }).code;
        if (attempt < 5 && typeof code === 'string' && RETRYABLE.has(code)) continue;
        throw error;
      }
    }
  }

  /** "Show what was sent": the most recent events the team database has committed, exactly as they were
   * sent, newest first. */
  sentEvents(limit = 50): TeamEventRow[] {
    const all: TeamEventRow[] = [];
    for (const table of LOCAL_EVENT_TABLES) {
      const cursor = this.cursor(table);
      if (cursor === 0) continue;
      for (const local of readLastLocalEvents(this.options.store.db, table, cursor, limit)) {
        all.push(teamRowOf(local.event, local.novelty, this.options.team));
      }
    }
    return all.sort((a, b) => b.ts - a.ts || a.event_id.localeCompare(b.event_id)).slice(0, limit);
  }
}
