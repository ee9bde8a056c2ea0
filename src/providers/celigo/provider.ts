// Celigo integrator.io as a Provider: Data Loader sync jobs become Runs, flow steps' open-error
// counts become StepErrors. The pieces (flows in scope, one chunk of flows, the syncs of some
// integrations) are exported so the watch loop can fan a large account out over several jobs.
import { mapConcurrent } from '../../concurrency.ts';
import { isSyncwatchError } from '../../errors.ts';
import { resourceKey, type Observation, type Run, type RunFailure, type StepErrors, type UnreadableResource } from '../../model.ts';
import { matchesAnyGlob } from '../../glob.ts';
import { PartialObservationError, type ConfigProblem } from '../partial.ts';
import { selectAll, selectUnits, type ListedUnit, type Selection, type UnitMemory } from '../select.ts';
import type { Plan, PlanHints, PollContext, Provider, RunDetail, Scope } from '../types.ts';
import { collectUnreadable } from '../unreadable.ts';
import { CeligoClient } from './client.ts';
import { celigoRemediator, toOpenError } from './remediate.ts';
import { celigoRunStatus } from './status.ts';
import type { CeligoFlow, CeligoSyncError, CeligoSyncJob, CeligoSyncJobFamily } from './wire.ts';

/** The part of a Celigo target's configuration the provider reads. */
export interface CeligoTarget {
  name: string;
  baseUrl: string;
  include?: { integrations?: string[]; flows?: string[] };
  exclude?: { integrations?: string[]; flows?: string[] };
  /** Integration ids whose Data Loader syncs are watched beyond those found through the flows in scope. */
  integrations?: string[];
  /** Fetch a flow's errors only when it ran, has open errors or alerts, or its sweep turn came (default true). */
  changeDriven?: boolean;
  /** Change-driven polling still fetches every flow at least this often (ms; default 10 minutes, or the interval when longer). */
  sweepInterval?: number;
}

/** The default of a Celigo target's `sweepInterval`. */
export const DEFAULT_SWEEP_INTERVAL_MS = 10 * 60_000;

/** Requests one poll keeps in flight at once; the target's rate limiter still has the last word. */
export const CONCURRENCY = 16;

/** The integrator.io UI that belongs to an API base URL, for deep links; none for other hosts. */
export function celigoUiBase(baseUrl: string): string | undefined {
  const host = new URL(baseUrl).hostname;
  if (host === 'api.integrator.io') return 'https://integrator.io';
  if (host === 'api.eu.integrator.io') return 'https://eu.integrator.io';
  return undefined;
}

export function flowInScope(target: CeligoTarget, flow: CeligoFlow): boolean {
  const integration = flow._integrationId ?? 'none';
  const { include, exclude } = target;
  const ofFlow = { id: flow._id, name: flow.name };
  if (include?.integrations && !matchesAnyGlob(include.integrations, { id: integration })) return false;
  if (include?.flows && !matchesAnyGlob(include.flows, ofFlow)) return false;
  if (exclude?.integrations && matchesAnyGlob(exclude.integrations, { id: integration })) return false;
  if (exclude?.flows && matchesAnyGlob(exclude.flows, ofFlow)) return false;
  return true;
}

export function syncJobToRun(target: CeligoTarget, job: CeligoSyncJob): Run {
  const syncId = job._syncId ?? job._id;
  const status = celigoRunStatus(job.status);
  const ui = celigoUiBase(target.baseUrl);
  const run: Run = {
    key: resourceKey('celigo', target.name, 'sync', syncId),
    provider: 'celigo',
    target: target.name,
    kind: 'sync',
    resourceId: syncId,
    runId: job._id,
    name: syncId,
    status,
    rawStatus: job.status,
    counts: {
      ...(job.numExtractedRecords !== undefined ? { read: job.numExtractedRecords } : {}),
      ...(job.numLoadedRecords !== undefined ? { written: job.numLoadedRecords } : {}),
      ...(job.numErrors !== undefined ? { failed: job.numErrors } : {}),
    },
  };
  if (job._integrationId) run.integrationId = job._integrationId;
  if (job.startedAt ?? job.createdAt) run.startedAt = (job.startedAt ?? job.createdAt) as string;
  if (job.endedAt) run.endedAt = job.endedAt;
  if (status === 'failed') run.error = `sync job failed with ${job.numErrors ?? 0} error(s)`;
  if (ui && job._integrationId) run.link = `${ui}/integrations/${job._integrationId}/dataLoader`;
  return run;
}

