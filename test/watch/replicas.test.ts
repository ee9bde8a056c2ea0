// syncwatch as several daemon processes on one Redis and one simulator: every alert transition is
// notified exactly once in total, whether three replicas share the cycles, a replica dies with
// SIGKILL in the middle of a chunk, or the daemon is restarted between cycles. Processes are real
// (`node bin/syncwatch.js run`); transitions are counted from the log receiver's lines.
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { cycleOf } from '../../src/queues.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { Daemon, eventually, writeConfig, type AlertLine, type DaemonProcess, useDaemonSuite } from '../harness/daemon.ts';
import { simAdmin } from '../harness/sim-admin.ts';

const suite = useDaemonSuite('watch-replicas');
const { closers } = suite;

// ---------------------------------------------------------------------------------------------
// helpers

/** 24-hex ids that say what they are: `id('f', 7)` → f00000000000000000000007. */
const id = (letter: string, n: number) => `${letter}${String(n).padStart(23, '0')}`;

const admin = (sim: Simulator, path: string, body: unknown = {}, method = 'POST') =>
  simAdmin<Record<string, unknown>>(sim.url, path, body, method);

/** One test's deployment: its own key prefix, config file, simulator and BullMQ queue handles. */
async function deployment(
  name: string,
  sim: Simulator,
  target: { interval: string; extra?: Record<string, unknown> },
  workers: Record<string, unknown> = {},
) {
  const prefix = `${suite.filePrefix}-${name}`;
  const config = writeConfig({
    redis: { url: suite.redisUrl, prefix },
    server: { listen: '127.0.0.1:0' },
    workers: { lockDuration: '3s', stalledInterval: '1s', ...workers },
    targets: [
      {
        name,
        provider: 'celigo',
        baseUrl: sim.url,
        token: 'sim-token',
        interval: target.interval,
        requestsPerSecond: 1000,
        ...target.extra,
      },
    ],
    receivers: [{ name: 'log', log: {} }],
    route: { receiver: 'log', groupWait: '0s', groupInterval: '1s', repeatInterval: '4h' },
  });
  const poll = new Queue('poll', { connection: suite.redis, prefix: `{${prefix}}` });
  const notify = new Queue('notify', { connection: suite.redis, prefix: `{${prefix}}` });
  closers.push(
    config.remove,
    () => poll.close(),
    () => notify.close(),
  );
  const p = `{${prefix}}`;

  /** Cycles of the target (named by the scheduled millisecond) whose every chunk is done. */
  async function completedCycles(): Promise<number[]> {
    const done: number[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await suite.redis.scan(cursor, 'MATCH', `${p}:cycle:${name}:*:chunks`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const cycle = key.slice(`${p}:cycle:${name}:`.length, -':chunks'.length);
        const fields = await suite.redis.hgetall(key);
        const count = Object.keys(fields).filter((f) => f.startsWith('c:')).length;
        if (/^\d+$/.test(cycle) && fields.total !== undefined && count === Number(fields.total)) done.push(Number(cycle));
      }
    } while (cursor !== '0');
    return done.sort((a, b) => a - b);
  }

  /**
   * Nothing waiting or running in the notify queue, and nothing delayed that is due soon (a group's
   * next flush is due within groupInterval; only repeatInterval reminders, hours away, may wait).
   */
  async function notifyIdle(): Promise<boolean> {
    const counts = await notify.getJobCounts('waiting', 'active', 'prioritized');
    if (!Object.values(counts).every((n) => n === 0)) return false;
    const soon = Date.now() + 10 * 60_000;
    return (await notify.getDelayed()).every((job) => job.timestamp + (job.delay ?? 0) > soon);
  }

  /**
   * At least `n` whole cycles that were scheduled after `sinceMs` (so they observed the world after
   * it) completed, `/status` shows a poll after `sinceMs`, and no notification is pending.
   */
  async function cyclesAfter(daemons: Daemon[], sinceMs: number, n: number, context: () => string): Promise<void> {
    await eventually(
      `${n} completed poll cycle(s) of ${name} scheduled after ${new Date(sinceMs).toISOString()}`,
      async () => (await completedCycles()).filter((c) => c > sinceMs).length >= n,
      { context },
    );
    await eventually(
      `/status lastPollAt of ${name} after ${new Date(sinceMs).toISOString()}`,
      async () => {
        const live = daemons.find((d) => !d.exit)!;
        const status = await live.status();
        const t = status.targets.find((x) => x.name === name);
        return t?.lastPollAt != null && Date.parse(t.lastPollAt) > sinceMs;
      },
      { context },
    );
    await eventually('the notify queue to be idle', notifyIdle, { context });
  }

  return { prefix, p, file: config.file, poll, notify, completedCycles, cyclesAfter, notifyIdle };
}

