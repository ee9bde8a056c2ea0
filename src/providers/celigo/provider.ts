// Celigo integrator.io as a Provider: Data Loader sync jobs become Runs, flow steps' open-error
// counts become StepErrors. The pieces (flows in scope, one chunk of flows, the syncs of some
// integrations) are exported so the watch loop can fan a large account out over several jobs.
import { mapConcurrent } from '../../concurrency.ts';
import { isSyncwatchError, unreadableKind } from '../../errors.ts';
import { resourceKey, type Observation, type OpenError, type Run, type StepErrors, type UnreadableResource } from '../../model.ts';
import { matchesAny } from '../glob.ts';
import type { PollContext, Provider } from '../types.ts';
import { CeligoClient } from './client.ts';
import { celigoRunStatus } from './status.ts';
import type { CeligoFlow, CeligoStepError, CeligoSyncJob } from './wire.ts';

/** The part of a Celigo target's configuration the provider reads. */
export interface CeligoTarget {
  name: string;
  baseUrl: string;
  include?: { integrations?: string[]; flows?: string[] };
  exclude?: { integrations?: string[]; flows?: string[] };
}

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
  if (include?.integrations && !matchesAny(include.integrations, integration)) return false;
  if (include?.flows && !matchesAny(include.flows, flow._id, flow.name)) return false;
  if (exclude?.integrations && matchesAny(exclude.integrations, integration)) return false;
  if (exclude?.flows && matchesAny(exclude.flows, flow._id, flow.name)) return false;
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
export const integrationSyncsKey = (target: CeligoTarget, integrationId: string) => resourceKey('celigo', target.name, 'integration', integrationId);

/**
 * A resource whose answer arrived but cannot be read (bad JSON, cut short, too large, a 5xx of its
 * own) goes to `unreadable` when a collector is given, and the rest carries on; anything else — and
 * everything without a collector — is thrown, failing the poll.
 */
function collectUnreadable(e: unknown, unreadable: UnreadableResource[] | undefined, key: string, name: string): boolean {
  const kind = unreadableKind(e);
  if (!kind || !unreadable) return false;
  unreadable.push({ key, name, kind, message: (e as Error).message });
  return true;
}

/** Open-error counts of every step of the given flows. A flow deleted since it was listed is skipped. */
export async function observeFlowSteps(client: CeligoClient, target: CeligoTarget, flows: ReadonlyArray<Pick<CeligoFlow, '_id' | 'name' | '_integrationId'>>, ctx: PollContext, unreadable?: UnreadableResource[]): Promise<StepErrors[]> {
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

/** The latest run of every Data Loader sync of the given integrations. */
export async function observeSyncs(client: CeligoClient, target: CeligoTarget, integrationIds: readonly string[], ctx: PollContext, unreadable?: UnreadableResource[]): Promise<Run[]> {
  const perIntegration = await mapConcurrent(integrationIds, CONCURRENCY, async (integrationId) => {
    try {
      return (await client.latestSyncJobs(integrationId, ctx.signal)).map((job) => syncJobToRun(target, job));
    } catch (e) {
      if (isSyncwatchError(e, 'not-found')) {
        ctx.logger.warn({ target: target.name, integration: integrationId, code: e.code }, 'integration not found; skipped');
        return [];
      }
      if (collectUnreadable(e, unreadable, integrationSyncsKey(target, integrationId), integrationId)) return [];
      throw e;
    }
  });
  return perIntegration.flat();
}

export function integrationIdsOf(flows: ReadonlyArray<Pick<CeligoFlow, '_integrationId'>>): string[] {
  return [...new Set(flows.flatMap((f) => (f._integrationId ? [f._integrationId] : [])))];
}

/** Flows per chunk of a fanned-out poll: one summary request each, so ~100 requests a job. */
export const FLOWS_PER_CHUNK = 100;

/** One chunk of a Celigo poll: some flows, and the integrations whose syncs it also reads. */
export interface CeligoChunk {
  flows: Array<Pick<CeligoFlow, '_id' | 'name' | '_integrationId'>>;
  integrationIds: string[];
}

/** Split the flows in scope into chunks; each integration's syncs are read by exactly one chunk. */
export function planChunks(flows: readonly CeligoFlow[], size = FLOWS_PER_CHUNK): CeligoChunk[] {
  const chunks: CeligoChunk[] = [];
  const assigned = new Set<string>();
  for (let i = 0; i < flows.length; i += size) {
    const part = flows.slice(i, i + size);
    const integrationIds = integrationIdsOf(part).filter((id) => !assigned.has(id));
    integrationIds.forEach((id) => assigned.add(id));
    chunks.push({ flows: part.map((f) => ({ _id: f._id, ...(f.name ? { name: f.name } : {}), ...(f._integrationId ? { _integrationId: f._integrationId } : {}) })), integrationIds });
  }
  return chunks;
}

async function observeCeligoChunk(target: CeligoTarget, chunk: CeligoChunk, ctx: PollContext): Promise<Observation> {
  const client = new CeligoClient(ctx.http);
  const unreadable: UnreadableResource[] = [];
  const [runs, stepErrors] = await Promise.all([
    observeSyncs(client, target, chunk.integrationIds, ctx, unreadable),
    observeFlowSteps(client, target, chunk.flows, ctx, unreadable),
  ]);
  const attempted = [...chunk.integrationIds.map((id) => integrationSyncsKey(target, id)), ...chunk.flows.map((f) => flowSummaryKey(target, f._id))];
  return { target: target.name, provider: 'celigo', observedAt: new Date(ctx.now()).toISOString(), runs, stepErrors, attempted, unreadable };
}

export const celigoProvider: Provider<CeligoTarget & { token: string }> = {
  name: 'celigo',
  auth: (target) => ({ type: 'bearer', token: target.token }),
  async observe(target, ctx) {
    const flows = await flowsInScope(new CeligoClient(ctx.http), target, ctx.signal);
    return observeCeligoChunk(target, { flows, integrationIds: integrationIdsOf(flows) }, ctx);
  },
  async plan(target, ctx) {
    const flows = await flowsInScope(new CeligoClient(ctx.http), target, ctx.signal);
    return planChunks(flows);
  },
  observeChunk: (target, chunk, ctx) => observeCeligoChunk(target, chunk as CeligoChunk, ctx),
  // Steps belong to flows: a flow that left the account or the target's include/exclude takes them along.
  scope: (target, chunks) => [{ namespace: `${resourceKey('celigo', target.name, 'step')}/`, owners: (chunks as CeligoChunk[]).flatMap((c) => c.flows.map((f) => f._id)) }],
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

export function toOpenError(e: CeligoStepError): OpenError {
  return {
    errorId: e.errorId,
    message: e.message ?? '',
    ...(e.retryDataKey ? { retryDataKey: e.retryDataKey } : {}),
    ...(e.classification ? { classification: e.classification } : {}),
    ...(e.source ? { source: e.source } : {}),
    ...(e.code !== undefined ? { code: String(e.code) } : {}),
    ...(e.occurredAt ? { occurredAt: e.occurredAt } : {}),
    ...(e.traceKey ? { traceKey: e.traceKey } : {}),
  };
}
