// A single daemon SIGKILLed in the middle of a poll cycle and started again, with the default
// lock settings: the dead cycle's claim names a process whose heartbeat is gone, so the new process
// takes the target over at its first plan instead of skipping cycles until the claim expires.
// What must hold: a failure injected right after the restart is alerted within interval + 15 s.
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.ts';
import { keyspace } from '../../src/state/keys.ts';
import { Daemon, eventually, useDaemonSuite } from '../harness/daemon.ts';
import { admin, deploymentConfig, polledAfter, smallWorld, SYNC, syncFp, tails } from './helpers.ts';

const suite = useDaemonSuite('chaos-restart');
const { closers } = suite;

const INTERVAL_MS = 5_000;

describe('restart after kill -9', () => {
  it('killed mid-cycle and restarted (default lockDuration/stalledInterval): a failure injected right after is alerted within interval + 15 s', async () => {
    // Every request takes a while, so a cycle is surely in flight when the process is killed.
    const sim = await startSimulator({ port: 0, scenario: smallWorld(81), latencyMs: 1_000 });
    closers.push(() => sim.close());
    const name = 'restart';
    const prefix = `${suite.filePrefix}-${name}`;
    const config = deploymentConfig({
      redisUrl: suite.redisUrl,
      prefix,
      name,
      baseUrl: sim.url,
      interval: `${INTERVAL_MS / 1000}s`,
      workers: { lockDuration: '30s', stalledInterval: '30s' },
    });
    closers.push(config.remove);
    const first = await Daemon.start('first', config.file);
    await polledAfter(first, 0, 'success', tails([first]));
    const claim = keyspace(prefix).inflight(name);
    await eventually('a poll cycle in flight', async () => (await suite.redis.get(claim)) !== null, { context: tails([first]) });
    await first.kill();
    expect(await suite.redis.get(claim), 'the dead cycle still holds the target').not.toBeNull();

    const second = await Daemon.start('second', config.file);
    const context = tails([first, second]);
    const injectedAt = Date.now();
    const failed = await admin(sim, `/syncs/${SYNC}/fail`);
    const line = await second.waitFor(
      'the SyncFailed notification',
      (l) => {
        const a = l.alert as { fingerprint?: string; status?: string; annotations?: { runId?: string } } | undefined;
        return a?.fingerprint === syncFp(name) && a.status === 'firing' && a.annotations?.runId === failed._id;
      },
      90_000,
    );
    const latencyMs = Date.parse(String(line.time)) - injectedAt;
    expect(latencyMs, `alerted ${latencyMs} ms after the injection\n${context()}`).toBeLessThanOrEqual(INTERVAL_MS + 15_000);
    expect(
      second.lines.some(
        (l) => l.msg === 'the process running the previous poll cycle is gone; that cycle is abandoned and this one starts',
      ),
      context(),
    ).toBe(true);
    expect((await second.stop()).code).toBe(0);
  }, 150_000);
});
