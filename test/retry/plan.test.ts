// Planning: which steps and syncs of one observation get a retry job, and their idempotent ids.
import { describe, expect, it } from 'vitest';
import type { Observation, Run, StepErrors } from '../../src/model.ts';
import {
  policyBackoffMs,
  CLOCK_SKEW_MS,
  compilePolicies,
  eligibility,
  latestResolution,
  planRetries,
  ResolutionLookup,
  retryJobIdOf,
  verdictOf,
} from '../../src/retry/index.ts';
import { HOUR, MINUTE, policy } from './helpers.ts';

const step = (flowId: string, stepId: string, openErrors: number, over: Partial<StepErrors> = {}): StepErrors => ({
  key: `celigo/prod/step/${flowId}/${stepId}`,
  provider: 'celigo',
  target: 'prod',
  flowId,
  flowName: `Flow ${flowId}`,
  stepId,
  integrationId: 'int-1',
  openErrors,
  ...over,
});
const syncRun = (syncId: string, status: Run['status']): Run => ({
  key: `celigo/prod/sync/${syncId}`,
  provider: 'celigo',
  target: 'prod',
  kind: 'sync',
  resourceId: syncId,
  runId: `job-${syncId}`,
  name: syncId,
  status,
  rawStatus: status,
  integrationId: 'int-1',
  counts: {},
});
const observation = (stepErrors: StepErrors[], runs: Run[] = [], target = 'prod'): Observation => ({
  target,
  provider: 'celigo',
  observedAt: '2025-03-01T12:00:00Z',
  runs,
  stepErrors,
});

const policies = compilePolicies([
  policy({ name: 'orders', match: { targets: ['prod'], flows: ['Flow orders*'] }, action: 'retry' }),
  policy({ name: 'imports', match: { steps: ['imp-*'], classification: ['intermittent'] }, action: 'retry_with_backoff' }),
  policy({ name: 'syncs', match: { integrations: ['int-1'] }, action: 'rerun_sync' }),
]);

describe('planRetries', () => {
  it('one job per step with open errors that a policy could own', () => {
    const jobs = planRetries(
      observation([step('orders-1', 'exp-1', 3), step('orders-1', 'imp-1', 0), step('invoices', 'exp-9', 4), step('invoices', 'imp-2', 2)]),
      '1700',
      policies,
    );
    expect(jobs.map((j) => j.resource)).toEqual(['celigo/prod/step/orders-1/exp-1', 'celigo/prod/step/invoices/imp-2']);
    expect(jobs[0]).toMatchObject({
      kind: 'step',
      target: 'prod',
      cycle: '1700',
      flowId: 'orders-1',
      stepId: 'exp-1',
      flowName: 'Flow orders-1',
      integrationId: 'int-1',
      openErrors: 3,
    });
  });

  it('a step with nothing open is still planned while it is active (attempts to reconcile, an alert to resolve)', () => {
    const jobs = planRetries(observation([step('invoices', 'exp-9', 0)]), '1', policies, new Set(['celigo/prod/step/invoices/exp-9']));
    expect(jobs.map((j) => j.resource)).toEqual(['celigo/prod/step/invoices/exp-9']);
  });

  it('targets without policies plan nothing; other providers plan nothing', () => {
    expect(planRetries(observation([step('orders-1', 'exp-1', 3, { target: 'dev' })], [], 'dev'), '1', policies)).toEqual([]);
    expect(planRetries({ ...observation([step('orders-1', 'exp-1', 3)]), provider: 'neo' }, '1', policies)).toEqual([]);
    expect(planRetries(observation([step('orders-1', 'exp-1', 3)]), '1', [])).toEqual([]);
  });

  it('failed Data Loader syncs get a job when a rerun_sync policy covers them; succeeded ones only while active', () => {
    const jobs = planRetries(
      observation([], [syncRun('s1', 'failed'), syncRun('s2', 'succeeded'), syncRun('s3', 'succeeded')]),
      '1',
      policies,
      new Set(['celigo/prod/sync/s3']),
    );
    expect(jobs.map((j) => [j.kind, j.resource])).toEqual([
      ['sync', 'celigo/prod/sync/s1'],
      ['sync', 'celigo/prod/sync/s3'],
    ]);
    expect(jobs[0]).toMatchObject({ syncId: 's1', runId: 'job-s1', status: 'failed' });
    expect(
      planRetries(
        observation([], [syncRun('s1', 'failed')]),
        '1',
        policies.filter((p) => p.action !== 'rerun_sync'),
      ),
    ).toEqual([]);
  });

  it('job ids: the same step in the same cycle gets the same id; BullMQ-safe (no ":")', () => {
    const a = planRetries(observation([step('orders-1', 'exp-1', 3)]), '1700', policies)[0]!;
    const b = planRetries(observation([step('orders-1', 'exp-1', 9)]), '1700', policies)[0]!;
    const c = planRetries(observation([step('orders-1', 'exp-1', 3)]), '1701', policies)[0]!;
    expect(retryJobIdOf(a)).toBe(retryJobIdOf(b));
    expect(retryJobIdOf(a)).not.toBe(retryJobIdOf(c));
    expect(retryJobIdOf({ target: 'a:b', cycle: '1', resource: 'x' })).not.toContain(':');
  });
});

describe('backoff schedule', () => {
  it.each([
    [1, 15 * MINUTE],
    [2, 30 * MINUTE],
    [3, 60 * MINUTE],
    [4, 2 * HOUR],
    [5, 4 * HOUR],
    [9, 4 * HOUR],
  ])('after attempt %i wait %i ms (initial × factor^(n-1), capped)', (n, ms) => {
    expect(policyBackoffMs(n, { initial: 15 * MINUTE, factor: 2, max: 4 * HOUR })).toBe(ms);
  });
});

