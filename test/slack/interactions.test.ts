// Slack's buttons, end to end: a real `syncwatch run` daemon polls the simulator, posts its alerts
// to the fake Slack Web API with Acknowledge / Silence 1h / Silence 1d / Retry now, and the test
// clicks them the way Slack does — a block_actions payload, form-encoded as `payload=`, signed v0
// (HMAC-SHA256 of `v0:<timestamp>:<body>` with the app's signing secret, computed here on its own)
// and POSTed to /slack/interactions. What must hold: each button does what it says, once; a bad
// signature, an old timestamp and a replay get 401 and change nothing; Retry now goes through the
// retry rules (two clicks within a second submit once; backoff and budget hold and are said in the
// thread); a user outside allowedUsers / allowedUserGroups is answered ephemerally.
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSilences } from '../../src/alerting/index.ts';
import {
  actionButtons,
  blocksWithOutcome,
  checkSlackSignature,
  MAX_BUTTON_VALUE,
  parseSlackClick,
} from '../../src/notifiers/slack/interactive.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { keyspace } from '../../src/state/keys.ts';
import { admin, id } from '../chaos/helpers.ts';
import { startFakeSlack, type FakeSlack, type SlackMessage } from '../fakes/slack.ts';
import { Daemon, eventually, killAll, writeConfig } from '../harness/daemon.ts';
import { testRedis } from '../harness/redis.ts';

const SECRET = 'slack-signing-secret-h-slackix';
const CHANNEL = 'C0ALERTS';
const TARGET = 'shop';
const INTEGRATION = id('a', 1);
const FLOW = id('f', 1);
const STEP = id('e', 1);
const DRY_FLOW = id('f', 2);
const DRY_STEP = id('e', 2);
const SYNCS = [1, 2, 3, 4, 5].map((n) => id('b', n));
const [SYNC_ACK, SYNC_CONTROL, SYNC_GUARD, SYNC_REFUSED, SYNC_RETRY] = SYNCS as [string, string, string, string, string];
const syncFp = (sync: string) => `SyncFailed:celigo/${TARGET}/sync/${sync}`;
const STEP_FP = `FlowErrors:celigo/${TARGET}/step/${FLOW}/${STEP}`;
const DRY_FP = `FlowErrors:celigo/${TARGET}/step/${DRY_FLOW}/${DRY_STEP}`;

const ALICE = { id: 'U0ALICE', name: 'alice' };
const BOB = { id: 'U0BOB', name: 'bob' }; // allowed through the user group
const MALLORY = { id: 'U0MALLORY', name: 'mallory' };

let redis: Awaited<ReturnType<typeof testRedis>>;
let sim: Simulator;
let slack: FakeSlack;
let daemon: Daemon;
let removeConfig: () => void;
let configFile: string;
let keys: ReturnType<typeof keyspace>;
let context: () => string;

beforeAll(async () => {
  redis = await testRedis('h-slackix-interactions');
  keys = keyspace(redis.prefix);
  slack = await startFakeSlack();
  slack.setUserGroup('S0ONCALL', [BOB.id]);
  sim = await startSimulator({
    port: 0,
    scenario: {
      seed: 17,
      entities: {
        integrations: [
          {
            id: INTEGRATION,
            name: 'Shop',
            flows: [
              { id: FLOW, name: 'Orders', exports: [STEP], imports: 0, openErrors: 0 },
              { id: DRY_FLOW, name: 'Refunds', exports: [DRY_STEP], imports: 0, openErrors: 0 },
            ],
            syncs: SYNCS.map((s, i) => ({ id: s, name: `Sync ${i + 1}`, history: ['completed' as const] })),
          },
        ],
      },
    },
  });
  const config = writeConfig({
    redis: { url: redis.url, prefix: redis.prefix },
    server: { listen: '127.0.0.1:0' },
    workers: { lockDuration: '3s', stalledInterval: '1s' },
    targets: [{ name: TARGET, provider: 'celigo', baseUrl: sim.url, token: 'sim-token', interval: '1s', requestsPerSecond: 1000 }],
    receivers: [
      {
        name: 'oncall',
        slack: {
          token: 'xoxb-test',
          channel: CHANNEL,
          apiUrl: slack.apiUrl,
          interactive: { signingSecret: SECRET, allowedUsers: [ALICE.id], allowedUserGroups: ['S0ONCALL'] },
        },
      },
    ],
    // One message per alert; reminders every 2 s, so that they can be seen to stop.
    route: { receiver: 'oncall', groupBy: ['resource'], groupWait: '0s', groupInterval: '1s', repeatInterval: '2s' },
    retryPolicies: [
      // minAge 1h: the scheduled retry leaves the records alone; only Retry now (which does not wait for minAge) sends.
      { name: 'orders', match: { flows: [FLOW] }, action: 'retry', minAge: '1h', maxAttempts: 3, budget: { recordsPerHour: 1 } },
      { name: 'refunds', match: { flows: [DRY_FLOW] }, action: 'retry', minAge: '1h', dryRun: true },
    ],
  });
  removeConfig = config.remove;
  configFile = config.file;
  daemon = await Daemon.start('daemon', config.file);
  context = () => daemon.tail(25);
}, 120_000);

