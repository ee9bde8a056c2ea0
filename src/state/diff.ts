// The pure heart of the watch loop: previous snapshot + what a poll observed + now → the next
// snapshot and the alert transitions. No I/O here; tested as tables in test/state/diff.test.ts.
import { DEFAULT_SEVERITY, fingerprintOf, type AlertEvent, type AlertKind, type AlertLabels, type Severity } from '../alert/model.ts';
import type { Observation, ProviderName, Run, StepErrors } from '../model.ts';
import type { Firing, RunSnapshot, StepSnapshot, TargetSnapshot } from './snapshot.ts';

export interface AlertRules {
  severity?: Partial<Record<AlertKind, Severity>>;
  /** SyncStuck after a run has been running longer than this. */
  stuckAfterMs?: number;
  /** SyncStale when no run succeeded for this long. */
  successWithinMs?: number;
  /** FlowErrors when a step's open errors rose by at least this. */
  minNewErrors: number;
  /** SyncPartial when a run succeeded with at least this many failed records (default 1). */
  minPartialRecords?: number;
  /** TargetDown after this many failed polls in a row. */
  failuresBeforeAlert: number;
}

export type RulesFor = (resource: {
  kind: 'sync' | 'flow' | 'step';
  name: string;
  integrationId?: string;
  integrationName?: string;
  flowName?: string;
}) => AlertRules;

/** Per-resource failures an alert carries at most (the count is in `counts.failed`). */
export const MAX_FAILED_RECORDS = 20;

const iso = (ms: number) => new Date(ms).toISOString();
const severityOf = (rules: AlertRules, kind: AlertKind): Severity => rules.severity?.[kind] ?? DEFAULT_SEVERITY[kind];

function runLabels(run: Run, kind: AlertKind, rules: AlertRules): AlertLabels {
  return {
    target: run.target,
    provider: run.provider,
    kind,
    severity: severityOf(rules, kind),
    resource: run.key,
    ...(run.integrationId ? { integration: run.integrationId } : {}),
    ...(run.kind === 'sync' ? { sync: run.resourceId } : { flow: run.resourceId }),
  };
}

function runEvent(
  run: Run,
  kind: AlertKind,
  rules: AlertRules,
  status: 'firing' | 'resolved',
  firing: Firing,
  now: number,
  extra: { update?: boolean; transitionId: string; summary: string },
): AlertEvent {
  return {
    fingerprint: fingerprintOf(kind, run.key),
    status,
    ...(extra.update ? { update: true } : {}),
    labels: runLabels(run, kind, rules),
    annotations: {
      summary: extra.summary,
      name: run.name,
      runId: run.runId,
      runStatus: run.status,
      ...(run.error ? { error: run.error } : {}),
      ...(run.startedAt ? { startedAt: run.startedAt } : {}),
      ...(run.endedAt ? { endedAt: run.endedAt } : {}),
      counts: run.counts,
      ...(run.failures && run.failures.length > 0 ? { failedRecords: run.failures.slice(0, MAX_FAILED_RECORDS) } : {}),
      ...(run.link ? { link: run.link } : {}),
    },
    startsAt: firing.since,
    ...(status === 'resolved' ? { endsAt: iso(now) } : {}),
    transitionId: extra.transitionId,
  };
}

