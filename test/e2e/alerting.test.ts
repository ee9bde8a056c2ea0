// Issue 4's acceptance against the simulator: a failed sync produces one Slack message and one
// e-mail (a route with continue), and on recovery an updated Slack message and a [RESOLVED] mail.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readHistory } from '../../src/console/history.ts';
import { keyspace } from '../../src/state/keys.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.ts';
import { startFakeSmtp, type FakeSmtp } from '../fakes/smtp.ts';
import { waitFor } from '../fakes/wait.ts';
import { startRig, type Rig } from './rig.ts';

let slack: FakeSlack;
let smtp: FakeSmtp;
let rig: Rig;
let syncId: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  smtp = await startFakeSmtp();
  rig = await startRig(
    'e2e-alerting',
    ({ simUrl, redisUrl, prefix }) => `
redis: { url: ${redisUrl}, prefix: ${prefix} }
server: { listen: 127.0.0.1:0 }
targets:
  - name: celigo-prod
    provider: celigo
    baseUrl: ${simUrl}
    token: sim-token
    interval: 1s
    severity: { SyncFailed: critical }
receivers:
  - name: data-oncall
    slack: { token: test-bot-token, channel: "#data-alerts", apiUrl: "${slack.apiUrl}" }
  - name: data-email
    email:
      from: syncwatch@example.com
      to: [data-team@example.com]
      smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false }
route:
  receiver: data-oncall
  groupBy: [target, kind]
  groupWait: 0s
  groupInterval: 1s
  repeatInterval: 4h
  sendResolved: true
  routes:
    - match: { kind: SyncFailed, severity: critical }
      receiver: data-email
      continue: true
`,
    {
      scenario: {
        seed: 3,
        entities: {
          integrations: [
            {
              name: 'NetSuite Orders',
              flows: [{ name: 'Orders', imports: 1, openErrors: 0 }],
              syncs: [{ name: 'Orders to Snowflake', history: ['completed'] }],
            },
          ],
        },
      },
    },
  );
  const world = await rig.admin('/world', undefined, 'GET');
  syncId = world.syncs[0]._id;
  await rig.polls(1);
});

afterAll(async () => {
  await rig?.close();
  await slack?.close();
  await smtp?.close();
});

it('a failed sync: one Slack message and one e-mail; recovery: the Slack message updated and a [RESOLVED] mail', async () => {
  await rig.admin(`/syncs/${syncId}/fail`, { numErrors: 7, message: 'Snowflake said <no> & `stop`' });
  const [post] = await waitFor(
    'the Slack message',
    () => (slack.delivered('chat.postMessage').length >= 1 ? slack.delivered('chat.postMessage') : undefined),
    30_000,
  );
  await waitFor('the e-mail', () => smtp.mails.length >= 1 || undefined, 30_000);
  expect(post!.body.channel).toBe('#data-alerts');
  expect(JSON.stringify(post!.body.blocks)).toContain('[FIRING] SyncFailed');
  expect(smtp.mails[0]!.subject).toMatch(/^\[FIRING\] SyncFailed: /);
  expect(smtp.mails[0]!.text).toContain(syncId);
  expect(smtp.mails[0]!.html).toContain('<');

  await rig.admin(`/syncs/${syncId}/succeed`, {});
  const [update] = await waitFor(
    'chat.update of the original message',
    () => (slack.delivered('chat.update').length >= 1 ? slack.delivered('chat.update') : undefined),
    30_000,
  );
  await waitFor('the [RESOLVED] mail', () => smtp.mails.find((m) => m.subject.startsWith('[RESOLVED]')), 30_000);
  expect(update!.body.ts).toBe(slack.delivered('chat.postMessage')[0]!.answer.ts);
  expect(JSON.stringify(update!.body.blocks)).toContain('[RESOLVED] SyncFailed');

  // Two more full polls change nothing: exactly one of each.
  await rig.polls(2);
  expect(slack.delivered('chat.postMessage')).toHaveLength(1);
  expect(slack.delivered('chat.update')).toHaveLength(1);
  expect(smtp.mails.map((m) => m.subject.split(':')[0])).toEqual(['[FIRING] SyncFailed', '[RESOLVED] SyncFailed']);

  // The console's history holds the transitions once each: appended as alerting took them in,
  // before they were sent.
  const history = await readHistory(rig.redis, keyspace(rig.config.redis.prefix), { kind: 'SyncFailed' });
  expect(history.filter((e) => e.transition === 'fired' || e.transition === 'resolved').map((e) => e.transition)).toEqual([
    'resolved',
    'fired',
  ]);
});
