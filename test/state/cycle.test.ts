// One poll cycle per target at a time: an overlapping cycle would diff an older observation on top
// of newer state (a wrong RESOLVED, then the real one dropped as a duplicate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { testRedis } from '../harness/redis.ts';

let redis: Redis;
let keys: ReturnType<typeof keyspace>;
let store: StateStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const r = await testRedis('cycle');
  redis = r.redis;
  cleanup = r.cleanup;
  keys = keyspace(r.prefix);
  store = new StateStore(redis, keys);
});
afterAll(async () => cleanup());

describe('cycle claim', () => {
  it('refuses a second cycle while the first runs, and accepts the same cycle again', async () => {
    expect(await store.beginCycle('t1', '1000', 60_000)).toEqual({ started: true });
    expect(await store.beginCycle('t1', '2000', 60_000)).toEqual({ started: false, running: '1000' });
    expect(await store.beginCycle('t1', '1000', 60_000)).toEqual({ started: true }); // a re-processed plan job
    expect(await store.beginCycle('t2', '2000', 60_000)).toEqual({ started: true }); // other targets are independent
  });

  it('the cycle that completes its last chunk releases the claim', async () => {
    expect(await store.beginCycle('t3', '1000', 60_000)).toEqual({ started: true });
    await store.finishChunk('t3', '1000', 0, 2, true, undefined, undefined, 60_000);
    expect((await store.beginCycle('t3', '2000', 60_000)).started).toBe(false);
    await store.endCycle('t3', '1000');
    expect(await store.beginCycle('t3', '2000', 60_000)).toEqual({ started: true });
  });

  it('a finished chunk renews the claim; an old cycle cannot release a newer one', async () => {
    await store.beginCycle('t4', '1000', 1_000);
    await store.finishChunk('t4', '1000', 0, 3, true, undefined, undefined, 600_000);
    expect(await redis.pttl(keys.inflight('t4'))).toBeGreaterThan(1_000);
    await store.endCycle('t4', '0999');
    expect((await store.beginCycle('t4', '2000', 60_000)).started).toBe(false);
  });

  it('a claim that makes no progress expires, so a dead cycle blocks nothing for long', async () => {
    await store.beginCycle('t5', '1000', 1);
    // Wait for Redis to expire the 1 ms claim (bounded); nothing here asserts on time.
    const deadline = Date.now() + 5_000;
    while ((await redis.exists(keys.inflight('t5'))) === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(await store.beginCycle('t5', '2000', 60_000)).toEqual({ started: true });
  });

  it("a claim whose owner is alive blocks; once its heartbeat is gone the next cycle takes over at once, and the old cycle's chunks are stale", async () => {
    await redis.set(keys.owner('alive'), '1', 'PX', 60_000);
    expect(await store.beginCycle('t6', '1000', 600_000, 'alive')).toEqual({ started: true });
    expect(await store.touchCycle('t6', '1000', 600_000, 'alive')).toBe(true);
    expect(await store.beginCycle('t6', '2000', 600_000, 'next')).toEqual({ started: false, running: '1000' });
    await redis.del(keys.owner('alive')); // the process died: its heartbeat lapsed
    expect(await store.beginCycle('t6', '2000', 600_000, 'next')).toEqual({ started: true, replaced: { cycle: '1000', owner: 'alive' } });
    expect(await store.touchCycle('t6', '1000', 600_000, 'other'), 'a chunk of the abandoned cycle').toBe(false);
    expect(await store.touchCycle('t6', '2000', 600_000, 'other')).toBe(true);
    await store.endCycle('t6', '2000');
    expect(await redis.exists(keys.inflight('t6'))).toBe(0);
  });

  it('a claim without an owner (syncwatch once, older processes) is only ever freed by its TTL or its end', async () => {
    expect(await store.beginCycle('t7', '1000', 600_000)).toEqual({ started: true });
    expect(await store.beginCycle('t7', '2000', 600_000, 'next')).toEqual({ started: false, running: '1000' });
  });

  it('a claim that names this owner already and is fresh is not rewritten by a chunk; another owner takes it over', async () => {
    await store.beginCycle('t8', '1000', 600_000, 'a');
    await redis.pexpire(keys.inflight('t8'), 590_000); // less than a tenth of the TTL has passed
    expect(await store.touchCycle('t8', '1000', 600_000, 'a')).toBe(true);
    expect(await redis.pttl(keys.inflight('t8'))).toBeLessThanOrEqual(590_000);
    await redis.pexpire(keys.inflight('t8'), 500_000); // more than a tenth: renewed
    expect(await store.touchCycle('t8', '1000', 600_000, 'a')).toBe(true);
    expect(await redis.pttl(keys.inflight('t8'))).toBeGreaterThan(590_000);
    await redis.pexpire(keys.inflight('t8'), 590_000);
    expect(await store.touchCycle('t8', '1000', 600_000, 'b')).toBe(true);
    expect(await redis.get(keys.inflight('t8'))).toBe('1000|b');
    expect(await redis.pttl(keys.inflight('t8'))).toBeGreaterThan(590_000);
  });
});

describe('chunks of a cycle', () => {
  it("completes exactly once, whatever is re-processed, with every chunk's latest extras", async () => {
    const finish = (chunk: number, requests: number) => store.finishChunk('c1', '1000', chunk, 3, true, undefined, { requests }, 60_000);
    expect(await finish(0, 1)).toEqual({ complete: false, failed: 0, extras: [] });
    expect((await finish(0, 2)).complete).toBe(false); // re-processed
    expect((await finish(2, 3)).complete).toBe(false);
    const last = await finish(1, 4);
    expect(last.complete).toBe(true);
    expect(last.failed).toBe(0);
    expect(last.extras.map((e) => e.requests).sort()).toEqual([2, 3, 4]);
    expect((await finish(1, 5)).complete, 'a chunk re-processed after completion').toBe(false);
    expect(await redis.ttl(keys.cycleChunks('c1', '1000'))).toBeGreaterThan(0);
  });

  it('counts each failed chunk once, keeps the first failure, and a re-processed chunk keeps its extras when it brings none', async () => {
    const fail = (chunk: number, message: string) =>
      store.finishChunk('c2', '1000', chunk, 3, false, { kind: 'upstream', message }, undefined, 60_000);
    expect(await fail(0, 'first')).toEqual({
      complete: false,
      failed: 1,
      firstFailure: { kind: 'upstream', message: 'first' },
      extras: [],
    });
    expect((await fail(0, 'again')).failed).toBe(1);
    await store.finishChunk('c2', '1000', 1, 3, true, undefined, { requests: 7 }, 60_000);
    await store.finishChunk('c2', '1000', 1, 3, true, undefined, undefined, 60_000); // re-processed, nothing new
    expect((await fail(2, 'second')).failed).toBe(2);
    const done = await store.finishChunk('c2', '1000', 3, 4, true, undefined, { requests: 1 }, 60_000);
    expect(done).toEqual({
      complete: true,
      failed: 2,
      firstFailure: { kind: 'upstream', message: 'first' },
      extras: expect.arrayContaining([{ requests: 7 }, { requests: 1 }]),
    });
    expect(done.extras).toHaveLength(2);
  });
});
