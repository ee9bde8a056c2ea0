// The console's history shows the alert transitions (each once, however often a chunk is
// re-processed and whichever replica takes it), silences (created from the console, by amtool or the
// CLI — all land in the shared silences) next to them, and a filter form narrows it by target and kind.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAlerting } from '../../src/alerting/index.ts';
import { addSilence } from '../../src/alerting/silence.ts';
import { alertHistoryLog } from '../../src/console/index.ts';
import { readHistory } from '../../src/console/history.ts';
import { consoleRoutes } from '../../src/console/routes.ts';
import { createLogger } from '../../src/log.ts';
import { keyspace } from '../../src/state/keys.ts';
import { alertOf } from '../alerting/fixtures.ts';
import { route } from '../alerting/harness.ts';
import { testRedis } from '../harness/redis.ts';

let redis: Awaited<ReturnType<typeof testRedis>>;
let clock = Date.parse('2026-12-04T10:00:00Z');

beforeAll(async () => {
  redis = await testRedis('console-history');
});
afterAll(async () => {
  await redis?.cleanup();
});

const status = async () => ({
  targets: [
    { name: 'celigo-prod', provider: 'celigo', intervalSeconds: 60, lastPollAt: null, lastOutcome: null, consecutiveFailures: 0 },
    { name: 'neo-eu', provider: 'neo', intervalSeconds: 60, lastPollAt: null, lastOutcome: null, consecutiveFailures: 0 },
  ],
  alerts: [],
  retryPolicies: [],
});

function routes() {
  return consoleRoutes({ redis: redis.redis, keys: keyspace(redis.prefix), status, configSilences: [], now: () => clock });
}

const historyOf = (body: string) => /<section id="history">[^]*?<\/section>/.exec(body)?.[0] ?? '';
const request = (method: string, path: string, body = '', query = '') => ({
  method,
  path,
  query: new URLSearchParams(query),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  text: async () => body,
  user: 'ada',
  csrf: 'tok',
});

it('a transition is recorded once even when a chunk is re-processed, or two replicas take it in at once', async () => {
  const keys = keyspace(redis.prefix);
  const queue = new Queue('notify', { connection: redis.redis, prefix: keys.prefix }); // no worker: nothing is sent
  // Two replicas, wired as the daemon wires one: the history is alerting's transition log.
  const [a, b] = [0, 1].map(() =>
    createAlerting({
      config: { receivers: [{ name: 'log', log: {} }], route: route({ receiver: 'log', groupWait: 3600_000 }), silences: [] },
      redis: redis.redis,
      keys,
      notifyQueue: queue,
      logger: createLogger({ level: 'silent' }),
      transitionLog: alertHistoryLog(keys),
      now: () => clock,
    }),
  );
  try {
    const chunk = [
      alertOf('SyncFailed', { id: 's1' }),
      alertOf('FlowErrors', { id: 'f1' }),
      alertOf('FlowErrors', { id: 'f1', update: true }),
    ];
    await a!.ingest(chunk);
    await a!.ingest(chunk); // re-processed
    await Promise.all([a!.ingest([...chunk, alertOf('FlowErrors', { id: 'f1', status: 'resolved' })]), b!.ingest(chunk.slice(1))]);
    const rows = (await readHistory(redis.redis, keys)).map((e) => `${e.transition} ${e.kind} ${e.resource}`);
    expect(rows).toEqual([
      'resolved FlowErrors celigo/celigo-prod/step/f1/imp1',
      'updated FlowErrors celigo/celigo-prod/step/f1/imp1',
      'fired FlowErrors celigo/celigo-prod/step/f1/imp1',
      'fired SyncFailed celigo/celigo-prod/flow/s1',
    ]);
    // The history keeps no marks of its own: alerting's mark of each transition is the only one.
    expect(await redis.redis.keys(`${keys.prefix}:alerts:history:seen:*`)).toEqual([]);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.redis.del(keys.alertHistory);
  }
});

it('records a silence created in the console and its expiry in the history, with its author', async () => {
  const r = routes();
  const form = new URLSearchParams({
    matchers: 'alertname="SyncFailed"\ntarget="celigo-prod"',
    duration: '2h',
    comment: 'maintenance window',
    createdBy: 'ada',
  });
  expect((await r(request('POST', '/console/silences', form.toString())))?.status).toBe(303);
  let live = (await r(request('GET', '/console/live')))!.body;
  expect(live).toMatch(
    /<tr data-transition="silence created" data-kind="SyncFailed">.*silence created by ada.*celigo-prod.*maintenance window/s,
  );
  expect(live).not.toContain('data-transition="silence expired"');

  clock += 60_000;
  const id = /data-silence="([^"]+)"/.exec(live)![1]!;
  expect((await r(request('POST', `/console/silences/${id}/expire`)))?.status).toBe(303);
  live = (await r(request('GET', '/console/live')))!.body;
  const rows = [...live.matchAll(/<tr data-transition="([^"]+)"/g)].map((m) => m[1]);
  expect(rows).toEqual(['silence expired', 'silence created']); // newest first
});

it('shows silences made elsewhere (amtool, the CLI) too, and the filter keeps only their target and kind', async () => {
  clock += 60_000;
  await addSilence(redis.redis, keyspace(redis.prefix), {
    match: { target: 'neo-eu', kind: 'SyncStale' },
    durationMs: 3600_000,
    comment: 'from the CLI',
    now: clock,
  });
  const r = routes();
  const all = (await r(request('GET', '/console/live')))!.body;
  expect(all).toContain('from the CLI');

  const neo = historyOf((await r(request('GET', '/console/live', '', 'target=neo-eu')))!.body);
  expect(neo).toContain('from the CLI');
  expect(neo).not.toContain('maintenance window');
  const kind = historyOf((await r(request('GET', '/console/live', '', 'kind=SyncFailed')))!.body);
  expect(kind).toContain('maintenance window');
  expect(kind).not.toContain('from the CLI');
});

it('has a filter form (target, kind) that keeps the chosen values selected', async () => {
  const page = (await routes()(request('GET', '/', '', 'target=neo-eu&kind=SyncStale')))!.body;
  const form = /<form method="get" action="\/" class="filter"[^]*?<\/form>/.exec(page)?.[0] ?? '';
  // Whitespace inside and between tags is layout, not content.
  const flat = form.replace(/>\s+</g, '><').replace(/\s+>/g, '>').replace(/\s+/g, ' ');
  expect(flat).toContain(
    '<select name="target"><option value="">any</option><option value="celigo-prod">celigo-prod</option><option value="neo-eu" selected>neo-eu</option></select>',
  );
  expect(flat).toMatch(/<select name="kind">.*<option value="SyncStale" selected>SyncStale<\/option>/s);
  expect(flat).toContain('<option value="TargetDown">');
});
