// The Neo provider against the simulator: cursor pagination, the since window, every status row,
// per-resource failures, the three 404 configuration codes, 429 + Retry-After, alerts via diff —
// and one observation of Celigo, Airweave and Neo targets through the provider registry.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isSyncwatchError } from '../../src/errors.ts';
import { HttpClient } from '../../src/http/client.ts';
import type { Clock } from '../../src/http/types.ts';
import { createLogger } from '../../src/log.ts';
import type { Observation, ProviderName } from '../../src/model.ts';
import { isPartialObservationError, providers } from '../../src/providers/index.ts';
import {
  NEO_CONFIG_ERROR_CODES,
  NEO_DEFAULT_LOOKBACK_MS,
  NEO_ERROR_FAILURES_SHOWN,
  NEO_MAX_WINDOW_MS,
  NEO_STATUS,
  NEO_WINDOW_MARGIN_MS,
  NeoClient,
  neoProvider,
  neoRunStatus,
  syncRunToRun,
  syncRunsSince,
  type NeoTarget,
} from '../../src/providers/neo/index.ts';
import type { PollContext } from '../../src/providers/types.ts';
import { startSimulator, type NeoSummary, type Simulator } from '../../src/simulator/index.ts';
import { diff, type AlertRules, type Snapshots } from '../../src/state/diff.ts';
import { simAdmin } from '../harness/sim-admin.ts';

const TOKEN = 'neo_sk_test_secret';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const rules: AlertRules = { minNewErrors: 1, failuresBeforeAlert: 3 };

/** A clock only the test moves; the simulator, the provider and the HTTP client's sleeps share it. */
let current = Date.parse('2026-03-01T12:00:00.000Z');
const now = () => current;
const sleeps: number[] = [];
const clock: Clock = {
  now,
  async sleep(ms) {
    sleeps.push(ms);
    current += ms;
  },
};

let sim: Simulator;
let http: HttpClient;
let client: NeoClient;
const logger = createLogger({ level: 'silent' });

const admin = <T = unknown>(path: string, body?: unknown, method = 'POST') => simAdmin<T>(sim.url, path, body, method);
const target = (over: Partial<NeoTarget> = {}): NeoTarget => ({
  name: 'neo',
  baseUrl: sim.url,
  token: TOKEN,
  integrations: ['connectwise', 'autotask'],
  ...over,
});
const ctx = (over: Partial<PollContext> = {}): PollContext => ({ http, logger, now, ...over });
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    neoToken: TOKEN,
    now,
    scenario: {
      seed: 5,
      integrations: 0,
      neo: {
        runIntervalMinutes: 60,
        integrations: [
          { name: 'connectwise', history: ['SUCCESS', 'SUCCESS', 'SUCCESS'] },
          { name: 'autotask', history: ['SUCCESS', 'FAILURE'], failures: 3 },
          { name: 'halopsa', state: 'not_connected' },
          { name: 'm365', state: 'does_not_sync' },
          { name: 'kaseya', history: [] },
        ],
      },
    },
  });
  http = new HttpClient({
    target: 'neo',
    baseUrl: sim.url,
    auth: neoProvider.auth(target()),
    requestsPerSecond: 1000,
    clock,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
  });
  client = new NeoClient(http);
});

beforeEach(async () => {
  await admin('/reset');
  sleeps.length = 0;
});

afterAll(async () => {
  await http?.close();
  await sim?.close();
});

