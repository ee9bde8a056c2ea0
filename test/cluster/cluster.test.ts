// The daemon on a Redis Cluster: three masters from `redis-server`, the ioredis Cluster client, the
// hash-tagged prefix keeping every key (state, alerting, BullMQ queues) on one slot. The watch
// scenario — a sync fails and recovers, errors rise and are cleared — gives the same outcomes as on
// one Redis: each transition notified exactly once.
import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFromString } from '../../src/config/index.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { Daemon, eventually, killAll, writeConfig, type AlertLine, type DaemonProcess } from '../harness/daemon.ts';
import { startCluster, type TestCluster } from './redis-cluster.ts';
import { simAdmin } from '../harness/sim-admin.ts';

const id = (letter: string, n: number) => `${letter}${String(n).padStart(23, '0')}`;
const INTEGRATION = id('a', 1);
const SYNC = id('b', 1);
const FLOW = id('f', 1);
const STEP = id('e', 1);
const world = {
  seed: 31,
  entities: {
    integrations: [
      {
        id: INTEGRATION,
        name: 'Shop',
        flows: [{ id: FLOW, name: 'Orders', exports: [STEP], imports: 0, openErrors: 0 }],
        syncs: [{ id: SYNC, name: 'Orders sync', history: ['completed' as const] }],
      },
    ],
  },
};

let cluster: TestCluster;
let sim: Simulator;
const prefix = `swtest-cluster-${process.pid}-${Date.now().toString(36)}`;
const closers: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  cluster = await startCluster();
  sim = await startSimulator({ port: 0, scenario: world });
}, 90_000);

afterAll(async () => {
  await killAll();
  for (const close of closers.splice(0).reverse()) await close();
  await sim?.close();
  // The cluster is thrown away, but clean up as on a shared one: SCAN and DEL node by node.
  await cluster?.deleteKeys(`{${prefix}}*`);
  await cluster?.stop();
}, 60_000);

const admin = (path: string, body: unknown = {}, method = 'POST') => simAdmin<Record<string, unknown>>(sim.url, path, body, method);

const transitionKey = (a: AlertLine) =>
  `${a.fingerprint} ${a.status}${a.update ? ' update' : ''}${a.annotations?.runId ? ` run=${a.annotations.runId}` : ''}`;
const tally = (daemons: DaemonProcess[]) => {
  const counts: Record<string, number> = {};
  for (const k of daemons.flatMap((d) => d.alerts().map(transitionKey))) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
};

