// Conformance of the simulated Airweave API with its seeds. The seeds (001 source-connection jobs,
// 002 organisation-wide sync jobs) are documentation pages, not OpenAPI: their field lists are
// written out here, and every job the simulator serves is checked field by field against them —
// no field missing, none extra, each of the documented type, format and enum.

import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIRWEAVE_ROUTES, startSimulator, type AirweaveSummary, type Simulator } from '../../src/simulator/index.ts';
import { admin, manualClock, type ApiAnswer } from './helpers.ts';
import { seedsDirectory } from './openapi.ts';

type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'null';
interface Field {
  types: FieldType[];
  format?: 'uuid' | 'date-time';
  enum?: readonly string[];
}

/** Seed 001, "Response — List of sync jobs": every field with its documented type. */
const SOURCE_CONNECTION_JOB_FIELDS: Record<string, Field> = {
  id: { types: ['string'], format: 'uuid' },
  source_connection_id: { types: ['string'], format: 'uuid' },
  status: { types: ['string'], enum: ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CANCELLING'] },
  started_at: { types: ['string', 'null'], format: 'date-time' },
  completed_at: { types: ['string', 'null'], format: 'date-time' },
  duration_seconds: { types: ['number', 'null'] },
  entities_inserted: { types: ['integer', 'null'] },
  entities_updated: { types: ['integer', 'null'] },
  entities_deleted: { types: ['integer', 'null'] },
  entities_failed: { types: ['integer', 'null'] },
  error: { types: ['string', 'null'] },
  error_details: { types: ['object', 'null'] },
};

/**
 * Seed 002, "Response": every field with its documented type. Timestamps, `error` and the e-mails
 * are documented as strings but shown as null in the seed's own example response when unset.
 */
const SYNC_JOB_FIELDS: Record<string, Field> = {
  id: { types: ['string'], format: 'uuid' },
  sync_id: { types: ['string'], format: 'uuid' },
  sync_name: { types: ['string'] },
  organization_id: { types: ['string'], format: 'uuid' },
  status: { types: ['string'], enum: ['created', 'pending', 'in_progress', 'completed', 'failed', 'cancelled'] },
  scheduled: { types: ['boolean'] },
  entities_inserted: { types: ['integer'] },
  entities_updated: { types: ['integer'] },
  entities_deleted: { types: ['integer'] },
  entities_kept: { types: ['integer'] },
  entities_skipped: { types: ['integer'] },
  entities_encountered: { types: ['object'] },
  started_at: { types: ['string', 'null'], format: 'date-time' },
  completed_at: { types: ['string', 'null'], format: 'date-time' },
  failed_at: { types: ['string', 'null'], format: 'date-time' },
  error: { types: ['string', 'null'] },
  created_at: { types: ['string'], format: 'date-time' },
  modified_at: { types: ['string'], format: 'date-time' },
  created_by_email: { types: ['string', 'null'] },
  modified_by_email: { types: ['string', 'null'] },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): FieldType | 'array' | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'object') return typeof value as FieldType;
  return 'other';
}

/** Every way `item` differs from the field list (empty when it conforms). */
function fieldProblems(fields: Record<string, Field>, item: unknown, where: string): string[] {
  if (typeOf(item) !== 'object') return [`${where} is not an object`];
  const record = item as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) if (!(key in fields)) problems.push(`${where}.${key} is not a documented field`);
  for (const [key, field] of Object.entries(fields)) {
    if (!(key in record)) {
      problems.push(`${where}.${key} is missing`);
      continue;
    }
    const value = record[key];
    const type = typeOf(value);
    const accepted = type === 'integer' && field.types.includes('number') ? true : field.types.includes(type as FieldType);
    if (!accepted) problems.push(`${where}.${key} is ${type}, documented ${field.types.join(' or ')}`);
    if (typeof value === 'string') {
      if (field.format === 'uuid' && !UUID.test(value)) problems.push(`${where}.${key} is not a uuid: ${value}`);
      if (field.format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) problems.push(`${where}.${key} is not ISO 8601: ${value}`);
      if (field.enum && !field.enum.includes(value)) problems.push(`${where}.${key} ${value} is not one of ${field.enum.join(', ')}`);
    }
  }
  return problems;
}

const KEY = 'airweave-conformance-key';

