// The Celigo provider against the simulator: every endpoint, every status row, the normalized model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSyncwatchError } from '../../src/errors.ts';
import { HttpClient } from '../../src/http/client.ts';
import { createLogger } from '../../src/log.ts';
import {
  CELIGO_STATUS,
  CeligoClient,
  celigoProvider,
  celigoRunStatus,
  celigoUiBase,
  FLOWS_PER_CHUNK,
  integrationIdsOf,
  planChunks,
  syncJobDetail,
  type CeligoChunk,
  type CeligoTarget,
} from '../../src/providers/celigo/index.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { simAdmin } from '../harness/sim-admin.ts';

interface WorldView {
  integrations: Array<{ _id: string; name: string; flowIds: string[]; syncIds: string[] }>;
  flows: Array<{ _id: string; name: string; _integrationId: string; disabled: boolean; steps: Array<{ id: string; kind: string }> }>;
  syncs: Array<{ _id: string; name: string; _integrationId: string }>;
}

let sim: Simulator;
let http: HttpClient;
let client: CeligoClient;
let world: WorldView;
const logger = createLogger({ level: 'silent' });

const admin = (path: string, body?: unknown, method = 'POST') => simAdmin(sim.url, path, body, method);
const flowNamed = (name: string) => world.flows.find((f) => f.name === name)!;
const integrationNamed = (name: string) => world.integrations.find((i) => i.name === name)!;
const syncNamed = (name: string) => world.syncs.find((s) => s.name === name)!;
const target = (over: Partial<CeligoTarget> = {}): CeligoTarget & { token: string } => ({
  name: 'celigo-test',
  baseUrl: sim.url,
  token: 'sim-token',
  ...over,
});
const ctx = () => ({ http, logger, now: () => Date.now() });

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    scenario: {
      seed: 7,
      flowsPageSize: 2,
      errorsPageSize: 100,
      entities: {
        integrations: [
          {
            name: 'NetSuite Orders',
            flows: [
              { name: 'Orders to NetSuite', imports: 1, openErrors: [0, 250] },
              { name: 'Sandbox copy', imports: 1, openErrors: [1, 0] },
              { name: 'Disabled flow', disabled: true, imports: 1 },
            ],
            syncs: [
              { name: 'Orders sync', history: ['completed', 'failed'], tables: ['orders', 'lines'] },
              { name: 'Items sync', history: ['completed'] },
              { name: 'Locked sync', disabled: true, history: ['completed'] },
            ],
          },
          { name: 'Zendesk - Jira', flows: [{ name: 'Tickets', imports: 1 }] },
          { name: 'Never synced', flows: [{ name: 'Quiet', imports: 1 }], syncs: [{ name: 'New sync', history: [] }] },
        ],
      },
    },
  });
  http = new HttpClient({
    target: 'celigo-test',
    baseUrl: sim.url,
    auth: { type: 'bearer', token: 'sim-token' },
    requestsPerSecond: 1000,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
  });
  client = new CeligoClient(http);
  world = (await admin('/world', undefined, 'GET')) as WorldView;
});

afterAll(async () => {
  await http.close();
  await sim.close();
});

describe('status mapping', () => {
  it.each([
    ['running', 'running'],
    ['completed', 'succeeded'],
    ['failed', 'failed'],
    ['canceled', 'canceled'],
    ['queued', 'queued'],
    ['retrying', 'running'],
    ['canceling', 'running'],
    ['COMPLETED', 'succeeded'],
    ['paused', 'unknown'],
    ['', 'unknown'],
  ])('%s -> %s', (raw, expected) => {
    expect(celigoRunStatus(raw)).toBe(expected);
  });

  it('every mapped status is one of the normalized statuses', () => {
    expect(new Set(Object.values(CELIGO_STATUS))).toEqual(new Set(['queued', 'running', 'succeeded', 'failed', 'canceled']));
  });
});