describe('status mapping', () => {
  it.each([
    ['RUNNING', 'running'],
    ['SUCCESS', 'succeeded'],
    ['FAILURE', 'failed'],
    ['SKIPPED', 'canceled'],
    ['success', 'succeeded'],
    ['PENDING', 'unknown'],
    ['', 'unknown'],
  ])('%s -> %s', (raw, expected) => {
    expect(neoRunStatus(raw)).toBe(expected);
  });

  it('every documented status has a row', () => {
    expect(Object.keys(NEO_STATUS).sort()).toEqual(['FAILURE', 'RUNNING', 'SKIPPED', 'SUCCESS']);
  });

  it('an unknown status is kept as unknown and logged, never a crash', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const run = syncRunToRun(
      'neo',
      'connectwise',
      { run_id: 'r1', status: 'PAUSED', activities: [] },
      createLogger({ level: 'warn' }, sink),
    );
    expect(run).toMatchObject({ status: 'unknown', rawStatus: 'PAUSED', resourceId: 'connectwise' });
    expect(lines.join('')).toMatch(/unknown Neo run status/);
  });

  it.each([
    ['RUNNING', 'running'],
    ['SUCCESS', 'succeeded'],
    ['FAILURE', 'failed'],
    ['SKIPPED', 'canceled'],
  ])('end to end: a %s run is observed as %s', async (status, expected) => {
    await admin('/neo/integrations/connectwise/runs', { status, newRun: true });
    const obs = await neoProvider.observe(target(), ctx());
    expect(obs.runs.find((r) => r.resourceId === 'connectwise')).toMatchObject({ rawStatus: status, status: expected });
  });
});

describe('the since window', () => {
  it('defaults to the last 24 hours and never reaches past the 30-day window', () => {
    const t = Date.parse('2026-03-01T00:00:00Z');
    expect(syncRunsSince(t, undefined)).toBe(iso(t - NEO_DEFAULT_LOOKBACK_MS));
    expect(syncRunsSince(t, iso(t - 2 * HOUR))).toBe(iso(t - 2 * HOUR));
    expect(syncRunsSince(t, iso(t - 40 * DAY))).toBe(iso(t - NEO_MAX_WINDOW_MS + NEO_WINDOW_MARGIN_MS));
    expect(syncRunsSince(t, iso(t + HOUR))).toBe(iso(t));
    expect(syncRunsSince(t, 'yesterday')).toBe(iso(t - NEO_DEFAULT_LOOKBACK_MS));
  });

  it('asks the API for runs since ctx.since: an older run is seen only when since reaches it', async () => {
    const old = await admin<{ run_id: string }>('/neo/integrations/kaseya/runs', {
      status: 'FAILURE',
      startedAt: iso(now() - 3 * DAY),
      finishedAt: iso(now() - 3 * DAY + 60_000),
    });
    const t = target({ integrations: ['kaseya'] });
    expect((await neoProvider.observe(t, ctx())).runs).toEqual([]); // default: last 24 h
    const seen = await neoProvider.observe(t, ctx({ since: iso(now() - 4 * DAY) }));
    expect(seen.runs).toMatchObject([{ runId: old.run_id, status: 'failed' }]);
    // 40 days back is clamped to the window, which the API would otherwise refuse.
    expect((await neoProvider.observe(t, ctx({ since: iso(now() - 40 * DAY) }))).runs).toHaveLength(1);
    const refused = await client.listSyncRuns('kaseya', { since: iso(now() - 31 * DAY) }).catch((e: unknown) => e);
    expect(isSyncwatchError(refused) && refused.code).toBe('window_too_large');
  });
});