/** A transition as counted: fingerprint, status, update, and the run id for run alerts. */
const transitionKey = (a: Pick<AlertLine, 'fingerprint' | 'status' | 'update'> & { annotations?: { runId?: string } }) =>
  `${a.fingerprint} ${a.status}${a.update ? ' update' : ''}${a.annotations?.runId ? ` run=${a.annotations.runId}` : ''}`;

const allTransitions = (daemons: DaemonProcess[]) => daemons.flatMap((d) => d.alerts().map(transitionKey));

const tails = (daemons: DaemonProcess[]) => () => daemons.map((d) => d.tail()).join('\n');

/** Waits until `key` was notified by any of the daemons. */
const notified = (daemons: DaemonProcess[], key: string) =>
  eventually(`a notification of "${key}"`, () => allTransitions(daemons).includes(key), { context: tails(daemons) });

/** How often each transition was notified. */
function tally(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}

const once = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, 1]));

/** SIGTERM: a clean exit (code 0) within the product's 10 s bound. */
async function stopGracefully(daemon: Daemon): Promise<void> {
  const exit = await daemon.stop();
  expect(exit, daemon.tail()).toMatchObject({ code: 0, signal: null });
  expect(exit.ms, `${daemon.label} took ${exit.ms} ms to stop after SIGTERM`).toBeLessThan(10_000);
}

// ---------------------------------------------------------------------------------------------

