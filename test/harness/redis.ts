// Real Redis for tests, found in DESIGN.md's order: REDIS_URL, a Redis on 127.0.0.1:6379,
// a Testcontainers Redis when Docker is available, else `redis-server` from PATH on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

let resolved: Promise<string> | undefined;
let child: ChildProcess | undefined;

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A TCP port on 127.0.0.1 nothing listens on (for a redis-server of a test's own). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no free port'))));
    });
  });
}

async function dockerRedis(): Promise<string | undefined> {
  try {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    return `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  } catch {
    return undefined;
  }
}

async function spawnedRedis(): Promise<string | undefined> {
  const port = await freePort();
  try {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child.unref();
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      if (await answers(url)) return url;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch {
    /* fall through */
  }
  return undefined;
}

async function find(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  if (await answers('redis://127.0.0.1:6379')) return 'redis://127.0.0.1:6379';
  if (process.env.DOCKER_HOST || (await import('node:fs')).existsSync('/var/run/docker.sock')) {
    const url = await dockerRedis();
    if (url) return url;
  }
  const url = await spawnedRedis();
  if (url) return url;
  throw new Error(
    'No Redis for the tests: set REDIS_URL, start one on 127.0.0.1:6379 ' +
      '(redis-server --daemonize yes --port 6379 --save "" --appendonly no), install Docker, or put redis-server on PATH.',
  );
}

/** The URL of a Redis the tests may use. */
export function redisUrl(): Promise<string> {
  resolved ??= find();
  return resolved;
}

/** A client plus a key prefix unique to the calling test file; `cleanup()` deletes its keys. */
export async function testRedis(fileTag: string): Promise<{ redis: Redis; prefix: string; url: string; cleanup: () => Promise<void> }> {
  const url = await redisUrl();
  const prefix = `swtest-${fileTag}-${process.pid}-${Date.now().toString(36)}`;
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  const cleanup = async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  };
  return { redis, prefix, url, cleanup };
}