export async function flowsInScope(client: CeligoClient, target: CeligoTarget, signal?: AbortSignal): Promise<CeligoFlow[]> {
  return (await client.listFlows(signal)).filter((f) => flowInScope(target, f));
}

/** The readable unit of a flow's open-error summary (its step keys start with it). */
export const flowSummaryKey = (target: CeligoTarget, flowId: string) => resourceKey('celigo', target.name, 'step', flowId);
/** The readable unit of an integration's latest sync jobs. */
export const integrationSyncsKey = (target: CeligoTarget, integrationId: string) =>
  resourceKey('celigo', target.name, 'integration', integrationId);

/** Open-error counts of every step of the given flows. A flow deleted since it was listed is skipped. */
export async function observeFlowSteps(
  client: CeligoClient,
  target: CeligoTarget,
  flows: ReadonlyArray<Pick<CeligoFlow, '_id' | 'name' | '_integrationId'>>,
  ctx: PollContext,
  unreadable?: UnreadableResource[],
): Promise<StepErrors[]> {
  const perFlow = await mapConcurrent(flows, CONCURRENCY, async (flow) => {
    try {
      const steps = await client.flowErrorSummary(flow._id, ctx.signal);
      return steps.map<StepErrors>((s) => ({
        key: resourceKey('celigo', target.name, 'step', flow._id, s.stepId),
        provider: 'celigo',
        target: target.name,
        flowId: flow._id,
        flowName: flow.name ?? flow._id,
        stepId: s.stepId,
        ...(flow._integrationId ? { integrationId: flow._integrationId } : {}),
        openErrors: s.numError,
        ...(s.lastErrorAt ? { lastErrorAt: s.lastErrorAt } : {}),
      }));
    } catch (e) {
      if (isSyncwatchError(e, 'not-found')) {
        ctx.logger.info({ target: target.name, flow: flow._id }, 'flow disappeared between listing and error summary; skipped');
        return [];
      }
      if (collectUnreadable(e, unreadable, flowSummaryKey(target, flow._id), flow.name ?? flow._id)) return [];
      throw e;
    }
  });
  return perFlow.flat();
}

/**
 * The latest run of every Data Loader sync of the given integrations. An integration that does not
 * exist is skipped; when the target lists it in `integrations:`, that is a configuration problem.
 * One whose answer cannot be read goes to `unreadable` (when given) instead of failing the poll.
 */
export async function observeSyncs(
  client: CeligoClient,
  target: CeligoTarget,
  integrationIds: readonly string[],
  ctx: PollContext,
  unreadable?: UnreadableResource[],
): Promise<{ runs: Run[]; problems: ConfigProblem[]; notSyncEnabled: string[] }> {
  const problems: ConfigProblem[] = [];
  const notSyncEnabled: string[] = [];
  const perIntegration = await mapConcurrent(integrationIds, CONCURRENCY, async (integrationId) => {
    try {
      const { jobs, syncEnabled } = await client.latestSyncJobsOf(integrationId, ctx.signal);
      if (!syncEnabled) notSyncEnabled.push(integrationId);
      return jobs.map((job) => syncJobToRun(target, job));
    } catch (e) {
      if (isSyncwatchError(e, 'not-found')) {
        if (target.integrations?.includes(integrationId)) {
          problems.push({
            resource: integrationId,
            status: 404,
            ...(e.code ? { code: e.code } : {}),
            message: `integration ${integrationId} does not exist in this account (check integrations)`,
          });
        } else {
          ctx.logger.warn({ target: target.name, integration: integrationId, code: e.code }, 'integration not found; skipped');
        }
        return [];
      }
      if (collectUnreadable(e, unreadable, integrationSyncsKey(target, integrationId), integrationId)) return [];
      throw e;
    }
  });
  return { runs: perIntegration.flat(), problems, notSyncEnabled };
}

/** The integrations whose syncs a poll reads: those of the flows in scope, then the configured ones. */
export function integrationIdsOf(flows: ReadonlyArray<Pick<CeligoFlow, '_integrationId'>>, configured: readonly string[] = []): string[] {
  return [...new Set([...flows.flatMap((f) => (f._integrationId ? [f._integrationId] : [])), ...configured])];
}

/** Requests per chunk of a fanned-out poll (a flow's summary or an integration's syncs: one each), so ~100 a job. */
export const FLOWS_PER_CHUNK = 100;

/** A flow as a chunk carries it: what its summary's resources are named by, and its change marker as listed. */
export type ChunkFlow = Pick<CeligoFlow, '_id' | 'name' | '_integrationId'> & { lastExecutedAt?: string };

