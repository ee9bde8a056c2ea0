// Neo runs are read "since the last poll"; a run row that appears late, with a start before that
// poll (late insert, clock skew), must still be seen — and alerted exactly once — because each poll
// reads an overlap window before the previous one again. Real simulator, real Redis, injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { loadConfigFromString } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { Watch, type WatchSink } from '../../src/watch/watch.ts';
import { testRedis } from '../harness/redis.ts';
import { simAdmin } from '../harness/sim-admin.ts';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const show = (e: AlertEvent) => `${e.labels.kind} ${e.labels.resource} ${e.status}${e.update ? ' update' : ''} run=${e.annotations.runId}`;

describe('Neo: a run listed late', () => {
  let cleanup: () => Promise<void>;
  let sim: Simulator;
  let watch: Watch;
  let clock = Date.parse('2026-03-01T12:00:00.000Z');
  let n = 0;
  const all: string[] = [];

  async function cycle(advanceMs = MINUTE): Promise<string[]> {
    clock += advanceMs;
    const events: AlertEvent[] = [];
    const sink: WatchSink = { chunks: async () => {}, events: async (e) => void events.push(...e) };
    await watch.cycle('neo', `c${++n}`, sink);
    all.push(...events.map(show));
    return events.map(show);
  }

  beforeAll(async () => {
    const r = await testRedis('watch-neo-overlap');
    cleanup = r.cleanup;
    const now = () => clock;
    sim = await startSimulator({
      port: 0,
      now,
      scenario: {
        seed: 3,
        integrations: 0,
        neo: { runIntervalMinutes: 60, integrations: [{ name: 'connectwise', history: ['SUCCESS', 'SUCCESS'] }] },
      },
    });
    const loaded = await loadConfigFromString(
      `redis: { url: "${r.url}", prefix: "${r.prefix}" }
targets:
  - { name: neo, provider: neo, baseUrl: "${sim.url}", token: sim-token, integrations: [connectwise], interval: 1m }
receivers: [{ name: log, log: {} }]
route: { receiver: log }
`,
      'neo.yaml',
      {},
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const keys = keyspace(r.prefix);
    watch = new Watch({
      targets: loaded.config.targets,
      redis: r.redis,
      keys,
      store: new StateStore(r.redis, keys),
      logger: createLogger({ level: 'silent' }),
      now,
    });
  });

  afterAll(async () => {
    await watch?.close();
    await sim?.close();
    await cleanup?.();
  });

  it('a failed run inserted after a poll, started before it, is alerted on the next poll — once', async () => {
    expect(await cycle()).toEqual([]);
    const polledAt = clock;
    // The row appears now, but says it started a minute before the poll that just ran.
    const late = await simAdmin<{ run_id: string }>(sim.url, '/neo/integrations/connectwise/runs', {
      status: 'FAILURE',
      startedAt: iso(polledAt - MINUTE),
      finishedAt: iso(polledAt - 30_000),
      newRun: true,
    });
    expect(await cycle()).toEqual([`SyncFailed neo/neo/sync/connectwise firing run=${late.run_id}`]);
    // Still inside the overlap on the next poll, and after it: never again.
    expect(await cycle()).toEqual([]);
    expect(await cycle(10 * MINUTE)).toEqual([]);
    expect(all).toEqual([`SyncFailed neo/neo/sync/connectwise firing run=${late.run_id}`]);
  });
});
