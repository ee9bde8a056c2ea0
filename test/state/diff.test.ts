import { describe, expect, it } from 'vitest';
import type { Run, RunStatus, StepErrors } from '../../src/model.ts';
import { diff, diffRun, diffStep, diffTarget, resourcesOutOfScope, type AlertRules } from '../../src/state/diff.ts';
import type { RunSnapshot, StepSnapshot, TargetSnapshot } from '../../src/state/snapshot.ts';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const rules: AlertRules = { minNewErrors: 1, failuresBeforeAlert: 3, stuckAfterMs: 2 * HOUR, successWithinMs: 6 * HOUR };

function run(runId: string, status: RunStatus, extra: Partial<Run> = {}): Run {
  return {
    key: 'celigo/prod/sync/s1',
    provider: 'celigo',
    target: 'prod',
    kind: 'sync',
    resourceId: 's1',
    runId,
    name: 'Orders',
    status,
    rawStatus: status,
    integrationId: 'i1',
    startedAt: new Date(T0 - 10 * MIN).toISOString(),
    ...(status === 'running' ? {} : { endedAt: new Date(T0 - MIN).toISOString() }),
    counts: { read: 10, written: 10, failed: 0 },
    ...extra,
  };
}

function snap(runId: string, status: RunStatus, firing: RunSnapshot['firing'] = {}, extra: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    type: 'run',
    runId,
    status,
    firstSeenAt: new Date(T0 - HOUR).toISOString(),
    lastSuccessAt: new Date(T0 - HOUR).toISOString(),
    firing,
    ...extra,
  };
}

const failing = { SyncFailed: { since: 'x', episode: 'r1' } };
const names = (events: { labels: { kind: string }; status: string; update?: boolean }[]) =>
  events.map((e) => `${e.labels.kind}:${e.update ? 'update' : e.status}`);

const partial = (runId: string, failed: number, extra: Partial<Run> = {}) =>
  run(runId, 'succeeded', { counts: { read: 10, written: 10 - failed, failed }, ...extra });
const partialOpen = { SyncPartial: { since: 'x', episode: 'r1' } };

describe('diffRun: SyncPartial', () => {
  it.each<[string, RunSnapshot | undefined, Run, AlertRules, string[]]>([
    // case                                         previous                            observed                 rules                                expect
    ['first observation, succeeded with failures', undefined, partial('r1', 3), rules, ['SyncPartial:firing']],
    ['succeeded clean', snap('r0', 'succeeded'), partial('r1', 0), rules, []],
    ['same partial run again', snap('r1', 'succeeded', partialOpen), partial('r1', 3), rules, []],
    ['a newer partial run', snap('r1', 'succeeded', partialOpen), partial('r2', 5), rules, ['SyncPartial:update']],
    ['a clean run resolves it', snap('r1', 'succeeded', partialOpen), partial('r2', 0), rules, ['SyncPartial:resolved']],
    ['under minRecords: quiet', snap('r0', 'succeeded'), partial('r1', 2), { ...rules, minPartialRecords: 3 }, []],
    ['at minRecords: fires', snap('r0', 'succeeded'), partial('r1', 3), { ...rules, minPartialRecords: 3 }, ['SyncPartial:firing']],
    [
      'under minRecords resolves an open one',
      snap('r1', 'succeeded', partialOpen),
      partial('r2', 1),
      { ...rules, minPartialRecords: 3 },
      ['SyncPartial:resolved'],
    ],
    ['a failed run keeps it (SyncFailed fires)', snap('r1', 'succeeded', partialOpen), run('r2', 'failed'), rules, ['SyncFailed:firing']],
    ['a running run keeps it', snap('r1', 'succeeded', partialOpen), run('r2', 'running'), rules, []],
    [
      'failed records on a failed run: no SyncPartial',
      undefined,
      run('r1', 'failed', { counts: { failed: 4 } }),
      rules,
      ['SyncFailed:firing'],
    ],
    ['no counts at all (a platform without them)', undefined, run('r1', 'succeeded', { counts: {} }), rules, []],
  ])('%s', (_case, prev, observed, r, expected) => {
    expect(names(diffRun(prev, observed, T0, r).events)).toEqual(expected);
  });

  it('the firing event carries the count, severity warning and the per-resource failures', () => {
    const failures = [{ resource: 'contacts', reason: 'completed', message: '3 error(s)', count: 3 }];
    const [event] = diffRun(undefined, partial('r7', 3, { failures }), T0, rules).events;
    expect(event).toMatchObject({
      fingerprint: 'SyncPartial:celigo/prod/sync/s1',
      labels: { kind: 'SyncPartial', severity: 'warning', sync: 's1' },
      annotations: { summary: 'sync Orders succeeded with 3 failed record(s)', counts: { failed: 3 }, failedRecords: failures },
      transitionId: 'SyncPartial:celigo/prod/sync/s1|firing|r7',
    });
  });
});