/** One chunk of a Celigo poll: some flows, and the integrations whose syncs it also reads. */
export interface CeligoChunk {
  flows: ChunkFlow[];
  integrationIds: string[];
  /** Flow or integration id → what change-driven polling remembers as its fetch time, when not the fetch's own (a first fetch). */
  sweepFrom?: Record<string, number>;
}

/**
 * Split a cycle's work — the flows to fetch, then the integrations whose syncs are read (every
 * cycle, whatever flows are fetched) — into chunks of at most `size` requests, as even as can be:
 * with few flows to fetch, integrations get chunks of their own rather than one lopsided chunk.
 * Each flow and each integration is read by exactly one chunk.
 */
export function planChunks(flows: readonly ChunkFlow[], integrationIds: readonly string[], size = FLOWS_PER_CHUNK): CeligoChunk[] {
  const integrations = [...new Set(integrationIds)];
  const total = flows.length + integrations.length;
  if (total === 0) return [];
  const count = Math.ceil(total / size);
  const chunks: CeligoChunk[] = [];
  for (let c = 0; c < count; c++) {
    // Items [from, to) of flows-then-integrations: sizes differ by at most one.
    const from = Math.floor((c * total) / count);
    const to = Math.floor(((c + 1) * total) / count);
    chunks.push({
      flows: flows.slice(from, Math.min(to, flows.length)).map(chunkFlow),
      integrationIds: integrations.slice(Math.max(0, from - flows.length), Math.max(0, to - flows.length)),
    });
  }
  return chunks;
}

function chunkFlow(f: ChunkFlow | CeligoFlow): ChunkFlow {
  return {
    _id: f._id,
    ...(f.name ? { name: f.name } : {}),
    ...(f._integrationId ? { _integrationId: f._integrationId } : {}),
    ...(f.lastExecutedAt ? { lastExecutedAt: f.lastExecutedAt } : {}),
  };
}

/** The flow ids a hint's resource keys point at (`celigo/<target>/step/<flowId>[/<stepId>]`). */
export function hotFlowIds(target: CeligoTarget, hot: Iterable<string>): Set<string> {
  const ns = `${resourceKey('celigo', target.name, 'step')}/`;
  const ids = new Set<string>();
  for (const key of hot) if (key.startsWith(ns)) ids.add(key.slice(ns.length).split('/')[0]!);
  return ids;
}

/**
 * Which flows in scope a cycle fetches: with hints and `changeDriven` (the default), those that ran,
 * are hot or whose sweep turn came (src/providers/select.ts); otherwise every flow. Memory and
 * reasons are keyed by flow id here.
 */
export function selectFlows(target: CeligoTarget, flows: readonly CeligoFlow[], hints?: PlanHints): Selection {
  const units: ListedUnit[] = flows.map((f) => ({
    id: f._id,
    ...(f.lastExecutedAt ? { version: f.lastExecutedAt } : {}),
    ...(f.disabled ? { disabled: true } : {}),
  }));
  if (!hints || target.changeDriven === false) return selectAll(units);
  return selectRemembered(target, units, (id) => flowSummaryKey(target, id), hotFlowIds(target, hints.hot), hints);
}

/** selectUnits over units whose memory is kept under `unitKey(id)`. */
function selectRemembered(
  target: CeligoTarget,
  units: readonly ListedUnit[],
  unitKey: (id: string) => string,
  hot: ReadonlySet<string>,
  hints: PlanHints,
): Selection {
  const memory = new Map<string, UnitMemory>();
  for (const u of units) {
    const seen = hints.memory.get(unitKey(u.id));
    if (seen) memory.set(u.id, seen);
  }
  return selectUnits({
    units,
    memory,
    hot,
    now: hints.now,
    interval: hints.interval,
    sweepInterval: Math.max(target.sweepInterval ?? DEFAULT_SWEEP_INTERVAL_MS, hints.interval),
  });
}

/**
 * What change-driven polling remembers of an integration that answered "not sync-enabled" (404
 * `sync_job_invalid_integration_id`): it has no Data Loader syncs, so it is asked again only on its
 * sweep turn. One that has syncs (even never run: 204) is asked every cycle, as sync jobs carry no
 * change marker a listing could show.
 */
export const NOT_SYNC_ENABLED = 'not-sync-enabled';

/**
 * Which integrations' latest sync jobs a cycle reads: with hints and `changeDriven`, every one but
 * those known to have no syncs, which wait for their turn in the rolling sweep (so a sync set up in
 * one is seen within `sweepInterval`); otherwise every one. It is selectUnits with every integration
 * listed as not sync-enabled: one remembered otherwise (it has syncs) reads as changed, every cycle.
 */
