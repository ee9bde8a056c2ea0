// The demo: a small, quiet integrator.io account and a scripted story that changes it while the
// daemon watches — a sync fails, errors pile up on a flow, intermittent errors appear (a retry
// policy re-submits them and they resolve), another sync completes with failed records, both syncs
// recover. It drives the simulator through its
// admin API only, so it works the same against an embedded simulator (`syncwatch run` with no
// config) and a separate one (`syncwatch simulate --scenario demo --story`, docker compose).
import type { ScenarioSpec } from './scenario.ts';

/** A quiet account: 3 integrations, 9 flows, 2 Data Loader syncs, nothing failing yet. */
export const DEMO_SCENARIO: ScenarioSpec = {
  name: 'demo',
  base: 'default',
  seed: 1,
  failedSyncs: 0,
  runningSyncs: 0,
  errorStepRatio: 0,
  disabledFlows: 0,
};

/**
 * The demo's pace: SYNCWATCH_DEMO_PACE (default 1) scales the story's timings and the poll
 * interval; 0.25 tells the whole story four times faster (the tests use it).
 */
export function demoPace(env: NodeJS.ProcessEnv = process.env): number {
  const pace = Number(env.SYNCWATCH_DEMO_PACE ?? 1);
  return Number.isFinite(pace) && pace > 0 && pace <= 1 ? pace : 1;
}

export interface StoryLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface StoryStep {
  /** Seconds after the story starts. */
  at: number;
  say: string;
  act(admin: Admin): Promise<Record<string, unknown>>;
}

type Admin = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

interface WorldIds {
  integrations: Array<{ _id: string; name: string; syncIds: string[] }>;
  flows: Array<{ _id: string; name: string; steps: Array<{ id: string; kind: string }> }>;
}

/** The story's steps for a given world (the two syncs, the first two flows' first steps). */
export function demoStory(world: WorldIds): StoryStep[] {
  const [sync, partial] = world.integrations.flatMap((i) => i.syncIds);
  const [piled, flaky] = world.flows;
  if (!sync || !partial || !piled?.steps[0] || !flaky?.steps[0]) throw new Error('the demo world needs two syncs and two flows');
  const piledStep = `flows/${piled._id}/steps/${piled.steps[0].id}/errors`;
  const flakyStep = `flows/${flaky._id}/steps/${flaky.steps[0].id}/errors`;
  return [
    {
      at: 6,
      say: 'a Data Loader sync fails',
      act: (admin) =>
        admin('POST', `syncs/${sync}/fail`, { numErrors: 12, message: 'Snowflake: warehouse suspended' }).then(() => ({ sync })),
    },
    {
      at: 10,
      say: 'errors pile up on a flow (bad data: no retry policy matches them)',
      act: (admin) =>
        admin('POST', piledStep, {
          count: 25,
          classification: 'value',
          source: 'application',
          code: 'INVALID_FIELD',
          message: 'Customer email is not a valid address',
        }).then(() => ({ flow: piled.name, step: piled.steps[0]!.id, errors: 25 })),
    },
    {
      at: 14,
      say:
        'intermittent errors the platform has stopped retrying (no retryAt) appear on another flow; ' +
        'the demo retry policy re-submits them',
      act: (admin) =>
        admin('POST', flakyStep, {
          count: 40,
          classification: 'intermittent',
          withRetryDataKey: true,
          code: '503',
          message: 'Read timed out',
          retryAt: null,
        }).then(() => ({ flow: flaky.name, step: flaky.steps[0]!.id, errors: 40 })),
    },
    {
      at: 18,
      say: 'another sync completes, but 3 records failed to load (a partial failure)',
      act: (admin) =>
        admin('POST', `syncs/${partial}/succeed`, {
          numErrors: 3,
          failedTables: ['contacts'],
          code: 'STRING_TOO_LONG',
          message: "Snowflake: String 'jane.doe@…' is too long for column EMAIL",
        }).then(() => ({ sync: partial })),
    },
    {
      at: 24,
      say: 'someone fixes the bad data: the piled-up errors are cleared',
      act: (admin) => admin('DELETE', piledStep).then(() => ({ flow: piled.name })),
    },
    {
      at: 28,
      say: 'the sync runs again and succeeds',
      act: (admin) => admin('POST', `syncs/${sync}/succeed`, { numExtractedRecords: 1200, numLoadedRecords: 1200 }).then(() => ({ sync })),
    },
    {
      at: 32,
      say: 'the column is widened; the other sync runs again without failed records',
      act: (admin) => admin('POST', `syncs/${partial}/succeed`, {}).then(() => ({ sync: partial })),
    },
  ];
}

export interface Story {
  /** Resolves when every step has run (or the story was stopped). */
  done: Promise<void>;
  stop(): void;
}

/** Run the story against the simulator at `url` (its admin API under /__sim/). */
export function startDemoStory(url: string, logger: StoryLogger, pace = 1): Story {
  const admin: Admin = async (method, path, body) => {
    const res = await fetch(`${url}/__sim/${path}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /__sim/${path} → ${res.status} ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : undefined) as never;
  };
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const done = (async () => {
    const steps = demoStory(await admin<WorldIds>('GET', 'world'));
    const started = Date.now();
    for (const [i, step] of steps.entries()) {
      const wait = started + step.at * pace * 1000 - Date.now();
      if (wait > 0) await new Promise<void>((resolve) => timers.add(setTimeout(resolve, wait)));
      if (stopped) return;
      try {
        const detail = await step.act(admin);
        logger.info({ story: { step: i + 1, of: steps.length }, ...detail }, `demo story ${i + 1}/${steps.length}: ${step.say}`);
      } catch (e) {
        logger.warn(
          { story: { step: i + 1 }, err: { message: e instanceof Error ? e.message : String(e) } },
          `demo story ${i + 1}/${steps.length} could not run`,
        );
      }
    }
    logger.info({}, 'demo story complete: everything has recovered; syncwatch keeps watching (Ctrl-C to stop)');
  })();
  return {
    done,
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
    },
  };
}
