// One poll cycle of 10,000 flows (500 integrations) through the daemon's real path — job scheduler →
// plan job → chunk jobs on BullMQ workers → observe → diff → state → alert ingest — against the
// simulator in its own process (latency 20 ms, rate limit 1,000/s) with the target's
// requestsPerSecond at 1,000. A first cycle (empty state) and a steady one (nothing changed).
// Prints one JSON object as its last line (also bench/results/cycle.json).
//
// Redis: a private redis-server (so INFO commandstats counts this run only), or BENCH_REDIS_URL.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfigFromString, formatProblem } from '../src/config/index.ts';
import { createLogger } from '../src/log.ts';
import { CONCURRENCY as CELIGO_CONCURRENCY, FLOWS_PER_CHUNK } from '../src/providers/celigo/provider.ts';
import { HTTP_DEFAULTS } from '../src/http/client.ts';
import { keyspace } from '../src/state/keys.ts';
import { schedulerIdOf } from '../src/queues.ts';
import { startDaemon } from '../workers/index.ts';
import { commandStats, deleteKeys, round, startRedis, startSimulatorProcess, statsDelta, writeResult } from './lib.ts';

const LATENCY_MS = 20;
const RATE = 1000;
const TARGET = 'large';

const redis = await startRedis();
const sim = await startSimulatorProcess(['--scenario', 'large', '--latency', String(LATENCY_MS)]);
const prefix = `bench-cycle-${process.pid}`;
const keys = keyspace(prefix);
const subscriber = new Redis(redis.url);
let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
let queue: Queue | undefined;
let queueConnection: Redis | undefined;
try {
  await sim.admin('POST', 'rate-limit', { burst: RATE, refillPerSecond: RATE });
  const world = await sim.admin<{ flows: unknown[]; integrations: unknown[] }>('GET', 'world');
  const flows = world.flows.length;

  // The target's record is SET exactly once per cycle, when its last chunk is done: a keyspace
  // notification tells us without polling Redis.
  // Every data change of every key of this deployment is also a keyspace event: counting them by
  // key family tells state writes from cycle bookkeeping, the rate limiter and BullMQ's own keys
  // (INFO commandstats also counts the commands run inside scripts, so it cannot tell them apart).
  await redis.client.config('SET', 'notify-keyspace-events', 'KA');
  const targetKey = keys.target(TARGET);
  let onCycleDone: (() => void) | undefined;
  let writesByFamily: Record<string, number> = {};
  const channelPrefix = `__keyspace@0__:${keys.prefix}:`;
  await subscriber.psubscribe(`${channelPrefix}*`);
  subscriber.on('pmessage', (_pattern: string, channel: string, event: string) => {
    const key = channel.slice(channelPrefix.length);
    const family = /^(snap|target)(:|$)/.test(key)
      ? 'state'
      : /^(cycle|inflight):/.test(key)
        ? 'cycleBookkeeping'
        : key.startsWith('bucket:')
          ? 'rateLimiter'
          : /^(poll|notify|retry):/.test(key)
            ? `bullmq:${key.split(':')[0]}`
            : `other:${key.split(':')[0]}`;
    if (event !== 'expired') writesByFamily[family] = (writesByFamily[family] ?? 0) + 1;
    if (`${keys.prefix}:${key}` === targetKey && event === 'set') onCycleDone?.();
  });
  const cycleDone = () =>
    new Promise<void>(
      (resolve) =>
        (onCycleDone = () => {
          onCycleDone = undefined;
          resolve();
        }),
    );

  const yaml = `
redis: { url: "${redis.url}", prefix: ${prefix} }
server: { listen: "127.0.0.1:0" }
targets:
  - name: ${TARGET}
    provider: celigo
    baseUrl: ${sim.url}
    token: sim-token
    interval: 1h
    requestsPerSecond: ${RATE}
receivers: [{ name: log, log: {} }]
route: { receiver: log, groupWait: 0s, groupInterval: 5m, groupBy: [target, kind] }
`;
  const loaded = await loadConfigFromString(yaml, '(bench)', process.env);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  const config = loaded.config;
  // Logs (one line per alert of the first cycle) go to a sink: they are not what is measured here.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }, process.stderr as never);

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);

  const measure = async (name: 'first' | 'steady', start: () => Promise<void>) => {
    await sim.admin('POST', 'stats/reset');
    const done = cycleDone();
    writesByFamily = {};
    const cmdBefore = await commandStats(redis.client);
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const hrStart = process.hrtime.bigint();
    await start();
    await done;
    if (process.env.BENCH_VERBOSE) console.error(`window ${name} ${hrStart / 1000n} ${process.hrtime.bigint() / 1000n}`);
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cmdAfter = await commandStats(redis.client);
    const writes = { ...writesByFamily };
    const target = JSON.parse((await redis.client.get(targetKey)) ?? '{}') as { lastPollAt?: string; lastOutcome?: string };
    const stats = await sim.admin<{ total: number; byEndpoint: Record<string, Record<string, number>> }>('GET', 'stats');
    const delta = statsDelta(cmdAfter, cmdBefore);
    delete delta.info; // the benchmark's own INFO
    const requests = stats.total;
    const concurrency = Math.min(
      config.workers.pollConcurrency * CELIGO_CONCURRENCY,
      Math.max(HTTP_DEFAULTS.connections, Math.ceil(RATE / 20)),
    );
    const lowerBoundSeconds = Math.max(requests / RATE, (requests * LATENCY_MS) / 1000 / concurrency);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return {
      cycle: name,
      outcome: target.lastOutcome,
      requests,
      requestsByStatus: Object.fromEntries(Object.entries(stats.byEndpoint).map(([e, s]) => [e, s])),
      cycleSeconds: round(wallSeconds, 2),
      lowerBoundSeconds: round(lowerBoundSeconds, 2),
      ratio: round(wallSeconds / lowerBoundSeconds, 3),
      cpuMs: Math.round(cpuMs),
      cpuMsPerFlow: round(cpuMs / flows, 4),
      redis: {
        /** Every command Redis executed (INFO commandstats; commands inside scripts included). */
        commands: Object.values(delta).reduce((s, n) => s + n, 0),
        /** Top-level round trips that can write: scripts (ours and BullMQ's), MULTI/EXEC blocks, plain writes. */
        scripts: (delta.eval ?? 0) + (delta.evalsha ?? 0),
        /** Key modifications (keyspace events), by key family. */
        writesTotal: Object.values(writes).reduce((s, n) => s + n, 0),
        writesByFamily: writes,
        stateWrites: writes.state ?? 0,
        stateWritesPer100Flows: round(((writes.state ?? 0) / flows) * 100, 3),
        byCommand: delta,
      },
    };
  };

  queueConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
  queue = new Queue('poll', { connection: queueConnection, prefix: keys.prefix });
  // The first cycle: the daemon's own job scheduler starts it when the daemon starts.
  const first = await measure('first', async () => {
    daemon = await startDaemon(config, { logger });
  });
  // The steady cycle: nothing changed upstream; a plan job named like a scheduler's next one.
  const steady = await measure('steady', async () => {
    const due = Date.now();
    await queue!.add('plan', { target: TARGET }, { jobId: `repeat:${schedulerIdOf(TARGET)}:${due}`, removeOnComplete: true });
  });
  clearInterval(sampler);
  const maxRssMB = Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024;
  const concurrency = Math.min(
    config.workers.pollConcurrency * CELIGO_CONCURRENCY,
    Math.max(HTTP_DEFAULTS.connections, Math.ceil(RATE / 20)),
  );
  const result = {
    bench: 'cycle',
    flows,
    integrations: world.integrations.length,
    latencyMs: LATENCY_MS,
    ratePerSecond: RATE,
    concurrency,
    concurrencyNote: `requests in flight at once: min(workers.pollConcurrency ${config.workers.pollConcurrency} × ${CELIGO_CONCURRENCY} per chunk, HTTP pool connections max(${HTTP_DEFAULTS.connections}, requestsPerSecond ÷ 20)); ${FLOWS_PER_CHUNK} flows per chunk`,
    privateRedis: redis.private,
    peakRssMB: round(maxRssMB, 1),
    first: { ...first, requestsByStatus: undefined },
    steady: { ...steady, requestsByStatus: undefined },
    targets: {
      ratio: { target: 1.15, first: first.ratio, steady: steady.ratio, met: first.ratio <= 1.15 && steady.ratio <= 1.15 },
      cpuMsPerFlow: {
        target: 0.2,
        first: first.cpuMsPerFlow,
        steady: steady.cpuMsPerFlow,
        met: first.cpuMsPerFlow <= 0.2 && steady.cpuMsPerFlow <= 0.2,
      },
      peakRssMB: { target: 250, value: round(maxRssMB, 1), met: maxRssMB <= 250 },
      steadyStateWritesPer100Flows: { target: 1, value: steady.redis.stateWritesPer100Flows, met: steady.redis.stateWrites <= flows / 100 },
      steadyAllKeyWritesPer100Flows: {
        target: 1,
        value: round((steady.redis.writesTotal / flows) * 100, 2),
        met: steady.redis.writesTotal <= flows / 100,
        note: 'includes BullMQ job bookkeeping, cycle bookkeeping and rate-limiter leases',
      },
    },
  };
  if (process.env.BENCH_VERBOSE) console.error(JSON.stringify({ first: first.requestsByStatus, steady: steady.requestsByStatus }, null, 1));
  writeResult('cycle', result);
} finally {
  await daemon?.close();
  await queue?.close();
  queueConnection?.disconnect();
  subscriber.disconnect();
  await sim.close();
  if (!redis.private) await deleteKeys(redis.client, `{${prefix}}*`);
  await redis.close();
}