describe('simulated Airweave conformance with seeds 001 and 002', () => {
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

  async function call(template: string, path: string, status: number, headers: Record<string, string> = { 'x-api-key': KEY }): Promise<ApiAnswer> {
    const res = await fetch(new URL(path, sim.url), { headers });
    const text = await res.text();
    expect(res.status, `${path} answered ${res.status}: ${text}`).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
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

  it('the field lists here are the seeds\' (every name appears in its seed)', () => {
    const directory = seedsDirectory();
    const read = (prefix: string) => readFileSync(`${directory}/${readdirSync(directory).find((f) => f.startsWith(prefix)) ?? ''}`, 'utf8');
    const seed001 = read('001_');
    const seed002 = read('002_');
    for (const name of Object.keys(SOURCE_CONNECTION_JOB_FIELDS)) expect(seed001, name).toContain(name);
    for (const name of Object.keys(SYNC_JOB_FIELDS)) expect(seed002, name).toContain(`\n${name}\n`);
    for (const status of SOURCE_CONNECTION_JOB_FIELDS.status?.enum ?? []) expect(seed001).toContain(status);
    expect(seed002).toContain('created, pending, in_progress, completed, failed, cancelled');
  });

  it('the field checker catches drift', () => {
    const good = { id: '770e8400-e29b-41d4-a716-446655440002', source_connection_id: '770e8400-e29b-41d4-a716-446655440002', status: 'RUNNING', started_at: null, completed_at: null, duration_seconds: null, entities_inserted: 0, entities_updated: 0, entities_deleted: 0, entities_failed: 0, error: null, error_details: null };
    expect(fieldProblems(SOURCE_CONNECTION_JOB_FIELDS, good, '$')).toEqual([]);
    expect(fieldProblems(SOURCE_CONNECTION_JOB_FIELDS, { ...good, status: 'running', extra: 1, entities_failed: 1.5 }, '$')).toEqual([
      '$.extra is not a documented field',
      '$.status running is not one of PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, CANCELLING',
      '$.entities_failed is number, documented integer or null',
    ]);
  });

  it('GET /source-connections/{id}/jobs: every job of every status matches seed 001\'s fields, newest first', async () => {
    const statuses = new Set<string>();
    for (const s of world.syncs) {
      const answer = await call('/source-connections/{source_connection_id}/jobs', `/source-connections/${s.sourceConnectionId}/jobs?limit=1000`, 200);
      const jobs = answer.body as Array<Record<string, unknown>>;
      expect(Array.isArray(jobs)).toBe(true);
      expect(jobs).toHaveLength(s.jobs);
      jobs.forEach((job, i) => {
        expect(fieldProblems(SOURCE_CONNECTION_JOB_FIELDS, job, `${s.name}[${i}]`)).toEqual([]);
        statuses.add(job.status as string);
        expect(job.source_connection_id).toBe(s.sourceConnectionId);
      });
      if (jobs.length > 0) expect(jobs[0]?.id).toBe(s.latestJobId);
    }
    expect([...statuses].sort()).toEqual(['CANCELLED', 'CANCELLING', 'COMPLETED', 'FAILED', 'PENDING', 'RUNNING']);
    // The default limit is 100; limit 1 returns only the newest.
    const done = sync('Done');
    const one = await call('/source-connections/{source_connection_id}/jobs', `/source-connections/${done.sourceConnectionId}/jobs?limit=1`, 200);
    expect((one.body as Array<{ id: string }>).map((j) => j.id)).toEqual([done.latestJobId]);
    expect((one.body as Array<{ entities_failed: number }>)[0]?.entities_failed).toBe(2);
  });

  it('a failed job carries error and error_details; a running one has no completed_at or duration', async () => {
    const broken = await call('/source-connections/{source_connection_id}/jobs', `/source-connections/${sync('Broken').sourceConnectionId}/jobs`, 200);
    expect((broken.body as unknown[])[0]).toMatchObject({ status: 'FAILED', error: 'Token expired', error_details: expect.any(Object), completed_at: expect.any(String) });
    const busy = await call('/source-connections/{source_connection_id}/jobs', `/source-connections/${sync('Busy').sourceConnectionId}/jobs`, 200);
    expect((busy.body as unknown[])[0]).toMatchObject({ status: 'RUNNING', completed_at: null, duration_seconds: null, error: null });
  });

  it('source-connection errors: 404 for an unknown id, 422 for a bad id or limit (FastAPI bodies)', async () => {
    expectDetail((await call('/source-connections/{source_connection_id}/jobs', '/source-connections/00000000-0000-4000-8000-000000000000/jobs', 404)).body);
    expectDetail((await call('/source-connections/{source_connection_id}/jobs', '/source-connections/not-a-uuid/jobs', 422)).body, true);
    const done = sync('Done').sourceConnectionId;
    expectDetail((await call('/source-connections/{source_connection_id}/jobs', `/source-connections/${done}/jobs?limit=1001`, 422)).body, true);
    expectDetail((await call('/source-connections/{source_connection_id}/jobs', `/source-connections/${done}/jobs?limit=0`, 422)).body, true);
  });

  it('GET /v1/sync/jobs: every page matches seed 002\'s fields; skip/limit walk every job once', async () => {
    const total = world.syncs.reduce((n, s) => n + s.jobs, 0);
    const ids: string[] = [];
    const statuses = new Set<string>();
    for (let skip = 0; ; skip += 3) {
      const answer = await call('/v1/sync/jobs', `/v1/sync/jobs?skip=${skip}&limit=3`, 200);
      const jobs = answer.body as Array<Record<string, unknown>>;
      jobs.forEach((job, i) => {
        expect(fieldProblems(SYNC_JOB_FIELDS, job, `page@${skip}[${i}]`)).toEqual([]);
        statuses.add(job.status as string);
      });
      ids.push(...jobs.map((j) => j.id as string));
      if (jobs.length < 3) break;
    }
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect([...statuses].sort()).toEqual(['cancelled', 'completed', 'created', 'failed', 'in_progress', 'pending']);
    // Defaults: skip 0, limit 100.
    expect((await call('/v1/sync/jobs', '/v1/sync/jobs', 200)).body).toHaveLength(total);
  });

  it('GET /v1/sync/jobs: sync_name, a failed job\'s failed_at and error, the repeatable status filter', async () => {
    const all = (await call('/v1/sync/jobs', '/v1/sync/jobs', 200)).body as Array<Record<string, unknown>>;
    const broken = all.find((j) => j.id === sync('Broken').latestJobId);
    expect(broken).toMatchObject({ sync_id: sync('Broken').id, sync_name: 'Broken', status: 'failed', failed_at: expect.any(String), completed_at: null, error: 'Token expired' });
    const filtered = (await call('/v1/sync/jobs', '/v1/sync/jobs?status=failed&status=in_progress', 200)).body as Array<{ status: string; sync_name: string }>;
    expect(filtered.map((j) => `${j.sync_name}:${j.status}`).sort()).toEqual(['Broken:failed', 'Busy:in_progress', 'Stopping:in_progress']);
  });

  it('GET /v1/sync/jobs errors: 400 for a bad status, skip or limit', async () => {
    expectDetail((await call('/v1/sync/jobs', '/v1/sync/jobs?status=RUNNING', 400)).body);
    expectDetail((await call('/v1/sync/jobs', '/v1/sync/jobs?limit=101', 400)).body);
    expectDetail((await call('/v1/sync/jobs', '/v1/sync/jobs?limit=0', 400)).body);
    expectDetail((await call('/v1/sync/jobs', '/v1/sync/jobs?skip=-1', 400)).body);
  });

  it('401 without or with a wrong key, on every route; a Bearer header with the key is accepted', async () => {
    const paths: Record<string, string> = {
      '/source-connections/{source_connection_id}/jobs': `/source-connections/${sync('Done').sourceConnectionId}/jobs`,
      '/v1/sync/jobs': '/v1/sync/jobs',
    };
    for (const route of AIRWEAVE_ROUTES) {
      const path = paths[route.template] ?? '';
      expectDetail((await call(route.template, path, 401, {})).body);
      expectDetail((await call(route.template, path, 401, { 'x-api-key': 'wrong' })).body);
      await call(route.template, path, 200, { authorization: `Bearer ${KEY}` });
    }
  });

  it('429 with a whole-second Retry-After once its own bucket is empty', async () => {
    await admin(sim, 'POST', '/__sim/rate-limit', { api: 'airweave', burst: 1, refillPerSecond: 0.5 });
    await call('/v1/sync/jobs', '/v1/sync/jobs', 200);
    const limited = await call('/v1/sync/jobs', '/v1/sync/jobs', 429);
    expectDetail(limited.body);
    expect(limited.headers.get('retry-after')).toBe('2');
    clock.advance(2_000);
    await call('/v1/sync/jobs', '/v1/sync/jobs', 200);
    await admin(sim, 'POST', '/__sim/rate-limit', { api: 'airweave', burst: 1000, refillPerSecond: 300 });
  });

  it('an unknown Airweave path is a FastAPI 404; an injected fault answers in the same envelope', async () => {
    const res = await fetch(new URL('/v1/sync/nothing', sim.url), { headers: { 'x-api-key': KEY } });
    expect(res.status).toBe(404);
    expectDetail(await res.json());
    await admin(sim, 'POST', '/__sim/faults', { path: '/v1/sync/jobs', status: 503, times: 1 });
    const fault = await fetch(new URL('/v1/sync/jobs', sim.url), { headers: { 'x-api-key': KEY } });
    expect(fault.status).toBe(503);
    expectDetail(await fault.json());
  });

  it('covered every Airweave route with every status it can produce, plus 401 and 429', () => {
    const missing: string[] = [];
    for (const route of AIRWEAVE_ROUTES) {
      for (const status of [...route.statuses, 401]) if (!validated.has(`${route.method} ${route.template} ${status}`)) missing.push(`${route.method} ${route.template} ${status}`);
    }
    expect(missing).toEqual([]);
    expect([...validated].some((key) => key.endsWith(' 429'))).toBe(true);
  });
});
