// The Airweave provider against the simulator: both endpoints and their pagination, every status
// row of both vocabularies, the normalized model, partial failures as SyncPartial, alerts via diff.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isSyncwatchError } from '../../src/errors.ts';
import { HttpClient } from '../../src/http/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Observation } from '../../src/model.ts';
import {
  AIRWEAVE_SOURCE_CONNECTION_STATUS,
  AIRWEAVE_SYNC_JOB_STATUS,
  AirweaveClient,
  airweaveProvider,
  airweaveRunStatus,
  syncJobToRun,
  type AirweaveTarget,
} from '../../src/providers/airweave/index.ts';
import { isPartialObservationError } from '../../src/providers/index.ts';
import type { PollContext } from '../../src/providers/types.ts';
import { startSimulator, type AirweaveJobStatus, type AirweaveSummary, type Simulator } from '../../src/simulator/index.ts';
import { diff, type AlertRules, type Snapshots } from '../../src/state/diff.ts';
import { simAdmin } from '../harness/sim-admin.ts';

const KEY = 'aw-sim-key';
const UNKNOWN_SOURCE_CONNECTION = '00000000-0000-4000-8000-000000000000';
const rules: AlertRules = { minNewErrors: 1, failuresBeforeAlert: 3 };

let sim: Simulator;
let http: HttpClient;
let client: AirweaveClient;
let world: AirweaveSummary;
const logger = createLogger({ level: 'silent' });

