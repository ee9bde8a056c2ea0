// Shared pieces of the chaos suite: simulator admin calls, a daemon deployment (config file under
// the test file's own prefix), metrics read from /metrics, and counting notified transitions.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Simulator } from '../../src/simulator/index.ts';
import { eventually, writeConfig, type AlertLine, type DaemonProcess } from '../harness/daemon.ts';
import { simAdmin } from '../harness/sim-admin.ts';

/** 24-hex ids that say what they are: `id('f', 7)` → f00000000000000000000007. */
export const id = (letter: string, n: number) => `${letter}${String(n).padStart(23, '0')}`;

export const admin = (sim: Simulator | string, path: string, body: unknown = {}, method = 'POST') =>
  simAdmin<Record<string, unknown>>(typeof sim === 'string' ? sim : sim.url, path, body, method);

/** One small world: an integration with one flow (one export step) and one sync. */
export const INTEGRATION = id('a', 1);
export const SYNC = id('b', 1);
export const FLOW = id('f', 1);
export const STEP = id('e', 1);
export function smallWorld(seed: number) {
  return {
    seed,
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
}

export const syncFp = (target: string) => `SyncFailed:celigo/${target}/sync/${SYNC}`;
export const stepFp = (target: string) => `FlowErrors:celigo/${target}/step/${FLOW}/${STEP}`;
export const downFp = (target: string) => `TargetDown:celigo/${target}`;

export interface DeploymentOptions {
  redisUrl: string;
  prefix: string;
  name: string;
  baseUrl: string;
  interval?: string;
  target?: Record<string, unknown>;
  workers?: Record<string, unknown>;
  receivers?: unknown[];
  route?: Record<string, unknown>;
}

/** A config file for one target polled through `baseUrl`, notified to the log receiver unless told otherwise. */
export function deploymentConfig(o: DeploymentOptions) {
  return writeConfig({
    redis: { url: o.redisUrl, prefix: o.prefix },
    server: { listen: '127.0.0.1:0' },
    workers: { lockDuration: '3s', stalledInterval: '1s', ...o.workers },
    targets: [
      {
        name: o.name,
        provider: 'celigo',
        baseUrl: o.baseUrl,
        token: 'sim-token',
        interval: o.interval ?? '1s',
        requestsPerSecond: 1000,
        ...o.target,
      },
    ],
    receivers: o.receivers ?? [{ name: 'log', log: {} }],
    route: {
      receiver: (o.receivers?.[0] as { name?: string } | undefined)?.name ?? 'log',
      groupWait: '0s',
      groupInterval: '1s',
      repeatInterval: '4h',
      ...o.route,
    },
  });
}

/** A transition as counted: fingerprint, status, update, and the run id for run alerts. */
export const transitionKey = (a: Pick<AlertLine, 'fingerprint' | 'status' | 'update'> & { annotations?: { runId?: string } }) =>
  `${a.fingerprint} ${a.status}${a.update ? ' update' : ''}${a.annotations?.runId ? ` run=${a.annotations.runId}` : ''}`;

export const allTransitions = (daemons: DaemonProcess[]) => daemons.flatMap((d) => d.alerts().map(transitionKey));
export const tails = (daemons: DaemonProcess[]) => () => daemons.map((d) => d.tail()).join('\n');

export function tally(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}

export const once = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, 1]));

export const notified = (daemons: DaemonProcess[], key: string, timeoutMs?: number) =>
  eventually(`a notification of "${key}"`, () => allTransitions(daemons).includes(key), {
    context: tails(daemons),
    ...(timeoutMs ? { timeoutMs } : {}),
  });

/** The value of one sample of /metrics (sum over samples whose labels include `labels`). */
export async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (.+)$/.exec(line);
    if (!m) continue;
    const have = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[2]);
  }
  return sum;
}

/** Nothing waiting or running in the notify queue, nothing delayed due within 10 minutes. */
export async function notifyIdle(notify: Queue): Promise<boolean> {
  const counts = await notify.getJobCounts('waiting', 'active', 'prioritized');
  if (!Object.values(counts).every((n) => n === 0)) return false;
  const soon = Date.now() + 10 * 60_000;
  return (await notify.getDelayed()).every((job) => job.timestamp + (job.delay ?? 0) > soon);
}

export function notifyQueue(redis: Redis, prefix: string): Queue {
  return new Queue('notify', { connection: redis, prefix: `{${prefix}}` });
}

/** The daemon's /status shows a poll of its first target after `since` with this outcome. */
export async function polledAfter(
  daemon: { status(): Promise<{ targets: Array<{ lastPollAt: string | null; lastOutcome: string | null }> }> },
  since: number,
  outcome: 'success' | 'failure' = 'success',
  context?: () => string,
) {
  await eventually(
    `a ${outcome} poll after ${new Date(since).toISOString()}`,
    async () => {
      const t = (await daemon.status()).targets[0]!;
      return t.lastPollAt !== null && Date.parse(t.lastPollAt) > since && t.lastOutcome === outcome;
    },
    context ? { context } : {},
  );
}
