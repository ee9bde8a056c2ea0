// Typed calls to integrator.io, one method per endpoint this product uses. Platform quirks are
// absorbed here (bare arrays, 204 for "nothing", two different 404s, 204 no-op retries), so callers
// see plain values or a SyncwatchError with a kind.
import { z } from 'zod';
import { parseWire } from '../wire.ts';
import { SyncwatchError, isSyncwatchError } from '../../errors.ts';
import type { HttpClient } from '../../http/client.ts';
import {
  celigoFlow,
  celigoFlowErrorSummary,
  celigoJob,
  celigoResolvedError,
  celigoStepError,
  celigoSyncError,
  celigoSyncJob,
  celigoSyncJobFamily,
  celigoSyncRunResponse,
  type CeligoFlow,
  type CeligoJob,
  type CeligoResolvedError,
  type CeligoStepError,
  type CeligoSyncError,
  type CeligoSyncJob,
  type CeligoSyncJobFamily,
} from './wire.ts';

/** The platform's own cap per retry call (its CLI batches at 1,000). */
export const MAX_RETRY_KEYS_PER_CALL = 1000;

export type RetryOutcome =
  | { outcome: 'queued'; job: CeligoJob }
  | { outcome: 'no-op' } // 204: none of the keys matched a stored snapshot
  | { outcome: 'inactive-flow' }; // 422 inactive_flow: the flow is disabled

export type RunFlowOutcome =
  | { outcome: 'queued'; jobIds: string[] }
  | { outcome: 'not-queued' } // 200 without a body or without `_jobId`: accepted, but no job queued
  | { outcome: 'rejected'; reason: string };

const jobIdOf = (value: unknown): string | undefined =>
  value !== null && typeof value === 'object' && typeof (value as { _jobId?: unknown })._jobId === 'string'
    ? (value as { _jobId: string })._jobId
    : undefined;

/** A flow run's answer: one object, an array of per-export runs, or `{error}` (the Flows document). */
export function runFlowOutcome(body: unknown): RunFlowOutcome {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && typeof (body as { error?: unknown }).error === 'string') {
    return { outcome: 'rejected', reason: (body as { error: string }).error };
  }
  const jobIds = (Array.isArray(body) ? body : [body]).flatMap((r) => jobIdOf(r) ?? []);
  return jobIds.length > 0 ? { outcome: 'queued', jobIds } : { outcome: 'not-queued' };
}

export type RunSyncOutcome =
  | { outcome: 'queued'; syncId: string; flowExecutionGroupId: string }
  | { outcome: 'already-queued' } // 409 sync_job_already_queued
  | { outcome: 'disabled' }; // 422 invalid_sync

export interface StepErrorCount {
  stepId: string;
  numError: number;
  lastErrorAt?: string;
}

const id = (s: string) => encodeURIComponent(s);

/**
 * The flow fields a poll reads, asked for with `include` (summary projection, seed 004): `_id` and
 * `name` come always, so whole flow documents never fill the response cap on a large account.
 */
export const FLOW_LIST_FIELDS = ['_integrationId', 'disabled', 'lastExecutedAt'] as const;

export class CeligoClient {
  constructor(private readonly http: HttpClient) {}

  /** Every flow of the account, page by page (Link header; 204 when the account has none). */
  async *flowPages(signal?: AbortSignal): AsyncIterable<CeligoFlow[]> {
    const query = { include: FLOW_LIST_FIELDS.join(',') };
    for await (const page of this.http.paginateLink<unknown>({
      path: '/v1/flows',
      endpoint: 'GET /v1/flows',
      query,
      // A poll reads every page: the next one is on its way while this one is parsed.
      prefetch: true,
      ...(signal ? { signal } : {}),
    })) {
      yield parseWire(z.array(celigoFlow), page, 'GET /v1/flows');
    }
  }

  async listFlows(signal?: AbortSignal): Promise<CeligoFlow[]> {
    const flows: CeligoFlow[] = [];
    for await (const page of this.flowPages(signal)) flows.push(...page);
    return flows;
  }

