// Scenarios: the size and shape of the simulated integrator.io account. A scenario is a named
// preset (`default`, `empty`, `large`) or a YAML/JSON file holding a ScenarioSpec, optionally with
// explicit entities. Generation from a resolved scenario is deterministic (see world.ts).

import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { uuid } from './prng.ts';

/** Who the simulated API key belongs to; shows up in triggeredBy / resolvedBy / canceledBy. */
export const SIM_USER_EMAIL = 'sim.user@syncwatch.test';

/** Error classifications, exactly the enum of `GET /v1/errors/filterMetadata` in the Flows seed. */
export const ERROR_CLASSIFICATIONS = [
  'connection',
  'duplicate',
  'governance',
  'intermittent',
  'missing',
  'parse',
  'value',
  'rate_limit',
  'too_large',
  'none',
] as const;
export type ErrorClassification = (typeof ERROR_CLASSIFICATIONS)[number];

/**
 * Classifications error records carry: the filterMetadata enum plus `validation`, `data` and
 * `system`, which the Flows document shows on error records (`FlowStepError.classification`).
 */
export const RECORD_CLASSIFICATIONS = [...ERROR_CLASSIFICATIONS, 'validation', 'data', 'system'] as const;
export type RecordClassification = (typeof RECORD_CLASSIFICATIONS)[number];

/** Error sources, exactly the enum of `GET /v1/errors/filterMetadata` in the Flows seed. */
export const ERROR_SOURCES = [
  'internal',
  'application',
  'connection',
  'resource',
  'transformation',
  'output_filter',
  'input_filter',
  'import_filter',
  'lookup',
  'mapping',
  'response_mapping',
  'pre_save_page_hook',
  'pre_parse_hook',
  'pre_map_hook',
  'post_map_hook',
  'post_submit_hook',
  'post_response_map_hook',
  'post_aggregate_hook',
  'pre_send_hook_ss',
  'pre_map_hook_ss',
  'post_map_hook_ss',
  'post_submit_hook_ss',
  'tool_input',
  'tool_output',
] as const;

export const SYNC_JOB_STATUSES = ['running', 'completed', 'failed', 'canceled'] as const;
export type SyncJobStatus = (typeof SYNC_JOB_STATUSES)[number];

const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-hex objectId');
const countSchema = z.number().int().min(0);
const rangeSchema = z.union([countSchema, z.tuple([countSchema, countSchema])]);

const explicitFlowSchema = z.strictObject({
  id: objectIdSchema.optional(),
  name: z.string().min(1),
  disabled: z.boolean().optional(),
  /** How many exports (page generators), or their ids. Default 1. */
  exports: z.union([z.number().int().min(1), z.array(objectIdSchema).min(1)]).optional(),
  /** How many imports (page processors), or their ids. Default stepsPerFlow - 1. */
  imports: z.union([countSchema, z.array(objectIdSchema)]).optional(),
  /** Open errors per step (exports first, then imports): one count for every step, or a list. */
  openErrors: z.union([countSchema, z.array(countSchema)]).optional(),
});

export const explicitSyncSchema = z.strictObject({
  id: objectIdSchema.optional(),
  name: z.string().min(1),
  disabled: z.boolean().optional(),
  tables: z.array(z.string().min(1)).optional(),
  /** Statuses of the sync's jobs, oldest first; the last one is the latest job. */
  history: z.array(z.enum(SYNC_JOB_STATUSES)).optional(),
  /** Errors of the latest job: on a `completed` one, a partial failure (default 0; a failed job has 3). */
  errors: countSchema.optional(),
  /** Tables the latest job's errors are in (default: the first table). */
  failedTables: z.array(z.string().min(1)).optional(),
  /** The message of the latest job's error records. */
  message: z.string().optional(),
});

export const explicitIntegrationSchema = z.strictObject({
  id: objectIdSchema.optional(),
  name: z.string().min(1),
  flows: z.array(explicitFlowSchema).optional(),
  syncs: z.array(explicitSyncSchema).optional(),
});

