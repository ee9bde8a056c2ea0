// The metrics view of a target's snapshots: what /metrics shows of each resource, in a compact
// value (a run's status and last success, a step's open errors). Every save that changes a view
// value appends the change to the target's feed (`keys.metricsFeed`, a capped stream) in the same
// MULTI as the snapshot write, so a replica that loaded the snapshots once follows the feed and
// never parses every snapshot at scrape time (src/metrics/view.ts).
import { parseJson } from '../json.ts';
import type { RunStatus } from '../model.ts';
import type { ResourceSnapshot } from './snapshot.ts';

/** Entries a feed keeps (trimmed approximately); a replica further behind reloads the snapshots. */
export const FEED_MAXLEN = 1000;
/** The feed's value of a forgotten resource. */
export const GONE = '-';

export type ViewValue = { type: 'run'; status: RunStatus; lastSuccessAt?: string } | { type: 'step'; openErrors: number };

/** The compact view value of a snapshot; undefined for entries metrics does not show (unreadable streaks). */
export function viewValue(snap: ResourceSnapshot | { type?: unknown } | undefined): string | undefined {
  if (snap?.type === 'run') {
    const run = snap as Extract<ResourceSnapshot, { type: 'run' }>;
    return `r ${run.status} ${run.lastSuccessAt ?? ''}`;
  }
  if (snap?.type === 'step') return `s ${(snap as Extract<ResourceSnapshot, { type: 'step' }>).openErrors}`;
  return undefined;
}

/** A compact value back as data; undefined for a corrupt one or GONE. */
export function parseViewValue(value: string): ViewValue | undefined {
  const [type, a = '', b = ''] = value.split(' ');
  if (type === 'r' && a) return { type: 'run', status: a as RunStatus, ...(b ? { lastSuccessAt: b } : {}) };
  if (type === 's') {
    const openErrors = Number(a);
    return Number.isFinite(openErrors) ? { type: 'step', openErrors } : undefined;
  }
  return undefined;
}

/** The view value of a stored snapshot JSON (a corrupt entry shows nothing, as it reads as never seen). */
export function viewOfJson(json: string | null | undefined): string | undefined {
  return viewValue(parseJson<ResourceSnapshot>(json));
}

/**
 * The feed entry of a save: `[key, value, …]` for each written snapshot whose view value differs
 * from the one it replaces (`before`: the stored JSON as loaded).
 */
export function viewChanges(written: Iterable<[string, ResourceSnapshot]>, before: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [key, snap] of written) {
    const value = viewValue(snap);
    if (value !== undefined && value !== viewOfJson(before.get(key))) out.push(key, value);
  }
  return out;
}
