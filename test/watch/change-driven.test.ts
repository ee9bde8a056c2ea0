// Issue 15: change-driven polling of Celigo flows, against the simulator and real Redis. A flow's
// open-error summary is fetched when it ran (lastExecutedAt moved), while it has open errors, a
// firing alert or a retry in flight, and on its turn in the rolling sweep; never when disabled.
// Cycles are driven with an injected clock (one interval apart), not by waiting.
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
/** The first cycle's time: the start of a sweep (slot 0). */
const T0 = Date.parse('2026-03-02T00:00:00Z');

type Target = ChangeDrivenTarget;

let sim: Simulator;
let redis: Awaited<ReturnType<typeof testRedis>>;
let alerting: WatchAlerting;
let clock = T0;
let n = 0;
let enabled: string[] = [];
let disabledFlow = '';
const stepsOf = new Map<string, string[]>();
let retrying: string[] = [];

const target = (o: Partial<Target> = {}): Target => celigoTarget('cd', sim.url, INTERVAL, SWEEP, o);

beforeAll(async () => {
  redis = await testRedis('watch-change-driven');
  alerting = watchAlerting(redis.url, redis.redis, keyspace(redis.prefix));
  sim = await startSimulator({
    port: 0,
    now: () => clock,
    rateLimit: { burst: 1_000_000, refillPerSecond: 1_000_000 },
    scenario: {
      seed: 15,
      baseTime: new Date(T0 - 5 * MIN).toISOString(),
      integrations: 10,
      flowsPerIntegration: 20,
      stepsPerFlow: 2,
      exportsPerFlow: 1,
      disabledFlows: 1,
      errorStepRatio: 0,
      syncIntegrations: 0,
    },
  });
  const world = await simAdmin<{ flows: Array<{ _id: string; disabled: boolean; steps: Array<{ id: string }> }> }>(
    sim.url,
    '/world',
    undefined,
    'GET',
  );
  enabled = world.flows.filter((f) => !f.disabled).map((f) => f._id);
  disabledFlow = world.flows.find((f) => f.disabled)!._id;
  for (const f of world.flows)
    stepsOf.set(
      f._id,
      f.steps.map((s) => s.id),
    );
});
afterAll(async () => {
  await sim.close();
  await alerting.close();
  await redis.cleanup();
});

/**
 * The test's own account of when each flow's sweep interval began, in cycles (as the watch remembers
 * it, src/providers/select.ts): the cycle it was last fetched, or for its first fetch the last start
 * of its slot. A flow nothing else fetches is due for the sweep a whole sweep (SLOTS cycles) later.
 */
const sweptFrom = new Map<string, number>();
/** Flows the sweep takes in cycle `c` if nothing fetches them before. */
const dueAt = (c: number) => new Set(enabled.filter((id) => sweptFrom.has(id) && c - sweptFrom.get(id)! >= SLOTS));

/** One cycle, one interval after the last: the flows whose summaries were fetched, the transitions, and the flows due for the sweep. */
async function cycle(t: Target = target()): Promise<{ fetched: Set<string>; asked: Set<string>; events: AlertEvent[]; due: Set<string> }> {
  clock = T0 + n * INTERVAL;
  const due = dueAt(n);
  const c = n;
  n++;
  const fetched = new Set<string>();
  const asked = new Set<string>(); // asked for, but the answer could not be read
  const read = await watchCycle({ target: t, redis, alerting, now: clock, retrying: () => retrying });
  // Flows' summaries only (integrations' sync jobs: change-driven-syncs.test.ts).
  for (const f of read.fetched.filter((u) => u.unit.includes('/step/'))) (f.unread ? asked : fetched).add(f.unit.split('/').at(-1)!);
  const { events } = read;
  for (const id of fetched) sweptFrom.set(id, sweptFrom.has(id) ? c : c - ((c - (stableHash(id) % SLOTS) + SLOTS) % SLOTS));
  for (const id of asked) sweptFrom.set(id, c);
  return { fetched, asked, events, due };
}

