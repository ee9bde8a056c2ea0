// A daemon process's identity in Redis: a key with a short TTL that the process keeps renewing.
// Its absence is how other processes (or this one's successor after a kill -9) know that the poll
// cycle it was working on will never finish, and take the target's claim over at once instead of
// waiting for the claim to expire.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient as Redis } from './redis.ts';
import type { Keyspace } from './keys.ts';

/** How long a heartbeat lives without renewal: a killed process is known dead after this. */
export const OWNER_TTL_MS = 8_000;
/** How often it is renewed (a few renewals may fail, e.g. during a Redis blip, before it lapses). */
export const OWNER_RENEW_MS = 2_000;

export interface OwnerHeartbeat {
  readonly id: string;
  stop(): Promise<void>;
}

/** `host:pid:random` — unique per process start, readable in logs. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`.replace(/[|\s]/g, '_');
}

/**
 * One heartbeat: the key's TTL renewed (one write), or the key set again when it is gone (a Redis
 * that restarted empty, a renewal that came too late). Only its presence is ever read.
 */
export async function beat(redis: Redis, key: string): Promise<void> {
  if ((await redis.pexpire(key, OWNER_TTL_MS)) === 0) await redis.set(key, String(Date.now()), 'PX', OWNER_TTL_MS);
}

export async function startOwnerHeartbeat(
  redis: Redis,
  keys: Keyspace,
  onError: (e: Error) => void,
  id = newOwnerId(),
): Promise<OwnerHeartbeat> {
  const key = keys.owner(id);
  await beat(redis, key);
  const timer = setInterval(() => void beat(redis, key).catch(onError), OWNER_RENEW_MS);
  timer.unref();
  return {
    id,
    async stop() {
      clearInterval(timer);
      // Gone on a clean stop: whatever cycle this process still claims is free at once.
      await redis.del(key).catch(onError);
    },
  };
}
