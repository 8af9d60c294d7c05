// The lifecycle events inline completion emits, as one discriminated union the extension forwards to the
// metrics store. Every issued model request ends in exactly one request outcome (produced, cancelled,
// empty, failed, blocked); every suggestion shown is reported once and then accepted, partially accepted
// or dismissed; accepted text is followed by retention checkpoints.

import type { CompletionHint } from './fimDialects';

interface EventBase {
  /** Clock time in milliseconds (the engine's clock; the extension stamps wall-clock time when storing). */
  readonly at: number;
  readonly profileId: string;
  readonly model: string;
  readonly languageId: string;
}

interface RequestEnd extends EventBase {
  readonly requestId: string;
  /** From issuing the request (after the debounce) to the first streamed chunk; null when none came. */
  readonly firstTokenMs: number | null;
  /** From issuing the request to its end. */
  readonly totalMs: number;
}

export type RequestOutcome = 'produced' | 'cancelled' | 'empty' | 'failed' | 'blocked';

export type CompletionEvent =
  | (RequestEnd & {
      readonly type: 'produced';
      readonly suggestionId: string;
      readonly chars: number;
      readonly lines: number;
    })
  /** Aborted: superseded by typing that did not match the stream, or cancelled by the caller. */
  | (RequestEnd & { readonly type: 'cancelled' })
  /** The model answered, but nothing was left after the filters. */
  | (RequestEnd & { readonly type: 'empty' })
  | (RequestEnd & { readonly type: 'failed'; readonly error: string })
  | (RequestEnd & {
      readonly type: 'blocked';
      readonly direction: 'input' | 'output';
      readonly message: string;
    })
  /** A distinct suggestion displayed (re-displays of the same suggestion are not reported again). */
  | (EventBase & {
      readonly type: 'shown';
      readonly suggestionId: string;
      readonly chars: number;
      readonly lines: number;
    })
  /** The whole (remaining) suggestion inserted. */
  | (EventBase & {
      readonly type: 'accepted';
      readonly suggestionId: string;
      readonly chars: number;
      readonly lines: number;
    })
  | (EventBase & {
      readonly type: 'partiallyAccepted';
      readonly suggestionId: string;
      readonly kind: 'word' | 'line';
      readonly acceptedLength: number;
    })
  | (EventBase & {
      readonly type: 'dismissed';
      readonly suggestionId: string;
      readonly reason: 'escape' | 'superseded';
    })
  /** Share of accepted characters still present at a checkpoint; null when the document was closed. */
  | (EventBase & {
      readonly type: 'retention';
      readonly suggestionId: string;
      readonly checkpointMs: number;
      readonly acceptedChars: number;
      readonly survivingChars: number | null;
      readonly share: number | null;
    })
  /** A configuration problem worth one status bar message. */
  | { readonly type: 'hint'; readonly at: number; readonly profileId: string; readonly hint: CompletionHint };

export type CompletionEventSink = (event: CompletionEvent) => void;

const outcomes: ReadonlySet<string> = new Set<RequestOutcome>([
  'produced',
  'cancelled',
  'empty',
  'failed',
  'blocked',
]);

export function isRequestOutcome(
  event: CompletionEvent,
): event is Extract<CompletionEvent, { type: RequestOutcome }> {
  return outcomes.has(event.type);
}
