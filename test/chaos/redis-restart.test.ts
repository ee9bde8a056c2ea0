// Redis killed (SIGKILL) and restarted mid-cycle, on a redis-server of this file's own (the shared
// one is never touched). It keeps nothing on disk, so after the restart the state is gone: what must
// hold is that the daemon does not crash, /readyz goes 503 then 200, a clear log line says Redis is
// unreachable, polling resumes, and an alert still firing is notified again — once — then resolves once.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.ts';
import { Daemon, eventually, killAll } from '../harness/daemon.ts';
import {
  admin,
  allTransitions,
  deploymentConfig,
  notified,
  notifyIdle,
  notifyQueue,
  polledAfter,
  smallWorld,
  syncFp,
  SYNC,
  tails,
  tally,
} from './helpers.ts';
import { freePort } from '../harness/redis.ts';

const closers: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  await killAll();
  for (const close of closers.splice(0).reverse()) await close();
});

/** A redis-server of our own on `port`, nothing on disk; `kill()` is SIGKILL. */
async function ownRedis(port: number): Promise<{ kill: () => Promise<void> }> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(
    `redis-server on ${port} to answer`,
    async () => {
      const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => {});
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    },
    { timeoutMs: 15_000 },
  );
  return {
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('Redis killed and restarted', () => {
  it('no crash; /readyz 503 then 200; a clear log line; polling resumes; the alert still firing is notified again once, then resolved once', async () => {
    const port = await freePort();
    let server = await ownRedis(port);
    closers.push(() => server.kill());
    const url = `redis://127.0.0.1:${port}`;
    const sim = await startSimulator({ port: 0, scenario: smallWorld(51) });
    closers.push(() => sim.close());
    const name = 'redisdown';
    const prefix = `swtest-chaos-redis-${process.pid}`;
    const config = deploymentConfig({ redisUrl: url, prefix, name, baseUrl: sim.url });
    closers.push(config.remove);
    const daemon = await Daemon.start('redisdown', config.file);
    const context = tails([daemon]);
    await polledAfter(daemon, 0, 'success', context);

    const failed = await admin(sim, `/syncs/${SYNC}/fail`);
    const firing = `${syncFp(name)} firing run=${failed._id}`;
    await notified([daemon], firing);

    // The first delivery's job is finished before Redis dies. (A delivery cut by the wipe is another
    // race: it was sent, and its bookkeeping may land on the empty Redis after the restart, so the
    // same alert is then rightly not sent again — not what this test is about.)
    const before = new Redis(url);
    const notifyBefore = notifyQueue(before, prefix);
    await eventually('the first delivery job to finish', async () => (await notifyBefore.getActiveCount()) === 0, { context });
    await notifyBefore.close();
    before.disconnect();

    // Kill Redis while cycles run (interval 1 s: one is always due or in flight).
    await server.kill();
    await eventually(
      '/readyz to answer 503',
      async () => (await fetch(`${daemon.url}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 503,
      { context },
    );
    await daemon.waitFor('a log line saying Redis is unreachable', (l) => l.msg === 'redis connection lost');
    expect((await fetch(`${daemon.url}/healthz`)).status, 'the process is alive').toBe(200);

    server = await ownRedis(port);
    const restartedAt = Date.now();
    await eventually(
      '/readyz to answer 200 again',
      async () => (await fetch(`${daemon.url}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 200,
      { context },
    );
    await daemon.waitFor('a log line saying Redis is back', (l) => l.msg === 'redis connection back');
    // One line per outage, not one per retry; no raw stacks anywhere.
    expect(
      daemon.lines.filter((l) => l.msg === 'redis connection lost'),
      context(),
    ).toHaveLength(1);
    expect(daemon.lines.filter((l) => /ECONNREFUSED/.test(JSON.stringify(l))).length, context()).toBeLessThanOrEqual(1);
    expect(daemon.stderr.join(''), context()).toBe('');
    // Polling resumes on the empty Redis and finds the sync still failed: notified again.
    await daemon.waitFor(
      'a log line saying the lost poll schedule was re-created',
      (l) => typeof l.msg === 'string' && l.msg.startsWith('the poll schedule was missing from Redis'),
    );
    await polledAfter(daemon, restartedAt, 'success', context);
    await eventually(
      `"${firing}" notified a second time (the state was lost)`,
      () => allTransitions([daemon]).filter((k) => k === firing).length === 2,
      { context },
    );

    const succeeded = await admin(sim, `/syncs/${SYNC}/succeed`);
    const resolved = `${syncFp(name)} resolved run=${succeeded._id}`;
    await notified([daemon], resolved);
    await polledAfter(daemon, Date.now(), 'success', context);
    const check = new Redis(url);
    const notify = notifyQueue(check, prefix);
    closers.push(
      () => void check.disconnect(),
      () => notify.close(),
    );
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    expect(tally(allTransitions([daemon])), context()).toEqual({ [firing]: 2, [resolved]: 1 });
    expect(daemon.exit, 'the daemon is still running').toBeUndefined();
    expect((await daemon.stop()).code, context()).toBe(0);
  }, 150_000);
});
