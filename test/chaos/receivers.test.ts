// Chaos at the receivers: Slack answering 503 for a while, the SMTP server refusing connections then
// coming back, and alert text that is hostile (1 MB, full of Slack mrkdwn and mentions). What must
// hold: no notification lost, none sent twice, a clear log line and the failure metric while the
// receiver is down; hostile text arrives escaped and cut, within Slack's limits.
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.ts';
import { alertOf } from '../alerting/fixtures.ts';
import { route, startPipeline, type Pipeline } from '../alerting/harness.ts';
import { startFakePagerDuty } from '../fakes/pagerduty.ts';
import { startFakeSlack } from '../fakes/slack.ts';
import { startFakeSmtp } from '../fakes/smtp.ts';
import { Daemon, eventually, useDaemonSuite } from '../harness/daemon.ts';
import { admin, deploymentConfig, metric, notifyIdle, notifyQueue, polledAfter, smallWorld, SYNC, tails } from './helpers.ts';

const suite = useDaemonSuite('chaos-receivers');
const { closers } = suite;

const retryLines = (d: Daemon) => d.lines.filter((l) => l.msg === 'delivery failed; will retry');

describe('receivers down', () => {
  it('Slack answers 503 while a sync fails and recovers: after recovery the alert and its resolution arrive exactly once each; "delivery failed; will retry" logged; notifications_total{outcome=failure} counted', async () => {
    const slack = await startFakeSlack();
    closers.push(() => slack.close());
    const sim = await startSimulator({ port: 0, scenario: smallWorld(61) });
    closers.push(() => sim.close());
    const name = 'slack503';
    const prefix = `${suite.filePrefix}-${name}`;
    const config = deploymentConfig({
      redisUrl: suite.redisUrl,
      prefix,
      name,
      baseUrl: sim.url,
      receivers: [{ name: 'oncall', slack: { token: 'xoxb-test', channel: '#alerts', apiUrl: slack.apiUrl } }],
    });
    closers.push(config.remove);
    const notify = notifyQueue(suite.redis, prefix);
    closers.push(() => notify.close());
    const daemon = await Daemon.start(name, config.file);
    const context = tails([daemon]);
    await polledAfter(daemon, 0, 'success', context);

    slack.down();
    await admin(sim, `/syncs/${SYNC}/fail`);
    // Down for a while: three attempts refused (backoff 1 s, 2 s, …), the sync recovers meanwhile.
    await eventually('three refused delivery attempts', () => slack.calls.filter((c) => c.status === 503).length >= 3, { context });
    await admin(sim, `/syncs/${SYNC}/succeed`);
    await polledAfter(daemon, Date.now(), 'success', context);
    expect(retryLines(daemon).length).toBeGreaterThanOrEqual(3);
    expect(retryLines(daemon)[0]!.err).toMatchObject({ message: expect.stringMatching(/503|service_unavailable/) });
    expect(await metric(daemon.url, 'syncwatch_notifications_total', { receiver: 'oncall', outcome: 'failure' })).toBeGreaterThanOrEqual(3);

    slack.recover();
    await eventually(
      'the firing message and its resolution delivered',
      () => slack.delivered('chat.postMessage').length >= 1 && slack.delivered('chat.update').length >= 1,
      { context },
    );
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    await polledAfter(daemon, Date.now(), 'success', context);
    const posts = slack.delivered('chat.postMessage');
    expect(posts, 'one message for the failure').toHaveLength(1);
    expect(String(posts[0]!.body.blocks?.[0]?.text?.text)).toContain('FIRING');
    const updates = slack.delivered('chat.update');
    expect(updates, 'one update for the resolution').toHaveLength(1);
    expect(updates[0]!.body.ts).toBe(posts[0]!.answer.ts);
    expect(String(updates[0]!.body.blocks?.[0]?.text?.text)).toContain('RESOLVED');
    expect(await metric(daemon.url, 'syncwatch_notifications_total', { receiver: 'oncall', outcome: 'success' })).toBe(2);
    expect(await metric(daemon.url, 'syncwatch_notifications_total', { receiver: 'oncall', outcome: 'dropped' })).toBe(0);
    expect((await daemon.stop()).code).toBe(0);
  }, 120_000);

  it('the SMTP server refuses connections, then comes back: the failure mail and the resolution mail each arrive exactly once; failures logged and counted', async () => {
    const smtp = await startFakeSmtp();
    closers.push(() => smtp.close());
    const sim = await startSimulator({ port: 0, scenario: smallWorld(62) });
    closers.push(() => sim.close());
    const name = 'smtpdown';
    const prefix = `${suite.filePrefix}-${name}`;
    const config = deploymentConfig({
      redisUrl: suite.redisUrl,
      prefix,
      name,
      baseUrl: sim.url,
      receivers: [
        {
          name: 'mail',
          email: { from: 'syncwatch@example.com', to: ['ops@example.com'], smtp: { host: smtp.host, port: smtp.port, secure: false } },
        },
      ],
    });
    closers.push(config.remove);
    const notify = notifyQueue(suite.redis, prefix);
    closers.push(() => notify.close());
    const daemon = await Daemon.start(name, config.file);
    const context = tails([daemon]);
    await polledAfter(daemon, 0, 'success', context);

    await smtp.stop();
    await admin(sim, `/syncs/${SYNC}/fail`);
    await eventually('two refused delivery attempts logged', () => retryLines(daemon).length >= 2, { context });
    await admin(sim, `/syncs/${SYNC}/succeed`);
    await polledAfter(daemon, Date.now(), 'success', context);
    expect(smtp.mails).toHaveLength(0);
    expect(await metric(daemon.url, 'syncwatch_notifications_total', { receiver: 'mail', outcome: 'failure' })).toBeGreaterThanOrEqual(2);

    await smtp.start();
    await eventually('two mails (failure, resolution)', () => smtp.mails.length >= 2, { context });
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    await polledAfter(daemon, Date.now(), 'success', context);
    expect(
      smtp.mails.map((m) => m.subject.match(/FIRING|RESOLVED/)?.[0]),
      context(),
    ).toEqual(['FIRING', 'RESOLVED']);
    expect(await metric(daemon.url, 'syncwatch_notifications_total', { receiver: 'mail', outcome: 'success' })).toBe(2);
    expect((await daemon.stop()).code).toBe(0);
  }, 120_000);
});