afterAll(async () => {
  await killAll();
  await sim?.close();
  await slack?.close();
  removeConfig?.();
  await redis?.cleanup();
});

/** The top-level message of an alert, once it carries its buttons. */
async function messageOf(fingerprint: string): Promise<SlackMessage> {
  return eventually(
    `the slack message of ${fingerprint}`,
    () => slack.messages.find((m) => !m.thread_ts && buttonOf(m, 'syncwatch_ack', fingerprint) !== undefined),
    { context },
  );
}

function buttonOf(m: SlackMessage, actionId: string, fingerprint: string) {
  for (const block of m.blocks ?? []) {
    if (block.type !== 'actions') continue;
    for (const el of block.elements as Array<Record<string, any>>) {
      if (el.action_id === actionId && JSON.parse(el.value).fp === fingerprint) return { block, el };
    }
  }
  return undefined;
}

/** A click as Slack sends it: the block_actions payload, form-encoded, and its signed headers. */
function click(message: SlackMessage, actionId: string, fingerprint: string, user: { id: string; name: string }, name: string) {
  const found = buttonOf(message, actionId, fingerprint);
  if (!found) throw new Error(`no ${actionId} button for ${fingerprint} in message ${message.ts}`);
  const payload = {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T0TEAM' },
    api_app_id: 'A0SYNCWATCH',
    token: 'verification-token-not-used',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.${randomUUID()}`,
    team: { id: 'T0TEAM', domain: 'acme' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: 'alerts' },
    message: { type: 'message', user: 'U0BOT', bot_id: 'B0BOT', ts: message.ts, text: message.text, blocks: message.blocks },
    state: { values: {} },
    response_url: slack.responseUrl(name),
    actions: [
      {
        action_id: actionId,
        block_id: found.block.block_id,
        text: found.el.text,
        value: found.el.value,
        ...(found.el.style ? { style: found.el.style } : {}),
        type: 'button',
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

function sign(body: string, options: { secret?: string; timestamp?: number } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', options.secret ?? SECRET)
    .update(`v0:${timestamp}:${body}`)
    .digest('hex')}`;
  return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature };
}

