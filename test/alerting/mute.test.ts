// Silences (config and runtime, and their end), acknowledgements, the TargetDown inhibition, /status
// flags, and the log receiver's one line per transition.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acknowledge, addSilence, expireSilence, listSilences } from '../../src/alerting/index.ts';
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
});
const receivers = () => [{ name: 'oncall', slack: { token: 'xoxb-t', channel: '#c', apiUrl: slack.apiUrl } }];
const body = (c: SlackCall | undefined) => JSON.stringify(c?.body.blocks ?? []);

describe('silences', () => {
  it('config and runtime silences hold alerts back; a runtime silence that ends lets its alert through', async () => {
    p = await startPipeline('silence', {
      receivers: receivers(),
      route: route({ receiver: 'oncall', groupWait: 200, groupInterval: 200 }),
      silences: [{ match: { target: 'celigo-prod', flow: 'Orders a' }, until: new Date(Date.now() + 3600_000), comment: 'being rebuilt' }],
    });
    const runtime = await addSilence(p.redis, p.keys, {
      match: { flow: 'b' },
      durationMs: 2500,
      comment: 'maintenance',
      createdBy: 'test',
    });
    expect((await listSilences(p.redis, p.keys)).map((s) => s.id)).toEqual([runtime.id]);
    await p.alerting.ingest(['a', 'b', 'c'].map((id) => alertOf('SyncFailed', { id })));

    const first = await waitFor('the first message', () => slack.delivered('chat.postMessage')[0]);
    expect(body(first)).toContain('Orders c');
    expect(body(first)).not.toContain('Orders a');
    expect(body(first)).not.toContain('Orders b');
    const status = await p.alerting.alertsForStatus();
    expect(status.map((s) => [s.labels.flow, s.silenced, s.inhibited])).toEqual([
      ['a', true, false],
      ['b', true, false],
      ['c', false, false],
    ]);
    expect(status[0]!.silencedBy).toEqual(['config-0']);
    expect(status[1]!.silencedBy).toEqual([runtime.id]);

    // The runtime silence ends on its own: b is announced at the group's next flush, in the thread.
    const reply = await waitFor('b after its silence ended', () => slack.delivered('chat.postMessage')[1], 20_000);
    expect(reply.body.thread_ts).toBe(first.answer.ts);
    expect(body(reply)).toContain('Orders b');
    expect(body(reply)).not.toContain('Orders a');
    expect(await listSilences(p.redis, p.keys)).toEqual([]);
    expect((await listSilences(p.redis, p.keys, { all: true })).map((s) => s.id)).toEqual([runtime.id]);
  });

  it('expire ends a runtime silence now', async () => {
    p = await startPipeline('silence-expire', { receivers: receivers(), route: route({ receiver: 'oncall' }) });
    const s = await addSilence(p.redis, p.keys, { match: { target: 'x' }, durationMs: 3600_000 });
    expect(await expireSilence(p.redis, p.keys, s.id)).toMatchObject({ id: s.id });
    expect(await expireSilence(p.redis, p.keys, 'nope')).toBeUndefined();
    expect(await listSilences(p.redis, p.keys)).toEqual([]);
    await expect(addSilence(p.redis, p.keys, { match: {}, durationMs: 1000 })).rejects.toThrow('at least one label');
  });
});

describe('acknowledgements', () => {
  it('an acknowledged alert gets no reminder, its group looks again a repeatInterval later (no flush loop); a new episode reminds again', async () => {
    const repeat = 400;
    p = await startPipeline('ack', {
      receivers: [{ name: 'log', log: {} }],
      route: route({ receiver: 'log', groupWait: 0, groupInterval: 100, repeatInterval: repeat }),
    });
    const pipe = p;
    const a = alertOf('SyncFailed', { id: 's1' });
    await pipe.alerting.ingest([a]);
    await waitFor('the first line', () => pipe.lines.filter((l) => l.alert).length === 1);
    await acknowledge(pipe.redis, pipe.keys, a, { name: 'alice', userId: 'U0ALICE' }, Date.now());
    const [gid] = await pipe.redis.smembers(pipe.keys.alerting.groups);
    const meta = pipe.keys.alerting.group(gid!).meta;
    // Read together: the reminder that was due and not sent, and the flush planned after it — a
    // repeatInterval later, not at once (which would flush again and again while the ack lasts).
    await waitFor('the next look planned a repeatInterval after the skipped reminder', async () => {
      const [checked, next] = (await pipe.redis.hmget(meta, 'repeatCheckedAt', 'nextFlush')).map(Number);
      return checked! > 0 && next! >= checked! + repeat;
    });
    expect(
      pipe.lines.filter((l) => l.alert),
      'no reminder',
    ).toHaveLength(1);
    const [status] = await pipe.alerting.alertsForStatus();
    expect(status?.acknowledged).toMatchObject({ by: 'alice' });
    const reminders = () => pipe.lines.filter((l) => String(l.msg).startsWith('[REMINDER]')).length;
    expect(reminders()).toBe(0);

    // It fires again (a new episode): not acknowledged, so its reminders come back.
    await pipe.alerting.ingest([{ ...alertOf('SyncFailed', { id: 's1', tx: 'episode-2' }), startsAt: '2026-05-01T12:00:00.000Z' }]);
    await waitFor('a reminder of the new episode', () => reminders() > 0);
    expect((await pipe.alerting.alertsForStatus())[0]?.acknowledged).toBeUndefined();
  });
});

