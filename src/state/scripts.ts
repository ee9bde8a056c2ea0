// Every Lua script of syncwatch runs as an ioredis command registered with `defineCommand`, once per
// client: ioredis sends EVALSHA and falls back to EVAL itself on NOSCRIPT (after a Redis restart, on
// a cluster node that never saw the script), so no caller sends a script's text each time or
// handles NOSCRIPT by hand. Each module names its scripts in one table and calls `defineScripts`
// with the client it was given; a Redis Cluster client (ioredis `Cluster`) registers them the same way.
// BullMQ's connections are its own and never see these commands.
import type { RedisClient, RedisPipeline } from './redis.ts';

export type ScriptArg = string | number;
/** Run one script: its KEYS, then its ARGV. */
export type ScriptCall = (keys: readonly string[], ...args: ScriptArg[]) => Promise<unknown>;
/** Queue one call of a script on a pipeline of the client it was registered on (its reply comes with the pipeline's). */
export type ScriptQueue = (pipeline: RedisPipeline, keys: readonly string[], ...args: ScriptArg[]) => void;

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

/**
 * The same scripts, queued on a pipeline instead of sent one by one: many calls go out in one write
 * (ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT inside a pipeline too). The pipeline must
 * come from the client the scripts were registered on with `defineScripts`.
 */
export function pipelineScripts<N extends string>(names: readonly N[]): Readonly<Record<N, ScriptQueue>> {
  const queues = {} as Record<N, ScriptQueue>;
  for (const name of names) {
    queues[name] = (pipeline, keys, ...args) => {
      const command = (pipeline as unknown as Record<string, ((...a: ScriptArg[]) => unknown) | undefined>)[name];
      if (!command) throw new Error(`Redis script ${name} is not registered on this pipeline's client`);
      command.call(pipeline, keys.length, ...keys, ...args);
    };
  }
  return queues;
}
