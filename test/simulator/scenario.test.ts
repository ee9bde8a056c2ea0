// Scenarios: named presets, files with explicit entities, validation, determinism, and the
// 10,000-flow account listed end to end.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, resolveScenario, startSimulator, type ScenarioSpec, type SyncJob } from '../../src/simulator/index.ts';
import { api, first, manualClock, worldOf } from './helpers.ts';

const OBJECT_ID = /^[0-9a-f]{24}$/;
const NOW = () => Date.parse('2025-03-01T12:00:00.000Z');

/** Every open error of every step, read in the given step order. */
function allOpenErrors(world: World, reverse = false) {
  const steps = world.flows.flatMap((flow) => world.stepsOf(flow).map((step) => [flow._id, step.id] as const));
  if (reverse) steps.reverse();
  const byStep = new Map(steps.map(([flowId, stepId]) => [`${flowId}/${stepId}`, world.openErrors(flowId, stepId)]));
  return [...byStep].sort(([a], [b]) => a.localeCompare(b));
}

describe('named scenarios', () => {
  it('default: a small account with syncs, one failed sync, a disabled flow and a few open errors', () => {
    const world = new World(resolveScenario('default'), NOW);
    const summary = world.summary();
    expect(summary.integrations).toHaveLength(3);
    expect(summary.flows).toHaveLength(9);
    expect(summary.flows.filter((f) => f.disabled)).toHaveLength(1);
    expect(summary.syncs).toHaveLength(2);
    expect(summary.syncs.map((s) => s.latestStatus)).toEqual(['failed', 'completed']);
    const openErrors = allOpenErrors(world).reduce((sum, [, errors]) => sum + errors.length, 0);
    expect(openErrors).toBeGreaterThan(0);
    const ids = [
      ...summary.integrations.map((i) => i._id),
      ...summary.flows.flatMap((f) => [f._id, ...f.steps.map((s) => s.id)]),
      ...summary.syncs.map((s) => s._id),
    ];
    expect(ids.every((id) => OBJECT_ID.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('empty: no flows (204) and an integration without syncs (404)', async () => {
    const sim = await startSimulator({ scenario: 'empty', now: NOW });
    try {
      const listing = await api(sim, '/v1/flows');
      expect([listing.status, listing.text]).toEqual([204, '']);
      const integration = first((await worldOf(sim)).integrations);
      const latest = await api(sim, `/v1/integrations/${integration._id}/syncJobs/latest`);
      expect(latest.status).toBe(404);
    } finally {
      await sim.close();
    }
  });

  it('rejects an unknown scenario name', () => {
    expect(() => resolveScenario('no-such-scenario')).toThrow(/Unknown scenario "no-such-scenario"/);
  });
});

describe('determinism', () => {
  it('the same seed gives the same world, whatever order steps are first read in', () => {
    const spec: ScenarioSpec = { seed: 99, integrations: 4, flowsPerIntegration: 5, errorStepRatio: 0.5 };
    const one = new World(resolveScenario(spec), NOW);
    const two = new World(resolveScenario(spec), NOW);
    expect(two.summary()).toEqual(one.summary());
    expect(allOpenErrors(two, true)).toEqual(allOpenErrors(one));
    const job = (w: World) => w.syncJobs(first(w.allSyncs())._id);
    expect(job(two)).toEqual(job(one));
  });

  it('another seed gives other ids', () => {
    const one = new World(resolveScenario({ seed: 1 }), NOW).summary();
    const two = new World(resolveScenario({ seed: 2 }), NOW).summary();
    expect(first(two.flows)._id).not.toBe(first(one.flows)._id);
    expect(two.flows.map((f) => f.name)).toEqual(one.flows.map((f) => f.name));
  });
});

describe('scenario files', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'syncwatch-scenario-'));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('loads a YAML file with explicit entities', async () => {
    const path = join(directory, 'explicit.yaml');
    writeFileSync(
      path,
      [
        'name: explicit',
        'seed: 5',
        'entities:',
        '  integrations:',
        '    - name: Webshop',
        '      id: 64b000000000000000000001',
        '      flows:',
        '        - name: Orders',
        '          id: 64b000000000000000000002',
        '          exports: [64b000000000000000000003]',
        '          imports: 1',
        '          openErrors: [2, 3]',
        '      syncs:',
        '        - name: Warehouse',
        '          tables: [orders]',
        '          history: [completed, failed, running]',
      ].join('\n'),
    );
    const sim = await startSimulator({ scenario: path, now: NOW });
    try {
      const world = await worldOf(sim);
      expect(world.scenario).toBe('explicit');
      expect(world.integrations.map((i) => [i._id, i.name])).toEqual([['64b000000000000000000001', 'Webshop']]);
      const flow = first(world.flows);
      expect(flow._id).toBe('64b000000000000000000002');
      expect(first(flow.steps)).toEqual({ id: '64b000000000000000000003', kind: 'export' });
      const summary = (await api(sim, `/v1/flows/${flow._id}/errors`)).body as { flowErrors: Array<{ numError: number }> };
      expect(summary.flowErrors.map((e) => e.numError)).toEqual([2, 3]);
      const jobs = (await api(sim, `/v1/syncs/${first(world.syncs)._id}/syncJobs`)).body as { data: SyncJob[] };
      expect(jobs.data.map((j) => j.status)).toEqual(['running', 'failed', 'completed']);
    } finally {
      await sim.close();
    }
  });

  it('loads a JSON file that builds on a named scenario', () => {
    const path = join(directory, 'bigger.json');
    writeFileSync(path, JSON.stringify({ base: 'large', integrations: 2, flowsPerIntegration: 3, syncIntegrations: 1 }));
    const resolved = resolveScenario(path);
    expect(resolved).toMatchObject({ seed: 42, integrations: 2, flowsPerIntegration: 3, syncIntegrations: 1, syncsPerIntegration: 2 });
  });

  it('names every invalid field with its path', () => {
    const path = join(directory, 'broken.yaml');
    writeFileSync(path, 'integrations: many\nentities:\n  integrations:\n    - flows: []\nbogus: 1\n');
    let message = '';
    try {
      resolveScenario(path);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`Invalid scenario file ${path}`);
    expect(message).toMatch(/integrations: .*number/);
    expect(message).toContain('entities.integrations.0.name');
    expect(message).toMatch(/\(root\): .*bogus/);
  });
});

describe('the large scenario', () => {
  it('generates 10,000 flows in 500 integrations and lists every page', async () => {
    const sim = await startSimulator({ scenario: 'large', now: manualClock().now });
    try {
      const ids = new Set<string>();
      let path: string | undefined = '/v1/flows';
      let pages = 0;
      while (path !== undefined) {
        const page = await api(sim, path);
        expect(page.status).toBe(200);
        for (const flow of page.body as Array<{ _id: string }>) ids.add(flow._id);
        const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
        path = next === undefined ? undefined : new URL(next).pathname + new URL(next).search;
        pages += 1;
      }
      expect(ids.size).toBe(10_000);
      expect(pages).toBe(100);
      expect(sim.world.integrations).toHaveLength(500);
      expect(sim.world.allSyncs()).toHaveLength(100);
      // Latest jobs: 10 failed, 5 running, 5 completed with errors in two tables (partial failures).
      const latest = sim.world.allSyncs().map((s) => sim.world.latestSyncJob(s._id)!);
      expect(latest.filter((j) => j.status === 'failed')).toHaveLength(10);
      expect(latest.filter((j) => j.status === 'running')).toHaveLength(5);
      const partial = latest.filter((j) => j.status === 'completed' && j.numErrors > 0);
      expect(partial).toHaveLength(5);
      expect(partial.map((j) => sim.world.syncJobTables(j._id)!.filter((t) => t.numErrors > 0).length)).toEqual([2, 2, 2, 2, 2]);
    } finally {
      await sim.close();
    }
  });
});