/** Job statuses of the simulated Airweave; served as seed 001's upper-case or seed 002's lower-case words. */
export const AIRWEAVE_JOB_STATUSES = ['created', 'pending', 'running', 'completed', 'failed', 'cancelling', 'cancelled'] as const;
export type AirweaveJobStatus = (typeof AIRWEAVE_JOB_STATUSES)[number];

/** Neo's SimpleStatus (seed 003). */
export const NEO_RUN_STATUSES = ['RUNNING', 'SUCCESS', 'FAILURE', 'SKIPPED'] as const;
export type NeoRunStatus = (typeof NEO_RUN_STATUSES)[number];

/** How a Neo integration stands on the simulated tenant; `unknown` answers 404 unknown_integration. */
export const NEO_INTEGRATION_STATES = ['connected', 'not_connected', 'does_not_sync', 'unknown'] as const;
export type NeoIntegrationState = (typeof NEO_INTEGRATION_STATES)[number];

const uuidSchema = z.guid('must be a UUID');

const explicitAirweaveSyncSchema = z.strictObject({
  id: uuidSchema.optional(),
  sourceConnectionId: uuidSchema.optional(),
  name: z.string().min(1),
  /** Statuses of the sync's jobs, oldest first; the last one is the latest job. Default ['completed']. */
  history: z.array(z.enum(AIRWEAVE_JOB_STATUSES)).optional(),
  /** entities_failed of the latest completed job (a partial failure when > 0). Default 0. */
  entitiesFailed: countSchema.optional(),
  /** The `error` of failed jobs. */
  error: z.string().optional(),
});

const airweaveSpecSchema = z.strictObject({
  organizationId: uuidSchema.optional(),
  /** Generated syncs (each with its own source connection). */
  syncs: countSchema.optional(),
  jobsPerSync: z.number().int().min(1).optional(),
  /** How many syncs (the first ones) have a failed latest job. */
  failedSyncs: countSchema.optional(),
  /** How many syncs (after the failed ones) have a running latest job. */
  runningSyncs: countSchema.optional(),
  /** How many syncs (after those) end with a completed job that failed some entities. */
  partialSyncs: countSchema.optional(),
  names: z.array(z.string().min(1)).min(1).optional(),
  /** Explicit syncs; when present they replace the generated ones. */
  entities: z.array(explicitAirweaveSyncSchema).optional(),
});

const explicitNeoIntegrationSchema = z.strictObject({
  name: z.string().min(1),
  state: z.enum(NEO_INTEGRATION_STATES).optional(),
  /** Statuses of the integration's runs, oldest first. Default: six SUCCESS runs. */
  history: z.array(z.enum(NEO_RUN_STATUSES)).optional(),
  /** Per-resource failures on the latest run. Default 2 when it is a FAILURE, else 0. */
  failures: countSchema.optional(),
});

const neoSpecSchema = z.strictObject({
  /** Integrations the tenant knows; names not listed answer 404 unknown_integration. */
  integrations: z.array(explicitNeoIntegrationSchema).optional(),
  /** Minutes between generated runs. */
  runIntervalMinutes: z.number().int().min(1).optional(),
});

