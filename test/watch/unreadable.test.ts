// One resource whose answer cannot be read must not blind its neighbours: a flow whose error
// summary comes back as truncated JSON is marked unreadable (state kept, nothing fired or resolved
// from missing data, counted, listed on the target), the rest of its chunk is diffed as usual, no
// TargetDown — and ResourceUnreadable after failuresBeforeAlert cycles. Real simulator, real Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { loadConfigFromString } from '../../src/config/index.ts';
import { SyncwatchError, unreadableKind } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { Watch, type WatchSink } from '../../src/watch/watch.ts';
import { testRedis } from '../harness/redis.ts';
import { watchAlerting, type WatchAlerting } from './alerting.ts';
import { simAdmin } from '../harness/sim-admin.ts';

type Redis = Awaited<ReturnType<typeof testRedis>>['redis'];

const INTEGRATION = '5e0000000000000000000001';
const flow = (n: number) => `5e00000000000000000000f${n}`;
const step = (n: number) => `5e00000000000000000000e${n}`;
const TARGET = 'iso';
const stepKey = (n: number) => `celigo/${TARGET}/step/${flow(n)}/${step(n)}`;
const unitKey = (n: number) => `celigo/${TARGET}/step/${flow(n)}`;
const TRUNCATED = '{"flowErrors":[{"_expOrImpId":"5e00000000000000000000e2","numEr';

const show = (e: AlertEvent) => `${e.labels.kind} ${e.labels.resource} ${e.status}${e.update ? ' update' : ''}`;

describe('unreadableKind: which failures blind one resource only', () => {
  it.each([
    [new SyncwatchError('upstream', 'x → 200: response is not valid JSON', { status: 200, unreadable: 'malformed' }), 'malformed'],
    [new SyncwatchError('upstream', 'x failed: socket closed', { status: 200, unreadable: 'truncated' }), 'truncated'],
    [new SyncwatchError('upstream', 'x → 200: response larger than 10 bytes', { status: 200, unreadable: 'oversized' }), 'oversized'],
    [new SyncwatchError('upstream', 'x → 502 Bad Gateway', { status: 502 }), 'server-error'],
    [new SyncwatchError('upstream', 'x failed: connection refused'), undefined],
    [new SyncwatchError('auth', 'x → 401', { status: 401 }), undefined],
    [new SyncwatchError('rate-limited', 'x → 429', { status: 429 }), undefined],
    [new Error('boom'), undefined],
  ])('%s → %s', (error, kind) => {
    expect(unreadableKind(error)).toBe(kind);
  });
});

