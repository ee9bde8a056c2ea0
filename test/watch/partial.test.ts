// Issue 12: failures the platforms report that syncwatch used to keep quiet about, each driven
// through the simulator and asserted as the alert a person gets — a Data Loader job completed with
// errors (1) and its tables and messages (7), syncs of integrations no flow brings in and syncs that
// leave the scope (3), a Neo SUCCESS with failures (2), Airweave's per-endpoint auth (10) and
// entities_failed. The same Watch code as the daemon, one cycle at a time, state in Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alert/model.ts';
import { createLogger } from '../../src/log.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { Watch, type WatchTarget } from '../../src/watch/watch.ts';
import { testRedis } from '../harness/redis.ts';
import { watchAlerting, type WatchAlerting } from './alerting.ts';
import { simAdmin } from '../harness/sim-admin.ts';

let sim: Simulator;
let redis: Awaited<ReturnType<typeof testRedis>>;
/** As the daemon: transitions go through alerting, which keeps the index of firing alerts. */
let alerting: WatchAlerting;
const logger = createLogger({ level: 'silent' });
let serial = 0;

interface World {
  integrations: Array<{ _id: string; name: string; flowIds: string[]; syncIds: string[] }>;
  syncs: Array<{ _id: string; name: string; _integrationId: string }>;
  flows: Array<{ _id: string; name: string }>;
}
let world: World;
const syncNamed = (name: string) => world.syncs.find((s) => s.name === name)!._id;
const admin = <T = any>(path: string, body?: unknown, method = 'POST') => simAdmin<T>(sim.url, path, body, method);

beforeAll(async () => {
  redis = await testRedis('watch-partial');
  alerting = watchAlerting(redis.url, redis.redis, keyspace(redis.prefix));
  sim = await startSimulator({
    port: 0,
    scenario: {
      seed: 12,
      entities: {
        integrations: [
          {
            name: 'Shop',
            flows: [{ name: 'Orders', imports: 1, openErrors: 0 }],
            syncs: [
              { name: 'Warehouse', tables: ['accounts', 'contacts', 'orders'], history: ['completed', 'completed'] },
              { name: 'Billing', tables: ['invoices', 'payments'], history: ['completed'] },
            ],
          },
          {
            name: 'Back office',
            flows: [{ name: 'Ledger', imports: 1, openErrors: 0 }],
            syncs: [{ name: 'Ledger sync', history: ['completed'] }],
          },
        ],
      },
      airweave: {
        entities: [
          { name: 'GitHub', history: ['completed'] },
          { name: 'Notion', history: ['completed'] },
        ],
      },
      neo: {
        integrations: [
          { name: 'connectwise', history: ['SUCCESS'] },
          { name: 'autotask', history: ['SUCCESS'] },
        ],
      },
    },
  });
  world = await admin<World>('/world', undefined, 'GET');
});
afterAll(async () => {
  await sim.close();
  await alerting.close();
  await redis.cleanup();
});

type AnyTarget = WatchTarget & Record<string, unknown>;

/** One cycle of `target` against the shared Redis state; the events it raised. */
async function cycle(target: AnyTarget): Promise<AlertEvent[]> {
  const keys = keyspace(redis.prefix);
  const events: AlertEvent[] = [];
  const watch = new Watch({ targets: [target], redis: redis.redis, keys, store: new StateStore(redis.redis, keys), logger });
  try {
    await watch.cycle(target.name, String(1_000_000 + ++serial), {
      chunks: async () => {},
      events: async (e) => (events.push(...e), alerting.ingest(e)),
      retired: (_e, reopened) => alerting.alerting.reopen(reopened),
    });
  } finally {
    await watch.close();
  }
  return events;
}

const base = { baseUrl: '', interval: 60_000, requestsPerSecond: 200, failuresBeforeAlert: 1 };
const celigo = (over: Record<string, unknown> = {}): AnyTarget => ({
  ...base,
  name: 'shop',
  provider: 'celigo',
  baseUrl: sim.url,
  token: 'sim-token',
  ...over,
});
const brief = (events: AlertEvent[]) => events.map((e) => `${e.labels.kind}:${e.status}${e.update ? ':update' : ''}`);

