export {
  CeligoClient,
  FLOW_LIST_FIELDS,
  MAX_RETRY_KEYS_PER_CALL,
  type RetryOutcome,
  type RunFlowOutcome,
  type RunSyncOutcome,
  type StepErrorCount,
} from './client.ts';
export {
  celigoProvider,
  planChunks,
  planCeligo,
  selectFlows,
  hotFlowIds,
  DEFAULT_SWEEP_INTERVAL_MS,
  FLOWS_PER_CHUNK,
  type ChunkFlow,
  type CeligoChunk,
  flowInScope,
  flowsInScope,
  observeFlowSteps,
  observeSyncs,
  integrationIdsOf,
  syncJobToRun,
  celigoUiBase,
  syncJobDetail,
  SYNC_ERRORS_SHOWN,
  type CeligoTarget,
} from './provider.ts';
export { CELIGO_STATUS, celigoRunStatus } from './status.ts';
export type { CeligoFlow, CeligoStepError, CeligoSyncJob, CeligoSyncError, CeligoSyncJobFamily, CeligoJob } from './wire.ts';
export { celigoRemediator, toOpenError, toRetryableError } from './remediate.ts';
