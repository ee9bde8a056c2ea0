// One readable unit of a poll (a Celigo flow's error summary or integration's sync jobs, an Airweave
// source connection's jobs, a Neo integration's sync runs) whose answer arrived but cannot be read.
import { unreadableKind } from '../errors.ts';
import type { UnreadableResource } from '../model.ts';

/**
 * A resource whose answer arrived but cannot be read (bad JSON, cut short, too large, a 5xx of its
 * own) goes to `unreadable` when a collector is given, and the rest carries on; anything else — and
 * everything without a collector — is for the caller to throw, failing the poll (auth, rate limit,
 * a target that cannot be reached).
 */
export function collectUnreadable(e: unknown, unreadable: UnreadableResource[] | undefined, key: string, name: string): boolean {
  const kind = unreadableKind(e);
  if (!kind || !unreadable) return false;
  unreadable.push({ key, name, kind, message: (e as Error).message });
  return true;
}
