// What every receiver says about an alert, in words: shared by the Slack, e-mail and log
// renderers so that they agree. Pure functions, no escaping (each format escapes its own way).
import type { AlertEvent, Notification } from '../alert/model.ts';

/** `FIRING`, `FIRING (update)`, `RESOLVED`. */
export function transitionState(event: Pick<AlertEvent, 'status' | 'update'>): string {
  return event.status === 'resolved' ? 'RESOLVED' : event.update ? 'FIRING (update)' : 'FIRING';
}

/** The resource's human name, else its id. */
export function resourceName(event: Pick<AlertEvent, 'labels' | 'annotations'>): string {
  return event.annotations.name ?? event.labels.flow ?? event.labels.sync ?? event.labels.resource;
}

/** `FIRING` / `RESOLVED` / `TEST` for a whole notification. */
export function notificationState(n: Pick<Notification, 'status' | 'reason'>): string {
  if (n.reason === 'test') return 'TEST';
  return n.status === 'resolved' ? 'RESOLVED' : 'FIRING';
}

/** The alert kinds of a notification, in first-seen order, joined (`SyncFailed, FlowErrors`). */
export function kindsOf(alerts: readonly AlertEvent[]): string {
  return [...new Set(alerts.map((a) => a.labels.kind))].join(', ') || 'alert';
}

/** The alerts a notification is about: its view, else its transitions. */
export function alertsOf(n: Pick<Notification, 'alerts' | 'transitions'>): AlertEvent[] {
  return n.alerts.length > 0 ? n.alerts : n.transitions;
}

/** `[FIRING] SyncFailed: Orders to NetSuite` (+ ` and 4 more`). The e-mail subject. */
export function title(n: Pick<Notification, 'status' | 'reason' | 'alerts' | 'transitions'>): string {
  const alerts = alertsOf(n);
  const first = alerts[0];
  const name = first ? resourceName(first) : 'no alerts';
  const more = alerts.length > 1 ? ` and ${alerts.length - 1} more` : '';
  const test = n.reason === 'test' ? '[TEST] ' : '';
  const reminder = n.reason === 'repeat' ? ' (reminder)' : '';
  return `${test}[${notificationState(n)}] ${kindsOf(alerts)}: ${name}${more}${reminder}`;
}

/** Label/value pairs every receiver shows for an alert (only those that exist). */
export function facts(event: AlertEvent): Array<[string, string]> {
  const { labels, annotations: a } = event;
  const out: Array<[string, string]> = [['Target', labels.target]];
  if (labels.integration) out.push(['Integration', labels.integration]);
  if (labels.flow) out.push(['Flow', a.name && a.name !== labels.flow ? `${a.name} (${labels.flow})` : labels.flow]);
  else if (labels.sync) out.push(['Sync', a.name && a.name !== labels.sync ? `${a.name} (${labels.sync})` : labels.sync]);
  if (labels.step) out.push(['Step', labels.step]);
  const status = a.runStatus ?? (event.status === 'resolved' ? 'resolved' : undefined);
  if (status) out.push(['Status', status]);
  const counts = recordCounts(event);
  if (counts) out.push(['Records', counts]);
  if (a.delta !== undefined || a.total !== undefined)
    out.push(['Open errors', `${a.total ?? '?'}${a.delta !== undefined ? ` (+${a.delta})` : ''}`]);
  if (a.disabled) out.push(['Flow state', 'disabled on the platform: its errors are not re-read until it is enabled']);
  if (a.failures !== undefined) out.push(['Failed polls', `${a.failures}${a.errorKind ? ` (${a.errorKind})` : ''}`]);
  out.push(['Started', a.startedAt ?? event.startsAt]);
  if (event.endsAt) out.push(['Ended', event.endsAt]);
  return out;
}

export function recordCounts(event: AlertEvent): string | undefined {
  const c = event.annotations.counts;
  if (!c) return undefined;
  const parts: string[] = [];
  if (c.read !== undefined) parts.push(`${c.read} read`);
  if (c.written !== undefined) parts.push(`${c.written} written`);
  if (c.failed !== undefined) parts.push(`${c.failed} failed`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** FlowErrors: the most frequent classifications and codes among the error samples. */
export function topErrors(
  event: AlertEvent,
  limit = 3,
): { classifications: Array<[string, number]>; codes: Array<[string, number]> } | undefined {
  const samples = event.annotations.samples;
  if (!samples || samples.length === 0) return undefined;
  const count = (values: Array<string | undefined>) => {
    const m = new Map<string, number>();
    for (const v of values) if (v) m.set(v, (m.get(v) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit);
  };
  return { classifications: count(samples.map((s) => s.classification)), codes: count(samples.map((s) => s.code)) };
}

/** The error text an alert carries: its error, else the newest sample's message. */
export function errorText(event: AlertEvent): string | undefined {
  return event.annotations.error ?? event.annotations.samples?.[0]?.message;
}

/** Only http(s) links become buttons. */
export function safeLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  try {
    const url = new URL(link);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

export const TEST_NOTICE = 'This is a test message from syncwatch (syncwatch test-alert). Nothing is wrong.';
