// Errors are values with a kind. Every failure that crosses a module boundary is a SyncwatchError,
// so callers decide on `kind` (retry? alert? config problem?) rather than on message text.

export type ErrorKind =
  | 'auth' // 401/403: the credentials are wrong or lack rights
  | 'not-found' // 404, with the platform's code
  | 'rate-limited' // 429 after our own retries ran out
  | 'upstream' // 5xx, network errors, timeouts, malformed or oversized bodies
  | 'conflict' // 409/422 and other refusals of a valid request (e.g. `inactive_flow`)
  | 'config' // the user's configuration is wrong
  | 'environment'; // something syncwatch needs around it is missing: a port taken, no Redis

export class SyncwatchError extends Error {
  readonly kind: ErrorKind;
  /** HTTP status, when the error came from an HTTP answer. */
  readonly status?: number;
  /** The platform's error code (`invalid_ref`, `inactive_flow`, …), when it gave one. */
  readonly code?: string;
  /** Seconds the upstream asked us to wait (429 Retry-After). */
  readonly retryAfterSeconds?: number;

  constructor(
    kind: ErrorKind,
    message: string,
    details: { status?: number; code?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SyncwatchError';
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

export function isSyncwatchError(e: unknown, kind?: ErrorKind): e is SyncwatchError {
  return e instanceof SyncwatchError && (kind === undefined || e.kind === kind);
}

/** An error as a value for a log line, a poll outcome or `once --json`: never a stack, never a secret. */
export interface ErrorFields {
  kind: string;
  message: string;
  status?: number;
  code?: string;
}

/** What a thrown value says, as fields: a SyncwatchError's kind/status/code; anything else is `upstream`. */
export function errorFields(e: unknown): ErrorFields {
  if (isSyncwatchError(e)) {
    return { kind: e.kind, message: e.message, ...(e.status !== undefined ? { status: e.status } : {}), ...(e.code !== undefined ? { code: e.code } : {}) };
  }
  return { kind: 'upstream', message: e instanceof Error ? e.message : String(e) };
}
