// What the chat reports to the usage metrics: a question asked, and what the user did with an answer's code
// (insert, apply, copy, save). Insert and apply also count the characters the assistant put into a document,
// which the code generation rate divides by all characters added. Pure, so the mapping is tested in Node.
import type { CharsAddedEvent, EventEnvelope, InteractionEvent } from '../dashboard/metricEvents';

type Input<E> = Omit<E, keyof EventEnvelope> & { language?: string };
export type ChatMetricInput = Input<InteractionEvent> | Input<CharsAddedEvent>;

export type ChatCodeAction = 'insert' | 'apply' | 'copy' | 'save';

/** One question (asked, regenerated, edited, or started by a command such as Explain). */
export function chatRequestMetrics(model: string, language = ''): ChatMetricInput[] {
  return [{ kind: 'interaction', feature: 'chat', action: 'request', userInitiated: true, model, language }];
}

/**
 * What the user did with code from an answer. `characters` is what landed in the document; it is counted only
 * for insert and apply, where the code became part of a file the user was editing.
 */
export function chatActionMetrics(
  action: ChatCodeAction,
  detail: { model: string; language?: string; characters?: number },
): ChatMetricInput[] {
  const language = detail.language ?? '';
  const events: ChatMetricInput[] = [
    {
      kind: 'interaction',
      feature: 'chat',
      action,
      userInitiated: true,
      model: detail.model,
      language,
    },
  ];
  if (
    (action === 'insert' || action === 'apply') &&
    detail.characters !== undefined &&
    detail.characters > 0
  ) {
    events.push({
      kind: 'charsAdded',
      source: 'chat',
      model: detail.model,
      chars: detail.characters,
      language,
    });
  }
  return events;
}
