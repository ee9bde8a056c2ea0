// Celigo's remediation capability: the retry jobs (src/retry/) act on a step's records through
// these calls, never through the client. Retry by retryDataKey (≤ 1,000 per call), re-run a flow,
// re-run a Data Loader sync; open and resolved errors of a step read page by page.
import type { OpenError, RetryableError } from '../../model.ts';
import type { RemediationContext, Remediator } from '../types.ts';
import { CeligoClient, MAX_RETRY_KEYS_PER_CALL } from './client.ts';
import type { CeligoStepError } from './wire.ts';

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

/** An open error with the platform's own next retry (`retryAt`), when it has one. */
export function toRetryableError(e: CeligoStepError): RetryableError {
  return { ...toOpenError(e), ...(e.retryAt ? { retryAt: e.retryAt } : {}) };
}

const clientOf = (ctx: RemediationContext) => new CeligoClient(ctx.http);

export const celigoRemediator: Remediator = {
  maxRecordsPerCall: MAX_RETRY_KEYS_PER_CALL,

  async *openErrorPages(step, ctx) {
    for await (const page of clientOf(ctx).openErrorPagesOfStep(step.flowId, step.stepId, ctx.signal)) {
      yield page.map(toRetryableError);
    }
  },

  resolvedPages(step, ctx) {
    return clientOf(ctx).resolvedErrorPagesOfStep(step.flowId, step.stepId, ctx.signal);
  },

  async retryRecords(step, keys, options, ctx) {
    const signal = ctx.signal ? { signal: ctx.signal } : {};
    const outcome = await clientOf(ctx).retry(step.flowId, step.stepId, keys, { withBackoff: options.backoff, ...signal });
    if (outcome.outcome === 'inactive-flow') return { outcome: 'disabled' };
    if (outcome.outcome === 'no-op') return outcome;
    const { _id: jobId, _userId: submittedBy } = outcome.job;
    return { outcome: 'queued', jobId, ...(submittedBy !== undefined ? { submittedBy } : {}) };
  },

  rerunFlow(flowId, ctx) {
    return clientOf(ctx).runFlow(flowId, ctx.signal);
  },

  async rerunSync(syncId, ctx) {
    const outcome = await clientOf(ctx).runSync(syncId, ctx.signal);
    return outcome.outcome === 'queued' ? { outcome: 'queued', runGroupId: outcome.flowExecutionGroupId } : outcome;
  },
};
