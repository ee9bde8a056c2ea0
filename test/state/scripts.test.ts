// The one script registry: a script registered with defineCommand runs with its keys and args,
// registering the same table again on the same client is a no-op, and one name for two scripts is
// refused (command names are shared by every module on a client).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyspace } from '../../src/state/keys.ts';
import { defineScripts } from '../../src/state/scripts.ts';
import { testRedis } from '../harness/redis.ts';

let ctx: Awaited<ReturnType<typeof testRedis>>;
beforeAll(async () => {
  ctx = await testRedis('scripts');
});
afterAll(async () => {
  await ctx?.cleanup();
});

const ECHO = `redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1]) .. '|' .. #KEYS .. '|' .. #ARGV`;

describe('defineScripts', () => {
  it('runs a script with its keys and args, registered once per client', async () => {
    const key = keyspace(ctx.prefix).target('scripts');
    const first = defineScripts(ctx.redis, { syncwatchTestEcho: ECHO });
    expect(await first.syncwatchTestEcho([key], 'a', 2)).toBe('a|1|2');
    const again = defineScripts(ctx.redis, { syncwatchTestEcho: ECHO });
    expect(await again.syncwatchTestEcho([key], 'b')).toBe('b|1|1');
    expect(await ctx.redis.get(key)).toBe('b');
  });

  it('refuses one name for two scripts on the same client', () => {
    defineScripts(ctx.redis, { syncwatchTestOne: `return 1` });
    expect(() => defineScripts(ctx.redis, { syncwatchTestOne: `return 2` })).toThrow(/registered twice/);
  });
});