/** The latest run of a sync or flow against what was known of it. */
export function diffRun(
  prev: RunSnapshot | undefined,
  run: Run,
  now: number,
  rules: AlertRules,
): { next: RunSnapshot; events: AlertEvent[] } {
  const events: AlertEvent[] = [];
  const firing: RunSnapshot['firing'] = { ...prev?.firing };
  const label = `${run.kind} ${run.name}`;

  // An unknown status tells us nothing: keep every alert as it is, remember the run.
  const known = run.status !== 'unknown';
  const succeeded = run.status === 'succeeded';
  const lastSuccessAt = succeeded ? (run.endedAt ?? prev?.lastSuccessAt ?? iso(now)) : prev?.lastSuccessAt;

  // SyncFailed: fires on a failed latest run; a newer failed run updates it; a success resolves it.
  if (known) {
    const open = firing.SyncFailed;
    if (run.status === 'failed') {
      if (!open) {
        const f: Firing = { since: run.endedAt ?? iso(now), episode: run.runId };
        firing.SyncFailed = f;
        events.push(
          runEvent(run, 'SyncFailed', rules, 'firing', f, now, {
            transitionId: `${fingerprintOf('SyncFailed', run.key)}|firing|${run.runId}`,
            summary: `${label} failed`,
          }),
        );
      } else if (prev?.runId !== run.runId) {
        events.push(
          runEvent(run, 'SyncFailed', rules, 'firing', open, now, {
            update: true,
            transitionId: `${fingerprintOf('SyncFailed', run.key)}|update|${run.runId}`,
            summary: `${label} failed again`,
          }),
        );
      }
    } else if (succeeded && open) {
      delete firing.SyncFailed;
      events.push(
        runEvent(run, 'SyncFailed', rules, 'resolved', open, now, {
          transitionId: `${fingerprintOf('SyncFailed', run.key)}|resolved|${open.episode}`,
          summary: `${label} succeeded again`,
        }),
      );
    }
  }

  // SyncPartial: the latest run succeeded but failed some records (Celigo numErrors, Neo failures[],
  // Airweave entities_failed); a newer partial run updates it; a clean success resolves it.
  {
    const open = firing.SyncPartial;
    const failed = run.counts.failed ?? 0;
    const fp = fingerprintOf('SyncPartial', run.key);
    if (succeeded && failed >= Math.max(1, rules.minPartialRecords ?? 1)) {
      const summary = `${label} succeeded with ${failed} failed record(s)`;
      if (!open) {
        const f: Firing = { since: run.endedAt ?? iso(now), episode: run.runId };
        firing.SyncPartial = f;
        events.push(runEvent(run, 'SyncPartial', rules, 'firing', f, now, { transitionId: `${fp}|firing|${run.runId}`, summary }));
      } else if (prev?.runId !== run.runId) {
        events.push(
          runEvent(run, 'SyncPartial', rules, 'firing', open, now, {
            update: true,
            transitionId: `${fp}|update|${run.runId}`,
            summary: `${summary} again`,
          }),
        );
      }
    } else if (succeeded && open) {
      delete firing.SyncPartial;
      events.push(
        runEvent(run, 'SyncPartial', rules, 'resolved', open, now, {
          transitionId: `${fp}|resolved|${open.episode}`,
          summary:
            failed > 0
              ? `${label} succeeded with ${failed} failed record(s), under the threshold`
              : `${label} succeeded without failed records`,
        }),
      );
    }
  }

  // SyncStuck: a run running longer than stuckAfter; resolves when that run is no longer running.
  {
    const open = firing.SyncStuck;
    const startedMs = run.startedAt ? Date.parse(run.startedAt) : NaN;
    const stuck =
      run.status === 'running' && rules.stuckAfterMs !== undefined && Number.isFinite(startedMs) && now - startedMs > rules.stuckAfterMs;
    if (stuck && !open) {
      const f: Firing = { since: iso(now), episode: run.runId };
      firing.SyncStuck = f;
      events.push(
        runEvent(run, 'SyncStuck', rules, 'firing', f, now, {
          transitionId: `${fingerprintOf('SyncStuck', run.key)}|firing|${run.runId}`,
          summary: `${label} has been running since ${run.startedAt}`,
        }),
      );
    } else if (open && known && (run.runId !== open.episode || run.status !== 'running')) {
      delete firing.SyncStuck;
      events.push(
        runEvent(run, 'SyncStuck', rules, 'resolved', open, now, {
          transitionId: `${fingerprintOf('SyncStuck', run.key)}|resolved|${open.episode}`,
          summary: `${label} is no longer stuck`,
        }),
      );
    }
  }

  // SyncStale: no success within successWithin (counted from when we first saw it, if never).
  const firstSeenAt = prev?.firstSeenAt ?? iso(now);
  {
    const open = firing.SyncStale;
    const base = lastSuccessAt ?? firstSeenAt;
    const stale = rules.successWithinMs !== undefined && now - Date.parse(base) > rules.successWithinMs;
    if (stale && !open) {
      const f: Firing = { since: iso(now), episode: base };
      firing.SyncStale = f;
      events.push(
        runEvent(run, 'SyncStale', rules, 'firing', f, now, {
          transitionId: `${fingerprintOf('SyncStale', run.key)}|firing|${base}`,
          summary: lastSuccessAt
            ? `${label} has not succeeded since ${lastSuccessAt}`
            : `${label} has not succeeded since syncwatch started watching it (${firstSeenAt})`,
        }),
      );
    } else if (open && !stale) {
      delete firing.SyncStale;
      events.push(
        runEvent(run, 'SyncStale', rules, 'resolved', open, now, {
          transitionId: `${fingerprintOf('SyncStale', run.key)}|resolved|${open.episode}`,
          summary: `${label} succeeded again`,
        }),
      );
    }
  }

  const next: RunSnapshot = {
    type: 'run',
    runId: run.runId,
    status: run.status,
    ...(run.startedAt ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt ? { endedAt: run.endedAt } : {}),
    firstSeenAt,
    ...(lastSuccessAt ? { lastSuccessAt } : {}),
    ...(run.integrationId ? { integrationId: run.integrationId } : {}),
    firing,
  };
  return { next, events };
}

