// A process SIGKILLed while a receiver holds a send it has already accepted (Slack posted the
// message, the webhook took the request, neither answered yet), then restarted. The send was
// recorded as in flight, so the retry reconciles first. What must hold: Slack shows exactly one
// message (found in the channel history by the notification id in its metadata, and adopted); the
// webhook sees one delivery id — a repeat carries the same Idempotency-Key and notificationId.
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.ts';
import { startFakeSlack } from '../fakes/slack.ts';
import { startFakeWebhook } from '../fakes/webhook.ts';
import { Daemon, eventually, useDaemonSuite } from '../harness/daemon.ts';
import { admin, deploymentConfig, notifyIdle, notifyQueue, polledAfter, smallWorld, SYNC, tails } from './helpers.ts';

const suite = useDaemonSuite('chaos-delivery');
const { closers } = suite;

const CHANNEL = 'C0ALERTS';

async function deployment(name: string, receiver: Record<string, unknown>, seed: number) {
  const sim = await startSimulator({ port: 0, scenario: smallWorld(seed) });
  closers.push(() => sim.close());
  const prefix = `${suite.filePrefix}-${name}`;
  const config = deploymentConfig({
    redisUrl: suite.redisUrl,
    prefix,
    name,
    baseUrl: sim.url,
    receivers: [{ name: 'oncall', ...receiver }],
  });
  closers.push(config.remove);
  const notify = notifyQueue(suite.redis, prefix);
  closers.push(() => notify.close());
  return { sim, config, notify };
}

/**
 * A first daemon polls; the receiver starts holding what it accepts; a sync fails; once the receiver
 * holds the send, the daemon is SIGKILLed, the receiver answers nothing more, a second daemon starts.
 */
async function killWhileHeld(d: Awaited<ReturnType<typeof deployment>>, receiver: { hold(): void; held(): number; release(): void }) {
  const first = await Daemon.start('first', d.config.file);
  await polledAfter(first, 0, 'success', tails([first]));
  receiver.hold();
  await admin(d.sim, `/syncs/${SYNC}/fail`);
  await eventually('the receiver to hold an accepted send', () => receiver.held() === 1, { context: tails([first]) });
  await first.kill();
  receiver.release();
  const second = await Daemon.start('second', d.config.file);
  return { second, context: tails([first, second]) };
}

describe('kill -9 while a receiver holds an accepted send', () => {
  it('Slack: after the restart the channel has exactly one message for the alert (adopted from the history), and its resolution updates that message', async () => {
    const slack = await startFakeSlack();
    closers.push(() => slack.close());
    const d = await deployment('slackkill', { slack: { token: 'xoxb-test', channel: CHANNEL, apiUrl: slack.apiUrl } }, 91);
    const { sim, notify } = d;
    const { second, context } = await killWhileHeld(d, { hold: slack.holdPosts, held: slack.held, release: slack.release });
    await second.waitFor(
      'the earlier attempt adopted',
      (l) => l.msg === 'an earlier attempt was delivered; adopted it instead of sending again',
    );
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    expect(slack.messages, context()).toHaveLength(1);
    expect(slack.messages[0]!.metadata).toMatchObject({
      event_type: 'syncwatch_notification',
      event_payload: { notification_id: expect.any(String) },
    });

    await admin(sim, `/syncs/${SYNC}/succeed`);
    await eventually('the resolution', () => slack.delivered('chat.update').length === 1, { context });
    expect(slack.delivered('chat.update')[0]!.body.ts, 'the adopted message is the one updated').toBe(slack.messages[0]!.ts);
    expect(slack.messages, 'still one message').toHaveLength(1);
    expect((await second.stop()).code).toBe(0);
  }, 120_000);

  it('Slack without the history scope: the restart cannot look, says so, and posts again (at-least-once, as validate/test-alert warn)', async () => {
    const slack = await startFakeSlack();
    closers.push(() => slack.close());
    slack.withoutHistoryScope();
    const d = await deployment('slacknoscope', { slack: { token: 'xoxb-test', channel: CHANNEL, apiUrl: slack.apiUrl } }, 92);
    const { second, context } = await killWhileHeld(d, { hold: slack.holdPosts, held: slack.held, release: slack.release });
    await second.waitFor('the missing scope named', (l) => typeof l.msg === 'string' && l.msg.includes('lacks the history scope'));
    await eventually('the repeat', () => slack.messages.length === 2, { context });
    expect((await second.stop()).code).toBe(0);
  }, 120_000);

  it('webhook: after the restart the receiver has seen one delivery id — the repeat carries the same Idempotency-Key and notificationId', async () => {
    const hook = await startFakeWebhook();
    closers.push(() => hook.close());
    const d = await deployment('hookkill', { webhook: { url: hook.url } }, 93);
    const { second, context } = await killWhileHeld(d, hook);
    const { notify } = d;
    await eventually('the repeat', () => hook.requests.length >= 2, { context });
    await eventually('the notify queue to be idle', () => notifyIdle(notify), { context });
    const keys = hook.requests.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size, `keys: ${keys.join(', ')}`).toBe(1);
    expect(keys[0]).toBeTruthy();
    expect(new Set(hook.requests.map((r) => r.body.notificationId))).toEqual(new Set(keys));
    expect(new Set(hook.requests.map((r) => r.raw)).size, 'the very same body (and signature)').toBe(1);
    expect((await second.stop()).code).toBe(0);
  }, 120_000);
});
