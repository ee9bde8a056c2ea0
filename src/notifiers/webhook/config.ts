// A webhook receiver in the config file (schema only).
import { z } from 'zod';
import { httpUrl, onFormat, secret } from '../../fields/fields.ts';

export const webhookReceiverConfig = z.strictObject({
  url: httpUrl,
  /** Signs the body; header X-Syncwatch-Signature. */
  hmacSecret: secret.optional(),
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, onFormat('expected an HTTP header name')), z.string()).optional(),
  /**
   * Alerts per call at most (Alertmanager's max_alerts); the rest are counted in truncatedAlerts.
   * 0 or unset (the default, as in Alertmanager): no limit.
   */
  maxAlerts: z.int().min(0).optional(),
});

export type WebhookReceiverConfig = z.output<typeof webhookReceiverConfig>;
