// Issue 12, point 9: the flow list asks for the fields a poll reads (`include`, seed 004's summary
// projection). On an account whose full flow documents outgrow the client's 10 MiB response cap,
// a poll without it fails (TargetDown); with it the flows are watched.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { createLogger } from '../../src/log.ts';
import type { StepErrors } from '../../src/model.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { Watch } from '../../src/watch/watch.ts';
import { testRedis } from '../harness/redis.ts';
import { simAdmin } from '../harness/sim-admin.ts';

let sim: Simulator;
let redis: Awaited<ReturnType<typeof testRedis>>;

beforeAll(async () => {
  redis = await testRedis('flow-projection');
  // 100 flows of ~120 kB each: one full page is ~12 MB.
  sim = await startSimulator({
    port: 0,
    scenario: {
      seed: 9,
      integrations: 10,
      flowsPerIntegration: 10,
      syncIntegrations: 0,
      errorStepRatio: 0,
      // Every flow enabled: a disabled one is not fetched (change-driven polling), and this counts them all.
      disabledFlows: 0,
      flowDescriptionBytes: 120_000,
      airweave: { syncs: 0 },
      neo: { integrations: [] },
    },
  });
});
afterAll(async () => {
  await sim.close();
  await redis.cleanup();
});

it('a large account whose full flow documents exceed the response cap is still polled', async () => {
  const full = await fetch(`${sim.url}/v1/flows`, { headers: { authorization: 'Bearer sim-token' } });
  expect((await full.arrayBuffer()).byteLength).toBeGreaterThan(10 * 1024 * 1024);

  const keys = keyspace(redis.prefix);
  const target = {
    name: 'big',
    provider: 'celigo' as const,
    baseUrl: sim.url,
    token: 'sim-token',
    interval: 60_000,
    requestsPerSecond: 1000,
    failuresBeforeAlert: 1,
  };
  const watch = new Watch({
    targets: [target],
    redis: redis.redis,
    keys,
    store: new StateStore(redis.redis, keys),
    logger: createLogger({ level: 'silent' }),
  });
  const events: AlertEvent[] = [];
  const steps: StepErrors[] = [];
  try {
    await watch.cycle('big', '1', {
      chunks: async () => {},
      events: async (e) => void events.push(...e),
      observation: (o) => void steps.push(...o.stepErrors),
    });
  } finally {
    await watch.close();
  }
  expect(events.filter((e) => e.labels.kind === 'TargetDown')).toEqual([]);
  expect(new Set(steps.map((s) => s.flowId)).size).toBe(100);
  const stats = await simAdmin<{ byEndpoint: Record<string, Record<string, number>> }>(sim.url, '/stats', undefined, 'GET');
  expect(stats.byEndpoint['GET /v1/flows']).toEqual({ '200': 2 }); // the test's own full read, and the poll's
});
