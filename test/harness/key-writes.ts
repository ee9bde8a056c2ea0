// Key writes counted as bench/cycle.ts counts them: every keyspace event (SET, HSET, XADD, EXPIRE, …;
// `SET k v EX n` is two: set + expire) of a redis-server of the calling test file's own, with
// keyspace events on (the shared Redis's configuration is never touched), nothing on disk.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { freePort } from './redis.ts';

const CHANNEL = '__keyspace@0__:';

export interface KeyWritesRedis {
  url: string;
  redis: Redis;
  /**
   * What `fn` wrote under `prefix` (a deployment's hash-tagged prefix), as `"<key> <event>" → count`
   * with the prefix left out and hex digests and numbers as `#` (bench/cycle.ts's shapes).
   */
  writes(prefix: string, fn: () => Promise<unknown>): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export const total = (writes: Record<string, number>) => Object.values(writes).reduce((s, n) => s + n, 0);

export async function keyWritesRedis(): Promise<KeyWritesRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'syncwatch-key-writes-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--notify-keyspace-events', 'KA'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (/Ready to accept connections/.test(line)) {
        lines.close();
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready`)));
  });
  child.stdout!.resume();
  const url = `redis://127.0.0.1:${port}`;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const subscriber = new Redis(url);
  let counting: { prefix: string; counts: Record<string, number> } | undefined;
  subscriber.on('pmessage', (_pattern: string, channel: string, event: string) => {
    if (!counting || event === 'expired') return;
    const key = channel.slice(CHANNEL.length);
    if (!key.startsWith(`${counting.prefix}:`)) return;
    const shape = `${key.slice(counting.prefix.length + 1).replace(/[0-9a-f]{6,}|\d+/g, '#')} ${event}`;
    counting.counts[shape] = (counting.counts[shape] ?? 0) + 1;
  });
  await subscriber.psubscribe(`${CHANNEL}*`);
  return {
    url,
    redis,
    async writes(prefix, fn) {
      // Events of what was written before are still on their way: let them arrive first.
      await subscriber.ping();
      counting = { prefix, counts: {} };
      try {
        await fn();
        // Every event Redis published before this PING's answer has arrived (one connection, in order).
        await subscriber.ping();
        return counting.counts;
      } finally {
        counting = undefined;
      }
    },
    async close() {
      redis.disconnect();
      subscriber.disconnect();
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
