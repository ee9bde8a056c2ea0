// The Events API v2 events of one notification: one per alert, `dedup_key` = the alert's
// identity (dedupKeyOf), so a repeat folds into the open PagerDuty alert and a resolve closes
// it. Pure; sizes bounded to PagerDuty's limits (summary 1024 characters, dedup_key 255, 512 KB).
import { createHash } from 'node:crypto';
import { stringAnnotations } from '../../alert/alertmanager.ts';
import { labelSetOf, type AlertEvent, type Notification, type Severity } from '../../alert/model.ts';
import { alertsOf, errorText, resourceName, safeLink, TEST_NOTICE } from '../format.ts';
import { notificationId } from '../types.ts';

export const PAGERDUTY_LIMITS = {
  summary: 1024,
  /** PagerDuty refuses an event over 512 KB; ours stay far below. */
  eventBytes: 512 * 1024,
  /** Our own caps inside custom_details. */
  error: 8_000,
  samples: 10,
  sampleMessage: 1_000,
  annotation: 2_000,
} as const;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';
export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  critical: 'critical',
  warning: 'warning',
  info: 'info',
};

export interface PagerDutyLink {
  href: string;
  text: string;
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  client?: string;
  client_url?: string;
  links?: PagerDutyLink[];
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
}

const CUT = '…';
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = s.slice(0, Math.max(0, max - CUT.length));
  if (/[\uD800-\uDBFF]$/.test(out)) out = out.slice(0, -1);
  return out + CUT;
}

/** One line: `SyncFailed · Orders sync (celigo-prod): <summary>`. */
export function summaryOf(event: AlertEvent, test: boolean): string {
  const prefix = test ? '[TEST] ' : '';
  return cut(
    `${prefix}${event.labels.kind} · ${resourceName(event)} (${event.labels.target}): ${event.annotations.summary}`.replace(/\s+/g, ' '),
    PAGERDUTY_LIMITS.summary,
  );
}

/** Labels and annotations, cut: the error text, counts and a few samples. */
export function customDetails(event: AlertEvent, n: Notification): Record<string, unknown> {
  const a = event.annotations;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(stringAnnotations({ ...a, samples: undefined, failedRecords: undefined, error: undefined }))) {
    annotations[k] = cut(v, PAGERDUTY_LIMITS.annotation);
  }
  const error = errorText(event);
  const details: Record<string, unknown> = {
    labels: labelSetOf(event),
    annotations,
    ...(error ? { error: cut(error, PAGERDUTY_LIMITS.error) } : {}),
    ...(a.counts ? { counts: a.counts } : {}),
    ...(a.samples?.length
      ? {
          samples: a.samples
            .slice(0, PAGERDUTY_LIMITS.samples)
            .map((s) => ({ ...s, message: cut(s.message, PAGERDUTY_LIMITS.sampleMessage) })),
          samplesOmitted: Math.max(0, a.samples.length - PAGERDUTY_LIMITS.samples),
        }
      : {}),
    ...(a.failedRecords?.length ? { failedRecords: a.failedRecords.slice(0, PAGERDUTY_LIMITS.samples) } : {}),
    groupKey: n.groupKey,
    notificationId: notificationId(n),
  };
  if (n.reason === 'test') details.test = TEST_NOTICE;
  return details;
}

export interface EventOptions {
  routingKey: string;
  source?: string;
}

/** The alerts one notification is about (each once, as it is now): what changed for an update, else the group's view. */
export function eventAlerts(n: Notification): AlertEvent[] {
  const source = n.reason === 'update' && n.transitions.length > 0 ? n.transitions : alertsOf(n);
  const byFp = new Map<string, AlertEvent>();
  for (const e of source) byFp.set(e.fingerprint, e);
  return [...byFp.values()];
}

/**
 * The alert's PagerDuty `dedup_key`: its identity (kind and resource key, e.g.
 * `FlowErrors:celigo/prod/step/<flow>/<step>`), which never changes within an episode — unlike the
 * Alertmanager fingerprint, which also hashes the resource's display name and the severity, so a flow
 * renamed (or a severity reconfigured) between fire and resolve would leave the PagerDuty alert open.
 * Hashed when longer than PagerDuty's 255 characters.
 */
export function dedupKeyOf(event: Pick<AlertEvent, 'fingerprint'>): string {
  if (event.fingerprint.length <= 255) return event.fingerprint;
  return `sha256:${createHash('sha256').update(event.fingerprint).digest('hex')}`;
}

export function triggerEvent(event: AlertEvent, n: Notification, o: EventOptions): PagerDutyEvent {
  const links: PagerDutyLink[] = [];
  const link = safeLink(event.annotations.link);
  if (link) links.push({ href: link, text: 'Open in the platform' });
  const consoleUrl = safeLink(n.externalURL);
  if (consoleUrl) links.push({ href: consoleUrl, text: 'syncwatch console' });
  const out: PagerDutyEvent = {
    routing_key: o.routingKey,
    event_action: 'trigger',
    dedup_key: dedupKeyOf(event),
    client: 'syncwatch',
    ...(consoleUrl ? { client_url: consoleUrl } : {}),
    ...(links.length > 0 ? { links } : {}),
    payload: {
      summary: summaryOf(event, n.reason === 'test'),
      source: o.source ?? event.labels.target,
      severity: PAGERDUTY_SEVERITY[event.labels.severity],
      timestamp: event.startsAt,
      component: cut(resourceName(event), 255),
      group: event.labels.integration ?? event.labels.target,
      class: event.labels.kind,
      custom_details: customDetails(event, n),
    },
  };
  // Far below 512 KB by construction; should it ever not be, the details go and the page still goes out.
  if (Buffer.byteLength(JSON.stringify(out)) > PAGERDUTY_LIMITS.eventBytes) {
    out.payload!.custom_details = { labels: labelSetOf(event), note: 'details too large for PagerDuty; see syncwatch' };
  }
  return out;
}

export function resolveEvent(event: AlertEvent, o: EventOptions): PagerDutyEvent {
  return { routing_key: o.routingKey, event_action: 'resolve', dedup_key: dedupKeyOf(event) };
}

/**
 * The events of one notification, in order: a trigger per firing alert, a resolve per resolved one.
 * A test notification triggers and at once resolves its test alert, so nobody is left paged.
 */
export function pagerdutyEvents(n: Notification, o: EventOptions): PagerDutyEvent[] {
  const out: PagerDutyEvent[] = [];
  for (const event of eventAlerts(n)) {
    if (event.status === 'firing') out.push(triggerEvent(event, n, o));
    if (event.status === 'resolved' || n.reason === 'test') out.push(resolveEvent(event, o));
  }
  return out;
}