export function selectIntegrations(target: CeligoTarget, integrationIds: readonly string[], hints?: PlanHints): Selection['fetch'] {
  const units = integrationIds.map((id) => ({ id, version: NOT_SYNC_ENABLED }));
  if (!hints || target.changeDriven === false) return selectAll(units).fetch;
  const unitKey = (id: string) => integrationSyncsKey(target, id);
  const hot = new Set(integrationIds.filter((id) => hints.hot.has(unitKey(id))));
  return selectRemembered(target, units, unitKey, hot, hints).fetch;
}

/** Everything a Celigo poll covers: every flow in scope (fetched this cycle or not) and every integration read. */
function celigoScope(target: CeligoTarget, flows: readonly CeligoFlow[], integrationIds: readonly string[]): Scope {
  // Steps belong to flows, syncs to integrations: a flow that left the account or the target's
  // include/exclude takes its steps along; an integration no longer polled, its syncs and the
  // unreadable streak of its sync jobs (integrationSyncsKey).
  return [
    { namespace: `${resourceKey('celigo', target.name, 'step')}/`, owners: flows.map((f) => f._id) },
    { namespace: `${resourceKey('celigo', target.name, 'sync')}/`, owners: [...integrationIds], ownedBy: 'integration' },
    { namespace: `${resourceKey('celigo', target.name, 'integration')}/`, owners: [...integrationIds] },
  ];
}

/** Plan one cycle: list the flows in scope, choose the flows and integrations to read, chunk them. */
export async function planCeligo(target: CeligoTarget, ctx: PollContext, pendingHints?: PlanHints | Promise<PlanHints>): Promise<Plan> {
  const [flows, hints] = await Promise.all([flowsInScope(new CeligoClient(ctx.http), target, ctx.signal), pendingHints]);
  const integrationIds = integrationIdsOf(flows, target.integrations);
  const selection = selectFlows(target, flows, hints);
  const readSyncs = selectIntegrations(target, integrationIds, hints);
  // First fetches count their sweep interval from their slot (src/providers/select.ts).
  const sweepFrom = new Map<string, number>();
  for (const s of [...selection.fetch, ...readSyncs]) if (s.sweepFrom !== undefined) sweepFrom.set(s.id, s.sweepFrom);
  const withSweepFrom = (chunk: CeligoChunk): CeligoChunk => {
    if (sweepFrom.size === 0) return chunk;
    const own = [...chunk.flows.map((f) => f._id), ...chunk.integrationIds].flatMap((id) => {
      const at = sweepFrom.get(id);
      return at === undefined ? [] : [[id, at] as const];
    });
    return own.length > 0 ? { ...chunk, sweepFrom: Object.fromEntries(own) } : chunk;
  };
  const byId = new Map(flows.map((f) => [f._id, f]));
  const chosen = selection.fetch.map((s) => chunkFlow(byId.get(s.id)!));
  const reasons: NonNullable<Plan['reasons']> = {};
  for (const s of selection.fetch) reasons[s.reason] = (reasons[s.reason] ?? 0) + 1;
  return {
    chunks: planChunks(
      chosen,
      readSyncs.map((r) => r.id),
    ).map(withSweepFrom),
    scope: celigoScope(target, flows, integrationIds),
    disabled: selection.disabled.map((id) => flowSummaryKey(target, id)),
    reasons,
  };
}

/** Error messages a SyncFailed/SyncPartial of a Data Loader sync shows (all tables are listed). */
export const SYNC_ERRORS_SHOWN = 5;

