// A JSON POST of Alertmanager's webhook payload; with hmacSecret, signed over the raw body.
import { accepted, postJson, refusal } from '../post.ts';
import type { WebhookReceiverConfig } from './config.ts';
import { notificationId, type DeliveryGuarantee, type Notifier, type NotifierDeps } from '../types.ts';
import { signature, webhookPayload } from './payload.ts';

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
        [IDEMPOTENCY_HEADER]: notificationId(n),
        ...(config.hmacSecret ? { [SIGNATURE_HEADER]: signature(config.hmacSecret, body) } : {}),
      };
      const answer = await postJson('webhook', config.url, body, headers);
      if (!accepted(answer)) throw refusal('webhook', answer);
      return previous;
    },
  };
}
