// Neo as a Provider: the latest sync run of each configured integration becomes a Run (kind `sync`,
// resource = the integration name), with its per-resource failures (`activities[].failures[]`) as
// `run.failures` and a readable summary in `run.error`.
//
// Runs are read since the last poll (`ctx.since`) less an overlap (`overlap`, default 5 minutes,
// for rows inserted late), never further back than the API's 30-day window; without a `since`,
// the last 24 hours. An integration the tenant cannot sync (the three
// 404 codes) is a configuration problem of the target: the other integrations are still observed,
// and the poll ends in one PartialObservationError (kind `config`) that carries their observation.
// An integration whose answer cannot be read (bad JSON, a 5xx of its own, …) is `unreadable` for the
// cycle: its state is kept, the others are observed, and the watch does not move the next poll's
// `since` past this one's, so its runs of the meantime are still read once it answers again.
import type { Logger } from 'pino';
import { isSyncwatchError } from '../../errors.ts';
import { resourceKey, type Observation, type Run, type RunFailure, type RunStatus, type UnreadableResource } from '../../model.ts';
import { PartialObservationError, type ConfigProblem } from '../partial.ts';
import type { Provider } from '../types.ts';
import { collectUnreadable } from '../unreadable.ts';
import { MAX_NEO_PAGE_SIZE, NEO_MAX_WINDOW_MS, NeoClient } from './client.ts';
import { neoRunStatus } from './status.ts';
import type { NeoSyncRun } from './wire.ts';

/** The part of a Neo target's configuration the provider reads. */
export interface NeoTarget {
  name: string;
  baseUrl: string;
  token: string;
  integrations: string[];
  /** How far before the last poll to read again (late inserts, clock skew); default NEO_DEFAULT_OVERLAP_MS. */
  overlap?: number;
}

/** How far back to look when the caller gives no `since`. */
export const NEO_DEFAULT_LOOKBACK_MS = 24 * 60 * 60 * 1000;
/**
 * How far before the last poll each poll reads again: a run row that shows up late with a start
 * before that poll (late insert, clock skew) is still seen. Runs read again change nothing: the
 * diff knows their run id and each transition is taken once.
 */
export const NEO_DEFAULT_OVERLAP_MS = 5 * 60 * 1000;
/** Kept off the 30-day edge, so a clock a little behind Neo's never asks for 30 days and a bit. */
export const NEO_WINDOW_MARGIN_MS = 10 * 60 * 1000;
/** Failures written out in `run.error`; all of them are in `run.failures`. */
export const NEO_ERROR_FAILURES_SHOWN = 5;

/** The 404 codes that mean "this integration cannot be watched on this tenant" (seed 003). */
export const NEO_CONFIG_ERROR_CODES: Readonly<Record<string, (integration: string) => string>> = {
  unknown_integration: (i) => `integration "${i}" is not a Neo integration name (unknown_integration)`,
  integration_not_connected: (i) => `integration "${i}" is not connected on this Neo tenant (integration_not_connected)`,
  integration_does_not_sync: (i) => `integration "${i}" is connected but does not run scheduled syncs (integration_does_not_sync)`,
};

/** The `since` to ask for: the caller's, else the default lookback; never before the 30-day window. */
export function syncRunsSince(now: number, since: string | undefined, logger?: Logger): string {
  const earliest = now - NEO_MAX_WINDOW_MS + NEO_WINDOW_MARGIN_MS;
  let from = now - NEO_DEFAULT_LOOKBACK_MS;
  if (since !== undefined) {
    const parsed = Date.parse(since);
    if (Number.isNaN(parsed)) logger?.warn({ since }, 'ignoring a since that is not an ISO time');
    else from = Math.min(parsed, now);
  }
  return new Date(Math.max(from, earliest)).toISOString();
}

export function failuresOf(run: NeoSyncRun): RunFailure[] {
  return run.activities.flatMap((activity) =>
    activity.failures.map((f) => ({
      resource: f.resource_label,
      ...(f.parent_label ? { parent: f.parent_label } : {}),
      reason: f.reason,
      message: f.error_message,
      activity: activity.activity_label,
    })),
  );
}

function describeFailure(f: RunFailure): string {
  const where = [f.activity, f.parent ? `${f.resource} (${f.parent})` : f.resource].filter(Boolean).join(' › ');
  return `- ${where}: ${f.reason}: ${f.message}`;
}

