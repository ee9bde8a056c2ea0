// The alerting module's entry point: route → group → silence/inhibit → dedup → deliver.
// `createAlerting` wires the stages to Redis and the notify queue; the daemon calls `ingest` with
// the watch loop's transitions and runs `processor` on the notify queue's Worker.
import type { Job, Queue } from 'bullmq';
import type { RedisClient as Redis } from '../state/redis.ts';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { createNotifiers } from '../notifiers/registry.ts';
import type { Notifier } from '../notifiers/types.ts';
import type { Keyspace } from '../state/keys.ts';
import { Dispatcher, type FiringAlertStatus, type NotificationOutcome, type TransitionLog } from './dispatcher.ts';
import type { DeliveryRetryOptions } from './retry.ts';
import { compileRoute } from './route.ts';
import { silencesFromConfig } from './silence.ts';
import type { AlertEvent, Notification } from '../alert/model.ts';

export { addSilence, expireSilence, formatSilence, listSilences, parseMatchers, type Silence } from './silence.ts';
export { sendTestAlert, testNotification } from './test-alert.ts';
export { acknowledge, acksOf, ACK_TTL_SECONDS, type Ack } from './ack.ts';
export type { FiringAlertStatus, NotificationOutcome, TransitionLog } from './dispatcher.ts';

export interface AlertingOptions {
  config: Pick<Config, 'receivers' | 'route' | 'silences'>;
  redis: Redis;
  keys: Keyspace;
  /** The `notify` queue (src/queues.ts); flush and deliver jobs go there. */
  notifyQueue: Queue;
  logger: Logger;
  now?: () => number;
  /** Where each transition taken in is also appended, once (the console's history; see TransitionLog). */
  transitionLog?: TransitionLog;
  /** Override receivers by name (tests). */
  notifiers?: ReadonlyMap<string, Notifier>;
  /** Delivery retry window and backoff (default: 24 h, 1 s doubling, at most 15 min apart). */
  retry?: DeliveryRetryOptions;
  /** syncwatch's own URL, for the webhook payload's externalURL. */
  externalURL?: string;
  /** Whether Slack's "Retry now" can act on an alert (the daemon asks the retrier). */
  canRetry?: (alert: AlertEvent) => boolean;
  /** Counts `syncwatch_notifications_total{receiver,outcome}` (and why a notification was dropped). */
  onNotification?: (receiver: string, outcome: NotificationOutcome, notification?: Notification, reason?: string) => void;
}

export interface Alerting {
  /** Take alert transitions in (idempotent per transitionId), each into the transition log too when there is one. */
  ingest(events: readonly AlertEvent[]): Promise<void>;
  /** Let the transitions that opened these episodes be taken again (their resources left the scope). */
  reopen(transitionIds: readonly string[]): Promise<void>;
  /** The notify queue's processor: `new Worker('notify', alerting.processor, …)`. */
  processor(job: Job, token?: string): Promise<unknown>;
  /** Firing alerts, each with `silenced` / `inhibited`: for /status. */
  alertsForStatus(): Promise<FiringAlertStatus[]>;
  readonly dispatcher: Dispatcher;
}

export function createAlerting(options: AlertingOptions): Alerting {
  const { config, logger } = options;
  const notifiers = new Map(createNotifiers(config.receivers, { logger, ...(options.canRetry ? { canRetry: options.canRetry } : {}) }));
  for (const [name, notifier] of options.notifiers ?? []) notifiers.set(name, notifier);
  const dispatcher = new Dispatcher({
    redis: options.redis,
    keys: options.keys,
    notifyQueue: options.notifyQueue,
    logger: logger.child({ component: 'alerting' }),
    route: config.route ? compileRoute(config.route) : undefined,
    notifiers,
    configSilences: silencesFromConfig(config.silences),
    ...(options.transitionLog ? { transitionLog: options.transitionLog } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.externalURL ? { externalURL: options.externalURL } : {}),
    ...(options.onNotification ? { onNotification: options.onNotification } : {}),
  });
  return {
    ingest: (events) => dispatcher.ingest(events),
    reopen: (ids) => dispatcher.reopen(ids),
    processor: (job, token) => dispatcher.process(job, token),
    alertsForStatus: () => dispatcher.alertsForStatus(),
    dispatcher,
  };
}