describe('NeoClient against the simulator', () => {
  it('follows meta.pagination.next_cursor while has_more', async () => {
    for (let i = 0; i < 4; i++)
      await admin('/neo/integrations/connectwise/runs', { status: 'SUCCESS', newRun: true, startedAt: iso(now() - (i + 1) * 60_000) });
    await admin('/stats/reset');
    const pages: number[] = [];
    for await (const page of client.syncRunPages('connectwise', { pageSize: 2 })) pages.push(page.length);
    expect(pages).toEqual([2, 2, 2, 1]); // 3 generated + 4 added
    const stats = await admin<{ byEndpoint: Record<string, Record<string, number>> }>('/stats', undefined, 'GET');
    expect(stats.byEndpoint['GET /public-api/integrations/{name}/sync-runs']).toEqual({ '200': 4 });
    const runs = await client.listSyncRuns('connectwise', { pageSize: 2 });
    expect(new Set(runs.map((r) => r.run_id)).size).toBe(7);
    const starts = runs.map((r) => r.started_at ?? '');
    expect([...starts].sort().reverse()).toEqual(starts);
  });

  it('a single page when everything fits', async () => {
    const pages: number[] = [];
    for await (const page of client.syncRunPages('connectwise')) pages.push(page.length);
    expect(pages).toEqual([3]);
  });

  it('refuses a page size the API does not take, before asking', async () => {
    await expect(client.listSyncRuns('connectwise', { pageSize: 201 })).rejects.toMatchObject({ kind: 'config' });
  });

  it('waits out a 429 with Retry-After and carries on', async () => {
    await admin('/rate-limit', { api: 'neo', burst: 1, refillPerSecond: 1 });
    await client.listSyncRuns('connectwise');
    const runs = await client.listSyncRuns('connectwise');
    expect(runs).toHaveLength(3);
    expect(sleeps).toEqual([1000]);
    const stats = await admin<{ byEndpoint: Record<string, Record<string, number>> }>('/stats', undefined, 'GET');
    expect(stats.byEndpoint['GET /public-api/integrations/{name}/sync-runs']).toMatchObject({ '429': 1 });
  });

  it('a wrong token is an auth error that never repeats the token', async () => {
    const bad = new HttpClient({ target: 'bad', baseUrl: sim.url, auth: neoProvider.auth(target({ token: 'neo_sk_wrong_secret' })) });
    try {
      const err = await new NeoClient(bad).listSyncRuns('connectwise').catch((e: unknown) => e);
      expect(isSyncwatchError(err, 'auth')).toBe(true);
      expect((err as Error).message).not.toContain('neo_sk_wrong_secret');
    } finally {
      await bad.close();
    }
  });
});

