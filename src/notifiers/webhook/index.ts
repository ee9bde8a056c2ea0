// A JSON POST of Alertmanager's webhook payload; with hmacSecret, signed over the raw body.
import type { WebhookReceiverConfig } from './config.ts';
import { notificationId, NotifyError, retryableStatus, type DeliveryGuarantee, type Notifier, type NotifierDeps } from '../types.ts';
import { signature, webhookPayload } from './payload.ts';
import { parseRetryAfterMs } from '../../http/backoff.ts';

export { signature, webhookPayload } from './payload.ts';
export const SIGNATURE_HEADER = 'X-Syncwatch-Signature';
/** The notification id, the same on every retry of one notification: receivers dedupe on it. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export const WEBHOOK_GUARANTEE: DeliveryGuarantee = {
  guarantee: 'at-least-once',
  why:
    `a send interrupted after the receiver took it is sent again, with the same ${IDEMPOTENCY_HEADER} header ` +
    'and notificationId (and alert fingerprints), so the receiver can drop the repeat',
};

export function createWebhookNotifier(config: WebhookReceiverConfig, deps: NotifierDeps): Notifier {
  return {
    name: deps.name,
    guarantee: async () => WEBHOOK_GUARANTEE,
    async send(n, previous) {
      const body = JSON.stringify(webhookPayload(n, config.maxAlerts));
      const headers: Record<string, string> = {
        ...config.headers,
        'content-type': 'application/json',
        'user-agent': 'syncwatch',
        [IDEMPOTENCY_HEADER]: notificationId(n),
        ...(config.hmacSecret ? { [SIGNATURE_HEADER]: signature(config.hmacSecret, body) } : {}),
      };
      let res: Response;
      try {
        res = await fetch(config.url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(15_000) });
      } catch (e) {
        throw new NotifyError(`webhook request failed: ${e instanceof Error ? e.message : String(e)}`, {
          retryable: true,
          code: 'request',
          outcomeUnknown: true,
          cause: e,
        });
      }
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) {
        const after = parseRetryAfterMs(res.headers.get('retry-after'), Date.now());
        throw new NotifyError(`webhook answered HTTP ${res.status}`, {
          retryable: retryableStatus(res.status),
          code: String(res.status),
          ...(after !== undefined ? { retryAfterMs: after } : {}),
        });
      }
      return previous;
    },
  };
}
