// E-mail over a real SMTP server on loopback, a webhook with a verifiable signature, and a route
// with `continue` sending one alert to Slack and e-mail.
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.ts';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp.ts';
import { waitFor } from '../fakes/wait.ts';
import { startFakeWebhook, type FakeWebhook } from '../fakes/webhook.ts';
import { alertOf, HOSTILE_ERROR } from './fixtures.ts';
import { route, startPipeline, subRoute, type Pipeline } from './harness.ts';

let smtp: FakeSmtp;
let slack: FakeSlack;
let hook: FakeWebhook;
let p: Pipeline | undefined;
beforeAll(async () => {
  [smtp, slack, hook] = await Promise.all([startFakeSmtp(), startFakeSlack(), startFakeWebhook()]);
});
afterAll(async () => Promise.all([smtp.close(), slack.close(), hook.close()]));
afterEach(async () => {
  await p?.close();
  p = undefined;
  smtp.mails.length = 0;
  slack.calls.length = 0;
  hook.requests.length = 0;
  await smtp.start();
});

const email = () => ({
  name: 'mail',
  email: {
    from: 'syncwatch@example.com',
    to: ['data-team@example.com'],
    smtp: { host: smtp.host, port: smtp.port, secure: false, user: 'u', pass: 'p' },
  },
});

describe('e-mail', () => {
  it('SMTP down, then up: the mail arrives afterwards, exactly once, with both parts', async () => {
    p = await startPipeline('mail-down', { receivers: [email()], route: route({ receiver: 'mail', groupWait: 0 }) });
    await smtp.stop();
    await p.alerting.ingest([alertOf('SyncFailed', { error: HOSTILE_ERROR })]);
    await waitFor('two failed attempts', () => p!.outcomes.filter(([, o]) => o === 'failure').length >= 2);
    await smtp.start();
    await waitFor('the mail', () => smtp.mails.length === 1);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail!.subject).toBe('[FIRING] SyncFailed: Orders f1');
    expect(mail!.from).toBe('syncwatch@example.com');
    expect(mail!.to).toEqual(['data-team@example.com']);
    expect(mail!.auth).toEqual({ username: 'u', password: 'p' });
    expect(mail!.text).toContain('Target: celigo-prod');
    expect(mail!.text).toContain('Records: 120 read, 100 written, 20 failed');
    expect(mail!.text).toContain('Bad <record> & `code` here <!channel>');
    expect(mail!.html).toContain('<tr><th align="left">Flow</th><td>Orders f1 (f1)</td></tr>');
    expect(mail!.html).toContain('Bad &lt;record&gt; &amp; `code` here &lt;!channel&gt;');
    expect(p.outcomes.filter(([, o]) => o === 'success')).toEqual([['mail', 'success']]);
  });
});

describe('webhook', () => {
  it('posts the Alertmanager payload, signed over the raw body', async () => {
    p = await startPipeline('webhook', {
      receivers: [{ name: 'hook', webhook: { url: hook.url, hmacSecret: 'whsec', headers: { 'X-Team': 'data' } } }],
      route: route({ receiver: 'hook', groupWait: 100 }),
    });
    await p.alerting.ingest([alertOf('TargetDown')]);
    const req = await waitFor('the webhook call', () => hook.requests[0]);
    const expected = `sha256=${createHmac('sha256', 'whsec').update(req.raw).digest('hex')}`;
    expect(req.headers['x-syncwatch-signature']).toBe(expected);
    expect(req.headers['x-team']).toBe('data');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'hook',
      groupLabels: { target: 'celigo-prod', kind: 'TargetDown' },
      truncatedAlerts: 0,
    });
    expect(req.body.groupKey).toBe('0:{kind="TargetDown",target="celigo-prod"}');
    expect(req.body.alerts).toHaveLength(1);
    expect(req.body.alerts[0]).toMatchObject({
      status: 'firing',
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      labels: expect.objectContaining({ alertname: 'TargetDown', kind: 'TargetDown' }),
      endsAt: '0001-01-01T00:00:00Z',
      annotations: { failures: '3', errorKind: 'upstream' },
    });
  });
});

describe('route with continue: one Slack message and one e-mail', () => {
  it('sends a failed sync to both, and on recovery updates the message and mails [RESOLVED]', async () => {
    p = await startPipeline('continue', {
      receivers: [{ name: 'oncall', slack: { token: 'xoxb-t', channel: '#c', apiUrl: slack.apiUrl } }, email()],
      route: route({
        receiver: 'oncall',
        groupWait: 100,
        groupInterval: 200,
        routes: [
          subRoute({ match: { kind: 'SyncFailed', severity: 'critical' }, receiver: 'mail', continue: true }),
          subRoute({ match: { kind: 'SyncFailed' }, receiver: 'oncall' }),
        ],
      }),
    });
    await p.alerting.ingest([alertOf('SyncFailed')]);
    await waitFor('one message and one mail', () => slack.delivered('chat.postMessage').length === 1 && smtp.mails.length === 1);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    await p.alerting.ingest([alertOf('SyncFailed', { status: 'resolved' })]);
    await waitFor('the update and the resolved mail', () => slack.delivered('chat.update').length === 1 && smtp.mails.length === 2);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    const [firing, resolved] = smtp.mails;
    expect(firing!.subject).toBe('[FIRING] SyncFailed: Orders f1');
    expect(resolved!.subject).toBe('[RESOLVED] SyncFailed: Orders f1');
    expect(resolved!.headers['in-reply-to']).toBe(firing!.headers['message-id']);
  });
});
