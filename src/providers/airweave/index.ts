export { AirweaveClient, MAX_SOURCE_CONNECTION_JOBS_LIMIT, MAX_SYNC_JOBS_PAGE_SIZE, MAX_SYNC_JOBS_PAGES } from './client.ts';
export {
  airweaveProvider,
  latestJobsBySync,
  sourceConnectionJobToRun,
  syncJobToRun,
  SOURCE_CONNECTION_JOBS_LIMIT,
  type AirweaveTarget,
} from './provider.ts';
export { AIRWEAVE_SOURCE_CONNECTION_STATUS, AIRWEAVE_SYNC_JOB_STATUS, airweaveRunStatus } from './status.ts';
export type { AirweaveSourceConnectionJob, AirweaveSyncJob } from './wire.ts';