describe('Celigo Data Loader', () => {
  it('a job completed with errors raises SyncPartial with the tables and first messages; a clean run resolves it', async () => {
    expect(brief(await cycle(celigo()))).toEqual([]);
    await admin(`/syncs/${syncNamed('Warehouse')}/succeed`, {
      numErrors: 5,
      failedTables: ['contacts', 'orders'],
      code: 'STRING_TOO_LONG',
      message: 'String is too long for column EMAIL',
    });

    const fired = await cycle(celigo());
    expect(brief(fired)).toEqual(['SyncPartial:firing']);
    const alert = fired[0]!;
    expect(alert.labels).toMatchObject({ kind: 'SyncPartial', severity: 'warning', sync: syncNamed('Warehouse') });
    expect(alert.annotations.summary).toBe(`sync ${syncNamed('Warehouse')} succeeded with 5 failed record(s)`);
    expect(alert.annotations.error).toContain('5 error(s) in 2 table(s): contacts (3), orders (2)');
    expect(alert.annotations.error).toContain('- contacts: STRING_TOO_LONG: String is too long for column EMAIL');
    expect(alert.annotations.failedRecords?.filter((f) => f.count !== undefined)).toEqual([
      expect.objectContaining({ resource: 'contacts', count: 3 }),
      expect.objectContaining({ resource: 'orders', count: 2 }),
    ]);
    expect(brief(await cycle(celigo()))).toEqual([]); // steady: fired once

    await admin(`/syncs/${syncNamed('Warehouse')}/succeed`, {});
    const resolved = await cycle(celigo());
    expect(brief(resolved)).toEqual(['SyncPartial:resolved']);
    expect(resolved[0]!.annotations.summary).toMatch(/succeeded without failed records/);
  });

  it('partialFailures.minRecords keeps a small partial failure quiet', async () => {
    await admin(`/syncs/${syncNamed('Warehouse')}/succeed`, { numErrors: 2 });
    expect(brief(await cycle(celigo({ partialFailures: { minRecords: 3 } })))).toEqual([]);
    await admin(`/syncs/${syncNamed('Warehouse')}/succeed`, {});
    expect(brief(await cycle(celigo({ partialFailures: { minRecords: 3 } })))).toEqual([]);
  });

  it('SyncFailed names the failed tables and the first error messages, not only a count', async () => {
    await admin(`/syncs/${syncNamed('Billing')}/fail`, {
      numErrors: 2,
      failedTables: ['payments'],
      code: 'WAREHOUSE_SUSPENDED',
      message: 'Snowflake: warehouse suspended',
    });
    const fired = await cycle(celigo());
    expect(brief(fired)).toEqual(['SyncFailed:firing']);
    expect(fired[0]!.annotations.error).toContain('2 error(s) in 1 table(s): payments (2)');
    expect(fired[0]!.annotations.error).toContain('- payments: WAREHOUSE_SUSPENDED: Snowflake: warehouse suspended');
    await admin(`/syncs/${syncNamed('Billing')}/succeed`, {});
    expect(brief(await cycle(celigo()))).toEqual(['SyncFailed:resolved']);
  });

  it('a sync-only integration is watched when the target lists it, and forgotten when it no longer does', async () => {
    const added = await admin<{ _id: string; syncIds: string[] }>('/integrations', {
      name: 'Warehouse only',
      syncs: [{ name: 'DL', history: ['completed', 'failed'] }],
    });
    // Found through flows only: the integration has none, so its failed sync goes unseen.
    expect(brief(await cycle(celigo()))).toEqual([]);

    const listed = celigo({ integrations: [added._id] });
    const fired = await cycle(listed);
    expect(brief(fired)).toEqual(['SyncFailed:firing']);
    expect(fired[0]!.labels).toMatchObject({ integration: added._id, sync: added.syncIds[0] });

    const gone = await cycle(celigo());
    expect(brief(gone)).toEqual(['SyncFailed:resolved']);
    expect(gone[0]!.annotations.summary).toMatch(/no longer watched/);
    expect(brief(await cycle(celigo()))).toEqual([]);
  });

  it('a sync that leaves the scope and comes back still failing fires again, and resolves when it succeeds', async () => {
    const ledger = syncNamed('Ledger sync');
    const firing = async () => (await alerting.firing()).filter((a) => a.labels.sync === ledger).map((a) => a.labels.kind);
    await admin(`/syncs/${ledger}/fail`, { numErrors: 1 });
    await cycle(celigo());
    expect(await firing()).toEqual(['SyncFailed']);
    await cycle(celigo({ exclude: { flows: ['Ledger'] } }));
    expect(await firing()).toEqual([]);
    // Back in scope with the same failed run: the person must hear of it again.
    await cycle(celigo());
    expect(await firing()).toEqual(['SyncFailed']);
    await admin(`/syncs/${ledger}/succeed`, {});
    await cycle(celigo());
    expect(await firing()).toEqual([]);
  });

  it('a listed integration that does not exist is one TargetMisconfigured; the rest is still watched', async () => {
    const missing = '0123456789abcdef01234567';
    const fired = await cycle(celigo({ integrations: [missing] }));
    expect(brief(fired)).toEqual(['TargetMisconfigured:firing']);
    expect(fired[0]!.annotations.error).toBe(`${missing}: integration ${missing} does not exist in this account (check integrations)`);
    expect(brief(await cycle(celigo()))).toEqual(['TargetMisconfigured:resolved']);
  });

  it('the syncs of an integration whose flows are all excluded leave the scope; their alerts resolve', async () => {
    const ledger = syncNamed('Ledger sync');
    await admin(`/syncs/${ledger}/fail`, { numErrors: 1 });
    expect(brief(await cycle(celigo()))).toEqual(['SyncFailed:firing']);
    const excluded = await cycle(celigo({ exclude: { flows: ['Ledger'] } }));
    expect(brief(excluded)).toEqual(['SyncFailed:resolved']);
    expect(excluded[0]!.labels.sync).toBe(ledger);
    expect(excluded[0]!.annotations.summary).toMatch(/no longer watched/);
    // Listed by id, it is watched again although its flows stay excluded.
    const backOffice = world.integrations.find((i) => i.name === 'Back office')!._id;
    expect(brief(await cycle(celigo({ exclude: { flows: ['Ledger'] }, integrations: [backOffice] })))).toEqual(['SyncFailed:firing']);

    // A snapshot an older version wrote (no integration in it): its open alert's labels say whose it is.
    const keys = keyspace(redis.prefix);
    const field = `celigo/shop/sync/${ledger}`;
    const snap = JSON.parse((await redis.redis.hget(keys.snapshots('shop'), field))!) as Record<string, unknown>;
    delete snap.integrationId;
    await redis.redis.hset(keys.snapshots('shop'), field, JSON.stringify(snap));
    const old = await cycle(celigo({ exclude: { flows: ['Ledger'] } }));
    expect(brief(old)).toEqual(['SyncFailed:resolved']);
    expect(old[0]!.annotations.summary).toMatch(/no longer watched/);
  });
});