describe('CeligoClient against the simulator', () => {
  it('lists every flow across Link-header pages', async () => {
    const flows = await client.listFlows();
    expect(flows.map((f) => f.name).sort()).toEqual(world.flows.map((f) => f.name).sort());
    expect(flows.length).toBe(5); // three pages of two
  });

  it('lists nothing for an account without flows (204)', async () => {
    const empty = await startSimulator({ port: 0, scenario: 'empty' });
    const emptyHttp = new HttpClient({ target: 'empty', baseUrl: empty.url, auth: { type: 'bearer', token: 'sim-token' } });
    try {
      expect(await new CeligoClient(emptyHttp).listFlows()).toEqual([]);
    } finally {
      await emptyHttp.close();
      await empty.close();
    }
  });

  it('reads the latest job of each sync of an integration (a bare array)', async () => {
    const jobs = await client.latestSyncJobs(integrationNamed('NetSuite Orders')._id);
    const bySync = new Map(jobs.map((j) => [j._syncId, j.status]));
    expect(bySync.get(syncNamed('Orders sync')._id)).toBe('failed');
    expect(bySync.get(syncNamed('Items sync')._id)).toBe('completed');
  });

  it('an integration whose syncs never ran has no latest jobs (204)', async () => {
    expect(await client.latestSyncJobs(integrationNamed('Never synced')._id)).toEqual([]);
  });

  it('an integration without syncs has no latest jobs (404 sync_job_invalid_integration_id)', async () => {
    expect(await client.latestSyncJobs(integrationNamed('Zendesk - Jira')._id)).toEqual([]);
  });

  it('a missing integration is not-found with the platform code', async () => {
    const err = await client.latestSyncJobs('aaaaaaaaaaaaaaaaaaaaaaaa').catch((e: unknown) => e);
    expect(isSyncwatchError(err, 'not-found') && err.code).toBe('sync_job_missing_integration');
  });

  it('summarizes open errors per step, zero-count steps included', async () => {
    const flow = flowNamed('Orders to NetSuite');
    const steps = await client.flowErrorSummary(flow._id);
    expect(steps.map((s) => [s.stepId, s.numError])).toEqual(flow.steps.map((s, i) => [s.id, [0, 250][i]]));
    expect(steps[1]?.lastErrorAt).toBeDefined();
    expect(steps[0]?.lastErrorAt).toBeUndefined();
  });

  it('reads every open error of a step through nextPageURL pages', async () => {
    const flow = flowNamed('Orders to NetSuite');
    const errors = await client.openErrorsOfStep(flow._id, flow.steps[1]!.id);
    expect(errors).toHaveLength(250);
    expect(new Set(errors.map((e) => e.errorId)).size).toBe(250);
  });

  it('drills into a failed sync job: family and errors', async () => {
    const [job] = (await client.latestSyncJobs(integrationNamed('NetSuite Orders')._id)).filter((j) => j.status === 'failed');
    const family = await client.syncJobFamily(job!._id);
    expect(family._id).toBe(job!._id);
    expect(family.tables?.length).toBeGreaterThan(0);
    const errors = await client.syncJobErrors(job!._id);
    expect(Array.isArray(errors)).toBe(true);
  });

  it('retries by retryDataKey: 200 queued, then 204 no-op for keys that no longer match', async () => {
    const flow = flowNamed('Sandbox copy');
    const stepId = flow.steps[0]!.id;
    const [error] = await client.openErrorsOfStep(flow._id, stepId);
    expect(error?.retryDataKey).toBeDefined();
    const first = await client.retry(flow._id, stepId, [error!.retryDataKey!]);
    expect(first.outcome).toBe('queued');
    expect(await client.openErrorsOfStep(flow._id, stepId)).toHaveLength(0);
    expect(await client.retry(flow._id, stepId, [error!.retryDataKey!], { withBackoff: true })).toEqual({ outcome: 'no-op' });
  });

  it('a retry on a disabled flow is inactive-flow (422), not an exception', async () => {
    const flow = flowNamed('Disabled flow');
    expect(await client.retry(flow._id, flow.steps[0]!.id, ['k1'], { withBackoff: true })).toEqual({ outcome: 'inactive-flow' });
  });

  it('refuses more than 1,000 keys in one call', async () => {
    const keys = Array.from({ length: 1001 }, (_, i) => `k${i}`);
    await expect(client.retry('f', 's', keys)).rejects.toMatchObject({ kind: 'config' });
  });

  it("runs a flow: the queued job's _jobId; a 200 without a body or without _jobId queued nothing", async () => {
    const flowId = flowNamed('Tickets')._id;
    const outcome = await client.runFlow(flowId);
    const runs = (await admin(`/flows/${flowId}/runs`, undefined, 'GET')) as Array<{ _jobId: string }>;
    expect(outcome).toEqual({ outcome: 'queued', jobIds: [runs.at(-1)?._jobId] });
    for (const answer of ['empty', 'no-job-id']) {
      await admin(`/flows/${flowId}/run-behaviour`, { answer, times: 1 });
      expect(await client.runFlow(flowId)).toEqual({ outcome: 'not-queued' });
    }
  });

  it('runs a sync: queued, then already-queued (409); a disabled sync is refused (422)', async () => {
    const sync = syncNamed('Items sync');
    expect((await client.runSync(sync._id)).outcome).toBe('queued');
    expect(await client.runSync(sync._id)).toEqual({ outcome: 'already-queued' });
    expect(await client.runSync(syncNamed('Locked sync')._id)).toEqual({ outcome: 'disabled' });
    await admin(`/syncs/${sync._id}/succeed`, {});
  });

  it('a wrong token is an auth error carrying the bare 401 message and never the token', async () => {
    const bad = new HttpClient({ target: 'bad', baseUrl: sim.url, auth: { type: 'bearer', token: 'wrong-secret-token' } });
    try {
      const err = await new CeligoClient(bad).listFlows().catch((e: unknown) => e);
      expect(isSyncwatchError(err, 'auth')).toBe(true);
      expect((err as Error).message).toContain('Bearer Authentication Failed');
      expect((err as Error).message).not.toContain('wrong-secret-token');
    } finally {
      await bad.close();
    }
  });
});

