// Three replicas on one Redis, one of them SIGKILLed every few seconds (the compressed "every 10 s")
// and replaced, while the world changes under them. What must hold: every alert transition is
// notified exactly once in total across all the processes that ever ran, and nothing is lost.
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.ts';
import { Daemon, eventually, useDaemonSuite } from '../harness/daemon.ts';
import {
  admin,
  allTransitions,
  deploymentConfig,
  FLOW,
  notified,
  notifyIdle,
  notifyQueue,
  smallWorld,
  STEP,
  stepFp,
  SYNC,
  syncFp,
  tails,
  tally,
} from './helpers.ts';

const suite = useDaemonSuite('chaos-replicas');
const { closers } = suite;

const KILL_EVERY_MS = 3000;

describe('replicas under SIGKILL', () => {
  it('three replicas, one SIGKILLed and replaced every few seconds: every transition notified exactly once in total', async () => {
    const sim = await startSimulator({ port: 0, scenario: smallWorld(71), latencyMs: 200 });
    closers.push(() => sim.close());
    const name = 'killer';
    const prefix = `${suite.filePrefix}-${name}`;
    const config = deploymentConfig({ redisUrl: suite.redisUrl, prefix, name, baseUrl: sim.url });
    closers.push(config.remove);
    const notify = notifyQueue(suite.redis, prefix);
    closers.push(() => notify.close());

    const all: Daemon[] = await Promise.all(['r1', 'r2', 'r3'].map((label) => Daemon.start(label, config.file)));
    const live = () => all.filter((d) => !d.exit);
    const context = () => tails(all)();
    let kills = 0;
    let starting: Promise<unknown> = Promise.resolve();
    // The fault schedule: a timer is the chaos itself here, not a synchronisation.
    const killer = setInterval(() => {
      starting = starting.then(async () => {
        const victim = live()[0];
        if (!victim) return;
        await victim.kill();
        kills++;
        all.push(await Daemon.start(`r${all.length + 1}`, config.file));
      });
    }, KILL_EVERY_MS);
    closers.push(() => clearInterval(killer));

    const expected: string[] = [];
    for (let round = 0; round < 3; round++) {
      const failed = await admin(sim, `/syncs/${SYNC}/fail`);
      expected.push(`${syncFp(name)} firing run=${failed._id}`);
      await notified(all, expected.at(-1)!);
      await admin(sim, `/flows/${FLOW}/steps/${STEP}/errors`, { count: 2 + round });
      expected.push(`${stepFp(name)} firing`);
      await eventually(
        `FlowErrors firing notified ${round + 1} time(s)`,
        () => allTransitions(all).filter((k) => k === `${stepFp(name)} firing`).length >= round + 1,
        { context },
      );
      const succeeded = await admin(sim, `/syncs/${SYNC}/succeed`);
      expected.push(`${syncFp(name)} resolved run=${succeeded._id}`);
      await notified(all, expected.at(-1)!);
      await admin(sim, `/flows/${FLOW}/steps/${STEP}/errors`, undefined, 'DELETE');
      expected.push(`${stepFp(name)} resolved`);
      await eventually(
        `FlowErrors resolved notified ${round + 1} time(s)`,
        () => allTransitions(all).filter((k) => k === `${stepFp(name)} resolved`).length >= round + 1,
        { context },
      );
    }
    await eventually('at least three kills', () => kills >= 3, { context });
    clearInterval(killer);
    await starting;
    // Quiet: the survivors poll the final world; nothing more may be notified.
    const quietFrom = Date.now();
    await eventually(
      'a successful poll after the last kill',
      async () => {
        const t = (await live()[0]!.status()).targets[0]!;
        return t.lastPollAt !== null && Date.parse(t.lastPollAt) > quietFrom && t.lastOutcome === 'success';
      },
      { context },
    );
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    expect(tally(allTransitions(all)), context()).toEqual(tally(expected));
    expect(kills).toBeGreaterThanOrEqual(3);
  }, 150_000);
});