function stepLabels(step: StepErrors, rules: AlertRules): AlertLabels {
  return {
    target: step.target,
    provider: step.provider,
    kind: 'FlowErrors',
    severity: severityOf(rules, 'FlowErrors'),
    resource: step.key,
    ...(step.integrationId ? { integration: step.integrationId } : {}),
    flow: step.flowId,
    step: step.stepId,
  };
}

function stepAnnotations(step: StepErrors, delta: number, summary: string) {
  return { summary, name: step.flowName, delta, total: step.openErrors };
}

/** A flow step's open-error count against what was known of it. */
export function diffStep(
  prev: StepSnapshot | undefined,
  step: StepErrors,
  now: number,
  rules: AlertRules,
): { next: StepSnapshot; events: AlertEvent[] } {
  const events: AlertEvent[] = [];
  const firing: StepSnapshot['firing'] = { ...prev?.firing };
  const fp = fingerprintOf('FlowErrors', step.key);
  const before = prev?.openErrors ?? 0;
  const delta = step.openErrors - before;
  const open = firing.FlowErrors;
  // The episode of a rise is the newest error's time (or the count, when the platform gives none).
  const riseId = step.lastErrorAt ?? `count-${step.openErrors}`;

  if (delta >= rules.minNewErrors && step.openErrors > 0) {
    if (!open) {
      const f: Firing = { since: step.lastErrorAt ?? iso(now), episode: riseId };
      firing.FlowErrors = f;
      events.push({
        fingerprint: fp,
        status: 'firing',
        labels: stepLabels(step, rules),
        annotations: stepAnnotations(
          step,
          delta,
          `${delta} new error(s) on flow ${step.flowName}, step ${step.stepId} (${step.openErrors} open)`,
        ),
        startsAt: f.since,
        transitionId: `${fp}|firing|${riseId}`,
      });
    } else {
      events.push({
        fingerprint: fp,
        status: 'firing',
        update: true,
        labels: stepLabels(step, rules),
        annotations: stepAnnotations(
          step,
          delta,
          `${delta} more error(s) on flow ${step.flowName}, step ${step.stepId} (${step.openErrors} open)`,
        ),
        startsAt: open.since,
        transitionId: `${fp}|update|${riseId}`,
      });
    }
  } else if (step.openErrors === 0 && open) {
    delete firing.FlowErrors;
    events.push({
      fingerprint: fp,
      status: 'resolved',
      labels: stepLabels(step, rules),
      annotations: stepAnnotations(step, delta, `open errors on flow ${step.flowName}, step ${step.stepId} are cleared`),
      startsAt: open.since,
      endsAt: iso(now),
      transitionId: `${fp}|resolved|${open.episode}`,
    });
  }

  const next: StepSnapshot = {
    type: 'step',
    openErrors: step.openErrors,
    ...(step.lastErrorAt ? { lastErrorAt: step.lastErrorAt } : {}),
    firing,
  };
  return { next, events };
}

/** A configured entry the platform refuses (a Neo integration that is not connected, …). */
export interface TargetProblem {
  resource: string;
  code?: string;
  message: string;
}

export type PollOutcome =
  { ok: true; problems?: readonly TargetProblem[]; pollSince?: string } | { ok: false; error: { kind: string; message: string } };

