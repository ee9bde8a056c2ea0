// The simulated flows' `lastExecutedAt` moves whenever a flow runs — a run, a retry of its records,
// an injected failure, scenario activity — and never when a person resolves errors by hand; the
// activity endpoint runs a fraction of the enabled flows, drawn deterministically from the seed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type ScenarioSpec, type Simulator } from '../../src/simulator/index.ts';
import { admin, api, manualClock } from './helpers.ts';

const SCENARIO: ScenarioSpec = {
  seed: 31,
  integrations: 4,
  flowsPerIntegration: 25,
  disabledFlows: 4,
  errorStepRatio: 0,
  syncIntegrations: 0,
};

interface ListedFlow {
  _id: string;
  disabled?: boolean;
  lastExecutedAt?: string;
}

describe('lastExecutedAt and scenario activity', () => {
  const clock = manualClock();
  let sim: Simulator;
  let other: Simulator;

  const flows = async (s: Simulator = sim) =>
    (await api(s, '/v1/flows?include=_integrationId,disabled,lastExecutedAt')).body as ListedFlow[];
  const ranNow = async (s: Simulator = sim) =>
    (await flows(s)).filter((f) => f.lastExecutedAt === new Date(clock.now()).toISOString()).map((f) => f._id);

  beforeAll(async () => {
    sim = await startSimulator({ scenario: SCENARIO, now: clock.now });
    other = await startSimulator({ scenario: SCENARIO, now: clock.now });
  });
  afterAll(async () => {
    await sim?.close();
    await other?.close();
  });
  beforeEach(async () => {
    await admin(sim, 'POST', '/__sim/reset');
    await admin(other, 'POST', '/__sim/reset');
    clock.advance(60_000);
  });

  it('the flow list carries lastExecutedAt under include: in the past for enabled flows, absent for disabled ones', async () => {
    const listed = await flows();
    expect(listed).toHaveLength(100);
    for (const f of listed) {
      if (f.disabled) expect(f.lastExecutedAt).toBeUndefined();
      else expect(Date.parse(f.lastExecutedAt!)).toBeLessThan(clock.now());
    }
  });

  it('a run, a retry and an injected failure move it; a hand resolution does not', async () => {
    const [a, b, c] = (await flows()).filter((f) => !f.disabled);
    const stepsOf = async (id: string) =>
      (
        (await admin<{ flows: Array<{ _id: string; steps: Array<{ id: string }> }> }>(sim, 'GET', '/__sim/world')).flows.find(
          (f) => f._id === id,
        )?.steps ?? []
      ).map((s) => s.id);
    expect((await api(sim, `/v1/flows/${a!._id}/run`, { method: 'POST' })).status).toBe(200);
    const [stepB] = await stepsOf(b!._id);
    const { created } = await admin<{ created: Array<{ retryDataKey: string }> }>(
      sim,
      'POST',
      `/__sim/flows/${b!._id}/steps/${stepB}/errors`,
      {
        count: 1,
        classification: 'value',
      },
    );
    expect((await ranNow()).sort()).toEqual([a!._id, b!._id].sort());

    clock.advance(1_000);
    await admin(sim, 'POST', `/__sim/flows/${b!._id}/steps/${stepB}/resolve`, {});
    expect(await ranNow()).toEqual([]);
    const [stepC] = await stepsOf(c!._id);
    const injected = await admin<{ created: Array<{ retryDataKey: string }> }>(
      sim,
      'POST',
      `/__sim/flows/${c!._id}/steps/${stepC}/errors`,
      {
        count: 1,
        classification: 'value',
      },
    );
    clock.advance(1_000);
    const retried = await api(sim, `/v1/flows/${c!._id}/${stepC}/retry`, {
      method: 'POST',
      body: { retryDataKeys: injected.created.map((e) => e.retryDataKey) },
    });
    expect(retried.status).toBe(200);
    expect(await ranNow()).toEqual([c!._id]);
    expect(created).toHaveLength(1);
  });

  it('POST /__sim/activity runs that fraction of the enabled flows, now; the same seed draws the same flows', async () => {
    const answer = await admin<{ ran: number }>(sim, 'POST', '/__sim/activity', { fraction: 0.05 });
    expect(answer).toEqual({ ran: 5 }); // 5% of 96 enabled flows, rounded
    const ran = await ranNow();
    expect(ran).toHaveLength(5);
    const disabled = new Set((await flows()).filter((f) => f.disabled).map((f) => f._id));
    expect(ran.filter((id) => disabled.has(id))).toEqual([]);
    await admin(other, 'POST', '/__sim/activity', { fraction: 0.05 });
    expect((await ranNow(other)).sort()).toEqual([...ran].sort());

    // The next call draws anew.
    clock.advance(1_000);
    await admin(sim, 'POST', '/__sim/activity', { fraction: 0.05 });
    expect(await ranNow()).not.toEqual(ran);
    await expect(admin(sim, 'POST', '/__sim/activity', { fraction: 2 })).rejects.toThrow(/400/);
  });

  it('most activity runs are clean; about one in ten leaves a new open error', async () => {
    await admin(sim, 'POST', '/__sim/activity', { fraction: 1 });
    const world = await admin<{ flows: Array<{ _id: string; steps: Array<{ id: string }> }> }>(sim, 'GET', '/__sim/world');
    let failing = 0;
    for (const f of world.flows) {
      const summary = (await api(sim, `/v1/flows/${f._id}/errors`)).body as { flowErrors: Array<{ numError: number }> };
      if (summary.flowErrors.some((s) => s.numError > 0)) failing++;
    }
    expect(failing).toBeGreaterThan(0);
    expect(failing).toBeLessThan(30);
  });
});
