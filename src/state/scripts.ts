// Every Lua script of syncwatch runs as an ioredis command registered with `defineCommand`, once per
// client: ioredis sends EVALSHA and falls back to EVAL itself on NOSCRIPT (after a Redis restart, on
// a cluster node that never saw the script), so no caller sends a script's text each time or
// handles NOSCRIPT by hand. Each module names its scripts in one table and calls `defineScripts`
// with the client it was given; a Redis Cluster client (ioredis `Cluster`) registers them the same way.
// BullMQ's connections are its own and never see these commands.
import type { RedisClient } from './redis.ts';

export type ScriptArg = string | number;
/** Run one script: its KEYS, then its ARGV. */
export type ScriptCall = (keys: readonly string[], ...args: ScriptArg[]) => Promise<unknown>;

const registered = new WeakMap<RedisClient, Map<string, string>>();

/**
 * Register the table's scripts on `redis` (once per client and name) and return a caller per
 * script. Names are command names on the client, shared by every module: a name already registered
 * with another script is a programming error and throws.
 */
export function defineScripts<N extends string>(redis: RedisClient, table: Readonly<Record<N, string>>): Readonly<Record<N, ScriptCall>> {
  let known = registered.get(redis);
  if (!known) registered.set(redis, (known = new Map()));
  const callers = {} as Record<N, ScriptCall>;
  for (const name of Object.keys(table) as N[]) {
    const lua = table[name];
    const before = known.get(name);
    if (before === undefined) {
      redis.defineCommand(name, { lua });
      known.set(name, lua);
    } else if (before !== lua) {
      throw new Error(`Redis script ${name} is registered twice with different texts`);
    }
    const command = (redis as unknown as Record<string, (...a: ScriptArg[]) => Promise<unknown>>)[name]!.bind(redis);
    callers[name] = (keys, ...args) => command(keys.length, ...keys, ...args);
  }
  return callers;
}