describe('diffRun: SyncFailed', () => {
  it.each<[string, RunSnapshot | undefined, Run, string[]]>([
    // case                                   previous                       observed                 expect
    ['first observation, succeeded', undefined, run('r1', 'succeeded'), []],
    ['first observation, failed (start-up)', undefined, run('r1', 'failed'), ['SyncFailed:firing']],
    ['first observation, running', undefined, run('r1', 'running'), []],
    ['succeeded -> failed', snap('r0', 'succeeded'), run('r1', 'failed'), ['SyncFailed:firing']],
    ['failed -> same failed run', snap('r1', 'failed', failing), run('r1', 'failed'), []],
    ['failed -> a newer failed run', snap('r1', 'failed', failing), run('r2', 'failed'), ['SyncFailed:update']],
    ['failed -> succeeded', snap('r1', 'failed', failing), run('r2', 'succeeded'), ['SyncFailed:resolved']],
    ['failed -> running (retry in progress)', snap('r1', 'failed', failing), run('r2', 'running'), []],
    ['failed -> queued', snap('r1', 'failed', failing), run('r2', 'queued'), []],
    ['failed -> canceled', snap('r1', 'failed', failing), run('r2', 'canceled'), []],
    ['failed -> unknown status', snap('r1', 'failed', failing), run('r2', 'unknown'), []],
    ['succeeded -> unknown status', snap('r1', 'succeeded'), run('r2', 'unknown'), []],
    ['succeeded -> canceled', snap('r1', 'succeeded'), run('r2', 'canceled'), []],
  ])('%s', (_case, prev, observed, expected) => {
    expect(names(diffRun(prev, observed, T0, rules).events)).toEqual(expected);
  });

  it('a flapping sync fires and resolves on every flip, each with its own transition id', () => {
    let prev: RunSnapshot | undefined;
    const seen: string[] = [];
    const ids = new Set<string>();
    const statuses: RunStatus[] = ['failed', 'succeeded', 'failed', 'succeeded', 'failed'];
    statuses.forEach((status, i) => {
      const r = diffRun(prev, run(`r${i}`, status), T0 + i * MIN, rules);
      seen.push(...names(r.events));
      r.events.forEach((e) => ids.add(e.transitionId));
      prev = r.next;
    });
    expect(seen).toEqual(['SyncFailed:firing', 'SyncFailed:resolved', 'SyncFailed:firing', 'SyncFailed:resolved', 'SyncFailed:firing']);
    expect(ids.size).toBe(5);
  });

  it('the firing event carries labels, run id, counts, error text and the link', () => {
    const [event] = diffRun(undefined, run('r9', 'failed', { error: 'boom', link: 'https://integrator.io/x' }), T0, {
      ...rules,
      severity: { SyncFailed: 'info' },
    }).events;
    expect(event).toMatchObject({
      fingerprint: 'SyncFailed:celigo/prod/sync/s1',
      status: 'firing',
      labels: {
        target: 'prod',
        provider: 'celigo',
        kind: 'SyncFailed',
        severity: 'info',
        resource: 'celigo/prod/sync/s1',
        integration: 'i1',
        sync: 's1',
      },
      annotations: { runId: 'r9', error: 'boom', counts: { read: 10, written: 10, failed: 0 }, link: 'https://integrator.io/x' },
      transitionId: 'SyncFailed:celigo/prod/sync/s1|firing|r9',
    });
  });

  it('the default severity of SyncFailed is critical', () => {
    expect(diffRun(undefined, run('r1', 'failed'), T0, rules).events[0]?.labels.severity).toBe('critical');
  });

  it('the same transition seen twice (a re-processed poll) has the same transition id', () => {
    const a = diffRun(snap('r0', 'succeeded'), run('r1', 'failed'), T0, rules).events[0];
    const b = diffRun(snap('r0', 'succeeded'), run('r1', 'failed'), T0 + 5 * MIN, rules).events[0];
    expect(a?.transitionId).toBe(b?.transitionId);
  });
});

