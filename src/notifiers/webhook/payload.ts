// Alertmanager's webhook payload (version "4"), so receivers built for Alertmanager work as-is.
import { createHmac } from 'node:crypto';
import { labelSetOf, type LabelSet, type Notification } from '../../alert/model.ts';
import { alertFingerprint, stringAnnotations } from '../../alert/alertmanager.ts';
import { notificationId } from '../types.ts';

export { stringAnnotations };

/** Alertmanager's "not ended yet". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: LabelSet;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookPayload {
  version: '4';
  groupKey: string;
  /** syncwatch's addition: the notification's id (also the Idempotency-Key header), the same on every retry. */
  notificationId: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: LabelSet;
  commonLabels: LabelSet;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

function common(maps: Array<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

/**
 * `maxAlerts` is the receiver's cap on alerts per call (Alertmanager's `max_alerts`): 0, the
 * default as in Alertmanager, sends them all; beyond it the rest are counted in truncatedAlerts.
 * Labels carry `alertname` (= kind) and the fingerprint is Alertmanager's (16 hex digits).
 */
export function webhookPayload(n: Notification, maxAlerts = 0): WebhookPayload {
  const source = n.alerts.length > 0 ? n.alerts : n.transitions;
  const alerts: WebhookAlert[] = source.map((a) => ({
    status: a.status,
    labels: labelSetOf(a),
    annotations: stringAnnotations(a.annotations),
    startsAt: a.startsAt,
    endsAt: a.status === 'resolved' ? (a.endsAt ?? n.createdAt) : ZERO_TIME,
    generatorURL: a.annotations.link ?? '',
    fingerprint: alertFingerprint(a),
  }));
  const kept = maxAlerts > 0 ? alerts.slice(0, maxAlerts) : alerts;
  return {
    version: '4',
    groupKey: n.groupKey,
    notificationId: notificationId(n),
    truncatedAlerts: alerts.length - kept.length,
    status: n.status,
    receiver: n.receiver,
    groupLabels: n.groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: n.externalURL ?? '',
    alerts: kept,
  };
}

/** `sha256=<hex>` of HMAC-SHA256 over the raw body: the X-Syncwatch-Signature header. */
export function signature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
