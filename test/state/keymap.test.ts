// One Redis key map: every key a short daemon run creates (polls, a firing and notified alert, a
// retry policy re-submitting records) belongs to a family declared in src/state/keys.ts, or to one
// of BullMQ's queues. A key built anywhere else — a stray family — fails here.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_NAMES } from '../../src/queues.ts';
import { keyFamilies, keyspace } from '../../src/state/keys.ts';
import { waitFor } from '../fakes/wait.ts';
import { redisUrl } from '../harness/redis.ts';
import { startRig, type Rig } from '../e2e/rig.ts';

let rig: Rig;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(await redisUrl());
  rig = await startRig(
    'keymap',
    ({ simUrl, redisUrl, prefix }) => `
redis: { url: ${redisUrl}, prefix: ${prefix} }
server: { listen: 127.0.0.1:0 }
targets:
  - name: celigo-prod
    provider: celigo
    baseUrl: ${simUrl}
    token: sim-token
    interval: 1s
receivers:
  - name: log
    log: {}
route:
  receiver: log
  groupWait: 0s
  groupInterval: 1s
retryPolicies:
  - name: keymap-intermittent
    match: { classification: [intermittent] }
    action: retry
    minAge: 0s
    maxAttempts: 3
    backoff: { initial: 30s, max: 5m }
`,
    {
      scenario: {
        seed: 7,
        entities: {
          integrations: [
            {
              name: 'Orders',
              flows: [{ name: 'Orders', imports: 1, openErrors: 0 }],
              syncs: [{ name: 'Orders to Snowflake', history: ['completed'] }],
            },
          ],
        },
      },
    },
  );
  await rig.polls(1);
}, 60_000);

afterAll(async () => {
  await rig?.close();
  redis?.disconnect();
});

async function allKeys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', keyspace(prefix).everything, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

describe('the Redis key map', () => {
  it('declares the family of every key a daemon run creates', async () => {
    const world = await rig.admin('/world', undefined, 'GET');
    const flow = world.flows[0];
    await rig.admin(`/syncs/${world.syncs[0]._id}/fail`, { numErrors: 2, message: 'warehouse suspended' });
    await rig.admin(`/flows/${flow._id}/steps/${flow.steps[0].id}/errors`, {
      count: 3,
      classification: 'intermittent',
      withRetryDataKey: true,
      code: '503',
      message: 'Read timed out',
      retryAt: null,
    });
    await waitFor(
      'a [FIRING] SyncFailed notification',
      async () => rig.transitions().some((t) => t.kind === 'SyncFailed' && t.status === 'firing') || undefined,
      60_000,
    );
    await waitFor('a retry that succeeded', async () => rig.logs.some((l) => l.msg === 'retried records succeeded') || undefined, 60_000);
    await rig.polls(1);

    const prefix = rig.config.redis.prefix;
    const families = keyFamilies(prefix, QUEUE_NAMES);
    const keys = await allKeys(prefix);
    const stray = keys.filter((k) => !families.some((f) => f.pattern.test(k)));
    expect(stray, 'keys of no family declared in src/state/keys.ts').toEqual([]);

    // The run did write the families it should (so the check above saw something).
    const seen = new Set(keys.flatMap((k) => families.filter((f) => f.pattern.test(k)).map((f) => f.name)));
    for (const family of [
      'snapshots',
      'target',
      'cycleChunks',
      'owner',
      'bucket',
      'alerting.tx',
      'alerting.firing',
      'alerting.groups',
      'alerting.group.meta',
      'alerting.group.nlog',
      'retry.budget',
      'retry.stats',
      'bullmq.poll',
      'bullmq.notify',
      'bullmq.retry',
    ]) {
      expect(seen, `a key of the family ${family}`).toContain(family);
    }
  }, 120_000);

  it('names no key outside the families (a made-up family is stray)', () => {
    const families = keyFamilies('p', QUEUE_NAMES);
    const k = keyspace('p');
    // BullMQ's `retry` queue shares `{p}:retry:` with retry's families (its job ids never contain ':').
    const matches = (key: string) => families.filter((f) => f.pattern.test(key) && !f.name.startsWith('bullmq.')).map((f) => f.name);
    expect(matches(k.alerting.group('g1').nlog)).toContain('alerting.group.nlog');
    expect(matches(k.retry.budget('t', 'pol', 123))).toEqual(['retry.budget']);
    expect(matches(k.alerting.tx('celigo-prod:SyncFailed:abc#1'))).toEqual(['alerting.tx']);
    expect(matches('{p}:elsewhere:x')).toEqual([]);
    expect(matches('{q}:snap:t')).toEqual([]);
  });

  it('keeps the key names of existing deployments', () => {
    const k = keyspace('syncwatch');
    expect([
      k.snapshots('t'),
      k.alertHistory,
      k.demo,
      k.alerting.firing,
      k.alerting.silences,
      k.alerting.group('g').delivery,
      k.alerting.targetGroups('t'),
      k.retry.lock('r'),
      k.retry.cooldown('t', 'flow', 'f'),
      k.retry.stats(7),
    ]).toEqual([
      '{syncwatch}:snap:t',
      '{syncwatch}:alerts:history',
      '{syncwatch}:demo',
      '{syncwatch}:alerting:firing',
      '{syncwatch}:alerting:silences',
      '{syncwatch}:alerting:g:g:delivery',
      '{syncwatch}:alerting:gtarget:t',
      '{syncwatch}:retry:lock:r',
      '{syncwatch}:retry:cooldown:t:flow:f',
      '{syncwatch}:retry:stats:7',
    ]);
    expect(k.alerting.tx('x')).toMatch(/^\{syncwatch\}:alerting:tx:[0-9a-f]{40}$/);
  });
});
