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

/**
 * Why an answer that did arrive could not be read: the upstream answered (it is up), but this one
 * answer is unusable. Per-resource failures of this sort blind that resource only, not the target.
 */
export type UnreadableKind = 'malformed' | 'truncated' | 'oversized' | 'timeout' | 'server-error';

export class SyncwatchError extends Error {
  readonly kind: ErrorKind;
  /** HTTP status, when the error came from an HTTP answer. */
  readonly status?: number;
  /** The platform's error code (`invalid_ref`, `inactive_flow`, …), when it gave one. */
  readonly code?: string;
  /** Seconds the upstream asked us to wait (429 Retry-After). */
  readonly retryAfterSeconds?: number;
  /** The answer arrived but cannot be read (bad JSON or shape, cut short, too large, too slow). */
  readonly unreadable?: Exclude<UnreadableKind, 'server-error'>;

  constructor(
    kind: ErrorKind,
    message: string,
    details: {
      status?: number;
      code?: string;
      retryAfterSeconds?: number;
      unreadable?: Exclude<UnreadableKind, 'server-error'>;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SyncwatchError';
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
    if (details.unreadable !== undefined) this.unreadable = details.unreadable;
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
    return {
      kind: e.kind,
      message: e.message,
      ...(e.status !== undefined ? { status: e.status } : {}),
      ...(e.code !== undefined ? { code: e.code } : {}),
    };
  }
  return { kind: 'upstream', message: e instanceof Error ? e.message : String(e) };
}

/**
 * The reason one resource's answer is unusable while the target itself answers — bad JSON, a body
 * cut short, too large or too slow, a 5xx on that resource alone — or undefined when the failure
 * concerns the whole target (auth, network, rate limit, …).
 */
export function unreadableKind(e: unknown): UnreadableKind | undefined {
  if (!isSyncwatchError(e, 'upstream')) return undefined;
  if (e.unreadable) return e.unreadable;
  return e.status !== undefined && e.status >= 500 ? 'server-error' : undefined;
}