  /**
   * The latest job of each Data Loader sync of an integration. An integration without syncs
   * (204, or 404 `sync_job_invalid_integration_id`) has none; a missing integration is not-found.
   */
  async latestSyncJobs(integrationId: string, signal?: AbortSignal): Promise<CeligoSyncJob[]> {
    return (await this.latestSyncJobsOf(integrationId, signal)).jobs;
  }

  /**
   * The latest job of each sync of an integration, and whether it is sync-enabled at all: a 404
   * `sync_job_invalid_integration_id` says it has no Data Loader syncs (no jobs, `syncEnabled: false`);
   * a 204 says it has syncs that never ran (no jobs, `syncEnabled: true`).
   */
  async latestSyncJobsOf(integrationId: string, signal?: AbortSignal): Promise<{ jobs: CeligoSyncJob[]; syncEnabled: boolean }> {
    try {
      const res = await this.http.request<unknown>({
        path: `/v1/integrations/${id(integrationId)}/syncJobs/latest`,
        endpoint: 'GET /v1/integrations/{id}/syncJobs/latest',
        ...(signal ? { signal } : {}),
      });
      if (res.body === undefined) return { jobs: [], syncEnabled: true };
      return { jobs: parseWire(z.array(celigoSyncJob), res.body, 'latest sync jobs'), syncEnabled: true };
    } catch (e) {
      if (isSyncwatchError(e, 'not-found') && e.code === 'sync_job_invalid_integration_id') return { jobs: [], syncEnabled: false };
      throw e;
    }
  }

  /** Open-error count of every step of a flow (zero-count steps included). */
  async flowErrorSummary(flowId: string, signal?: AbortSignal): Promise<StepErrorCount[]> {
    const res = await this.http.request<unknown>({
      path: `/v1/flows/${id(flowId)}/errors`,
      endpoint: 'GET /v1/flows/{id}/errors',
      ...(signal ? { signal } : {}),
    });
    const body = parseWire(celigoFlowErrorSummary, res.body ?? { flowErrors: [] }, 'flow errors');
    return body.flowErrors.map((e) => ({
      stepId: e._expOrImpId,
      numError: e.numError,
      ...(e.lastErrorAt ? { lastErrorAt: e.lastErrorAt } : {}),
    }));
  }

  /** Every open error of one flow step, following `nextPageURL` through all pages. */
  async openErrorsOfStep(flowId: string, stepId: string, signal?: AbortSignal): Promise<CeligoStepError[]> {
    const errors: CeligoStepError[] = [];
    for await (const page of this.openErrorPagesOfStep(flowId, stepId, signal)) errors.push(...page);
    return errors;
  }

  async *openErrorPagesOfStep(flowId: string, stepId: string, signal?: AbortSignal): AsyncIterable<CeligoStepError[]> {
    const pages = this.http.paginateBody<unknown>(
      {
        path: `/v1/flows/${id(flowId)}/${id(stepId)}/errors`,
        endpoint: 'GET /v1/flows/{id}/{stepId}/errors',
        ...(signal ? { signal } : {}),
      },
      { items: 'errors', next: 'nextPageURL' },
    );
    for await (const page of pages) yield parseWire(z.array(celigoStepError), page, 'step errors');
  }

  /** Resolved errors of one flow step, page by page (`nextPageURL`), with `resolvedAt` and `resolvedBy`. */
  async *resolvedErrorPagesOfStep(flowId: string, stepId: string, signal?: AbortSignal): AsyncIterable<CeligoResolvedError[]> {
    const pages = this.http.paginateBody<unknown>(
      {
        path: `/v1/flows/${id(flowId)}/${id(stepId)}/resolved`,
        endpoint: 'GET /v1/flows/{id}/{stepId}/resolved',
        ...(signal ? { signal } : {}),
      },
      { items: 'resolved', next: 'nextPageURL' },
    );
    for await (const page of pages) yield parseWire(z.array(celigoResolvedError), page, 'resolved step errors');
  }

