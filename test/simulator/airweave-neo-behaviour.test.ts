// Behaviour of the simulated Airweave organisation and Neo tenant: scenarios, the admin API
// additions, per-API credentials and routing by path prefix beside integrator.io.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  resolveScenario,
  startSimulator,
  type AirweaveSummary,
  type NeoSummary,
  type NeoSyncRun,
  type Simulator,
} from '../../src/simulator/index.ts';
import { admin, api, manualClock } from './helpers.ts';

describe('scenarios', () => {
  it('the default scenario has a few Airweave syncs (one failed, one partial) and Neo integrations in each state', () => {
    const s = resolveScenario('default');
    expect(s.airweave.syncs.map((x) => x.history.at(-1))).toEqual(['failed', 'completed', 'completed']);
    expect(s.airweave.syncs.map((x) => x.entitiesFailed)).toEqual([0, 7, 0]);
    expect(s.neo.integrations.map((i) => `${i.name}:${i.state}`)).toEqual([
      'connectwise:connected',
      'autotask:connected',
      'halopsa:not_connected',
      'm365:does_not_sync',
    ]);
  });

  it('the empty scenario has none; a file spec without the sections keeps the default ones', () => {
    const empty = resolveScenario('empty');
    expect(empty.airweave.syncs).toEqual([]);
    expect(empty.neo.integrations).toEqual([]);
    expect(resolveScenario({ seed: 4 }).airweave.syncs).toHaveLength(3);
  });

  it('is deterministic in the seed', async () => {
    const clock = manualClock();
    const a = await startSimulator({ scenario: { seed: 21 }, now: clock.now });
    const b = await startSimulator({ scenario: { seed: 21 }, now: clock.now });
    const c = await startSimulator({ scenario: { seed: 22 }, now: clock.now });
    try {
      const get = (sim: Simulator) => api(sim, '/v1/sync/jobs', { token: 'sim-token' });
      expect((await get(a)).text).toBe((await get(b)).text);
      expect((await get(a)).text).not.toBe((await get(c)).text);
      const runs = (sim: Simulator) =>
        api(sim, '/public-api/integrations/autotask/sync-runs').then((r) => JSON.stringify((r.body as { data: unknown }).data));
      expect(await runs(a)).toBe(await runs(b));
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('rejects a malformed airweave or neo section with the field path', () => {
    expect(() => resolveScenario({ airweave: { entities: [{ name: 'x', history: ['in_progress' as 'running'] }] } })).toThrow(
      /airweave\.entities\.0\.history\.0/,
    );
    expect(() => resolveScenario({ neo: { integrations: [{ name: 'x', state: 'gone' as 'unknown' }] } })).toThrow(
      /neo\.integrations\.0\.state/,
    );
  });
});

describe('the admin API for Airweave and Neo', () => {
  const clock = manualClock();
  let sim: Simulator;
  let aw: AirweaveSummary;

  beforeAll(async () => {
    sim = await startSimulator({ now: clock.now });
    aw = await admin<AirweaveSummary>(sim, 'GET', '/__sim/airweave');
  });
  afterAll(async () => {
    await sim?.close();
  });

  const latestSc = async (syncId: string) => {
    const sc = aw.syncs.find((s) => s.id === syncId)?.sourceConnectionId ?? '';
    // Seed 001: this endpoint takes the key in x-api-key (the helpers send a Bearer header).
    const res = await fetch(new URL(`/source-connections/${sc}/jobs?limit=1`, sim.url), { headers: { 'x-api-key': 'sim-token' } });
    return ((await res.json()) as Array<Record<string, unknown>>)[0];
  };

  it('start, then succeed, finishes the same Airweave job; fail without a running job appends one', async () => {
    const syncId = aw.syncs[1]?.id ?? '';
    const started = await admin<{ sourceConnectionJob: { id: string; status: string } }>(
      sim,
      'POST',
      `/__sim/airweave/jobs/${syncId}/start`,
      {},
    );
    expect(started.sourceConnectionJob.status).toBe('RUNNING');
    clock.advance(60_000);
    const done = await admin<{ sourceConnectionJob: { id: string; status: string; entities_failed: number } }>(
      sim,
      'POST',
      `/__sim/airweave/jobs/${syncId}/succeed`,
      { entitiesFailed: 3 },
    );
    expect(done.sourceConnectionJob).toMatchObject({ id: started.sourceConnectionJob.id, status: 'COMPLETED', entities_failed: 3 });
    const failed = await admin<{ syncJob: { id: string; status: string; error: string } }>(
      sim,
      'POST',
      `/__sim/airweave/jobs/${syncId}/fail`,
      { error: 'boom' },
    );
    expect(failed.syncJob).toMatchObject({ status: 'failed', error: 'boom' });
    expect(failed.syncJob.id).not.toBe(started.sourceConnectionJob.id);
    expect(await latestSc(syncId)).toMatchObject({ id: failed.syncJob.id, status: 'FAILED' });
  });

  it('cancel goes through CANCELLING to CANCELLED; any status can be appended', async () => {
    const syncId = aw.syncs[2]?.id ?? '';
    await admin(sim, 'POST', `/__sim/airweave/jobs/${syncId}/start`, { status: 'pending' });
    expect(await latestSc(syncId)).toMatchObject({ status: 'PENDING' });
    await admin(sim, 'POST', `/__sim/airweave/jobs/${syncId}/cancel`, { status: 'cancelling' });
    expect(await latestSc(syncId)).toMatchObject({ status: 'CANCELLING' });
    await admin(sim, 'POST', `/__sim/airweave/jobs/${syncId}/cancel`, {});
    expect(await latestSc(syncId)).toMatchObject({ status: 'CANCELLED' });
    await admin(sim, 'POST', `/__sim/airweave/jobs/${syncId}`, { status: 'created' });
    expect(await latestSc(syncId)).toMatchObject({ status: 'PENDING', started_at: null });
  });

  it('answers 404 for an unknown sync and 400 for a bad body', async () => {
    const unknown = await fetch(`${sim.url}/__sim/airweave/jobs/nope/fail`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    const bad = await fetch(`${sim.url}/__sim/airweave/jobs/${aw.syncs[0]?.id}/succeed`, {
      method: 'POST',
      body: JSON.stringify({ entitiesFailed: -1 }),
    });
    expect(bad.status).toBe(400);
  });

  it('a Neo run appended after a RUNNING one finishes it in place; newRun appends', async () => {
    const running = await admin<NeoSyncRun>(sim, 'POST', '/__sim/neo/integrations/connectwise/runs', { status: 'RUNNING' });
    expect(running.finished_at).toBeNull();
    clock.advance(60_000);
    const finished = await admin<NeoSyncRun>(sim, 'POST', '/__sim/neo/integrations/connectwise/runs', {
      status: 'FAILURE',
      failures: [{ resource_label: 'Companies', reason: 'timeout', error_message: 'PSA timed out', activity_label: 'PSA Contacts' }],
    });
    expect(finished).toMatchObject({ run_id: running.run_id, status: 'FAILURE', finished_at: expect.any(String) });
    expect(finished.activities.find((a) => a.activity_label === 'PSA Contacts')?.failures).toEqual([
      { resource_label: 'Companies', parent_label: null, reason: 'timeout', error_message: 'PSA timed out' },
    ]);
    const again = await admin<NeoSyncRun>(sim, 'POST', '/__sim/neo/integrations/connectwise/runs', { status: 'SUCCESS', newRun: true });
    expect(again.run_id).not.toBe(running.run_id);
    const summary = await admin<NeoSummary>(sim, 'GET', '/__sim/neo');
    expect(summary.integrations.find((i) => i.name === 'connectwise')).toMatchObject({
      latestRunId: again.run_id,
      latestStatus: 'SUCCESS',
    });
  });

  it('integration states: not_connected, does_not_sync, unknown (forgotten), and a new connected one', async () => {
    const code = async (name: string) =>
      ((await api(sim, `/public-api/integrations/${name}/sync-runs`)).body as { error?: { code: string } }).error?.code;
    await admin(sim, 'POST', '/__sim/neo/integrations/autotask/state', { state: 'not_connected' });
    expect(await code('autotask')).toBe('integration_not_connected');
    await admin(sim, 'POST', '/__sim/neo/integrations/autotask/state', { state: 'does_not_sync' });
    expect(await code('autotask')).toBe('integration_does_not_sync');
    await admin(sim, 'POST', '/__sim/neo/integrations/autotask/state', { state: 'unknown' });
    expect(await code('autotask')).toBe('unknown_integration');
    await admin(sim, 'POST', '/__sim/neo/integrations/ninjaone/state', { state: 'connected' });
    expect(await code('ninjaone')).toBeUndefined();
  });

  it('credentials are per API; POST /__sim/token {api} changes one, reset restores all', async () => {
    await admin(sim, 'POST', '/__sim/token', { token: 'aw-rotated', api: 'airweave' });
    expect((await api(sim, '/v1/sync/jobs')).status).toBe(401); // helpers send Bearer sim-token
    expect((await api(sim, '/v1/sync/jobs', { token: 'aw-rotated' })).status).toBe(200);
    // Seed 002 documents Bearer for this endpoint: the key in x-api-key is no credential here.
    const res = await fetch(`${sim.url}/v1/sync/jobs`, { headers: { 'x-api-key': 'aw-rotated' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: 'Not authenticated: send the API key as Authorization: Bearer <key>' });
    const sc = await fetch(`${sim.url}/source-connections/${aw.syncs[0]!.sourceConnectionId}/jobs`, {
      headers: { authorization: 'Bearer aw-rotated' },
    });
    expect(sc.status).toBe(401);
    expect(await sc.json()).toEqual({ detail: 'Not authenticated: send the API key in the x-api-key header' });
    expect((await api(sim, '/v1/flows')).status).toBe(200);
    expect((await api(sim, '/public-api/integrations/connectwise/sync-runs')).status).toBe(200);
    await admin(sim, 'POST', '/__sim/token', { token: 'everything', api: 'all' });
    expect((await api(sim, '/public-api/integrations/connectwise/sync-runs', { token: 'everything' })).status).toBe(200);
    expect((await api(sim, '/v1/flows', { token: 'everything' })).status).toBe(200);
    await admin(sim, 'POST', '/__sim/reset');
    expect((await api(sim, '/v1/sync/jobs')).status).toBe(200);
    expect((await admin<NeoSummary>(sim, 'GET', '/__sim/neo')).integrations.map((i) => i.name)).toEqual([
      'connectwise',
      'autotask',
      'halopsa',
      'm365',
    ]);
  });

  it('routes by path prefix: Airweave /v1/sync/jobs beside Celigo /v1/syncs…, each with its own 404 envelope', async () => {
    expect((await api(sim, '/v1/sync/jobs')).status).toBe(200);
    const celigo = await api(sim, '/v1/syncs/0123456789abcdef01234567/syncJobs');
    expect(celigo.body).toMatchObject({ errors: [{ code: 'invalid_ref' }] });
    expect((await api(sim, '/v1/sync/other')).body).toEqual({ detail: 'Not Found' });
    expect((await api(sim, '/public-api/other')).body).toMatchObject({ error: { code: 'not_found' } });
    expect((await api(sim, '/v1/other')).body).toMatchObject({ errors: [{ code: 'not_found' }] });
    const stats = await admin<{ byEndpoint: Record<string, unknown> }>(sim, 'GET', '/__sim/stats');
    expect(Object.keys(stats.byEndpoint)).toEqual(expect.arrayContaining(['GET /v1/sync/jobs', 'GET /v1/syncs/{_syncId}/syncJobs']));
  });

  it('a fault can break ONE source connection or ONE integration: its neighbours answer as usual', async () => {
    const [bad, good] = aw.syncs.map((s) => s.sourceConnectionId);
    const jobs = (sc: string | undefined) =>
      fetch(new URL(`/source-connections/${sc}/jobs?limit=1`, sim.url), { headers: { 'x-api-key': 'sim-token' } });
    await admin(sim, 'POST', '/__sim/faults', { path: `^/source-connections/${bad}/jobs$`, status: 200, body: '[{"id":"cut' });
    await admin(sim, 'POST', '/__sim/faults', { path: '^/public-api/integrations/autotask/sync-runs$', status: 502 });
    try {
      const broken = await jobs(bad);
      expect([broken.status, await broken.text()]).toEqual([200, '[{"id":"cut']);
      const fine = await jobs(good);
      expect(fine.status).toBe(200);
      expect(await fine.json()).toEqual([expect.objectContaining({ id: expect.any(String) })]);
      // The default body is the API's own error envelope.
      expect(await api(sim, '/public-api/integrations/autotask/sync-runs')).toMatchObject({
        status: 502,
        body: { error: { code: expect.any(String) } },
      });
      expect(await api(sim, '/public-api/integrations/connectwise/sync-runs')).toMatchObject({
        status: 200,
        body: { data: expect.any(Array) },
      });
    } finally {
      await admin(sim, 'DELETE', '/__sim/faults');
    }
    expect((await jobs(bad)).status).toBe(200);
  });
});
