// The retry job against the simulator and a real Redis, with a clock the test moves by hand.
// Each "poll" observes the target through the Celigo provider, plans retry jobs from that
// observation and runs them: the same path the daemon takes, minus the queue.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, loadConfigFromString, type RetryPolicyConfig } from '../../src/config/index.ts';
import { Metrics } from '../../src/metrics/index.ts';
import { HttpClient } from '../../src/http/client.ts';
import type { RequestOptions } from '../../src/http/types.ts';
import { createLogger } from '../../src/log.ts';
import { celigoProvider } from '../../src/providers/celigo/index.ts';
import { createRetrier, type OnRecords, type Retrier, type RetryOutcomeName } from '../../src/retry/index.ts';
import type { AlertEvent } from '../../src/alert/model.ts';
import { startSimulator, type Simulator, type StatsSnapshot } from '../../src/simulator/index.ts';
import { keyspace } from '../../src/state/keys.ts';
import { testRedis } from '../harness/redis.ts';
import { admin } from '../simulator/helpers.ts';
import { HOUR, MINUTE, policy, quietLogger } from './helpers.ts';

interface WorldView {
  flows: Array<{ _id: string; name: string; _integrationId: string; disabled: boolean; steps: Array<{ id: string; kind: string }> }>;
  syncs: Array<{ _id: string; name: string; _integrationId: string }>;
}

const TARGET = 'celigo-test';
const START = Date.parse('2025-03-01T12:00:00.000Z');
let current = START;
const clock = { now: () => current, advance: (ms: number) => void (current += ms) };

let sim: Simulator;
let world: WorldView;
let redisCtx: Awaited<ReturnType<typeof testRedis>>;
let http: HttpClient;
let testNo = 0;
let retrier: Retrier;
let counted: Array<{ policy: string; outcome: RetryOutcomeName; n: number }>;
/** The daemon's metrics, fed as the daemon feeds them (syncwatch_retry_records_total). */
let metrics: Metrics;
let cycleNo = 0;

const flowNamed = (name: string) => world.flows.find((f) => f.name === name)!;
/** The import step of a flow (its second step). */
const importStep = (name: string) => flowNamed(name).steps[1]!.id;
const stepKey = (flow: string) => `celigo/${TARGET}/step/${flowNamed(flow)._id}/${importStep(flow)}`;

function makeHttp(): HttpClient {
  return new HttpClient({
    target: TARGET,
    baseUrl: sim.url,
    auth: { type: 'bearer', token: 'sim-token' },
    requestsPerSecond: 100_000,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
  });
}

function newRetrier(
  policies: RetryPolicyConfig[],
  extra: { http?: HttpClient; logger?: ReturnType<typeof createLogger>; onRecords?: OnRecords } = {},
): Retrier {
  counted = [];
  metrics = new Metrics({ redis: redisCtx.redis, keys: keyspace(`${redisCtx.prefix}-${testNo}`), targets: [], defaultMetrics: false });
  const onRecords: OnRecords =
    extra.onRecords ??
    ((target, p, outcome, n) => {
      counted.push({ policy: p, outcome, n });
      metrics.retryRecords.inc({ target, policy: p, outcome }, n);
    });
  return createRetrier({
    config: { targets: [{ name: TARGET, provider: 'celigo' }], retryPolicies: policies },
    redis: redisCtx.redis,
    keys: keyspace(`${redisCtx.prefix}-${testNo}`),
    logger: extra.logger ?? quietLogger,
    httpFor: () => extra.http ?? http,
    now: clock.now,
    onRecords,
  });
}