describe('diffRun: SyncStuck', () => {
  const longRunning = run('r1', 'running', { startedAt: new Date(T0 - 3 * HOUR).toISOString() });
  const stuck = { SyncStuck: { since: 'x', episode: 'r1' } };
  it.each<[string, RunSnapshot | undefined, Run, AlertRules, string[]]>([
    ['running shorter than stuckAfter', undefined, run('r1', 'running'), rules, []],
    ['running longer than stuckAfter', snap('r1', 'running'), longRunning, rules, ['SyncStuck:firing']],
    ['still stuck', snap('r1', 'running', stuck), longRunning, rules, []],
    ['stuck run ended with success', snap('r1', 'running', stuck), run('r1', 'succeeded'), rules, ['SyncStuck:resolved']],
    ['stuck run ended with failure', snap('r1', 'running', stuck), run('r1', 'failed'), rules, ['SyncStuck:resolved', 'SyncFailed:firing']],
    ['a different run is now running', snap('r1', 'running', stuck), run('r2', 'running'), rules, ['SyncStuck:resolved']],
    ['no stuckAfter configured', undefined, longRunning, { ...rules, stuckAfterMs: undefined }, []],
    ['unknown status keeps it open', snap('r1', 'running', stuck), run('r1', 'unknown'), rules, []],
  ])('%s', (_case, prev, observed, r, expected) => {
    expect(names(diffRun(prev, observed, T0, r).events).sort()).toEqual([...expected].sort());
  });
});

describe('diffRun: SyncStale', () => {
  const stale = { SyncStale: { since: 'x', episode: 'y' } };
  const old = (h: number) => new Date(T0 - h * HOUR).toISOString();
  it.each<[string, RunSnapshot | undefined, Run, string[]]>([
    ['last success within successWithin', snap('r1', 'succeeded', {}, { lastSuccessAt: old(1) }), run('r2', 'running'), []],
    [
      'last success too long ago',
      snap('r1', 'succeeded', {}, { lastSuccessAt: old(7) }),
      run('r2', 'failed', { endedAt: old(0.5) }),
      ['SyncStale:firing', 'SyncFailed:firing'],
    ],
    ['first observation: old success', undefined, run('r1', 'succeeded', { endedAt: old(8) }), ['SyncStale:firing']],
    [
      'never succeeded since first seen, within the window',
      snap('r1', 'failed', {}, { lastSuccessAt: undefined, firstSeenAt: old(1) }),
      run('r1', 'failed'),
      ['SyncFailed:firing'],
    ],
    [
      'never succeeded since first seen, past the window',
      snap('r1', 'running', {}, { lastSuccessAt: undefined, firstSeenAt: old(7) }),
      run('r1', 'running'),
      ['SyncStale:firing'],
    ],
    [
      'stale, then a run succeeded',
      snap('r1', 'failed', stale, { lastSuccessAt: old(8) }),
      run('r2', 'succeeded', { endedAt: old(0.1) }),
      ['SyncStale:resolved'],
    ],
    ['stale and still no success', snap('r1', 'failed', stale, { lastSuccessAt: old(8) }), run('r2', 'running'), []],
  ])('%s', (_case, prev, observed, expected) => {
    expect(names(diffRun(prev, observed, T0, rules).events).sort()).toEqual([...expected].sort());
  });
});

function step(openErrors: number, lastErrorAt?: string): StepErrors {
  return {
    key: 'celigo/prod/step/f1/e1',
    provider: 'celigo',
    target: 'prod',
    flowId: 'f1',
    flowName: 'Orders to NetSuite',
    stepId: 'e1',
    integrationId: 'i1',
    openErrors,
    ...(lastErrorAt ? { lastErrorAt } : {}),
  };
}
const stepSnap = (openErrors: number, firing = false): StepSnapshot => ({
  type: 'step',
  openErrors,
  firing: firing ? { FlowErrors: { since: 'x', episode: 'e' } } : {},
});

