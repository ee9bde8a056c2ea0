// A flow that leaves the poll's scope (deleted, or excluded now) is forgotten and its open alert
// resolves once — it must not stay firing and remind forever. Transitions go through a real
// alerting pipeline, which keeps the index of firing alerts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { createLogger } from '../../src/log.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { Watch, type WatchTarget } from '../../src/watch/watch.ts';
import { testRedis } from '../harness/redis.ts';
import { watchAlerting, type WatchAlerting } from './alerting.ts';

let sim: Simulator;
let redis: Awaited<ReturnType<typeof testRedis>>;
let flowId: string;
let alerting: WatchAlerting;
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  redis = await testRedis('watch-scope');
  alerting = watchAlerting(redis.url, redis.redis, keyspace(redis.prefix));
  sim = await startSimulator({
    port: 0,
    scenario: {
      seed: 5,
      entities: {
        integrations: [
          {
            name: 'Shop',
            flows: [
              { name: 'Orders', imports: 1, openErrors: [0, 3] },
              { name: 'Quiet', imports: 1, openErrors: 0 },
            ],
          },
        ],
      },
    },
  });
  const world = (await (await fetch(`${sim.url}/__sim/world`)).json()) as { flows: Array<{ _id: string; name: string }> };
  flowId = world.flows.find((f) => f.name === 'Orders')!._id;
});
afterAll(async () => {
  await sim.close();
  await alerting.close();
  await redis.cleanup();
});

async function cycle(target: WatchTarget & { token: string }, n: number): Promise<AlertEvent[]> {
  const keys = keyspace(redis.prefix);
  const events: AlertEvent[] = [];
  const watch = new Watch({ targets: [target], redis: redis.redis, keys, store: new StateStore(redis.redis, keys), logger });
  try {
    await watch.cycle(target.name, String(1_000_000 + n), {
      chunks: async () => {},
      events: async (e) => (events.push(...e), alerting.ingest(e)),
      retired: (_e, reopened) => alerting.alerting.reopen(reopened),
    });
  } finally {
    await watch.close();
  }
  return events;
}

it('excluding a flow with an open FlowErrors alert resolves it once and forgets its steps', async () => {
  const base = {
    name: 'shop',
    provider: 'celigo' as const,
    baseUrl: sim.url,
    token: 'sim-token',
    interval: 60_000,
    requestsPerSecond: 100,
    failuresBeforeAlert: 3,
  };
  const first = await cycle(base, 1);
  expect(first.map((e) => `${e.labels.kind}:${e.status}:${e.labels.flow}`)).toEqual([`FlowErrors:firing:${flowId}`]);
  expect(await cycle(base, 2)).toEqual([]);

  const excluded = { ...base, exclude: { flows: ['Orders'] } };
  const third = await cycle(excluded, 3);
  expect(third).toHaveLength(1);
  expect(third[0]).toMatchObject({ status: 'resolved', labels: { kind: 'FlowErrors', flow: flowId } });
  expect(third[0]!.annotations.summary).toMatch(/no longer watched/);
  // Named by the episode and the retiring cycle: a re-run plan repeats it, a later retirement is new.
  expect(third[0]!.transitionId).toBe(`${first[0]!.transitionId.replace('|firing|', '|retired|')}|${1_000_000 + 3}`);
  const keys = keyspace(redis.prefix);
  expect((await redis.redis.hkeys(keys.snapshots('shop'))).filter((k) => k.includes(flowId))).toEqual([]);
  expect((await alerting.firing()).map((a) => a.fingerprint)).not.toContain(first[0]!.fingerprint);

  // Steady again: the scope did not change, so nothing is re-read or re-resolved.
  expect(await cycle(excluded, 4)).toEqual([]);
  // Back in scope with its errors still open: it fires again, as a new episode.
  const back = await cycle(base, 5);
  expect(back.map((e) => `${e.labels.kind}:${e.status}`)).toEqual(['FlowErrors:firing']);
});
