// The watch loop end to end in one process: the simulator as upstream (explicit entities), real
// Redis through StateStore, an injected clock. Each cycle's transitions are collected by a sink and
// checked against a table: every transition exactly once, in order, never again on the next cycle.
// Then `syncwatch once` as a child process: it prints what a cycle would raise and changes nothing.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { loadConfigFromString, type Config } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import type { OnceResult } from '../../src/watch/once.ts';
import { keyspace, type Keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { Watch, type ChunkJob, type WatchSink } from '../../src/watch/watch.ts';
import { killAll, runCli, writeConfig } from '../harness/daemon.ts';
import { testRedis } from '../harness/redis.ts';
import { watchAlerting, type WatchAlerting } from './alerting.ts';
import { simAdmin } from '../harness/sim-admin.ts';

type Redis = Awaited<ReturnType<typeof testRedis>>['redis'];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// Explicit ids, so resource keys and fingerprints can be written down.
const INTEGRATION = '5e0000000000000000000001';
const ORDERS_SYNC = '5e00000000000000000000a1'; // fails, fails again, succeeds
const STUCK_SYNC = '5e00000000000000000000a2'; // runs too long
const NIGHTLY_SYNC = '5e00000000000000000000a3'; // expected to succeed every 2h
const FLOW = '5e00000000000000000000f1';
const EXPORT_STEP = '5e00000000000000000000e1';
const IMPORT_STEP = '5e00000000000000000000c1';

const entities = {
  integrations: [
    {
      id: INTEGRATION,
      name: 'NetSuite Ops',
      flows: [{ id: FLOW, name: 'Orders to NetSuite', exports: [EXPORT_STEP], imports: [IMPORT_STEP], openErrors: 0 }],
      syncs: [
        { id: ORDERS_SYNC, name: 'Orders sync', history: ['completed' as const] },
        { id: STUCK_SYNC, name: 'Stuck sync', history: ['completed' as const] },
        { id: NIGHTLY_SYNC, name: 'Nightly sync', history: ['completed' as const] },
      ],
    },
  ],
};

const configText = (o: { redisUrl: string; prefix: string; target: string; baseUrl: string }) => `
redis:
  url: ${o.redisUrl}
  prefix: ${o.prefix}
targets:
  - name: ${o.target}
    provider: celigo
    baseUrl: ${o.baseUrl}
    token: sim-token
    interval: 1s
    requestsPerSecond: 1000
    failuresBeforeAlert: 2
    stuckAfter: 30m
    expect:
      - match: { sync: "${NIGHTLY_SYNC}" }
        successWithin: 2h
receivers:
  - name: log
    log: {}
route:
  receiver: log
  groupWait: 0s
  groupInterval: 1s
  repeatInterval: 4h
`;

async function loadConfig(text: string): Promise<Config> {
  const result = await loadConfigFromString(text, 'scenario.yaml', {});
  if (!result.ok) throw new Error(`test config invalid: ${JSON.stringify(result.problems)}`);
  return result.config;
}

const post = (sim: Simulator, path: string, body: unknown = {}, method = 'POST') =>
  simAdmin<Record<string, unknown>>(sim.url, path, body, method);

/** A sink that keeps what one cycle produced, in order (and hands the transitions to alerting, as the daemon does). */
function collectingSink(alerting?: WatchAlerting): WatchSink & { collected: { chunks: ChunkJob[]; events: AlertEvent[] } } {
  const collected = { chunks: [] as ChunkJob[], events: [] as AlertEvent[] };
  return {
    collected,
    async chunks(jobs) {
      collected.chunks.push(...jobs);
    },
    async events(events) {
      collected.events.push(...events);
      await alerting?.ingest(events);
    },
  };
}

/** One transition as a line: kind, resource, status (update), run id — what a table row checks. */
const show = (e: AlertEvent) =>
  `${e.labels.kind} ${e.labels.resource} ${e.status}${e.update ? ' update' : ''}${e.annotations.runId ? ` run=${e.annotations.runId}` : ''}`;

/** Every key under the prefix with its type, value and whether it expires. */
async function dumpKeys(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const expires = (await redis.pttl(key)) >= 0;
      let value: unknown;
      if (type === 'string') value = await redis.get(key);
      else if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'set') value = (await redis.smembers(key)).sort();
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else value = type;
      out[key] = { type, value, expires };
    }
  } while (cursor !== '0');
  return out;
}

let redis: Redis;
let prefix: string;
let redisUrl: string;
let cleanup: () => Promise<void>;
let keys: Keyspace;
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  ({ redis, prefix, url: redisUrl, cleanup } = await testRedis('watch-scenario'));
  keys = keyspace(prefix);
});

afterAll(async () => {
  await killAll();
  await cleanup();
});

