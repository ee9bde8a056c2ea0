// The webhook speaks Alertmanager: a failed sync against the simulator reaches a webhook receiver
// as a message Alertmanager's types decode, with alertname, Alertmanager's fingerprint (the same the
// API reports) and externalURL from server.externalUrl; maxAlerts unset sends every alert.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../fakes/wait.ts';
import { startFakeWebhook, type FakeWebhook } from '../fakes/webhook.ts';
import { alertmanagerWebhookMessage } from '../fakes/alertmanager-webhook.ts';
import { startRig, type Rig } from './rig.ts';

let hook: FakeWebhook;
let rig: Rig;

beforeAll(async () => {
  hook = await startFakeWebhook();
  rig = await startRig(
    'e2e-webhook-am',
    ({ simUrl, redisUrl, prefix }) => `
redis: { url: ${redisUrl}, prefix: ${prefix} }
server: { listen: 127.0.0.1:0, externalUrl: "https://syncwatch.example.com" }
targets:
  - name: celigo-prod
    provider: celigo
    baseUrl: ${simUrl}
    token: sim-token
    interval: 1s
receivers:
  - name: am-hook
    webhook: { url: "${hook.url}" }
route: { receiver: am-hook, groupBy: [target], groupWait: 0s, groupInterval: 1s, repeatInterval: 4h }
`,
    {
      scenario: {
        seed: 9,
        entities: {
          integrations: [
            {
              name: 'NetSuite Orders',
              flows: [{ name: 'Orders', imports: 1, openErrors: 0 }],
              syncs: [
                { name: 'Orders to Snowflake', history: ['completed'] },
                { name: 'Customers to Snowflake', history: ['completed'] },
              ],
            },
          ],
        },
      },
    },
  );
  await rig.polls(1);
}, 120_000);

afterAll(async () => {
  await rig?.close();
  await hook?.close();
});

it('a failed sync reaches the webhook as an Alertmanager message with alertname, a 16-hex fingerprint and externalURL', async () => {
  const syncs = (await rig.admin('/world', undefined, 'GET')).syncs as Array<{ _id: string }>;
  for (const s of syncs) await rig.admin(`/syncs/${s._id}/fail`, { numErrors: 2, message: 'boom' });
  const req = await waitFor('a webhook call with both alerts', () => hook.requests.find((r) => r.body.alerts?.length === 2), 60_000);
  const parsed = alertmanagerWebhookMessage.safeParse(req.body);
  expect(parsed.error?.issues ?? []).toEqual([]);
  const msg = parsed.data!;
  expect(msg.externalURL).toBe('https://syncwatch.example.com');
  expect(msg.truncatedAlerts).toBe(0);
  expect(msg.alerts.map((a) => a.labels.alertname)).toEqual(['SyncFailed', 'SyncFailed']);
  // One fingerprint function: the API reports the same ones.
  const api = (await (await fetch(`${rig.daemon.url}/api/v2/alerts`)).json()) as Array<{ fingerprint: string }>;
  expect(new Set(api.map((a) => a.fingerprint))).toEqual(new Set(msg.alerts.map((a) => a.fingerprint)));
});
