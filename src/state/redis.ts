// The one place that opens a connection to syncwatch's Redis: one Redis (`redis.url`) or a Redis
// Cluster (`redis.cluster.nodes`). Every key lives under the hash-tagged prefix (`{syncwatch}:…`),
// so on a cluster all of them sit on one slot and the multi-key Lua scripts, MULTIs and BullMQ's
// scripts stay legal.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/index.ts';

/** What the rest of syncwatch talks to: either client speaks the same commands. */
export type RedisClient = Redis | Cluster;

/** Connection options per node taken from a `redis://[user:pass@]host:port[/db]` URL. */
function nodeOf(url: string): { host: string; port: number; options: RedisOptions } {
  const u = new URL(url);
  const options: RedisOptions = {};
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') options.tls = {};
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379), options };
}

/**
 * A client for the configured Redis. `options` are per-connection options (e.g. BullMQ's
 * `maxRetriesPerRequest: null`); on a cluster they apply to every node's connection.
 */
export function createRedis(config: Pick<RedisConfig, 'url' | 'cluster'>, options: RedisOptions = {}): RedisClient {
  if (config.cluster) {
    const nodes = config.cluster.nodes.map(nodeOf);
    const { maxRetriesPerRequest, lazyConnect, ...perNode } = options;
    return new Cluster(
      nodes.map(({ host, port }) => ({ host, port })),
      {
        // Credentials and TLS are the same for every node: taken from the first URL that has them.
        redisOptions: { ...Object.assign({}, ...nodes.map((n) => n.options)), ...perNode, ...(maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest } : {}) },
        ...(lazyConnect !== undefined ? { lazyConnect } : {}),
        // Wait for the cluster to be ready rather than failing a command while slots are learnt.
        enableOfflineQueue: true,
      },
    );
  }
  return new Redis(config.url, options);
}

/** A short description for logs, without credentials. */
export function describeRedis(config: Pick<RedisConfig, 'url' | 'cluster'>): string {
  const strip = (url: string) => {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  };
  return config.cluster ? `cluster ${config.cluster.nodes.map(strip).join(',')}` : strip(config.url);
}

/**
 * Whether Redis answers PING within `timeoutMs`. A client made for BullMQ (maxRetriesPerRequest:
 * null) queues commands while disconnected and would wait forever: a disconnected client is "no" at once.
 */
export async function redisAnswers(client: RedisClient, timeoutMs = 1000): Promise<boolean> {
  if (client.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([client.ping().then((r) => r === 'PONG', () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
