import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { families, samples, startScrapeRig, type ScrapeRig } from './scrape.ts';

// DESIGN.md "Metrics": the names and labels are a contract (dashboards and alert rules use them).
const CONTRACT: Record<string, string[]> = {
  syncwatch_poll_duration_seconds: ['target'],
  syncwatch_polls_total: ['target', 'outcome'],
  syncwatch_api_requests_total: ['target', 'endpoint', 'code'],
  syncwatch_api_request_duration_seconds: ['target', 'endpoint'],
  syncwatch_run_status: ['target', 'kind', 'resource', 'status'],
  syncwatch_run_last_success_timestamp_seconds: ['target', 'kind', 'resource'],
  syncwatch_flow_open_errors: ['target', 'flow', 'step'],
  syncwatch_alerts_firing: ['kind', 'severity'],
  syncwatch_queue_jobs: ['queue', 'state'],
};

let rig: ScrapeRig;
let body: string;

beforeAll(async () => {
  rig = await startScrapeRig('metrics');
  await rig.polled(2);
  body = await rig.scrapeUntil((b) => /^syncwatch_run_status\{/m.test(b) && /^syncwatch_alerts_firing\{/m.test(b));
});
afterAll(async () => rig?.close());

describe('/metrics', () => {
  it.each(Object.entries(CONTRACT))('%s has exactly the contract labels', (name, labels) => {
    const found = samples(body).filter((s) => s.name === name || s.name.startsWith(`${name}_`));
    expect(found.length, `no samples of ${name}`).toBeGreaterThan(0);
    for (const s of found)
      expect(
        Object.keys(s.labels)
          .filter((l) => l !== 'le')
          .sort(),
      ).toEqual([...labels].sort());
  });

  it('declares the counters of notifications and retries, and default process metrics', () => {
    const f = families(body);
    expect(f.get('syncwatch_notifications_total')).toBe('counter');
    expect(f.get('syncwatch_retry_records_total')).toBe('counter');
    expect(f.has('process_cpu_user_seconds_total')).toBe(true);
    expect(f.has('nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('counts API requests by endpoint template and code (ids are not labels)', () => {
    const api = samples(body).filter((s) => s.name === 'syncwatch_api_requests_total');
    expect(api.find((s) => s.labels.endpoint === 'GET /v1/flows' && s.labels.code === '200')?.value).toBeGreaterThanOrEqual(2);
    expect(api.some((s) => s.labels.endpoint === 'GET /v1/flows/{id}/errors')).toBe(true);
    expect(api.every((s) => !/[0-9a-f]{24}/.test(s.labels.endpoint ?? ''))).toBe(true);
  });

  it('describes the monitored world from Redis: the failed sync, open errors, firing alerts', async () => {
    const world = (await (await fetch(`${rig.sim.url}/__sim/world`)).json()) as { syncs: Array<{ _id: string; latestStatus?: string }> };
    const s = samples(body);
    const failed = s
      .filter((x) => x.name === 'syncwatch_run_status' && x.labels.status === 'failed' && x.value === 1)
      .map((x) => x.labels.resource);
    const expected = world.syncs.filter((y) => y.latestStatus === 'failed').map((y) => y._id);
    expect(failed.sort()).toEqual(expected.sort());
    expect(s.filter((x) => x.name === 'syncwatch_run_status' && x.value === 1).length).toBe(world.syncs.length);
    const open = s.filter((x) => x.name === 'syncwatch_flow_open_errors').reduce((n, x) => n + x.value, 0);
    expect(open).toBeGreaterThan(0);
    expect(
      s.find((x) => x.name === 'syncwatch_alerts_firing' && x.labels.kind === 'SyncFailed' && x.labels.severity === 'critical')?.value,
    ).toBe(expected.length);
  });

  it('reports the same world gauges from a second daemon that has polled nothing itself', async () => {
    const { Metrics } = await import('../../src/metrics/index.ts');
    const { Redis } = await import('ioredis');
    const { keyspace } = await import('../../src/state/keys.ts');
    const redis = new Redis(rig.config.redis.url);
    try {
      const fresh = new Metrics({
        redis,
        keys: keyspace(rig.config.redis.prefix),
        targets: [{ name: 'sim', interval: 1000 }],
        defaultMetrics: false,
      });
      const mine = samples((await fresh.scrape()).body).filter((x) => x.name === 'syncwatch_run_status' && x.value === 1);
      const theirs = samples(body).filter((x) => x.name === 'syncwatch_run_status' && x.value === 1);
      expect(mine.map((x) => x.labels.resource).sort()).toEqual(theirs.map((x) => x.labels.resource).sort());
    } finally {
      redis.disconnect();
    }
  });

  it('passes promtool check metrics', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scrape-'));
    writeFileSync(join(dir, 'scrape.txt'), body);
    let out = '';
    try {
      out = execFileSync('promtool', ['check', 'metrics'], {
        input: readFileSync(join(dir, 'scrape.txt')),
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      const err = e as { code?: string; stdout?: string; stderr?: string };
      if (err.code === 'ENOENT')
        throw new Error("promtool is not installed: apt-get install prometheus (Debian's package brings promtool)");
      throw new Error(`promtool check metrics found problems:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
    expect(out.trim()).toBe('');
  });
});

describe('/metrics options', () => {
  it('with server.bearerToken, /metrics and /status want the token; /healthz does not', async () => {
    const guarded = await startScrapeRig('metrics-auth', '', '  bearerToken: scrape-secret');
    try {
      expect((await guarded.get('/metrics')).status).toBe(401);
      expect((await guarded.get('/status')).status).toBe(401);
      expect((await guarded.get('/metrics', 'wrong')).status).toBe(401);
      expect((await guarded.get('/metrics', 'scrape-secret')).status).toBe(200);
      expect((await guarded.get('/healthz')).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('metrics.perStep: false reports open errors per flow', async () => {
    const flat = await startScrapeRig('metrics-flat', '    metrics: { perStep: false }');
    try {
      await flat.polled(1);
      const body = await flat.scrapeUntil((b) => /^syncwatch_flow_open_errors\{/m.test(b));
      const s = samples(body).filter((x) => x.name === 'syncwatch_flow_open_errors');
      expect(s.length).toBeGreaterThan(0);
      expect(s.every((x) => x.labels.step === '')).toBe(true);
      expect(new Set(s.map((x) => x.labels.flow)).size).toBe(s.length);
    } finally {
      await flat.close();
    }
  });
});