describe('PagerDuty across replicas', () => {
  it('three replicas share the work: a failing sync pages once (one trigger), its recovery resolves once', async () => {
    const pd = await startFakePagerDuty();
    closers.push(() => pd.close());
    const sim = await startSimulator({ port: 0, scenario: smallWorld(63) });
    closers.push(() => sim.close());
    const name = 'pdreplicas';
    const prefix = `${suite.filePrefix}-${name}`;
    const config = deploymentConfig({
      redisUrl: suite.redisUrl,
      prefix,
      name,
      baseUrl: sim.url,
      receivers: [{ name: 'pager', pagerduty: { routingKey: 'R0123456789abcdef0123456789abcde', url: pd.url } }],
    });
    closers.push(config.remove);
    const notify = notifyQueue(suite.redis, prefix);
    closers.push(() => notify.close());
    const daemons = await Promise.all(['p1', 'p2', 'p3'].map((label) => Daemon.start(label, config.file)));
    const context = tails(daemons);
    await polledAfter(daemons[0]!, 0, 'success', context);

    await admin(sim, `/syncs/${SYNC}/fail`);
    await eventually('the trigger', () => pd.accepted('trigger').length >= 1, { context });
    await admin(sim, `/syncs/${SYNC}/succeed`);
    await eventually('the resolve', () => pd.accepted('resolve').length >= 1, { context });
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    // A few more cycles, polled by any replica: nothing more may reach PagerDuty.
    const since = Date.now();
    for (const d of daemons) await polledAfter(d, since, 'success', context);
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });

    const key = pd.accepted('trigger')[0]!.body.dedup_key as string;
    expect(
      pd.calls.map((c) => [c.status, c.body.event_action, c.body.dedup_key]),
      context(),
    ).toEqual([
      [202, 'trigger', key],
      [202, 'resolve', key],
    ]);
    expect(pd.pages).toEqual([key]);
    expect(pd.accepted('trigger')[0]!.body.payload).toMatchObject({ class: 'SyncFailed', severity: 'critical', source: name });
    let sent = 0;
    for (const d of daemons) sent += await metric(d.url, 'syncwatch_notifications_total', { receiver: 'pager', outcome: 'success' });
    expect(sent).toBe(2);
    for (const d of daemons) expect((await d.stop()).code).toBe(0);
  }, 120_000);
});

