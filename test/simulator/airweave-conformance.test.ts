// Conformance of the simulated Airweave API with our Airweave contract (test/contract/airweave.ts,
// distilled from the source-connection jobs page, 001, and the organisation-wide sync jobs page,
// 002): every answer validates against the contract, no field is missing from a job (the pages show
// every field, null when unset) and none is extra, each of its type, format and enum.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIRWEAVE_ROUTES, startSimulator, type AirweaveSummary, type Simulator } from '../../src/simulator/index.ts';
import { airweave, sourceConnectionJob, syncJob } from '../contract/airweave.ts';
import { Contract } from '../contract/check.ts';
import type { Schema } from '../contract/schema.ts';
import { admin, manualClock, type ApiAnswer } from './helpers.ts';

const SOURCE_JOBS = '/source-connections/{source_connection_id}/jobs';
const SYNC_JOBS = '/v1/sync/jobs';

/** The fields a job schema lists, sorted. */
function fieldsOf(schema: Schema): string[] {
  return Object.keys(schema.properties as object).sort();
}

const KEY = 'airweave-conformance-key';

describe('simulated Airweave conformance with the Airweave contract', () => {
  const contract = new Contract(airweave);
  const clock = manualClock();
  const validated = new Set<string>();
  let sim: Simulator;
  let world: AirweaveSummary;

  beforeAll(async () => {
    sim = await startSimulator({
      scenario: {
        seed: 3,
        integrations: 0,
        airweave: {
          entities: [
            { name: 'Done', history: ['completed', 'completed'], entitiesFailed: 2 },
            { name: 'Broken', history: ['completed', 'failed'], error: 'Token expired' },
            { name: 'Busy', history: ['running'] },
            { name: 'Queued', history: ['pending'] },
            { name: 'Fresh', history: ['created'] },
            { name: 'Stopping', history: ['cancelling'] },
            { name: 'Stopped', history: ['cancelled'] },
            { name: 'Empty', history: [] },
          ],
        },
      },
      airweaveApiKey: KEY,
      now: clock.now,
    });
    world = await admin<AirweaveSummary>(sim, 'GET', '/__sim/airweave');
  });

  afterAll(async () => {
    await sim?.close();
  });

  const sync = (name: string) => {
    const found = world.syncs.find((s) => s.name === name);
    if (found === undefined) throw new Error(`no sync ${name}`);
    return found;
  };

  /** The credential header the operation documents: x-api-key for 001, a bearer header for 002. */
  function credential(template: string, key = KEY): Record<string, string> {
    const { auth } = contract.operation('GET', template);
    return auth.header === 'x-api-key' ? { 'x-api-key': key } : { authorization: `${auth.scheme} ${key}` };
  }

  /** Calls the API, expects `status`, validates the answer against the contract, records the coverage. */
  async function call(
    template: string,
    path: string,
    status: number,
    headers: Record<string, string> = credential(template),
  ): Promise<ApiAnswer> {
    const res = await fetch(new URL(path, sim.url), { headers });
    const text = await res.text();
    expect(res.status, `${path} answered ${res.status}: ${text}`).toBe(status);
    expect(
      contract.answerProblems('GET', template, { status, text, contentType: res.headers.get('content-type') }),
      `${path} ${text.slice(0, 500)}`,
    ).toEqual([]);
    validated.add(`GET ${template} ${status}`);
    return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as unknown };
  }

  /** FastAPI's error body: `{"detail": "…"}`, or `{"detail": [{loc, msg, type}]}` for 422. */
  function expectDetail(body: unknown, validation = false): void {
    expect(Object.keys(body as object)).toEqual(['detail']);
    const detail = (body as { detail: unknown }).detail;
    if (!validation) expect(typeof detail).toBe('string');
    else expect(detail).toEqual([{ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) }]);
  }

  it('the checker catches drift in a job', () => {
    const schema = contract.responseSchema('GET', SOURCE_JOBS, 200) ?? {};
    const good = {
      id: '770e8400-e29b-41d4-a716-446655440002',
      source_connection_id: '770e8400-e29b-41d4-a716-446655440002',
      status: 'RUNNING',
      started_at: null,
      completed_at: null,
      duration_seconds: null,
      entities_inserted: 0,
      entities_updated: 0,
      entities_deleted: 0,
      entities_failed: 0,
      error: null,
      error_details: null,
    };
    expect(contract.problems('drift-ok', schema, [good])).toEqual([]);
    const { error: _dropped, ...missing } = good;
    const problems = contract.problems('drift', schema, [{ ...missing, status: 'running', extra: 1, entities_failed: 1.5 }]).join('\n');
    expect(problems).toMatch(/must have required property 'error'/);
    expect(problems).toMatch(/\/0\/status must be equal to one of the allowed values/);
    expect(problems).toMatch(/\/0\/entities_failed must be integer,null/);
    expect(problems).toMatch(/\$\[0\]\.extra is not declared/);
  });

  it('GET /source-connections/{id}/jobs: every job of every status carries every field of the contract, newest first', async () => {
    const statuses = new Set<string>();
    for (const s of world.syncs) {
      const answer = await call(
        SOURCE_JOBS,
        `/source-connections/${s.sourceConnectionId}/jobs?limit=${contract.bound('GET', SOURCE_JOBS, 'limit', 'maximum')}`,
        200,
      );
      const jobs = answer.body as Array<Record<string, unknown>>;
      expect(Array.isArray(jobs)).toBe(true);
      expect(jobs).toHaveLength(s.jobs);
      jobs.forEach((job, i) => {
        expect(Object.keys(job).sort(), `${s.name}[${i}]`).toEqual(fieldsOf(sourceConnectionJob));
        statuses.add(job.status as string);
        expect(job.source_connection_id).toBe(s.sourceConnectionId);
      });
      if (jobs.length > 0) expect(jobs[0]?.id).toBe(s.latestJobId);
    }
    expect([...statuses].sort()).toEqual(['CANCELLED', 'CANCELLING', 'COMPLETED', 'FAILED', 'PENDING', 'RUNNING']);
    // The default limit is 100; limit 1 returns only the newest.
    const done = sync('Done');
    const one = await call(SOURCE_JOBS, `/source-connections/${done.sourceConnectionId}/jobs?limit=1`, 200);
    expect((one.body as Array<{ id: string }>).map((j) => j.id)).toEqual([done.latestJobId]);
    expect((one.body as Array<{ entities_failed: number }>)[0]?.entities_failed).toBe(2);
  });

  it('a failed job carries error and error_details; a running one has no completed_at or duration', async () => {
    const broken = await call(SOURCE_JOBS, `/source-connections/${sync('Broken').sourceConnectionId}/jobs`, 200);
    expect((broken.body as unknown[])[0]).toMatchObject({
      status: 'FAILED',
      error: 'Token expired',
      error_details: expect.any(Object),
      completed_at: expect.any(String),
    });
    const busy = await call(SOURCE_JOBS, `/source-connections/${sync('Busy').sourceConnectionId}/jobs`, 200);
    expect((busy.body as unknown[])[0]).toMatchObject({ status: 'RUNNING', completed_at: null, duration_seconds: null, error: null });
  });

  it('source-connection errors: 404 for an unknown id, 422 for a bad id or limit (FastAPI bodies)', async () => {
    expectDetail((await call(SOURCE_JOBS, '/source-connections/00000000-0000-4000-8000-000000000000/jobs', 404)).body);
    expectDetail((await call(SOURCE_JOBS, '/source-connections/not-a-uuid/jobs', 422)).body, true);
    const done = sync('Done').sourceConnectionId;
    const limit = (which: 'minimum' | 'maximum') => contract.bound('GET', SOURCE_JOBS, 'limit', which);
    expectDetail((await call(SOURCE_JOBS, `/source-connections/${done}/jobs?limit=${limit('maximum') + 1}`, 422)).body, true);
    expectDetail((await call(SOURCE_JOBS, `/source-connections/${done}/jobs?limit=${limit('minimum') - 1}`, 422)).body, true);
  });

  it('GET /v1/sync/jobs: every job carries every field of the contract; skip/limit walk every job once', async () => {
    const total = world.syncs.reduce((n, s) => n + s.jobs, 0);
    const ids: string[] = [];
    const statuses = new Set<string>();
    for (let skip = 0; ; skip += 3) {
      const answer = await call(SYNC_JOBS, `/v1/sync/jobs?skip=${skip}&limit=3`, 200);
      const jobs = answer.body as Array<Record<string, unknown>>;
      jobs.forEach((job, i) => {
        expect(Object.keys(job).sort(), `page@${skip}[${i}]`).toEqual(fieldsOf(syncJob));
        statuses.add(job.status as string);
      });
      ids.push(...jobs.map((j) => j.id as string));
      if (jobs.length < 3) break;
    }
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect([...statuses].sort()).toEqual(['cancelled', 'completed', 'created', 'failed', 'in_progress', 'pending']);
    // Defaults: skip 0, limit 100.
    expect((await call(SYNC_JOBS, '/v1/sync/jobs', 200)).body).toHaveLength(total);
  });

  it("GET /v1/sync/jobs: sync_name, a failed job's failed_at and error, the repeatable status filter", async () => {
    const all = (await call(SYNC_JOBS, '/v1/sync/jobs', 200)).body as Array<Record<string, unknown>>;
    const broken = all.find((j) => j.id === sync('Broken').latestJobId);
    expect(broken).toMatchObject({
      sync_id: sync('Broken').id,
      sync_name: 'Broken',
      status: 'failed',
      failed_at: expect.any(String),
      completed_at: null,
      error: 'Token expired',
    });
    const filtered = (await call(SYNC_JOBS, '/v1/sync/jobs?status=failed&status=in_progress', 200)).body as Array<{
      status: string;
      sync_name: string;
    }>;
    expect(filtered.map((j) => `${j.sync_name}:${j.status}`).sort()).toEqual(['Broken:failed', 'Busy:in_progress', 'Stopping:in_progress']);
  });

  it('GET /v1/sync/jobs errors: 400 for a bad status, skip or limit', async () => {
    expectDetail((await call(SYNC_JOBS, '/v1/sync/jobs?status=RUNNING', 400)).body);
    const bound = (parameter: string, which: 'minimum' | 'maximum') => contract.bound('GET', SYNC_JOBS, parameter, which);
    expectDetail((await call(SYNC_JOBS, `/v1/sync/jobs?limit=${bound('limit', 'maximum') + 1}`, 400)).body);
    expectDetail((await call(SYNC_JOBS, `/v1/sync/jobs?limit=${bound('limit', 'minimum') - 1}`, 400)).body);
    expectDetail((await call(SYNC_JOBS, `/v1/sync/jobs?skip=${bound('skip', 'minimum') - 1}`, 400)).body);
  });

  it("401 without a key, with a wrong key, or with the key in the other endpoint's scheme; 200 in its own", async () => {
    const paths: Record<string, string> = {
      [SOURCE_JOBS]: `/source-connections/${sync('Done').sourceConnectionId}/jobs`,
      [SYNC_JOBS]: '/v1/sync/jobs',
    };
    for (const route of AIRWEAVE_ROUTES) {
      const path = paths[route.template] ?? '';
      expectDetail((await call(route.template, path, 401, {})).body);
      expectDetail((await call(route.template, path, 401, credential(route.template, 'wrong'))).body);
      // Each endpoint takes the key only in its own documented scheme (001: x-api-key, 002: Bearer).
      const own = credential(route.template);
      const other: Record<string, string> = 'x-api-key' in own ? { authorization: `Bearer ${KEY}` } : { 'x-api-key': KEY };
      await call(route.template, path, 200, own);
      expectDetail((await call(route.template, path, 401, other)).body);
    }
  });

  it('429 with a whole-second Retry-After once its own bucket is empty', async () => {
    await admin(sim, 'POST', '/__sim/rate-limit', { api: 'airweave', burst: 1, refillPerSecond: 0.5 });
    await call(SYNC_JOBS, '/v1/sync/jobs', 200);
    const limited = await call(SYNC_JOBS, '/v1/sync/jobs', 429);
    expectDetail(limited.body);
    expect(limited.headers.get('retry-after')).toBe('2');
    clock.advance(2_000);
    await call(SYNC_JOBS, '/v1/sync/jobs', 200);
    await admin(sim, 'POST', '/__sim/rate-limit', { api: 'airweave', burst: 1000, refillPerSecond: 300 });
  });

  it('an unknown Airweave path is a FastAPI 404; an injected fault answers in the same envelope', async () => {
    const res = await fetch(new URL('/v1/sync/nothing', sim.url), { headers: { 'x-api-key': KEY } });
    expect(res.status).toBe(404);
    const body = (await res.json()) as unknown;
    expectDetail(body);
    expect(contract.envelopeProblems(body)).toEqual([]);
    await admin(sim, 'POST', '/__sim/faults', { path: '/v1/sync/jobs', status: 503, times: 1 });
    const fault = await fetch(new URL('/v1/sync/jobs', sim.url), { headers: { 'x-api-key': KEY } });
    expect(fault.status).toBe(503);
    expectDetail(await fault.json());
  });

  it('covered every Airweave route with every status it can produce, plus 401 and 429', () => {
    const missing: string[] = [];
    for (const route of AIRWEAVE_ROUTES) {
      for (const status of [...route.statuses, 401])
        if (!validated.has(`${route.method} ${route.template} ${status}`)) missing.push(`${route.method} ${route.template} ${status}`);
    }
    expect(missing).toEqual([]);
    expect([...validated].some((key) => key.endsWith(' 429'))).toBe(true);
  });
});
