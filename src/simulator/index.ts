// A faithful fake of Celigo integrator.io's Flows and Syncs APIs (seeds 000 and 004), Airweave's
// sync-job listings (001, 002) and Neo's sync runs (003), on one server, with deterministic
// scenarios and an admin API (/__sim/…) for tests, the demo and benchmarks.

export {
  startSimulator,
  apiOfPath,
  DEFAULT_RATE_LIMIT,
  DEFAULT_TOKEN,
  type Simulator,
  type SimulatorOptions,
  type SimulatedApi,
} from './server.ts';
export {
  AirweaveWorld,
  type AirweaveSimSync,
  type AirweaveSourceConnectionJob,
  type AirweaveSyncJob,
  type AirweaveJobOptions,
  type AirweaveSummary,
} from './airweave/world.ts';
export { AIRWEAVE_ROUTES, AIRWEAVE_SYNC_JOB_STATUSES, type AirweaveRoute } from './airweave/routes.ts';
export {
  NeoWorld,
  NEO_MAX_WINDOW_MS,
  type NeoSyncRun,
  type NeoSyncActivity,
  type NeoSyncEntityFailure,
  type NeoRunOptions,
  type NeoSummary,
} from './neo/world.ts';
export { NEO_ROUTES, type NeoRoute } from './neo/routes.ts';
export { SIMULATOR_ROUTES, MAX_RETRY_KEYS, type SimulatorRoute } from './celigo/routes.ts';
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
  SIM_USER_EMAIL,
  parseScenarioSpec,
  type ScenarioName,
  type ScenarioSpec,
  type ResolvedScenario,
} from './scenario.ts';
export {
  World,
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
} from './celigo/world.ts';
export type { FaultSpec, StatsSnapshot, RetryKeyStats } from './control.ts';