describe('neoProvider', () => {
  it('authenticates with a bearer token', () => {
    expect(neoProvider.auth(target())).toEqual({ type: 'bearer', token: TOKEN });
  });

  it('the latest run of each integration is a Run keyed by the integration name', async () => {
    const obs = await neoProvider.observe(target(), ctx());
    expect(obs).toMatchObject({ target: 'neo', provider: 'neo', stepErrors: [] });
    const world = await admin<NeoSummary>('/neo', undefined, 'GET');
    const cw = obs.runs.find((r) => r.resourceId === 'connectwise')!;
    expect(cw).toMatchObject({
      key: 'neo/neo/sync/connectwise',
      kind: 'sync',
      name: 'connectwise',
      integrationId: 'connectwise',
      status: 'succeeded',
      runId: world.integrations.find((i) => i.name === 'connectwise')?.latestRunId,
    });
    expect(cw.startedAt).toBeDefined();
    expect(cw.endedAt).toBeDefined();
    expect(cw.counts.read).toBeGreaterThan(0);
    expect(cw.error).toBeUndefined();
  });

  it('a FAILURE run is a failed Run with the run error and its per-resource failures', async () => {
    const obs = await neoProvider.observe(target(), ctx());
    const at = obs.runs.find((r) => r.resourceId === 'autotask')!;
    expect(at).toMatchObject({ status: 'failed', rawStatus: 'FAILURE', counts: { failed: 3 } });
    expect(at.failures).toHaveLength(3);
    expect(at.failures?.[0]).toEqual({
      resource: 'Ticket Types',
      parent: 'Board 444',
      reason: 'permission_denied',
      message: 'The API member lacks access to ticket types on board 444',
      activity: 'PSA Metadata',
    });
    expect(at.error?.split('\n')).toEqual([
      'PSA sync failed: 3 activities reported errors',
      '3 resource failure(s):',
      '- PSA Metadata › Ticket Types (Board 444): permission_denied: The API member lacks access to ticket types on board 444',
      '- PSA Contacts › Contacts (Acme Corp): validation_error: Contact 1182 has no e-mail address',
      '- PSA Tickets › Tickets: rate_limited: PSA answered 429 after 5 attempts',
    ]);
  });

  it('shows the first failures in run.error and every one in run.failures', async () => {
    const failures = Array.from({ length: NEO_ERROR_FAILURES_SHOWN + 2 }, (_, i) => ({
      resource_label: `Board ${i}`,
      reason: 'permission_denied',
      error_message: `denied ${i}`,
      activity_label: 'PSA Tickets',
    }));
    await admin('/neo/integrations/connectwise/runs', { status: 'SUCCESS', failures, error: null, newRun: true });
    const run = (await neoProvider.observe(target(), ctx())).runs.find((r) => r.resourceId === 'connectwise')!;
    expect(run.status).toBe('succeeded');
    expect(run.failures).toHaveLength(7);
    expect(run.failures?.[6]).toEqual({ resource: 'Board 6', reason: 'permission_denied', message: 'denied 6', activity: 'PSA Tickets' });
    const lines = run.error?.split('\n') ?? [];
    expect(lines[0]).toBe('7 resource failure(s):');
    expect(lines.slice(1, -1)).toHaveLength(NEO_ERROR_FAILURES_SHOWN);
    expect(lines.at(-1)).toBe('… and 2 more');
  });

  it('an integration that never ran in the window has no Run', async () => {
    expect((await neoProvider.observe(target({ integrations: ['kaseya'] }), ctx())).runs).toEqual([]);
  });

  it.each([
    ['halopsa', 'integration_not_connected'],
    ['m365', 'integration_does_not_sync'],
    ['psa-that-does-not-exist', 'unknown_integration'],
  ])('%s answers 404 %s: one config problem naming it, the other integrations still observed', async (name, code) => {
    const err = await neoProvider.observe(target({ integrations: ['connectwise', name] }), ctx()).catch((e: unknown) => e);
    expect(isSyncwatchError(err, 'config')).toBe(true);
    expect(isPartialObservationError(err)).toBe(true);
    if (!isPartialObservationError(err)) return;
    expect(err.code).toBe(code);
    expect(err.status).toBe(404);
    expect(err.message).toBe(`target neo: ${NEO_CONFIG_ERROR_CODES[code]!(name)}`);
    expect(err.message).toContain(`"${name}"`);
    expect(err.problems).toEqual([{ resource: name, code, status: 404, message: NEO_CONFIG_ERROR_CODES[code]!(name) }]);
    expect(err.observation.runs.map((r) => r.resourceId)).toEqual(['connectwise']);
  });

  it('several misconfigured integrations make one error listing each', async () => {
    const err = await neoProvider.observe(target({ integrations: ['halopsa', 'm365'] }), ctx()).catch((e: unknown) => e);
    expect(isPartialObservationError(err) && err.problems.map((p) => p.resource)).toEqual(['halopsa', 'm365']);
  });

  it('an integration disconnected at runtime becomes a config problem; reconnected, it is observed again', async () => {
    await admin('/neo/integrations/connectwise/state', { state: 'not_connected' });
    await expect(neoProvider.observe(target({ integrations: ['connectwise'] }), ctx())).rejects.toMatchObject({
      kind: 'config',
      code: 'integration_not_connected',
    });
    await admin('/neo/integrations/connectwise/state', { state: 'connected' });
    expect((await neoProvider.observe(target({ integrations: ['connectwise'] }), ctx())).runs).toHaveLength(1);
  });

  it.each([
    ['a 500 of its own', { status: 500 }, 'server-error', /500/],
    ['a body of the wrong shape', { status: 200, body: '{"data":[{"run_id":1}],"meta":{}}' }, 'malformed', /unexpected .* response/],
    ['has_more without a cursor', { status: 200, body: '{"data":[],"meta":{"pagination":{"has_more":true}}}' }, 'malformed', /next_cursor/],
  ])('an integration answering %s is unreadable; the others are observed, all attempted', async (_name, fault, kind, message) => {
    await admin('/faults', { path: '^/public-api/integrations/autotask/sync-runs$', ...fault });
    const obs = await neoProvider.observe(target({ integrations: ['connectwise', 'autotask'] }), ctx());
    expect(obs.attempted).toEqual(['neo/neo/integration/connectwise', 'neo/neo/integration/autotask']);
    expect(obs.unreadable).toEqual([
      { key: 'neo/neo/integration/autotask', name: 'autotask', kind, message: expect.stringMatching(message) },
    ]);
    expect(obs.runs.map((r) => r.resourceId)).toEqual(['connectwise']);
  });

  it.each([
    ['a 401', { status: 401 }, 'auth'],
    ['a 429 past every retry', { status: 429, headers: { 'retry-after': '1' } }, 'rate-limited'],
  ])('%s on one integration is a failure of the whole poll (%s)', async (_name, fault, kind) => {
    await admin('/faults', { path: '^/public-api/integrations/autotask/sync-runs$', ...fault });
    await expect(neoProvider.observe(target({ integrations: ['connectwise', 'autotask'] }), ctx())).rejects.toMatchObject({ kind });
  });
});

