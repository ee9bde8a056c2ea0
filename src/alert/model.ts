// The alert model: each kind is a condition that fires and resolves (Alertmanager's model). This is
// floor 1 of ARCHITECTURE.md: the diff, the retrier and the watch loop build these events, the
// alerting pipeline routes them, the notifiers render a Notification of them. It imports only the
// normalized world (model.ts), so none of them needs to import another to speak of an alert.
import type { OpenError, ProviderName, RunFailure } from '../model.ts';

export const ALERT_KINDS = [
  'SyncFailed',
  'SyncPartial',
  'FlowErrors',
  'SyncStuck',
  'SyncStale',
  'TargetDown',
  'TargetMisconfigured',
  'RetryExhausted',
  'ResourceUnreadable',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const DEFAULT_SEVERITY: Readonly<Record<AlertKind, Severity>> = {
  SyncFailed: 'critical',
  SyncPartial: 'warning',
  FlowErrors: 'warning',
  SyncStuck: 'warning',
  SyncStale: 'warning',
  TargetDown: 'critical',
  TargetMisconfigured: 'warning',
  RetryExhausted: 'warning',
  ResourceUnreadable: 'warning',
};

/** Label values are ids, not free text (they become metric labels and group keys). */
export interface AlertLabels {
  target: string;
  provider: ProviderName;
  kind: AlertKind;
  severity: Severity;
  resource: string;
  integration?: string;
  flow?: string;
  sync?: string;
  step?: string;
}

export interface AlertAnnotations {
  summary: string;
  /** Human name of the resource (sync or flow name). */
  name?: string;
  runId?: string;
  runStatus?: string;
  error?: string;
  startedAt?: string;
  endedAt?: string;
  counts?: { read?: number; written?: number; failed?: number };
  /**
   * SyncFailed / SyncPartial: where the records failed (Celigo: one entry per failed table, then
   * the first error messages; Neo: the per-resource failures). The readable version is in `error`.
   */
  failedRecords?: RunFailure[];
  /** FlowErrors: how many open errors were added, and the new total. */
  delta?: number;
  total?: number;
  /** FlowErrors: a sample of the newest errors (filled by the shell, not the diff). */
  samples?: OpenError[];
  /** TargetDown: how many polls in a row failed, and the kind of the last error. */
  failures?: number;
  errorKind?: string;
  link?: string;
  /**
   * The resource's flow is disabled on the platform: not polled (its state is kept) until it is
   * enabled again, so the alert stays as it is — set and cleared by an update (src/watch/watch.ts).
   */
  disabled?: boolean;
}

/** One alert transition. `firing` with `update: true` is new detail for an alert already firing. */
export interface AlertEvent {
  fingerprint: string;
  status: 'firing' | 'resolved';
  update?: boolean;
  labels: AlertLabels;
  annotations: AlertAnnotations;
  startsAt: string;
  endsAt?: string;
  /**
   * Identifies this transition independently of which poll or replica saw it (the failing run's
   * id, the error streak's start, …): the notify job id, so the same transition is sent once.
   */
  transitionId: string;
}

/** The transition that opened an episode of an alert: `<fingerprint>|firing|<episode>`. */
export function firingTransitionId(fingerprint: string, episode: string): string {
  return `${fingerprint}|firing|${episode}`;
}

export function fingerprintOf(kind: AlertKind, resource: string): string {
  return `${kind}:${resource}`;
}

/** Label name → value, as routes, groups and silences see an alert (ids, plus the resource's name). */
export type LabelSet = Record<string, string>;

/**
 * The labels routes, groups and silences match on: the alert's labels, plus `name` (the resource's
 * human name) so a config can say `flow: "Nightly archive"` as well as the flow's id, plus
 * `alertname` (= kind) as Alertmanager's tools and receivers expect.
 */
export function labelSetOf(event: Pick<AlertEvent, 'labels' | 'annotations'>): LabelSet {
  const set: LabelSet = { alertname: event.labels.kind };
  for (const [k, v] of Object.entries(event.labels)) if (typeof v === 'string') set[k] = v;
  if (event.annotations.name !== undefined) set.name = event.annotations.name;
  return set;
}

/**
 * One notification of one group to one receiver: what the notifiers render. `alerts` is the
 * group's current view (its firing alerts, plus those that resolved since the last notification);
 * `transitions` is what changed since then, in arrival order (empty for a reminder).
 */
export interface Notification {
  groupId: string;
  /** Human-readable group key: route id and group labels (`{}/0:{kind="SyncFailed",target="prod"}`). */
  groupKey: string;
  receiver: string;
  /** Sequence number of this group's notifications (1, 2, …); with groupId, the delivery's identity. */
  seq: number;
  groupLabels: LabelSet;
  status: 'firing' | 'resolved';
  /** `new`: the group's first message; `update`: later changes; `repeat`: a reminder; `test`: `syncwatch test-alert`. */
  reason: 'new' | 'update' | 'repeat' | 'test';
  alerts: AlertEvent[];
  transitions: AlertEvent[];
  /** When the notification was made (ISO). */
  createdAt: string;
  /** Base URL of syncwatch for the webhook payload's `externalURL`. */
  externalURL?: string;
}
