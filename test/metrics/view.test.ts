// The world gauges come from a view each process keeps incrementally (src/metrics/view.ts): it must
// show exactly what the snapshots in Redis say — after changes, after resources are forgotten, in a
// process that starts later, when it fell behind the capped feed, when Redis lost everything —
// and the alert counts kept by ingest must equal a count of the firing index.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { Metrics } from '../../src/metrics/index.ts';
import { RUN_STATUSES, type RunStatus } from '../../src/model.ts';
import { keyspace, type Keyspace } from '../../src/state/keys.ts';
import { FEED_MAXLEN } from '../../src/state/metrics-view.ts';
import type { RunSnapshot, StepSnapshot } from '../../src/state/snapshot.ts';
import { StateStore } from '../../src/state/store.ts';
import { route, startPipeline, type Pipeline } from '../alerting/harness.ts';
import { testRedis } from '../harness/redis.ts';
import { samples } from './scrape.ts';

let redis: Redis;
let keys: Keyspace;
let store: StateStore;
let cleanup: () => Promise<void>;
let clock = 0;
const now = () => clock;

beforeAll(async () => {
  const r = await testRedis('metrics-view');
  redis = r.redis;
  keys = keyspace(r.prefix);
  store = new StateStore(redis, keys);
  cleanup = r.cleanup;
});
afterAll(async () => cleanup?.());

const T = 'shop';
const runKey = (id: string) => `celigo/${T}/sync/${id}`;
const stepKey = (flow: string, step: string) => `celigo/${T}/flow/${flow}/${step}`;
const run = (status: RunStatus, lastSuccessAt?: string): RunSnapshot => ({
  type: 'run',
  runId: `r-${status}`,
  status,
  firstSeenAt: '2025-03-01T00:00:00.000Z',
  ...(lastSuccessAt ? { lastSuccessAt } : {}),
  firing: {},
});
const step = (openErrors: number): StepSnapshot => ({ type: 'step', openErrors, firing: {} });

/** Save these snapshots as a chunk does (change detection against what is stored). */
async function save(runs: Record<string, RunSnapshot>, steps: Record<string, StepSnapshot>): Promise<void> {
  const { raw } = await store.loadSnapshots(T, Object.keys(runs), Object.keys(steps));
  await store.save(T, { runs, steps }, raw);
}

const metricsOf = (perStep = true) =>
  new Metrics({ redis, keys, targets: [{ name: T, interval: 60_000, perStep }], defaultMetrics: false, now });

const WORLD = new Set(['syncwatch_run_status', 'syncwatch_run_last_success_timestamp_seconds', 'syncwatch_flow_open_errors']);

/** The resource gauges of a scrape, as sorted `name{labels} value` lines. */
async function scraped(m: Metrics): Promise<string[]> {
  clock += 10_000; // each scrape a new instant: the 1.5 s read cache never answers for the test
  return samples((await m.scrape()).body)
    .filter((s) => WORLD.has(s.name))
    .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)
    .sort();
}

/** The same lines computed the way /metrics did before the view: from every snapshot in Redis. */
async function expected(perStep = true): Promise<string[]> {
  const out: string[] = [];
  const perFlow = new Map<string, number>();
  for (const [key, json] of Object.entries(await redis.hgetall(keys.snapshots(T)))) {
    const [, , kind = '', id = '', stepId = ''] = key.split('/');
    const snap = JSON.parse(json) as RunSnapshot | StepSnapshot;
    if (snap.type === 'run') {
      for (const s of RUN_STATUSES)
        out.push(`syncwatch_run_status${JSON.stringify({ target: T, kind, resource: id, status: s })} ${snap.status === s ? 1 : 0}`);
      if (snap.lastSuccessAt)
        out.push(
          `syncwatch_run_last_success_timestamp_seconds${JSON.stringify({ target: T, kind, resource: id })} ${Date.parse(snap.lastSuccessAt) / 1000}`,
        );
    } else if (perStep) {
      out.push(`syncwatch_flow_open_errors${JSON.stringify({ target: T, flow: id, step: stepId })} ${snap.openErrors}`);
    } else {
      perFlow.set(id, (perFlow.get(id) ?? 0) + snap.openErrors);
    }
  }
  for (const [flow, n] of perFlow) out.push(`syncwatch_flow_open_errors${JSON.stringify({ target: T, flow, step: '' })} ${n}`);
  return out.sort();
}

