// A faithful fake of Celigo integrator.io's Flows and Syncs APIs (seeds 000 and 004), Airweave's
// sync-job listings (001, 002) and Neo's sync runs (003), on one server, with deterministic
// scenarios and an admin API (/__sim/…) for tests, the demo and benchmarks.

export { startSimulator, apiOfPath, DEFAULT_RATE_LIMIT, DEFAULT_TOKEN, type Simulator, type SimulatorOptions, type SimulatedApi } from './server.ts';
export {
  AirweaveWorld,
  AIRWEAVE_ROUTES,
  AIRWEAVE_SYNC_JOB_STATUSES,
  type AirweaveRoute,
  type AirweaveSimSync,
  type AirweaveSourceConnectionJob,
  type AirweaveSyncJob,
  type AirweaveJobOptions,
  type AirweaveSummary,
} from './airweave.ts';
export { NeoWorld, NEO_ROUTES, NEO_MAX_WINDOW_MS, type NeoRoute, type NeoSyncRun, type NeoSyncActivity, type NeoSyncEntityFailure, type NeoRunOptions, type NeoSummary } from './neo.ts';
export { SIMULATOR_ROUTES, MAX_RETRY_KEYS, type SimulatorRoute } from './routes.ts';
export { ADMIN_ROUTES } from './admin.ts';
export {
  NAMED_SCENARIOS,
  AIRWEAVE_JOB_STATUSES,
  NEO_RUN_STATUSES,
  NEO_INTEGRATION_STATES,
  type AirweaveJobStatus,
  type NeoRunStatus,
  type NeoIntegrationState,
  ERROR_CLASSIFICATIONS,
  ERROR_SOURCES,
  resolveScenario,
  loadScenarioFile,
  parseScenarioSpec,
  type ScenarioName,
  type ScenarioSpec,
  type ResolvedScenario,
} from './scenario.ts';
export {
  World,
  SIM_USER_EMAIL,
  type Flow,
  type FlowStepError,
  type ResolvedFlowStepError,
  type Integration,
  type Sync,
  type SyncJob,
  type SyncTableJob,
  type SyncError,
  type RetryJob,
  type RetryRule,
  type RetryLogEntry,
  type WorldSummary,
} from './world.ts';
export type { FaultSpec, StatsSnapshot, RetryKeyStats } from './control.ts';
