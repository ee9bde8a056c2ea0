// One bad resource is that resource's problem, not its neighbours', for Airweave (per source
// connection) and Neo (per integration) as for Celigo: one whose answer cannot be read is marked
// unreadable (state kept, nothing fired or resolved from missing data, counted, listed on the
// target), the others alert and resolve as usual, no TargetDown, ResourceUnreadable after
// failuresBeforeAlert cycles, resolved when it reads again. For Neo, the "runs since" window does
// not move past an unreadable integration's: a run it finished meanwhile is alerted once it reads.
// Real simulator (one resource faulted by path), real Redis, injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { loadConfigFromString } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import type { Run } from '../../src/model.ts';
import { keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { pollSinceAfter, Watch, type WatchSink, type WatchTarget } from '../../src/watch/watch.ts';
import { testRedis } from '../harness/redis.ts';
import { simAdmin } from '../harness/sim-admin.ts';
import { watchAlerting, type WatchAlerting } from './alerting.ts';

type Redis = Awaited<ReturnType<typeof testRedis>>['redis'];

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const TRUNCATED = '[{"id":"0b6e0a52-0000-4000-8000-000000000001","status":"COMPL';
const show = (e: AlertEvent) => `${e.labels.kind} ${e.labels.resource} ${e.status}`;

describe('pollSinceAfter: an unreadable unit holds the "runs since" window', () => {
  const started = '2026-03-01T12:10:00.000Z';
  const running: Run = {
    key: 'neo/t/sync/a',
    provider: 'neo',
    target: 't',
    kind: 'sync',
    resourceId: 'a',
    runId: 'r1',
    name: 'a',
    status: 'running',
    rawStatus: 'RUNNING',
    startedAt: '2026-03-01T12:02:00.000Z',
    counts: {},
  };
  const bad = [{ key: 'neo/t/integration/b', name: 'b', kind: 'malformed' as const, message: 'x' }];
  it.each([
    ['all read: this poll’s start', { runs: [] }, '2026-03-01T12:00:00.000Z', started],
    ['all read, a run still open: its start', { runs: [running] }, undefined, running.startedAt],
    [
      'one unreadable: the since this poll was given',
      { runs: [], unreadable: bad },
      '2026-03-01T12:00:00.000Z',
      '2026-03-01T12:00:00.000Z',
    ],
    [
      'one unreadable, an open run earlier still: the run’s start',
      { runs: [running], unreadable: bad },
      '2026-03-01T12:05:00.000Z',
      running.startedAt,
    ],
    ['one unreadable, no since given: none (the default lookback again)', { runs: [running], unreadable: bad }, undefined, undefined],
  ])('%s', (_name, observation, given, expected) => {
    expect(pollSinceAfter(started, observation, given)).toBe(expected);
  });
});

describe('one resource unreadable among three (Airweave source connections, Neo integrations)', () => {
  let redis: Redis;
  let prefix: string;
  let cleanup: () => Promise<void>;
  let sim: Simulator;
  let watch: Watch;
  let targets: WatchTarget[];
  let store: StateStore;
  let alerting: WatchAlerting;
  let clock = Date.parse('2026-03-01T12:00:00.000Z');
  let n = 0;
  const counted: string[] = [];
  const logger = createLogger({ level: 'silent' });
  let syncs: Array<{ id: string; name: string; sourceConnectionId: string }>;
  const sync = (name: string) => syncs.find((s) => s.name === name)!;

  async function cycle(target: string, advanceMs = MINUTE, by = watch): Promise<string[]> {
    clock += advanceMs;
    const events: AlertEvent[] = [];
    const sink: WatchSink = {
      chunks: async () => {},
      events: async (e) => (events.push(...e), alerting.ingest(e)),
      retired: (_e, reopened) => alerting.alerting.reopen(reopened),
    };
    await by.cycle(target, `c${++n}`, sink);
    return events.map(show).sort();
  }
  const admin = (path: string, body: unknown = {}, method = 'POST') => simAdmin(sim.url, path, body, method);

  beforeAll(async () => {
    let url: string;
    ({ redis, prefix, url, cleanup } = await testRedis('h-unread-airweave-neo'));
    const now = () => clock;
    sim = await startSimulator({
      port: 0,
      now,
      scenario: {
        seed: 11,
        integrations: 0,
        airweave: {
          entities: [
            { name: 'GitHub', history: ['completed'] },
            { name: 'Notion', history: ['completed'] },
            { name: 'Drive', history: ['completed'] },
          ],
        },
        neo: {
          runIntervalMinutes: 60,
          integrations: [
            { name: 'connectwise', history: ['SUCCESS'] },
            { name: 'autotask', history: ['SUCCESS'] },
            { name: 'kaseya', history: ['SUCCESS'] },
          ],
        },
      },
    });
    syncs = (await simAdmin<{ syncs: typeof syncs }>(sim.url, '/airweave', undefined, 'GET')).syncs;
    const common = 'interval: 1m, requestsPerSecond: 1000, failuresBeforeAlert: 2';
    const loaded = await loadConfigFromString(
      `redis: { url: "${url}", prefix: "${prefix}" }
targets:
  - { name: aw, provider: airweave, baseUrl: "${sim.url}", apiKey: sim-token, ${common},
      sourceConnections: [${syncs.map((s) => `"${s.sourceConnectionId}"`).join(', ')}] }
  - { name: neo, provider: neo, baseUrl: "${sim.url}", token: sim-token, ${common}, integrations: [connectwise, autotask, kaseya] }
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
    targets = loaded.config.targets;
    watch = new Watch({
      targets,
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
  });

  afterAll(async () => {
    await alerting?.close();
    await watch?.close();
    await sim?.close();
    await cleanup?.();
  });

  describe('Airweave: one source connection answering truncated JSON', () => {
    const run = (name: string) => `airweave/aw/sync/${sync(name).sourceConnectionId}`;
    const unit = (name: string) => `airweave/aw/source-connection/${sync(name).sourceConnectionId}`;

    it('a first cycle sees all three; GitHub then fails', async () => {
      expect(await cycle('aw')).toEqual([]);
      await admin(`/airweave/jobs/${sync('GitHub').id}/fail`, { error: 'OAuth token expired' });
      expect(await cycle('aw')).toEqual([`SyncFailed ${run('GitHub')} firing`]);
    });

    it('GitHub unreadable: Notion still alerts, GitHub’s alert neither resolves nor changes, no TargetDown', async () => {
      await admin('/faults', { path: `^/source-connections/${sync('GitHub').sourceConnectionId}/jobs$`, status: 200, body: TRUNCATED });
      await admin(`/airweave/jobs/${sync('GitHub').id}/succeed`, {}); // unseen: it must not resolve
      await admin(`/airweave/jobs/${sync('Notion').id}/fail`, { error: 'rate limited by Notion' });
      expect(await cycle('aw')).toEqual([`SyncFailed ${run('Notion')} firing`]);
      const target = await store.loadTarget('aw');
      expect(target).toMatchObject({ lastOutcome: 'success', failures: 0, unreadableCount: 1 });
      expect(target!.unreadable).toEqual([
        {
          resource: unit('GitHub'),
          name: sync('GitHub').sourceConnectionId,
          kind: 'malformed',
          message: expect.stringMatching(/not valid JSON/),
        },
      ]);
      expect((await alerting.firing()).map((a) => a.fingerprint)).toContain(`SyncFailed:${run('GitHub')}`);
      expect(counted).toEqual(['aw malformed']);
    });

    it('unreadable for failuresBeforeAlert cycles: one ResourceUnreadable, never TargetDown; the others resolve as usual', async () => {
      await admin(`/airweave/jobs/${sync('Notion').id}/succeed`, {});
      expect(await cycle('aw')).toEqual([`ResourceUnreadable ${unit('GitHub')} firing`, `SyncFailed ${run('Notion')} resolved`]);
      expect(await cycle('aw')).toEqual([]);
      const target = await store.loadTarget('aw');
      expect(target?.firing.TargetDown).toBeUndefined();
      expect(target).toMatchObject({ lastOutcome: 'success', failures: 0 });
      expect(counted).toEqual(['aw malformed', 'aw malformed', 'aw malformed']);
    });

    it('readable again: ResourceUnreadable resolves and what changed meanwhile is seen', async () => {
      await admin('/faults', undefined, 'DELETE');
      expect(await cycle('aw')).toEqual([`ResourceUnreadable ${unit('GitHub')} resolved`, `SyncFailed ${run('GitHub')} resolved`]);
      expect((await store.loadTarget('aw'))?.unreadable).toBeUndefined();
      expect(await cycle('aw')).toEqual([]);
    });

    it('a 401 on one source connection is the target’s failure (auth), not that resource’s', async () => {
      await admin('/faults', { path: `^/source-connections/${sync('Drive').sourceConnectionId}/jobs$`, status: 401 });
      expect(await cycle('aw')).toEqual([]);
      await admin('/faults', undefined, 'DELETE');
      const target = await store.loadTarget('aw');
      expect(target).toMatchObject({ lastOutcome: 'failure', failures: 1, lastError: { kind: 'auth' } });
      expect(target!.unreadable).toBeUndefined();
      expect(await cycle('aw')).toEqual([]);
      expect(await store.loadTarget('aw')).toMatchObject({ lastOutcome: 'success', failures: 0 });
    });
  });

  describe('Neo: one integration answering a body of the wrong shape', () => {
    const run = (name: string) => `neo/neo/sync/${name}`;
    const unit = (name: string) => `neo/neo/integration/${name}`;
    // Longer than the overlap (5 min) between cycles, so a window that moved on would miss runs.
    const STEP = 10 * MINUTE;
    let baseline: string | undefined;

    it('a first cycle sees all three', async () => {
      expect(await cycle('neo', STEP)).toEqual([]);
      baseline = (await store.loadTarget('neo'))?.pollSince;
      expect(baseline).toBeDefined();
    });

    it('autotask unreadable: connectwise still alerts, autotask’s failed run is not seen yet, the since is held', async () => {
      await admin('/faults', { path: '^/public-api/integrations/autotask/sync-runs$', status: 200, body: '{"data":"nope","meta":{}}' });
      await admin('/neo/integrations/autotask/runs', { status: 'FAILURE', newRun: true, error: 'token revoked' });
      await admin('/neo/integrations/connectwise/runs', { status: 'FAILURE', newRun: true, error: 'API key expired' });
      expect(await cycle('neo', STEP)).toEqual([`SyncFailed ${run('connectwise')} firing`]);
      const target = await store.loadTarget('neo');
      expect(target).toMatchObject({ lastOutcome: 'success', failures: 0, unreadableCount: 1, pollSince: baseline });
      expect(target!.unreadable).toEqual([
        { resource: unit('autotask'), name: 'autotask', kind: 'malformed', message: expect.stringMatching(/unexpected .* response/) },
      ]);
      expect(counted.filter((c) => c.startsWith('neo '))).toEqual(['neo malformed']);
    });

    it('unreadable for failuresBeforeAlert cycles: one ResourceUnreadable, never TargetDown; connectwise resolves as usual', async () => {
      await admin('/neo/integrations/connectwise/runs', { status: 'SUCCESS', newRun: true });
      expect(await cycle('neo', STEP)).toEqual([
        `ResourceUnreadable ${unit('autotask')} firing`,
        `SyncFailed ${run('connectwise')} resolved`,
      ]);
      expect(await cycle('neo', STEP)).toEqual([]);
      const target = await store.loadTarget('neo');
      expect(target?.firing.TargetDown).toBeUndefined();
      expect(target).toMatchObject({ lastOutcome: 'success', pollSince: baseline });
    });

    it('readable again: the run autotask finished meanwhile is alerted (once), ResourceUnreadable resolves, the since moves on', async () => {
      await admin('/faults', undefined, 'DELETE');
      expect(await cycle('neo', STEP)).toEqual([`ResourceUnreadable ${unit('autotask')} resolved`, `SyncFailed ${run('autotask')} firing`]);
      const target = await store.loadTarget('neo');
      expect(target?.unreadable).toBeUndefined();
      expect(target?.pollSince).toBe(iso(clock));
      expect(await cycle('neo', STEP)).toEqual([]);
    });

    it('every integration unreadable: that is the target failing — TargetDown after failuresBeforeAlert', async () => {
      await admin('/faults', { path: '^/public-api/integrations/[^/]+/sync-runs$', status: 200, body: '{"data":"nope","meta":{}}' });
      expect(await cycle('neo')).toEqual([]);
      expect(await store.loadTarget('neo')).toMatchObject({
        lastOutcome: 'failure',
        lastError: { kind: 'upstream', message: expect.stringMatching(/none of the 3 resource\(s\) could be read/) },
      });
      expect(await cycle('neo')).toContain('TargetDown neo/neo firing');
      await admin('/faults', undefined, 'DELETE');
    });

    it('an integration removed from the configuration takes its unreadable streak along: its ResourceUnreadable resolves', async () => {
      expect(await cycle('neo')).toContain('TargetDown neo/neo resolved');
      await admin('/faults', { path: '^/public-api/integrations/kaseya/sync-runs$', status: 200, body: '{"data":"nope","meta":{}}' });
      expect(await cycle('neo')).toEqual([]);
      expect(await cycle('neo')).toEqual([`ResourceUnreadable ${unit('kaseya')} firing`]);
      const without = targets.map((t) => (t.name === 'neo' ? { ...t, integrations: ['connectwise', 'autotask'] } : t));
      const narrowed = new Watch({ targets: without, redis, keys: keyspace(prefix), store, logger, now: () => clock });
      try {
        expect(await cycle('neo', MINUTE, narrowed)).toEqual([`ResourceUnreadable ${unit('kaseya')} resolved`]);
        expect(await redis.hexists(keyspace(prefix).snapshots('neo'), unit('kaseya')), 'the streak record is gone').toBe(0);
      } finally {
        await narrowed.close();
        await admin('/faults', undefined, 'DELETE');
      }
    });
  });
});