/** Where a sync job's records failed: one entry per table with errors, then its first distinct error messages. */
export function syncJobDetail(family: CeligoSyncJobFamily, errors: readonly CeligoSyncError[], shown = SYNC_ERRORS_SHOWN): RunDetail {
  const tables = (family.tables ?? []).filter((t) => (t.numErrors ?? 0) > 0);
  const total = family.numErrors ?? tables.reduce((n, t) => n + (t.numErrors ?? 0), 0);
  const perTable: RunFailure[] = tables.map((t) => ({
    resource: t.tableName ?? t._id ?? 'unknown table',
    reason: t.status ?? 'errors',
    message: `${t.numErrors} error(s)`,
    count: t.numErrors ?? 0,
  }));
  // The first distinct messages (table, code, text), each with how often it repeats.
  const distinct = new Map<string, { failure: RunFailure; times: number }>();
  for (const e of errors) {
    const failure: RunFailure = {
      resource: e.tableName ?? 'unknown table',
      reason: e.code === undefined ? 'error' : String(e.code),
      message: e.message ?? '',
    };
    const key = JSON.stringify([failure.resource, failure.reason, failure.message]);
    const seen = distinct.get(key);
    if (seen) seen.times++;
    else distinct.set(key, { failure, times: 1 });
  }
  const groups = [...distinct.values()];
  const first = groups.slice(0, shown).map((g) => g.failure);
  const lines = [
    `${total} error(s)` +
      (tables.length > 0
        ? ` in ${tables.length} table(s): ${tables.map((t) => `${t.tableName ?? t._id} (${t.numErrors})`).join(', ')}`
        : ''),
  ];
  lines.push(
    ...groups
      .slice(0, shown)
      .map(({ failure: f, times }) => `- ${f.resource}: ${f.reason}: ${f.message}${times > 1 ? ` (×${times})` : ''}`),
  );
  if (groups.length > shown) lines.push(`… and ${groups.length - shown} more`);
  return { error: lines.join('\n'), failures: [...perTable, ...first] };
}

async function observeCeligoChunk(target: CeligoTarget, chunk: CeligoChunk, ctx: PollContext): Promise<Observation> {
  const client = new CeligoClient(ctx.http);
  const unreadable: UnreadableResource[] = [];
  const [{ runs, problems, notSyncEnabled }, stepErrors] = await Promise.all([
    observeSyncs(client, target, chunk.integrationIds, ctx, unreadable),
    observeFlowSteps(client, target, chunk.flows, ctx, unreadable),
  ]);
  const attempted = [
    ...chunk.integrationIds.map((id) => integrationSyncsKey(target, id)),
    ...chunk.flows.map((f) => flowSummaryKey(target, f._id)),
  ];
  const unread = new Set(unreadable.map((u) => u.key));
  const noSyncs = new Set(notSyncEnabled);
  const from = (id: string) => (chunk.sweepFrom?.[id] !== undefined ? { sweepFrom: chunk.sweepFrom[id] } : {});
  const fetched = [
    ...chunk.flows.map((f) => {
      const unit = flowSummaryKey(target, f._id);
      return unread.has(unit)
        ? { unit, unread: true as const }
        : { unit, ...(f.lastExecutedAt ? { version: f.lastExecutedAt } : {}), ...from(f._id) };
    }),
    ...chunk.integrationIds.map((id) => {
      const unit = integrationSyncsKey(target, id);
      return unread.has(unit)
        ? { unit, unread: true as const }
        : { unit, ...(noSyncs.has(id) ? { version: NOT_SYNC_ENABLED } : {}), ...from(id) };
    }),
  ];
  const observation: Observation = {
    target: target.name,
    provider: 'celigo',
    observedAt: new Date(ctx.now()).toISOString(),
    runs,
    stepErrors,
    attempted,
    unreadable,
    fetched,
  };
  if (problems.length > 0) throw new PartialObservationError(target.name, observation, problems);
  return observation;
}

export const celigoProvider: Provider<CeligoTarget & { token: string }> = {
  name: 'celigo',
  auth: (target) => ({ type: 'bearer', token: target.token }),
  remediate: celigoRemediator,
  async observe(target, ctx) {
    const flows = await flowsInScope(new CeligoClient(ctx.http), target, ctx.signal);
    return observeCeligoChunk(target, { flows: flows.map(chunkFlow), integrationIds: integrationIdsOf(flows, target.integrations) }, ctx);
  },
  plan: planCeligo,
  observeChunk: (target, chunk, ctx) => observeCeligoChunk(target, chunk as CeligoChunk, ctx),
  async runDetail(_target, run, ctx) {
    if (run.kind !== 'sync' || (run.counts.failed ?? 0) === 0) return undefined;
    const client = new CeligoClient(ctx.http);
    const [family, errors] = await Promise.all([
      client.syncJobFamily(run.runId, ctx.signal),
      client.syncJobErrors(run.runId, undefined, ctx.signal),
    ]);
    return syncJobDetail(family, errors);
  },
  async errorSamples(_target, step, limit, ctx) {
    // The first page is enough for a sample; the newest errors first.
    const client = new CeligoClient(ctx.http);
    for await (const page of client.openErrorPagesOfStep(step.flowId, step.stepId, ctx.signal)) {
      return page
        .map(toOpenError)
        .sort((a, b) => (b.occurredAt ?? '').localeCompare(a.occurredAt ?? ''))
        .slice(0, limit);
    }
    return [];
  },
};
