// Conformance of the simulated Neo API with our Neo contract (test/contract/neo.ts, distilled from
// the Neo public API document, 003): every status the simulator can produce for
// GET /public-api/integrations/{name}/sync-runs answers a body that validates (ajv 2020) against the
// contract's response schema and declares no field the contract does not.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEO_ROUTES, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { admin, manualClock, type ApiAnswer } from './helpers.ts';
import { Contract } from '../contract/check.ts';
import { neo } from '../contract/neo.ts';

const TOKEN = 'neo_sk_sim_conformance';
const TEMPLATE = '/public-api/integrations/{name}/sync-runs';
const DAY = 24 * 3_600_000;

describe('simulated Neo conformance with the Neo contract', () => {
  const contract = new Contract(neo);
  const clock = manualClock();
  const validated = new Set<string>();
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({
      scenario: {
        seed: 9,
        integrations: 0,
        neo: {
          runIntervalMinutes: 30,
          integrations: [
            { name: 'connectwise', history: ['SUCCESS', 'SKIPPED', 'SUCCESS', 'FAILURE', 'SUCCESS', 'RUNNING'] },
            { name: 'autotask', history: ['SUCCESS', 'FAILURE'], failures: 3 },
            { name: 'halopsa', state: 'not_connected' },
            { name: 'm365', state: 'does_not_sync' },
            { name: 'kaseya', history: [] },
          ],
        },
      },
      neoToken: TOKEN,
      now: clock.now,
    });
  });

  afterAll(async () => {
    await sim?.close();
  });

  /** Calls the API, expects `status`, validates the answer against the contract, records the coverage. */
  async function check(
    path: string,
    status: number,
    options: { token?: string | null; code?: string; unknownRoute?: true } = {},
  ): Promise<ApiAnswer> {
    const headers: Record<string, string> = {};
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
    const res = await fetch(new URL(path, sim.url), { headers });
    const text = await res.text();
    expect(res.status, `${path} answered ${res.status}: ${text}`).toBe(status);
    const body = JSON.parse(text) as unknown;
    const key = `GET ${TEMPLATE} ${status}`;
    if (options.unknownRoute === true) expect(contract.envelopeProblems(body), `unknown route ${text.slice(0, 500)}`).toEqual([]);
    else
      expect(
        contract.answerProblems('GET', TEMPLATE, { status, text, contentType: res.headers.get('content-type') }),
        `${key} body ${text.slice(0, 500)}`,
      ).toEqual([]);
    if (options.code !== undefined) expect(body).toMatchObject({ error: { code: options.code } });
    if (options.unknownRoute !== true) validated.add(key);
    return { status: res.status, headers: res.headers, text, body };
  }

  it('the contract lists every status the document gives the operation', () => {
    expect(contract.statuses('GET', TEMPLATE).sort()).toEqual([200, 400, 401, 403, 404, 409, 422, 429, 500]);
  });

  it('the checker catches drift in a SyncRun', () => {
    const schema = contract.responseSchema('GET', TEMPLATE, 200) ?? {};
    const run = {
      run_id: 'r',
      temporal_run_id: null,
      temporal_workflow_id: null,
      status: 'SUCCESS',
      started_at: null,
      finished_at: null,
      error: null,
      dashboard_message: null,
      activities: [],
    };
    const meta = { request_id: '770e8400-e29b-41d4-a716-446655440002', timings_ms: {} };
    expect(contract.problems('drift-ok', schema, { data: [run], meta })).toEqual([]);
    const problems = contract
      .problems('drift', schema, { data: [{ ...run, status: 'DONE', extra: 1, activities: undefined }], meta: { request_id: 'nope' } })
      .join('\n');
    expect(problems).toMatch(/status must be equal to one of the allowed values/);
    expect(problems).toMatch(/must have required property 'activities'/);
    expect(problems).toMatch(/must have required property 'timings_ms'/);
    expect(problems).toMatch(/request_id must match format "uuid"/);
    expect(problems).toMatch(/\$\.data\[0\]\.extra is not declared/);
  });

  it('200: every status, activities and failures validate; pages follow next_cursor while has_more', async () => {
    const ids: string[] = [];
    const statuses = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `${TEMPLATE.replace('{name}', 'connectwise')}?page_size=4${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const answer = await check(path, 200);
      const body = answer.body as {
        data: Array<{ run_id: string; status: string }>;
        meta: { pagination: { next_cursor: string | null; has_more: boolean } };
      };
      ids.push(...body.data.map((r) => r.run_id));
      for (const r of body.data) statuses.add(r.status);
      expect(body.meta.pagination.has_more).toBe(body.meta.pagination.next_cursor !== null);
      cursor = body.meta.pagination.next_cursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(2);
    expect(new Set(ids).size).toBe(6);
    expect([...statuses].sort()).toEqual(['FAILURE', 'RUNNING', 'SKIPPED', 'SUCCESS']);

    const failing = await check(`${TEMPLATE.replace('{name}', 'autotask')}`, 200);
    const latest = (failing.body as { data: Array<{ status: string; activities: Array<{ failures: unknown[] }> }> }).data[0];
    expect(latest?.status).toBe('FAILURE');
    expect(latest?.activities.flatMap((a) => a.failures)).toHaveLength(3);
    // An integration that never ran: an empty page, has_more false.
    const empty = await check(`${TEMPLATE.replace('{name}', 'kaseya')}`, 200);
    expect(empty.body).toMatchObject({ data: [], meta: { pagination: { next_cursor: null, has_more: false } } });
  });

  it('since/until bound the run start times; the default window is the last 30 days', async () => {
    const base = TEMPLATE.replace('{name}', 'connectwise');
    const all = (await check(base, 200)).body as { data: Array<{ started_at: string }> };
    const cut = all.data[2]?.started_at ?? '';
    const recent = (await check(`${base}?since=${encodeURIComponent(cut)}`, 200)).body as { data: unknown[] };
    expect(recent.data).toHaveLength(3);
    const older = (await check(`${base}?until=${encodeURIComponent(cut)}`, 200)).body as { data: unknown[] };
    expect(older.data).toHaveLength(4);
    await admin(sim, 'POST', '/__sim/neo/integrations/kaseya/runs', {
      status: 'SUCCESS',
      startedAt: new Date(clock.now() - 31 * DAY).toISOString(),
    });
    expect(((await check(TEMPLATE.replace('{name}', 'kaseya'), 200)).body as { data: unknown[] }).data).toHaveLength(0);
  });

  it('400: a malformed since or until, an inverted or over-long window, a bad cursor', async () => {
    const base = TEMPLATE.replace('{name}', 'connectwise');
    await check(`${base}?since=yesterday`, 400, { code: 'bad_request' });
    await check(`${base}?until=2026-13-45`, 400, { code: 'bad_request' });
    await check(`${base}?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z`, 400, { code: 'bad_request' });
    await check(`${base}?since=${new Date(clock.now() - 31 * DAY).toISOString()}`, 400, { code: 'window_too_large' });
    await check(`${base}?cursor=bm9wZQ`, 400, { code: 'invalid_cursor' });
  });

  it('404: the three integration codes and an unknown route, in the error envelope', async () => {
    await check(TEMPLATE.replace('{name}', 'nope'), 404, { code: 'unknown_integration' });
    await check(TEMPLATE.replace('{name}', 'halopsa'), 404, { code: 'integration_not_connected' });
    await check(TEMPLATE.replace('{name}', 'm365'), 404, { code: 'integration_does_not_sync' });
    await check('/public-api/nothing/here', 404, { code: 'not_found', unknownRoute: true });
  });

  it('422: a page_size outside 1-200', async () => {
    const base = TEMPLATE.replace('{name}', 'connectwise');
    const maximum = contract.bound('GET', TEMPLATE, 'page_size', 'maximum');
    await check(`${base}?page_size=${contract.bound('GET', TEMPLATE, 'page_size', 'minimum') - 1}`, 422, { code: 'validation_error' });
    await check(`${base}?page_size=${maximum + 1}`, 422, { code: 'validation_error' });
    await check(`${base}?page_size=${maximum}`, 200);
  });

  it('401: no bearer token, or the wrong one', async () => {
    await check(TEMPLATE.replace('{name}', 'connectwise'), 401, { token: null, code: 'unauthenticated' });
    await check(TEMPLATE.replace('{name}', 'connectwise'), 401, { token: 'neo_sk_wrong', code: 'invalid_token' });
  });

  it("429 with Retry-After from Neo's own bucket; 500 from an injected fault", async () => {
    await admin(sim, 'POST', '/__sim/rate-limit', { api: 'neo', burst: 1, refillPerSecond: 1 });
    await check(TEMPLATE.replace('{name}', 'connectwise'), 200);
    const limited = await check(TEMPLATE.replace('{name}', 'connectwise'), 429, { code: 'rate_limited' });
    expect(limited.headers.get('retry-after')).toBe('1');
    clock.advance(1_000);
    await check(TEMPLATE.replace('{name}', 'connectwise'), 200);
    await admin(sim, 'POST', '/__sim/rate-limit', { api: 'neo', burst: 1000, refillPerSecond: 300 });
    await admin(sim, 'POST', '/__sim/faults', { path: '/public-api/', status: 500, times: 1 });
    await check(TEMPLATE.replace('{name}', 'connectwise'), 500, { code: 'server_error' });
  });

  it('covered every Neo route with every status it can produce, plus 401 and 429', () => {
    const missing: string[] = [];
    const undocumented: string[] = [];
    for (const route of NEO_ROUTES) {
      const documented = contract.statuses(route.method, route.template);
      for (const status of [...route.statuses, 401, 429]) {
        const key = `${route.method} ${route.template} ${status}`;
        if (!validated.has(key)) missing.push(key);
        if (!documented.includes(status)) undocumented.push(key);
      }
    }
    expect(missing).toEqual([]);
    expect(undocumented).toEqual([]);
  });
});
