// What taking a transition in costs in Redis key writes (counted as bench/cycle.ts counts them), the
// console's history included as the daemon wires it: a steady cycle's alert transitions are most of
// its writes. Each write is one the transition needs; a re-processed chunk writes nothing.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAlerting, type Alerting } from '../../src/alerting/index.ts';
import { alertHistoryLog } from '../../src/console/index.ts';
import { createLogger } from '../../src/log.ts';
import { keyspace } from '../../src/state/keys.ts';
import { keyWritesRedis, total, type KeyWritesRedis } from '../harness/key-writes.ts';
import { alertOf } from './fixtures.ts';
import { route } from './harness.ts';

const keys = keyspace('ingest-writes');
let server: KeyWritesRedis;
let queue: Queue;
let alerting: Alerting;

beforeAll(async () => {
  server = await keyWritesRedis();
  // No worker: the flushes ingest plans stay planned (groupWait 1h), so only ingest's own writes count.
  queue = new Queue('notify', { connection: server.redis, prefix: keys.prefix });
  alerting = createAlerting({
    config: { receivers: [{ name: 'log', log: {} }], route: route({ receiver: 'log', groupWait: 3600_000 }), silences: [] },
    redis: server.redis,
    keys,
    notifyQueue: queue,
    logger: createLogger({ level: 'silent' }),
    transitionLog: alertHistoryLog(keys),
  });
});
afterAll(async () => {
  await queue?.close();
  await server?.close();
});

const ingest = (...events: Parameters<Alerting['ingest']>[0]) => server.writes(keys.prefix, () => alerting.ingest(events));

it('the first transition of a group also makes the group: its meta, its index entries and its flush', async () => {
  const writes = await ingest(alertOf('FlowErrors', { id: 'f0' }));
  expect(writes).toMatchObject({ 'alerting:g:#:meta hset': 3 }); // receiver…, firstAt, nextFlush
  expect(writes['notify:delayed zadd']).toBe(1);
});

it('a transition into a group that exists writes 6 keys: its mark (set + expire), the firing index, the group’s alerts and pending, its history line, and nothing else', async () => {
  const writes = await ingest(alertOf('FlowErrors', { id: 'f1' }));
  expect(writes).toEqual({
    'alerting:tx:# set': 1,
    'alerting:tx:# expire': 1,
    'alerting:firing hset': 1,
    'alerting:g:#:alerts hset': 1,
    'alerting:g:#:pending rpush': 1,
    'alerts:history xadd': 1,
  });
});

it('taken again (a re-processed chunk, another replica): writes nothing — its flush is planned and its job is there', async () => {
  const events = [alertOf('FlowErrors', { id: 'f0' }), alertOf('FlowErrors', { id: 'f1' })];
  expect(await ingest(...events)).toEqual({});
});

it('an update writes what a firing does: its mark, the index entry replaced, the group’s alerts and pending, its history line', async () => {
  const writes = await ingest(alertOf('FlowErrors', { id: 'f1', update: true }));
  expect(total(writes)).toBe(6);
  expect(await server.redis.exists(keys.alerting.firingCounts)).toBe(0);
});

it('a resolution takes the alert out of the index', async () => {
  const writes = await ingest(alertOf('FlowErrors', { id: 'f1', status: 'resolved' }));
  expect(writes).toEqual({
    'alerting:tx:# set': 1,
    'alerting:tx:# expire': 1,
    'alerting:firing hdel': 1,
    'alerting:g:#:alerts hset': 1,
    'alerting:g:#:pending rpush': 1,
    'alerts:history xadd': 1,
  });
  expect(await server.redis.hexists(keys.alerting.firing, alertOf('FlowErrors', { id: 'f1' }).fingerprint)).toBe(0);
});

it('a group whose meta changed (its group labels in another order) gets it written again, and only then', async () => {
  const reordered = createAlerting({
    config: {
      receivers: [{ name: 'log', log: {} }],
      route: route({ receiver: 'log', groupWait: 3600_000, groupBy: ['kind', 'target'] }),
      silences: [],
    },
    redis: server.redis,
    keys,
    notifyQueue: queue,
    logger: createLogger({ level: 'silent' }),
  });
  const [gid] = await server.redis.smembers(keys.alerting.groups);
  const meta = keys.alerting.group(gid!).meta;
  expect(await server.redis.hget(meta, 'groupLabels')).toBe('{"target":"celigo-prod","kind":"FlowErrors"}');
  let writes = await server.writes(keys.prefix, () => reordered.ingest([alertOf('FlowErrors', { id: 'f2' })]));
  expect(await server.redis.smembers(keys.alerting.groups)).toEqual([gid]); // the same group
  expect(writes['alerting:g:#:meta hset']).toBe(1);
  expect(await server.redis.hget(meta, 'groupLabels')).toBe('{"kind":"FlowErrors","target":"celigo-prod"}');
  writes = await server.writes(keys.prefix, () => reordered.ingest([alertOf('FlowErrors', { id: 'f3' })]));
  expect(writes['alerting:g:#:meta hset']).toBeUndefined();
});