describe('a scenario over many cycles, with an injected clock', () => {
  const TARGET = 'scn';
  let clock = Math.floor(Date.now() / 1000) * 1000;
  const now = () => clock;
  let sim: Simulator;
  let store: StateStore;
  let watch: Watch;
  let alerting: WatchAlerting;
  let cycleNo = 0;
  const all: string[] = [];

  const key = {
    orders: `celigo/${TARGET}/sync/${ORDERS_SYNC}`,
    stuck: `celigo/${TARGET}/sync/${STUCK_SYNC}`,
    nightly: `celigo/${TARGET}/sync/${NIGHTLY_SYNC}`,
    step: `celigo/${TARGET}/step/${FLOW}/${IMPORT_STEP}`,
    target: `celigo/${TARGET}`,
  };

  /** Advance the clock, run one whole cycle, return its transitions (also recorded in `all`). */
  async function cycle(advanceMs = MINUTE): Promise<AlertEvent[]> {
    clock += advanceMs;
    const sink = collectingSink(alerting);
    await watch.cycle(TARGET, `c${++cycleNo}`, sink);
    all.push(...sink.collected.events.map(show));
    return sink.collected.events;
  }

  const firing = async () => (await alerting.firing()).map((a) => a.fingerprint).sort();
  const snapshotHash = () => redis.hgetall(keys.snapshots(TARGET));

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, now, scenario: { seed: 11, entities } });
    const config = await loadConfig(configText({ redisUrl, prefix, target: TARGET, baseUrl: sim.url }));
    store = new StateStore(redis, keys);
    watch = new Watch({ targets: config.targets, redis, keys, store, logger, now });
    alerting = watchAlerting(redisUrl, redis, keys);
  });

  afterAll(async () => {
    await watch?.close();
    await alerting?.close();
    await sim?.close();
  });

  it('a first cycle records every resource and raises nothing', async () => {
    expect(await cycle()).toEqual([]);
    const snap = await snapshotHash();
    expect(Object.keys(snap).sort()).toEqual(
      [key.orders, key.stuck, key.nightly, key.step, `celigo/${TARGET}/step/${FLOW}/${EXPORT_STEP}`].sort(),
    );
    const target = JSON.parse((await redis.get(keys.target(TARGET)))!);
    expect(target).toMatchObject({ failures: 0, lastOutcome: 'success', lastPollAt: new Date(clock).toISOString() });
  });

  it('a steady cycle writes no snapshot field', async () => {
    const before = await snapshotHash();
    const save = vi.spyOn(store, 'save');
    try {
      expect(await cycle()).toEqual([]);
      const written = await Promise.all(save.mock.results.map((r) => r.value as Promise<number>));
      expect(save).toHaveBeenCalled();
      expect(written.every((n) => n === 0)).toBe(true);
    } finally {
      save.mockRestore();
    }
    expect(await snapshotHash()).toEqual(before);
  });

  it('SyncFailed fires once for a failed run, and not again on the next cycle', async () => {
    const job = await post(sim, `/syncs/${ORDERS_SYNC}/fail`, { numErrors: 4 });
    const events = await cycle();
    expect(events.map(show)).toEqual([`SyncFailed ${key.orders} firing run=${job._id}`]);
    expect(events[0]).toMatchObject({
      fingerprint: `SyncFailed:${key.orders}`,
      labels: { kind: 'SyncFailed', severity: 'critical', target: TARGET, sync: ORDERS_SYNC, integration: INTEGRATION },
      annotations: { runStatus: 'failed', counts: { failed: 4 } },
    });
    expect(await firing()).toEqual([`SyncFailed:${key.orders}`]);
    expect(await cycle()).toEqual([]);
  });

  it('a newer failed run while firing is an update carrying the new run id', async () => {
    const first = (await alerting.firing())[0]!;
    const job = await post(sim, `/syncs/${ORDERS_SYNC}/fail`);
    const events = await cycle();
    expect(events.map(show)).toEqual([`SyncFailed ${key.orders} firing update run=${job._id}`]);
    expect(events[0]!.startsAt).toBe(first.startsAt); // the same alert, still firing since the first failure
    expect(await cycle()).toEqual([]);
  });

  it('a successful run resolves SyncFailed once', async () => {
    const job = await post(sim, `/syncs/${ORDERS_SYNC}/succeed`);
    const events = await cycle();
    expect(events.map(show)).toEqual([`SyncFailed ${key.orders} resolved run=${job._id}`]);
    expect(events[0]!.endsAt).toBe(new Date(clock).toISOString());
    expect(await firing()).toEqual([]);
    expect(await cycle()).toEqual([]);
  });

  it('rising open errors fire FlowErrors with delta, total and the newest samples first', async () => {
    await post(sim, `/flows/${FLOW}/steps/${IMPORT_STEP}/errors`, {
      count: 3,
      classification: 'value',
      source: 'application',
      code: 'E_VALUE',
      message: 'quantity is not a number',
    });
    clock += 1000;
    await post(sim, `/flows/${FLOW}/steps/${IMPORT_STEP}/errors`, {
      count: 2,
      classification: 'intermittent',
      source: 'connection',
      code: 'E_TIMEOUT',
      message: 'socket hang up',
    });
    const events = await cycle();
    expect(events.map(show)).toEqual([`FlowErrors ${key.step} firing`]);
    const [event] = events;
    expect(event!.labels).toMatchObject({ kind: 'FlowErrors', flow: FLOW, step: IMPORT_STEP, severity: 'warning' });
    expect(event!.annotations).toMatchObject({ delta: 5, total: 5, name: 'Orders to NetSuite' });
    const samples = event!.annotations.samples!;
    expect(samples.map((s) => [s.classification, s.code, s.message])).toEqual([
      ['intermittent', 'E_TIMEOUT', 'socket hang up'],
      ['intermittent', 'E_TIMEOUT', 'socket hang up'],
      ['value', 'E_VALUE', 'quantity is not a number'],
      ['value', 'E_VALUE', 'quantity is not a number'],
      ['value', 'E_VALUE', 'quantity is not a number'],
    ]);
    const times = samples.map((s) => s.occurredAt!);
    expect([...times].sort().reverse()).toEqual(times);
    expect(await cycle()).toEqual([]);
  });

  it('more errors while firing are an update with the new delta and total', async () => {
    await post(sim, `/flows/${FLOW}/steps/${IMPORT_STEP}/errors`, {
      count: 2,
      classification: 'rate_limit',
      code: 'E_429',
      message: 'too many requests',
    });
    const events = await cycle();
    expect(events.map(show)).toEqual([`FlowErrors ${key.step} firing update`]);
    expect(events[0]!.annotations).toMatchObject({ delta: 2, total: 7 });
    expect(events[0]!.annotations.samples?.[0]).toMatchObject({ classification: 'rate_limit', code: 'E_429' });
    expect(await cycle()).toEqual([]);
  });

  it('cleared errors resolve FlowErrors once', async () => {
    await post(sim, `/flows/${FLOW}/steps/${IMPORT_STEP}/errors`, undefined, 'DELETE');
    const events = await cycle();
    expect(events.map(show)).toEqual([`FlowErrors ${key.step} resolved`]);
    expect(events[0]!.annotations).toMatchObject({ total: 0, delta: -7 });
    expect(await cycle()).toEqual([]);
  });

  it('a run longer than stuckAfter fires SyncStuck once, and it resolves when the run ends', async () => {
    const job = await post(sim, `/syncs/${STUCK_SYNC}/start`);
    expect(await cycle()).toEqual([]); // running, but not for long
    const events = await cycle(31 * MINUTE);
    expect(events.map(show)).toEqual([`SyncStuck ${key.stuck} firing run=${job._id}`]);
    expect(events[0]!.annotations).toMatchObject({ runStatus: 'running', startedAt: job.startedAt });
    expect(await cycle()).toEqual([]);
    await post(sim, `/syncs/${STUCK_SYNC}/succeed`);
    expect((await cycle()).map(show)).toEqual([`SyncStuck ${key.stuck} resolved run=${job._id}`]);
    expect(await cycle()).toEqual([]);
  });

  it('no success within successWithin fires SyncStale for the expected sync only; a success resolves it', async () => {
    const events = await cycle(2 * HOUR);
    expect(events.map(show)).toEqual([expect.stringMatching(new RegExp(`^SyncStale ${key.nightly} firing run=`))]);
    expect(await firing()).toEqual([`SyncStale:${key.nightly}`]);
    expect(await cycle()).toEqual([]);
    const job = await post(sim, `/syncs/${NIGHTLY_SYNC}/succeed`);
    expect((await cycle()).map(show)).toEqual([`SyncStale ${key.nightly} resolved run=${job._id}`]);
    expect(await cycle()).toEqual([]);
  });

  it('a rejected token fires TargetDown only after failuresBeforeAlert polls, and resolves when fixed', async () => {
    await post(sim, '/token', { token: 'rotated-token' });
    expect(await cycle()).toEqual([]); // one failed poll: not yet
    let target = JSON.parse((await redis.get(keys.target(TARGET)))!);
    expect(target).toMatchObject({ failures: 1, lastOutcome: 'failure', lastError: { kind: 'auth' } });
    const events = await cycle();
    expect(events.map(show)).toEqual([`TargetDown ${key.target} firing`]);
    expect(events[0]!.annotations).toMatchObject({ failures: 2, errorKind: 'auth' });
    expect(JSON.stringify(events[0])).not.toContain('sim-token');
    expect(await cycle()).toEqual([]);
    await post(sim, '/token', { token: 'sim-token' });
    expect((await cycle()).map(show)).toEqual([`TargetDown ${key.target} resolved`]);
    target = JSON.parse((await redis.get(keys.target(TARGET)))!);
    expect(target).toMatchObject({ failures: 0, lastOutcome: 'success' });
    expect(await firing()).toEqual([]);
  });

  it('after all that, a steady cycle writes nothing and the whole history is each transition once, in order', async () => {
    const before = await snapshotHash();
    const save = vi.spyOn(store, 'save');
    try {
      expect(await cycle()).toEqual([]);
      expect((await Promise.all(save.mock.results.map((r) => r.value as Promise<number>))).every((n) => n === 0)).toBe(true);
    } finally {
      save.mockRestore();
    }
    expect(await snapshotHash()).toEqual(before);
    expect(all.map((line) => line.replace(/ run=\S+/, ''))).toEqual([
      `SyncFailed ${key.orders} firing`,
      `SyncFailed ${key.orders} firing update`,
      `SyncFailed ${key.orders} resolved`,
      `FlowErrors ${key.step} firing`,
      `FlowErrors ${key.step} firing update`,
      `FlowErrors ${key.step} resolved`,
      `SyncStuck ${key.stuck} firing`,
      `SyncStuck ${key.stuck} resolved`,
      `SyncStale ${key.nightly} firing`,
      `SyncStale ${key.nightly} resolved`,
      `TargetDown ${key.target} firing`,
      `TargetDown ${key.target} resolved`,
    ]);
  });
});

