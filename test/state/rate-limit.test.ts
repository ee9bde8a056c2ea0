// The Redis token bucket shared by replicas: what it writes (a take is one HSET; the key's TTL is
// renewed only now and then, and never lets the key vanish before the bucket would be full again).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { keyspace } from '../../src/state/keys.ts';
import { RedisTokenBucket } from '../../src/state/rate-limit.ts';
import { testRedis } from '../harness/redis.ts';

let redis: Redis;
let keys: ReturnType<typeof keyspace>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const r = await testRedis('h-bench-rate-limit');
  redis = r.redis;
  cleanup = r.cleanup;
  keys = keyspace(r.prefix);
});
afterAll(async () => cleanup());

describe('RedisTokenBucket', () => {
  it('takes tokens one lease at a time from a bucket that starts full', async () => {
    let now = 1_000_000;
    const bucket = new RedisTokenBucket(redis, keys.bucket('a'), 100, 100, () => now, 10);
    for (let i = 0; i < 25; i++) await bucket.acquire();
    // three leases of 10 taken: 70 left, as of `now`
    expect(await redis.hgetall(keys.bucket('a'))).toEqual({ tokens: '70', at: String(now) });
    now += 100; // 10 tokens refilled; the leftover lease (5) is still fresh
    for (let i = 0; i < 6; i++) await bucket.acquire();
    expect(await redis.hgetall(keys.bucket('a'))).toEqual({ tokens: '70', at: String(now) });
  });

  it('keeps its key at least until the bucket would be full again, renewing the TTL only once half of it passed', async () => {
    const now = 2_000_000;
    // rate 100/s, burst 100: full again 1 s after empty; the key lives 2 × (1 s + 1 s)
    const bucket = new RedisTokenBucket(redis, keys.bucket('b'), 100, 100, () => now, 1);
    await bucket.acquire();
    const ttl = await redis.pttl(keys.bucket('b'));
    expect(ttl).toBeGreaterThan(2_000);
    expect(ttl).toBeLessThanOrEqual(4_000);
    await redis.pexpire(keys.bucket('b'), 3_000);
    await bucket.acquire();
    expect(await redis.pttl(keys.bucket('b')), 'not renewed: more than half is left').toBeLessThanOrEqual(3_000);
    await redis.pexpire(keys.bucket('b'), 1_900);
    await bucket.acquire();
    expect(await redis.pttl(keys.bucket('b')), 'renewed').toBeGreaterThan(3_000);
  });
});
