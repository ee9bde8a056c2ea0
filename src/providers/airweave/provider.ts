// Airweave as a Provider. The latest job of each sync becomes a Run (kind `sync`); a completed job
// that failed some entities (`entities_failed` > 0, in `counts.failed`) is a partial failure: the
// diff raises SyncPartial for it, and a clean completed job resolves it.
//
// Two ways to read jobs, chosen by the target's configuration:
//   sourceConnections: [uuid…]  GET /source-connections/{id}/jobs for each (seed 001; newest first;
//                               upper-case statuses; resource = the source connection)
//   (none)                      GET /v1/sync/jobs, every page via skip/limit (seed 002; lower-case
//                               statuses; resource = sync_id, named by sync_name)
import { mapConcurrent } from '../../concurrency.ts';
import type { Logger } from 'pino';
import { isSyncwatchError } from '../../errors.ts';
import { resourceKey, type Observation, type Run, type RunCounts, type RunStatus, type UnreadableResource } from '../../model.ts';
import { PartialObservationError, type ConfigProblem } from '../partial.ts';
import type { PollContext, Provider } from '../types.ts';
import { collectUnreadable } from '../unreadable.ts';
import { AirweaveClient } from './client.ts';
import { airweaveRunStatus } from './status.ts';
import type { AirweaveSourceConnectionJob, AirweaveSyncJob } from './wire.ts';

/** The part of an Airweave target's configuration the provider reads. */
export interface AirweaveTarget {
  name: string;
  baseUrl: string;
  apiKey: string;
  sourceConnections?: string[];
}

/** Jobs read per source connection: enough to find the latest completed one behind a few running. */
export const SOURCE_CONNECTION_JOBS_LIMIT = 50;
/** Where the partial-failure StepErrors entries of syncs lived before SyncPartial (retired once). */
const OLD_ENTITIES_STEPS = 'step';
const CONCURRENCY = 8;
const MAX_DETAILS_LENGTH = 200;

function sum(...values: Array<number | null | undefined>): number | undefined {
  const present = values.filter((v): v is number => typeof v === 'number');
  return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0);
}

function compactCounts(counts: RunCounts): RunCounts {
  return Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== undefined)) as RunCounts;
}

/** `error` plus a short rendering of `error_details`, for the alert. */
function errorText(error: string | null | undefined, details?: Record<string, unknown> | null): string | undefined {
  let detailText: string | undefined;
  if (details && Object.keys(details).length > 0) {
    const json = JSON.stringify(details);
    detailText = json.length <= MAX_DETAILS_LENGTH ? json : `${json.slice(0, MAX_DETAILS_LENGTH - 1)}…`;
  }
  if (error && detailText) return `${error} (details: ${detailText})`;
  return error ?? (detailText ? `details: ${detailText}` : undefined);
}

function statusOf(raw: string, logger: Logger, target: string, jobId: string): RunStatus {
  const status = airweaveRunStatus(raw);
  if (status === 'unknown') logger.warn({ target, job: jobId, status: raw }, 'unknown Airweave job status; kept as unknown');
  return status;
}

interface JobView {
  resourceId: string;
  name: string;
  runId: string;
  rawStatus: string;
  startedAt?: string | null | undefined;
  endedAt?: string | null | undefined;
  counts: RunCounts;
  error?: string | undefined;
}

function toRun(target: string, view: JobView, status: RunStatus): Run {
  const run: Run = {
    key: resourceKey('airweave', target, 'sync', view.resourceId),
    provider: 'airweave',
    target,
    kind: 'sync',
    resourceId: view.resourceId,
    runId: view.runId,
    name: view.name,
    status,
    rawStatus: view.rawStatus,
    counts: compactCounts(view.counts),
  };
  if (view.startedAt) run.startedAt = view.startedAt;
  if (view.endedAt && status !== 'running' && status !== 'queued') run.endedAt = view.endedAt;
  if (status === 'failed') run.error = view.error ?? 'sync job failed (Airweave gave no error message)';
  else if (view.error && status !== 'succeeded') run.error = view.error;
  return run;
}

export function sourceConnectionJobToRun(
  target: string,
  sourceConnectionId: string,
  job: AirweaveSourceConnectionJob,
  logger: Logger,
): Run {
  const error = errorText(job.error, job.error_details);
  return toRun(
    target,
    {
      resourceId: sourceConnectionId,
      name: sourceConnectionId,
      runId: job.id,
      rawStatus: job.status,
      startedAt: job.started_at,
      endedAt: job.completed_at,
      counts: { written: sum(job.entities_inserted, job.entities_updated, job.entities_deleted), failed: job.entities_failed ?? undefined },
      error,
    },
    statusOf(job.status, logger, target, job.id),
  );
}

export function syncJobToRun(target: string, job: AirweaveSyncJob, logger: Logger): Run {
  const encountered = job.entities_encountered ? sum(...Object.values(job.entities_encountered)) : undefined;
  return toRun(
    target,
    {
      resourceId: job.sync_id,
      name: job.sync_name || job.sync_id,
      runId: job.id,
      rawStatus: job.status,
      startedAt: job.started_at ?? job.created_at,
      endedAt: job.completed_at ?? job.failed_at,
      counts: {
        read: encountered,
        written: sum(job.entities_inserted, job.entities_updated, job.entities_deleted),
        failed: job.entities_failed ?? undefined,
      },
      error: errorText(job.error),
    },
    statusOf(job.status, logger, target, job.id),
  );
}

