// The receiver interface (STYLE.md, after Gatus): one folder per receiver kind under
// src/notifiers/, each exporting a factory that returns a Notifier; registry.ts maps the config's
// key to the factory. Nothing else switches on the kind.
import type { Logger } from 'pino';
import type { AlertEvent, Notification } from '../alert/model.ts';

export type { Notification };

/**
 * What one receiver remembers between notifications of one group — its own receipt (Slack's
 * message `ts`, an e-mail's Message-ID), under a key of its own. Opaque to the alerting pipeline,
 * which only stores it (as JSON in Redis) and hands it back; each notifier reads its part.
 */
export type DeliveryRecord = Readonly<Record<string, unknown>>;

export interface Notifier {
  readonly name: string;
  /**
   * Deliver one notification of a group. `previous` is what this receiver recorded for the group
   * last time (Slack thread, e-mail thread); the result replaces it. Throws a NotifyError.
   */
  send(notification: Notification, previous?: DeliveryRecord): Promise<DeliveryRecord | void>;
  /**
   * An earlier attempt at this notification may have been delivered (the process died, or the
   * request timed out after it left): look for it at the receiver. `found` → what `send` would
   * have returned (the delivery is adopted, not repeated); `not-found` → send it. Receivers that
   * cannot look (no such API) leave this out and are re-sent with a stable idempotency key.
   */
  reconcile?(
    notification: Notification,
    previous?: DeliveryRecord,
  ): Promise<{ found: true; record: DeliveryRecord | void } | { found: false }>;
  /** What delivery guarantee this receiver gives, checked against the receiver (validate, test-alert). */
  guarantee?(): Promise<DeliveryGuarantee>;
}

/** `exactly-once`: an uncertain send is looked up before a retry; `at-least-once`: a retry may repeat it (`why`). */
export interface DeliveryGuarantee {
  guarantee: 'exactly-once' | 'at-least-once';
  why: string;
}

/** A notification's identity at the receivers: stable across retries and processes. */
export const notificationId = (n: Pick<Notification, 'groupId' | 'seq'>) => `${n.groupId}:${n.seq}`;

export interface NotifierDeps {
  logger: Logger;
  /** Receiver name from the config. */
  name: string;
  /** Whether "Retry now" can act on this alert (a retry policy covers it): the interactive Slack receiver asks. */
  canRetry?: (alert: AlertEvent) => boolean;
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
  /** The request may have been acted on (no answer: timeout, reset): reconcile before sending again. */
  readonly outcomeUnknown: boolean;

  constructor(
    message: string,
    details: { retryable: boolean; retryAfterMs?: number; code?: string; outcomeUnknown?: boolean; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'NotifyError';
    this.retryable = details.retryable;
    this.outcomeUnknown = details.outcomeUnknown ?? false;
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
