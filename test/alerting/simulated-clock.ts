// The real alerting pipeline (Redis, notify queue, dispatcher, notifier) driven on a simulated
// clock: no worker; the test takes the notify queue's jobs itself and, when a delivery is refused,
// moves its clock on by the delay the pipeline asked for (its "will retry" log line). So the
// default retry schedule plays out over minutes of simulated time in well under a second.
import { Queue } from 'bullmq';
import { Writable } from 'node:stream';
import type { AlertEvent } from '../../src/alert/model.ts';
import type { NotificationOutcome } from '../../src/alerting/dispatcher.ts';
import { createAlerting } from '../../src/alerting/index.ts';
import type { ReceiverConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { keyspace } from '../../src/state/keys.ts';
import { testRedis } from '../harness/redis.ts';
import { route } from './harness.ts';

export interface SimulatedDelivery {
  /** Simulated ms (since the first attempt) of each delivery attempt, and what it came to. */
  attempts: Array<{ at: number; result: string }>;
  outcomes: NotificationOutcome[];
  lines: Array<Record<string, any>>;
}

export async function deliverOnSimulatedClock(o: {
  tag: string;
  receiver: ReceiverConfig;
  alert: AlertEvent;
  /** Called before each attempt with the simulated time: the test sets its fake down or up. */
  before(elapsedMs: number): void;
  maxAttempts?: number;
}): Promise<SimulatedDelivery> {
  const { redis, prefix, cleanup } = await testRedis(o.tag);
  const keys = keyspace(prefix);
  const queue = new Queue('notify', { connection: redis, prefix: keys.prefix });
  const lines: SimulatedDelivery['lines'] = [];
  const logger = createLogger(
    { level: 'debug' },
    new Writable({
      write(chunk, _e, cb) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        cb();
      },
    }),
  );
  const start = Date.parse('2026-05-01T10:00:00.000Z');
  let elapsed = 0;
  const outcomes: NotificationOutcome[] = [];
  const alerting = createAlerting({
    config: { receivers: [o.receiver], route: route({ receiver: o.receiver.name, groupWait: 0 }), silences: [] },
    redis,
    keys,
    notifyQueue: queue,
    logger,
    now: () => start + elapsed,
    onNotification: (_r, outcome) => outcomes.push(outcome),
  });
  const attempts: SimulatedDelivery['attempts'] = [];
  try {
    await alerting.ingest([o.alert]);
    const jobs = () => queue.getJobs(['waiting', 'delayed', 'prioritized']);
    for (const job of await jobs()) if (job.name === 'flush') await alerting.processor(job);
    const deliver = (await jobs()).find((j) => j.name === 'deliver');
    if (!deliver) throw new Error('no delivery job after the flush');
    for (;;) {
      o.before(elapsed);
      const result = String(await alerting.processor(deliver).catch(() => 'will retry'));
      attempts.push({ at: elapsed, result });
      if (result !== 'will retry') break;
      if (attempts.length >= (o.maxAttempts ?? 50)) throw new Error(`still retrying after ${attempts.length} attempts`);
      const retry = lines.filter((l) => l.msg === 'delivery failed; will retry').at(-1);
      if (typeof retry?.retryInMs !== 'number') throw new Error('a refused delivery without a "will retry" line');
      elapsed += retry.retryInMs;
    }
    return { attempts, outcomes, lines };
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await cleanup();
  }
}