export const scenarioSpecSchema = z.strictObject({
  /** Shown in GET /__sim/world. */
  name: z.string().optional(),
  /** A named scenario whose values fill what this spec leaves out (default: `default`). */
  base: z.enum(['default', 'empty', 'large']).optional(),
  seed: z.number().int().optional(),
  integrations: countSchema.optional(),
  flowsPerIntegration: countSchema.optional(),
  /** Exports + imports per flow; the first `exportsPerFlow` are exports. */
  stepsPerFlow: z.number().int().min(1).optional(),
  exportsPerFlow: z.number().int().min(1).optional(),
  /** How many flows are disabled, spread evenly over the account. */
  disabledFlows: countSchema.optional(),
  /** How many integrations (the first ones) also have Data Loader syncs. */
  syncIntegrations: countSchema.optional(),
  syncsPerIntegration: countSchema.optional(),
  tablesPerSync: z.number().int().min(1).optional(),
  /** Job history length per sync. */
  jobsPerSync: z.number().int().min(1).optional(),
  /** How many syncs (the first ones) have a failed latest job. */
  failedSyncs: countSchema.optional(),
  /** How many syncs (after the failed ones) have a running latest job. */
  runningSyncs: countSchema.optional(),
  /** How many syncs (after the running ones) end with a job completed with errors (a partial failure). */
  partialSyncs: countSchema.optional(),
  /** Open errors on a step that has errors: a count or an inclusive [min, max]. */
  openErrorsPerStep: rangeSchema.optional(),
  /** Fraction of steps that have open errors at all. */
  errorStepRatio: z.number().min(0).max(1).optional(),
  errorProfile: z
    .strictObject({
      /** Relative weights of classifications for generated errors. */
      classifications: z.partialRecord(z.enum(RECORD_CLASSIFICATIONS), z.number().min(0)).optional(),
      /** Age range of generated open errors, in minutes before the world's generation time. */
      ageMinutes: z.tuple([countSchema, countSchema]).optional(),
    })
    .optional(),
  names: z
    .strictObject({
      integrations: z.array(z.string().min(1)).min(1).optional(),
      flows: z.array(z.string().min(1)).min(1).optional(),
      syncs: z.array(z.string().min(1)).min(1).optional(),
      tables: z.array(z.string().min(1)).min(1).optional(),
    })
    .optional(),
  /** Page size of GET /v1/flows (Link pagination). */
  flowsPageSize: z.number().int().min(1).optional(),
  /**
   * Bytes of `description` on every flow document: full documents of a large account are big, and
   * a listing without the `include` projection can outgrow a client's response cap. Default 0.
   */
  flowDescriptionBytes: countSchema.optional(),
  /** Page size of the open/resolved error listings (nextPageURL pagination). */
  errorsPageSize: z.number().int().min(1).optional(),
  /**
   * How `nextPageURL` is written. The seed notes that "some clients strip a leading `/api` prefix
   * before reissuing", so the default is a root-relative `/api/v1/...` path (served as an alias).
   */
  nextPageUrlStyle: z.enum(['api-path', 'path', 'absolute']).optional(),
  /** ISO time the generated history is relative to; default: the simulator clock at generation. */
  baseTime: z.iso.datetime({ offset: true }).optional(),
  /** Explicit entities; when present they replace the generated integrations, flows and syncs. */
  entities: z.strictObject({ integrations: z.array(explicitIntegrationSchema) }).optional(),
  /** The simulated Airweave organisation (seeds 001, 002). */
  airweave: airweaveSpecSchema.optional(),
  /** The simulated Neo tenant (seed 003). */
  neo: neoSpecSchema.optional(),
});

export type ScenarioSpec = z.input<typeof scenarioSpecSchema>;
export type ExplicitIntegration = z.infer<typeof explicitIntegrationSchema>;
export type ExplicitFlow = z.infer<typeof explicitFlowSchema>;
export type ExplicitSync = z.infer<typeof explicitSyncSchema>;
export type AirweaveSpec = z.infer<typeof airweaveSpecSchema>;
export type NeoSpec = z.infer<typeof neoSpecSchema>;

/** An Airweave sync with everything filled in. */
export interface ResolvedAirweaveSync {
  id: string;
  sourceConnectionId: string;
  name: string;
  history: AirweaveJobStatus[];
  entitiesFailed: number;
  error?: string;
}

export interface ResolvedNeoIntegration {
  name: string;
  state: NeoIntegrationState;
  history: NeoRunStatus[];
  failures: number;
}

