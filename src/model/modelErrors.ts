// The one error type that model requests throw to callers, and the user-facing wording of each failure.
// Kept apart from the client so that endpoint health can raise the same error without an import cycle.

export type ModelErrorKind = 'unreachable' | 'auth' | 'rate-limited' | 'server' | 'bad-response' | 'timeout';

export interface ModelRequestErrorInit {
  kind: ModelErrorKind;
  message: string;
  profileId: string;
  status?: number;
  /** How long the server asked us to wait, when it said so. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class ModelRequestError extends Error {
  readonly kind: ModelErrorKind;
  readonly profileId: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: ModelRequestErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ModelRequestError';
    this.kind = init.kind;
    this.profileId = init.profileId;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Failures that say something about the endpoint itself, as opposed to the request or the key. */
export function isEndpointFailure(kind: ModelErrorKind): boolean {
  return kind === 'unreachable' || kind === 'timeout' || kind === 'server';
}
