// Conformance: every operation the simulator serves, with every status it can produce, answers a
// body that validates against our Celigo contract (test/contract/celigo.ts, distilled from the Syncs
// and Flows documents) and declares no field the contract does not. A route added without coverage
// here fails the last test.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_RATE_LIMIT,
  SIMULATOR_ROUTES,
  startSimulator,
  type FlowStepError,
  type ScenarioSpec,
  type Simulator,
  type SyncJob,
  type WorldSummary,
} from '../../src/simulator/index.ts';
import { admin, api, first, manualClock, worldOf, type ApiAnswer } from './helpers.ts';
import { celigo, ERROR_FILTER_CLASSIFICATIONS, ERROR_FILTER_SOURCES } from '../contract/celigo.ts';
import { Contract } from '../contract/check.ts';

const SCENARIO: ScenarioSpec = {
  name: 'conformance',
  seed: 7,
  flowsPageSize: 2,
  errorsPageSize: 2,
  entities: {
    integrations: [
      {
        name: 'Shop',
        flows: [
          { name: 'Orders', exports: 1, imports: 2, openErrors: [0, 5, 1] },
          { name: 'Refunds', disabled: true, openErrors: 2 },
          { name: 'Customers', openErrors: 0 },
        ],
        syncs: [
          { name: 'Accounts', history: ['completed', 'failed'], tables: ['accounts', 'contacts'] },
          { name: 'Billing', history: ['completed'] },
          { name: 'Disabled', disabled: true, history: ['completed'] },
        ],
      },
      { name: 'No syncs', flows: [{ name: 'Tickets' }] },
      { name: 'Syncs without jobs', flows: [{ name: 'Leads' }], syncs: [{ name: 'Never ran', history: [] }] },
    ],
  },
};

const UNKNOWN_ID = '0123456789abcdef01234567';