describe('PagerDuty refusing an event', () => {
  it('400 invalid event: dropped, not retried, logged once without the routing key, counted in notifications_dropped_total{reason="invalid_event"}', async () => {
    const pd = await startFakePagerDuty();
    closers.push(() => pd.close());
    const sim = await startSimulator({ port: 0, scenario: smallWorld(64) });
    closers.push(() => sim.close());
    const name = 'pd400';
    const prefix = `${suite.filePrefix}-${name}`;
    const routingKey = 'R0123456789abcdef0123456789abcde';
    const config = deploymentConfig({
      redisUrl: suite.redisUrl,
      prefix,
      name,
      baseUrl: sim.url,
      receivers: [{ name: 'pager', pagerduty: { routingKey, url: pd.url } }],
    });
    closers.push(config.remove);
    const notify = notifyQueue(suite.redis, prefix);
    closers.push(() => notify.close());
    const daemon = await Daemon.start(name, config.file);
    const context = tails([daemon]);
    await polledAfter(daemon, 0, 'success', context);

    pd.failNext(1, { status: 400 });
    await admin(sim, `/syncs/${SYNC}/fail`);
    await eventually('the drop', async () => (await metric(daemon.url, 'syncwatch_notifications_total', { outcome: 'dropped' })) >= 1, {
      context,
    });
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    expect(pd.calls.map((c) => c.status)).toEqual([400]);
    expect(await metric(daemon.url, 'syncwatch_notifications_dropped_total', { receiver: 'pager', reason: 'invalid_event' })).toBe(1);
    expect(await metric(daemon.url, 'syncwatch_notifications_total', { receiver: 'pager', outcome: 'failure' })).toBe(0);
    const drops = daemon.lines.filter((l) => /notification dropped/.test(String(l.msg)));
    expect(drops, context()).toHaveLength(1);
    expect(drops[0]!.err).toMatchObject({ code: 'invalid_event', message: expect.stringContaining("'payload.summary' is missing") });
    expect(daemon.lines.some((l) => JSON.stringify(l).includes(routingKey))).toBe(false);
    expect((await daemon.stop()).code).toBe(0);
  }, 120_000);
});

describe('hostile alert text', () => {
  let p: Pipeline | undefined;
  afterEach(async () => {
    await p?.close();
    p = undefined;
  });

  it('an error message of 1 MB and one full of mrkdwn and mentions reach Slack escaped and cut: no @channel/@here/user mention, every text block within Slack limits', async () => {
    const slack = await startFakeSlack();
    closers.push(() => slack.close());
    p = await startPipeline(`chaos-hostile-${process.pid}`, {
      receivers: [{ name: 'oncall', slack: { token: 'xoxb-test', channel: '#alerts', apiUrl: slack.apiUrl } }],
      route: route({ receiver: 'oncall', groupWait: 0, groupBy: ['target', 'kind', 'resource'] }),
    });
    const hostile =
      '*bold* _it_ ~strike~ `code` ```block``` <!channel> <!here> <!everyone> <@U123ABC> <#C999|general> <https://evil.example|click> &amp; > quote\n';
    const huge = hostile + 'x'.repeat(1024 * 1024);
    await p.alerting.ingest([
      alertOf('SyncFailed', { id: 'big', error: huge }),
      alertOf('FlowErrors', { id: 'mrk', error: hostile.repeat(50) }),
    ]);
    await eventually('both messages delivered', () => slack.delivered('chat.postMessage').length >= 2, { timeoutMs: 30_000 });
    for (const call of slack.delivered('chat.postMessage')) {
      const raw = JSON.stringify({ text: call.body.text, blocks: call.body.blocks });
      expect(raw.length, 'the whole message stays small').toBeLessThan(40_000);
      for (const mention of ['<!channel>', '<!here>', '<!everyone>', '<@U123ABC>', '<#C999|general>', '<https://evil.example|click>'])
        expect(raw, mention).not.toContain(mention);
      for (const block of call.body.blocks ?? []) {
        const texts = [
          block.text?.text,
          ...(block.fields ?? []).map((f: { text?: string }) => f.text),
          ...(block.elements ?? []).map((e: { text?: string }) => e.text),
        ].filter((t): t is string => typeof t === 'string');
        for (const t of texts) expect(t.length, `a ${block.type} block text`).toBeLessThanOrEqual(3000);
      }
    }
    const big = slack.delivered('chat.postMessage').find((c) => JSON.stringify(c.body.blocks).includes('Orders big'))!;
    expect(JSON.stringify(big.body.blocks)).toContain('&lt;!channel&gt;');
    expect(JSON.stringify(big.body.blocks)).toMatch(/…|\.\.\./);
    expect(p.outcomes.filter(([, o]) => o === 'success')).toHaveLength(2);
  });
});