/** TargetMisconfigured: one alert per target listing its configuration problems; an update when the list changes. */
function diffMisconfigured(
  open: Firing | undefined,
  problems: readonly TargetProblem[],
  fp: string,
  labels: AlertLabels,
  target: string,
  now: number,
): { firing?: Firing; events: AlertEvent[] } {
  const detail = problems
    .map((p) => `${p.resource}:${p.code ?? ''}`)
    .sort()
    .join(',');
  const error = problems.map((p) => `${p.resource}: ${p.message}`).join('\n');
  const summary = `${target} has ${problems.length} configuration problem(s): ${problems.map((p) => p.resource).join(', ')}`;
  if (problems.length === 0) {
    if (!open) return { events: [] };
    return {
      events: [
        {
          fingerprint: fp,
          status: 'resolved',
          labels,
          annotations: { summary: `${target} has no configuration problems any more` },
          startsAt: open.since,
          endsAt: iso(now),
          transitionId: `${fp}|resolved|${open.episode}`,
        },
      ],
    };
  }
  if (!open) {
    const f: Firing = { since: iso(now), episode: iso(now), detail };
    return {
      firing: f,
      events: [
        {
          fingerprint: fp,
          status: 'firing',
          labels,
          annotations: { summary, error, errorKind: 'config' },
          startsAt: f.since,
          transitionId: `${fp}|firing|${f.episode}`,
        },
      ],
    };
  }
  if (open.detail === detail) return { firing: open, events: [] };
  const f: Firing = { ...open, detail };
  return {
    firing: f,
    events: [
      {
        fingerprint: fp,
        status: 'firing',
        update: true,
        labels,
        annotations: { summary, error, errorKind: 'config' },
        startsAt: open.since,
        transitionId: `${fp}|update|${open.episode}|${detail}`,
      },
    ],
  };
}

/** A whole poll of a target succeeded or failed: TargetDown after N failures in a row. */
export function diffTarget(
  prev: TargetSnapshot | undefined,
  target: { name: string; provider: ProviderName },
  outcome: PollOutcome,
  now: number,
  rules: AlertRules,
): { next: TargetSnapshot; events: AlertEvent[] } {
  const events: AlertEvent[] = [];
  const firing: TargetSnapshot['firing'] = { ...prev?.firing };
  const resource = `${target.provider}/${target.name}`;
  const fp = fingerprintOf('TargetDown', resource);
  const labels: AlertLabels = {
    target: target.name,
    provider: target.provider,
    kind: 'TargetDown',
    severity: severityOf(rules, 'TargetDown'),
    resource,
  };
  const open = firing.TargetDown;

  if (outcome.ok) {
    if (open) {
      delete firing.TargetDown;
      events.push({
        fingerprint: fp,
        status: 'resolved',
        labels,
        annotations: { summary: `${target.name} answers again` },
        startsAt: open.since,
        endsAt: iso(now),
        transitionId: `${fp}|resolved|${open.episode}`,
      });
    }
    const misFp = fingerprintOf('TargetMisconfigured', resource);
    const mis = diffMisconfigured(
      firing.TargetMisconfigured,
      outcome.problems ?? [],
      misFp,
      { ...labels, kind: 'TargetMisconfigured', severity: severityOf(rules, 'TargetMisconfigured') },
      target.name,
      now,
    );
    if (mis.firing) firing.TargetMisconfigured = mis.firing;
    else delete firing.TargetMisconfigured;
    events.push(...mis.events);
    return {
      next: {
        type: 'target',
        failures: 0,
        lastPollAt: iso(now),
        lastSuccessAt: iso(now),
        lastOutcome: 'success',
        ...(outcome.pollSince ? { pollSince: outcome.pollSince } : {}),
        ...(prev?.scopeHash ? { scopeHash: prev.scopeHash } : {}),
        firing,
      },
      events,
    };
  }

  const failures = (prev?.failures ?? 0) + 1;
  const streakStartedAt = failures === 1 ? iso(now) : (prev?.streakStartedAt ?? iso(now));
  if (failures >= rules.failuresBeforeAlert && !open) {
    const f: Firing = { since: streakStartedAt, episode: streakStartedAt };
    firing.TargetDown = f;
    events.push({
      fingerprint: fp,
      status: 'firing',
      labels,
      annotations: {
        summary: `${target.name} cannot be polled: ${failures} failed polls in a row (${outcome.error.kind})`,
        error: outcome.error.message,
        errorKind: outcome.error.kind,
        failures,
      },
      startsAt: f.since,
      transitionId: `${fp}|firing|${streakStartedAt}`,
    });
  }
  return {
    next: {
      type: 'target',
      failures,
      streakStartedAt,
      lastPollAt: iso(now),
      ...(prev?.lastSuccessAt ? { lastSuccessAt: prev.lastSuccessAt } : {}),
      ...(prev?.pollSince ? { pollSince: prev.pollSince } : {}),
      ...(prev?.scopeHash ? { scopeHash: prev.scopeHash } : {}),
      lastOutcome: 'failure',
      lastError: outcome.error,
      firing,
    },
    events,
  };
}

