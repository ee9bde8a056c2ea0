// The receiver interface (STYLE.md, after Gatus): one folder per receiver kind under
// src/notifiers/, each exporting a factory that returns a Notifier; registry.ts maps the config's
// key to the factory. Nothing else switches on the kind.
import type { Logger } from 'pino';
import type { DeliveryRecord, Notification } from '../alerting/types.ts';

export type { DeliveryRecord, Notification };

export interface Notifier {
  readonly name: string;
  /**
   * Deliver one notification of a group. `previous` is what this receiver recorded for the group
   * last time (Slack thread, e-mail thread); the result replaces it. Throws a NotifyError.
   */
  send(notification: Notification, previous?: DeliveryRecord): Promise<DeliveryRecord | void>;
}

export interface NotifierDeps {
  logger: Logger;
  /** Receiver name from the config. */
  name: string;
}

/**
 * A failed delivery. `retryable: false` means it will not heal by waiting (bad token, unknown
 * channel, rejected recipient): logged and counted, not retried.
 */
export class NotifyError extends Error {
  readonly retryable: boolean;
  /** The receiver asked us to wait this long (Retry-After). */
  readonly retryAfterMs?: number;
  /** The receiver's own error code (`channel_not_found`, `503`, `EAUTH`, …). */
  readonly code?: string;

  constructor(message: string, details: { retryable: boolean; retryAfterMs?: number; code?: string; cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'NotifyError';
    this.retryable = details.retryable;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.code !== undefined) this.code = details.code;
  }
}

export function isNotifyError(e: unknown): e is NotifyError {
  return e instanceof NotifyError;
}

/** HTTP statuses worth retrying: timeouts, rate limits and server errors. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}
