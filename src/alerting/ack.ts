// Acknowledgements (Slack's Acknowledge button): someone has an alert in hand. Kept per alert
// episode (fingerprint + startsAt) in Redis, so reminders of that episode stop, and a new episode
// (the alert resolved and fired again) is unacknowledged. The flush reads them (flush.ts `acked`).
import type { AlertEvent } from '../alert/model.ts';
import { parseJson } from '../json.ts';
import type { Keyspace } from '../state/keys.ts';
import type { RedisClient as Redis } from '../state/redis.ts';

/** An acknowledgement outlives any sane episode; a new episode has its own key anyway. */
export const ACK_TTL_SECONDS = 35 * 24 * 3600;

export interface Ack {
  /** Who: the Slack user's name or id. */
  by: string;
  /** Their Slack user id, when it came from Slack. */
  userId?: string;
  at: string;
  /** The episode acknowledged: the alert's startsAt. */
  episode: string;
}

const ackKey = (keys: Keyspace, fingerprint: string, episode: string) => keys.alerting.ack(`${fingerprint}|${episode}`);

/** Acknowledge one episode, once: the ack as it now is, and whether this call made it. */
export async function acknowledge(
  redis: Redis,
  keys: Keyspace,
  alert: Pick<AlertEvent, 'fingerprint' | 'startsAt'>,
  by: { name: string; userId?: string },
  now: number,
): Promise<{ ack: Ack; fresh: boolean }> {
  const ack: Ack = { by: by.name, ...(by.userId ? { userId: by.userId } : {}), at: new Date(now).toISOString(), episode: alert.startsAt };
  const key = ackKey(keys, alert.fingerprint, alert.startsAt);
  if ((await redis.set(key, JSON.stringify(ack), 'EX', ACK_TTL_SECONDS, 'NX')) === 'OK') return { ack, fresh: true };
  return { ack: parseJson<Ack>(await redis.get(key)) ?? ack, fresh: false };
}

/** The acknowledgements of these alerts' current episodes, by fingerprint. */
export async function acksOf(
  redis: Redis,
  keys: Keyspace,
  alerts: ReadonlyArray<Pick<AlertEvent, 'fingerprint' | 'startsAt'>>,
): Promise<Map<string, Ack>> {
  const out = new Map<string, Ack>();
  if (alerts.length === 0) return out;
  const values = await redis.mget(...alerts.map((a) => ackKey(keys, a.fingerprint, a.startsAt)));
  alerts.forEach((a, i) => {
    const ack = parseJson<Ack>(values[i] ?? '');
    if (ack) out.set(a.fingerprint, ack);
  });
  return out;
}
