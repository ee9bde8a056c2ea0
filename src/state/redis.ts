// The one place that opens a connection to syncwatch's Redis: one Redis (`redis.url`) or a Redis
// Cluster (`redis.cluster.nodes`). Every key lives under the hash-tagged prefix (`{syncwatch}:…`),
// so on a cluster all of them sit on one slot and the multi-key Lua scripts, MULTIs and BullMQ's
// scripts stay legal.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/index.ts';
import { SyncwatchError } from '../errors.ts';
import { keyspace } from './keys.ts';

/** What the rest of syncwatch talks to: either client speaks the same commands. */
export type RedisClient = Redis | Cluster;

/** A pipeline (or MULTI) of either client. */
export type RedisPipeline = ReturnType<RedisClient['pipeline']>;

/**
 * Send the queued commands in one write and return their replies in order. A command that failed
 * throws its error (the first one), as awaiting each command on its own would have; the others ran.
 */
export async function execPipeline(pipeline: RedisPipeline): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  const replies: unknown[] = [];
  for (const [error, reply] of results) {
    if (error) throw error;
    replies.push(reply);
  }
  return replies;
}

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
        redisOptions: {
          ...Object.assign({}, ...nodes.map((n) => n.options)),
          ...perNode,
          ...(maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest } : {}),
        },
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
    return await Promise.race([
      client.ping().then(
        (r) => r === 'PONG',
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long start-up (and the one-shot commands) wait for Redis before saying there is none. */
export const REDIS_START_TIMEOUT_MS = 5000;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);
const CONNECTION_MESSAGES = new RegExp(
  [
    'Connection is closed',
    "Stream isn't writeable",
    'enableOfflineQueue',
    'max retries per request',
    'None of startup nodes is available',
    'Failed to refresh slots cache',
    'ClusterAllFailedError',
    'connect ETIMEDOUT',
    'Socket closed unexpectedly',
  ].join('|'),
  'i',
);

/** An error that only says Redis cannot be reached (as opposed to a command Redis refused). */
export function isConnectionError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown; lastNodeError?: unknown } | undefined;
  if (!err) return false;
  if (typeof err.code === 'string' && CONNECTION_CODES.has(err.code)) return true;
  return typeof err.message === 'string' && CONNECTION_MESSAGES.test(err.message);
}

/** A connection error in a few words: `connection refused`, `host not found`, … */
export function connectionProblem(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return e instanceof Error ? e.message : 'no answer';
  }
}

/**
 * A client that answers: waits up to `timeoutMs` for Redis to be ready, else throws an
 * `environment` SyncwatchError naming the Redis and what to do. The client keeps an 'error'
 * listener, so ioredis never prints its own "Unhandled error event" stacks.
 */
export async function connectRedis(
  config: Pick<RedisConfig, 'url' | 'cluster'>,
  options: RedisOptions = {},
  timeoutMs = REDIS_START_TIMEOUT_MS,
): Promise<RedisClient> {
  const client = createRedis(config, options);
  let last: unknown;
  const remember = (e: unknown) => void (last = e);
  client.on('error', remember);
  let timer: NodeJS.Timeout | undefined;
  const ready = await new Promise<boolean>((resolve) => {
    if (client.status === 'ready') return resolve(true);
    timer = setTimeout(() => resolve(false), timeoutMs);
    client.once('ready', () => resolve(true));
  });
  clearTimeout(timer);
  if (ready) return client;
  client.disconnect();
  const why = last === undefined ? `no answer within ${Math.round(timeoutMs / 1000)} s` : connectionProblem(last);
  throw new SyncwatchError(
    'environment',
    `no Redis at ${describeRedis(config)} (${why}): start one, or set REDIS_URL (or redis.url in the config)`,
  );
}

export interface RedisOutages {
  /** True while the connection is lost. */
  readonly down: boolean;
  /** An error from any client of this Redis (workers, queues): false when it was not about the connection. */
  absorb(e: unknown): boolean;
}

/**
 * One warning line when the connection to Redis is lost (not one per retry), one line when it is
 * back. Connection errors of the other clients (BullMQ workers and queues) are part of the same
 * outage and are logged at debug level only.
 */
export function watchRedisOutages(
  client: RedisClient,
  config: Pick<RedisConfig, 'url' | 'cluster'>,
  logger: { warn(o: object, m: string): void; info(o: object, m: string): void; debug(o: object, m: string): void },
): RedisOutages {
  const redis = describeRedis(config);
  let down = false;
  const lost = (e: unknown) => {
    if (down) return;
    down = true;
    logger.warn({ redis, problem: connectionProblem(e) }, 'redis connection lost');
  };
  client.on('error', (e: unknown) =>
    isConnectionError(e) || client.status !== 'ready'
      ? lost(e)
      : logger.warn({ redis, err: { message: e instanceof Error ? e.message : String(e) } }, 'redis error'),
  );
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ redis }, 'redis connection back');
  });
  return {
    get down() {
      return down;
    },
    absorb(e) {
      if (!isConnectionError(e)) return false;
      logger.debug({ redis, problem: connectionProblem(e) }, 'redis connection error');
      return true;
    },
  };
}

/** The key that marks a prefix as the demo's own: only such a prefix (or an empty one) is ever wiped. */
export const demoMarkerKey = (prefix: string) => keyspace(prefix).demo;

/** The demo's default prefix, wiped even without the marker (demos from before the marker existed). */
export const DEFAULT_DEMO_PREFIX = 'syncwatch-demo';

async function scanPrefix(
  client: RedisClient,
  prefix: string,
  each: (node: Redis, keys: string[]) => Promise<boolean | void>,
): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', keyspace(prefix).everything, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0 && (await each(node, keys)) === false) return;
    } while (cursor !== '0');
  }
}

/**
 * Start the demo from nothing: delete every key under its prefix (SCAN + UNLINK, that prefix only)
 * and mark the prefix as the demo's. A prefix that holds keys without the mark belongs to something
 * else — a real deployment — and is refused, never wiped.
 */
export async function freshDemoPrefix(client: RedisClient, prefix: string): Promise<void> {
  const marked = (await client.exists(demoMarkerKey(prefix))) === 1;
  if (!marked && prefix !== DEFAULT_DEMO_PREFIX) {
    let used = false;
    await scanPrefix(client, prefix, async () => {
      used = true;
      return false;
    });
    if (used)
      throw new SyncwatchError(
        'environment',
        `the Redis prefix "${prefix}" holds keys that are not the demo's: set SYNCWATCH_DEMO_PREFIX to a prefix of its own`,
      );
  }
  await scanPrefix(client, prefix, async (node, keys) => void (await node.unlink(...keys)));
  await client.set(demoMarkerKey(prefix), new Date().toISOString());
}
