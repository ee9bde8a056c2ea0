// The long-running process: job schedulers per target, the poll, notify and retry workers, the HTTP
// surface, and a graceful stop. Every replica runs the same; BullMQ shares the work out. The
// BullMQ processors live in workers/ (above src/, which never imports them): they are handed in.
import { Worker, type Job, type Processor } from 'bullmq';
import type { Config } from './config/index.ts';
import type { Logger } from './log.ts';
import { Metrics } from './metrics/index.ts';
import { createAlerting } from './alerting/index.ts';
import { createQueues, groupChunks, isPollSchedulerId, KEEP_POLL_JOBS_SECONDS, schedulerIdOf } from './queues.ts';
import { startServer, type ServerDeps } from './server.ts';
import { keyspace } from './state/keys.ts';
import { connectRedis, freshDemoPrefix, redisAnswers, watchRedisOutages, type RedisClient } from './state/redis.ts';
import { startOwnerHeartbeat } from './state/owner.ts';
import { StateStore } from './state/store.ts';
import { Watch, type WatchSink } from './watch/watch.ts';
import { createRetrier, type Emit, type Retrier } from './retry/index.ts';
import type { Alerting } from './alerting/index.ts';
import { alertHistoryLog, createWeb } from './console/index.ts';
import { createInteractions } from './interact/index.ts';

/** How often the daemon checks that every target's poll schedule is still in Redis. */
const SCHEDULE_CHECK_MS = 30_000;

/** The BullMQ processor of each queue, made from what the daemon wired (workers/index.ts has them). */
export interface Processors {
  poll(watch: Watch, sink: WatchSink): Processor;
  notify(alerting: Pick<Alerting, 'processor'>): Processor;
  retry(retrier: Retrier, emit?: Emit): Processor;
}

export interface DaemonOptions {
  logger: Logger;
  processors: Processors;
  now?: () => number;
  /** The demo: start from nothing — its own prefix's keys are deleted first (a prefix used by anything else is refused). */
  fresh?: boolean;
}

export interface Daemon {
  url: string;
  close(): Promise<void>;
}

/**
 * Start in an order that fails fast and leaves nothing behind: bind the HTTP port, then wait for
 * Redis (a few seconds), and only then create the poll schedules and join the queues. A port that
 * is taken or a Redis that does not answer is an `environment` SyncwatchError naming it.
 */
export async function startDaemon(config: Config, options: DaemonOptions): Promise<Daemon> {
  let running: HttpDeps | undefined; // until the workers run: not ready; /status and /metrics answer 500
  const starting = () => Promise.reject(new Error('syncwatch is starting'));
  const server = await startServer(config.server.listen, {
    ...(config.server.bearerToken ? { bearerToken: config.server.bearerToken } : {}),
    ready: () => running?.ready() ?? Promise.resolve({ ok: false, checks: { redis: false, workers: false } }),
    status: () => running?.status() ?? starting(),
    metrics: () => running?.metrics() ?? starting(),
    routes: () => running?.routes?.() ?? [],
    gate: () => running?.gate?.(),
  });
  let connection: RedisClient | undefined;
  try {
    // BullMQ wants maxRetriesPerRequest: null on the connections its workers block on.
    connection = await connectRedis(config.redis, { maxRetriesPerRequest: null });
    if (options.fresh) await freshDemoPrefix(connection, config.redis.prefix);
    const daemon = await startWorking(config, options, connection, server);
    running = daemon.deps;
    return daemon;
  } catch (e) {
    await server.close();
    connection?.disconnect();
    throw e;
  }
}

type HttpDeps = Omit<ServerDeps, 'bearerToken'>;