const isCompleted = (raw: string) => airweaveRunStatus(raw) === 'succeeded';

/** The latest job of each sync_id (by created_at, then started_at; ties: the one listed first). */
export function latestJobsBySync(
  jobs: readonly AirweaveSyncJob[],
): Map<string, { latest: AirweaveSyncJob; latestCompleted?: AirweaveSyncJob }> {
  const when = (j: AirweaveSyncJob) => j.created_at ?? j.started_at ?? '';
  const bySync = new Map<string, { latest: AirweaveSyncJob; latestCompleted?: AirweaveSyncJob }>();
  for (const job of jobs) {
    const entry = bySync.get(job.sync_id);
    if (entry === undefined) {
      bySync.set(job.sync_id, isCompleted(job.status) ? { latest: job, latestCompleted: job } : { latest: job });
      continue;
    }
    if (when(job) > when(entry.latest)) entry.latest = job;
    if (isCompleted(job.status) && (entry.latestCompleted === undefined || when(job) > when(entry.latestCompleted)))
      entry.latestCompleted = job;
  }
  return bySync;
}

/** The readable unit of a source connection's jobs (its run's key is `airweave/<target>/sync/<id>`). */
export const sourceConnectionKey = (target: string, sourceConnectionId: string) =>
  resourceKey('airweave', target, 'source-connection', sourceConnectionId);

/**
 * The latest job of each source connection. One that does not exist is a configuration problem; one
 * whose answer cannot be read goes to `unreadable` (its state is kept) and the others are observed.
 */
async function observeSourceConnections(
  client: AirweaveClient,
  target: AirweaveTarget,
  ids: readonly string[],
  ctx: PollContext,
  unreadable: UnreadableResource[],
): Promise<{ runs: Run[]; problems: ConfigProblem[] }> {
  const runs: Run[] = [];
  const problems: ConfigProblem[] = [];
  type Result = { id: string; jobs: AirweaveSourceConnectionJob[] } | { id: string; problem: ConfigProblem };
  const results = await mapConcurrent(ids, CONCURRENCY, async (id): Promise<Result> => {
    try {
      return {
        id,
        jobs: await client.sourceConnectionJobs(id, { limit: SOURCE_CONNECTION_JOBS_LIMIT, ...(ctx.signal ? { signal: ctx.signal } : {}) }),
      };
    } catch (e) {
      if (isSyncwatchError(e, 'not-found')) {
        return {
          id,
          problem: {
            resource: id,
            status: 404,
            ...(e.code ? { code: e.code } : {}),
            message: `source connection ${id} does not exist in this Airweave organisation (check sourceConnections)`,
          },
        };
      }
      // Unread: no jobs to report, so nothing about it changes this cycle.
      if (collectUnreadable(e, unreadable, sourceConnectionKey(target.name, id), id)) return { id, jobs: [] };
      throw e;
    }
  });
  for (const result of results) {
    if ('problem' in result) {
      problems.push(result.problem);
      continue;
    }
    const [latest] = result.jobs; // the API lists newest first
    if (latest === undefined) continue; // never ran: nothing to report yet
    runs.push(sourceConnectionJobToRun(target.name, result.id, latest, ctx.logger));
  }
  return { runs, problems };
}

async function observeOrganisation(client: AirweaveClient, target: AirweaveTarget, ctx: PollContext): Promise<Run[]> {
  const jobs = await client.listSyncJobs(ctx.signal ? { signal: ctx.signal } : {});
  // Seed 002 does not list entities_failed; when a deployment sends it, partial failures count.
  return [...latestJobsBySync(jobs).values()].map(({ latest }) => syncJobToRun(target.name, latest, ctx.logger));
}

export const airweaveProvider: Provider<AirweaveTarget> = {
  name: 'airweave',
  auth: (target) => ({ type: 'header', header: 'x-api-key', value: target.apiKey }),
  async observe(target, ctx) {
    const client = new AirweaveClient(ctx.http);
    const observedAt = new Date(ctx.now()).toISOString();
    if (target.sourceConnections === undefined) {
      return {
        target: target.name,
        provider: 'airweave',
        observedAt,
        runs: await observeOrganisation(client, target, ctx),
        stepErrors: [],
      };
    }
    const ids = [...new Set(target.sourceConnections)];
    const unreadable: UnreadableResource[] = [];
    const { runs, problems } = await observeSourceConnections(client, target, ids, ctx, unreadable);
    const observation: Observation = {
      target: target.name,
      provider: 'airweave',
      observedAt,
      runs,
      stepErrors: [],
      attempted: ids.map((id) => sourceConnectionKey(target.name, id)),
      unreadable,
    };
    if (problems.length > 0) throw new PartialObservationError(target.name, observation, problems);
    return observation;
  },
  // Source connections removed from the configuration are forgotten, their unreadable streaks too
  // (the organisation-wide listing watches every sync); the `entities` steps of earlier versions are retired once.
  scope: (target) => [
    ...(target.sourceConnections === undefined
      ? []
      : [
          { namespace: `${resourceKey('airweave', target.name, 'sync')}/`, owners: [...target.sourceConnections] },
          { namespace: `${resourceKey('airweave', target.name, 'source-connection')}/`, owners: [...target.sourceConnections] },
        ]),
    { namespace: `${resourceKey('airweave', target.name, OLD_ENTITIES_STEPS)}/`, owners: [] },
  ],
};