describe('Neo', () => {
  const neo = (integrations: string[]): AnyTarget => ({
    ...base,
    name: 'neo',
    provider: 'neo',
    baseUrl: sim.url,
    token: 'sim-token',
    integrations,
  });

  it('a SUCCESS run with failures[] raises SyncPartial with the per-resource failures; a clean run resolves it', async () => {
    expect(brief(await cycle(neo(['connectwise', 'autotask'])))).toEqual([]);
    await admin('/neo/integrations/connectwise/runs', {
      status: 'SUCCESS',
      newRun: true,
      failures: [
        {
          resource_label: 'Ticket Types',
          parent_label: 'Board 444',
          reason: 'permission_denied',
          error_message: 'The API member cannot read this board',
        },
      ],
    });
    const fired = await cycle(neo(['connectwise', 'autotask']));
    expect(brief(fired)).toEqual(['SyncPartial:firing']);
    expect(fired[0]!.annotations.summary).toBe('sync connectwise succeeded with 1 failed record(s)');
    expect(fired[0]!.annotations.error).toContain('Ticket Types (Board 444): permission_denied: The API member cannot read this board');
    expect(fired[0]!.annotations.failedRecords).toEqual([
      expect.objectContaining({ resource: 'Ticket Types', reason: 'permission_denied' }),
    ]);

    await admin('/neo/integrations/connectwise/runs', { status: 'SUCCESS', newRun: true });
    expect(brief(await cycle(neo(['connectwise', 'autotask'])))).toEqual(['SyncPartial:resolved']);
  });

  it('an integration removed from the configuration is forgotten and its alert resolves', async () => {
    await admin('/neo/integrations/autotask/runs', { status: 'FAILURE', newRun: true, error: 'token revoked' });
    expect(brief(await cycle(neo(['connectwise', 'autotask'])))).toEqual(['SyncFailed:firing']);
    const gone = await cycle(neo(['connectwise']));
    expect(brief(gone)).toEqual(['SyncFailed:resolved']);
    expect(gone[0]!.annotations.summary).toMatch(/autotask is no longer watched/);
  });
});

