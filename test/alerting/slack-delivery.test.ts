// Grouping, threads, updates, reminders and delivery that loses nothing, against a fake Slack.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendTestAlert } from '../../src/alerting/index.ts';
import { createLogger } from '../../src/log.ts';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../fakes/slack.ts';
import { waitFor } from '../fakes/wait.ts';
import { alertOf } from './fixtures.ts';
import { route, startPipeline, type Pipeline } from './harness.ts';

let slack: FakeSlack;
let p: Pipeline | undefined;
beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => slack.close());
afterEach(async () => {
  await p?.close();
  p = undefined;
  slack.calls.length = 0;
  slack.recover();
});

const receivers = () => [{ name: 'oncall', slack: { token: 'xoxb-test', channel: '#alerts', apiUrl: slack.apiUrl } }];
const header = (c: SlackCall) => String(c.body.blocks?.[0]?.text?.text);
const fiveAlerts = () => Array.from({ length: 5 }, (_, i) => alertOf('SyncFailed', { id: `f${i}` }));

/** Every notification the pipeline made is logged as delivered or dropped, and nothing waits. */
async function settled(pipe: Pipeline, count: number) {
  return waitFor(
    `${count} notification(s) done and the pipeline idle`,
    async () => (await pipe.alerting.dispatcher.idle()) && pipe.outcomes.filter(([, o]) => o !== 'failure').length >= count && true,
  );
}

describe('grouping with Slack', () => {
  it('five alerts in groupWait → one message; a sixth → a thread reply; all resolved → chat.update', async () => {
    p = await startPipeline('slack-group', {
      receivers: receivers(),
      route: route({ receiver: 'oncall', groupWait: 300, groupInterval: 500 }),
    });
    await p.alerting.ingest(fiveAlerts());
    const [first] = await waitFor(
      'the first message',
      () => slack.delivered('chat.postMessage').length === 1 && slack.delivered('chat.postMessage'),
    );
    expect(header(first!)).toBe(':red_circle: [FIRING:5] SyncFailed');
    expect(first!.body.channel).toBe('#alerts');
    expect(first!.body.thread_ts).toBeUndefined();
    expect(first!.headers.authorization).toBe('Bearer xoxb-test');
    expect(JSON.stringify(first!.body.blocks)).toContain('Orders f4');

    await p.alerting.ingest([alertOf('SyncFailed', { id: 'f5' })]);
    const reply = await waitFor('a thread reply', () => slack.delivered('chat.postMessage')[1]);
    expect(reply.body.thread_ts).toBe(first!.answer.ts);
    expect(header(reply)).toBe(':red_circle: [FIRING] SyncFailed');
    expect(JSON.stringify(reply.body.blocks)).toContain('Orders f5');
    expect(JSON.stringify(reply.body.blocks)).not.toContain('Orders f4');

    await p.alerting.ingest(
      [...fiveAlerts(), alertOf('SyncFailed', { id: 'f5' })].map((a) => alertOf('SyncFailed', { id: a.labels.flow!, status: 'resolved' })),
    );
    const update = await waitFor('chat.update of the first message', () => slack.delivered('chat.update')[0]);
    expect(update.body.ts).toBe(first!.answer.ts);
    expect(update.body.channel).toBe(first!.answer.channel);
    expect(header(update)).toBe(':large_green_circle: [RESOLVED] SyncFailed');
    await settled(p, 3);
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.update']);
  });

  it('the transitions of one ingest call share one message, even with groupWait 0 and a slow ingest', async () => {
    p = await startPipeline('slack-batch', { receivers: receivers(), route: route({ receiver: 'oncall', groupWait: 0 }) });
    await p.alerting.ingest(fiveAlerts());
    const [first] = await waitFor(
      'the message',
      () => slack.delivered('chat.postMessage').length === 1 && slack.delivered('chat.postMessage'),
    );
    await settled(p, 1);
    expect(header(first!)).toBe(':red_circle: [FIRING:5] SyncFailed');
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
  });

  it('repeatInterval → a reminder in the thread', async () => {
    p = await startPipeline('slack-repeat', {
      receivers: receivers(),
      route: route({ receiver: 'oncall', groupWait: 0, repeatInterval: 800 }),
    });
    await p.alerting.ingest([alertOf('SyncStuck')]);
    const first = await waitFor('the first message', () => slack.delivered('chat.postMessage')[0]);
    const reminder = await waitFor('a reminder', () => slack.delivered('chat.postMessage')[1]);
    expect(reminder.body.thread_ts).toBe(first.answer.ts);
    expect(JSON.stringify(reminder.body.blocks)).toContain('Reminder: these alerts are still firing.');
  });

  it('ingesting the same events twice, and re-running the flush and delivery jobs, sends one message', async () => {
    p = await startPipeline('slack-idem', { receivers: receivers(), route: route({ receiver: 'oncall' }) });
    const events = fiveAlerts();
    await p.alerting.ingest(events);
    await p.alerting.ingest(events);
    await waitFor('the message', () => slack.delivered('chat.postMessage')[0]);
    await settled(p, 1);
    await p.alerting.ingest(events); // a re-processed poll chunk, later
    const jobs = await p.queue.getJobs(['completed']);
    const flush = jobs.find((j) => j.name === 'flush');
    const deliver = jobs.find((j) => j.name === 'deliver');
    expect(flush && deliver).toBeTruthy();
    expect(await p.alerting.processor(flush!)).toBe('already flushed');
    expect(await p.alerting.processor(deliver!)).toBe('already delivered');
    await settled(p, 1);
    expect(slack.calls).toHaveLength(1);
    expect(header(slack.calls[0]!)).toBe(':red_circle: [FIRING:5] SyncFailed');
  });
});