async function post(body: string, headers: Record<string, string>, to: Daemon = daemon): Promise<number> {
  const res = await fetch(`${to.url}/slack/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  await res.text();
  return res.status;
}

const updatesOf = (ts: string) => slack.delivered('chat.update').filter((c) => c.body.ts === ts);
const contextTexts = (call: { body: { blocks?: Array<Record<string, any>> } }) =>
  (call.body.blocks ?? []).filter((b) => b.type === 'context').map((b) => String(b.elements?.[0]?.text ?? ''));
const reminders = (ts: string) =>
  slack.messages.filter((m) => m.thread_ts === ts && (m.blocks ?? []).some((b) => JSON.stringify(b).includes('Reminder')));
const fired = async (sync: string) => {
  await admin(sim, `/syncs/${sync}/fail`);
  return messageOf(syncFp(sync));
};

describe('Slack buttons on the daemon', () => {
  it('renders Acknowledge, Silence 1h, Silence 1d on a firing alert; Retry now where a policy covers it or a sync failed', async () => {
    const m = await fired(SYNC_ACK);
    for (const action of ['syncwatch_ack', 'syncwatch_silence_1h', 'syncwatch_silence_1d', 'syncwatch_retry'])
      expect(buttonOf(m, action, syncFp(SYNC_ACK)), action).toBeDefined();
    const value = buttonOf(m, 'syncwatch_ack', syncFp(SYNC_ACK))!.el.value as string;
    expect(value.length).toBeLessThanOrEqual(2000);
    expect(value).not.toContain('xoxb');
    expect(value).not.toContain(SECRET);
  }, 60_000);

  it('Acknowledge: the message says who and when, reminders of that alert stop (another alert keeps reminding), a second click changes nothing', async () => {
    const acked = await fired(SYNC_ACK);
    const control = await fired(SYNC_CONTROL);
    // As a second person's client shows it until the update arrives: the Acknowledge button still there.
    const stale = structuredClone(acked);
    const first = click(acked, 'syncwatch_ack', syncFp(SYNC_ACK), ALICE, 'ack-1');
    expect(await post(first, sign(first))).toBe(200);
    const update = await eventually('the acknowledged message', () => updatesOf(acked.ts)[0], { context });
    expect(contextTexts(update).join('\n')).toMatch(/Acknowledged by <@U0ALICE> at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(
      buttonOf({ ...acked, blocks: update.body.blocks! }, 'syncwatch_ack', syncFp(SYNC_ACK)),
      'the Acknowledge button is gone',
    ).toBeUndefined();
    const status = (await daemon.status()) as unknown as { alerts: Array<{ fingerprint: string; acknowledged?: { by: string } }> };
    expect(status.alerts.find((a) => a.fingerprint === syncFp(SYNC_ACK))?.acknowledged?.by).toBe('alice');
    expect(await (await fetch(`${daemon.url}/`)).text(), 'the console shows it').toMatch(/acknowledged by alice/);

    // Reminders: the control alert gets two more after the ack; the acknowledged one none.
    // (counted after one more reminder of the other alert, so a flush that was under way at the click is behind us)
    const controlAtAck = reminders(control.ts).length;
    await eventually('a reminder of the other alert', () => reminders(control.ts).length > controlAtAck, { context });
    const ackedBefore = reminders(acked.ts).length;
    const controlBefore = reminders(control.ts).length;
    await eventually('two more reminders of the other alert', () => reminders(control.ts).length >= controlBefore + 2, { context });
    expect(reminders(acked.ts).length, 'no reminder of the acknowledged alert').toBe(ackedBefore);

    const again = click(stale, 'syncwatch_ack', syncFp(SYNC_ACK), BOB, 'ack-2');
    expect(await post(again, sign(again))).toBe(200);
    const answer = await eventually('the answer to the second click', () => slack.ephemeral.find((e) => e.click === 'ack-2'), { context });
    expect(answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Already acknowledged by <@U0ALICE>') });
    expect(updatesOf(acked.ts)).toHaveLength(1);
  }, 90_000);

  it('Silence 1h: a silence on the alert by the Slack user "from Slack", shown in silence list and /status; the message says so; once', async () => {
    const m = await fired(SYNC_CONTROL);
    const body = click(m, 'syncwatch_silence_1h', syncFp(SYNC_CONTROL), BOB, 'silence-1');
    expect(await post(body, sign(body))).toBe(200);
    const update = await eventually('the silenced message', () => updatesOf(m.ts)[0], { context });
    expect(contextTexts(update).join('\n')).toMatch(/Silenced for 1h by <@U0BOB> \(until .* UTC, silence [0-9a-f-]{36}\)/);
    const silences = await listSilences(redis.redis, keys);
    expect(silences).toHaveLength(1);
    const s = silences[0]!;
    expect(s).toMatchObject({ createdBy: 'bob', comment: 'from Slack', source: 'runtime', match: {} });
    expect(s.matchers).toEqual([
      { name: 'alertname', value: 'SyncFailed', isRegex: false, isEqual: true },
      { name: 'target', value: TARGET, isRegex: false, isEqual: true },
      { name: 'resource', value: `celigo/${TARGET}/sync/${SYNC_CONTROL}`, isRegex: false, isEqual: true },
    ]);
    const hour = Date.parse(s.endsAt) - Date.parse(s.startsAt);
    expect(hour).toBe(3600_000);
    const status = (await daemon.status()) as unknown as {
      alerts: Array<{ fingerprint: string; silenced: boolean; silencedBy: string[] }>;
    };
    expect(status.alerts.find((a) => a.fingerprint === syncFp(SYNC_CONTROL))).toMatchObject({ silenced: true, silencedBy: [s.id] });

    const again = click(m, 'syncwatch_silence_1h', syncFp(SYNC_CONTROL), ALICE, 'silence-2');
    expect(await post(again, sign(again))).toBe(200);
    const answer = await eventually('the answer to the second click', () => slack.ephemeral.find((e) => e.click === 'silence-2'), {
      context,
    });
    expect(answer.body.text).toContain('Already silenced until');
    expect(await listSilences(redis.redis, keys)).toHaveLength(1);

    const day = click(m, 'syncwatch_silence_1d', syncFp(SYNC_CONTROL), ALICE, 'silence-3');
    expect(await post(day, sign(day))).toBe(200);
    await eventually('the 1d silence', async () => (await listSilences(redis.redis, keys)).length === 2, { context });
    const longest = (await listSilences(redis.redis, keys)).find((x) => x.createdBy === 'alice')!;
    expect(Date.parse(longest.endsAt) - Date.parse(longest.startsAt)).toBe(24 * 3600_000);
  }, 90_000);

  it('a bad signature, an old timestamp and a replay get 401 and change nothing', async () => {
    const m = await fired(SYNC_GUARD);
    const fp = syncFp(SYNC_GUARD);
    const unchanged = async () => {
      expect(updatesOf(m.ts)).toHaveLength(0);
      expect(await redis.redis.keys(`${keys.alerting.ack('*')}`)).toHaveLength(1); // SYNC_ACK's only
    };
    const forged = click(m, 'syncwatch_ack', fp, ALICE, 'guard-forged');
    expect(await post(forged, sign(forged, { secret: 'not-the-secret' }))).toBe(401);
    const tampered = click(m, 'syncwatch_ack', fp, ALICE, 'guard-tampered');
    expect(await post(tampered.replace('U0ALICE', 'U0ALICF'), sign(tampered))).toBe(401);
    expect(await post(tampered, {}), 'unsigned').toBe(401);
    await unchanged();
    const old = click(m, 'syncwatch_ack', fp, ALICE, 'guard-old');
    expect(await post(old, sign(old, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }))).toBe(401);
    await unchanged();

    const good = click(m, 'syncwatch_ack', fp, ALICE, 'guard-good');
    const headers = sign(good);
    expect(await post(good, headers)).toBe(200);
    await eventually('the acknowledged message', () => updatesOf(m.ts).length === 1, { context });
    const acksBefore = await redis.redis.keys(keys.alerting.ack('*'));
    expect(await post(good, headers), 'the same signed request again').toBe(401);
    expect(updatesOf(m.ts)).toHaveLength(1);
    expect(await redis.redis.keys(keys.alerting.ack('*'))).toEqual(acksBefore);
    expect(slack.ephemeral.filter((e) => e.click.startsWith('guard-'))).toEqual([]);
  }, 60_000);

  it('a user outside allowedUsers and the allowed user groups is answered ephemerally, logged, and nothing changes', async () => {
    const m = await fired(SYNC_REFUSED);
    const body = click(m, 'syncwatch_silence_1d', syncFp(SYNC_REFUSED), MALLORY, 'refused');
    expect(await post(body, sign(body))).toBe(200);
    const answer = await eventually('the ephemeral refusal', () => slack.ephemeral.find((e) => e.click === 'refused'), { context });
    expect(answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('may not') });
    await daemon.waitFor(
      'the refusal logged',
      (l) => l.msg === 'slack click refused: the user is not in allowedUsers or allowedUserGroups',
    );
    expect(updatesOf(m.ts)).toHaveLength(0);
    expect((await listSilences(redis.redis, keys)).filter((s) => s.createdBy === 'mallory')).toEqual([]);
  }, 60_000);

  it('Retry now: two clicks within a second, on two replicas, submit once; a record in backoff or over budget is not submitted and the thread says why', async () => {
    // The retried record fails again (it comes back with a new errorId): it is then in its policy's backoff.
    await admin(sim, '/retry-behaviour', { flowId: FLOW, stepId: STEP, outcome: 'fail' });
    await admin(sim, `/flows/${FLOW}/steps/${STEP}/errors`, { count: 2, withRetryDataKey: true, message: 'Read timed out', retryAt: null });
    const m = await messageOf(STEP_FP);
    const a = click(m, 'syncwatch_retry', STEP_FP, ALICE, 'retry-a');
    const b = click(m, 'syncwatch_retry', STEP_FP, BOB, 'retry-b');
    // The two clicks reach two replicas (Slack's requests go to whichever the load balancer picks).
    const replica = await Daemon.start('replica', configFile);
    expect(await Promise.all([post(a, sign(a)), post(b, sign(b), replica)])).toEqual([200, 200]);
    const replies = await eventually(
      'two replies in the thread',
      () => (slack.threadOf(m.ts).filter((r) => r.text?.startsWith('Retry now by')).length >= 2 ? slack.threadOf(m.ts) : undefined),
      { context },
    );
    const texts = replies.filter((r) => r.text?.startsWith('Retry now by')).map((r) => r.text!);
    const retries = (await admin(sim, '/retries', undefined, 'GET')) as unknown as Array<{ flowId: string; retryDataKey?: string }>;
    expect(
      retries.filter((r) => r.flowId === FLOW),
      'one record submitted, once',
    ).toHaveLength(1);
    expect(
      texts.filter((t) => t.includes('Submitted 1 record (policy orders)')),
      texts.join('\n---\n'),
    ).toHaveLength(1);
    expect(texts.join('\n'), 'the budget of 1 record per hour is said').toContain(
      '1 record over budget (1 record per hour, policy orders)',
    );
    const second = texts.find((t) => !t.includes('Submitted'))!;
    expect(second).toMatch(/Not submitted: 1 record in backoff until \d{4}-\d\d-\d\dT|a retry of this is running right now/);

    const c = click(m, 'syncwatch_retry', STEP_FP, ALICE, 'retry-c');
    expect(await post(c, sign(c))).toBe(200);
    const third = await eventually(
      'the third reply',
      () =>
        slack
          .threadOf(m.ts)
          .filter((r) => r.text?.startsWith('Retry now by'))
          .at(2),
      { context },
    );
    expect(third.text).toMatch(/Not submitted: 1 record in backoff until \d{4}-\d\d-\d\dT[\d:.]+Z \(policy orders\)/);
    expect(third.text).toContain('Not submitted: 1 record over budget');
    expect(
      ((await admin(sim, '/retries', undefined, 'GET')) as unknown as Array<{ flowId: string }>).filter((r) => r.flowId === FLOW),
    ).toHaveLength(1);
  }, 90_000);

  it('Retry now under a dryRun policy submits nothing and says so in the thread', async () => {
    await admin(sim, `/flows/${DRY_FLOW}/steps/${DRY_STEP}/errors`, {
      count: 1,
      withRetryDataKey: true,
      message: 'Read timed out',
      retryAt: null,
    });
    const m = await messageOf(DRY_FP);
    const body = click(m, 'syncwatch_retry', DRY_FP, ALICE, 'dry');
    expect(await post(body, sign(body))).toBe(200);
    const reply = await eventually('the reply', () => slack.threadOf(m.ts).find((r) => r.text?.startsWith('Retry now by')), { context });
    expect(reply.text).toContain('Dry run: would have retried 1 record; nothing submitted (policy refunds has dryRun: true).');
    const retries = (await admin(sim, '/retries', undefined, 'GET')) as unknown as Array<{ flowId: string }>;
    expect(retries.filter((r) => r.flowId === DRY_FLOW)).toEqual([]);
  }, 60_000);

  it('Retry now on a failed Data Loader sync re-runs it once (the built-in retry-now rules) and says so in the thread', async () => {
    const runs = async () =>
      ((await admin(sim, '/stats', undefined, 'GET')) as { byEndpoint: Record<string, Record<string, number>> }).byEndpoint[
        'POST /v1/syncs/{_syncId}/run'
      ]?.['200'] ?? 0;
    const before = await runs();
    const m = await fired(SYNC_RETRY);
    const alert = (await daemon.status()).alerts.find((a) => a.fingerprint === syncFp(SYNC_RETRY));
    const body = click(m, 'syncwatch_retry', syncFp(SYNC_RETRY), ALICE, 'sync-retry');
    expect(await post(body, sign(body))).toBe(200);
    const reply = await eventually('the reply', () => slack.threadOf(m.ts).find((r) => r.text?.startsWith('Retry now by')), { context });
    expect(reply.text).toContain('Queued a run of the sync (policy retry-now).');
    expect(await runs()).toBe(before + 1);
    expect(alert, 'the alert was firing when clicked').toBeDefined();
  }, 60_000);
});

describe('Slack request signing and payloads (pure)', () => {
  const body = 'payload=%7B%7D';
  const at = 1_800_000_000;
  const signed = (secret: string, ts: number) => ({
    timestamp: String(ts),
    signature: `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
  });
  it.each([
    ['the right secret, now', signed(SECRET, at), at, 'ok'],
    ["the second receiver's secret", signed('other', at), at, 'ok'],
    ['4 min 59 s old', signed(SECRET, at - 299), at, 'ok'],
    ['5 min 1 s old', signed(SECRET, at - 301), at, 'stale'],
    ['5 min 1 s in the future', signed(SECRET, at + 301), at, 'stale'],
    ['a wrong secret', signed('wrong', at), at, 'bad'],
    ['no signature', { timestamp: String(at), signature: undefined }, at, 'bad'],
    ['a timestamp that is not a number', { timestamp: 'soon', signature: signed(SECRET, at).signature }, at, 'bad'],
    ['a v1 signature', { timestamp: String(at), signature: signed(SECRET, at).signature.replace('v0=', 'v1=') }, at, 'bad'],
  ] as const)('%s → %s', (_case, headers, now, want) => {
    expect(checkSlackSignature([SECRET, 'other'], headers, body, now * 1000).check).toBe(want);
  });

  it('ignores what is not a click on our buttons, and never puts more than Slack allows in a button', () => {
    expect(parseSlackClick('payload=not-json')).toEqual({ ignored: 'not a block_actions payload' });
    const other = { type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'someone_else', type: 'button' }] };
    expect(parseSlackClick(`payload=${encodeURIComponent(JSON.stringify(other))}`)).toMatchObject({
      ignored: expect.stringContaining('not one of'),
    });
    const alert = { fingerprint: `FlowErrors:${'x'.repeat(MAX_BUTTON_VALUE)}`, startsAt: '2026-01-01T00:00:00.000Z' };
    expect(actionButtons(alert as never, true)).toEqual([]);
  });

  it('shows an outcome under the alert acted on, without the button that did it', () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'a' } },
      { type: 'actions', block_id: 'b1', elements: [{ action_id: 'syncwatch_ack' }, { action_id: 'syncwatch_silence_1h' }] },
      { type: 'divider' },
    ];
    expect(blocksWithOutcome(blocks, 'b1', 'done', ['ack'])).toEqual([
      blocks[0],
      { type: 'actions', block_id: 'b1', elements: [{ action_id: 'syncwatch_silence_1h' }] },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'done' }] },
      blocks[2],
    ]);
  });
});