/** The run's own error, its dashboard message and its first failures, one per line. */
export function runErrorText(run: NeoSyncRun, failures: readonly RunFailure[], status: RunStatus): string | undefined {
  const lines: string[] = [];
  if (run.error) lines.push(run.error);
  if (run.dashboard_message && run.dashboard_message !== run.error) lines.push(run.dashboard_message);
  if (failures.length > 0) {
    lines.push(`${failures.length} resource failure(s):`);
    lines.push(...failures.slice(0, NEO_ERROR_FAILURES_SHOWN).map(describeFailure));
    if (failures.length > NEO_ERROR_FAILURES_SHOWN) lines.push(`… and ${failures.length - NEO_ERROR_FAILURES_SHOWN} more`);
  }
  if (lines.length === 0 && status === 'failed') return 'sync run failed (Neo gave no error message)';
  return lines.length === 0 ? undefined : lines.join('\n');
}

export function syncRunToRun(target: string, integration: string, run: NeoSyncRun, logger: Logger): Run {
  const status = neoRunStatus(run.status);
  if (status === 'unknown')
    logger.warn({ target, integration, run: run.run_id, status: run.status }, 'unknown Neo run status; kept as unknown');
  const failures = failuresOf(run);
  const counts =
    run.activities.length === 0
      ? {}
      : {
          read: run.activities.reduce((n, a) => n + a.total_count, 0),
          written: run.activities.reduce((n, a) => n + a.synced_count, 0),
          failed: failures.length,
        };
  const result: Run = {
    key: resourceKey('neo', target, 'sync', integration),
    provider: 'neo',
    target,
    kind: 'sync',
    resourceId: integration,
    runId: run.run_id,
    name: integration,
    status,
    rawStatus: run.status,
    integrationId: integration,
    counts,
  };
  if (run.started_at) result.startedAt = run.started_at;
  if (run.finished_at) result.endedAt = run.finished_at;
  const error = runErrorText(run, failures, status);
  if (error !== undefined) result.error = error;
  if (failures.length > 0) result.failures = failures;
  return result;
}

/** The newest run by start time (then finish time); runs without either rank last; ties: listed first. */
export function latestRun(runs: readonly NeoSyncRun[]): NeoSyncRun | undefined {
  const when = (r: NeoSyncRun) => r.started_at ?? r.finished_at ?? '';
  let latest: NeoSyncRun | undefined;
  for (const run of runs) if (latest === undefined || when(run) > when(latest)) latest = run;
  return latest;
}

/** The readable unit of an integration's sync runs (its run's key is `neo/<target>/sync/<name>`). */
export const integrationRunsKey = (target: string, integration: string) => resourceKey('neo', target, 'integration', integration);

export const neoProvider: Provider<NeoTarget> = {
  name: 'neo',
  auth: (target) => ({ type: 'bearer', token: target.token }),
  async observe(target, ctx) {
    const client = new NeoClient(ctx.http);
    const now = ctx.now();
    const overlap = target.overlap ?? NEO_DEFAULT_OVERLAP_MS;
    const last = ctx.since === undefined ? NaN : Date.parse(ctx.since);
    const since = syncRunsSince(now, Number.isNaN(last) ? ctx.since : new Date(last - overlap).toISOString(), ctx.logger);
    const runs: Run[] = [];
    const problems: ConfigProblem[] = [];
    const unreadable: UnreadableResource[] = [];
    const integrations = [...new Set(target.integrations)];
    // A handful of integrations per target: one after the other keeps the request rate gentle.
    for (const integration of integrations) {
      try {
        const found = await client.listSyncRuns(integration, {
          since,
          pageSize: MAX_NEO_PAGE_SIZE,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
        const latest = latestRun(found);
        if (latest !== undefined) runs.push(syncRunToRun(target.name, integration, latest, ctx.logger));
      } catch (e) {
        if (collectUnreadable(e, unreadable, integrationRunsKey(target.name, integration), integration)) continue;
        const describe = isSyncwatchError(e, 'not-found') && e.code !== undefined ? NEO_CONFIG_ERROR_CODES[e.code] : undefined;
        if (describe === undefined || !isSyncwatchError(e)) throw e;
        problems.push({ resource: integration, status: 404, ...(e.code ? { code: e.code } : {}), message: describe(integration) });
      }
    }
    const observation: Observation = {
      target: target.name,
      provider: 'neo',
      observedAt: new Date(now).toISOString(),
      runs,
      stepErrors: [],
      attempted: integrations.map((i) => integrationRunsKey(target.name, i)),
      unreadable,
    };
    if (problems.length > 0) throw new PartialObservationError(target.name, observation, problems);
    return observation;
  },
  // An integration removed from the configuration is forgotten (its unreadable streak too) and its alerts resolve.
  scope: (target) => [
    { namespace: `${resourceKey('neo', target.name, 'sync')}/`, owners: [...target.integrations] },
    { namespace: `${resourceKey('neo', target.name, 'integration')}/`, owners: [...target.integrations] },
  ],
};