describe('one flow answering truncated JSON in a chunk of three', () => {
  let redis: Redis;
  let prefix: string;
  let cleanup: () => Promise<void>;
  let sim: Simulator;
  let watch: Watch;
  let store: StateStore;
  let clock = Math.floor(Date.now() / 1000) * 1000;
  let n = 0;
  const counted: string[] = [];
  let small: Watch;
  let alerting: WatchAlerting;
  const logger = createLogger({ level: 'silent' });

  async function cycle(): Promise<AlertEvent[]> {
    clock += 60_000;
    const events: AlertEvent[] = [];
    const sink: WatchSink = {
      chunks: async () => {},
      events: async (e) => (events.push(...e), alerting.ingest(e)),
      retired: (_e, reopened) => alerting.alerting.reopen(reopened),
    };
    await watch.cycle(TARGET, `c${++n}`, sink);
    return events;
  }
  const post = (path: string, body: unknown = {}, method = 'POST') => simAdmin(sim.url, path, body, method);

  beforeAll(async () => {
    let url: string;
    ({ redis, prefix, url, cleanup } = await testRedis('watch-unreadable'));
    const now = () => clock;
    sim = await startSimulator({
      port: 0,
      now,
      scenario: {
        seed: 5,
        entities: {
          integrations: [
            {
              id: INTEGRATION,
              name: 'Shop',
              flows: [1, 2, 3].map((i) => ({ id: flow(i), name: `Flow ${i}`, exports: [step(i)], imports: 0, openErrors: 0 })),
              // A sync-enabled integration: its latest sync jobs are read every cycle (one without
              // syncs only on its sweep turn).
              syncs: [{ name: 'Orders to Snowflake', history: ['completed'] }],
            },
          ],
        },
      },
    });
    const loaded = await loadConfigFromString(
      `redis: { url: "${url}", prefix: "${prefix}" }
targets:
  - { name: ${TARGET}, provider: celigo, baseUrl: "${sim.url}", token: sim-token, interval: 1s, requestsPerSecond: 1000, failuresBeforeAlert: 2 }
  - { name: small, provider: celigo, baseUrl: "${sim.url}", token: sim-token, interval: 1s, requestsPerSecond: 1000, maxResponseBytes: 4096 }
receivers: [{ name: log, log: {} }]
route: { receiver: log }
`,
      'iso.yaml',
      {},
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const keys = keyspace(prefix);
    store = new StateStore(redis, keys);
    alerting = watchAlerting(url, redis, keys);
    watch = new Watch({
      targets: loaded.config.targets,
      redis,
      keys,
      store,
      logger,
      now,
      instruments: {
        apiHook: () => () => {},
        pollFinished: () => {},
        resourceUnreadable: (target, kind) => void counted.push(`${target} ${kind}`),
      },
    });
    small = new Watch({ targets: loaded.config.targets, redis, keys, store, logger, now });
  });

  afterAll(async () => {
    await small?.close();
    await alerting?.close();
    await watch?.close();
    await sim?.close();
    await cleanup?.();
  });

  it('a first cycle sees all three; flow 2 already has open errors', async () => {
    await post(`/flows/${flow(2)}/steps/${step(2)}/errors`, { count: 2 });
    expect((await cycle()).map(show)).toEqual([`FlowErrors ${stepKey(2)} firing`]);
  });

  it('flow 2 answers truncated JSON: its neighbours still alert, its own alert neither resolves nor changes, no TargetDown', async () => {
    await post('/faults', {
      path: `^/v1/flows/${flow(2)}/errors$`,
      status: 200,
      body: TRUNCATED,
      headers: { 'content-type': 'application/json' },
    });
    await post(`/flows/${flow(2)}/steps/${step(2)}/errors`, undefined, 'DELETE'); // unseen: it must not resolve
    await post(`/flows/${flow(1)}/steps/${step(1)}/errors`, { count: 1 });
    await post(`/flows/${flow(3)}/steps/${step(3)}/errors`, { count: 4 });
    expect((await cycle()).map(show).sort()).toEqual([`FlowErrors ${stepKey(1)} firing`, `FlowErrors ${stepKey(3)} firing`]);
    const target = await store.loadTarget(TARGET);
    expect(target).toMatchObject({ lastOutcome: 'success', failures: 0, unreadableCount: 1 });
    expect(target!.unreadable).toEqual([
      { resource: unitKey(2), name: 'Flow 2', kind: 'malformed', message: expect.stringMatching(/not valid JSON/) },
    ]);
    expect((await alerting.firing()).map((a) => a.fingerprint)).toContain(`FlowErrors:${stepKey(2)}`);
    expect(counted).toEqual([`${TARGET} malformed`]);
  });

  it('unreadable for failuresBeforeAlert cycles in a row: one ResourceUnreadable warning, never TargetDown', async () => {
    const events = await cycle();
    expect(events.map(show)).toEqual([`ResourceUnreadable ${unitKey(2)} firing`]);
    expect(events[0]).toMatchObject({
      labels: { severity: 'warning', target: TARGET },
      annotations: { errorKind: 'malformed', failures: 2, name: 'Flow 2' },
    });
    expect(await cycle()).toEqual([]);
    expect((await store.loadTarget(TARGET))?.firing.TargetDown).toBeUndefined();
    expect(counted).toHaveLength(3);
  });

  it('readable again: ResourceUnreadable resolves and what changed meanwhile is seen', async () => {
    await post('/faults', undefined, 'DELETE');
    expect((await cycle()).map(show).sort()).toEqual([`FlowErrors ${stepKey(2)} resolved`, `ResourceUnreadable ${unitKey(2)} resolved`]);
    expect(await redis.hexists(keyspace(prefix).snapshots(TARGET), unitKey(2)), 'the streak record is gone').toBe(0);
    expect((await store.loadTarget(TARGET))?.unreadable).toBeUndefined();
  });

  it("every resource unreadable (flow summaries and the integration's sync jobs): that is the target failing — TargetDown after failuresBeforeAlert", async () => {
    await post('/faults', { path: '^/v1/(flows/[^/]+/errors|integrations/[^/]+/syncJobs/latest)$', status: 200, body: TRUNCATED });
    expect((await cycle()).map(show)).toEqual([]);
    // What this cycle reads (change-driven polling): flows 1 and 3 (open errors) and the integration's
    // syncs; flow 2 did not run and has no open errors left, so it is not asked for.
    expect(await store.loadTarget(TARGET)).toMatchObject({
      lastOutcome: 'failure',
      failures: 1,
      lastError: { kind: 'upstream', message: expect.stringMatching(/none of the 3 resource\(s\) could be read/) },
    });
    expect((await cycle()).map(show)).toContain(`TargetDown celigo/${TARGET} firing`);
    await post('/faults', undefined, 'DELETE');
  });

  it("maxResponseBytes is the target's own cap: a flow answering more than it is unreadable (oversized), the others are read", async () => {
    const big = JSON.stringify({ flowErrors: [{ _expOrImpId: step(3), numError: 0, padding: 'x'.repeat(5000) }] });
    await post('/faults', { path: `^/v1/flows/${flow(3)}/errors$`, status: 200, body: big });
    const events: AlertEvent[] = [];
    await small.cycle('small', 'small-1', { chunks: async () => {}, events: async (e) => void events.push(...e) });
    await post('/faults', undefined, 'DELETE');
    const target = await store.loadTarget('small');
    expect(target).toMatchObject({ lastOutcome: 'success', unreadableCount: 1 });
    expect(target!.unreadable![0]).toMatchObject({
      resource: `celigo/small/step/${flow(3)}`,
      kind: 'oversized',
      message: expect.stringContaining('larger than 4096 bytes'),
    });
  });
  it('an integration whose sync jobs cannot be read, then excluded from the target: its ResourceUnreadable resolves, its record is gone', async () => {
    const unit = `celigo/${TARGET}/integration/${INTEGRATION}`;
    await post('/faults', { path: `^/v1/integrations/${INTEGRATION}/syncJobs/latest$`, status: 200, body: TRUNCATED });
    try {
      await cycle();
      await cycle();
      const firing = (await store.firingAlerts(TARGET)).map((a) => `${a.labels.kind} ${a.labels.resource}`);
      expect(firing).toContain(`ResourceUnreadable ${unit}`);
    } finally {
      await post('/faults', undefined, 'DELETE');
    }
    const loaded = await loadConfigFromString(
      `redis: { url: "redis://127.0.0.1:6379", prefix: "${prefix}" }
targets:
  - { name: ${TARGET}, provider: celigo, baseUrl: "${sim.url}", token: sim-token, interval: 1s, requestsPerSecond: 1000, exclude: { integrations: ["${INTEGRATION}"] } }
receivers: [{ name: log, log: {} }]
route: { receiver: log }
`,
      'iso-narrowed.yaml',
      {},
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const narrowed = new Watch({ targets: loaded.config.targets, redis, keys: keyspace(prefix), store, logger, now: () => clock });
    try {
      const events: AlertEvent[] = [];
      clock += 60_000;
      await narrowed.cycle(TARGET, `c${++n}`, {
        chunks: async () => {},
        events: async (e) => (events.push(...e), alerting.ingest(e)),
        retired: (_e, reopened) => alerting.alerting.reopen(reopened),
      });
      expect(events.map(show)).toContain(`ResourceUnreadable ${unit} resolved`);
      expect(await redis.hexists(keyspace(prefix).snapshots(TARGET), unit), 'the streak record is gone').toBe(0);
    } finally {
      await narrowed.close();
    }
  });
});
