export { NeoClient, MAX_NEO_PAGE_SIZE, MAX_NEO_PAGES, NEO_MAX_WINDOW_MS, type SyncRunsQuery } from './client.ts';
export {
  neoProvider,
  failuresOf,
  latestRun,
  runErrorText,
  syncRunToRun,
  syncRunsSince,
  NEO_CONFIG_ERROR_CODES,
  NEO_DEFAULT_LOOKBACK_MS,
  NEO_ERROR_FAILURES_SHOWN,
  NEO_WINDOW_MARGIN_MS,
  type NeoTarget,
} from './provider.ts';
export { NEO_STATUS, neoRunStatus } from './status.ts';
export type { NeoSyncRun, NeoSyncActivity, NeoSyncEntityFailure } from './wire.ts';