  /** A sync job with its per-table children (drill-down for an alert). */
  async syncJobFamily(syncJobId: string, signal?: AbortSignal): Promise<CeligoSyncJobFamily> {
    const res = await this.http.request<unknown>({
      path: `/v1/syncJobs/${id(syncJobId)}/family`,
      endpoint: 'GET /v1/syncJobs/{id}/family',
      ...(signal ? { signal } : {}),
    });
    return parseWire(celigoSyncJobFamily, res.body, 'sync job family');
  }

  /** Errors of a sync run (a bare array), optionally of one table's child job. */
  async syncJobErrors(parentJobId: string, childJobId?: string, signal?: AbortSignal): Promise<CeligoSyncError[]> {
    const res = await this.http.request<unknown>({
      path: `/v1/syncJobs/${id(parentJobId)}/errors`,
      endpoint: 'GET /v1/syncJobs/{id}/errors',
      ...(childJobId ? { query: { _childJobId: childJobId } } : {}),
      ...(signal ? { signal } : {}),
    });
    return res.body === undefined ? [] : parseWire(z.array(celigoSyncError), res.body, 'sync job errors');
  }

  /**
   * Re-submit records by retryDataKey. `withBackoff` uses the platform's exponential-decay variant.
   * Keys must be at most MAX_RETRY_KEYS_PER_CALL: batching is the caller's decision (budget, ledger).
   */
  async retry(
    flowId: string,
    stepId: string,
    retryDataKeys: readonly string[],
    options: { withBackoff?: boolean; signal?: AbortSignal } = {},
  ): Promise<RetryOutcome> {
    if (retryDataKeys.length === 0) return { outcome: 'no-op' };
    if (retryDataKeys.length > MAX_RETRY_KEYS_PER_CALL) {
      throw new SyncwatchError('config', `at most ${MAX_RETRY_KEYS_PER_CALL} retryDataKeys per call, got ${retryDataKeys.length}`);
    }
    const action = options.withBackoff ? 'retry_with_exponential_decay' : 'retry';
    try {
      const res = await this.http.request<unknown>({
        method: 'POST',
        path: `/v1/flows/${id(flowId)}/${id(stepId)}/${action}`,
        endpoint: `POST /v1/flows/{id}/{stepId}/${action}`,
        body: { retryDataKeys },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (res.status === 204 || res.body === undefined) return { outcome: 'no-op' };
      return { outcome: 'queued', job: parseWire(celigoJob, res.body, `${action}`) };
    } catch (e) {
      if (isSyncwatchError(e, 'conflict') && e.code === 'inactive_flow') return { outcome: 'inactive-flow' };
      throw e;
    }
  }

  /**
   * Run a whole flow (for errors that have no retryDataKey). The Flows document: the answer carries
   * the queued job's `_jobId`; a 200 with no body, or without `_jobId`, means no job was queued
   * (usually another run is in progress); `{error}` is a refused run.
   */
  async runFlow(flowId: string, signal?: AbortSignal): Promise<RunFlowOutcome> {
    try {
      const res = await this.http.request<unknown>({
        method: 'POST',
        path: `/v1/flows/${id(flowId)}/run`,
        endpoint: 'POST /v1/flows/{id}/run',
        body: {},
        ...(signal ? { signal } : {}),
      });
      return runFlowOutcome(res.body);
    } catch (e) {
      if (isSyncwatchError(e, 'conflict')) return { outcome: 'rejected', reason: e.code ?? e.message };
      throw e;
    }
  }

  /** Run a Data Loader sync. */
  async runSync(syncId: string, signal?: AbortSignal): Promise<RunSyncOutcome> {
    try {
      const res = await this.http.request<unknown>({
        method: 'POST',
        path: `/v1/syncs/${id(syncId)}/run`,
        endpoint: 'POST /v1/syncs/{id}/run',
        body: {},
        ...(signal ? { signal } : {}),
      });
      const body = parseWire(celigoSyncRunResponse, res.body, 'sync run');
      return { outcome: 'queued', syncId: body.syncId, flowExecutionGroupId: body.flowExecutionGroupId };
    } catch (e) {
      if (isSyncwatchError(e, 'conflict') && e.status === 409) return { outcome: 'already-queued' };
      if (isSyncwatchError(e, 'conflict') && e.status === 422) return { outcome: 'disabled' };
      throw e;
    }
  }
}