const INTEGRATION = id('a', 1);
const SYNC = id('b', 1);
const FLOW = id('f', 1);
const STEP = id('e', 1);
const smallWorld = {
  seed: 21,
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

// Three node processes each start syncwatch (dist/), Redis and BullMQ: on a loaded 2-core machine that can take
// most of the default 30 s, so these tests get a wider ceiling (they wait for events, never for time).
describe('replicas', { timeout: 90_000 }, () => {
  it('three daemons on one Redis notify every transition exactly once in total', async () => {
    // Every answer takes 1 s, so a cycle outlasts the 1 s interval: cycles overlap on different
    // replicas and several of them see the same change. Each must still be notified once.
    const sim = await startSimulator({ port: 0, scenario: smallWorld, latencyMs: 1000 });
    closers.push(() => sim.close());
    const name = 'rep3';
    const dep = await deployment(name, sim, { interval: '1s' });
    const daemons = await Promise.all(['r1', 'r2', 'r3'].map((label) => Daemon.start(label, dep.file)));
    const context = tails(daemons);
    const syncFp = `SyncFailed:celigo/${name}/sync/${SYNC}`;
    const stepFp = `FlowErrors:celigo/${name}/step/${FLOW}/${STEP}`;

    // A baseline cycle first, so what follows are changes against known state.
    await dep.cyclesAfter(daemons, 0, 1, context);

    const failed = await admin(sim, `/syncs/${SYNC}/fail`);
    await notified(daemons, `${syncFp} firing run=${failed._id}`);
    const succeeded = await admin(sim, `/syncs/${SYNC}/succeed`);
    await notified(daemons, `${syncFp} resolved run=${succeeded._id}`);
    await admin(sim, `/flows/${FLOW}/steps/${STEP}/errors`, { count: 3, classification: 'value' });
    await notified(daemons, `${stepFp} firing`);
    await admin(sim, `/flows/${FLOW}/steps/${STEP}/errors`, undefined, 'DELETE');
    await notified(daemons, `${stepFp} resolved`);

    // Then quiet: whole cycles that saw the final world, and nothing more is notified.
    await dep.cyclesAfter(daemons, Date.now(), 2, context);
    expect(tally(allTransitions(daemons)), context()).toEqual(
      once([`${syncFp} firing run=${failed._id}`, `${syncFp} resolved run=${succeeded._id}`, `${stepFp} firing`, `${stepFp} resolved`]),
    );
    for (const d of daemons) await stopGracefully(d);
  });

  it('a daemon killed (SIGKILL) while it holds a chunk job: the other completes the cycle; nothing lost, nothing doubled', async () => {
    // 320 flows and 4 integrations → four even chunks of 81 requests: flows 0–80, 81–161, 162–242,
    // then flows 243–319 with the integrations' syncs (interval 1h: the sweep reads every flow every
    // cycle). The chunk with flow X, the last, is the one that hangs.
    const sizes = [100, 100, 100, 20];
    let flowNo = 0;
    const integrations = sizes.map((size, i) => ({
      id: id('a', i),
      name: `Integration ${i}`,
      flows: Array.from({ length: size }, () => {
        const n = flowNo++;
        return { id: id('f', n), name: `Flow ${n}`, exports: [id('e', n)], imports: 0, openErrors: 0 };
      }),
      syncs: i < 2 ? [{ id: id('b', i), name: `Sync ${i}`, history: ['completed' as const] }] : [],
    }));
    const sim = await startSimulator({ port: 0, scenario: { seed: 22, entities: { integrations } } });
    closers.push(() => sim.close());
    const name = 'kill';
    // interval 1h: the first cycle runs at start, later ones only when the test promotes the
    // scheduler's next job — so the interrupted cycle is the only one that sees the changes.
    const dep = await deployment(name, sim, { interval: '1h' });
    const flowKey = (n: number) => `FlowErrors:celigo/${name}/step/${id('f', n)}/${id('e', n)}`;
    const syncKey = (i: number) => `SyncFailed:celigo/${name}/sync/${id('b', i)}`;
    const X = 300; // in chunk 3, with the syncs

    const a = await Daemon.start('A', dep.file);
    const context = tails([a]);
    await dep.cyclesAfter([a], 0, 1, context);
    const firstCycle = (await dep.completedCycles())[0]!;
    // Four chunks: one job that runs them at once (a small cycle); flow X is in the last.
    const xChunkJobId = (cycle: number) => `chunks-${name}-${cycle}-0-4`;
    const planned = await dep.poll.getJob(xChunkJobId(firstCycle));
    const plannedChunks = (planned?.data as { chunks: Array<{ chunk: { flows: Array<{ _id: string }> } }> } | undefined)?.chunks;
    expect(plannedChunks).toHaveLength(4);
    expect(plannedChunks![3]!.chunk.flows.map((f) => f._id)).toContain(id('f', X));

    // The changes of the cycle to come: a failed sync and new errors in every chunk.
    await admin(sim, '/faults', { path: `^(/api)?/v1/flows/${id('f', X)}/errors$`, method: 'GET', hang: true });
    const failed0 = await admin(sim, `/syncs/${id('b', 0)}/fail`);
    const failed1 = await admin(sim, `/syncs/${id('b', 1)}/fail`);
    for (const n of [5, X, 180, 250, 310]) await admin(sim, `/flows/${id('f', n)}/steps/${id('e', n)}/errors`, { count: 2 });
    const fromOtherChunks = [`${flowKey(5)} firing`, `${flowKey(180)} firing`];
    const fromChunkX = [
      `${syncKey(0)} firing run=${failed0._id}`,
      `${syncKey(1)} firing run=${failed1._id}`,
      `${flowKey(250)} firing`,
      `${flowKey(X)} firing`,
      `${flowKey(310)} firing`,
    ];

    const [next] = (await dep.poll.getDelayed()).filter((j) => j.name === 'plan');
    expect(next, 'the scheduler has a next plan job').toBeDefined();
    const cycle = Number(cycleOf(next!.id, 0));
    await next!.promote();

    // A works through the cycle and hangs in chunk 3; the other chunks are notified.
    for (const key of fromOtherChunks) await notified([a], key);
    await eventually(
      'A to hang on flow X in chunk 3',
      async () => {
        const faults = (await fetch(`${sim.url}/__sim/faults`).then((r) => r.json())) as Array<{ hits: number }>;
        return faults[0]!.hits >= 1;
      },
      { context },
    );
    await eventually(
      "the cycle's job (hanging in chunk 3) to be the only active poll job",
      async () => {
        const active = await dep.poll.getActive();
        return active.length === 1 && active[0]!.id === xChunkJobId(cycle);
      },
      { context },
    );
    await eventually('the notify queue to be idle', dep.notifyIdle, { context });

    const b = await Daemon.start('B', dep.file);
    const both = [a, b];
    expect(await (await dep.poll.getJob(xChunkJobId(cycle)))!.getState()).toBe('active');
    const killedAt = Date.now();
    expect(await a.kill()).toMatchObject({ signal: 'SIGKILL' });
    await admin(sim, '/faults', undefined, 'DELETE');

    // B takes the stalled chunk over, finishes the cycle and notifies what only that chunk saw.
    for (const key of fromChunkX) await notified(both, key);
    await eventually(`cycle ${cycle} to complete`, async () => (await dep.completedCycles()).includes(cycle), { context: tails(both) });
    await eventually(
      `/status to show the cycle's poll after the kill`,
      async () => {
        const t = (await b.status()).targets[0]!;
        return t.lastPollAt !== null && Date.parse(t.lastPollAt) > killedAt && t.lastOutcome === 'success';
      },
      { context: tails(both) },
    );
    const recovered = await dep.poll.getJob(xChunkJobId(cycle));
    expect(recovered?.stalledCounter, "the cycle's job was recovered as a stalled job").toBeGreaterThanOrEqual(1);
    expect(await recovered!.getState()).toBe('completed');

    // One more whole cycle against the same world: nothing new, nothing again.
    const [again] = (await dep.poll.getDelayed()).filter((j) => j.name === 'plan');
    const lastCycle = Number(cycleOf(again!.id, 0));
    await again!.promote();
    await eventually(`cycle ${lastCycle} to complete`, async () => (await dep.completedCycles()).includes(lastCycle), {
      context: tails(both),
    });
    await eventually('the notify queue to be idle', dep.notifyIdle, { context: tails(both) });

    expect(tally(allTransitions(both)), tails(both)()).toEqual(once([...fromOtherChunks, ...fromChunkX]));
    expect(a.alerts().map(transitionKey).sort()).toEqual([...fromOtherChunks].sort());
    expect(b.alerts().map(transitionKey).sort()).toEqual([...fromChunkX].sort());
    await stopGracefully(b);
  });

  it('a restart between cycles re-notifies nothing (alert state is in Redis)', async () => {
    const sim = await startSimulator({ port: 0, scenario: smallWorld });
    closers.push(() => sim.close());
    const name = 'restart';
    const dep = await deployment(name, sim, { interval: '1s' });
    const syncFp = `SyncFailed:celigo/${name}/sync/${SYNC}`;
    const stepFp = `FlowErrors:celigo/${name}/step/${FLOW}/${STEP}`;

    const first = await Daemon.start('first', dep.file);
    await dep.cyclesAfter([first], 0, 1, tails([first]));
    const failed = await admin(sim, `/syncs/${SYNC}/fail`);
    await admin(sim, `/flows/${FLOW}/steps/${STEP}/errors`, { count: 4 });
    const before = [`${syncFp} firing run=${failed._id}`, `${stepFp} firing`];
    for (const key of before) await notified([first], key);
    await stopGracefully(first);

    const second = await Daemon.start('second', dep.file);
    const both = [first, second];
    const startedAt = Date.now();
    await dep.cyclesAfter([second], startedAt, 2, tails(both));
    expect(second.alerts(), tails(both)()).toEqual([]);
    const firing = (await second.status()).alerts.map((x) => x.fingerprint).sort();
    expect(firing).toEqual([stepFp, syncFp].sort());

    // The new daemon carries on from the stored state: the next change is notified once.
    const succeeded = await admin(sim, `/syncs/${SYNC}/succeed`);
    await notified([second], `${syncFp} resolved run=${succeeded._id}`);
    await dep.cyclesAfter([second], Date.now(), 1, tails(both));
    expect(tally(allTransitions(both))).toEqual(once([...before, `${syncFp} resolved run=${succeeded._id}`]));
    await stopGracefully(second);
  });

  it('SIGTERM while a chunk is in flight: the job finishes, the process exits 0', async () => {
    // Slow answers (250 ms each, 16 at a time) make a chunk of 100 flows take seconds; the daemon
    // must finish it, then exit.
    const integrations = [
      {
        id: id('a', 9),
        name: 'Big',
        flows: Array.from({ length: 150 }, (_, n) => ({
          id: id('f', n),
          name: `Flow ${n}`,
          exports: [id('e', n)],
          imports: 0,
          openErrors: 0,
        })),
      },
    ];
    const sim = await startSimulator({ port: 0, latencyMs: 250, scenario: { seed: 23, entities: { integrations } } });
    closers.push(() => sim.close());
    const name = 'term';
    const dep = await deployment(name, sim, { interval: '1h' });
    const daemon = await Daemon.start('term', dep.file);
    const active = await eventually('a chunk job in flight', async () => (await dep.poll.getActive()).find((j) => j.name === 'chunks'), {
      everyMs: 20,
      context: tails([daemon]),
    });
    await stopGracefully(daemon);
    expect(await (await dep.poll.getJob(active.id!))!.getState()).toBe('completed');
  });
});