describe('TargetDown inhibition', () => {
  it("while TargetDown fires, the target's other alerts are tracked, not sent; they go out once it resolves", async () => {
    p = await startPipeline('inhibit', {
      receivers: receivers(),
      route: route({ receiver: 'oncall', groupWait: 200, groupInterval: 200 }),
    });
    await p.alerting.ingest([
      alertOf('TargetDown', { target: 'a' }),
      alertOf('SyncFailed', { target: 'a' }),
      alertOf('FlowErrors', { target: 'a' }),
      alertOf('SyncFailed', { target: 'b' }),
    ]);
    await waitFor(
      'two messages and the pipeline idle',
      async () => slack.delivered('chat.postMessage').length === 2 && (await p!.alerting.dispatcher.idle()),
    );
    const headers = slack.delivered('chat.postMessage').map((c) => String(c.body.blocks?.[0]?.text?.text));
    expect(headers.sort()).toEqual([':red_circle: [FIRING] SyncFailed', ':red_circle: [FIRING] TargetDown']);
    const syncFailed = slack.delivered('chat.postMessage').find((c) => body(c).includes('SyncFailed'));
    expect(body(syncFailed)).toContain('*Target*\\nb');
    const status = await p.alerting.alertsForStatus();
    expect(status.map((s) => `${s.labels.kind}/${s.labels.target}:${s.inhibited}`).sort()).toEqual([
      'FlowErrors/a:true',
      'SyncFailed/a:true',
      'SyncFailed/b:false',
      'TargetDown/a:false',
    ]);

    await p.alerting.ingest([alertOf('TargetDown', { target: 'a', status: 'resolved' })]);
    await waitFor(
      'the held-back alerts and the TargetDown update',
      () => slack.delivered('chat.postMessage').length === 4 && slack.delivered('chat.update').length === 1,
    );
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    const late = slack
      .delivered('chat.postMessage')
      .slice(2)
      .map((c) => c.body.blocks?.[0]?.text?.text)
      .sort();
    expect(late).toEqual([':red_circle: [FIRING] FlowErrors', ':red_circle: [FIRING] SyncFailed']);
    expect(body(slack.delivered('chat.update')[0])).toContain('TargetDown');
    expect(slack.calls).toHaveLength(5);
  });
});

describe('log receiver', () => {
  it('prints one line per transition, exactly once, however grouped and re-ingested', async () => {
    p = await startPipeline('log', {
      receivers: [{ name: 'log', log: {} }],
      route: route({ receiver: 'log', groupWait: 100, groupInterval: 200 }),
    });
    const firing = Array.from({ length: 5 }, (_, i) => alertOf('FlowErrors', { id: `f${i}` }));
    await p.alerting.ingest(firing);
    await p.alerting.ingest(firing);
    await p.alerting.ingest([alertOf('FlowErrors', { id: 'f0', update: true })]);
    await waitFor('six lines', () => p!.lines.filter((l) => l.alert).length === 6);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    await p.alerting.ingest(firing.map((a) => alertOf('FlowErrors', { id: a.labels.flow!, status: 'resolved' })));
    await waitFor('eleven lines', () => p!.lines.filter((l) => l.alert).length === 11);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    const lines = p.lines.filter((l) => l.alert);
    expect(lines.filter((l) => l.msg.startsWith('[FIRING] FlowErrors celigo-prod: '))).toHaveLength(5);
    expect(lines.filter((l) => l.msg.startsWith('[FIRING (update)] FlowErrors celigo-prod: '))).toHaveLength(1);
    expect(lines.filter((l) => l.msg.startsWith('[RESOLVED] FlowErrors celigo-prod: '))).toHaveLength(5);
    expect(lines[0]).toMatchObject({
      receiver: 'log',
      alert: {
        fingerprint: firing[0]!.fingerprint,
        status: 'firing',
        update: false,
        labels: firing[0]!.labels,
        startsAt: firing[0]!.startsAt,
      },
    });
    expect(new Set(lines.map((l) => `${l.alert.fingerprint}|${l.alert.status}|${l.alert.update}`)).size).toBe(11);
  });
});