describe('diffStep: FlowErrors', () => {
  it.each<[string, StepSnapshot | undefined, StepErrors, number, string[], number | undefined]>([
    // case                                 previous            observed       minNew expect                    delta
    ['first observation, no errors', undefined, step(0), 1, [], undefined],
    ['first observation, open errors', undefined, step(4, 'a'), 1, ['FlowErrors:firing'], 4],
    ['0 -> 3', stepSnap(0), step(3, 'a'), 1, ['FlowErrors:firing'], 3],
    ['0 -> 3 below minNew 5', stepSnap(0), step(3, 'a'), 5, [], undefined],
    ['3 -> 3 while firing', stepSnap(3, true), step(3, 'a'), 1, [], undefined],
    ['3 -> 5 while firing (update)', stepSnap(3, true), step(5, 'b'), 1, ['FlowErrors:update'], 2],
    ['5 -> 2 while firing (fewer, not zero)', stepSnap(5, true), step(2, 'b'), 1, [], undefined],
    ['2 -> 0 while firing', stepSnap(2, true), step(0), 1, ['FlowErrors:resolved'], -2],
    ['0 -> 0', stepSnap(0), step(0), 1, [], undefined],
  ])('%s', (_case, prev, observed, minNew, expected, delta) => {
    const { events } = diffStep(prev, observed, T0, { ...rules, minNewErrors: minNew });
    expect(names(events)).toEqual(expected);
    if (delta !== undefined) expect(events[0]?.annotations).toMatchObject({ delta, total: observed.openErrors });
  });

  it('a rise is measured from the last count, not the count when it fired', () => {
    let prev = diffStep(undefined, step(5, 'a'), T0, rules).next;
    prev = diffStep(prev, step(2, 'a'), T0 + MIN, rules).next; // dropped, still firing
    const { events } = diffStep(prev, step(3, 'b'), T0 + 2 * MIN, rules);
    expect(names(events)).toEqual(['FlowErrors:update']);
    expect(events[0]?.annotations.delta).toBe(1);
  });

  it('labels name the flow and the step', () => {
    expect(diffStep(undefined, step(1, 'a'), T0, rules).events[0]?.labels).toMatchObject({
      kind: 'FlowErrors',
      flow: 'f1',
      step: 'e1',
      integration: 'i1',
      severity: 'warning',
    });
  });
});

describe('diffTarget: TargetDown', () => {
  const target = { name: 'prod', provider: 'celigo' as const };
  const fail = { ok: false as const, error: { kind: 'auth', message: 'GET /v1/flows → 401 Bearer Authentication Failed' } };
  const ok = { ok: true as const };
  it('fires after failuresBeforeAlert failed polls in a row, once, and resolves on the next success', () => {
    let prev: TargetSnapshot | undefined;
    const seen: string[][] = [];
    for (const [i, outcome] of [fail, fail, fail, fail, ok, ok].entries()) {
      const r = diffTarget(prev, target, outcome, T0 + i * MIN, rules);
      seen.push(names(r.events));
      prev = r.next;
    }
    expect(seen).toEqual([[], [], ['TargetDown:firing'], [], ['TargetDown:resolved'], []]);
  });

  it('a success in between restarts the count', () => {
    let prev: TargetSnapshot | undefined;
    const seen: string[] = [];
    for (const [i, outcome] of [fail, fail, ok, fail, fail].entries()) {
      const r = diffTarget(prev, target, outcome, T0 + i * MIN, rules);
      seen.push(...names(r.events));
      prev = r.next;
    }
    expect(seen).toEqual([]);
  });

  it('the alert says how many polls failed and why, and starts at the first failure', () => {
    let prev: TargetSnapshot | undefined;
    let last;
    for (let i = 0; i < 3; i++) {
      last = diffTarget(prev, target, fail, T0 + i * MIN, rules);
      prev = last.next;
    }
    expect(last?.events[0]).toMatchObject({
      labels: { kind: 'TargetDown', target: 'prod', severity: 'critical' },
      annotations: { failures: 3, errorKind: 'auth' },
      startsAt: new Date(T0).toISOString(),
    });
  });
});

describe('diff over an observation', () => {
  it('combines runs and steps and returns the next snapshots of exactly those resources', () => {
    const { events, next } = diff({ runs: {}, steps: {} }, { runs: [run('r1', 'failed')], stepErrors: [step(2, 'a')] }, T0, () => rules);
    expect(names(events)).toEqual(['SyncFailed:firing', 'FlowErrors:firing']);
    expect(Object.keys(next.runs)).toEqual(['celigo/prod/sync/s1']);
    expect(Object.keys(next.steps)).toEqual(['celigo/prod/step/f1/e1']);
  });

  it('applies per-resource rules (successWithin only for matching syncs)', () => {
    const old = run('r1', 'succeeded', { endedAt: new Date(T0 - 8 * HOUR).toISOString() });
    const { events } = diff({ runs: {}, steps: {} }, { runs: [old], stepErrors: [] }, T0, (r) =>
      r.integrationId === 'other' ? rules : { ...rules, successWithinMs: undefined },
    );
    expect(events).toEqual([]);
  });
});