describe('syncwatch once', () => {
  const TARGET = 'once';
  let sim: Simulator;
  let watch: Watch;
  let store: StateStore;
  let config: { file: string; remove: () => void };

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, scenario: { seed: 12, entities } });
    const text = configText({ redisUrl, prefix, target: TARGET, baseUrl: sim.url });
    store = new StateStore(redis, keys);
    watch = new Watch({ targets: (await loadConfig(text)).targets, redis, keys, store, logger });
    config = writeConfig(text);
  });

  afterAll(async () => {
    await watch?.close();
    await sim?.close();
    config?.remove();
  });

  it('prints the runs and the events a cycle would raise, and changes nothing in Redis', async () => {
    // A daemon's state to start from: one cycle seen, nothing firing.
    const baseline = collectingSink();
    await watch.cycle(TARGET, 'baseline', baseline);
    expect(baseline.collected.events).toEqual([]);
    const job = await post(sim, `/syncs/${ORDERS_SYNC}/fail`);
    await post(sim, `/flows/${FLOW}/steps/${IMPORT_STEP}/errors`, { count: 2, code: 'E_ONCE', message: 'once' });
    // The in-process cycles' rate-limit buckets expire on their own; drop them so "before" is stable.
    await redis.del(keys.bucket(TARGET), keys.bucket('scn'));
    const before = await dumpKeys(redis, prefix);
    expect(Object.keys(before).length).toBeGreaterThan(0);

    const result = await runCli(['once', '--config', config.file, '--json'], { LOG_LEVEL: 'warn' });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as OnceResult;
    expect(out.targets).toHaveLength(1);
    const [t] = out.targets;
    expect(t).toMatchObject({ target: TARGET, provider: 'celigo' });
    expect(t!.runs.map((r) => [r.resourceId, r.status]).sort()).toEqual(
      [
        [ORDERS_SYNC, 'failed'],
        [STUCK_SYNC, 'succeeded'],
        [NIGHTLY_SYNC, 'succeeded'],
      ].sort(),
    );
    expect(t!.stepErrors.find((s) => s.stepId === IMPORT_STEP)).toMatchObject({ flowId: FLOW, openErrors: 2 });
    expect(t!.events.map(show).sort()).toEqual(
      [
        `FlowErrors celigo/${TARGET}/step/${FLOW}/${IMPORT_STEP} firing`,
        `SyncFailed celigo/${TARGET}/sync/${ORDERS_SYNC} firing run=${job._id}`,
      ].sort(),
    );

    expect(await dumpKeys(redis, prefix)).toEqual(before);

    // Nothing was consumed: the daemon's next cycle still raises both transitions.
    const next = collectingSink();
    await watch.cycle(TARGET, 'after-once', next);
    expect(next.collected.events.map(show).sort()).toEqual(t!.events.map(show).sort());
  });

  it('prints a readable summary without --json', async () => {
    const result = await runCli(['once', '--config', config.file], { LOG_LEVEL: 'warn' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${TARGET} \\(celigo\\): 3 run\\(s\\), 2 step\\(s\\) with 2 open error\\(s\\)`));
    expect(result.stdout).toContain(`run   failed`);
  });
});
