// Chaos from the upstream: bodies that are malformed, cut short, 50 MB or never end, and an API
// answering 429 to everything. What must hold: a clear error kind and log line, bounded memory,
// time and request counts (no retry storm), no crash, TargetDown only after failuresBeforeAlert
// failed polls — once — and recovery (resolved once) when the upstream heals.
import { describe, expect, it } from 'vitest';
import { isSyncwatchError } from '../../src/errors.ts';
import { HttpClient } from '../../src/http/client.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { Daemon, eventually, type LogLine, useDaemonSuite } from '../harness/daemon.ts';
import { startChaosUpstream, type ChaosMode } from './chaos-upstream.ts';
import {
  admin,
  allTransitions,
  deploymentConfig,
  downFp,
  id,
  metric,
  notified,
  notifyIdle,
  notifyQueue,
  once,
  polledAfter,
  smallWorld,
  tails,
  tally,
} from './helpers.ts';

const suite = useDaemonSuite('chaos-upstream');
const { closers } = suite;

const MB = 1024 * 1024;

describe('hostile response bodies', () => {
  it('malformed JSON, a truncated body, a 50 MB body, a body that never ends: each a clear "upstream" error, bounded in bytes and time, nothing thrown past the client', async () => {
    const up = await startChaosUpstream();
    closers.push(() => up.close());
    const client = new HttpClient({
      target: 'chaos',
      baseUrl: up.url,
      auth: { type: 'none' },
      maxRetries: 1,
      backoffBaseMs: 10,
      backoffMaxMs: 20,
      headersTimeoutMs: 2000,
      bodyTimeoutMs: 2000,
      responseTimeoutMs: 1500,
    });
    closers.push(() => void client.close().catch(() => {}));
    const expected: Record<ChaosMode, RegExp> = {
      malformed: /^GET \/v1\/flows → 200: response is not valid JSON$/,
      truncated: /^GET \/v1\/flows failed: socket closed \(after 2 attempts\)$/,
      huge: /^GET \/v1\/flows → 200: response larger than 10485760 bytes$/,
      endless: /^GET \/v1\/flows: response not complete within 1500 ms$/,
    };
    for (const mode of Object.keys(expected) as ChaosMode[]) {
      up.set(/^\/v1\/flows$/, mode);
      const before = up.bytesSent;
      const error = await client.request({ path: '/v1/flows' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSyncwatchError(error, 'upstream'), `${mode}: ${String(error)}`).toBe(true);
      expect((error as Error).message, mode).toMatch(expected[mode]);
      if (mode === 'huge') {
        // Stopped at the cap, not after reading 50 MB (allow for socket buffers in flight).
        expect(up.bytesSent - before, 'bytes the server managed to send').toBeLessThan(40 * MB);
      }
    }
    // An oversized or endless answer is not retried (it would be the same again); malformed neither; truncated once.
    expect(up.counts).toMatchObject({ malformed: 1, truncated: 2, huge: 1, endless: 1 });
  });

  it('a daemon whose upstream answers malformed, truncated and 50 MB bodies: clear "poll failed" lines (kind upstream), polls_total{outcome=failure}, TargetDown once after failuresBeforeAlert, no crash, resolved once when it heals', async () => {
    const sim = await startSimulator({ port: 0, scenario: smallWorld(41) });
    closers.push(() => sim.close());
    const up = await startChaosUpstream(sim.url);
    closers.push(() => up.close());
    const name = 'bodies';
    const prefix = `${suite.filePrefix}-${name}`;
    const config = deploymentConfig({ redisUrl: suite.redisUrl, prefix, name, baseUrl: up.url, target: { failuresBeforeAlert: 3 } });
    closers.push(config.remove);
    const notify = notifyQueue(suite.redis, prefix);
    closers.push(() => notify.close());
    const daemon = await Daemon.start('bodies', config.file);
    const context = tails([daemon]);
    await polledAfter(daemon, 0, 'success', context);

    const failedPolls = (mode?: RegExp) =>
      daemon.lines.filter(
        (l) =>
          (l.msg === 'poll failed' || l.msg === 'poll chunk failed') &&
          (l.err as { kind?: string; message?: string } | undefined)?.kind === 'upstream' &&
          (!mode || mode.test(String((l.err as { message?: string }).message))),
      );
    const modes: Array<[ChaosMode, RegExp]> = [
      ['malformed', /not valid JSON/],
      ['truncated', /socket closed/],
      ['huge', /response larger than/],
    ];
    for (const [mode, message] of modes) {
      up.set(/^(\/api)?\/v1\/flows$/, mode);
      await eventually(`a failed poll logged for the ${mode} body`, () => failedPolls(message).length > 0, { context });
    }
    await notified([daemon], `${downFp(name)} firing`);
    const down = daemon.alerts().find((a) => a.fingerprint === downFp(name))!;
    expect(Number(down.annotations.failures), 'TargetDown waits for failuresBeforeAlert failed polls').toBe(3);
    expect(failedPolls().length).toBeGreaterThanOrEqual(3);
    expect(await metric(daemon.url, 'syncwatch_polls_total', { target: name, outcome: 'failure' })).toBeGreaterThanOrEqual(3);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);

    up.clear();
    await notified([daemon], `${downFp(name)} resolved`);
    await polledAfter(daemon, Date.now(), 'success', context);
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    expect(tally(allTransitions([daemon])), context()).toEqual(once([`${downFp(name)} firing`, `${downFp(name)} resolved`]));
    expect(daemon.exit, 'the daemon is still running').toBeUndefined();
    expect((await daemon.stop()).code).toBe(0);
  }, 120_000);
});