describe('the incrementally kept world view', () => {
  it('shows what the snapshots say after changes, forgetting and in a process started later', async () => {
    const early = metricsOf();
    const earlyFlat = metricsOf(false);
    expect(await scraped(early)).toEqual([]); // nothing saved yet: the view loads an empty target

    await save(
      { [runKey('a')]: run('succeeded', '2025-03-01T10:00:00.500Z'), [runKey('b')]: run('failed'), [runKey('c')]: run('running') },
      { [stepKey('f1', 's1')]: step(3), [stepKey('f1', 's2')]: step(0), [stepKey('f2', 's1')]: step(7) },
    );
    expect(await scraped(early)).toEqual(await expected());
    expect(await scraped(earlyFlat)).toEqual(await expected(false));
    expect(await scraped(early)).toContain(`syncwatch_flow_open_errors${JSON.stringify({ target: T, flow: 'f2', step: 's1' })} 7`);

    // Changes: a run fails, a failed one succeeds, errors rise and fall; a snapshot change that the
    // gauges do not show (a new run id) writes no feed entry but must not disturb the view either.
    await save(
      { [runKey('a')]: run('failed', '2025-03-01T10:00:00.500Z'), [runKey('b')]: run('succeeded', '2025-03-01T11:00:00.000Z') },
      { [stepKey('f1', 's1')]: step(0), [stepKey('f1', 's2')]: step(5) },
    );
    const feedLength = await redis.xlen(keys.metricsFeed(T));
    await save({ [runKey('c')]: { ...run('running'), runId: 'another' } }, {});
    expect(await redis.xlen(keys.metricsFeed(T)), 'a save that changes nothing metrics shows writes no feed entry').toBe(feedLength);
    expect(await scraped(early)).toEqual(await expected());
    expect(await scraped(earlyFlat)).toEqual(await expected(false));

    // Forgetting resources (they left the poll's scope).
    await store.forget(T, [runKey('c'), stepKey('f2', 's1')], 'scope-2');
    const after = await scraped(early);
    expect(after).toEqual(await expected());
    expect(after.some((l) => l.includes('"resource":"c"') || l.includes('"flow":"f2"'))).toBe(false);
    expect(await scraped(earlyFlat)).toEqual(await expected(false));

    // A process started now (a restart, another replica) reports the same.
    expect(await scraped(metricsOf())).toEqual(await expected());
    expect(await scraped(metricsOf(false))).toEqual(await expected(false));
  });

  it('a process that fell behind the capped feed reloads and is right', async () => {
    const behind = metricsOf();
    await scraped(behind);
    // A change only the trimmed part of the feed holds, then enough saves to trim it away.
    await save({ [runKey('early')]: run('failed') }, {});
    for (let i = 0; i < FEED_MAXLEN + 300; i++) await save({}, { [stepKey('busy', 's1')]: step(i) });
    expect(await redis.xlen(keys.metricsFeed(T))).toBeLessThan(FEED_MAXLEN + 300); // the feed was trimmed
    const lines = await scraped(behind);
    expect(lines).toEqual(await expected());
    expect(lines).toContain(`syncwatch_run_status${JSON.stringify({ target: T, kind: 'sync', resource: 'early', status: 'failed' })} 1`);
    expect(lines).toContain(`syncwatch_flow_open_errors${JSON.stringify({ target: T, flow: 'busy', step: 's1' })} ${FEED_MAXLEN + 299}`);
  });

  it('a Redis that lost everything shows an empty world, then what is saved again', async () => {
    const m = metricsOf();
    expect((await scraped(m)).length).toBeGreaterThan(0);
    await redis.del(keys.snapshots(T), keys.metricsFeed(T));
    expect(await scraped(m)).toEqual([]);
    await save({ [runKey('z')]: run('failed') }, {});
    expect(await scraped(m)).toEqual(await expected());
    expect((await scraped(m)).length).toBe(RUN_STATUSES.length);
  });
});

