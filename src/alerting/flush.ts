// Stage 3: what one flush of a group sends. Pure: the group's alerts, the transitions that arrived
// since the last flush, which alerts are muted (silenced or inhibited) — in; the notification (if
// any) and the state changes — out. The dispatcher applies it atomically in Redis.
import type { AlertEvent, Notification } from '../alert/model.ts';

export interface FlushInput {
  /** Latest event per alert of the group (firing, or resolved and not flushed yet). */
  alerts: ReadonlyMap<string, AlertEvent>;
  /** Alerts the receiver has been told are firing. */
  notified: ReadonlySet<string>;
  /** Transitions since the last flush, in arrival order. */
  pending: readonly AlertEvent[];
  muted: (alert: AlertEvent) => boolean;
  sendResolved: boolean;
  /** The group has never been notified (its next message is a new one). */
  first: boolean;
  /** repeatInterval has passed since the last notification. */
  repeatDue: boolean;
  /** Alerts whose current episode someone acknowledged (Slack's Acknowledge): they need no reminder. */
  acked?: ReadonlySet<string>;
}

export interface FlushPlan {
  notification?: Pick<Notification, 'status' | 'reason' | 'alerts' | 'transitions'>;
  /** Alerts the receiver now knows are firing. */
  announce: string[];
  /** Resolved alerts to forget: fingerprint and the transition id they were forgotten at. */
  forget: Array<[fingerprint: string, transitionId: string]>;
  /** Transitions consumed without being sent (muted, or resolved before anyone was told). */
  dropped: AlertEvent[];
}

export function planFlush(input: FlushInput): FlushPlan {
  const announced = new Set(input.notified);
  const transitions: AlertEvent[] = [];
  const dropped: AlertEvent[] = [];
  for (const e of input.pending) {
    const latest = input.alerts.get(e.fingerprint) ?? e;
    if (input.muted(latest)) {
      dropped.push(e);
    } else if (e.status === 'firing') {
      transitions.push(e);
      announced.add(e.fingerprint);
    } else if (input.sendResolved && announced.has(e.fingerprint)) {
      transitions.push(e);
      announced.delete(e.fingerprint);
    } else {
      dropped.push(e);
      announced.delete(e.fingerprint);
    }
  }
  // Firing alerts nobody was told about (a silence ended, TargetDown resolved): announce them now.
  for (const alert of input.alerts.values()) {
    if (alert.status !== 'firing' || announced.has(alert.fingerprint) || input.muted(alert)) continue;
    transitions.push({ ...alert, update: false, transitionId: `${alert.transitionId}|unmuted` });
    announced.add(alert.fingerprint);
  }

  const firing = [...input.alerts.values()].filter((a) => a.status === 'firing' && !input.muted(a) && announced.has(a.fingerprint));
  const resolvedNow = new Map<string, AlertEvent>();
  for (const t of transitions)
    if (t.status === 'resolved' && input.alerts.get(t.fingerprint)?.status !== 'firing') resolvedNow.set(t.fingerprint, t);
  const view = [...firing, ...resolvedNow.values()];
  const status = firing.length > 0 ? 'firing' : 'resolved';

  const forget: Array<[string, string]> = [];
  for (const alert of input.alerts.values()) if (alert.status === 'resolved') forget.push([alert.fingerprint, alert.transitionId]);
  const announce = [...announced].filter((fp) => input.alerts.get(fp)?.status === 'firing');

  let notification: FlushPlan['notification'];
  if (transitions.length > 0) notification = { status, reason: input.first ? 'new' : 'update', alerts: view, transitions };
  // A reminder only while some firing alert is not acknowledged; it shows the whole group all the same.
  else if (input.repeatDue && firing.some((a) => !input.acked?.has(a.fingerprint)))
    notification = { status, reason: 'repeat', alerts: view, transitions: [] };
  return { ...(notification ? { notification } : {}), announce, forget, dropped };
}