describe('rate limited', () => {
  it('429 with Retry-After to everything: retries wait as told, every request is accounted for by a poll (no storm), no TargetDown before failuresBeforeAlert, TargetDown once, resolved once after, no crash', async () => {
    const sim = await startSimulator({ port: 0, scenario: smallWorld(42) });
    closers.push(() => sim.close());
    const name = 'ratelimited';
    const prefix = `${suite.filePrefix}-${name}`;
    const config = deploymentConfig({ redisUrl: suite.redisUrl, prefix, name, baseUrl: sim.url, target: { failuresBeforeAlert: 3 } });
    closers.push(config.remove);
    const notify = notifyQueue(suite.redis, prefix);
    closers.push(() => notify.close());
    const daemon = await Daemon.start('ratelimited', config.file, { LOG_LEVEL: 'debug' });
    const context = tails([daemon]);
    await polledAfter(daemon, 0, 'success', context);
    const fault = {
      path: '^(/api)?/v1/',
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"errors":[{"code":"rate_limited","message":"Too many requests"}]}',
    };

    // A short burst (fewer 429s than one request's retries): absorbed by the client, no failed poll.
    await admin(sim, '/faults', { ...fault, times: 3 });
    await eventually(
      'the burst of 429s to be used up',
      async () => ((await (await fetch(`${sim.url}/__sim/faults`)).json()) as unknown[]).length === 0,
      { context },
    );
    await polledAfter(daemon, Date.now(), 'success', context);
    expect(daemon.alerts(), 'a short burst raises nothing').toEqual([]);

    // Then 429 to everything (the compressed "30 s"): until TargetDown fires.
    await admin(sim, '/stats/reset');
    const failedBefore = daemon.lines.length;
    await admin(sim, '/faults', fault);
    await notified([daemon], `${downFp(name)} firing`);
    await admin(sim, '/faults', undefined, 'DELETE');
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as {
      total: number;
      byEndpoint: Record<string, Record<string, number>>;
    };
    const during = daemon.lines.slice(failedBefore);
    const failedPolls = during.filter((l: LogLine) => l.msg === 'poll failed' || l.msg === 'poll chunk failed');
    const down = daemon.alerts().find((a) => a.fingerprint === downFp(name))!;
    expect(Number(down.annotations.failures)).toBe(3);
    expect(down.annotations.errorKind).toBe('rate-limited');
    expect(
      failedPolls.every((l) => (l.err as { kind?: string }).kind === 'rate-limited'),
      context(),
    ).toBe(true);
    // No storm: each failed poll made at most 1 + maxRetries (4) requests; each retry waited Retry-After.
    const requests429 = Object.values(stats.byEndpoint).reduce((n, codes) => n + (codes['429'] ?? 0), 0);
    const finishedPolls = failedPolls.length;
    const inFlight = 4 * 5; // polls still retrying when TargetDown fired (pollConcurrency × attempts)
    expect(requests429, `${requests429} 429s for ${finishedPolls} failed polls`).toBeLessThanOrEqual(finishedPolls * 5 + inFlight);
    const retries = during.filter((l) => l.msg === 'retrying request' && l.status === 429);
    expect(retries.length).toBeGreaterThan(0);
    expect(
      retries.every((l) => Number(l.delayMs) >= 1000),
      'every retry after a 429 waited Retry-After',
    ).toBe(true);
    expect(await metric(daemon.url, 'syncwatch_api_requests_total', { target: name, code: '429' })).toBeGreaterThan(0);

    await notified([daemon], `${downFp(name)} resolved`);
    await polledAfter(daemon, Date.now(), 'success', context);
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    expect(tally(allTransitions([daemon])), context()).toEqual(once([`${downFp(name)} firing`, `${downFp(name)} resolved`]));
    expect((await daemon.stop()).code).toBe(0);
  }, 120_000);
});

