// What a developer's machine sends to the team database: local events read back from the SQLite store past
// the sync cursor, and the mapping of each to the one row that leaves the machine. "Show what was sent"
// uses the same mapping, so what it shows is byte for byte what went.
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { latencySample } from './metricDefinitions';
import type {
  CharSource,
  Feature,
  GuardAction,
  GuardDirection,
  InteractionAction,
  MetricEvent,
  RequestOutcome,
  RetentionCheckpoint,
} from './metricEvents';
import { rollupKeyOf } from './rollupColumns';
import type { TeamEventRow } from './teamSchema';

/** The local raw tables, in the order the sync drains them. */
export const LOCAL_EVENT_TABLES = [
  'model_requests',
  'suggestion_events',
  'retention_checks',
  'chars_added',
  'interactions',
  'guard_decisions',
] as const;
export type LocalEventTable = (typeof LOCAL_EVENT_TABLES)[number];

/** Facts about a suggestion event that depend on earlier events of the same suggestion. They are worked out
 * on the machine that saw the suggestion, so that suggestion ids never leave it. */
export interface SuggestionNovelty {
  firstOfKind: boolean;
  firstOfPartiality: boolean;
}

export interface LocalEvent {
  table: LocalEventTable;
  /** The row id in its local table: the sync cursor moves over these. */
  id: number;
  event: MetricEvent;
  novelty: SuggestionNovelty;
}

type Row = Record<string, string | number | null>;

const NOT_NEW: SuggestionNovelty = { firstOfKind: false, firstOfPartiality: false };

function envelope(
  row: Row,
): Omit<MetricEvent & { kind: 'charsAdded' }, 'kind' | 'source' | 'model' | 'chars'> {
  return {
    eventId: String(row.event_id),
    ts: Number(row.ts),
    developerId: String(row.developer_id),
    machineId: String(row.machine_id),
    language: String(row.language),
    extensionVersion: String(row.extension_version),
    vscodeVersion: String(row.vscode_version),
    ...(Number(row.demo) === 1 ? { demo: true } : {}),
  };
}

/** Rebuilds the event a local row was stored from. */
function eventOf(table: LocalEventTable, row: Row): MetricEvent {
  const base = envelope(row);
  switch (table) {
    case 'model_requests':
      return {
        ...base,
        kind: 'modelRequest',
        requestId: String(row.request_id),
        feature: String(row.feature) as Feature,
        profile: String(row.profile),
        model: String(row.model),
        startedAt: Number(row.started_at),
        ttftMs: row.ttft_ms === null ? null : Number(row.ttft_ms),
        totalMs: Number(row.total_ms),
        promptTokens: Number(row.prompt_tokens),
        completionTokens: Number(row.completion_tokens),
        outcome: String(row.outcome) as RequestOutcome,
      };
    case 'suggestion_events': {
      const common = { ...base, suggestionId: String(row.suggestion_id), model: String(row.model) };
      if (row.event === 'shown') {
        return {
          ...common,
          kind: 'suggestionShown',
          shownChars: Number(row.chars),
          shownLines: Number(row.lines),
        };
      }
      if (row.event === 'accepted') {
        return {
          ...common,
          kind: 'suggestionAccepted',
          partial: Number(row.partial) === 1,
          acceptedChars: Number(row.chars),
          acceptedLines: Number(row.lines),
        };
      }
      return { ...common, kind: 'suggestionDismissed' };
    }
    case 'retention_checks':
      return {
        ...base,
        kind: 'retentionCheck',
        suggestionId: String(row.suggestion_id),
        model: String(row.model),
        checkpointSec: Number(row.checkpoint_sec) as RetentionCheckpoint,
        acceptedChars: Number(row.accepted_chars),
        retainedChars: Number(row.retained_chars),
      };
    case 'chars_added':
      return {
        ...base,
        kind: 'charsAdded',
        source: String(row.source) as CharSource,
        model: String(row.model),
        chars: Number(row.chars),
      };
    case 'interactions':
      return {
        ...base,
        kind: 'interaction',
        feature: String(row.feature) as Exclude<Feature, 'completion'>,
        action: String(row.action) as InteractionAction,
        userInitiated: Number(row.user_initiated) === 1,
        model: String(row.model),
      };
    case 'guard_decisions':
      return {
        ...base,
        kind: 'guardDecision',
        ruleId: String(row.rule_id),
        category: String(row.category),
        direction: String(row.direction) as GuardDirection,
        action: String(row.action) as GuardAction,
        feature: String(row.feature) as Feature,
        matchHash: String(row.match_hash),
      };
  }
}

/** A suggestion event is "first" when no earlier row (lower id) of the same suggestion has the same event
 * (and, for acceptances, the same partiality): the store's own rule for counting distinct suggestions. */
