// A faithful fake of Celigo integrator.io's Flows and Syncs APIs (seeds 000 and 004), with
// deterministic scenarios and an admin API (/__sim/…) for tests, the demo and benchmarks.

export { startSimulator, DEFAULT_RATE_LIMIT, DEFAULT_TOKEN, type Simulator, type SimulatorOptions } from './server.ts';
export { SIMULATOR_ROUTES, MAX_RETRY_KEYS, type SimulatorRoute } from './routes.ts';
export { ADMIN_ROUTES } from './admin.ts';
export {
  NAMED_SCENARIOS,
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
