// RetryExhausted is raised by the retrier, not by a poll's diff: it must still be counted in
// `syncwatch_alerts_firing` and resolve (once) when its flow leaves the poll's scope. The watch
// loop runs in this process as the daemon wires it: its transitions go through a real alerting
// pipeline (log receiver), its observations through a real retrier.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { Metrics } from '../../src/metrics/index.ts';
import { createRetrier } from '../../src/retry/index.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { StateStore } from '../../src/state/store.ts';
import { Watch, type WatchSink, type WatchTarget } from '../../src/watch/watch.ts';
import { route, startPipeline, type Pipeline } from '../alerting/harness.ts';
import { admin } from '../simulator/helpers.ts';
import { MINUTE, policy, quietLogger } from '../retry/helpers.ts';

const START = Date.parse('2025-03-01T12:00:00.000Z');
let current = START;
const now = () => current;

let sim: Simulator;
let pipeline: Pipeline;
let flow: { _id: string; steps: Array<{ id: string }> };

beforeAll(async () => {
  pipeline = await startPipeline('watch-retry-exhausted', {
    receivers: [{ name: 'log', log: {} }],
    route: route({ receiver: 'log', groupWait: 0 }),
  });
  sim = await startSimulator({
    port: 0,
    now,
    rateLimit: { burst: 1_000_000, refillPerSecond: 1_000_000 },
    scenario: {
      seed: 11,
      entities: {
        integrations: [
          {
            name: 'Orders',
            flows: [
              { name: 'Orders to NetSuite', imports: 1, openErrors: 0 },
              { name: 'Quiet', imports: 1, openErrors: 0 },
            ],
          },
        ],
      },
    },
  });
  const world = await admin<{ flows: Array<{ _id: string; name: string; steps: Array<{ id: string }> }> }>(sim, 'GET', '/__sim/world');
  flow = world.flows.find((f) => f.name === 'Orders to NetSuite')!;
});
afterAll(async () => {
  await sim.close();
  await pipeline.close();
});

/** `syncwatch_alerts_firing{kind}` as a scrape shows it (0 when absent). */
async function firingMetric(kind: string): Promise<number> {
  const metrics = new Metrics({ redis: pipeline.redis, keys: pipeline.keys, targets: [], defaultMetrics: false });
  const text = await metrics.registry.getSingleMetricAsString('syncwatch_alerts_firing');
  const line = text.split('\n').find((l) => l.startsWith(`syncwatch_alerts_firing{kind="${kind}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

it('RetryExhausted is counted in syncwatch_alerts_firing and resolves once when its flow leaves the scope', async () => {
  const base: WatchTarget & { token: string } = {
    name: 'shop',
    provider: 'celigo',
    baseUrl: sim.url,
    token: 'sim-token',
    interval: 5 * MINUTE,
    requestsPerSecond: 1000,
    failuresBeforeAlert: 3,
  };
  const retryPolicies = [
    policy({ name: 'flaky', match: { classification: ['rate_limit'] }, action: 'retry_with_backoff', minAge: 0, maxAttempts: 3 }),
  ];
  const events: AlertEvent[] = [];
  let n = 0;
  async function cycle(target: WatchTarget): Promise<AlertEvent[]> {
    const from = events.length;
    const watch = new Watch({
      targets: [target],
      redis: pipeline.redis,
      keys: pipeline.keys,
      store: new StateStore(pipeline.redis, pipeline.keys),
      logger: quietLogger,
      now,
    });
    const sink: WatchSink = {
      chunks: async () => {},
      // As the daemon: every transition goes through alerting (which takes each id once).
      events: async (e) => {
        events.push(...e);
        await pipeline.alerting.ingest(e);
      },
    };
    const retrier = createRetrier({
      config: { targets: [{ name: target.name, provider: 'celigo' }], retryPolicies },
      redis: pipeline.redis,
      keys: pipeline.keys,
      logger: quietLogger,
      httpFor: (name) => watch.http(watch.target(name)),
      emit: (e) => sink.events(e),
      now,
    });
    sink.retries = async (observation, c) => {
      for (const job of await retrier.plan(observation, c)) await retrier.process(job);
    };
    sink.retired = (e) => retrier.retired(e);
    try {
      await watch.cycle(target.name, String(START + ++n), sink);
    } finally {
      await watch.close();
    }
    return events.slice(from);
  }

  await admin(sim, 'POST', '/__sim/retry-behaviour', { flowId: flow._id, outcome: 'fail' });
  await admin(sim, 'POST', `/__sim/flows/${flow._id}/steps/${flow.steps[1]!.id}/errors`, {
    occurredAt: new Date(now()).toISOString(),
    count: 4,
    classification: 'rate_limit',
    message: 'Too many requests',
  });
  let exhausted: AlertEvent | undefined;
  for (let minute = 0; minute <= 120 && !exhausted; minute += 5) {
    exhausted = (await cycle(base)).find((e) => e.labels.kind === 'RetryExhausted');
    current += 5 * MINUTE;
  }
  expect(exhausted).toMatchObject({ status: 'firing', labels: { kind: 'RetryExhausted', flow: flow._id } });
  expect(await firingMetric('RetryExhausted')).toBe(1);

  // The flow is excluded: its alerts resolve — RetryExhausted included, named by its episode and the retiring cycle.
  const excluded = { ...base, exclude: { flows: ['Orders to NetSuite'] } };
  const left = await cycle(excluded);
  const resolved = left.filter((e) => e.labels.kind === 'RetryExhausted');
  expect(resolved).toHaveLength(1);
  expect(resolved[0]).toMatchObject({ status: 'resolved', fingerprint: exhausted!.fingerprint });
  expect(resolved[0]!.transitionId.startsWith(`${exhausted!.fingerprint}|retired|${exhausted!.startsAt}|`)).toBe(true);
  expect(await firingMetric('RetryExhausted')).toBe(0);
  expect(await firingMetric('FlowErrors')).toBe(0);
  // The log receiver says so.
  await expect
    .poll(() => pipeline.lines.some((l) => l.alert?.status === 'resolved' && l.alert?.labels?.kind === 'RetryExhausted'), {
      timeout: 10_000,
    })
    .toBe(true);

  // Steady: nothing resolves twice.
  current += 5 * MINUTE;
  expect((await cycle(excluded)).filter((e) => e.labels.kind === 'RetryExhausted')).toEqual([]);

  // Back in scope with the records retry gave up on still there: it fires again, as a new episode.
  current += 5 * MINUTE;
  const back = (await cycle(base)).filter((e) => e.labels.kind === 'RetryExhausted');
  expect(back).toMatchObject([{ status: 'firing', startsAt: new Date(current).toISOString() }]);
  expect(await firingMetric('RetryExhausted')).toBe(1);
});