export interface Snapshots {
  runs: Record<string, RunSnapshot | undefined>;
  steps: Record<string, StepSnapshot | undefined>;
}

/**
 * diff(prev, observation, now, rules) → the events and the snapshots that changed. Resources the
 * observation does not mention are left alone (a chunk of a fanned-out poll sees only its part).
 */
export function diff(
  prev: Snapshots,
  observation: Pick<Observation, 'runs' | 'stepErrors'>,
  now: number,
  rulesFor: RulesFor,
): { events: AlertEvent[]; next: Snapshots } {
  const events: AlertEvent[] = [];
  const next: Snapshots = { runs: {}, steps: {} };
  for (const run of observation.runs) {
    const r = diffRun(
      prev.runs[run.key],
      run,
      now,
      rulesFor({
        kind: run.kind,
        name: run.name,
        ...(run.integrationId ? { integrationId: run.integrationId } : {}),
        ...(run.integrationName ? { integrationName: run.integrationName } : {}),
      }),
    );
    next.runs[run.key] = r.next;
    events.push(...r.events);
  }
  for (const step of observation.stepErrors) {
    const s = diffStep(
      prev.steps[step.key],
      step,
      now,
      rulesFor({
        kind: 'step',
        name: step.flowName,
        flowName: step.flowName,
        ...(step.integrationId ? { integrationId: step.integrationId } : {}),
      }),
    );
    next.steps[step.key] = s.next;
    events.push(...s.events);
  }
  return { events, next };
}

/**
 * Snapshot keys that left a poll's scope: in one of its namespaces, owned by an id no longer in it.
 * The owner is the key's segment after the namespace, or (`ownedBy: 'integration'`) the integration
 * `integrationOf` names for the key; a key whose integration is not known is kept.
 */
export function resourcesOutOfScope(
  keys: readonly string[],
  scope: ReadonlyArray<{ namespace: string; owners: readonly string[]; ownedBy?: 'key' | 'integration' }>,
  integrationOf: (key: string) => string | undefined = () => undefined,
): string[] {
  const owned = scope.map((s) => ({ namespace: s.namespace, owners: new Set(s.owners), byIntegration: s.ownedBy === 'integration' }));
  return keys.filter((key) =>
    owned.some(({ namespace, owners, byIntegration }) => {
      if (!key.startsWith(namespace)) return false;
      const owner = byIntegration ? integrationOf(key) : (key.slice(namespace.length).split('/')[0] ?? '');
      return owner !== undefined && !owners.has(owner);
    }),
  );
}

/** The alerts of resources no longer watched resolve: the resource is gone, so is its problem. */
/**
 * Resolutions of the alerts of resources that left the scope. Their ids name the retirement (the
 * plan's cycle: a re-run plan repeats them, a later retirement is new), not the episode's own
 * resolution, so that the same episode firing again once the resource is back can resolve again.
 */
export function retireAlerts(
  records: ReadonlyArray<{ fingerprint: string; labels: AlertLabels; annotations: { name?: string }; startsAt: string; episode: string }>,
  now: number,
  cycle: string,
): AlertEvent[] {
  return records.map((r) => ({
    fingerprint: r.fingerprint,
    status: 'resolved',
    labels: r.labels,
    annotations: {
      summary: `${r.annotations.name ?? r.labels.resource} is no longer watched (deleted, or out of the configuration's scope)`,
      ...(r.annotations.name ? { name: r.annotations.name } : {}),
    },
    startsAt: r.startsAt,
    endsAt: iso(now),
    transitionId: `${r.fingerprint}|retired|${r.episode}|${cycle}`,
  }));
}
