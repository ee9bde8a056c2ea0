// Alertmanager 0.25's webhook message (notify/webhook.Message over template.Data), written by us as
// a zod schema: every field Alertmanager's Go types have is required here, with its Go type —
// KV is map[string]string, times are RFC 3339, truncatedAlerts a uint64. Unknown fields are
// allowed, as Go's encoding/json ignores them. A receiver written for Alertmanager decodes what
// this accepts; plus what such receivers rely on: `alertname` and a 16-hex fingerprint.
import { z } from 'zod';

const kv = z.record(z.string(), z.string());
const rfc3339 = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'an RFC 3339 time');

export const alertmanagerWebhookAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: kv.refine((l) => typeof l.alertname === 'string' && l.alertname !== '', 'labels.alertname is required'),
  annotations: kv,
  startsAt: rfc3339,
  endsAt: rfc3339,
  generatorURL: z.string(),
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/, "Alertmanager's fingerprint: 16 hex digits"),
});

export const alertmanagerWebhookMessage = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.int().min(0),
  receiver: z.string(),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(alertmanagerWebhookAlert),
  groupLabels: kv,
  commonLabels: kv,
  commonAnnotations: kv,
  externalURL: z.string(),
});
