// Stage 2b: inhibit. While a target's TargetDown fires, every other alert of that target is held
// back (one message that the platform is unreachable, not fifty). Held-back alerts stay tracked;
// they are sent at their group's next flush once TargetDown resolves.
import type { AlertEvent } from '../alert/model.ts';

/** The targets whose TargetDown is firing, from the firing alerts. */
export function downTargets(firing: Iterable<Pick<AlertEvent, 'status' | 'labels'>>): Set<string> {
  const out = new Set<string>();
  for (const a of firing) if (a.status === 'firing' && a.labels.kind === 'TargetDown') out.add(a.labels.target);
  return out;
}

export function isInhibited(alert: Pick<AlertEvent, 'labels'>, down: ReadonlySet<string>): boolean {
  return alert.labels.kind !== 'TargetDown' && down.has(alert.labels.target);
}
