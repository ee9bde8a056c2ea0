// Issue 15: change-driven polling of Celigo integrations' Data Loader sync jobs, against the
// simulator and real Redis. Sync jobs carry no change marker a listing shows, so an integration with
// syncs (even syncs that never ran: 204) is read every cycle; one that answered "not sync-enabled"
// (404 sync_job_invalid_integration_id) only on its turn in the rolling sweep, so a sync set up there
// later is seen within sweepInterval. Cycles are driven with an injected clock, not by waiting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { stableHash, sweepSlots } from '../../src/providers/select.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { keyspace } from '../../src/state/keys.ts';
import { testRedis } from '../harness/redis.ts';
import { simAdmin } from '../harness/sim-admin.ts';
import { watchAlerting, type WatchAlerting } from './alerting.ts';
import { celigoTarget, watchCycle, type ChangeDrivenTarget } from './change-driven-harness.ts';

const MIN = 60_000;
const INTERVAL = MIN;
const SWEEP = 10 * MIN;
const SLOTS = sweepSlots(INTERVAL, SWEEP);
const T0 = Date.parse('2026-03-02T00:00:00Z');

type Target = ChangeDrivenTarget;

let sim: Simulator;
let redis: Awaited<ReturnType<typeof testRedis>>;
let alerting: WatchAlerting;
let clock = T0;
let n = 0;
/** Integrations with syncs that ran (200), with a sync that never ran (204), without syncs (404). */
let withSyncs: string[] = [];
let neverRan = '';
let withoutSyncs: string[] = [];

const target = (o: Partial<Target> = {}): Target => celigoTarget('cds', sim.url, INTERVAL, SWEEP, o);

beforeAll(async () => {
  redis = await testRedis('watch-change-driven-syncs');
  alerting = watchAlerting(redis.url, redis.redis, keyspace(redis.prefix));
  sim = await startSimulator({
    port: 0,
    now: () => clock,
    rateLimit: { burst: 1_000_000, refillPerSecond: 1_000_000 },
    scenario: {
      seed: 151,
      baseTime: new Date(T0 - 5 * MIN).toISOString(),
      integrations: 24,
      flowsPerIntegration: 1,
      stepsPerFlow: 2,
      disabledFlows: 0,
      errorStepRatio: 0,
      syncIntegrations: 3,
      syncsPerIntegration: 1,
      failedSyncs: 0,
      runningSyncs: 0,
      partialSyncs: 0,
    },
  });
  const world = await simAdmin<{ integrations: Array<{ _id: string }>; syncs: Array<{ _id: string; _integrationId: string }> }>(
    sim.url,
    '/world',
    undefined,
    'GET',
  );
  const synced = new Set(world.syncs.map((s) => s._integrationId));
  withSyncs = world.integrations.filter((i) => synced.has(i._id)).map((i) => i._id);
  const rest = world.integrations.filter((i) => !synced.has(i._id)).map((i) => i._id);
  neverRan = rest[0]!;
  withoutSyncs = rest.slice(1);
  await simAdmin(sim.url, `/integrations/${neverRan}/syncs`, { name: 'Never ran', history: [] });
});
afterAll(async () => {
  await sim.close();
  await alerting.close();
  await redis.cleanup();
});

/** One cycle, one interval after the last: the integrations whose latest sync jobs were read, and the transitions. */
async function cycle(t: Target = target()): Promise<{ read: Set<string>; events: AlertEvent[]; slot: Set<string> }> {
  clock = T0 + n * INTERVAL;
  const slot = new Set(withoutSyncs.filter((id) => stableHash(id) % SLOTS === n % SLOTS));
  n++;
  const { events, fetched } = await watchCycle({ target: t, redis, alerting, now: clock });
  const read = new Set(fetched.filter((f) => f.unit.includes('/integration/')).map((f) => f.unit.split('/').at(-1)!));
  return { read, events, slot };
}

const sorted = (s: Iterable<string>) => [...s].sort();

describe('change-driven polling of Data Loader sync jobs', () => {
  it('the first cycle reads every integration', async () => {
    expect(withSyncs.length).toBeGreaterThan(0);
    expect(withoutSyncs.length).toBeGreaterThan(SLOTS);
    const { read } = await cycle();
    expect(sorted(read)).toEqual(sorted([...withSyncs, neverRan, ...withoutSyncs]));
  });

  it('integrations with syncs (even never run) are read every cycle; those without, once a sweep, spread over it', async () => {
    const seen = new Map<string, number>();
    const perCycle: number[] = [];
    for (let k = 0; k < SLOTS; k++) {
      const { read, slot } = await cycle();
      expect(sorted(read)).toEqual(sorted([...withSyncs, neverRan, ...slot]));
      const without = [...read].filter((id) => withoutSyncs.includes(id));
      perCycle.push(without.length);
      for (const id of without) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    // Every integration without syncs exactly once in a sweep, never all at once.
    expect(sorted(seen.keys())).toEqual(sorted(withoutSyncs));
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect(Math.max(...perCycle)).toBeLessThan(withoutSyncs.length / 2);
  });

  it('a sync set up in an integration without syncs, failing its first run, fires SyncFailed within sweepInterval', async () => {
    // The integration whose sweep turn is furthest away.
    const integration = withoutSyncs.reduce((far, id) =>
      (stableHash(id) - n + SLOTS * 1000) % SLOTS > (stableHash(far) - n + SLOTS * 1000) % SLOTS ? id : far,
    );
    const { _id: syncId } = await simAdmin<{ _id: string }>(sim.url, `/integrations/${integration}/syncs`, {
      name: 'New sync',
      history: [],
    });
    await simAdmin(sim.url, `/syncs/${syncId}/fail`, {});
    const start = clock;
    let firedAt = -1;
    for (let k = 0; k <= SLOTS && firedAt < 0; k++) {
      const { events } = await cycle();
      if (events.some((e) => e.labels.kind === 'SyncFailed' && e.status === 'firing')) firedAt = clock;
    }
    expect(firedAt).toBeGreaterThan(start);
    expect(firedAt - start).toBeLessThanOrEqual(SWEEP);
    // From then on it has syncs: read every cycle.
    for (let k = 0; k < 2; k++) expect((await cycle()).read.has(integration)).toBe(true);
  });

  it('changeDriven: false reads every integration every cycle', async () => {
    for (let k = 0; k < 2; k++) {
      const { read } = await cycle(target({ changeDriven: false }));
      expect(read.size).toBe(withSyncs.length + 1 + withoutSyncs.length);
    }
  });
});
