// A JSON POST of Alertmanager's webhook payload; with hmacSecret, signed over the raw body.
import type { WebhookReceiverConfig } from '../../config/index.ts';
import { NotifyError, retryableStatus, retryAfterMs, type Notifier, type NotifierDeps } from '../types.ts';
import { signature, webhookPayload } from './payload.ts';

export { signature, webhookPayload } from './payload.ts';
export const SIGNATURE_HEADER = 'X-Syncwatch-Signature';

export function createWebhookNotifier(config: WebhookReceiverConfig, deps: NotifierDeps): Notifier {
  return {
    name: deps.name,
    async send(n, previous) {
      const body = JSON.stringify(webhookPayload(n, config.maxAlerts));
      const headers: Record<string, string> = {
        ...(config.headers ?? {}),
        'content-type': 'application/json',
        'user-agent': 'syncwatch',
        ...(config.hmacSecret ? { [SIGNATURE_HEADER]: signature(config.hmacSecret, body) } : {}),
      };
      let res: Response;
      try {
        res = await fetch(config.url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(15_000) });
      } catch (e) {
        throw new NotifyError(`webhook request failed: ${e instanceof Error ? e.message : String(e)}`, { retryable: true, code: 'request', cause: e });
      }
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) {
        const after = retryAfterMs(res.headers.get('retry-after'));
        throw new NotifyError(`webhook answered HTTP ${res.status}`, { retryable: retryableStatus(res.status), code: String(res.status), ...(after !== undefined ? { retryAfterMs: after } : {}) });
      }
      return previous;
    },
  };
}