describe('one bad resource', () => {
  it('one flow whose error summary is cut short (chaos upstream): its neighbour in the same chunk still alerts, no TargetDown; /status lists it, resource_errors_total counts it, ResourceUnreadable after failuresBeforeAlert', async () => {
    const flows = [1, 2].map((i) => ({ id: id('f', i), name: `Flow ${i}`, exports: [id('e', i)], imports: 0, openErrors: 0 }));
    const sim = await startSimulator({
      port: 0,
      scenario: { seed: 43, entities: { integrations: [{ id: id('a', 1), name: 'Shop', flows, syncs: [] }] } },
    });
    closers.push(() => sim.close());
    const up = await startChaosUpstream(sim.url);
    closers.push(() => up.close());
    const name = 'onebad';
    const prefix = `${suite.filePrefix}-${name}`;
    const config = deploymentConfig({ redisUrl: suite.redisUrl, prefix, name, baseUrl: up.url, target: { failuresBeforeAlert: 2 } });
    closers.push(config.remove);
    const daemon = await Daemon.start(name, config.file);
    const context = tails([daemon]);
    await polledAfter(daemon, 0, 'success', context);

    up.set(new RegExp(`^(/api)?/v1/flows/${id('f', 1)}/errors$`), 'truncated');
    // Flow 1 runs (cleanly), so change-driven polling asks for its summary — and finds it cut short;
    // asked for again every cycle until it reads, its streak builds up.
    expect(
      (await fetch(`${sim.url}/v1/flows/${id('f', 1)}/run`, { method: 'POST', headers: { authorization: 'Bearer sim-token' } })).status,
    ).toBe(200);
    await admin(sim, `/flows/${id('f', 2)}/steps/${id('e', 2)}/errors`, { count: 3 });
    await notified([daemon], `FlowErrors:celigo/${name}/step/${id('f', 2)}/${id('e', 2)} firing`);
    await notified([daemon], `ResourceUnreadable:celigo/${name}/step/${id('f', 1)} firing`);
    const status = (await daemon.status()) as unknown as {
      targets: Array<{ lastOutcome: string; unreadable: { count: number; resources: Array<{ resource: string; kind: string }> } }>;
    };
    expect(status.targets[0]).toMatchObject({
      lastOutcome: 'success',
      unreadable: { count: 1, resources: [{ resource: `celigo/${name}/step/${id('f', 1)}`, kind: 'truncated' }] },
    });
    expect(await metric(daemon.url, 'syncwatch_resource_errors_total', { target: name, kind: 'truncated' })).toBeGreaterThanOrEqual(2);
    expect(
      allTransitions([daemon]).filter((k) => k.startsWith('TargetDown')),
      context(),
    ).toEqual([]);

    up.clear();
    await notified([daemon], `ResourceUnreadable:celigo/${name}/step/${id('f', 1)} resolved`);
    expect((await daemon.stop()).code).toBe(0);
  }, 120_000);
});
