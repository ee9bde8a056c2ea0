// Alertmanager's webhook payload (version "4"), so receivers built for Alertmanager work as-is.
import { createHmac } from 'node:crypto';
import { labelSetOf, type AlertEvent, type LabelSet, type Notification } from '../../alert/model.ts';
import { notificationId } from '../types.ts';

/** Alertmanager's "not ended yet". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
/** Alertmanager's default cap on alerts per webhook call (`max_alerts`); the rest are counted. */
export const MAX_WEBHOOK_ALERTS = 100;

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

/** Annotation values are strings in Alertmanager: numbers and objects are JSON-encoded. */
export function stringAnnotations(a: AlertEvent['annotations']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

function common(maps: Array<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

export function webhookPayload(n: Notification, max = MAX_WEBHOOK_ALERTS): WebhookPayload {
  const source = n.alerts.length > 0 ? n.alerts : n.transitions;
  const alerts: WebhookAlert[] = source.map((a) => ({
    status: a.status,
    labels: labelSetOf(a),
    annotations: stringAnnotations(a.annotations),
    startsAt: a.startsAt,
    endsAt: a.status === 'resolved' ? (a.endsAt ?? n.createdAt) : ZERO_TIME,
    generatorURL: a.annotations.link ?? '',
    fingerprint: a.fingerprint,
  }));
  const kept = alerts.slice(0, max);
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
