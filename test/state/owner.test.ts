// A process's heartbeat is renewed every two seconds for as long as it runs: a renewal is one key
// write (its TTL), not the key set again (set + expire); a key that is gone is set again.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { keyspace } from '../../src/state/keys.ts';
import { beat, OWNER_TTL_MS } from '../../src/state/owner.ts';
import { keyWritesRedis, type KeyWritesRedis } from '../harness/key-writes.ts';

const keys = keyspace('owner');
let server: KeyWritesRedis;
beforeAll(async () => {
  server = await keyWritesRedis();
});
afterAll(async () => server?.close());

it('a heartbeat renews the key with one write, and sets it again when it is gone', async () => {
  const key = keys.owner('p1');
  expect(await server.writes(keys.prefix, () => beat(server.redis, key))).toEqual({ 'owner:p# set': 1, 'owner:p# expire': 1 });
  await server.redis.pexpire(key, 1000); // most of its TTL has passed
  expect(await server.writes(keys.prefix, () => beat(server.redis, key))).toEqual({ 'owner:p# expire': 1 });
  expect(await server.redis.pttl(key)).toBeGreaterThan(OWNER_TTL_MS - 1000);
  await server.redis.del(key); // a Redis that restarted empty
  expect(await server.writes(keys.prefix, () => beat(server.redis, key))).toEqual({ 'owner:p# set': 1, 'owner:p# expire': 1 });
  expect(await server.redis.exists(key)).toBe(1);
});