describe('simulator conformance with the Celigo contract', () => {
  const contract = new Contract(celigo);
  const clock = manualClock();
  const validated = new Set<string>();
  let sim: Simulator;
  let emptySim: Simulator;
  let world: WorldSummary;

  beforeAll(async () => {
    sim = await startSimulator({ scenario: SCENARIO, now: clock.now });
    emptySim = await startSimulator({ scenario: 'empty', now: clock.now });
    world = await worldOf(sim);
  });

  afterAll(async () => {
    await sim?.close();
    await emptySim?.close();
  });

  const integration = (name: string) =>
    first(
      world.integrations.filter((i) => i.name === name),
      `integration ${name}`,
    );
  const flow = (name: string) =>
    first(
      world.flows.filter((f) => f.name === name),
      `flow ${name}`,
    );
  const sync = (name: string) =>
    first(
      world.syncs.filter((s) => s.name === name),
      `sync ${name}`,
    );
  const step = (flowName: string, index: number) => {
    const found = flow(flowName).steps[index];
    if (found === undefined) throw new Error(`flow ${flowName} has no step ${index}`);
    return found.id;
  };

  /** Calls the API, expects `status`, validates the answer against the contract, records the coverage. */
  async function check(
    method: string,
    template: string,
    path: string,
    status: number,
    options: { body?: unknown; token?: string | null; target?: Simulator; code?: string } = {},
  ): Promise<ApiAnswer> {
    const answer = await api(options.target ?? sim, path, { method, body: options.body, token: options.token });
    expect(answer.status, `${method} ${path} answered ${answer.status}: ${answer.text}`).toBe(status);
    const key = `${method} ${template} ${status}`;
    expect(
      contract.answerProblems(method, template, { status, text: answer.text, contentType: answer.headers.get('content-type') }),
      `${key} body ${answer.text.slice(0, 500)}`,
    ).toEqual([]);
    if (options.code !== undefined) expect(answer.body).toMatchObject({ errors: [{ code: options.code }] });
    validated.add(key);
    return answer;
  }

  it('lists flows with Link pagination, projection, 400 on include+exclude, and 204 when there are none', async () => {
    const ids: string[] = [];
    let path: string | undefined = '/v1/flows';
    while (path !== undefined) {
      const answer = await check('GET', '/v1/flows', path, 200);
      ids.push(...(answer.body as Array<{ _id: string }>).map((f) => f._id));
      const link = answer.headers.get('link');
      if (link === null) path = undefined;
      else {
        const match = /^<([^>]+)>; rel="next"$/.exec(link);
        expect(match, `Link header ${link}`).not.toBeNull();
        const next = new URL(match?.[1] ?? '');
        expect(next.origin, 'Link carries an absolute URL on our origin').toBe(new URL(sim.url).origin);
        path = next.pathname + next.search;
      }
    }
    expect(ids).toEqual(world.flows.map((f) => f._id));

    const projected = await check('GET', '/v1/flows', '/v1/flows?include=disabled,pageGenerators._exportId', 200);
    expect(first(projected.body as object[])).toEqual({
      _id: flow('Orders')._id,
      name: 'Orders',
      disabled: false,
      pageGenerators: [{ _exportId: step('Orders', 0) }],
    });
    expect(projected.headers.get('link')).toContain('include=disabled%2CpageGenerators._exportId');
    const stripped = await check('GET', '/v1/flows', '/v1/flows?exclude=pageProcessors,name', 200);
    expect(first(stripped.body as object[])).not.toHaveProperty('pageProcessors');
    expect(first(stripped.body as object[])).toHaveProperty('name', 'Orders');

    await check('GET', '/v1/flows', '/v1/flows?include=name&exclude=disabled', 400, { code: 'invalid_query_params' });
    await check('GET', '/v1/flows', '/v1/flows', 204, { target: emptySim });
  });

  it('gets a flow and its per-step error summary', async () => {
    const orders = flow('Orders');
    const got = await check('GET', '/v1/flows/{_id}', `/v1/flows/${orders._id}`, 200);
    expect(got.body).toMatchObject({ _id: orders._id, _integrationId: integration('Shop')._id, disabled: false });
    await check('GET', '/v1/flows/{_id}', `/v1/flows/${UNKNOWN_ID}`, 404, { code: 'invalid_ref' });

    const summary = await check('GET', '/v1/flows/{_id}/errors', `/v1/flows/${orders._id}/errors`, 200);
    const entries = (summary.body as { flowErrors: Array<{ _expOrImpId: string; numError: number; lastErrorAt?: string }> }).flowErrors;
    expect(entries.map((e) => [e._expOrImpId, e.numError])).toEqual([
      [step('Orders', 0), 0],
      [step('Orders', 1), 5],
      [step('Orders', 2), 1],
    ]);
    for (const entry of entries) expect(entry.lastErrorAt !== undefined).toBe(entry.numError > 0);
    await check('GET', '/v1/flows/{_id}/errors', `/v1/flows/${UNKNOWN_ID}/errors`, 404, { code: 'invalid_ref' });
  });

  it('lists open errors with nextPageURL pagination', async () => {
    const template = '/v1/flows/{_id}/{_stepId}/errors';
    const errorIds: string[] = [];
    let path: string | undefined = `/v1/flows/${flow('Orders')._id}/${step('Orders', 1)}/errors`;
    let pages = 0;
    while (path !== undefined) {
      const answer = await check('GET', template, path, 200);
      const body = answer.body as { errors: FlowStepError[]; nextPageURL?: string };
      errorIds.push(...body.errors.map((e) => e.errorId));
      path = body.nextPageURL;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(new Set(errorIds).size).toBe(5);

    await check('GET', template, `/v1/flows/${flow('Orders')._id}/${step('Orders', 1)}/errors?after=abc`, 400, {
      code: 'invalid_query_params',
    });
    await check('GET', template, `/v1/flows/${flow('Orders')._id}/${UNKNOWN_ID}/errors`, 404, { code: 'invalid_ref' });
    await check('GET', template, `/v1/flows/${UNKNOWN_ID}/${step('Orders', 1)}/errors`, 404, { code: 'invalid_ref' });
  });

  it('retries errored records (both endpoints): 200 job, 204 no match, 400, 404, 422 inactive_flow', async () => {
    const orders = flow('Orders');
    const stepId = step('Orders', 1);
    const { created } = await admin<{ created: FlowStepError[] }>(sim, 'POST', `/__sim/flows/${orders._id}/steps/${stepId}/errors`, {
      count: 2,
      classification: 'intermittent',
    });
    const keys = created.map((e) => e.retryDataKey ?? '');
    for (const [index, endpoint] of ['retry', 'retry_with_exponential_decay'].entries()) {
      const template = `/v1/flows/{_id}/{_stepId}/${endpoint}`;
      const base = `/v1/flows/${orders._id}/${stepId}/${endpoint}`;
      const job = await check('POST', template, base, 200, { body: { retryDataKeys: [keys[index]] } });
      expect(job.body).toMatchObject({ type: 'retry', _flowId: orders._id, _expOrImpId: stepId });
      await check('POST', template, base, 204, { body: { retryDataKeys: ['no-such-key'] } });
      await check('POST', template, base, 400, { body: {}, code: 'missing_required_field' });
      await check('POST', template, base, 400, { body: { retryDataKeys: [] }, code: 'invalid_or_missing_field' });
      await check('POST', template, base, 400, { body: { retryDataKeys: Array.from({ length: 1001 }, (_, i) => `k${i}`) } });
      await check('POST', template, `/v1/flows/${UNKNOWN_ID}/${stepId}/${endpoint}`, 404, { body: { retryDataKeys: ['x'] } });
      const refunds = flow('Refunds');
      await check('POST', template, `/v1/flows/${refunds._id}/${step('Refunds', 0)}/${endpoint}`, 422, {
        body: { retryDataKeys: ['x'] },
        code: 'inactive_flow',
      });
    }
  });

  it('lists resolved errors with nextPageURL pagination', async () => {
    const template = '/v1/flows/{_id}/{_stepId}/resolved';
    const base = `/v1/flows/${flow('Orders')._id}/${step('Orders', 1)}/resolved`;
    const answer = await check('GET', template, base, 200);
    const body = answer.body as { resolved: Array<FlowStepError & { resolvedAt: string; resolvedBy: string }>; nextPageURL?: string };
    expect(body.resolved).toHaveLength(2);
    expect(body.resolved.every((e) => e.resolvedBy === world.userId)).toBe(true);
    await check('GET', template, `${base}?after=-1`, 400, { code: 'invalid_query_params' });
    await check('GET', template, `/v1/flows/${UNKNOWN_ID}/${step('Orders', 1)}/resolved`, 404, { code: 'invalid_ref' });
  });

  it('runs a flow: 200, 400, 404, 422', async () => {
    const template = '/v1/flows/{_id}/run';
    const orders = flow('Orders');
    const run = await check('POST', template, `/v1/flows/${orders._id}/run`, 200, { body: { _exportIds: [step('Orders', 0)] } });
    expect(run.body).toHaveProperty('_jobId');
    await check('POST', template, `/v1/flows/${orders._id}/run`, 200);
    await check('POST', template, `/v1/flows/${orders._id}/run`, 400, { body: { _exportIds: [UNKNOWN_ID] } });
    await check('POST', template, `/v1/flows/${UNKNOWN_ID}/run`, 404);
    await check('POST', template, `/v1/flows/${flow('Refunds')._id}/run`, 422, { code: 'inactive_flow' });
  });

  it('serves the error filter enums', async () => {
    const answer = await check('GET', '/v1/errors/filterMetadata', '/v1/errors/filterMetadata', 200);
    const filters = (answer.body as { filters: Array<{ name: string; enums: string[] }> }).filters;
    expect(filters).toEqual([
      { name: 'source', enums: [...ERROR_FILTER_SOURCES] },
      { name: 'classification', enums: [...ERROR_FILTER_CLASSIFICATIONS] },
    ]);
  });

  it('answers the latest sync jobs of an integration: bare array, 204, both 404 codes', async () => {
    const template = '/v1/integrations/{_integrationId}/syncJobs/latest';
    const latest = await check('GET', template, `/v1/integrations/${integration('Shop')._id}/syncJobs/latest`, 200);
    const jobs = latest.body as SyncJob[];
    expect(jobs.map((j) => j._syncId)).toEqual([sync('Accounts')._id, sync('Billing')._id, sync('Disabled')._id]);
    expect(first(jobs).status).toBe('failed');
    await check('GET', template, `/v1/integrations/${integration('Syncs without jobs')._id}/syncJobs/latest`, 204);
    await check('GET', template, `/v1/integrations/${integration('No syncs')._id}/syncJobs/latest`, 404, {
      code: 'sync_job_invalid_integration_id',
    });
    await check('GET', template, `/v1/integrations/${UNKNOWN_ID}/syncJobs/latest`, 404, { code: 'sync_job_missing_integration' });
  });

  it('reads sync jobs, a job family and its errors (bare array with x-total-count)', async () => {
    const accounts = sync('Accounts');
    const list = await check('GET', '/v1/syncs/{_syncId}/syncJobs', `/v1/syncs/${accounts._id}/syncJobs?limit=1&offset=5`, 200);
    const { data, totalCount } = list.body as { data: SyncJob[]; totalCount: number };
    expect(totalCount).toBe(2);
    expect(data.map((j) => j.status)).toEqual(['failed', 'completed']);
    await check('GET', '/v1/syncs/{_syncId}/syncJobs', `/v1/syncs/${UNKNOWN_ID}/syncJobs`, 404, { code: 'invalid_ref' });

    const jobId = accounts.latestJobId ?? '';
    await check('GET', '/v1/syncJobs/{_syncJobId}', `/v1/syncJobs/${jobId}`, 200);
    await check('GET', '/v1/syncJobs/{_syncJobId}', `/v1/syncJobs/${UNKNOWN_ID}`, 404);
    const family = await check('GET', '/v1/syncJobs/{_syncJobId}/family', `/v1/syncJobs/${jobId}/family`, 200);
    const tables = (family.body as { tables: Array<{ _id: string; tableName: string; status: string }> }).tables;
    expect(tables.map((t) => [t.tableName, t.status])).toEqual([
      ['accounts', 'failed'],
      ['contacts', 'completed'],
    ]);
    await check('GET', '/v1/syncJobs/{_syncJobId}/family', `/v1/syncJobs/${UNKNOWN_ID}/family`, 404);

    const template = '/v1/syncJobs/{_parentJobId}/errors';
    const errors = await check('GET', template, `/v1/syncJobs/${jobId}/errors`, 200);
    expect(errors.headers.get('x-total-count')).toBe(String((errors.body as unknown[]).length));
    expect((errors.body as unknown[]).length).toBe(3);
    const forContacts = await check('GET', template, `/v1/syncJobs/${jobId}/errors?_childJobId=${tables[1]?._id ?? ''}`, 200);
    expect(forContacts.body).toEqual([]);
    expect(forContacts.headers.get('x-total-count')).toBe('0');
    await check('GET', template, `/v1/syncJobs/${UNKNOWN_ID}/errors`, 404);
  });

  it('runs and cancels syncs: 200, 400, 404, 409, 422, 204, 403', async () => {
    const run = '/v1/syncs/{_syncId}/run';
    const billing = sync('Billing');
    const started = await check('POST', run, `/v1/syncs/${billing._id}/run`, 200, { body: { runType: 'resync' } });
    expect(started.body).toMatchObject({ syncId: billing._id });
    await check('POST', run, `/v1/syncs/${billing._id}/run`, 409, { code: 'sync_job_already_queued' });
    await check('POST', run, `/v1/syncs/${sync('Disabled')._id}/run`, 422, { code: 'invalid_sync' });
    await check('POST', run, `/v1/syncs/${UNKNOWN_ID}/run`, 404, { code: 'invalid_ref' });
    await check('POST', run, `/v1/syncs/${billing._id}/run`, 400, { body: { runType: 'full' }, code: 'invalid_parameter' });

    const cancelAll = '/v1/syncs/{_syncId}/syncJobs/cancel';
    await check('PUT', cancelAll, `/v1/syncs/${billing._id}/syncJobs/cancel`, 204);
    await check('PUT', cancelAll, `/v1/syncs/${billing._id}/syncJobs/cancel`, 404, { code: 'sync_jobs_not_found' });
    await check('PUT', cancelAll, `/v1/syncs/${UNKNOWN_ID}/syncJobs/cancel`, 404);
    const canceled = await api(sim, `/v1/syncs/${billing._id}/syncJobs`);
    expect(first((canceled.body as { data: SyncJob[] }).data)).toMatchObject({ status: 'canceled', runType: 'resync' });

    const cancelOne = '/v1/syncJobs/{_syncJobId}/cancel';
    const running = await admin<SyncJob>(sim, 'POST', `/__sim/syncs/${sync('Accounts')._id}/start`);
    await check('PUT', cancelOne, `/v1/syncJobs/${running._id}/cancel`, 204);
    await check('PUT', cancelOne, `/v1/syncJobs/${running._id}/cancel`, 403, { code: 'sync_job_not_cancellable' });
    await check('PUT', cancelOne, `/v1/syncJobs/${UNKNOWN_ID}/cancel`, 404);
  });

  it('answers 401 with a bare {message} on every route, before routing', async () => {
    const params: Record<string, string> = {
      _id: flow('Orders')._id,
      _stepId: step('Orders', 1),
      _integrationId: integration('Shop')._id,
      _syncId: sync('Accounts')._id,
      _syncJobId: sync('Accounts').latestJobId ?? '',
      _parentJobId: sync('Accounts').latestJobId ?? '',
    };
    for (const route of SIMULATOR_ROUTES) {
      const path = route.template.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? UNKNOWN_ID);
      const missing = await check(route.method, route.template, path, 401, { token: null });
      expect(missing.body).toEqual({ message: 'Unauthorized' });
      const wrong = await check(route.method, route.template, path, 401, { token: 'not-the-token' });
      expect(wrong.body).toEqual({ message: 'Bearer Authentication Failed' });
    }
  });

  it('answers 429 rate_limited with a whole-second Retry-After once the bucket is empty', async () => {
    await admin(sim, 'POST', '/__sim/rate-limit', { burst: 2, refillPerSecond: 0.5 });
    await check('GET', '/v1/errors/filterMetadata', '/v1/errors/filterMetadata', 200);
    await check('GET', '/v1/errors/filterMetadata', '/v1/errors/filterMetadata', 200);
    const limited = await check('GET', '/v1/flows/{_id}', `/v1/flows/${flow('Orders')._id}`, 429, { code: 'rate_limited' });
    expect(limited.headers.get('retry-after')).toBe('2');
    clock.advance(2_000);
    await check('GET', '/v1/flows/{_id}', `/v1/flows/${flow('Orders')._id}`, 200);
    await admin(sim, 'POST', '/__sim/rate-limit', DEFAULT_RATE_LIMIT);
  });

  it('answers an unknown route with a 404 error envelope', async () => {
    const answer = await api(sim, '/v1/nothing/here');
    expect(answer.status).toBe(404);
    expect(contract.envelopeProblems(answer.body)).toEqual([]);
  });

  it('covered every route the simulator serves, with every status it can produce', () => {
    const missing: string[] = [];
    const undocumented: string[] = [];
    for (const route of SIMULATOR_ROUTES) {
      expect(contract.hasOperation(route.method, route.template), `${route.method} ${route.template} is in the contract`).toBe(true);
      const documented = contract.statuses(route.method, route.template);
      for (const status of [...route.statuses, 401]) {
        const key = `${route.method} ${route.template} ${status}`;
        if (!validated.has(key)) missing.push(key);
        if (!documented.includes(status)) undocumented.push(key);
      }
    }
    expect(missing).toEqual([]);
    expect(undocumented).toEqual([]);
    expect([...validated].some((key) => key.endsWith(' 429'))).toBe(true);
  });
});