describe('Slack failures', () => {
  it('503 for a while, then recovery: every notification arrives exactly once, in order', async () => {
    p = await startPipeline('slack-503', {
      receivers: receivers(),
      route: route({ receiver: 'oncall', groupWait: 100, groupInterval: 300 }),
    });
    slack.down();
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'a' }), alertOf('SyncFailed', { id: 'b' })]);
    await waitFor('three failed attempts', () => slack.calls.filter((c) => c.status === 503).length >= 3);
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'c' }), alertOf('SyncFailed', { id: 'a', status: 'resolved' })]);
    await waitFor('another failed attempt', () => slack.calls.filter((c) => c.status === 503).length >= 4);
    slack.recover();
    await waitFor('two messages delivered', () => slack.delivered().length === 2);
    await settled(p, 2);
    const [first, second] = slack.delivered();
    expect(header(first!)).toBe(':red_circle: [FIRING:2] SyncFailed');
    expect(second!.body.thread_ts).toBe(first!.answer.ts);
    const text = JSON.stringify(second!.body.blocks);
    expect(text).toContain('Orders c');
    expect(text).toContain('*RESOLVED* · *SyncFailed* · *Orders a*');
    expect(slack.delivered()).toHaveLength(2);
    expect(p.outcomes.filter(([, o]) => o === 'success')).toHaveLength(2);
    expect(p.outcomes.filter(([, o]) => o === 'failure').length).toBeGreaterThanOrEqual(4);
  });

  it('429 with Retry-After is retried after the wait', async () => {
    p = await startPipeline('slack-429', { receivers: receivers(), route: route({ receiver: 'oncall', groupWait: 0 }) });
    slack.failNext(1, { status: 429, retryAfter: 1 });
    await p.alerting.ingest([alertOf('FlowErrors')]);
    await waitFor('the message after the rate limit', () => slack.delivered('chat.postMessage')[0]);
    expect(slack.calls.map((c) => c.status)).toEqual([429, 200]);
    const warn = p.lines.find((l) => l.msg === 'delivery failed; will retry');
    expect(warn?.retryInMs).toBe(1000);
  });

  it('an error that will not heal (channel_not_found) is logged and counted, not retried', async () => {
    p = await startPipeline('slack-nonheal', { receivers: receivers(), route: route({ receiver: 'oncall', groupWait: 0 }) });
    slack.failNext(1, { error: 'channel_not_found' });
    await p.alerting.ingest([alertOf('SyncFailed')]);
    await waitFor('the drop', () => p!.outcomes.some(([, o]) => o === 'dropped'));
    await settled(p, 1);
    expect(p.outcomes).toEqual([['oncall', 'dropped']]);
    expect(slack.calls).toHaveLength(1);
    expect(p.lines.find((l) => l.level === 50)?.err).toMatchObject({
      message: 'slack answered ok:false (channel_not_found)',
      code: 'channel_not_found',
    });
  });
});

describe('Slack modes and the test alert', () => {
  it('webhookUrl mode posts the same blocks, no threads or updates', async () => {
    p = await startPipeline('slack-hook', {
      receivers: [{ name: 'hook', slack: { webhookUrl: slack.webhookUrl } }],
      route: route({ receiver: 'hook', groupWait: 0, groupInterval: 200 }),
    });
    await p.alerting.ingest([alertOf('SyncFailed')]);
    await waitFor('the first post', () => slack.delivered('webhook')[0]);
    await settled(p, 1);
    await p.alerting.ingest([alertOf('SyncFailed', { status: 'resolved' })]);
    await waitFor('the second post', () => slack.delivered('webhook')[1]);
    const [a, b] = slack.delivered('webhook');
    expect(header(a!)).toBe(':red_circle: [FIRING] SyncFailed');
    expect(header(b!)).toBe(':large_green_circle: [RESOLVED] SyncFailed');
    expect(b!.body.thread_ts).toBeUndefined();
  });

  it('syncwatch test-alert sends a clearly marked message', async () => {
    const { notification: n, guarantee } = await sendTestAlert({ receivers: receivers() }, 'oncall', {
      logger: createLogger({ level: 'silent' }),
    });
    expect(n.reason).toBe('test');
    expect(guarantee).toEqual({ guarantee: 'at-least-once', why: expect.stringContaining('channel "#alerts" is a name') });
    const call = await waitFor('the test message', () => slack.delivered('chat.postMessage')[0]);
    expect(header(call)).toBe(':test_tube: [TEST] SyncFailed');
    expect(JSON.stringify(call.body.blocks)).toContain('This is a test message from syncwatch');
    await expect(sendTestAlert({ receivers: receivers() }, 'nope', { logger: createLogger({ level: 'silent' }) })).rejects.toThrow(
      'receiver "nope" is not defined in receivers (defined: oncall)',
    );
  });

  it('test-alert says what delivery guarantee the receiver gives: exactly-once with a channel ID and the history scope, at-least-once (and why) without the scope', async () => {
    const own = await startFakeSlack();
    try {
      const byId = [{ name: 'oncall', slack: { token: 'xoxb-test', channel: 'C0ALERTS', apiUrl: own.apiUrl } }];
      const logger = createLogger({ level: 'silent' });
      expect((await sendTestAlert({ receivers: byId }, 'oncall', { logger })).guarantee).toMatchObject({ guarantee: 'exactly-once' });
      own.withoutHistoryScope();
      expect((await sendTestAlert({ receivers: byId }, 'oncall', { logger })).guarantee).toEqual({
        guarantee: 'at-least-once',
        why: expect.stringContaining('lacks the history scope (channels:history'),
      });
      expect(
        own.calls.filter((c) => c.method === 'conversations.history').every((c) => String(c.body.include_all_metadata) === 'true'),
      ).toBe(true);
    } finally {
      await own.close();
    }
  });
});
