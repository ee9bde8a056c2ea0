// A clock jump: the host clock set a year ahead, then corrected (and the other way round), under
// the alerting pipeline (real Redis, BullMQ worker, fake Slack). What must hold: no storm, no
// duplicate, and no notification held back until the wrong clock "catches up".
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAlerting } from '../../src/alerting/index.ts';
import { createLogger } from '../../src/log.ts';
import { keyspace } from '../../src/state/keys.ts';
import { alertOf } from '../alerting/fixtures.ts';
import { route } from '../alerting/harness.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.ts';
import { eventually } from '../harness/daemon.ts';
import { testRedis } from '../harness/redis.ts';

let slack: FakeSlack;
let env: Awaited<ReturnType<typeof testRedis>>;
const closers: Array<() => Promise<void> | void> = [];
beforeAll(async () => {
  slack = await startFakeSlack();
  env = await testRedis('chaos-clock');
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  slack.calls.length = 0;
});
afterAll(async () => {
  await slack.close();
  await env.cleanup();
});

const YEAR = 365 * 24 * 3600_000;

async function pipeline(tag: string, now: () => number) {
  const keys = keyspace(`${env.prefix}-${tag}`);
  const connection = new Redis(env.url, { maxRetriesPerRequest: null });
  const queue = new Queue('notify', { connection, prefix: keys.prefix });
  const outcomes: string[] = [];
  const alerting = createAlerting({
    config: {
      receivers: [{ name: 'oncall', slack: { token: 'xoxb-test', channel: '#alerts', apiUrl: slack.apiUrl } }],
      route: route({ receiver: 'oncall', groupWait: 0, groupInterval: 300, repeatInterval: 4 * 3600_000 }),
      silences: [],
    },
    redis: env.redis,
    keys,
    notifyQueue: queue,
    logger: createLogger({ level: 'silent' }),
    now,
    retry: { initialMs: 100, maxMs: 400, retryForMs: 60_000 },
    onNotification: (_r, o) => outcomes.push(o),
  });
  const worker = new Worker('notify', alerting.processor, { connection, prefix: keys.prefix, concurrency: 2 });
  worker.on('error', () => {});
  closers.push(async () => {
    await worker.close(true);
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    connection.disconnect();
  });
  return { alerting, outcomes };
}

const header = (i: number) => String(slack.delivered()[i]?.body.blocks?.[0]?.text?.text);

describe('clock jumps', () => {
  it('a clock a year ahead, then corrected back: the next alert of the group is sent at once (not in a year), no duplicate, no storm', async () => {
    let skew = YEAR;
    const p = await pipeline('back', () => Date.now() + skew);
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'a' })]);
    await eventually('the first message (clock a year ahead)', () => slack.delivered().length === 1, { timeoutMs: 15_000 });

    skew = 0; // NTP corrects the clock: a year back
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'b' })]);
    await eventually('the second alert delivered after the clock went back a year', () => slack.delivered().length === 2, {
      timeoutMs: 15_000,
    });
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'a', status: 'resolved' })]);
    await eventually('the resolution delivered', () => slack.delivered().length === 3, { timeoutMs: 15_000 });
    await eventually('the pipeline idle', () => p.alerting.dispatcher.idle(), { timeoutMs: 15_000 });
    // Re-ingesting everything (a re-processed chunk) after the jumps sends nothing again.
    await p.alerting.ingest([
      alertOf('SyncFailed', { id: 'a' }),
      alertOf('SyncFailed', { id: 'b' }),
      alertOf('SyncFailed', { id: 'a', status: 'resolved' }),
    ]);
    await eventually('the pipeline idle again', () => p.alerting.dispatcher.idle(), { timeoutMs: 15_000 });
    expect(slack.delivered()).toHaveLength(3);
    expect(JSON.stringify(slack.delivered()[1]!.body.blocks)).toContain('Orders b');
    expect(JSON.stringify(slack.delivered()[2]!.body.blocks)).toContain('RESOLVED');
    expect(p.outcomes.filter((o) => o !== 'success')).toEqual([]);
  });

  it('a clock jumping a day ahead: at most one reminder per group for the whole jump, not one per missed interval', async () => {
    let skew = 0;
    const p = await pipeline('ahead', () => Date.now() + skew);
    await p.alerting.ingest([alertOf('SyncStuck', { id: 's' })]);
    await eventually('the first message', () => slack.delivered().length === 1, { timeoutMs: 15_000 });
    await eventually('the pipeline idle', () => p.alerting.dispatcher.idle(), { timeoutMs: 15_000 });
    skew = 24 * 3600_000; // six repeatIntervals pass at once
    await p.alerting.ingest([alertOf('SyncStuck', { id: 't' })]); // something to wake the group
    await eventually('a message after the jump', () => slack.delivered().length >= 2, { timeoutMs: 15_000 });
    await eventually('the pipeline idle after the jump', () => p.alerting.dispatcher.idle(), { timeoutMs: 15_000 });
    await p.alerting.ingest([alertOf('SyncStuck', { id: 't' })]);
    await eventually('the pipeline idle once more', () => p.alerting.dispatcher.idle(), { timeoutMs: 15_000 });
    expect(
      slack.delivered().length,
      slack
        .delivered()
        .map((_, i) => header(i))
        .join('\n'),
    ).toBe(2);
    expect(p.outcomes.filter((o) => o !== 'success')).toEqual([]);
  });
});