/** A flow the sweep does not take in the next `ahead` cycles. */
function quietFlow(ahead: number, not: string[] = []): string {
  return enabled.find((id) => !not.includes(id) && Array.from({ length: ahead }, (_, k) => dueAt(n + k).has(id)).every((d) => !d))!;
}

const sorted = (s: Iterable<string>) => [...s].sort();
const kinds = (events: AlertEvent[]) => events.map((e) => `${e.labels.kind}:${e.status}${e.update ? ':update' : ''}`);

describe('change-driven polling', () => {
  it('the first cycle fetches every enabled flow; the disabled one is not fetched', async () => {
    const { fetched } = await cycle();
    expect(sorted(fetched)).toEqual(sorted(enabled));
    expect(fetched.has(disabledFlow)).toBe(false);
  });

  it('a flow that did not run is not fetched (beyond its sweep turn); a flow that ran is', async () => {
    const quiet = await cycle();
    expect(sorted(quiet.fetched)).toEqual(sorted(quiet.due));
    // After the first cycle, the sweep takes the flows of one slot.
    expect(sorted(quiet.due)).toEqual(sorted(enabled.filter((id) => stableHash(id) % SLOTS === 1)));

    const ran = quietFlow(1);
    const res = await fetch(`${sim.url}/v1/flows/${ran}/run`, { method: 'POST', headers: { authorization: 'Bearer sim-token' } });
    expect(res.status).toBe(200);
    const next = await cycle();
    expect(sorted(next.fetched)).toEqual(sorted([...next.due, ran]));
    // Seen once: the cycle after, it is quiet again.
    const after = await cycle();
    expect(after.fetched.has(ran)).toBe(false);
  });

  it('a flow with open errors is fetched every cycle until they are gone; a hand resolution resolves its alert next cycle', async () => {
    const flow = quietFlow(6);
    const step = stepsOf.get(flow)![1]!;
    await simAdmin(sim.url, `/flows/${flow}/steps/${step}/errors`, { count: 2, classification: 'value' });
    const failed = await cycle();
    expect(failed.fetched.has(flow)).toBe(true);
    expect(kinds(failed.events)).toEqual(['FlowErrors:firing']);
    for (let k = 0; k < 3; k++) {
      const still = await cycle();
      expect(sorted(still.fetched)).toEqual(sorted(new Set([...still.due, flow])));
      expect(still.events).toEqual([]);
    }
    // Resolved by a person: the flow does not run, yet the next cycle sees it.
    await simAdmin(sim.url, `/flows/${flow}/steps/${step}/resolve`, {});
    const resolved = await cycle();
    expect(resolved.fetched.has(flow)).toBe(true);
    expect(kinds(resolved.events)).toEqual(['FlowErrors:resolved']);
    const quiet = await cycle();
    expect(quiet.fetched.has(flow)).toBe(false);
  });

  it('a sweep covers every flow within sweepInterval, each cycle about its share', async () => {
    const seen = new Set<string>();
    const perCycle: number[] = [];
    for (let k = 0; k < SLOTS; k++) {
      const { fetched } = await cycle();
      perCycle.push(fetched.size);
      fetched.forEach((id) => seen.add(id));
    }
    expect(sorted(seen)).toEqual(sorted(enabled));
    const share = enabled.length / SLOTS;
    expect(Math.max(...perCycle)).toBeLessThanOrEqual(2 * share);
  });

  it('an error resolved by hand on a flow that never runs again resolves its alert within sweepInterval', async () => {
    // The flow had errors that the listing did not show (lastExecutedAt unchanged, as a platform
    // may misreport): only the sweep finds them; then a person resolves them and the flow never
    // runs again. Each is seen within one sweep interval.
    const flow = quietFlow(3);
    const listed = sim.world.getFlow(flow)!.lastExecutedAt;
    sim.world.addErrors(flow, stepsOf.get(flow)![0]!, 1, { classification: 'value' });
    sim.world.getFlow(flow)!.lastExecutedAt = listed;
    let fired = -1;
    for (let k = 0; k < SLOTS && fired < 0; k++) if (kinds((await cycle()).events).includes('FlowErrors:firing')) fired = k;
    expect(fired).toBeGreaterThanOrEqual(0);

    await simAdmin(sim.url, `/flows/${flow}/steps/${stepsOf.get(flow)![0]}/resolve`, {});
    const start = clock;
    let resolvedAt = -1;
    for (let k = 0; k < SLOTS && resolvedAt < 0; k++) {
      const { events } = await cycle();
      if (kinds(events).includes('FlowErrors:resolved')) resolvedAt = clock;
    }
    expect(resolvedAt).toBeGreaterThan(0);
    expect(resolvedAt - start).toBeLessThanOrEqual(SWEEP);
    expect((await alerting.firing()).filter((a) => a.labels.flow === flow)).toEqual([]);
  });

  it('a flow with a retry of ours in flight is fetched every cycle', async () => {
    const flow = quietFlow(2);
    retrying = [`celigo/cd/step/${flow}/${stepsOf.get(flow)![1]}`];
    try {
      for (let k = 0; k < 2; k++) expect((await cycle()).fetched.has(flow)).toBe(true);
    } finally {
      retrying = [];
    }
    const quiet = await cycle();
    expect(quiet.fetched.has(flow)).toBe(quiet.due.has(flow));
  });

  it('a summary that could not be read is asked for again every cycle until it reads, then remembered', async () => {
    // A quiet flow the sweep takes this cycle: only the sweep reads it.
    const flow = [...dueAt(n)][0]!;
    await simAdmin(sim.url, '/faults', { path: `/v1/flows/${flow}/errors`, status: 200, body: '{"flowErrors": [', times: 2 });
    const unread = await cycle();
    expect(unread.due.has(flow)).toBe(true);
    expect(unread.asked.has(flow)).toBe(true);
    const again = await cycle();
    expect(again.due.has(flow)).toBe(false);
    expect(again.asked.has(flow)).toBe(true); // not its turn, did not run: asked for because it was unreadable
    const read = await cycle();
    expect(read.fetched.has(flow)).toBe(true);
    expect((await cycle()).fetched.has(flow)).toBe(false);
  });

  it('a disabled flow is not fetched: its alert stays, says so, and its steps stay in state', async () => {
    const flow = quietFlow(4);
    const step = stepsOf.get(flow)![0]!;
    await simAdmin(sim.url, `/flows/${flow}/steps/${step}/errors`, { count: 1, classification: 'value' });
    expect(kinds((await cycle()).events)).toEqual(['FlowErrors:firing']);
    await simAdmin(sim.url, `/flows/${flow}/disable`);
    const off = await cycle();
    expect(off.fetched.has(flow)).toBe(false);
    expect(kinds(off.events)).toEqual(['FlowErrors:firing:update']);
    expect(off.events[0]!.annotations.disabled).toBe(true);
    const firing = (await alerting.firing()).filter((a) => a.labels.flow === flow);
    expect(firing.map((a) => a.annotations.disabled)).toEqual([true]);
    // Steady: nothing more is said, nothing fetched, nothing forgotten.
    const still = await cycle();
    expect(still.fetched.has(flow)).toBe(false);
    expect(still.events).toEqual([]);
    const keys = keyspace(redis.prefix);
    expect((await redis.redis.hkeys(keys.snapshots('cd'))).filter((k) => k.includes(flow))).toHaveLength(2);
    // Enabled again: the alert no longer says so.
    await simAdmin(sim.url, `/flows/${flow}/enable`);
    const on = await cycle();
    expect(kinds(on.events)).toContain('FlowErrors:firing:update');
    expect(on.events.find((e) => e.update)!.annotations.disabled).toBeUndefined();
  });

  it('changeDriven: false fetches every flow every cycle, the disabled one too', async () => {
    for (let k = 0; k < 2; k++) {
      const { fetched } = await cycle(target({ changeDriven: false }));
      expect(sorted(fetched)).toEqual(sorted([...enabled, disabledFlow]));
    }
  });
});