/** A scenario with every knob filled in. */
export interface ResolvedScenario {
  name: string;
  seed: number;
  integrations: number;
  flowsPerIntegration: number;
  stepsPerFlow: number;
  exportsPerFlow: number;
  disabledFlows: number;
  syncIntegrations: number;
  syncsPerIntegration: number;
  tablesPerSync: number;
  jobsPerSync: number;
  failedSyncs: number;
  runningSyncs: number;
  partialSyncs: number;
  openErrorsPerStep: [number, number];
  errorStepRatio: number;
  classificationWeights: Partial<Record<RecordClassification, number>>;
  errorAgeMinutes: [number, number];
  names: { integrations: string[]; flows: string[]; syncs: string[]; tables: string[] };
  flowsPageSize: number;
  flowDescriptionBytes: number;
  errorsPageSize: number;
  nextPageUrlStyle: 'api-path' | 'path' | 'absolute';
  baseTime?: string;
  entities?: { integrations: ExplicitIntegration[] };
  airweave: { organizationId: string; syncs: ResolvedAirweaveSync[] };
  neo: { runIntervalMinutes: number; integrations: ResolvedNeoIntegration[] };
}

const DEFAULT_CLASSIFICATION_WEIGHTS: Record<ErrorClassification, number> = {
  intermittent: 35,
  rate_limit: 10,
  connection: 10,
  value: 15,
  missing: 10,
  duplicate: 6,
  parse: 5,
  governance: 3,
  too_large: 2,
  none: 4,
};

const DEFAULT_NAMES = {
  integrations: ['Shopify - NetSuite', 'Salesforce - NetSuite', 'Zendesk - Jira', 'HubSpot - Snowflake', 'Amazon - Acumatica'],
  flows: [
    'Orders to Sales Orders',
    'Customers to Customers',
    'Fulfillments to Shipments',
    'Inventory Levels',
    'Refunds to Credit Memos',
    'Products to Items',
    'Invoices to Payments',
    'Tickets to Issues',
  ],
  syncs: ['Accounts to Snowflake', 'Billing data to BigQuery', 'CRM to Redshift'],
  tables: ['accounts', 'contacts', 'orders', 'invoices', 'products', 'users', 'opportunities'],
};

/** The named scenarios. `default` is also the base any file spec builds on unless it names another. */
export const NAMED_SCENARIOS: Readonly<Record<'default' | 'empty' | 'large', ScenarioSpec>> = {
  default: {
    name: 'default',
    seed: 1,
    integrations: 3,
    flowsPerIntegration: 3,
    stepsPerFlow: 3,
    exportsPerFlow: 1,
    disabledFlows: 1,
    syncIntegrations: 2,
    syncsPerIntegration: 1,
    tablesPerSync: 3,
    jobsPerSync: 3,
    failedSyncs: 1,
    runningSyncs: 0,
    openErrorsPerStep: [1, 4],
    errorStepRatio: 0.3,
    flowsPageSize: 100,
    errorsPageSize: 100,
    airweave: { syncs: 3, jobsPerSync: 3, failedSyncs: 1, runningSyncs: 0, partialSyncs: 1 },
    neo: {
      integrations: [
        { name: 'connectwise', history: ['SUCCESS', 'SUCCESS', 'SKIPPED', 'SUCCESS', 'SUCCESS', 'SUCCESS'] },
        { name: 'autotask', history: ['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILURE'], failures: 2 },
        { name: 'halopsa', state: 'not_connected' },
        { name: 'm365', state: 'does_not_sync' },
      ],
    },
  },
  empty: {
    name: 'empty',
    // One integration without flows or syncs: /v1/flows answers 204, syncJobs/latest answers 404.
    integrations: 1,
    flowsPerIntegration: 0,
    syncIntegrations: 0,
    disabledFlows: 0,
    failedSyncs: 0,
    airweave: { syncs: 0 },
    neo: { integrations: [] },
  },
  large: {
    name: 'large',
    seed: 42,
    integrations: 500,
    flowsPerIntegration: 20,
    stepsPerFlow: 3,
    disabledFlows: 200,
    syncIntegrations: 50,
    syncsPerIntegration: 2,
    failedSyncs: 10,
    runningSyncs: 5,
    partialSyncs: 5,
    openErrorsPerStep: [1, 5],
    errorStepRatio: 0.05,
  },
};

