// Three replicas on one Redis, each with its own connections, Retrier and BullMQ Worker, retrying
// the same step at once: the simulator must never receive a key twice inside a backoff window.
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/http/client.ts';
import { celigoProvider } from '../../src/providers/celigo/index.ts';
import { createRetrier, retryJobIdOf, type Retrier, type RetryOutcomeName } from '../../src/retry/index.ts';
import { startSimulator, type Simulator, type StatsSnapshot } from '../../src/simulator/index.ts';
import { hashTagged, keyspace } from '../../src/state/keys.ts';
import { retryProcessor } from '../../workers/retry.ts';
import { testRedis } from '../harness/redis.ts';
import { admin } from '../simulator/helpers.ts';
import { HOUR, MINUTE, policy, quietLogger } from './helpers.ts';

const TARGET = 'celigo-test';
const START = Date.parse('2025-03-01T12:00:00.000Z');
let current = START;
const now = () => current;

interface Replica {
  redis: Redis;
  bull: Redis;
  http: HttpClient;
  retrier: Retrier;
  queue: Queue;
  worker: Worker;
  counts: Record<string, number>;
}

let sim: Simulator;
let redisCtx: Awaited<ReturnType<typeof testRedis>>;
let flowId: string;
let stepId: string;

beforeAll(async () => {
  redisCtx = await testRedis('retry-replicas');
  sim = await startSimulator({
    port: 0,
    now,
    rateLimit: { burst: 1_000_000, refillPerSecond: 1_000_000 },
    scenario: {
      seed: 3,
      entities: { integrations: [{ name: 'Orders', flows: [{ name: 'Orders to NetSuite', imports: 1, openErrors: 0 }] }] },
    },
  });
  const world = await admin<{ flows: Array<{ _id: string; steps: Array<{ id: string }> }> }>(sim, 'GET', '/__sim/world');
  flowId = world.flows[0]!._id;
  stepId = world.flows[0]!.steps[1]!.id;
});

afterAll(async () => {
  await sim.close();
  await redisCtx.cleanup();
});

async function startReplicas(prefix: string, lockTtlMs?: number): Promise<Replica[]> {
  const policies = [
    policy({
      name: 'flaky',
      match: { classification: ['intermittent'] },
      action: 'retry',
      minAge: 0,
      maxAttempts: 3,
      backoff: { initial: 15 * MINUTE, factor: 2, max: HOUR },
      budget: { recordsPerHour: 100_000 },
    }),
  ];
  return Promise.all(
    [0, 1, 2].map(async () => {
      const redis = new Redis(redisCtx.url, { maxRetriesPerRequest: 3 });
      const bull = new Redis(redisCtx.url, { maxRetriesPerRequest: null });
      const http = new HttpClient({
        target: TARGET,
        baseUrl: sim.url,
        auth: { type: 'bearer', token: 'sim-token' },
        requestsPerSecond: 100_000,
      });
      const queue = new Queue('retry', { connection: bull, prefix: hashTagged(prefix) });
      const counts: Record<string, number> = {};
      const retrier = createRetrier({
        config: { targets: [{ name: TARGET, provider: 'celigo' }], retryPolicies: policies },
        redis,
        keys: keyspace(prefix),
        retryQueue: queue,
        logger: quietLogger,
        httpFor: () => http,
        now,
        onRecords: (_t, _p, outcome: RetryOutcomeName, n) => void (counts[outcome] = (counts[outcome] ?? 0) + n),
        ...(lockTtlMs !== undefined ? { lockTtlMs } : {}),
      });
      const worker = new Worker('retry', retryProcessor(retrier), { connection: bull, prefix: hashTagged(prefix), concurrency: 4 });
      return { redis, bull, http, retrier, queue, worker, counts };
    }),
  );
}

async function stopReplicas(replicas: Replica[]): Promise<void> {
  for (const r of replicas) {
    await r.worker.close();
    await r.queue.close();
    await r.http.close();
    r.redis.disconnect();
    r.bull.disconnect();
  }
}

/** Every replica polls and enqueues under its own cycle id: three jobs for the one step, run by three workers. */
async function round(replicas: Replica[], events: QueueEvents, tag: string): Promise<void> {
  const planned = await Promise.all(
    replicas.map(async (r, i) => {
      const observation = await celigoProvider.observe(
        { name: TARGET, baseUrl: sim.url, token: 'sim-token' },
        { http: r.http, logger: quietLogger, now },
      );
      return r.retrier.plan(observation, `${tag}-${i}`);
    }),
  );
  const jobs = planned.flat();
  expect(jobs.length).toBe(3);
  await Promise.all(jobs.map(async (j) => (await replicas[0]!.queue.getJob(retryJobIdOf(j)))?.waitUntilFinished(events)));
}

