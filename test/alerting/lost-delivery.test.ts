// A group's notification committed, but its delivery job lost (Redis restored from an older copy, or
// wiped between the flush's commit and the delivery job): the group must not stay "in flight" forever.
// The committed notification is delivered, and later transitions of the group still go out.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../fakes/wait.ts';
import { startFakeWebhook, type FakeWebhook } from '../fakes/webhook.ts';
import { alertOf } from './fixtures.ts';
import { route, startPipeline, type Pipeline } from './harness.ts';

let hook: FakeWebhook;
let p: Pipeline | undefined;
beforeAll(async () => {
  hook = await startFakeWebhook();
});
afterAll(async () => hook.close());
afterEach(async () => {
  await p?.close();
  p = undefined;
  hook.requests.length = 0;
});

const alertnames = (i: number) =>
  (JSON.parse(hook.requests[i]!.raw.toString()) as { alerts: Array<{ labels: { resource: string } }> }).alerts.map(
    (a) => a.labels.resource,
  );

/** The only group's id, and its meta hash key. */
async function theGroup(p: Pipeline): Promise<{ id: string; meta: string }> {
  const [id] = await p.redis.smembers(p.keys.alerting.groups);
  return { id: id!, meta: p.keys.alerting.group(id!).meta };
}

describe('a delivery job lost after its commit', () => {
  it('the committed notification is still delivered, once, and the group keeps working', async () => {
    p = await startPipeline('lost-deliver', {
      receivers: [{ name: 'hook', webhook: { url: hook.url } }],
      route: route({ receiver: 'hook', groupWait: 0, groupInterval: 0 }),
    });
    // Workers take nothing: the flush runs here, by hand, and its delivery job waits in the queue.
    await p.queue.pause();
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'a1' })]);
    const g = await theGroup(p);
    await p.alerting.dispatcher.flush({ id: 'by-hand', data: { groupId: g.id, at: Date.now() } } as never);
    expect(await p.redis.hget(g.meta, 'inflight')).toBe('1');
    expect(await p.queue.getJob(`deliver-${g.id}-1`)).toBeDefined();
    // The delivery job vanishes (as when Redis is restored from an older copy); the committed notification stays.
    await p.queue.obliterate({ force: true });
    await p.queue.resume();
    await p.redis.hset(g.meta, 'inflightAt', 0);
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'a2' })]);
    await waitFor('both alerts delivered', () => hook.requests.length >= 2 && alertnames(hook.requests.length - 1).length === 2, 20_000);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(hook.requests).toHaveLength(2);
    const delivered = hook.requests.map((_, i) => alertnames(i));
    expect(delivered[0]).toEqual([expect.stringContaining('a1')]);
    expect(delivered.at(-1)).toHaveLength(2);
    expect(await p.redis.hget(g.meta, 'inflight')).toBeNull();
  });

  it('a committed notification that is gone too releases the group', async () => {
    p = await startPipeline('lost-notif', {
      receivers: [{ name: 'hook', webhook: { url: hook.url } }],
      route: route({ receiver: 'hook', groupWait: 0, groupInterval: 0 }),
    });
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'b1' })]);
    await waitFor('the first notification', () => hook.requests.length === 1);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    const g = await theGroup(p);
    // A commit whose notification and delivery job were both lost.
    await p.redis.hset(g.meta, 'inflight', '7', 'inflightAt', 0);
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'b2' })]);
    await waitFor('the second notification', () => hook.requests.length === 2, 20_000);
    expect(alertnames(1)).toEqual(expect.arrayContaining([expect.stringContaining('b2')]));
  });

  it('a delivery still being committed (recent, job not yet added) is left alone', async () => {
    p = await startPipeline('lost-recent', {
      receivers: [{ name: 'hook', webhook: { url: hook.url } }],
      route: route({ receiver: 'hook', groupWait: 0, groupInterval: 0 }),
    });
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'c1' })]);
    await waitFor('the first notification', () => hook.requests.length === 1);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    const g = await theGroup(p);
    await p.redis.hset(g.meta, 'inflight', '7', 'inflightAt', Date.now());
    await p.alerting.dispatcher.planFlush(g.id);
    expect(await p.redis.hget(g.meta, 'inflight')).toBe('7');
  });
});