describe('diffTarget: TargetMisconfigured', () => {
  const target = { name: 'neo', provider: 'neo' as const };
  const notConnected = { resource: 'halopsa', code: 'integration_not_connected', message: 'integration halopsa is not connected' };
  const noSync = { resource: 'm365', code: 'integration_does_not_sync', message: 'integration m365 does not sync' };
  it.each<[string, Array<typeof notConnected>[], string[][]]>([
    [
      'one problem, seen on every poll: fires once',
      [[notConnected], [notConnected], [notConnected]],
      [['TargetMisconfigured:firing'], [], []],
    ],
    ['problem fixed: resolves once', [[notConnected], [], []], [['TargetMisconfigured:firing'], ['TargetMisconfigured:resolved'], []]],
    [
      'a second problem appears: one update',
      [[notConnected], [notConnected, noSync], [noSync, notConnected]],
      [['TargetMisconfigured:firing'], ['TargetMisconfigured:update'], []],
    ],
    ['no problems at all', [[], []], [[], []]],
  ])('%s', (_case, polls, expected) => {
    let prev: TargetSnapshot | undefined;
    const seen = polls.map((problems, i) => {
      const r = diffTarget(prev, target, { ok: true, problems }, T0 + i * MIN, rules);
      prev = r.next;
      return names(r.events);
    });
    expect(seen).toEqual(expected);
  });

  it('is not a failed poll: no TargetDown however often it is seen', () => {
    let prev: TargetSnapshot | undefined;
    const all: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = diffTarget(prev, target, { ok: true, problems: [notConnected] }, T0 + i * MIN, rules);
      all.push(...names(r.events));
      prev = r.next;
    }
    expect(all).toEqual(['TargetMisconfigured:firing']);
    expect(prev?.failures).toBe(0);
  });

  it('names every problem in the alert', () => {
    const [event] = diffTarget(undefined, target, { ok: true, problems: [notConnected, noSync] }, T0, rules).events;
    expect(event?.annotations.error).toContain('halopsa: integration halopsa is not connected');
    expect(event?.annotations.error).toContain('m365: integration m365 does not sync');
    expect(event?.labels).toMatchObject({ kind: 'TargetMisconfigured', target: 'neo', provider: 'neo', severity: 'warning' });
  });
});

describe('resourcesOutOfScope', () => {
  const scope = [{ namespace: 'celigo/prod/step/', owners: ['f1', 'f2'] }];
  it.each<[string, string, boolean]>([
    // key                                   why                                   gone
    ['celigo/prod/step/f1/e1', 'its flow is still in scope', false],
    ['celigo/prod/step/f2/i9', 'its flow is still in scope', false],
    ['celigo/prod/step/f3/e1', 'its flow left', true],
    ['celigo/prod/sync/s1', 'another namespace: not judged', false],
    ['celigo/other/step/f3/e1', 'another target: not judged', false],
    ['celigo/prod/step/f10/e1', 'an id that only starts like one kept', true],
  ])('%s (%s)', (key, _why, gone) => {
    expect(resourcesOutOfScope([key], scope)).toEqual(gone ? [key] : []);
  });

  it.each<[string, string, string | undefined, boolean]>([
    // key                      why                                            its snapshot's integration  gone
    ['celigo/prod/sync/s1', 'its integration is still polled', 'i1', false],
    ['celigo/prod/sync/s2', 'its integration is no longer polled', 'i9', true],
    ['celigo/prod/sync/s3', 'integration unknown (an older snapshot): kept', undefined, false],
    ['celigo/prod/step/f1/e1', 'steps are judged by their flow, as before', undefined, false],
  ])('syncs owned by their integration: %s (%s)', (key, _why, integration, gone) => {
    const byIntegration = [...scope, { namespace: 'celigo/prod/sync/', owners: ['i1', 'i2'], ownedBy: 'integration' as const }];
    expect(resourcesOutOfScope([key], byIntegration, () => integration)).toEqual(gone ? [key] : []);
  });

  it('an empty scope (no flows left) retires every step', () => {
    expect(
      resourcesOutOfScope(['celigo/prod/step/f1/e1', 'celigo/prod/sync/s1'], [{ namespace: 'celigo/prod/step/', owners: [] }]),
    ).toEqual(['celigo/prod/step/f1/e1']);
  });
});