describe('syncwatch_alerts_firing from the counts kept by ingest', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline('metrics-view-alerts', {
      receivers: [{ name: 'log', log: {} }],
      route: route({ receiver: 'log' }),
    });
  });
  afterAll(async () => pipeline?.close());

  const event = (
    resource: string,
    kind: 'SyncFailed' | 'FlowErrors',
    status: 'firing' | 'resolved',
    severity = 'critical',
    n = 1,
  ): AlertEvent =>
    ({
      fingerprint: `${kind}:${resource}`,
      status,
      labels: { target: T, provider: 'celigo', kind, severity, resource },
      annotations: { summary: 'x' },
      startsAt: '2025-03-01T00:00:00.000Z',
      transitionId: `${kind}:${resource}|${status}|${n}`,
    }) as AlertEvent;

  /** syncwatch_alerts_firing as a fresh process scrapes it, as sorted `kind severity value`. */
  async function firing(): Promise<string[]> {
    clock += 10_000;
    const m = new Metrics({ redis: pipeline.redis, keys: pipeline.keys, targets: [], defaultMetrics: false, now });
    return samples((await m.scrape()).body)
      .filter((s) => s.name === 'syncwatch_alerts_firing')
      .map((s) => `${s.labels.kind} ${s.labels.severity} ${s.value}`)
      .sort();
  }

  /** The same, counted from the firing index. */
  async function counted(): Promise<string[]> {
    const counts = new Map<string, number>();
    for (const json of await pipeline.redis.hvals(pipeline.keys.alerting.firing)) {
      const a = JSON.parse(json) as AlertEvent;
      const k = `${a.labels.kind} ${a.labels.severity}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [...counts].map(([k, n]) => `${k} ${n}`).sort();
  }

  it('counts firing alerts by kind and severity through firing, updates, resolutions and a deployment without counts', async () => {
    const { ingest } = pipeline.alerting;
    await ingest([
      event('s1', 'SyncFailed', 'firing'),
      event('s2', 'SyncFailed', 'firing'),
      event('f1', 'FlowErrors', 'firing', 'warning'),
    ]);
    expect(await firing()).toEqual(['FlowErrors warning 1', 'SyncFailed critical 2']);
    expect(await firing()).toEqual(await counted());

    // An update of a firing alert that changes its severity moves it; a transition seen before counts once.
    await ingest([event('f1', 'FlowErrors', 'firing', 'critical', 2), event('s1', 'SyncFailed', 'firing')]);
    expect(await firing()).toEqual(['FlowErrors critical 1', 'SyncFailed critical 2']);
    await ingest([event('s1', 'SyncFailed', 'resolved'), event('s1', 'SyncFailed', 'resolved')]);
    expect(await firing()).toEqual(['FlowErrors critical 1', 'SyncFailed critical 1']);
    expect(await firing()).toEqual(await counted());

    // Counts left by an older version change nothing: the index is what is counted.
    await pipeline.redis.hset(pipeline.keys.alerting.firingCounts, '~built', '1', 'SyncFailed|critical', '7');
    expect(await firing()).toEqual(['FlowErrors critical 1', 'SyncFailed critical 1']);
    await ingest([event('s3', 'SyncFailed', 'firing')]);
    expect(await firing()).toEqual(['FlowErrors critical 1', 'SyncFailed critical 2']);
    await pipeline.redis.del(pipeline.keys.alerting.firingCounts);
    await ingest([
      event('s2', 'SyncFailed', 'resolved'),
      event('s3', 'SyncFailed', 'resolved'),
      event('f1', 'FlowErrors', 'resolved', 'critical', 2),
    ]);
    expect(await firing()).toEqual([]);
    expect(await counted()).toEqual([]);
  });
});