describe("eligibility: minAge is a floor, retryAt (the platform's own retry) is respected", () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  const at = (minutes: number) => new Date(now + minutes * MINUTE).toISOString();
  it.each([
    ['old enough, no retryAt', { occurredAt: at(-10) }, 5 * MINUTE, 'eligible'],
    ['too young', { occurredAt: at(-2) }, 5 * MINUTE, 'too_young'],
    ['exactly minAge old', { occurredAt: at(-5) }, 5 * MINUTE, 'eligible'],
    ['old enough, retryAt to come', { occurredAt: at(-10), retryAt: at(3) }, 5 * MINUTE, 'platform_retry'],
    ['old enough, retryAt passed', { occurredAt: at(-10), retryAt: at(-1) }, 5 * MINUTE, 'eligible'],
    ['retryAt now', { occurredAt: at(-10), retryAt: at(0) }, 5 * MINUTE, 'eligible'],
    ['minAge 0, retryAt to come', { occurredAt: at(0), retryAt: at(5) }, 0, 'platform_retry'],
    ['too young and retryAt to come: too young first', { occurredAt: at(-1), retryAt: at(5) }, 5 * MINUTE, 'too_young'],
    ['no times at all', {}, 5 * MINUTE, 'eligible'],
    ['unreadable times do not hold a record back', { occurredAt: 'yesterday', retryAt: 'soon' }, 5 * MINUTE, 'eligible'],
  ] as const)('%s → %s', (_name, timing, minAge, expected) => {
    expect(eligibility(timing, minAge, now)).toBe(expected);
  });
});

describe('verdictOf: how a submitted record that left the open errors was resolved', () => {
  const submitted = Date.parse('2025-03-01T12:00:00Z');
  const at = (minutes: number) => new Date(submitted + minutes * MINUTE).toISOString();
  const ours = 'user-api';
  it.each([
    ['resolved by our retry (the submitting user) after submission', ours, { resolvedBy: ours, resolvedAt: at(1) }, 'succeeded'],
    ['auto-resolved by the platform after submission', ours, { resolvedBy: 'auto', resolvedAt: at(1) }, 'succeeded'],
    [
      'auto, a little before by a skewed clock',
      ours,
      { resolvedBy: 'auto', resolvedAt: new Date(submitted - CLOCK_SKEW_MS / 2).toISOString() },
      'succeeded',
    ],
    ["auto, well before submission (the platform's own retry, not ours)", ours, { resolvedBy: 'auto', resolvedAt: at(-30) }, 'dropped'],
    ['resolved by a person', ours, { resolvedBy: 'user-person', resolvedAt: at(1) }, 'resolved_by_user'],
    ['resolved by a person before submission', ours, { resolvedBy: 'user-person', resolvedAt: at(-30) }, 'resolved_by_user'],
    ['submitter unknown (no _userId), a user id resolved it', undefined, { resolvedBy: ours, resolvedAt: at(1) }, 'resolved_by_user'],
    ['platform, without resolvedAt', ours, { resolvedBy: 'auto' }, 'succeeded'],
    ['without resolvedBy', ours, { resolvedAt: at(1) }, 'unverified'],
    ['not among the resolved errors', ours, undefined, 'unverified'],
  ] as const)('%s → %s', (_name, submitter, resolution, expected) => {
    expect(
      verdictOf(submitted, submitter, resolution === undefined ? undefined : { errorId: 'e1', retryDataKey: 'k1', ...resolution }),
    ).toBe(expected);
  });

  it('of several resolutions of one key, the latest counts', () => {
    const early = { errorId: 'e1', retryDataKey: 'k', resolvedBy: 'user-person', resolvedAt: at(-60) };
    const late = { errorId: 'e2', retryDataKey: 'k', resolvedBy: 'auto', resolvedAt: at(2) };
    expect(latestResolution(latestResolution(undefined, early), late)).toBe(late);
    expect(latestResolution(late, early)).toBe(late);
  });
});

describe('ResolutionLookup: reading the resolved errors until every record has a resolution since its submission', () => {
  const t = (minutes: number) => new Date(Date.parse('2025-03-01T12:00:00Z') + minutes * MINUTE).toISOString();
  it('is done at once with nothing to look up', () => {
    expect(new ResolutionLookup().done()).toBe(true);
  });
  it('keeps the latest resolution; an older episode does not end the search', () => {
    const lookup = new ResolutionLookup();
    lookup.want('k1', Date.parse(t(0)));
    lookup.want('k2', Date.parse(t(0)));
    lookup.offer('k1', { errorId: 'old', resolvedBy: 'user-person', resolvedAt: t(-60) });
    lookup.offer('other', { errorId: 'x', resolvedBy: 'auto', resolvedAt: t(1) });
    lookup.offer(undefined, { errorId: 'y', resolvedBy: 'auto', resolvedAt: t(1) });
    expect(lookup.done()).toBe(false);
    lookup.offer('k1', { errorId: 'new', resolvedBy: 'auto', resolvedAt: t(1) });
    lookup.offer('k2', { errorId: 'e2', resolvedBy: 'auto', resolvedAt: t(2) });
    expect(lookup.done()).toBe(true);
    expect([...lookup.found.keys()]).toEqual(['k1', 'k2']);
    expect(lookup.found.get('k1')?.errorId).toBe('new');
  });
});