export type ScenarioName = keyof typeof NAMED_SCENARIOS;

function isScenarioName(value: string): value is ScenarioName {
  return Object.hasOwn(NAMED_SCENARIOS, value);
}

/** Validates a spec and reports every problem on its own line, with the field path. */
export function parseScenarioSpec(input: unknown, origin = 'scenario'): ScenarioSpec {
  const result = scenarioSpecSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new Error(`Invalid ${origin}:\n${problems.join('\n')}`);
}

/** Reads a YAML or JSON scenario file. */
export function loadScenarioFile(path: string): ScenarioSpec {
  const text = readFileSync(path, 'utf8');
  const data: unknown = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  return parseScenarioSpec(data, `scenario file ${path}`);
}

/** A scenario name, a path to a YAML/JSON file, or a spec object → a fully resolved scenario. */
export function resolveScenario(scenario: string | ScenarioSpec | undefined): ResolvedScenario {
  let spec: ScenarioSpec;
  if (scenario === undefined) spec = NAMED_SCENARIOS.default;
  else if (typeof scenario === 'string') {
    if (isScenarioName(scenario)) spec = NAMED_SCENARIOS[scenario];
    else if (existsSync(scenario)) spec = loadScenarioFile(scenario);
    else throw new Error(`Unknown scenario "${scenario}": not one of ${Object.keys(NAMED_SCENARIOS).join(', ')} and no such file`);
  } else spec = parseScenarioSpec(scenario);

  const base: ScenarioSpec = spec.base === undefined || spec.base === 'default' ? {} : NAMED_SCENARIOS[spec.base];
  const merged: ScenarioSpec = { ...NAMED_SCENARIOS.default, ...base, ...spec };
  const range = merged.openErrorsPerStep ?? 0;
  const [minErrors, maxErrors] = typeof range === 'number' ? [range, range] : range;
  if (minErrors > maxErrors) throw new Error(`Invalid scenario: openErrorsPerStep [${minErrors}, ${maxErrors}] has min > max`);
  const age = merged.errorProfile?.ageMinutes ?? [10, 48 * 60];
  if (age[0] > age[1]) throw new Error(`Invalid scenario: errorProfile.ageMinutes [${age[0]}, ${age[1]}] has min > max`);

  const resolved: ResolvedScenario = {
    name: spec.name ?? base.name ?? (typeof scenario === 'string' ? scenario : 'custom'),
    seed: merged.seed ?? 1,
    integrations: merged.integrations ?? 0,
    flowsPerIntegration: merged.flowsPerIntegration ?? 0,
    stepsPerFlow: merged.stepsPerFlow ?? 3,
    exportsPerFlow: Math.min(merged.exportsPerFlow ?? 1, merged.stepsPerFlow ?? 3),
    disabledFlows: merged.disabledFlows ?? 0,
    syncIntegrations: Math.min(merged.syncIntegrations ?? 0, merged.integrations ?? 0),
    syncsPerIntegration: merged.syncsPerIntegration ?? 1,
    tablesPerSync: merged.tablesPerSync ?? 3,
    jobsPerSync: merged.jobsPerSync ?? 3,
    failedSyncs: merged.failedSyncs ?? 0,
    runningSyncs: merged.runningSyncs ?? 0,
    partialSyncs: merged.partialSyncs ?? 0,
    openErrorsPerStep: [minErrors, maxErrors],
    errorStepRatio: merged.errorStepRatio ?? 0.3,
    classificationWeights: { ...DEFAULT_CLASSIFICATION_WEIGHTS, ...merged.errorProfile?.classifications },
    errorAgeMinutes: [age[0], age[1]],
    names: {
      integrations: merged.names?.integrations ?? DEFAULT_NAMES.integrations,
      flows: merged.names?.flows ?? DEFAULT_NAMES.flows,
      syncs: merged.names?.syncs ?? DEFAULT_NAMES.syncs,
      tables: merged.names?.tables ?? DEFAULT_NAMES.tables,
    },
    flowsPageSize: merged.flowsPageSize ?? 100,
    flowDescriptionBytes: merged.flowDescriptionBytes ?? 0,
    errorsPageSize: merged.errorsPageSize ?? 100,
    nextPageUrlStyle: merged.nextPageUrlStyle ?? 'api-path',
    airweave: { organizationId: '', syncs: [] },
    neo: { runIntervalMinutes: 60, integrations: [] },
  };
  if (merged.baseTime !== undefined) resolved.baseTime = merged.baseTime;
  resolved.airweave = resolveAirweave(merged.seed ?? 1, merged.airweave ?? {});
  resolved.neo = resolveNeo(merged.neo ?? {});
  if (merged.entities !== undefined) resolved.entities = merged.entities;
  return resolved;
}

