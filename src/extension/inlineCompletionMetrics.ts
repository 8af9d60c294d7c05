// Turns the completion engine's lifecycle events into the metrics store's events (see
// src/dashboard/metricDefinitions.ts for what each metric means). Request outcomes are not mapped: the
// model client already records one modelRequest per HTTP request it makes. Plain Node: no 'vscode' here.
import type { CompletionEvent } from '../completion/completionEvents';
import { RETENTION_CHECKPOINTS } from '../dashboard/metricEvents';
import type { RetentionCheckpoint } from '../dashboard/metricEvents';
import type { MetricInput } from './metricsService';

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Lines a partial acceptance inserted: a line acceptance completes one line, a word acceptance none. */
export function partialAcceptLines(kind: 'word' | 'line', acceptedText: string): number {
  const breaks = countLines(acceptedText) - 1;
  return kind === 'line' ? Math.max(1, breaks) : breaks;
}

export function completionEventToMetric(
  event: CompletionEvent,
  partialText?: string,
): MetricInput | undefined {
  switch (event.type) {
    case 'shown':
      return {
        kind: 'suggestionShown',
        suggestionId: event.suggestionId,
        model: event.model,
        shownChars: event.chars,
        shownLines: event.lines,
        language: event.languageId,
      };
    case 'accepted':
      return {
        kind: 'suggestionAccepted',
        suggestionId: event.suggestionId,
        model: event.model,
        partial: false,
        acceptedChars: event.chars,
        acceptedLines: event.lines,
        language: event.languageId,
      };
    case 'partiallyAccepted':
      return {
        kind: 'suggestionAccepted',
        suggestionId: event.suggestionId,
        model: event.model,
        partial: true,
        acceptedChars: event.acceptedLength,
        acceptedLines: partialAcceptLines(event.kind, partialText ?? ''),
        language: event.languageId,
      };
    case 'dismissed':
      return {
        kind: 'suggestionDismissed',
        suggestionId: event.suggestionId,
        model: event.model,
        language: event.languageId,
      };
    case 'retention': {
      // A closed document says nothing about whether the code survived, so it is not counted either way.
      if (event.survivingChars === null) return undefined;
      const checkpointSec = Math.round(event.checkpointMs / 1000);
      if (!RETENTION_CHECKPOINTS.includes(checkpointSec as RetentionCheckpoint)) return undefined;
      return {
        kind: 'retentionCheck',
        suggestionId: event.suggestionId,
        model: event.model,
        checkpointSec: checkpointSec as RetentionCheckpoint,
        acceptedChars: event.acceptedChars,
        retainedChars: event.survivingChars,
        language: event.languageId,
      };
    }
    default:
      return undefined;
  }
}
