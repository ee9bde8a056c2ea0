// Readable units of a poll (a Celigo flow's error summary, an integration's sync jobs) whose answer
// could not be read. Pure: previous records + what a poll attempted and could not read + now → the
// next records and ResourceUnreadable transitions. What such a unit would have shown is unknown, so
// the resource's own snapshots stay as they were and no other alert moves on its account.
import { DEFAULT_SEVERITY, fingerprintOf, type AlertEvent, type AlertLabels } from '../alert/model.ts';
import type { Observation, ProviderName } from '../model.ts';
import type { AlertRules } from './diff.ts';
import type { Firing } from './snapshot.ts';

/** A unit unreadable for `failures` polls in a row (stored beside the resource snapshots, under the unit's key). */
export interface UnreadableSnapshot {
  type: 'unreadable';
  failures: number;
  /** When the streak began: the episode of its alert. */
  since: string;
  name: string;
  kind: string;
  message: string;
  firing: { ResourceUnreadable?: Firing };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Every attempted unit: unreadable → its streak grows (ResourceUnreadable fires at
 * `failuresBeforeAlert`); read → its record goes (`null`) and an open alert resolves.
 */
export function diffUnreadable(
  prev: Readonly<Record<string, UnreadableSnapshot | undefined>>,
  observation: Pick<Observation, 'attempted' | 'unreadable'>,
  target: { name: string; provider: ProviderName },
  now: number,
  rules: Pick<AlertRules, 'failuresBeforeAlert' | 'severity'>,
): { next: Record<string, UnreadableSnapshot | null>; events: AlertEvent[] } {
  const next: Record<string, UnreadableSnapshot | null> = {};
  const events: AlertEvent[] = [];
  const unreadable = new Map((observation.unreadable ?? []).map((u) => [u.key, u]));
  const severity = rules.severity?.ResourceUnreadable ?? DEFAULT_SEVERITY.ResourceUnreadable;
  for (const key of observation.attempted ?? []) {
    const before = prev[key];
    const fp = fingerprintOf('ResourceUnreadable', key);
    const labels: AlertLabels = { target: target.name, provider: target.provider, kind: 'ResourceUnreadable', severity, resource: key };
    const failed = unreadable.get(key);
    if (!failed) {
      if (!before) continue;
      next[key] = null;
      const open = before.firing.ResourceUnreadable;
      if (open)
        events.push({
          fingerprint: fp,
          status: 'resolved',
          labels,
          annotations: { summary: `${before.name} can be read again`, name: before.name },
          startsAt: open.since,
          endsAt: iso(now),
          transitionId: `${fp}|resolved|${open.episode}`,
        });
      continue;
    }
    const failures = (before?.failures ?? 0) + 1;
    const since = before?.since ?? iso(now);
    const firing = { ...before?.firing };
    if (failures >= rules.failuresBeforeAlert && !firing.ResourceUnreadable) {
      firing.ResourceUnreadable = { since, episode: since };
      events.push({
        fingerprint: fp,
        status: 'firing',
        labels,
        annotations: {
          summary: `${failed.name} could not be read in ${failures} polls in a row (${failed.kind}); its alerts are on hold`,
          name: failed.name,
          error: failed.message,
          errorKind: failed.kind,
          failures,
        },
        startsAt: since,
        transitionId: `${fp}|firing|${since}`,
      });
    }
    next[key] = { type: 'unreadable', failures, since, name: failed.name, kind: failed.kind, message: failed.message, firing };
  }
  return { next, events };
}