describe('celigoProvider', () => {
  it('observes syncs as Runs and flow steps as StepErrors in the normalized model', async () => {
    const obs = await celigoProvider.observe(target(), ctx());
    const orders = obs.runs.find((r) => r.resourceId === syncNamed('Orders sync')._id)!;
    expect(orders).toMatchObject({
      provider: 'celigo',
      target: 'celigo-test',
      kind: 'sync',
      status: 'failed',
      rawStatus: 'failed',
      integrationId: integrationNamed('NetSuite Orders')._id,
    });
    expect(orders.key).toBe(`celigo/celigo-test/sync/${orders.resourceId}`);
    expect(orders.error).toMatch(/failed/);
    const flow = flowNamed('Orders to NetSuite');
    const step = obs.stepErrors.find((s) => s.stepId === flow.steps[1]!.id)!;
    expect(step).toMatchObject({
      flowId: flow._id,
      flowName: 'Orders to NetSuite',
      openErrors: 250,
      key: `celigo/celigo-test/step/${flow._id}/${flow.steps[1]!.id}`,
    });
    expect(obs.stepErrors).toHaveLength(world.flows.reduce((n, f) => n + f.steps.length, 0));
  });

  it('honours include and exclude (ids or name globs)', async () => {
    const obs = await celigoProvider.observe(
      target({ include: { integrations: [integrationNamed('NetSuite Orders')._id] }, exclude: { flows: ['Sandbox *', 'Disabled*'] } }),
      ctx(),
    );
    expect([...new Set(obs.stepErrors.map((s) => s.flowName))]).toEqual(['Orders to NetSuite']);
    expect(obs.runs.every((r) => r.integrationId === integrationNamed('NetSuite Orders')._id)).toBe(true);
  });

  it("plans chunks that read every flow once and every integration's syncs once", async () => {
    const { chunks, scope } = await celigoProvider.plan!(target(), ctx());
    const planned = chunks as CeligoChunk[];
    const flows = planned.flatMap((c) => c.flows.map((f) => f._id));
    const integrations = planned.flatMap((c) => c.integrationIds);
    expect(flows.sort()).toEqual(world.flows.map((f) => f._id).sort());
    expect(new Set(integrations).size).toBe(integrations.length);
    expect(scope?.[0]?.owners.sort()).toEqual(world.flows.map((f) => f._id).sort());
    const whole = await celigoProvider.observe(target(), ctx());
    const parts = await Promise.all(planned.map((c) => celigoProvider.observeChunk!(target(), c, ctx())));
    expect(parts.flatMap((p) => p.stepErrors).length).toBe(whole.stepErrors.length);
    expect(parts.flatMap((p) => p.runs).length).toBe(whole.runs.length);
  });

  it('splits 250 flows and 7 integrations into three even chunks of at most 100 requests', () => {
    const flows = Array.from({ length: 250 }, (_, i) => ({ _id: `f${i}`, _integrationId: `i${i % 7}` }));
    const chunks = planChunks(flows, integrationIdsOf(flows));
    expect(chunks.map((c) => c.flows.length + c.integrationIds.length)).toEqual([85, 86, 86]);
    expect(chunks.flatMap((c) => c.flows.map((f) => f._id))).toEqual(flows.map((f) => f._id));
    expect(chunks.flatMap((c) => c.integrationIds)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6']);
  });

  it.each<[string, number, string[], number[][]]>([
    // case                                          flows  integrations      [flows, integrations] per chunk
    ['few flows to fetch, many integrations: integration-only chunks', 10, ['a', 'b', 'c'], [[10, 3]]],
    [
      'five flows beside 300 integrations',
      5,
      Array.from({ length: 300 }, (_, i) => `i${i}`),
      [
        [5, 71],
        [0, 76],
        [0, 76],
        [0, 77],
      ],
    ],
    ['a sync-only integration, no flows to fetch', 0, ['x1', 'x1'], [[0, 1]]],
    ['nothing at all', 0, [], []],
  ])('balances flows and integrations over chunks: %s', (_case, n, integrationIds, expected) => {
    const flows = Array.from({ length: n }, (_, i) => ({ _id: `f${i}` }));
    const chunks = planChunks(flows, integrationIds);
    expect(chunks.map((c) => [c.flows.length, c.integrationIds.length])).toEqual(expected);
    expect(Math.max(0, ...chunks.map((c) => c.flows.length + c.integrationIds.length))).toBeLessThanOrEqual(FLOWS_PER_CHUNK);
  });

  it("a sync job's detail: every table with errors, then the first messages", () => {
    const family = {
      _id: 'j1',
      status: 'completed',
      numErrors: 7,
      tables: [
        { _id: 't1', tableName: 'accounts', numErrors: 0 },
        { _id: 't2', tableName: 'contacts', numErrors: 6, status: 'completed' },
        { _id: 't3', tableName: 'orders', numErrors: 1, status: 'completed' },
      ],
    };
    const errors = Array.from({ length: 7 }, (_, i) => ({ tableName: i < 6 ? 'contacts' : 'orders', code: 'E', message: `m${i % 4}` }));
    const detail = syncJobDetail(family, errors, 2);
    // Repeated messages are shown once, with how often; then how many distinct ones were left out.
    expect(detail.error.split('\n')).toEqual([
      '7 error(s) in 2 table(s): contacts (6), orders (1)',
      '- contacts: E: m0 (×2)',
      '- contacts: E: m1 (×2)',
      '… and 3 more',
    ]);
    expect(detail.failures.map((f) => `${f.resource}:${f.count ?? '-'}`)).toEqual(['contacts:6', 'orders:1', 'contacts:-', 'contacts:-']);
  });

  it('samples the newest open errors of a step', async () => {
    const flow = flowNamed('Orders to NetSuite');
    const step = {
      key: 'k',
      provider: 'celigo' as const,
      target: 'celigo-test',
      flowId: flow._id,
      flowName: flow.name,
      stepId: flow.steps[1]!.id,
      openErrors: 250,
    };
    const samples = await celigoProvider.errorSamples!(target(), step, 5, ctx());
    expect(samples).toHaveLength(5);
    const times = samples.map((s) => s.occurredAt ?? '');
    expect([...times].sort().reverse()).toEqual(times);
    expect(samples[0]).toHaveProperty('message');
  });

  it('deep links only for integrator.io hosts', () => {
    expect(celigoUiBase('https://api.integrator.io')).toBe('https://integrator.io');
    expect(celigoUiBase('https://api.eu.integrator.io')).toBe('https://eu.integrator.io');
    expect(celigoUiBase(sim.url)).toBeUndefined();
  });
});