describe('alerts from Neo observations (pure diff)', () => {
  const step = (prev: Snapshots, obs: Observation) => diff(prev, obs, now(), () => rules);

  it('a FAILURE run raises SyncFailed with its error text and failures; the next SUCCESS resolves it', async () => {
    const t = target({ integrations: ['connectwise'] });
    const first = step({ runs: {}, steps: {} }, await neoProvider.observe(t, ctx()));
    expect(first.events).toEqual([]);
    current += 60_000;
    await admin('/neo/integrations/connectwise/runs', {
      status: 'FAILURE',
      error: 'ConnectWise API rejected the credentials',
      failures: [
        { resource_label: 'Ticket Types', parent_label: 'Board 444', reason: 'permission_denied', error_message: 'Access denied' },
      ],
    });
    const second = step(first.next, await neoProvider.observe(t, ctx()));
    expect(second.events).toHaveLength(1);
    expect(second.events[0]).toMatchObject({
      status: 'firing',
      labels: { kind: 'SyncFailed', provider: 'neo', resource: 'neo/neo/sync/connectwise', integration: 'connectwise' },
    });
    expect(second.events[0]?.annotations.error).toBe(
      'ConnectWise API rejected the credentials\n1 resource failure(s):\n- PSA Metadata › Ticket Types (Board 444): permission_denied: Access denied',
    );
    current += 60_000;
    await admin('/neo/integrations/connectwise/runs', { status: 'SUCCESS' });
    const third = step(second.next, await neoProvider.observe(t, ctx()));
    expect(third.events.map((e) => `${e.labels.kind}:${e.status}`)).toEqual(['SyncFailed:resolved']);
  });
});

describe('one observation of Celigo, Airweave and Neo targets through the registry', () => {
  let mixed: Simulator;
  beforeAll(async () => {
    mixed = await startSimulator({ port: 0, scenario: 'default' });
  });
  afterAll(async () => {
    await mixed?.close();
  });

  it('each provider observes its own API on the one simulator', async () => {
    const targets = [
      { name: 'celigo-sim', provider: 'celigo' as const, baseUrl: mixed.url, token: 'sim-token' },
      { name: 'airweave-sim', provider: 'airweave' as const, baseUrl: mixed.url, apiKey: 'sim-token' },
      { name: 'neo-sim', provider: 'neo' as const, baseUrl: mixed.url, token: 'sim-token', integrations: ['connectwise', 'autotask'] },
    ];
    const observations = new Map<ProviderName, Observation>();
    for (const t of targets) {
      const provider = providers[t.provider];
      expect(provider, t.provider).toBeDefined();
      const h = new HttpClient({ target: t.name, baseUrl: t.baseUrl, auth: provider!.auth(t), requestsPerSecond: 1000 });
      try {
        observations.set(t.provider, await provider!.observe(t, { http: h, logger, now: Date.now }));
      } finally {
        await h.close();
      }
    }
    expect(observations.get('celigo')?.runs.length).toBeGreaterThan(0);
    expect(observations.get('celigo')?.stepErrors.length).toBeGreaterThan(0);
    const airweave = observations.get('airweave')!;
    expect(airweave.runs.map((r) => r.name).sort()).toEqual(['GitHub Repositories Sync', 'Notion Workspace', 'Slack Messages']);
    expect(airweave.runs.filter((r) => r.status === 'failed')).toHaveLength(1);
    const neo = observations.get('neo')!;
    expect(neo.runs.map((r) => `${r.resourceId}:${r.status}`).sort()).toEqual(['autotask:failed', 'connectwise:succeeded']);
    for (const [provider, obs] of observations) {
      expect(obs.provider).toBe(provider);
      for (const run of obs.runs) expect(run.key.startsWith(`${provider}/${obs.target}/sync/`)).toBe(true);
    }
  });
});