describe('Redis Cluster', () => {
  it('the config accepts redis.cluster.nodes and refuses url and cluster together, with line:col', async () => {
    const ok = await loadConfigFromString(
      `redis:\n  cluster:\n    nodes: [${cluster.nodes.join(', ')}]\n  prefix: p\ntargets:\n  - { name: t, provider: celigo, token: x }\n`,
      'c.yaml',
      { REDIS_URL: 'redis://127.0.0.1:1' },
    );
    expect(ok.ok && ok.config.redis.cluster).toEqual({ nodes: cluster.nodes });
    const both = await loadConfigFromString(
      `redis:\n  url: redis://127.0.0.1:6379\n  cluster:\n    nodes: [redis://127.0.0.1:7000]\ntargets:\n  - { name: t, provider: celigo, token: x }\n`,
      'c.yaml',
      {},
    );
    expect(both.ok ? [] : both.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`)).toEqual([
      '4:5 redis.cluster: use either url (one Redis) or cluster (Redis Cluster), not both',
    ]);
  });

  it('a daemon on a three-master cluster: SyncFailed fires and resolves once, FlowErrors fires and resolves once; every key on one slot', async () => {
    const config = writeConfig({
      redis: { cluster: { nodes: cluster.nodes }, prefix },
      server: { listen: '127.0.0.1:0' },
      workers: { lockDuration: '3s', stalledInterval: '1s' },
      targets: [{ name: 'shop', provider: 'celigo', baseUrl: sim.url, token: 'sim-token', interval: '1s', requestsPerSecond: 1000 }],
      receivers: [{ name: 'log', log: {} }],
      route: { receiver: 'log', groupWait: '0s', groupInterval: '1s', repeatInterval: '4h' },
    });
    closers.push(config.remove);
    // REDIS_URL in the environment must not turn a cluster config into a single-Redis one.
    const daemon = await Daemon.start('cluster', config.file, { REDIS_URL: 'redis://127.0.0.1:1' });
    const context = () => daemon.tail();
    const redis = new Cluster(
      cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
      { redisOptions: { maxRetriesPerRequest: null } },
    );
    const notify = new Queue('notify', { connection: redis, prefix: `{${prefix}}` });
    closers.push(
      () =>
        redis.quit().then(
          () => undefined,
          () => redis.disconnect(),
        ),
      () => notify.close(),
    );

    const polledAfter = (since: number) =>
      eventually(
        `a poll of "shop" after ${new Date(since).toISOString()}`,
        async () => {
          const t = (await daemon.status()).targets[0]!;
          return t.lastPollAt !== null && Date.parse(t.lastPollAt) > since && t.lastOutcome === 'success';
        },
        { context },
      );
    const notified = (key: string) =>
      eventually(`a notification of "${key}"`, () => daemon.alerts().some((a) => transitionKey(a) === key), { context });
    const notifyIdle = () =>
      eventually(
        'the notify queue to be idle',
        async () => {
          const counts = await notify.getJobCounts('waiting', 'active', 'prioritized');
          const soon = Date.now() + 10 * 60_000;
          return (
            Object.values(counts).every((n) => n === 0) && (await notify.getDelayed()).every((j) => j.timestamp + (j.delay ?? 0) > soon)
          );
        },
        { context },
      );

    await polledAfter(0);
    const ready = await fetch(`${daemon.url}/readyz`);
    expect(ready.status, context()).toBe(200);

    const syncFp = `SyncFailed:celigo/shop/sync/${SYNC}`;
    const stepFp = `FlowErrors:celigo/shop/step/${FLOW}/${STEP}`;
    const failed = await admin(`/syncs/${SYNC}/fail`);
    await notified(`${syncFp} firing run=${failed._id}`);
    const succeeded = await admin(`/syncs/${SYNC}/succeed`);
    await notified(`${syncFp} resolved run=${succeeded._id}`);
    await admin(`/flows/${FLOW}/steps/${STEP}/errors`, { count: 3, classification: 'value' });
    await notified(`${stepFp} firing`);
    await admin(`/flows/${FLOW}/steps/${STEP}/errors`, undefined, 'DELETE');
    await notified(`${stepFp} resolved`);

    // Quiet: two more polls of the final world and an idle notify queue; nothing more notified.
    const quietFrom = Date.now();
    await polledAfter(quietFrom);
    await polledAfter(Date.now());
    await notifyIdle();
    expect(tally([daemon]), context()).toEqual({
      [`${syncFp} firing run=${failed._id}`]: 1,
      [`${syncFp} resolved run=${succeeded._id}`]: 1,
      [`${stepFp} firing`]: 1,
      [`${stepFp} resolved`]: 1,
    });
    expect(
      daemon.lines.filter((l) => typeof l.level === 'number' && l.level >= 50),
      'no error lines',
    ).toEqual([]);

    // Every key the deployment wrote — state, alerting, BullMQ — is under the hash tag, on one node, in one slot.
    const byNode = await cluster.keysByNode('*');
    const all = [...byNode.values()].flat();
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((k) => !k.startsWith(`{${prefix}}`))).toEqual([]);
    expect([...byNode.values()].filter((keys) => keys.length > 0)).toHaveLength(1);
    const slots = new Set(await Promise.all(all.slice(0, 50).map((k) => redis.cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);

    const exit = await daemon.stop();
    expect(exit, context()).toMatchObject({ code: 0, signal: null });
  }, 120_000);
});
