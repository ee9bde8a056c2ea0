// integrator.io's wire shapes (the Syncs document (000) and the Flows document (004), as
// test/contract/celigo.ts records them), parsed at the boundary.
// Objects are not strict: the platform adds fields, and we only depend on the ones named here.
import { z } from 'zod';

/** A flow as the list answers it under `include` (client.ts FLOW_LIST_FIELDS): what a poll reads. */
export const celigoFlow = z.object({
  _id: z.string(),
  name: z.string().optional(),
  _integrationId: z.string().optional(),
  disabled: z.boolean().optional(),
  /** When the flow last ran (absent: never); change-driven polling fetches its errors when this moves. */
  lastExecutedAt: z.string().nullish(),
});
export type CeligoFlow = z.infer<typeof celigoFlow>;

export const celigoFlowErrorSummary = z.object({
  flowErrors: z.array(
    z.object({
      _expOrImpId: z.string(),
      numError: z.number().int().min(0),
      lastErrorAt: z.string().optional(),
    }),
  ),
});

export const celigoStepError = z.object({
  errorId: z.string(),
  occurredAt: z.string().optional(),
  source: z.string().optional(),
  code: z.union([z.string(), z.number()]).optional(),
  message: z.string().optional(),
  traceKey: z.string().optional(),
  classification: z.string().optional(),
  retryDataKey: z.string().optional(),
  _flowJobId: z.string().optional(),
  /** When the platform retries this error itself (intermittent errors); absent when it will not. */
  retryAt: z.string().optional(),
});
export type CeligoStepError = z.infer<typeof celigoStepError>;

/** A resolved error: `resolvedBy` is `auto` (the platform) or the user id of whoever resolved it. */
export const celigoResolvedError = celigoStepError.extend({ resolvedAt: z.string().optional(), resolvedBy: z.string().optional() });
export type CeligoResolvedError = z.infer<typeof celigoResolvedError>;

export const celigoSyncJob = z.object({
  _id: z.string(),
  flowExecutionGroupId: z.string().optional(),
  _integrationId: z.string().optional(),
  _syncId: z.string().optional(),
  createdAt: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  status: z.string(),
  numErrors: z.number().optional(),
  numLoadedRecords: z.number().optional(),
  numExtractedRecords: z.number().optional(),
  numTablesSynced: z.number().optional(),
  triggeredBy: z.string().optional(),
  canceledBy: z.string().optional(),
  runType: z.string().optional(),
});
export type CeligoSyncJob = z.infer<typeof celigoSyncJob>;

export const celigoSyncJobFamily = celigoSyncJob.extend({
  tables: z.array(celigoSyncJob.extend({ tableName: z.string().optional() }).partial({ status: true })).optional(),
});
export type CeligoSyncJobFamily = z.infer<typeof celigoSyncJobFamily>;

export const celigoSyncError = z.object({
  _id: z.string().optional(),
  tableName: z.string().optional(),
  message: z.string().optional(),
  code: z.union([z.string(), z.number()]).optional(),
  occurredAt: z.string().optional(),
  source: z.string().optional(),
});
export type CeligoSyncError = z.infer<typeof celigoSyncError>;

export const celigoJob = z.object({
  _id: z.string(),
  _userId: z.string().optional(),
  type: z.string().optional(),
  status: z.string().optional(),
});
export type CeligoJob = z.infer<typeof celigoJob>;

export const celigoSyncRunResponse = z.object({ syncId: z.string(), flowExecutionGroupId: z.string() });