const admin = <T = unknown>(path: string, body?: unknown, method = 'POST') => simAdmin<T>(sim.url, path, body, method);
const syncNamed = (name: string) => {
  const found = world.syncs.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no sync ${name}`);
  return found;
};
const target = (over: Partial<AirweaveTarget> = {}): AirweaveTarget => ({ name: 'aw', baseUrl: sim.url, apiKey: KEY, ...over });
const ctx = (over: Partial<PollContext> = {}): PollContext => ({ http, logger, now: () => Date.now(), ...over });
const bySource = (t: AirweaveTarget) => ({ ...t, sourceConnections: world.syncs.map((s) => s.sourceConnectionId) });

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    airweaveApiKey: KEY,
    scenario: {
      seed: 11,
      integrations: 0,
      airweave: {
        entities: [
          { name: 'GitHub', history: ['completed', 'completed', 'failed'], error: 'GitHub token expired' },
          { name: 'Notion', history: ['completed', 'completed'], entitiesFailed: 4 },
          { name: 'Slack', history: ['completed', 'running'] },
          { name: 'Drive', history: ['completed', 'completed', 'completed', 'completed'] },
          { name: 'Never ran', history: [] },
        ],
      },
    },
  });
  http = new HttpClient({
    target: 'aw',
    baseUrl: sim.url,
    auth: airweaveProvider.auth(target()),
    requestsPerSecond: 1000,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
  });
  client = new AirweaveClient(http);
});

beforeEach(async () => {
  await admin('/reset');
  world = await admin<AirweaveSummary>('/airweave', undefined, 'GET');
});

afterAll(async () => {
  await http?.close();
  await sim?.close();
});

describe('status mapping', () => {
  it.each([
    ['PENDING', 'queued'],
    ['RUNNING', 'running'],
    ['COMPLETED', 'succeeded'],
    ['FAILED', 'failed'],
    ['CANCELLING', 'running'],
    ['CANCELLED', 'canceled'],
  ])('source-connection job %s -> %s', (raw, expected) => {
    expect(AIRWEAVE_SOURCE_CONNECTION_STATUS[raw]).toBe(expected);
    expect(airweaveRunStatus(raw)).toBe(expected);
  });

  it.each([
    ['created', 'queued'],
    ['pending', 'queued'],
    ['in_progress', 'running'],
    ['completed', 'succeeded'],
    ['failed', 'failed'],
    ['cancelled', 'canceled'],
  ])('organisation sync job %s -> %s', (raw, expected) => {
    expect(AIRWEAVE_SYNC_JOB_STATUS[raw]).toBe(expected);
    expect(airweaveRunStatus(raw)).toBe(expected);
  });

  it.each([
    ['Completed', 'succeeded'],
    ['IN_PROGRESS', 'running'],
    ['paused', 'unknown'],
    ['', 'unknown'],
  ])('%s -> %s', (raw, expected) => {
    expect(airweaveRunStatus(raw)).toBe(expected);
  });

  it('an unknown status is kept as unknown and logged, never a crash', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const run = syncJobToRun('aw', { id: 'j1', sync_id: 's1', sync_name: 'S', status: 'paused' }, createLogger({ level: 'warn' }, sink));
    expect(run).toMatchObject({ status: 'unknown', rawStatus: 'paused', resourceId: 's1' });
    expect(lines.join('')).toMatch(/unknown Airweave job status/);
    expect(lines.join('')).toMatch(/"status":"paused"/);
  });
});

describe('every status row, end to end through the simulator', () => {
  // The simulator's job statuses, as seed 001 and seed 002 spell them, and the normalized status.
  it.each<[AirweaveJobStatus, string, string, string]>([
    ['created', 'PENDING', 'created', 'queued'],
    ['pending', 'PENDING', 'pending', 'queued'],
    ['running', 'RUNNING', 'in_progress', 'running'],
    ['completed', 'COMPLETED', 'completed', 'succeeded'],
    ['failed', 'FAILED', 'failed', 'failed'],
    ['cancelling', 'CANCELLING', 'in_progress', 'running'],
    ['cancelled', 'CANCELLED', 'cancelled', 'canceled'],
  ])('%s: %s (001) / %s (002) -> %s', async (status, upper, lower, normalized) => {
    const drive = syncNamed('Drive');
    await admin(`/airweave/jobs/${drive.id}`, { status });
    const org = await airweaveProvider.observe(target(), ctx());
    expect(org.runs.find((r) => r.resourceId === drive.id)).toMatchObject({ rawStatus: lower, status: normalized });
    const bySc = await airweaveProvider.observe(bySource(target()), ctx());
    expect(bySc.runs.find((r) => r.resourceId === drive.sourceConnectionId)).toMatchObject({ rawStatus: upper, status: normalized });
  });
});

describe('AirweaveClient against the simulator', () => {
  it("lists a source connection's jobs newest first, honouring limit", async () => {
    const drive = syncNamed('Drive');
    const jobs = await client.sourceConnectionJobs(drive.sourceConnectionId, { limit: 1000 });
    expect(jobs).toHaveLength(4);
    expect(jobs.every((j) => j.source_connection_id === drive.sourceConnectionId)).toBe(true);
    const started = jobs.map((j) => j.started_at ?? '');
    expect([...started].sort().reverse()).toEqual(started);
    expect(await client.sourceConnectionJobs(drive.sourceConnectionId, { limit: 2 })).toEqual(jobs.slice(0, 2));
  });

  it('refuses a limit the API does not take, before asking', async () => {
    await expect(client.sourceConnectionJobs(syncNamed('Drive').sourceConnectionId, { limit: 1001 })).rejects.toMatchObject({
      kind: 'config',
    });
    await expect(client.listSyncJobs({ pageSize: 101 })).rejects.toMatchObject({ kind: 'config' });
  });

  it('an unknown source connection is not-found with the FastAPI detail', async () => {
    const err = await client.sourceConnectionJobs(UNKNOWN_SOURCE_CONNECTION).catch((e: unknown) => e);
    expect(isSyncwatchError(err, 'not-found')).toBe(true);
    expect((err as Error).message).toContain('not found');
  });

  it('walks GET /v1/sync/jobs with skip/limit until a short page', async () => {
    const total = world.syncs.reduce((n, s) => n + s.jobs, 0); // 11
    await admin('/stats/reset');
    const pages: number[] = [];
    for await (const page of client.syncJobPages({ pageSize: 3 })) pages.push(page.length);
    expect(pages).toEqual([3, 3, 3, 2]);
    const stats = await admin<{ byEndpoint: Record<string, Record<string, number>> }>('/stats', undefined, 'GET');
    expect(stats.byEndpoint['GET /v1/sync/jobs']).toEqual({ '200': 4 });
    const all = await client.listSyncJobs({ pageSize: 3 });
    expect(new Set(all.map((j) => j.id)).size).toBe(total);
  });

  it('an exact multiple of the page size ends on an empty page', async () => {
    await admin(`/airweave/jobs/${syncNamed('Drive').id}`, { status: 'completed' }); // 12 jobs
    const pages: number[] = [];
    for await (const page of client.syncJobPages({ pageSize: 4 })) pages.push(page.length);
    expect(pages).toEqual([4, 4, 4]);
  });

  it('filters by the repeatable status parameter', async () => {
    const failed = await client.listSyncJobs({ statuses: ['failed', 'in_progress'] });
    expect(new Set(failed.map((j) => j.status))).toEqual(new Set(['failed', 'in_progress']));
    expect(failed.map((j) => j.sync_name).sort()).toEqual(['GitHub', 'Slack']);
  });

  it('a wrong API key is an auth error that never repeats the key', async () => {
    const bad = new HttpClient({ target: 'bad', baseUrl: sim.url, auth: airweaveProvider.auth(target({ apiKey: 'wrong-secret-key' })) });
    try {
      const err = await new AirweaveClient(bad).listSyncJobs().catch((e: unknown) => e);
      expect(isSyncwatchError(err, 'auth')).toBe(true);
      expect((err as Error).message).not.toContain('wrong-secret-key');
    } finally {
      await bad.close();
    }
  });
});

describe('airweaveProvider', () => {
  it('authenticates with x-api-key', () => {
    expect(airweaveProvider.auth(target())).toEqual({ type: 'header', header: 'x-api-key', value: KEY });
  });

  it('organisation-wide: the latest job of each sync is a Run keyed by sync id and named by sync_name', async () => {
    const obs = await airweaveProvider.observe(target(), ctx());
    expect(obs).toMatchObject({ target: 'aw', provider: 'airweave' });
    expect(obs.runs.map((r) => r.name).sort()).toEqual(['Drive', 'GitHub', 'Notion', 'Slack']); // "Never ran" has no job
    const github = syncNamed('GitHub');
    const run = obs.runs.find((r) => r.resourceId === github.id)!;
    expect(run).toMatchObject({
      key: `airweave/aw/sync/${github.id}`,
      kind: 'sync',
      status: 'failed',
      rawStatus: 'failed',
      runId: github.latestJobId,
      error: 'GitHub token expired',
    });
    expect(run.endedAt).toBeDefined();
    expect(run.counts.written).toBeGreaterThanOrEqual(0);
    expect(run.counts.read).toBeGreaterThan(0);
    const slack = obs.runs.find((r) => r.name === 'Slack')!;
    expect(slack).toMatchObject({ status: 'running' });
    expect(slack.endedAt).toBeUndefined();
    // Seed 002 lists no entities_failed: no failed-record count on this path.
    expect(obs.stepErrors).toEqual([]);
    expect(obs.runs.find((r) => r.name === 'Notion')!.counts.failed).toBeUndefined();
  });

  it('by source connection: one Run per source connection, error with error_details, entities_failed as failed records', async () => {
    const obs = await airweaveProvider.observe(bySource(target()), ctx());
    expect(obs.runs).toHaveLength(4);
    const github = syncNamed('GitHub');
    const failed = obs.runs.find((r) => r.resourceId === github.sourceConnectionId)!;
    expect(failed).toMatchObject({ key: `airweave/aw/sync/${github.sourceConnectionId}`, status: 'failed', rawStatus: 'FAILED' });
    expect(failed.error).toMatch(/^GitHub token expired \(details: \{.*"stage":"extract"/);
    expect(failed.counts.failed).toBeGreaterThan(0);

    const notion = syncNamed('Notion');
    expect(obs.runs.find((r) => r.resourceId === notion.sourceConnectionId)).toMatchObject({ status: 'succeeded', counts: { failed: 4 } });
    expect(obs.stepErrors).toEqual([]);
  });

  it('a source connection that does not exist is one config problem; the others are still observed', async () => {
    const t = { ...bySource(target()), sourceConnections: [syncNamed('Drive').sourceConnectionId, UNKNOWN_SOURCE_CONNECTION] };
    const err = await airweaveProvider.observe(t, ctx()).catch((e: unknown) => e);
    expect(isSyncwatchError(err, 'config')).toBe(true);
    expect(isPartialObservationError(err)).toBe(true);
    if (!isPartialObservationError(err)) return;
    expect(err.message).toContain(UNKNOWN_SOURCE_CONNECTION);
    expect(err.problems).toHaveLength(1);
    expect(err.observation.runs.map((r) => r.resourceId)).toEqual([syncNamed('Drive').sourceConnectionId]);
  });

  it('a source connection answering 5xx of its own is unreadable (server-error); the others are observed, all attempted', async () => {
    const github = syncNamed('GitHub').sourceConnectionId;
    await admin('/faults', { path: `^/source-connections/${github}/jobs$`, status: 503 });
    const t = bySource(target());
    const obs = await airweaveProvider.observe(t, ctx());
    expect(obs.attempted).toEqual(t.sourceConnections.map((id) => `airweave/aw/source-connection/${id}`));
    expect(obs.unreadable).toEqual([
      { key: `airweave/aw/source-connection/${github}`, name: github, kind: 'server-error', message: expect.stringMatching(/503/) },
    ]);
    expect(obs.runs.map((r) => r.resourceId).sort()).toEqual(
      ['Notion', 'Slack', 'Drive'].map((n) => syncNamed(n).sourceConnectionId).sort(),
    );
  });

  it('a 403 on one source connection is an auth failure of the whole poll', async () => {
    await admin('/faults', { path: `^/source-connections/${syncNamed('Notion').sourceConnectionId}/jobs$`, status: 403 });
    await expect(airweaveProvider.observe(bySource(target()), ctx())).rejects.toMatchObject({ kind: 'auth', status: 403 });
  });

  it('the organisation-wide listing is one unit: it attempts no per-resource units', async () => {
    const obs = await airweaveProvider.observe(target(), ctx());
    expect(obs.attempted).toBeUndefined();
    expect(obs.unreadable).toBeUndefined();
  });
});

describe('alerts from Airweave observations (pure diff)', () => {
  const observe = (t: AirweaveTarget) => airweaveProvider.observe(t, ctx());
  const step = (prev: Snapshots, obs: Observation) => diff(prev, obs, Date.now(), () => rules);
  const merge = (a: Snapshots, b: Snapshots): Snapshots => ({ runs: { ...a.runs, ...b.runs }, steps: { ...a.steps, ...b.steps } });

  it('a failed job raises SyncFailed with its error text, and the next success resolves it', async () => {
    const drive = syncNamed('Drive');
    const first = step({ runs: {}, steps: {} }, await observe(target()));
    await admin(`/airweave/jobs/${drive.id}/fail`, { error: 'Google Drive quota exceeded' });
    const second = step(first.next, await observe(target()));
    const fired = second.events.filter((e) => e.labels.kind === 'SyncFailed' && e.labels.resource === `airweave/aw/sync/${drive.id}`);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      status: 'firing',
      labels: { provider: 'airweave', target: 'aw', sync: drive.id },
      annotations: { name: 'Drive', error: 'Google Drive quota exceeded' },
    });

    await admin(`/airweave/jobs/${drive.id}/succeed`, {});
    const third = step(merge(first.next, second.next), await observe(target()));
    expect(
      third.events.filter((e) => e.labels.resource === `airweave/aw/sync/${drive.id}`).map((e) => `${e.labels.kind}:${e.status}`),
    ).toEqual(['SyncFailed:resolved']);
  });

  it('entities_failed on a completed job raises SyncPartial on the sync, and a clean run resolves it', async () => {
    const drive = syncNamed('Drive');
    const t = bySource(target());
    const first = step({ runs: {}, steps: {} }, await observe(t));
    await admin(`/airweave/jobs/${drive.id}/succeed`, { entitiesFailed: 12 });
    const second = step(first.next, await observe(t));
    const resource = `airweave/aw/sync/${drive.sourceConnectionId}`;
    const fired = second.events.filter((e) => e.labels.resource === resource);
    expect(fired).toMatchObject([
      {
        status: 'firing',
        labels: { kind: 'SyncPartial', sync: drive.sourceConnectionId },
        annotations: { summary: `sync ${drive.sourceConnectionId} succeeded with 12 failed record(s)`, counts: { failed: 12 } },
      },
    ]);

    await admin(`/airweave/jobs/${drive.id}/succeed`, { entitiesFailed: 0 });
    const third = step(merge(first.next, second.next), await observe(t));
    expect(third.events.filter((e) => e.labels.resource === resource).map((e) => `${e.labels.kind}:${e.status}`)).toEqual([
      'SyncPartial:resolved',
    ]);
  });
});