async function startWorking(
  config: Config,
  options: DaemonOptions,
  connection: RedisClient,
  server: Awaited<ReturnType<typeof startServer>>,
): Promise<Daemon & { deps: HttpDeps }> {
  const { logger } = options;
  const tuning = config.workers;
  const outages = watchRedisOutages(connection, config.redis, logger);
  const keys = keyspace(config.redis.prefix);
  const store = new StateStore(connection, keys);
  const queues = createQueues(connection, config.redis.prefix);
  for (const queue of Object.values(queues)) {
    queue.on('error', (err: Error) => void (outages.absorb(err) || logger.error({ queue: queue.name, err }, 'queue error')));
  }
  // This process's heartbeat: the cycles it claims name it, so a successor after a crash takes them over at once.
  // During a Redis outage its failed renewals belong to the outage's one line.
  const owner = await startOwnerHeartbeat(
    connection,
    keys,
    (e) =>
      void (outages.down || outages.absorb(e) || logger.warn({ err: { message: e.message } }, 'could not renew the process heartbeat')),
  );
  const metrics = new Metrics({
    redis: connection,
    keys,
    targets: config.targets.map((t) => ({ name: t.name, interval: t.interval, perStep: t.metrics.perStep })),
    queues,
    ...(options.now ? { now: options.now } : {}),
  });
  const watch = new Watch({
    targets: config.targets,
    redis: connection,
    keys,
    store,
    logger,
    owner: owner.id,
    ...(options.now ? { now: options.now } : {}),
    // Late-bound: the retrier is made below, and plans run only once the daemon is up.
    retriesInFlight: (target) => retrier.inFlight(target),
    instruments: {
      apiHook: (target) => metrics.apiHook(target),
      pollFinished(target, outcome, seconds) {
        metrics.polls.inc({ target, outcome });
        if (seconds !== undefined) metrics.pollDuration.observe({ target }, seconds);
      },
      resourceUnreadable: (target, kind) => metrics.resourceErrors.inc({ target, kind }),
    },
  });

  const alerting = createAlerting({
    config,
    redis: connection,
    keys,
    notifyQueue: queues.notify,
    logger,
    // The console's history is appended by ingest itself, in the step that takes each transition in once.
    transitionLog: alertHistoryLog(keys),
    ...(config.server.externalUrl ? { externalURL: config.server.externalUrl } : {}),
    ...(options.now ? { now: options.now } : {}),
    // Slack's Retry now button: only where the retrier has something to run (made below, asked at send time).
    canRetry: (alert) => retrier.covers(alert),
    onNotification(receiver, outcome, n, reason) {
      metrics.notifications.inc({ receiver, outcome });
      if (outcome === 'dropped') metrics.notificationsDropped.inc({ receiver, reason: reason ?? 'unknown' });
      if (n)
        web
          .recordDelivery(receiver, outcome, n)
          .catch((err: Error) => outages.absorb(err) || logger.warn({ err }, 'could not record the delivery in the alert history'));
    },
  });

  const web = createWeb(config, {
    redis: connection,
    keys,
    alerts: () => alerting.alertsForStatus(),
    status: () => deps.status(),
    ...(options.now ? { now: options.now } : {}),
  });
  const sink: WatchSink = {
    async chunks(jobs) {
      await queues.poll.addBulk(
        groupChunks(jobs, tuning.pollConcurrency).map(({ id, data }) => ({
          name: 'chunks',
          data,
          opts: {
            jobId: id,
            removeOnComplete: { age: KEEP_POLL_JOBS_SECONDS },
            removeOnFail: { age: KEEP_POLL_JOBS_SECONDS },
          },
        })),
      );
    },
    // Alerting takes each transition once (by its id), so a re-processed chunk sends nothing twice,
    // and records it in the console's history then (its transition log), once too.
    events: (events) => (events.length > 0 ? alerting.ingest(events) : Promise.resolve()),
  };

  const retrier = createRetrier({
    config,
    redis: connection,
    keys,
    retryQueue: queues.retry,
    logger,
    // Retries share the target's HTTP client, so they count against the same request rate.
    httpFor: (name) => watch.http(watch.target(name)),
    emit: (events) => sink.events(events),
    onRecords: (target, policy, outcome, n) => metrics.retryRecords.inc({ target, policy, outcome }, n),
    ...(options.now ? { now: options.now } : {}),
  });
  const interactions = createInteractions({
    config,
    redis: connection,
    keys,
    logger,
    retryNow: (alert) => retrier.retryNow(alert),
    onInteraction: (action, outcome) => metrics.slackInteractions.inc({ action, outcome }),
    ...(options.now ? { now: options.now } : {}),
  });
  sink.retries = (observation, cycle) => retrier.plan(observation, cycle).then(() => undefined);
  sink.retired = async (events, reopened) => {
    await alerting.reopen(reopened);
    await retrier.retired(events);
  };

  // One scheduler per target; schedulers of targets no longer configured are removed.
  const wanted = new Set(config.targets.map((t) => schedulerIdOf(t.name)));
  for (const scheduler of await queues.poll.getJobSchedulers()) {
    const id = scheduler.key ?? scheduler.id;
    if (id && isPollSchedulerId(id) && !wanted.has(id)) {
      await queues.poll.removeJobScheduler(id);
      logger.info({ scheduler: id }, 'removed the poll schedule of a target no longer configured');
    }
  }
  const schedule = (target: Config['targets'][number]) =>
    queues.poll.upsertJobScheduler(
      schedulerIdOf(target.name),
      { every: target.interval },
      {
        name: 'plan',
        data: { target: target.name },
        opts: { removeOnComplete: { age: KEEP_POLL_JOBS_SECONDS }, removeOnFail: { age: KEEP_POLL_JOBS_SECONDS } },
      },
    );
  for (const target of config.targets) await schedule(target);
  // Counts of firing alerts that earlier versions kept beside the index: /metrics now counts the index.
  await connection.del(keys.alerting.firingCounts);
  // The schedules live in Redis: a Redis that restarted empty (or was flushed, or failed over to a
  // replica that lagged) has none, and nothing would ever poll again. Re-create what is missing
  // when the connection comes back, and check now and then.
  const ensureSchedules = async () => {
    for (const target of config.targets) {
      if (await queues.poll.getJobScheduler(schedulerIdOf(target.name))) continue;
      await schedule(target);
      logger.warn({ target: target.name }, 'the poll schedule was missing from Redis (restarted empty or flushed?); re-created it');
    }
  };
  const checkSchedules = () =>
    void ensureSchedules().catch((err: Error) => outages.absorb(err) || logger.warn({ err }, 'could not check the poll schedules'));
  connection.on('ready', checkSchedules);
  const scheduleCheck = setInterval(checkSchedules, SCHEDULE_CHECK_MS);
  scheduleCheck.unref();

  const workerOptions = {
    connection,
    prefix: keys.prefix,
    lockDuration: tuning.lockDuration,
    stalledInterval: tuning.stalledInterval,
    maxStalledCount: 2,
  };
  const workers = [
    new Worker('poll', options.processors.poll(watch, sink), { ...workerOptions, concurrency: tuning.pollConcurrency }),
    new Worker('notify', options.processors.notify(alerting), { ...workerOptions, concurrency: tuning.notifyConcurrency }),
    new Worker('retry', options.processors.retry(retrier), { ...workerOptions, concurrency: 2 }),
  ];
  for (const worker of workers) {
    worker.on(
      'failed',
      (job: Job | undefined, err: Error) =>
        void (outages.absorb(err) || logger.warn({ queue: worker.name, job: job?.id, err }, 'job failed')),
    );
    worker.on('error', (err: Error) => void (outages.absorb(err) || logger.error({ queue: worker.name, err }, 'worker error')));
  }

  const deps: HttpDeps = {
    async ready() {
      const redisOk = await redisAnswers(connection); // never hangs while Redis is down
      const workersOk = workers.every((w) => w.isRunning());
      return { ok: redisOk && workersOk, checks: { redis: redisOk, workers: workersOk } };
    },
    async status() {
      const targets = await Promise.all(
        config.targets.map(async (t) => {
          const snap = await store.loadTarget(t.name);
          return {
            name: t.name,
            provider: t.provider,
            intervalSeconds: t.interval / 1000,
            lastPollAt: snap?.lastPollAt ?? null,
            lastOutcome: snap?.lastOutcome ?? null,
            consecutiveFailures: snap?.failures ?? 0,
            ...(snap?.lastError ? { lastError: snap.lastError } : {}),
            ...(snap?.lastCycle ? { lastCycle: snap.lastCycle } : {}),
            unreadable: { count: snap?.unreadableCount ?? 0, resources: snap?.unreadable ?? [] },
          };
        }),
      );
      return { targets, alerts: await alerting.alertsForStatus(), retryPolicies: await retrier.status() };
    },
    metrics: () => metrics.scrape(),
    routes: () => [interactions.routes, ...web.routes],
    gate: () => web.gate,
  };
  logger.info({ url: server.url, targets: config.targets.map((t) => t.name), access: web.gate.describe() }, 'syncwatch running');

  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    deps,
    close() {
      closing ??= (async () => {
        clearInterval(scheduleCheck);
        connection.off('ready', checkSchedules);
        await interactions.settled(); // clicks answered already finish their work
        await Promise.all(workers.map((w) => w.close())); // in-flight jobs finish first
        await owner.stop();
        await server.close();
        await Promise.all(Object.values(queues).map((q) => q.close()));
        await watch.close();
        await connection.quit().catch(() => connection.disconnect());
      })();
      return closing;
    },
  };
}