const SUGGESTION_NOVELTY_SQL = `,
  NOT EXISTS (SELECT 1 FROM suggestion_events p
              WHERE p.suggestion_id = t.suggestion_id AND p.event = t.event AND p.id < t.id) AS first_of_kind,
  NOT EXISTS (SELECT 1 FROM suggestion_events p
              WHERE p.suggestion_id = t.suggestion_id AND p.event = t.event AND p.partial = t.partial
                AND p.id < t.id) AS first_of_partiality`;

/** Reads up to `limit` rows of one local table with ids in (after, upTo], oldest first. */
export function readLocalEvents(
  db: SqliteDatabase,
  table: LocalEventTable,
  after: number,
  limit: number,
  upTo = Number.MAX_SAFE_INTEGER,
): LocalEvent[] {
  const extra = table === 'suggestion_events' ? SUGGESTION_NOVELTY_SQL : '';
  const rows = db
    .prepare(`SELECT t.*${extra} FROM ${table} t WHERE t.id > ? AND t.id <= ? ORDER BY t.id LIMIT ?`)
    .all(after, upTo, limit) as Row[];
  return rows.map((row) => ({
    table,
    id: Number(row.id),
    event: eventOf(table, row),
    novelty:
      table === 'suggestion_events'
        ? {
            firstOfKind: Number(row.first_of_kind) === 1,
            firstOfPartiality: Number(row.first_of_partiality) === 1,
          }
        : NOT_NEW,
  }));
}

/** Reads the last `limit` rows of one local table at or below `upTo` (what a cursor says was sent), newest
 * first. */
export function readLastLocalEvents(
  db: SqliteDatabase,
  table: LocalEventTable,
  upTo: number,
  limit: number,
): LocalEvent[] {
  const extra = table === 'suggestion_events' ? SUGGESTION_NOVELTY_SQL : '';
  const rows = db
    .prepare(`SELECT t.*${extra} FROM ${table} t WHERE t.id <= ? ORDER BY t.id DESC LIMIT ?`)
    .all(upTo, limit) as Row[];
  return rows.map((row) => ({
    table,
    id: Number(row.id),
    event: eventOf(table, row),
    novelty:
      table === 'suggestion_events'
        ? {
            firstOfKind: Number(row.first_of_kind) === 1,
            firstOfPartiality: Number(row.first_of_partiality) === 1,
          }
        : NOT_NEW,
  }));
}

function emptyRow(event: MetricEvent, team: string): TeamEventRow {
  const key = rollupKeyOf(event);
  return {
    event_id: event.eventId,
    ts: event.ts,
    team,
    developer_id: event.developerId,
    kind: event.kind,
    counted_at: event.kind === 'modelRequest' ? event.startedAt : event.ts,
    language: key.language,
    feature: key.feature,
    model: key.model,
    extension_version: event.extensionVersion,
    vscode_version: event.vscodeVersion,
    demo: event.demo === true,
    outcome: null,
    ttft_ms: null,
    total_ms: null,
    prompt_tokens: null,
    completion_tokens: null,
    first_of_kind: null,
    first_of_partiality: null,
    partial: null,
    chars: null,
    lines: null,
    source: null,
    checkpoint_sec: null,
    accepted_chars: null,
    retained_chars: null,
    action: null,
    user_initiated: null,
    rule_id: null,
    category: null,
    direction: null,
  };
}

/** The row that leaves the machine for one event. Latency fields carry the dashboard's latency sample (total
 * time only for requests that ran to completion), so the team figures use the same definition. */
export function teamRowOf(event: MetricEvent, novelty: SuggestionNovelty, team: string): TeamEventRow {
  const row = emptyRow(event, team);
  switch (event.kind) {
    case 'modelRequest': {
      const sample = latencySample(event);
      row.outcome = event.outcome;
      row.ttft_ms = sample.ttft;
      row.total_ms = sample.total;
      row.prompt_tokens = event.promptTokens;
      row.completion_tokens = event.completionTokens;
      break;
    }
    case 'suggestionShown':
      row.first_of_kind = novelty.firstOfKind;
      row.chars = event.shownChars;
      row.lines = event.shownLines;
      break;
    case 'suggestionAccepted':
      row.first_of_kind = novelty.firstOfKind;
      row.first_of_partiality = novelty.firstOfPartiality;
      row.partial = event.partial;
      row.chars = event.acceptedChars;
      row.lines = event.acceptedLines;
      break;
    case 'suggestionDismissed':
      row.first_of_kind = novelty.firstOfKind;
      break;
    case 'retentionCheck':
      row.checkpoint_sec = event.checkpointSec;
      row.accepted_chars = event.acceptedChars;
      row.retained_chars = event.retainedChars;
      break;
    case 'charsAdded':
      row.source = event.source;
      row.chars = event.chars;
      break;
    case 'interaction':
      row.action = event.action;
      row.user_initiated = event.userInitiated;
      break;
    case 'guardDecision':
      row.action = event.action;
      row.rule_id = event.ruleId;
      row.category = event.category;
      row.direction = event.direction;
      break;
  }
  return row;
}