describe('Airweave', () => {
  const airweave = (over: Record<string, unknown> = {}): AnyTarget => ({
    ...base,
    name: 'aw',
    provider: 'airweave',
    baseUrl: sim.url,
    apiKey: 'sim-token',
    ...over,
  });
  let syncs: Array<{ id: string; name: string; sourceConnectionId: string }>;
  beforeAll(async () => {
    syncs = (await admin<{ syncs: typeof syncs }>('/airweave', undefined, 'GET')).syncs;
  });

  it('the organisation-wide jobs are read with Authorization: Bearer, as seed 002 documents (no TargetDown)', async () => {
    const events = await cycle(airweave());
    expect(events.filter((e) => e.labels.kind === 'TargetDown')).toEqual([]);
    expect(brief(events)).toEqual([]);
    // The simulator refuses the key in the other endpoint's scheme, as the API does.
    const wrong = await fetch(`${sim.url}/v1/sync/jobs`, { headers: { 'x-api-key': 'sim-token' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { detail: string }).detail).toMatch(/Not authenticated/);
  });

  it('a completed job with entities_failed (seed 001) raises SyncPartial; a clean one resolves it', async () => {
    const github = syncs.find((s) => s.name === 'GitHub')!;
    const bySource = airweave({ name: 'aw-sc', sourceConnections: syncs.map((s) => s.sourceConnectionId) });
    expect(brief(await cycle(bySource))).toEqual([]);
    await admin(`/airweave/jobs/${github.id}/succeed`, { entitiesFailed: 7 });
    const fired = await cycle(bySource);
    expect(brief(fired)).toEqual(['SyncPartial:firing']);
    expect(fired[0]!.annotations.summary).toBe(`sync ${github.sourceConnectionId} succeeded with 7 failed record(s)`);
    expect(fired[0]!.annotations.counts).toMatchObject({ failed: 7 });
    await admin(`/airweave/jobs/${github.id}/succeed`, {});
    expect(brief(await cycle(bySource))).toEqual(['SyncPartial:resolved']);
  });

  it('a source connection removed from the configuration is forgotten and its alert resolves', async () => {
    const notion = syncs.find((s) => s.name === 'Notion')!;
    const both = airweave({ name: 'aw-sc', sourceConnections: syncs.map((s) => s.sourceConnectionId) });
    await admin(`/airweave/jobs/${notion.id}/fail`, { error: 'OAuth token expired' });
    expect(brief(await cycle(both))).toEqual(['SyncFailed:firing']);
    const gone = await cycle({ ...both, sourceConnections: syncs.filter((s) => s !== notion).map((s) => s.sourceConnectionId) });
    expect(brief(gone)).toEqual(['SyncFailed:resolved']);
    expect(gone[0]!.labels.sync).toBe(notion.sourceConnectionId);
    expect(gone[0]!.annotations.summary).toMatch(/no longer watched/);
  });
});
