// A real alerting pipeline for tests: Redis, the notify queue and an in-process BullMQ Worker.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Writable } from 'node:stream';
import { createAlerting, type Alerting } from '../../src/alerting/index.ts';
import type { NotificationOutcome } from '../../src/alerting/dispatcher.ts';
import type { ReceiverConfig, RouteConfig, SilenceConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { keyspace, type Keyspace } from '../../src/state/keys.ts';
import { testRedis } from '../harness/redis.ts';

export interface Pipeline {
  alerting: Alerting;
  redis: Redis;
  keys: Keyspace;
  queue: Queue;
  lines: Array<Record<string, any>>;
  outcomes: Array<[string, NotificationOutcome]>;
  /** Dropped notifications: receiver and reason (its error code, `retry_window`, …). */
  drops: Array<[string, string]>;
  close(): Promise<void>;
}

export function route(over: Partial<RouteConfig> & { receiver: string }): RouteConfig {
  return {
    groupBy: ['target', 'kind'],
    groupWait: 200,
    groupInterval: 500,
    repeatInterval: 3600_000,
    sendResolved: true,
    routes: [],
    ...over,
  };
}

export function subRoute(over: Partial<RouteConfig['routes'][number]>): RouteConfig['routes'][number] {
  return { continue: false, routes: [], ...over };
}

export async function startPipeline(
  tag: string,
  config: { receivers: ReceiverConfig[]; route: RouteConfig; silences?: SilenceConfig[] },
): Promise<Pipeline> {
  const { redis, prefix, url, cleanup } = await testRedis(tag);
  const keys = keyspace(prefix);
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('notify', { connection, prefix: keys.prefix });
  const lines: Pipeline['lines'] = [];
  const logger = createLogger(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        cb();
      },
    }),
  );
  const outcomes: Pipeline['outcomes'] = [];
  const drops: Pipeline['drops'] = [];
  const alerting = createAlerting({
    config: { receivers: config.receivers, route: config.route, silences: config.silences ?? [] },
    redis,
    keys,
    notifyQueue: queue,
    logger,
    retry: { initialMs: 100, maxMs: 400, retryForMs: 120_000 },
    onNotification: (receiver, outcome, _n, reason) => {
      outcomes.push([receiver, outcome]);
      if (outcome === 'dropped') drops.push([receiver, reason ?? '']);
    },
  });
  const worker = new Worker('notify', alerting.processor, { connection, prefix: keys.prefix, concurrency: 4 });
  worker.on('error', () => {});
  return {
    alerting,
    redis,
    keys,
    queue,
    lines,
    outcomes,
    drops,
    async close() {
      // Let a job that is running finish (its last writes would otherwise land after the cleanup and
      // leave keys behind); one that hangs (a held receiver) is cut off after a while.
      let bounded: NodeJS.Timeout | undefined;
      await Promise.race([
        worker.close(),
        new Promise<void>((resolve) => (bounded = setTimeout(() => void worker.close(true).then(resolve, resolve), 10_000))),
      ]);
      clearTimeout(bounded);
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      connection.disconnect();
      await cleanup();
    },
  };
}
