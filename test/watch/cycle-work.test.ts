// A target's record says what its last complete cycle cost and covered: the requests it made (the
// plan's and every chunk's, counted by syncwatch itself — the simulator's own count must agree) and
// the resources (runs, steps) it watched. The console's targets table shows both.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { liveView } from '../../src/console/view.ts';
import { Watch } from '../../src/watch/watch.ts';
import { testRedis } from '../harness/redis.ts';

let sim: Simulator;
let redis: Awaited<ReturnType<typeof testRedis>>;
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  redis = await testRedis('watch-cycle-work');
  sim = await startSimulator({
    port: 0,
    scenario: {
      seed: 7,
      entities: {
        integrations: [
          {
            name: 'Shop',
            flows: [
              { name: 'Orders', imports: 1, openErrors: 2 },
              { name: 'Quiet', imports: 2, openErrors: 0 },
            ],
            syncs: [{ name: 'Orders to Snowflake', history: ['completed', 'failed'] }],
          },
        ],
      },
    },
  });
});
afterAll(async () => {
  await sim.close();
  await redis.cleanup();
});

it('records the requests the last cycle made and the resources it watched in the target record', async () => {
  const keys = keyspace(redis.prefix);
  const store = new StateStore(redis.redis, keys);
  const target = {
    name: 'shop',
    provider: 'celigo' as const,
    baseUrl: sim.url,
    token: 'sim-token',
    interval: 60_000,
    requestsPerSecond: 100,
    failuresBeforeAlert: 3,
  };
  const watch = new Watch({ targets: [target], redis: redis.redis, keys, store, logger });
  await fetch(`${sim.url}/__sim/stats/reset`, { method: 'POST' });
  try {
    await watch.cycle('shop', '1000000', { chunks: async () => {}, events: async () => {} });
  } finally {
    await watch.close();
  }
  const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { total: number };
  const record = await store.loadTarget('shop');
  expect(record?.lastOutcome).toBe('success');
  expect(stats.total).toBeGreaterThan(0);
  expect(record?.lastCycle?.requests).toBe(stats.total);
  // What the cycle diffed: one snapshot per run and step it observed.
  const watched = await redis.redis.hlen(keys.snapshots('shop'));
  expect(record?.lastCycle?.resources).toBeGreaterThan(0);
  expect(record?.lastCycle?.resources).toBe(watched);

  const out = liveView({
    targets: [
      {
        name: 'shop',
        provider: 'celigo',
        intervalSeconds: 60,
        lastPollAt: record!.lastPollAt!,
        lastOutcome: 'success',
        consecutiveFailures: 0,
        lastCycle: record!.lastCycle!,
      },
    ],
    alerts: [],
    retryPolicies: [],
    silences: [],
    history: [],
    now: Date.now(),
    csrf: 't',
  }).text.replace(/>\s+</g, '><'); // whitespace between tags is layout, not content
  expect(out).toContain('<th>Requests (last cycle)</th><th>Resources watched</th>');
  expect(out).toContain(`<td data-requests>${stats.total}</td><td data-resources>${watched}</td>`);
});