/** `syncwatch_retry_records_total{target,policy,outcome}` as a scrape shows it (0 when absent). */
async function metric(policyName: string, outcome: RetryOutcomeName): Promise<number> {
  const text = await metrics.registry.getSingleMetricAsString('syncwatch_retry_records_total');
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`syncwatch_retry_records_total{target="${TARGET}",policy="${policyName}",outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** The info lines a retrier logs, parsed. */
function logged(): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write: (chunk, _enc, done) => void (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()),
  });
  return { lines, logger: createLogger({ level: 'info' }, sink) };
}

const total = (outcome: RetryOutcomeName, p?: string) =>
  counted.filter((c) => c.outcome === outcome && (p === undefined || c.policy === p)).reduce((s, c) => s + c.n, 0);

/** One poll of the target: observe, plan, run every planned job. Returns the alert transitions. */
async function poll(r: Retrier = retrier): Promise<AlertEvent[]> {
  const target = { name: TARGET, baseUrl: sim.url, token: 'sim-token' };
  const observation = await celigoProvider.observe(target, { http, logger: quietLogger, now: clock.now });
  const jobs = await r.plan(observation, String(++cycleNo));
  const events: AlertEvent[] = [];
  for (const job of jobs) events.push(...(await r.process(job)).events);
  return events;
}

const addErrors = (flow: string, body: Record<string, unknown>) =>
  admin<{ created: Array<{ errorId: string; retryDataKey?: string }> }>(
    sim,
    'POST',
    `/__sim/flows/${flowNamed(flow)._id}/steps/${importStep(flow)}/errors`,
    { occurredAt: new Date(clock.now()).toISOString(), ...body },
  );
const stepErrors = (flow: string) =>
  admin<{ open: Array<{ errorId: string; retryDataKey?: string }>; resolved: unknown[] }>(
    sim,
    'GET',
    `/__sim/flows/${flowNamed(flow)._id}/steps/${importStep(flow)}/errors`,
  );
const stats = () => admin<StatsSnapshot>(sim, 'GET', '/__sim/stats');
const flowRuns = (flow: string) => admin<Array<{ _jobId: string }>>(sim, 'GET', `/__sim/flows/${flowNamed(flow)._id}/runs`);
const iso = (ms: number) => new Date(ms).toISOString();
const retryPosts = (s: StatsSnapshot) =>
  Object.entries(s.byEndpoint)
    .filter(([endpoint]) => endpoint.startsWith('POST') && endpoint.includes('retry'))
    .reduce((sum, [, byStatus]) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);

beforeAll(async () => {
  redisCtx = await testRedis('retry');
  sim = await startSimulator({
    port: 0,
    now: () => clock.now(),
    rateLimit: { burst: 1_000_000, refillPerSecond: 1_000_000 },
    scenario: {
      seed: 11,
      errorsPageSize: 100,
      entities: {
        integrations: [
          {
            name: 'Orders',
            flows: [
              { name: 'Orders to NetSuite', imports: 1, openErrors: 0 },
              { name: 'Archive', disabled: true, imports: 1, openErrors: 0 },
              { name: 'Customers', imports: 1, openErrors: 0 },
            ],
            syncs: [{ name: 'Orders sync', history: ['completed', 'failed'] }],
          },
        ],
      },
    },
  });
  http = makeHttp();
  world = await admin<WorldView>(sim, 'GET', '/__sim/world');
});

afterAll(async () => {
  await http.close();
  await sim.close();
  await redisCtx.cleanup();
});

beforeEach(async () => {
  testNo++;
  current = START;
  await admin(sim, 'POST', '/__sim/reset');
  world = await admin<WorldView>(sim, 'GET', '/__sim/world');
});

afterEach(() => {
  counted = [];
});

describe('retrying intermittent errors', () => {
  it('submits each record once after minAge, sees it resolved, counts it succeeded', async () => {
    retrier = newRetrier([
      policy({ name: 'intermittent', match: { classification: ['intermittent'] }, action: 'retry', minAge: 10 * MINUTE }),
    ]);
    const { created } = await addErrors('Orders to NetSuite', { count: 5, classification: 'intermittent' });

    await poll(); // too young
    expect(Object.keys((await stats()).retryDataKeys)).toEqual([]);

    clock.advance(10 * MINUTE);
    await poll();
    const s = await stats();
    expect(Object.keys(s.retryDataKeys).sort()).toEqual(created.map((e) => e.retryDataKey).sort());
    expect(Object.values(s.retryDataKeys).map((k) => k.count)).toEqual([1, 1, 1, 1, 1]);
    expect(total('submitted')).toBe(5);
    expect((await stepErrors('Orders to NetSuite')).open).toEqual([]);

    clock.advance(MINUTE);
    expect(await poll()).toEqual([]);
    expect(total('succeeded', 'intermittent')).toBe(5);
    expect(total('failed')).toBe(0);
    // Nothing left to reconcile: the step is no longer polled for retries, and nothing was sent again.
    expect(await retrier.ledger.activeResources(TARGET)).toEqual(new Set());
    expect(Object.values((await stats()).retryDataKeys).map((k) => k.count)).toEqual([1, 1, 1, 1, 1]);

    const [status] = await retrier.status();
    expect(status).toMatchObject({ name: 'intermittent', lastHour: { submitted: 5, succeeded: 5, failed: 0 } });
    expect(status?.byTarget[TARGET]).toMatchObject({ submitted: 5, succeeded: 5 });
  });
});

describe('records whose retry keeps failing', () => {
  it('are submitted exactly maxAttempts times at the backoff times, then RetryExhausted fires once and resolves once', async () => {
    retrier = newRetrier([
      policy({
        name: 'flaky',
        match: { classification: ['rate_limit'] },
        action: 'retry_with_backoff',
        minAge: 0,
        maxAttempts: 3,
        backoff: { initial: 15 * MINUTE, factor: 2, max: 4 * HOUR },
      }),
    ]);
    await admin(sim, 'POST', '/__sim/retry-behaviour', { flowId: flowNamed('Orders to NetSuite')._id, outcome: 'fail' });
    const { created } = await addErrors('Orders to NetSuite', { count: 4, classification: 'rate_limit', message: 'Too many requests' });

    const events: AlertEvent[] = [];
    for (let minute = 0; minute <= 120; minute += 5) {
      events.push(...(await poll()));
      clock.advance(5 * MINUTE);
    }
    const s = await stats();
    for (const e of created) {
      const key = s.retryDataKeys[e.retryDataKey!];
      expect(key?.count).toBe(3);
      // initial × factor^(n-1): after 15 minutes, then 30 more.
      expect(key?.timestamps.map((t) => (Date.parse(t) - START) / MINUTE)).toEqual([0, 15, 45]);
    }
    expect(total('submitted')).toBe(12);
    expect(total('failed')).toBe(12);
    expect(total('succeeded')).toBe(0);

    expect(events).toHaveLength(1);
    const [firing] = events;
    expect(firing).toMatchObject({
      status: 'firing',
      fingerprint: `RetryExhausted:${stepKey('Orders to NetSuite')}`,
      labels: {
        kind: 'RetryExhausted',
        resource: stepKey('Orders to NetSuite'),
        target: TARGET,
        flow: flowNamed('Orders to NetSuite')._id,
        step: importStep('Orders to NetSuite'),
        severity: 'warning',
      },
      annotations: { total: 4, error: '4× Too many requests' },
    });
    // Raised at the first poll after the third attempt was seen failing (45 → 50 minutes).
    expect(firing?.startsAt).toBe(new Date(START + 50 * MINUTE).toISOString());
    expect(firing?.transitionId).toBe(`RetryExhausted:${stepKey('Orders to NetSuite')}|firing|${firing?.startsAt}`);

    // Someone fixes the records by hand: the alert resolves, once.
    await admin(sim, 'DELETE', `/__sim/flows/${flowNamed('Orders to NetSuite')._id}/steps/${importStep('Orders to NetSuite')}/errors`);
    const after = [...(await poll()), ...(await poll())];
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      status: 'resolved',
      fingerprint: firing?.fingerprint,
      startsAt: firing?.startsAt,
      transitionId: `${firing?.fingerprint}|resolved|${firing?.startsAt}`,
    });
    expect(total('succeeded')).toBe(0); // gone by hand, not by a retry
    expect(await retrier.ledger.activeResources(TARGET)).toEqual(new Set());
  });
});

describe('batches, pages and budget', () => {
  it('2,500 matching errors on one step (25 pages) go out in batches of 1,000 / 1,000 / 500', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write: (chunk, _enc, done) => void (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()),
    });
    retrier = newRetrier(
      [policy({ name: 'bulk', match: { flows: ['Orders*'] }, action: 'retry', minAge: 0, budget: { recordsPerHour: 10_000 } })],
      { logger: createLogger({ level: 'info' }, sink) },
    );
    await addErrors('Orders to NetSuite', { count: 2500, classification: 'value' });
    await admin(sim, 'POST', '/__sim/stats/reset');

    await poll();
    const s = await stats();
    expect(Object.keys(s.retryDataKeys)).toHaveLength(2500);
    expect(Object.values(s.retryDataKeys).every((k) => k.count === 1)).toBe(true);
    expect(retryPosts(s)).toBe(3);
    // Every page of the listing was read: nextPageURL followed 24 times.
    const listing = Object.entries(s.byEndpoint).find(([e]) => e.startsWith('GET') && e.endsWith('/errors') && e.includes('{_stepId}'));
    expect(listing?.[1]['200']).toBe(25);
    const batches = lines.filter((l) => l.msg === 'retry batch submitted');
    expect(batches.map((b) => b.count)).toEqual([1000, 1000, 500]);
    expect(batches[0]).toMatchObject({
      policy: 'bulk',
      flow: flowNamed('Orders to NetSuite')._id,
      step: importStep('Orders to NetSuite'),
      target: TARGET,
    });
    // Never the record data, and no keys at info level.
    expect(JSON.stringify(lines)).not.toMatch(/retryDataKeys|"message"/);
    expect(total('submitted')).toBe(2500);
  });

  it('a budget of 100 records an hour lets 100 of 1,000 through; the rest are skipped_budget until the next hour', async () => {
    retrier = newRetrier([
      policy({ name: 'capped', match: { classification: ['intermittent'] }, action: 'retry', minAge: 0, budget: { recordsPerHour: 100 } }),
    ]);
    // retryAt: null: the platform's own retries of these are over.
    await addErrors('Orders to NetSuite', { count: 1000, classification: 'intermittent', retryAt: null });

    await poll();
    expect(Object.keys((await stats()).retryDataKeys)).toHaveLength(100);
    expect(total('submitted')).toBe(100);
    expect(total('skipped_budget')).toBe(900);

    clock.advance(10 * MINUTE); // same hour: nothing more goes out
    await poll();
    expect(Object.keys((await stats()).retryDataKeys)).toHaveLength(100);
    expect(total('submitted')).toBe(100);
    expect(total('succeeded')).toBe(100);

    clock.advance(HOUR); // the next hour's 100
    await poll();
    const s = await stats();
    expect(Object.keys(s.retryDataKeys)).toHaveLength(200);
    expect(Object.values(s.retryDataKeys).every((k) => k.count === 1)).toBe(true);
  });

  it('dryRun sends nothing, records no attempt, and counts what it would have sent', async () => {
    retrier = newRetrier([
      policy({
        name: 'rehearsal',
        match: { classification: ['intermittent'] },
        action: 'retry',
        minAge: 0,
        dryRun: true,
        budget: { recordsPerHour: 30 },
      }),
    ]);
    await addErrors('Orders to NetSuite', { count: 40, classification: 'intermittent', retryAt: null });
    await poll();
    const s = await stats();
    expect(s.retryDataKeys).toEqual({});
    expect(retryPosts(s)).toBe(0);
    expect(total('dry_run')).toBe(30);
    expect(total('skipped_budget')).toBe(10);
    expect(total('submitted')).toBe(0);
    expect((await stepErrors('Orders to NetSuite')).open).toHaveLength(40);
    expect(await retrier.ledger.entries(stepKey('Orders to NetSuite'))).toEqual(new Map());
    expect((await retrier.status())[0]).toMatchObject({ name: 'rehearsal', dryRun: true, lastHour: { dry_run: 30, submitted: 0 } });
  });
});

describe('retry activity (the console)', () => {
  it("lists each policy's latest batches and what is in backoff, with the next attempt time", async () => {
    retrier = newRetrier([
      policy({
        name: 'shown',
        match: { classification: ['rate_limit'] },
        action: 'retry_with_backoff',
        minAge: 0,
        maxAttempts: 3,
        backoff: { initial: 15 * MINUTE, factor: 2, max: 4 * HOUR },
      }),
    ]);
    await admin(sim, 'POST', '/__sim/retry-behaviour', { flowId: flowNamed('Orders to NetSuite')._id, outcome: 'fail' });
    const { created } = await addErrors('Orders to NetSuite', { count: 4, classification: 'rate_limit', message: 'Too many requests' });
    await poll();

    const [first] = await retrier.status();
    expect(first?.latestBatches).toEqual([
      {
        at: iso(START),
        target: TARGET,
        resource: stepKey('Orders to NetSuite'),
        what: 'records',
        records: 4,
        outcome: 'queued',
        job: expect.any(String),
      },
    ]);
    expect(first?.backoff.count).toBe(4);
    expect(first?.backoff.units.map((u) => u.unit).sort()).toEqual(created.map((e) => e.retryDataKey).sort());
    expect(new Set(first?.backoff.units.map((u) => `${u.resource} ${u.next}`))).toEqual(
      new Set([`${stepKey('Orders to NetSuite')} ${iso(START + 15 * MINUTE)}`]),
    );

    // Past the backoff: nothing is waiting any more until the second attempt puts them back (30 min).
    clock.advance(15 * MINUTE);
    expect((await retrier.status())[0]?.backoff.count).toBe(0);
    await poll();
    await poll();
    const [second] = await retrier.status();
    expect(second?.latestBatches.map((b) => b.at)).toEqual([iso(START + 15 * MINUTE), iso(START)]);
    expect(second?.backoff.units[0]?.next).toBe(iso(START + 45 * MINUTE));
  });
});

describe("the platform's answers", () => {
  it('422 inactive_flow: skipped_disabled, no attempt burned, retried once the flow is enabled again', async () => {
    retrier = newRetrier([policy({ name: 'archive', match: { flows: ['Archive'] }, action: 'retry', minAge: 0, maxAttempts: 1 })]);
    await addErrors('Archive', { count: 3, classification: 'value' });

    await poll();
    expect(total('skipped_disabled')).toBe(3);
    expect(total('submitted')).toBe(0);
    expect(await retrier.ledger.entries(stepKey('Archive'))).toEqual(new Map());
    expect(retryPosts(await stats())).toBe(1);
    // Nothing was attempted: not in backoff, no batch.
    expect((await retrier.status())[0]).toMatchObject({ latestBatches: [], backoff: { count: 0, units: [] } });

    await poll(); // paused: a disabled flow is not asked again at once
    expect(retryPosts(await stats())).toBe(1);

    await admin(sim, 'POST', `/__sim/flows/${flowNamed('Archive')._id}/enable`);
    clock.advance(15 * MINUTE);
    await poll();
    expect(total('submitted')).toBe(3); // maxAttempts 1 was still available: the 422 did not use it
    expect((await stepErrors('Archive')).open).toEqual([]);
  });

  it('204 no-op (the records went away meanwhile): nothing counted, the attempt dropped on the next poll', async () => {
    class RacingHttp extends HttpClient {
      override request<T>(opts: RequestOptions) {
        // Someone resolves the errors between our listing and our retry call.
        if (opts.method === 'POST' && opts.path.endsWith('/retry'))
          sim.world.clearErrors(flowNamed('Customers')._id, importStep('Customers'));
        return super.request<T>(opts);
      }
    }
    const racing = new RacingHttp({ target: TARGET, baseUrl: sim.url, auth: { type: 'bearer', token: 'sim-token' } });
    try {
      retrier = newRetrier([policy({ name: 'customers', match: { flows: ['Customers'] }, action: 'retry', minAge: 0 })], { http: racing });
      await addErrors('Customers', { count: 2, classification: 'value' });
      await poll();
      const s = await stats();
      expect(s.byEndpoint['POST /v1/flows/{_id}/{_stepId}/retry']).toEqual({ '204': 1 });
      expect(counted).toEqual([]);
      expect([...(await retrier.ledger.entries(stepKey('Customers'))).values()].map((e) => e.st)).toEqual(['noop', 'noop']);

      clock.advance(MINUTE);
      await poll();
      expect(counted).toEqual([]); // not a success of ours
      expect(await retrier.ledger.entries(stepKey('Customers'))).toEqual(new Map());
      expect(await retrier.ledger.activeResources(TARGET)).toEqual(new Set());
    } finally {
      await racing.close();
    }
  });
});

describe('reruns', () => {
  it('rerun_flow re-runs a flow for errors without a retryDataKey, once per cooldown, and counts the outcome', async () => {
    retrier = newRetrier([
      policy({ name: 'connection', match: { classification: ['connection'] }, action: 'rerun_flow', minAge: 0, cooldown: 30 * MINUTE }),
    ]);
    await addErrors('Customers', { count: 3, classification: 'connection' });
    await admin(sim, 'POST', '/__sim/retry-behaviour', { flowId: flowNamed('Customers')._id, outcome: 'fail', times: 3 });

    await poll();
    expect(await admin<unknown[]>(sim, 'GET', `/__sim/flows/${flowNamed('Customers')._id}/runs`)).toHaveLength(1);
    expect(total('submitted')).toBe(3);

    clock.advance(10 * MINUTE); // failed again (new errorIds), but the cooldown holds
    await poll();
    expect(total('failed')).toBe(3);
    expect(await admin<unknown[]>(sim, 'GET', `/__sim/flows/${flowNamed('Customers')._id}/runs`)).toHaveLength(1);

    clock.advance(30 * MINUTE); // this run succeeds
    await poll();
    expect(await admin<unknown[]>(sim, 'GET', `/__sim/flows/${flowNamed('Customers')._id}/runs`)).toHaveLength(2);
    clock.advance(MINUTE);
    await poll();
    expect(total('succeeded')).toBe(3);
  });

  it('rerun_sync re-runs a failed Data Loader sync; 409 sync_job_already_queued is skipped', async () => {
    const syncId = world.syncs[0]!._id;
    // A sync run carries its integration's id (the provider reads no integration names).
    retrier = newRetrier([
      policy({
        name: 'syncs',
        match: { integrations: [world.syncs[0]!._integrationId] },
        action: 'rerun_sync',
        minAge: 0,
        cooldown: 10 * MINUTE,
      }),
    ]);
    await admin(sim, 'POST', `/__sim/syncs/${syncId}/run-behaviour`, { behaviour: 'complete' });
    await poll();
    expect(total('submitted')).toBe(1);
    expect(retryPosts(await stats())).toBe(0);
    clock.advance(MINUTE);
    await poll(); // the re-run completed
    expect(total('succeeded')).toBe(1);

    // A failed run while another one is already queued: 409, nothing counted, no attempt left behind.
    await admin(sim, 'POST', `/__sim/syncs/${syncId}/fail`, {});
    await admin(sim, 'POST', `/__sim/syncs/${syncId}/start`, {});
    const job = {
      kind: 'sync' as const,
      target: TARGET,
      cycle: 'x',
      resource: `celigo/${TARGET}/sync/${syncId}`,
      syncId,
      integrationId: world.syncs[0]!._integrationId,
      name: 'Orders sync',
      runId: 'failed-run',
      status: 'failed' as const,
    };
    clock.advance(20 * MINUTE);
    counted = [];
    await retrier.process(job);
    expect(counted).toEqual([]);
    expect((await stats()).byEndpoint['POST /v1/syncs/{_syncId}/run']).toEqual({ '200': 1, '409': 1 });
    expect(await retrier.ledger.entries(job.resource)).toEqual(new Map());
  });
});

describe('retries that respect the platform', () => {
  it("reads the queued run's job id from _jobId", async () => {
    const { lines, logger } = logged();
    retrier = newRetrier(
      [policy({ name: 'connection', match: { classification: ['connection'] }, action: 'rerun_flow', minAge: 0, cooldown: 30 * MINUTE })],
      { logger },
    );
    await addErrors('Customers', { count: 2, classification: 'connection' });
    await poll();
    const runs = await flowRuns('Customers');
    expect(runs).toHaveLength(1);
    expect(lines.find((l) => l.msg === 'flow re-run submitted')).toMatchObject({ count: 2, jobIds: [runs[0]!._jobId] });
  });

  it.each(['empty', 'no-job-id'] as const)(
    'a flow run answered 200 without a job (%s) spends no attempt and no cooldown: not_queued, run again next cycle',
    async (answer) => {
      const { lines, logger } = logged();
      retrier = newRetrier(
        [
          policy({
            name: 'connection',
            match: { classification: ['connection'] },
            action: 'rerun_flow',
            minAge: 0,
            maxAttempts: 1,
            cooldown: 30 * MINUTE,
          }),
        ],
        { logger },
      );
      await addErrors('Customers', { count: 3, classification: 'connection' });
      await admin(sim, 'POST', `/__sim/flows/${flowNamed('Customers')._id}/run-behaviour`, { answer, times: 1 });

      await poll();
      expect((await stats()).byEndpoint['POST /v1/flows/{_id}/run']).toEqual({ '200': 1 });
      expect(await flowRuns('Customers')).toHaveLength(0);
      expect(total('submitted')).toBe(0);
      expect(await metric('connection', 'not_queued')).toBe(3);
      expect(lines.find((l) => l.msg === 'flow re-run not queued (answer without _jobId); trying again next cycle')).toMatchObject({
        policy: 'connection',
        count: 3,
      });
      expect(await retrier.ledger.entries(stepKey('Customers'))).toEqual(new Map());

      clock.advance(MINUTE); // well inside the cooldown: none was started
      await poll();
      expect(await flowRuns('Customers')).toHaveLength(1);
      expect(await metric('connection', 'submitted')).toBe(3); // maxAttempts 1 was still there
      clock.advance(MINUTE);
      await poll();
      expect(await metric('connection', 'succeeded')).toBe(3);
      expect((await retrier.status())[0]?.lastHour).toMatchObject({ not_queued: 3, submitted: 3, succeeded: 3 });
    },
  );

  it("never submits a record before the platform's own retry (retryAt); minAge stays a floor", async () => {
    retrier = newRetrier([
      policy({ name: 'intermittent', match: { classification: ['intermittent'] }, action: 'retry', minAge: 2 * MINUTE }),
    ]);
    const platform = await addErrors('Orders to NetSuite', { count: 4, classification: 'intermittent', retryAt: iso(START + 20 * MINUTE) });
    const ours = await addErrors('Orders to NetSuite', { count: 2, classification: 'intermittent', retryAt: null });
    const keysOf = (list: typeof ours) => list.created.map((e) => e.retryDataKey).sort();

    await poll(); // younger than minAge: nothing, and nothing counted as waiting for the platform
    expect((await stats()).retryDataKeys).toEqual({});
    expect(total('skipped_platform_retry')).toBe(0);

    clock.advance(5 * MINUTE);
    await poll();
    expect(Object.keys((await stats()).retryDataKeys).sort()).toEqual(keysOf(ours));
    expect(await metric('intermittent', 'submitted')).toBe(2);
    expect(await metric('intermittent', 'skipped_platform_retry')).toBe(4);
    expect((await retrier.status())[0]?.lastHour).toMatchObject({ submitted: 2, skipped_platform_retry: 4 });

    clock.advance(15 * MINUTE); // retryAt has come and the platform did not clear them: ours now
    await poll();
    expect(Object.keys((await stats()).retryDataKeys).sort()).toEqual([...keysOf(ours), ...keysOf(platform)].sort());
    expect(Object.values((await stats()).retryDataKeys).every((k) => k.count === 1)).toBe(true);
    expect(await metric('intermittent', 'submitted')).toBe(6);
  });

  it('counts succeeded only for records the platform resolved after our submission; those a person resolved by hand are resolved_by_user', async () => {
    const { lines, logger } = logged();
    retrier = newRetrier([policy({ name: 'values', match: { classification: ['value'] }, action: 'retry', minAge: 0 })], { logger });
    await addErrors('Orders to NetSuite', { count: 5, classification: 'value' });
    // Two of the five fail again (back under new errorIds) ...
    await admin(sim, 'POST', '/__sim/retry-behaviour', { flowId: flowNamed('Orders to NetSuite')._id, outcome: 'fail', times: 2 });
    await poll();
    expect(await metric('values', 'submitted')).toBe(5);
    // ... and a person resolves those two by hand before the next poll.
    const { resolved } = await admin<{ resolved: Array<{ resolvedBy: string }> }>(
      sim,
      'POST',
      `/__sim/flows/${flowNamed('Orders to NetSuite')._id}/steps/${importStep('Orders to NetSuite')}/resolve`,
      {},
    );
    expect(resolved).toHaveLength(2);

    clock.advance(MINUTE);
    await poll();
    expect(await metric('values', 'succeeded')).toBe(3);
    expect(await metric('values', 'resolved_by_user')).toBe(2);
    expect(await metric('values', 'failed')).toBe(0);
    expect((await stats()).byEndpoint['GET /v1/flows/{_id}/{_stepId}/resolved']).toEqual({ '200': 1 });
    expect((await retrier.status())[0]?.lastHour).toMatchObject({ submitted: 5, succeeded: 3, resolved_by_user: 2 });
    // One line per outcome; their order is the order the platform lists resolved records in, which means nothing.
    const outcomeLines = lines
      .filter((l) => l.policy === 'values' && typeof l.outcome === 'string')
      .map((l) => [l.outcome, l.count, l.msg]);
    expect(outcomeLines.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['resolved_by_user', 2, 'retried records were resolved by a person, not by the retry'],
      ['succeeded', 3, 'retried records succeeded'],
    ]);
    expect(await retrier.ledger.activeResources(TARGET)).toEqual(new Set());
  });

  it('a re-run flow whose errors a person resolved by hand counts resolved_by_user; records gone without a trace count unverified', async () => {
    retrier = newRetrier([
      policy({ name: 'connection', match: { classification: ['connection'] }, action: 'rerun_flow', minAge: 0, cooldown: 30 * MINUTE }),
      policy({ name: 'values', match: { classification: ['value'] }, action: 'retry', minAge: 0 }),
    ]);
    await addErrors('Customers', { count: 2, classification: 'connection' });
    await addErrors('Orders to NetSuite', { count: 3, classification: 'value' });
    // Every re-run and retry fails: the errors come back under new errorIds.
    await admin(sim, 'POST', '/__sim/retry-behaviour', { outcome: 'fail', times: 5 });
    await poll();
    expect(await metric('connection', 'submitted')).toBe(2);
    expect(await metric('values', 'submitted')).toBe(3);

    // A person resolves the re-run's errors; the retried records vanish (deleted, never resolved).
    await admin(sim, 'POST', `/__sim/flows/${flowNamed('Customers')._id}/steps/${importStep('Customers')}/resolve`, {});
    await admin(sim, 'DELETE', `/__sim/flows/${flowNamed('Orders to NetSuite')._id}/steps/${importStep('Orders to NetSuite')}/errors`);
    clock.advance(MINUTE);
    await poll();
    expect(await metric('connection', 'resolved_by_user')).toBe(2);
    expect(await metric('values', 'unverified')).toBe(3);
    expect(total('succeeded')).toBe(0);
    expect(await retrier.ledger.activeResources(TARGET)).toEqual(new Set());
  });

  it('policies match classifications in any case and values no document lists (kept at the boundary, matchable)', async () => {
    const yaml = [
      'targets: [{ name: celigo-test, provider: celigo, token: t }]',
      'retryPolicies:',
      '  - { name: validation, match: { classification: [validation], source: [user] }, action: retry, minAge: 0s }',
      '  - { name: odd, match: { classification: [quarantined] }, action: retry, minAge: 0s }',
      '',
    ].join('\n');
    const loaded = await loadConfigFromString(yaml, 'c.yaml', {});
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    expect(loaded.warnings.map((w) => w.path)).toEqual(['retryPolicies[1].match.classification[0]']);
    retrier = newRetrier(loaded.config.retryPolicies);
    const upper = await addErrors('Orders to NetSuite', { count: 2, classification: 'Validation', source: 'user' });
    const unknown = await addErrors('Orders to NetSuite', { count: 3, classification: 'quarantined' });
    await addErrors('Orders to NetSuite', { count: 1, classification: 'value' });

    await poll();
    const sent = Object.keys((await stats()).retryDataKeys).sort();
    expect(sent).toEqual([...upper.created, ...unknown.created].map((e) => e.retryDataKey).sort());
    expect(await metric('validation', 'submitted')).toBe(2);
    expect(await metric('odd', 'submitted')).toBe(3);
  });
});
