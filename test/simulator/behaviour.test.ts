// Behaviour of the simulated account: retries, runs, pagination, rate limiting, faults, stats and
// the admin API that later tests (alerting, retry policies, benchmarks) drive scenarios with.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startSimulator,
  type FlowStepError,
  type RetryLogEntry,
  type ScenarioSpec,
  type Simulator,
  type StatsSnapshot,
  type SyncJob,
  type WorldSummary,
} from '../../src/simulator/index.ts';
import { admin, api, first, manualClock, worldOf } from './helpers.ts';

const SCENARIO: ScenarioSpec = {
  name: 'behaviour',
  seed: 11,
  errorsPageSize: 3,
  entities: {
    integrations: [
      {
        name: 'Shop',
        flows: [
          { name: 'Orders', imports: 2, openErrors: 0 },
          { name: 'Customers', openErrors: 0 },
        ],
        syncs: [{ name: 'Accounts', history: ['completed'] }],
      },
    ],
  },
};

describe('simulator behaviour', () => {
  const clock = manualClock();
  let sim: Simulator;
  let world: WorldSummary;
  let flowId: string;
  let stepId: string;
  let syncId: string;

  beforeAll(async () => {
    sim = await startSimulator({ scenario: SCENARIO, now: clock.now });
  });

  afterAll(async () => {
    await sim?.close();
  });

  beforeEach(async () => {
    await admin(sim, 'POST', '/__sim/reset');
    world = await worldOf(sim);
    const orders = first(world.flows);
    flowId = orders._id;
    stepId = orders.steps[1]?.id ?? '';
    syncId = first(world.syncs)._id;
  });

  const errorsPath = () => `/__sim/flows/${flowId}/steps/${stepId}/errors`;
  const addErrors = async (body: Record<string, unknown>) =>
    (await admin<{ created: FlowStepError[] }>(sim, 'POST', errorsPath(), body)).created;
  const stepErrors = () =>
    admin<{ open: FlowStepError[]; resolved: Array<FlowStepError & { resolvedBy: string }> }>(sim, 'GET', errorsPath());
  const retry = (keys: string[], endpoint = 'retry') =>
    api(sim, `/v1/flows/${flowId}/${stepId}/${endpoint}`, { method: 'POST', body: { retryDataKeys: keys } });
  const keysOf = (errors: FlowStepError[]) => errors.map((e) => e.retryDataKey ?? '');

  describe('retries', () => {
    it('a successful retry removes the error and moves it to resolved', async () => {
      const created = await addErrors({ count: 3, classification: 'intermittent' });
      const [retried, ...kept] = created;
      const answer = await retry(keysOf([retried as FlowStepError]));
      expect(answer.status).toBe(200);

      const { open, resolved } = await stepErrors();
      expect(open.map((e) => e.errorId)).toEqual(kept.map((e) => e.errorId));
      expect(resolved).toEqual([{ ...retried, resolvedAt: new Date(clock.now()).toISOString(), resolvedBy: world.userId }]);
      const summary = await api(sim, `/v1/flows/${flowId}/errors`);
      expect((summary.body as { flowErrors: Array<{ numError: number }> }).flowErrors[1]?.numError).toBe(2);
    });

    it('a failing retry replaces the error with a new errorId carrying the same retryDataKey', async () => {
      const [original] = await addErrors({ count: 1, classification: 'rate_limit', occurredAt: '2025-03-01T11:00:00.000Z' });
      if (original === undefined) throw new Error('no error created');
      await admin(sim, 'POST', '/__sim/retry-behaviour', { flowId, stepId, outcome: 'fail', times: 1 });
      clock.advance(60_000);

      expect((await retry(keysOf([original]), 'retry_with_exponential_decay')).status).toBe(200);
      const { open } = await stepErrors();
      const again = first(open);
      expect(again.errorId).not.toBe(original.errorId);
      expect(again.retryDataKey).toBe(original.retryDataKey);
      expect(again.occurredAt).toBe(new Date(clock.now()).toISOString());
      expect(again).toMatchObject({ classification: 'rate_limit', traceKey: original.traceKey });

      // The rule was for one record only: the next retry of the same key succeeds.
      expect((await retry(keysOf([original]))).status).toBe(200);
      expect((await stepErrors()).open).toEqual([]);
      const log = await admin<RetryLogEntry[]>(sim, 'GET', '/__sim/retries');
      expect(log.map((l) => [l.endpoint, l.outcome, l.oldErrorId])).toEqual([
        ['retry_with_exponential_decay', 'fail', original.errorId],
        ['retry', 'succeed', again.errorId],
      ]);
    });

    it('answers 204 and changes nothing when no retryDataKey matches', async () => {
      const created = await addErrors({ count: 2, classification: 'value' });
      const answer = await retry(['not-a-key', 'neither']);
      expect(answer.status).toBe(204);
      expect(answer.text).toBe('');
      expect((await stepErrors()).open).toEqual(created);
    });

    it('cannot retry errors without a retryDataKey', async () => {
      const [connection] = await addErrors({ count: 1, classification: 'connection' });
      expect(connection?.retryDataKey).toBeUndefined();
      expect((await retry([connection?.errorId ?? ''])).status).toBe(204);
    });

    it('answers 422 inactive_flow while the flow is disabled', async () => {
      const created = await addErrors({ count: 1, classification: 'intermittent' });
      await admin(sim, 'POST', `/__sim/flows/${flowId}/disable`);
      const refused = await retry(keysOf(created));
      expect(refused.status).toBe(422);
      expect(refused.body).toEqual({ errors: [{ code: 'inactive_flow', message: expect.any(String) }] });
      expect((await api(sim, `/v1/flows/${flowId}`)).body).toMatchObject({ disabled: true });
      await admin(sim, 'POST', `/__sim/flows/${flowId}/enable`);
      expect((await retry(keysOf(created))).status).toBe(200);
    });

    it('counts every retryDataKey received, with timestamps', async () => {
      const [error] = await addErrors({ count: 1, classification: 'intermittent' });
      const key = error?.retryDataKey ?? '';
      const firstAt = new Date(clock.now()).toISOString();
      await retry([key, 'unknown-key']);
      clock.advance(5_000);
      await retry([key]); // already resolved: a 204, but still received
      const stats = await admin<StatsSnapshot>(sim, 'GET', '/__sim/stats');
      expect(stats.retryDataKeys[key]).toEqual({
        count: 2,
        timestamps: [firstAt, new Date(clock.now()).toISOString()],
        flowId,
        stepId,
      });
      expect(stats.retryDataKeys['unknown-key']?.count).toBe(1);
      expect(stats.byEndpoint['POST /v1/flows/{_id}/{_stepId}/retry']).toEqual({ '200': 1, '204': 1 });
      await admin(sim, 'POST', '/__sim/stats/reset');
      expect(await admin<StatsSnapshot>(sim, 'GET', '/__sim/stats')).toEqual({ total: 0, byEndpoint: {}, retryDataKeys: {}, serveMs: {} });
    });

    it('sums the time it spent serving each endpoint: at least its latency per request', async () => {
      await admin(sim, 'POST', '/__sim/stats/reset');
      await admin(sim, 'POST', '/__sim/latency', { ms: 25 });
      try {
        for (let i = 0; i < 3; i++) expect((await api(sim, `/v1/flows/${flowId}/errors`)).status).toBe(200);
      } finally {
        await admin(sim, 'POST', '/__sim/latency', { ms: 0 });
      }
      const stats = await admin<StatsSnapshot>(sim, 'GET', '/__sim/stats');
      // A timer may fire up to 1 ms early (libuv rounds to whole milliseconds).
      expect(stats.serveMs['GET /v1/flows/{_id}/errors']?.['200']).toBeGreaterThanOrEqual(3 * 24);
    });

    it('a flow run auto-resolves errors without a retryDataKey, or brings them back when runs fail', async () => {
      const [connection] = await addErrors({ count: 1, classification: 'connection' });
      const [withKey] = await addErrors({ count: 1, classification: 'intermittent' });
      await admin(sim, 'POST', '/__sim/retry-behaviour', { flowId, outcome: 'fail', times: 1 });
      expect((await api(sim, `/v1/flows/${flowId}/run`, { method: 'POST' })).status).toBe(200);
      let { open } = await stepErrors();
      expect(open.map((e) => e.errorId)).toEqual([withKey?.errorId, expect.not.stringMatching(connection?.errorId ?? '')]);

      expect((await api(sim, `/v1/flows/${flowId}/run`, { method: 'POST', body: {} })).status).toBe(200);
      ({ open } = await stepErrors());
      expect(open.map((e) => e.errorId)).toEqual([withKey?.errorId]);
      expect(first((await stepErrors()).resolved)).toMatchObject({ resolvedBy: 'auto', classification: 'connection' });
      expect(await admin<unknown[]>(sim, 'GET', `/__sim/flows/${flowId}/runs`)).toHaveLength(2);
    });
  });

  describe("the Flows document's harder cases", () => {
    it('a flow run can answer 200 without queueing a job: no body, or no _jobId; then queued again', async () => {
      const [connection] = await addErrors({ count: 1, classification: 'connection' });
      await admin(sim, 'POST', `/__sim/flows/${flowId}/run-behaviour`, { answer: 'empty', times: 1 });
      const empty = await api(sim, `/v1/flows/${flowId}/run`, { method: 'POST' });
      expect([empty.status, empty.text]).toEqual([200, '']);
      await admin(sim, 'POST', `/__sim/flows/${flowId}/run-behaviour`, { answer: 'no-job-id' });
      const noJob = await api(sim, `/v1/flows/${flowId}/run`, { method: 'POST' });
      expect([noJob.status, noJob.body]).toEqual([200, {}]);
      // Nothing ran: the errors are still open and no run was recorded.
      expect((await stepErrors()).open.map((e) => e.errorId)).toEqual([connection?.errorId]);
      expect(await admin<unknown[]>(sim, 'GET', `/__sim/flows/${flowId}/runs`)).toEqual([]);
      await admin(sim, 'POST', `/__sim/flows/${flowId}/run-behaviour`, { answer: 'queued' });
      const queued = await api(sim, `/v1/flows/${flowId}/run`, { method: 'POST' });
      expect(queued.body).toEqual({ _jobId: expect.any(String) });
    });

    it('open errors carry retryAt: 5 minutes after an intermittent error by default, any time, or none', async () => {
      const at = '2025-03-01T11:00:00.000Z';
      const [byDefault] = await addErrors({ count: 1, classification: 'intermittent', occurredAt: at });
      const [later] = await addErrors({ count: 1, classification: 'intermittent', occurredAt: at, retryAt: '2025-03-01T13:00:00.000Z' });
      const [none] = await addErrors({ count: 1, classification: 'intermittent', occurredAt: at, retryAt: null });
      const [value] = await addErrors({ count: 1, classification: 'value', occurredAt: at });
      const { open } = await stepErrors();
      const retryAtOf = (e: FlowStepError | undefined) => open.find((x) => x.errorId === e?.errorId)?.retryAt;
      expect(open).toHaveLength(4);
      expect([byDefault, later, none, value].map(retryAtOf)).toEqual([
        '2025-03-01T11:05:00.000Z',
        '2025-03-01T13:00:00.000Z',
        undefined,
        undefined,
      ]);
    });

    it('a person resolves errors by hand: they move to resolved with resolvedBy = that person, not the API user', async () => {
      const created = await addErrors({ count: 3, classification: 'value' });
      const { resolved } = await admin<{ resolved: Array<{ errorId: string; resolvedBy: string }> }>(
        sim,
        'POST',
        `/__sim/flows/${flowId}/steps/${stepId}/resolve`,
        {
          retryDataKeys: [created[0]?.retryDataKey],
          errorIds: [created[1]?.errorId],
        },
      );
      expect(resolved.map((r) => r.errorId)).toEqual([created[0]?.errorId, created[1]?.errorId]);
      const listed = (await api(sim, `/v1/flows/${flowId}/${stepId}/resolved`)).body as {
        resolved: Array<{ errorId: string; resolvedBy: string; resolvedAt: string }>;
      };
      expect(listed.resolved.map((r) => r.resolvedBy)).toEqual([
        expect.stringMatching(/^[0-9a-f]{24}$/),
        expect.stringMatching(/^[0-9a-f]{24}$/),
      ]);
      expect(listed.resolved[0]?.resolvedBy).not.toBe(world.userId);
      expect(listed.resolved[0]?.resolvedAt).toBe(new Date(clock.now()).toISOString());
      expect((await stepErrors()).open.map((e) => e.errorId)).toEqual([created[2]?.errorId]);
    });

    it('errors carry any classification: the documented ones, another case, or an unknown value', async () => {
      for (const classification of ['validation', 'data', 'system', 'Intermittent', 'quarantined'])
        await addErrors({ count: 1, classification });
      const { open } = await stepErrors();
      expect(open.map((e) => e.classification)).toEqual(['validation', 'data', 'system', 'Intermittent', 'quarantined']);
      expect(open[0]).toMatchObject({ source: 'user' });
    });
  });

  describe('open errors', () => {
    it('admin-added errors show in the summary; clearing them empties the step', async () => {
      await addErrors({ count: 2, classification: 'missing', occurredAt: '2025-03-01T10:00:00.000Z' });
      await addErrors({ count: 1, classification: 'duplicate', occurredAt: '2025-03-01T11:30:00.000Z', code: 'DUP', message: 'dup' });
      const summary = (await api(sim, `/v1/flows/${flowId}/errors`)).body as {
        flowErrors: Array<{ numError: number; lastErrorAt?: string }>;
      };
      expect(summary.flowErrors[1]).toEqual({ _expOrImpId: stepId, numError: 3, lastErrorAt: '2025-03-01T11:30:00.000Z' });
      expect(await admin(sim, 'DELETE', errorsPath())).toEqual({ cleared: 3 });
      const after = (await api(sim, `/v1/flows/${flowId}/errors`)).body as { flowErrors: Array<{ numError: number }> };
      expect(after.flowErrors[1]).toEqual({ _expOrImpId: stepId, numError: 0 });
    });

    for (const style of ['api-path', 'path', 'absolute'] as const) {
      it(`walks every page through nextPageURL (${style})`, async () => {
        const paged = await startSimulator({ scenario: { ...SCENARIO, nextPageUrlStyle: style }, now: clock.now });
        try {
          const summary = await worldOf(paged);
          const flow = first(summary.flows);
          const step = flow.steps[1]?.id ?? '';
          await admin(paged, 'POST', `/__sim/flows/${flow._id}/steps/${step}/errors`, { count: 7 });
          const seen: string[] = [];
          let next: string | undefined = `/v1/flows/${flow._id}/${step}/errors`;
          while (next !== undefined) {
            const page = await api(paged, next);
            expect(page.status).toBe(200);
            const body = page.body as { errors: FlowStepError[]; nextPageURL?: string };
            seen.push(...body.errors.map((e) => e.errorId));
            next = body.nextPageURL;
            if (next !== undefined) {
              const prefix = { 'api-path': '/api/v1/flows/', path: '/v1/flows/', absolute: `${paged.url}/v1/flows/` }[style];
              expect(next.startsWith(prefix), next).toBe(true);
            }
          }
          expect(seen).toHaveLength(7);
          expect(new Set(seen).size).toBe(7);
        } finally {
          await paged.close();
        }
      });
    }
  });

  describe('syncs', () => {
    it('answers 409 while a run is queued, and runs again once it ended', async () => {
      const run = () => api(sim, `/v1/syncs/${syncId}/run`, { method: 'POST' });
      expect((await run()).status).toBe(200);
      const conflict = await run();
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({ errors: [{ code: 'sync_job_already_queued' }] });
      const finished = await admin<SyncJob>(sim, 'POST', `/__sim/syncs/${syncId}/succeed`);
      expect(finished.status).toBe('completed');
      expect((await run()).status).toBe(200);
    });

    it('run-behaviour makes runs end at once (here: failed)', async () => {
      await admin(sim, 'POST', `/__sim/syncs/${syncId}/run-behaviour`, { behaviour: 'fail' });
      const run = await api(sim, `/v1/syncs/${syncId}/run`, { method: 'POST' });
      const latest = await api(sim, `/v1/integrations/${first(world.integrations)._id}/syncJobs/latest`);
      expect(first(latest.body as SyncJob[])).toMatchObject({
        status: 'failed',
        flowExecutionGroupId: (run.body as { flowExecutionGroupId: string }).flowExecutionGroupId,
      });
      expect((await api(sim, `/v1/syncs/${syncId}/run`, { method: 'POST' })).status).toBe(200);
    });

    it('admin start, fail and succeed drive the latest job', async () => {
      const latestPath = `/v1/integrations/${first(world.integrations)._id}/syncJobs/latest`;
      const latest = async () => first((await api(sim, latestPath)).body as SyncJob[]);

      const started = await admin<SyncJob>(sim, 'POST', `/__sim/syncs/${syncId}/start`, { startedAt: '2025-03-01T09:00:00.000Z' });
      expect(await latest()).toMatchObject({ _id: started._id, status: 'running', startedAt: '2025-03-01T09:00:00.000Z' });
      expect(await latest()).not.toHaveProperty('endedAt');

      const failed = await admin<SyncJob>(sim, 'POST', `/__sim/syncs/${syncId}/fail`, { numErrors: 5, message: 'warehouse down' });
      expect(failed).toMatchObject({ _id: started._id, status: 'failed', numErrors: 5, endedAt: new Date(clock.now()).toISOString() });
      const errors = await api(sim, `/v1/syncJobs/${failed._id}/errors`);
      expect(errors.headers.get('x-total-count')).toBe('5');
      expect((errors.body as Array<{ message: string }>).every((e) => e.message === 'warehouse down')).toBe(true);

      // Nothing running: fail/succeed append a new job that ran now.
      const succeeded = await admin<SyncJob>(sim, 'POST', `/__sim/syncs/${syncId}/succeed`);
      expect(succeeded._id).not.toBe(failed._id);
      expect(await latest()).toMatchObject({ _id: succeeded._id, status: 'completed', numErrors: 0 });
      const history = (await api(sim, `/v1/syncs/${syncId}/syncJobs`)).body as { totalCount: number };
      expect(history.totalCount).toBe(3);
    });

    it('a disabled sync refuses runs with 422 invalid_sync', async () => {
      await admin(sim, 'POST', `/__sim/syncs/${syncId}/disable`);
      const refused = await api(sim, `/v1/syncs/${syncId}/run`, { method: 'POST' });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ errors: [{ code: 'invalid_sync' }] });
    });
  });

  describe('rate limit', () => {
    it('answers 429 with a whole-second Retry-After when the bucket is empty, and recovers as it refills', async () => {
      const limitedClock = manualClock();
      const limited = await startSimulator({ scenario: SCENARIO, rateLimit: { burst: 3, refillPerSecond: 1 }, now: limitedClock.now });
      try {
        for (let i = 0; i < 3; i++) expect((await api(limited, '/v1/errors/filterMetadata')).status).toBe(200);
        const refused = await api(limited, '/v1/flows');
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(refused.body).toEqual({ errors: [{ code: 'rate_limited', message: expect.any(String) }] });

        limitedClock.advance(999);
        expect((await api(limited, '/v1/flows')).headers.get('retry-after')).toBe('1');
        // Admin routes are exempt.
        expect((await worldOf(limited)).flows).toHaveLength(2);
        limitedClock.advance(1);
        expect((await api(limited, '/v1/flows')).status).toBe(200);
        expect((await api(limited, '/v1/flows')).status).toBe(429);
      } finally {
        await limited.close();
      }
    });

    it('counts unauthorized requests without spending tokens', async () => {
      const limited = await startSimulator({ scenario: SCENARIO, rateLimit: { burst: 1, refillPerSecond: 1 }, now: manualClock().now });
      try {
        expect((await api(limited, '/v1/flows', { token: null })).status).toBe(401);
        expect((await api(limited, '/v1/flows')).status).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe('faults', () => {
    it('answers the injected status N times, then normally', async () => {
      await admin(sim, 'POST', '/__sim/faults', { path: '/v1/flows', status: 503, times: 2 });
      expect((await api(sim, '/v1/flows')).status).toBe(503);
      expect((await api(sim, `/v1/flows/${flowId}`)).status).toBe(503);
      expect((await api(sim, '/v1/flows')).status).toBe(200);
      const stats = await admin<StatsSnapshot>(sim, 'GET', '/__sim/stats');
      expect(stats.byEndpoint['GET /v1/flows']).toEqual({ '503': 1, '200': 1 });
      expect(stats.byEndpoint['GET /v1/flows/{_id}']).toEqual({ '503': 1 });
    });

    it('matches regular expressions and methods, with a custom body, until cleared', async () => {
      await admin(sim, 'POST', '/__sim/faults', { path: '^/v1/flows/[^/]+/errors$', method: 'GET', status: 500, body: 'boom' });
      const faulted = await api(sim, `/v1/flows/${flowId}/errors`).catch(() => undefined);
      expect(faulted).toBeUndefined(); // `boom` is not JSON: the helper's parse fails, as a client's would
      const raw = await fetch(`${sim.url}/v1/flows/${flowId}/errors`, { headers: { Authorization: 'Bearer sim-token' } });
      expect([raw.status, await raw.text()]).toEqual([500, 'boom']);
      expect((await api(sim, `/v1/flows/${flowId}`)).status).toBe(200);
      await admin(sim, 'DELETE', '/__sim/faults');
      expect((await api(sim, `/v1/flows/${flowId}/errors`)).status).toBe(200);
    });

    it('hangs matching requests until the client gives up, and still closes cleanly', async () => {
      const hanging = await startSimulator({ scenario: SCENARIO, now: clock.now });
      try {
        await admin(hanging, 'POST', '/__sim/faults', { path: '/v1/flows', hang: true, times: 2 });
        const controller = new AbortController();
        const pending = api(hanging, '/v1/flows', { signal: controller.signal });
        // Abort once the simulator has taken the request (seen in its stats), not after a delay.
        let hangs = 0;
        while (hangs === 0) {
          const stats = await admin<StatsSnapshot>(hanging, 'GET', '/__sim/stats');
          hangs = stats.byEndpoint['GET /v1/flows']?.hang ?? 0;
        }
        controller.abort();
        await expect(pending).rejects.toThrow(/abort/i);
        // A second hanging request stays open: close() must not wait for it.
        const left = api(hanging, '/v1/flows').catch((e: unknown) => e);
        let held = 0;
        while (held < 2) held = (await admin<StatsSnapshot>(hanging, 'GET', '/__sim/stats')).byEndpoint['GET /v1/flows']?.hang ?? 0;
        await hanging.close();
        expect(await left).toBeInstanceOf(Error);
      } finally {
        await hanging.close();
      }
    });
  });

  describe('auth and admin', () => {
    it('changes the accepted token at run time', async () => {
      await admin(sim, 'POST', '/__sim/token', { token: 'rotated' });
      expect((await api(sim, '/v1/flows')).body).toEqual({ message: 'Bearer Authentication Failed' });
      expect((await api(sim, '/v1/flows', { token: 'rotated' })).status).toBe(200);
      await admin(sim, 'POST', '/__sim/reset');
      expect((await api(sim, '/v1/flows')).status).toBe(200);
    });

    it('reset brings back the generated world', async () => {
      const before = await worldOf(sim);
      await addErrors({ count: 4 });
      await admin(sim, 'POST', `/__sim/flows/${flowId}/disable`);
      await admin(sim, 'POST', `/__sim/syncs/${syncId}/fail`);
      await admin(sim, 'POST', '/__sim/reset');
      expect(await worldOf(sim)).toEqual(before);
      expect((await stepErrors()).open).toEqual([]);
    });

    it('serves the API under the /api prefix that nextPageURL uses', async () => {
      expect((await api(sim, `/api/v1/flows/${flowId}`)).body).toMatchObject({ _id: flowId });
    });

    it('reports misuse of the admin API', async () => {
      const unknown = await fetch(`${sim.url}/__sim/nothing`, { method: 'POST' });
      expect(unknown.status).toBe(404);
      const bad = await fetch(`${sim.url}/__sim/retry-behaviour`, { method: 'POST', body: JSON.stringify({ outcome: 'maybe' }) });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ error: expect.stringContaining('outcome') });
      const missing = await fetch(`${sim.url}/__sim/syncs/0123456789abcdef01234567/fail`, { method: 'POST' });
      expect(missing.status).toBe(404);
      const badRegex = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ path: '^(' }) });
      expect(badRegex.status).toBe(400);
    });
  });
});
