// The watch tests hand their transitions to a real alerting pipeline, as the daemon does: it keeps
// the one index of firing alerts (what /status, metrics and a flow leaving the scope read).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createAlerting, type Alerting } from '../../src/alerting/index.ts';
import type { AlertEvent } from '../../src/alert/model.ts';
import { createLogger } from '../../src/log.ts';
import type { Keyspace } from '../../src/state/keys.ts';
import { route } from '../alerting/harness.ts';

export interface WatchAlerting {
  alerting: Alerting;
  ingest(events: readonly AlertEvent[]): Promise<void>;
  /** The firing alerts as /status lists them. */
  firing(): Promise<Awaited<ReturnType<Alerting['alertsForStatus']>>>;
  close(): Promise<void>;
}

export function watchAlerting(url: string, redis: Redis, keys: Keyspace): WatchAlerting {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('notify', { connection, prefix: keys.prefix });
  const alerting = createAlerting({
    config: { receivers: [{ name: 'log', log: {} }], route: route({ receiver: 'log' }), silences: [] },
    redis,
    keys,
    notifyQueue: queue,
    logger: createLogger({ level: 'silent' }),
  });
  return {
    alerting,
    ingest: (events) => (events.length > 0 ? alerting.ingest(events) : Promise.resolve()),
    firing: () => alerting.alertsForStatus(),
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