async function runScenario(prefix: string, lockTtlMs?: number) {
  current = START;
  await admin(sim, 'POST', '/__sim/reset');
  await admin(sim, 'POST', '/__sim/retry-behaviour', { flowId, outcome: 'fail' });
  const { created } = await admin<{ created: Array<{ retryDataKey: string }> }>(
    sim,
    'POST',
    `/__sim/flows/${flowId}/steps/${stepId}/errors`,
    {
      count: 300,
      classification: 'intermittent',
      occurredAt: new Date(START).toISOString(),
      retryAt: null, // the platform's own retries are over
    },
  );
  const replicas = await startReplicas(prefix, lockTtlMs);
  const events = new QueueEvents('retry', { connection: { url: redisCtx.url }, prefix: hashTagged(prefix) });
  await events.waitUntilReady();
  try {
    for (const minute of [0, 1, 2, 15, 16, 30, 45, 46, 50]) {
      current = START + minute * MINUTE;
      await round(replicas, events, `m${minute}`);
    }
  } finally {
    await events.close();
    await stopReplicas(replicas);
  }
  const stats = await admin<StatsSnapshot>(sim, 'GET', '/__sim/stats');
  const sum = (outcome: string) => replicas.reduce((s, r) => s + (r.counts[outcome] ?? 0), 0);
  return { created, stats, sum };
}

function expectNoKeyTwiceInAWindow(created: Array<{ retryDataKey: string }>, stats: StatsSnapshot) {
  for (const { retryDataKey } of created) {
    const minutes = stats.retryDataKeys[retryDataKey]?.timestamps.map((t) => (Date.parse(t) - START) / MINUTE);
    // Exactly at the backoff times (0, +15, +30 more), each once, across all three replicas.
    expect(minutes).toEqual([0, 15, 45]);
  }
}

describe('three replicas on one Redis', () => {
  it('submit every key once per backoff window (locks and the ledger together)', async () => {
    const { created, stats, sum } = await runScenario(`${redisCtx.prefix}-a`);
    expectNoKeyTwiceInAWindow(created, stats);
    expect(sum('submitted')).toBe(900);
    expect(sum('failed')).toBe(900);
  });

  it("still submit every key once per window when the step lock has expired (the ledger's atomic claims alone)", async () => {
    const { created, stats, sum } = await runScenario(`${redisCtx.prefix}-b`, 1);
    expectNoKeyTwiceInAWindow(created, stats);
    expect(sum('submitted')).toBe(900);
  });
});

describe('enqueueing', () => {
  it('planning the same observation twice in one cycle (a re-run chunk, a second replica) adds one job per step', async () => {
    const prefix = `${redisCtx.prefix}-q`;
    current = START;
    await admin(sim, 'POST', '/__sim/reset');
    await admin(sim, 'POST', `/__sim/flows/${flowId}/steps/${stepId}/errors`, { count: 2, classification: 'intermittent' });
    const bull = new Redis(redisCtx.url, { maxRetriesPerRequest: null });
    const http = new HttpClient({ target: TARGET, baseUrl: sim.url, auth: { type: 'bearer', token: 'sim-token' } });
    const queue = new Queue('retry', { connection: bull, prefix: hashTagged(prefix) });
    try {
      const retrier = createRetrier({
        config: {
          targets: [{ name: TARGET, provider: 'celigo' }],
          retryPolicies: [policy({ name: 'p', match: { classification: ['intermittent'] }, action: 'retry' })],
        },
        redis: redisCtx.redis,
        keys: keyspace(prefix),
        retryQueue: queue,
        logger: quietLogger,
        httpFor: () => http,
        now,
      });
      const observation = await celigoProvider.observe(
        { name: TARGET, baseUrl: sim.url, token: 'sim-token' },
        { http, logger: quietLogger, now },
      );
      await retrier.plan(observation, '1700');
      await retrier.plan(observation, '1700');
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
      await retrier.plan(observation, '1701');
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 2 });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await http.close();
      bull.disconnect();
    }
  });
});