const DEFAULT_AIRWEAVE_NAMES = ['GitHub Repositories Sync', 'Notion Workspace', 'Slack Messages', 'Google Drive Docs', 'Jira Issues'];

/** Airweave syncs: the explicit ones, or `syncs` generated ones (failed, running, partial first). */
function resolveAirweave(seed: number, spec: AirweaveSpec): ResolvedScenario['airweave'] {
  const organizationId = spec.organizationId ?? uuid(seed, 'airweave-organization');
  if (spec.entities !== undefined) {
    return {
      organizationId,
      syncs: spec.entities.map((e, i) => ({
        id: e.id ?? uuid(seed, `airweave-sync|${i}`),
        sourceConnectionId: e.sourceConnectionId ?? uuid(seed, `airweave-source-connection|${i}`),
        name: e.name,
        history: e.history ?? ['completed'],
        entitiesFailed: e.entitiesFailed ?? 0,
        ...(e.error === undefined ? {} : { error: e.error }),
      })),
    };
  }
  const names = spec.names ?? DEFAULT_AIRWEAVE_NAMES;
  const count = spec.syncs ?? 0;
  const jobs = spec.jobsPerSync ?? 3;
  const failed = spec.failedSyncs ?? 0;
  const running = spec.runningSyncs ?? 0;
  const partial = spec.partialSyncs ?? 0;
  return {
    organizationId,
    syncs: Array.from({ length: count }, (_, i) => {
      const latest: AirweaveJobStatus = i < failed ? 'failed' : i < failed + running ? 'running' : 'completed';
      const round = Math.floor(i / names.length);
      const name = names[i % names.length] as string;
      return {
        id: uuid(seed, `airweave-sync|${i}`),
        sourceConnectionId: uuid(seed, `airweave-source-connection|${i}`),
        name: round === 0 ? name : `${name} ${round + 1}`,
        history: [...Array<AirweaveJobStatus>(jobs - 1).fill('completed'), latest],
        entitiesFailed: i >= failed + running && i < failed + running + partial ? 7 : 0,
      };
    }),
  };
}

function resolveNeo(spec: NeoSpec): ResolvedScenario['neo'] {
  return {
    runIntervalMinutes: spec.runIntervalMinutes ?? 60,
    integrations: (spec.integrations ?? []).map((i) => {
      const state = i.state ?? 'connected';
      const history = i.history ?? (state === 'connected' ? Array<NeoRunStatus>(6).fill('SUCCESS') : []);
      return { name: i.name, state, history, failures: i.failures ?? (history[history.length - 1] === 'FAILURE' ? 2 : 0) };
    }),
  };
}
