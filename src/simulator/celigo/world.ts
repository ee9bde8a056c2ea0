// The simulated integrator.io account: integrations, flows with their steps, open and resolved
// errors per step, Data Loader syncs with their job history. Generated deterministically from a
// resolved scenario; mutated by the API (retry, run, cancel) and by the admin API.
//
// Records are stored in the API's own shapes (field names of the seeds), so handlers can serialize
// them as they are; anything the simulator needs only for itself lives beside them, never inside.

import { Random, hashedId, objectId, opaqueKey, type IdKind } from '../prng.ts';
import {
  SIM_USER_EMAIL,
  type RecordClassification,
  type ExplicitFlow,
  type ExplicitIntegration,
  type ExplicitSync,
  type ResolvedScenario,
  type SyncJobStatus,
} from '../scenario.ts';

// ---- API shapes (see the seeds for the meaning of each field) ----

export interface Integration {
  _id: string;
  name: string;
}

export interface Flow {
  _id: string;
  name: string;
  _integrationId: string;
  disabled: boolean;
  pageGenerators: Array<{ _exportId: string }>;
  pageProcessors: Array<{ type: 'import'; _importId: string }>;
  createdAt: string;
  lastModified: string;
  lastExecutedAt?: string;
  /** Seed 004's free text (scenario `flowDescriptionBytes` makes it long). */
  description?: string;
}

/** One open error on a flow step, as `GET /v1/flows/{_id}/{_stepId}/errors` returns it. */
export interface FlowStepError {
  errorId: string;
  occurredAt: string;
  source: string;
  code: string;
  message: string;
  oIndex: string;
  _flowJobId: string;
  traceKey: string;
  classification: string;
  classifiedBy: string;
  reqAndResKey?: string;
  retryDataKey?: string;
  purgeAt: string;
  retryAt?: string;
  tags: string[] | null;
}

export interface ResolvedFlowStepError extends FlowStepError {
  resolvedAt: string;
  resolvedBy: string;
}

/** A Data Loader sync. The seed documents no endpoint returning syncs, so this shape is ours. */
export interface Sync {
  _id: string;
  name: string;
  _integrationId: string;
  disabled: boolean;
  tables: string[];
}

export interface SyncJob {
  _id: string;
  flowExecutionGroupId: string;
  _integrationId: string;
  _syncId: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  purgeAt: string;
  status: SyncJobStatus;
  numErrors: number;
  numLoadedRecords: number;
  numExtractedRecords: number;
  numTablesSynced: number;
  triggeredBy: string;
  canceledBy?: string;
  runType: 'normal' | 'resync';
}

export interface SyncTableJob {
  _id: string;
  tableName: string;
  createdAt: string;
  status: SyncJobStatus;
  numErrors: number;
  numLoadedRecords: number;
  numExtractedRecords: number;
  startedAt?: string;
  endedAt?: string;
}

export interface SyncError {
  scope: string;
  source: string;
  code: string;
  message: string;
  _datasetId: string;
  _syncId: string;
  _parentSyncJobId: string;
  _childSyncJobId: string;
  flowExecutionGroupId: string;
  stage: string;
  datasetName: string;
  tableName: string;
  occurredAt: string;
}

/** The `type: "retry"` Job record the retry endpoints answer with. */
export interface RetryJob {
  _id: string;
  _userId: string;
  type: 'retry';
  status: 'queued';
  _integrationId: string;
  _flowId: string;
  _expOrImpId: string;
  _exportId?: string;
  _importId?: string;
  createdAt: string;
  lastModified: string;
  triggeredBy: string;
  numExport: number;
}

// ---- internal state ----

interface SyncJobRecord {
  job: SyncJob;
  tables: SyncTableJob[];
  errors: SyncError[];
}

interface SyncState {
  sync: Sync;
  /** Dataset id per table, stable across the sync's jobs. */
  datasetIds: Map<string, string>;
  /** Oldest first; the last one is the latest job. */
  jobs: SyncJobRecord[];
}

/** Errors of one flow step. `seq` orders them and is the pagination cursor. */
interface StepErrorState {
  nextSeq: number;
  open: Array<{ seq: number; error: FlowStepError }>;
  resolved: Array<{ seq: number; error: ResolvedFlowStepError }>;
}

export type StepKind = 'export' | 'import';
export type RetryOutcome = 'succeed' | 'fail';

/** How retries (and flow reruns) turn out; set through the admin API. The newest matching rule wins. */
export interface RetryRule {
  flowId?: string;
  stepId?: string;
  retryDataKey?: string;
  outcome: RetryOutcome;
  /** Applies to this many records, then the rule is dropped. */
  times?: number;
}

/** What a sync run (POST /v1/syncs/{id}/run) does with the job it creates; set through the admin API. */
export type SyncRunBehaviour = 'hold' | 'complete' | 'fail';

export interface RetryLogEntry {
  at: string;
  flowId: string;
  stepId: string;
  endpoint: 'retry' | 'retry_with_exponential_decay' | 'run';
  retryDataKey?: string;
  oldErrorId: string;
  newErrorId?: string;
  outcome: RetryOutcome;
}

export interface NewErrorOptions {
  /** Any text: the documented values, another case, or a value no document names. */
  classification?: string;
  source?: string;
  code?: string;
  message?: string;
  withRetryDataKey?: boolean;
  occurredAt?: string;
  traceKey?: string;
  /** The platform's own next retry: a time, or null for none. Default: occurredAt + 5 minutes on intermittent errors. */
  retryAt?: string | null;
}

/** What `POST /v1/flows/{_id}/run` answers: a queued job (`{_jobId}`), or 200 with no job queued (no body, or `{}`). */
export type FlowRunAnswer = 'queued' | 'empty' | 'no-job-id';

/** A run-behaviour rule of a flow (admin API): the answer, for `times` runs (then back to `queued`). */
export interface FlowRunRule {
  answer: FlowRunAnswer;
  times?: number;
}

export interface FinishSyncJobOptions {
  numErrors?: number;
  message?: string;
  code?: string;
  numExtractedRecords?: number;
  numLoadedRecords?: number;
  /** Tables that failed (default: the first table). */
  failedTables?: string[];
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const RETENTION_MS = 30 * DAY;
const MAX_ERROR_RECORDS_PER_JOB = 1_000;

/** What generated errors of each classification look like: a source and typical (code, message) pairs. */
const ERROR_TEMPLATES: Record<RecordClassification, { source: string; samples: Array<[code: string, message: string]> }> = {
  intermittent: {
    source: 'application',
    samples: [
      ['503', '{"error":"Service Unavailable"}'],
      ['500', 'Internal Server Error'],
      ['504', 'Upstream request timed out'],
    ],
  },
  rate_limit: {
    source: 'application',
    samples: [
      ['429', '{"error":"Too Many Requests","retryAfter":30}'],
      ['429', 'Request limit exceeded'],
    ],
  },
  connection: {
    source: 'connection',
    samples: [
      ['ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.12:443'],
      ['ECONNRESET', 'socket hang up'],
      ['ENOTFOUND', 'getaddrinfo ENOTFOUND erp.example.com'],
    ],
  },
  value: {
    source: 'application',
    samples: [
      ['INVALID_FLD_VALUE', 'Invalid Field Value 12-ABC for the following field: quantity'],
      ['400', 'Invalid value for field "email"'],
    ],
  },
  missing: {
    source: 'lookup',
    samples: [
      ['lookup_failed', 'Failed to find a matching record for lookup "Customer by email"'],
      ['404', 'Item SKU-1042 not found'],
    ],
  },
  duplicate: {
    source: 'application',
    samples: [
      ['DUP_RCRD', 'A record with this external id already exists'],
      ['409', 'Duplicate order number'],
    ],
  },
  parse: {
    source: 'transformation',
    samples: [
      ['parse_error', 'Unexpected token < in JSON at position 0'],
      ['parse_error', 'Could not parse CSV row 17'],
    ],
  },
  governance: { source: 'internal', samples: [['governance_limit', 'Script execution usage limit exceeded']] },
  too_large: { source: 'internal', samples: [['too_large', 'Record exceeds the 5 MB size limit']] },
  none: { source: 'mapping', samples: [['mapping_error', 'Mapping failed for field "shipDate"']] },
  // Shown on error records in the Flows document, beside the filterMetadata enum.
  validation: { source: 'user', samples: [['missing_required_field', 'Required field "externalId" is missing']] },
  data: { source: 'application', samples: [['INVALID_RECORD', 'Record is malformed: "lines" must be an array']] },
  system: { source: 'internal', samples: [['script_error', 'The runtime failed to process the record']] },
};

const TRACE_KEY_PREFIXES = ['SO', 'CUS', 'INV', 'ITM', 'RMA'];
const SYNC_ERROR_CODES = ['invalid_value', 'column_type_mismatch', 'record_too_large'];

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isClassification(value: string): value is RecordClassification {
  return Object.hasOwn(ERROR_TEMPLATES, value);
}

/** Cycles through `names`, numbering the later rounds so names stay unique. */
function cycledName(names: readonly string[], index: number): string {
  const round = Math.floor(index / names.length);
  const name = names[index % names.length] as string;
  return round === 0 ? name : `${name} ${round + 1}`;
}

/** The share of activity runs that fail a record (the rest are clean). */
export const ACTIVITY_FAILURE_CHANCE = 0.1;

/** True for `count` of `total` indices, spread evenly (so disabled flows are not all in one place). */
function spreadPick(index: number, count: number, total: number): boolean {
  if (count <= 0 || total <= 0) return false;
  return Math.floor(((index + 1) * count) / total) > Math.floor((index * count) / total);
}

export class World {
  readonly scenario: ResolvedScenario;
  private readonly now: () => number;

  /** The time generated history is relative to. */
  generatedAt = 0;
  integrations: Integration[] = [];
  flows: Flow[] = [];
  private integrationsById = new Map<string, Integration>();
  private flowsById = new Map<string, Flow>();
  private flowIndexById = new Map<string, number>();
  private syncsById = new Map<string, SyncState>();
  private syncJobsById = new Map<string, SyncJobRecord>();
  private syncIdsByIntegration = new Map<string, string[]>();
  /** Explicit per-step open-error counts from a scenario file, by `flowId/stepId`. */
  private explicitErrorCounts = new Map<string, number>();
  private stepErrors = new Map<string, StepErrorState>();
  private idCounters = new Map<IdKind, number>();
  private runtimeSerial = 0;
  private activitySerial = 0;
  private retryRules: RetryRule[] = [];
  private syncRunBehaviours = new Map<string, SyncRunBehaviour>();
  private flowRunRules = new Map<string, FlowRunRule>();
  readonly retryLog: RetryLogEntry[] = [];
  readonly flowRuns: Array<{ _jobId: string; flowId: string; at: string; body: unknown }> = [];
  /** The user the API token belongs to: retries are resolved in its name. */
  readonly userId: string;
  /** Another user of the account: a person who resolves errors by hand. */
  readonly personId: string;

  constructor(scenario: ResolvedScenario, now: () => number = Date.now) {
    this.scenario = scenario;
    this.now = now;
    this.userId = objectId(scenario.seed, 'user', 0);
    this.personId = objectId(scenario.seed, 'user', 1);
    this.generate();
  }

  // ---- generation ----

  private nextId(kind: IdKind): string {
    const index = this.idCounters.get(kind) ?? 0;
    this.idCounters.set(kind, index + 1);
    return objectId(this.scenario.seed, kind, index);
  }

  private generate(): void {
    const s = this.scenario;
    this.generatedAt = s.baseTime === undefined ? this.now() : Date.parse(s.baseTime);
    if (s.entities !== undefined) {
      for (const integration of s.entities.integrations) this.addExplicitIntegration(integration);
      return;
    }
    const totalFlows = s.integrations * s.flowsPerIntegration;
    let flowIndex = 0;
    let syncIndex = 0;
    for (let i = 0; i < s.integrations; i++) {
      const integration = this.addIntegration(this.nextId('integration'), cycledName(s.names.integrations, i));
      for (let f = 0; f < s.flowsPerIntegration; f++, flowIndex++) {
        this.addFlow(integration, {
          id: this.nextId('flow'),
          name: cycledName(s.names.flows, f),
          disabled: spreadPick(flowIndex, s.disabledFlows, totalFlows),
          exportIds: Array.from({ length: s.exportsPerFlow }, () => this.nextId('export')),
          importIds: Array.from({ length: s.stepsPerFlow - s.exportsPerFlow }, () => this.nextId('import')),
          label: `flow:${flowIndex}`,
        });
      }
      if (i >= s.syncIntegrations) continue;
      for (let j = 0; j < s.syncsPerIntegration; j++, syncIndex++) {
        const latest: SyncJobStatus =
          syncIndex < s.failedSyncs ? 'failed' : syncIndex < s.failedSyncs + s.runningSyncs ? 'running' : 'completed';
        const history: SyncJobStatus[] = [...Array<SyncJobStatus>(s.jobsPerSync - 1).fill('completed'), latest];
        // Each sync starts at a different table name so syncs do not all look alike.
        const tables = Array.from({ length: s.tablesPerSync }, (_, t) => {
          const round = Math.floor(t / s.names.tables.length);
          const name = s.names.tables[(syncIndex + t) % s.names.tables.length] as string;
          return round === 0 ? name : `${name} ${round + 1}`;
        });
        const partial = syncIndex >= s.failedSyncs + s.runningSyncs && syncIndex < s.failedSyncs + s.runningSyncs + s.partialSyncs;
        this.addSync(integration, {
          id: this.nextId('sync'),
          name: cycledName(s.names.syncs, syncIndex),
          disabled: false,
          tables,
          history,
          ...(partial ? { latest: { numErrors: 4, failedTables: tables.slice(0, 2) } } : {}),
        });
      }
    }
  }

  private addExplicitIntegration(spec: ExplicitIntegration): void {
    const integration = this.addIntegration(spec.id ?? this.nextId('integration'), spec.name);
    for (const flow of spec.flows ?? []) this.addExplicitFlow(integration, flow);
    for (const sync of spec.syncs ?? []) this.addExplicitSync(integration, sync);
  }

  private addExplicitFlow(integration: Integration, spec: ExplicitFlow): void {
    const s = this.scenario;
    const exportIds =
      typeof spec.exports === 'object' ? spec.exports : Array.from({ length: spec.exports ?? 1 }, () => this.nextId('export'));
    const importIds =
      typeof spec.imports === 'object'
        ? spec.imports
        : Array.from({ length: spec.imports ?? Math.max(0, s.stepsPerFlow - exportIds.length) }, () => this.nextId('import'));
    const flowId = spec.id ?? this.nextId('flow');
    this.addFlow(integration, { id: flowId, name: spec.name, disabled: spec.disabled ?? false, exportIds, importIds, label: flowId });
    if (spec.openErrors !== undefined) {
      const counts = spec.openErrors;
      [...exportIds, ...importIds].forEach((stepId, i) => {
        this.explicitErrorCounts.set(`${flowId}/${stepId}`, typeof counts === 'number' ? counts : (counts[i] ?? 0));
      });
    }
  }

  private addExplicitSync(integration: Integration, spec: ExplicitSync): void {
    const tables = spec.tables ?? this.scenario.names.tables.slice(0, this.scenario.tablesPerSync);
    const history = spec.history ?? ['completed'];
    this.addSync(integration, {
      id: spec.id ?? this.nextId('sync'),
      name: spec.name,
      disabled: spec.disabled ?? false,
      tables,
      history,
      latest: {
        ...(spec.errors !== undefined ? { numErrors: spec.errors } : {}),
        ...(spec.failedTables ? { failedTables: spec.failedTables } : {}),
        ...(spec.message ? { message: spec.message } : {}),
      },
    });
  }

  /** A Data Loader sync set up in an existing integration (the admin API); history `[]` = never ran. */
  addSyncAtRuntime(integrationId: string, spec: ExplicitSync): { _id: string } {
    const integration = this.integrationsById.get(integrationId);
    if (!integration) throw new Error(`no integration ${integrationId}`);
    const id = spec.id ?? this.nextId('sync');
    this.addExplicitSync(integration, { ...spec, id });
    return { _id: id };
  }

  /** A new integration (the admin API): flows and syncs as in a scenario's `entities`; a sync-only one has no flows. */
  addIntegrationAtRuntime(spec: ExplicitIntegration): { _id: string; flowIds: string[]; syncIds: string[] } {
    const id = spec.id ?? this.nextId('integration');
    if (this.integrationsById.has(id)) throw new Error(`integration ${id} exists`);
    const flowsBefore = this.flows.length;
    this.addExplicitIntegration({ ...spec, id });
    return { _id: id, flowIds: this.flows.slice(flowsBefore).map((f) => f._id), syncIds: [...(this.syncIdsByIntegration.get(id) ?? [])] };
  }

  private addIntegration(id: string, name: string): Integration {
    const integration = { _id: id, name };
    this.integrations.push(integration);
    this.integrationsById.set(id, integration);
    return integration;
  }

  private addFlow(
    integration: Integration,
    o: { id: string; name: string; disabled: boolean; exportIds: string[]; importIds: string[]; label: string },
  ): void {
    const rng = Random.for(this.scenario.seed, o.label);
    const createdAt = this.generatedAt - rng.int(30, 400) * DAY;
    const flow: Flow = {
      _id: o.id,
      name: o.name,
      _integrationId: integration._id,
      disabled: o.disabled,
      pageGenerators: o.exportIds.map((id) => ({ _exportId: id })),
      pageProcessors: o.importIds.map((id) => ({ type: 'import' as const, _importId: id })),
      createdAt: iso(createdAt),
      lastModified: iso(createdAt + rng.int(0, 20) * DAY),
    };
    if (!o.disabled) flow.lastExecutedAt = iso(this.generatedAt - rng.int(1, 120) * MINUTE);
    if (this.scenario.flowDescriptionBytes > 0) flow.description = 'd'.repeat(this.scenario.flowDescriptionBytes);
    this.flowIndexById.set(flow._id, this.flows.length);
    this.flows.push(flow);
    this.flowsById.set(flow._id, flow);
  }

  private addSync(
    integration: Integration,
    o: { id: string; name: string; disabled: boolean; tables: string[]; history: SyncJobStatus[]; latest?: FinishSyncJobOptions },
  ): void {
    const state: SyncState = {
      sync: { _id: o.id, name: o.name, _integrationId: integration._id, disabled: o.disabled, tables: o.tables },
      datasetIds: new Map(o.tables.map((table) => [table, this.nextId('dataset')])),
      jobs: [],
    };
    this.syncsById.set(o.id, state);
    const ids = this.syncIdsByIntegration.get(integration._id) ?? [];
    ids.push(o.id);
    this.syncIdsByIntegration.set(integration._id, ids);

    // Hourly history ending shortly before generation; a running latest job started 3 minutes ago.
    const rng = Random.for(this.scenario.seed, 'sync', o.id);
    o.history.forEach((status, k) => {
      const hoursBeforeLatest = o.history.length - 1 - k;
      const start = this.generatedAt - hoursBeforeLatest * 60 * MINUTE - (status === 'running' ? 3 : 20) * MINUTE;
      const record = this.createSyncJob(state, { createdAt: start, runType: 'normal', triggeredBy: 'schedule', rng });
      const latest = k === o.history.length - 1 ? (o.latest ?? {}) : {};
      if (status !== 'running') this.finishSyncJob(record, status, start + rng.int(2, 15) * MINUTE, latest, rng);
    });
  }

  // ---- flows and open errors ----

  getFlow(flowId: string): Flow | undefined {
    return this.flowsById.get(flowId);
  }

  /** Position of the flow in listing order (the flows pagination cursor). */
  flowIndex(flowId: string): number | undefined {
    return this.flowIndexById.get(flowId);
  }

  getIntegration(integrationId: string): Integration | undefined {
    return this.integrationsById.get(integrationId);
  }

  /** The flow's steps in order: exports (page generators), then imports (page processors). */
  stepsOf(flow: Flow): Array<{ id: string; kind: StepKind }> {
    return [
      ...flow.pageGenerators.map((g) => ({ id: g._exportId, kind: 'export' as const })),
      ...flow.pageProcessors.map((p) => ({ id: p._importId, kind: 'import' as const })),
    ];
  }

  stepKind(flow: Flow, stepId: string): StepKind | undefined {
    if (flow.pageGenerators.some((g) => g._exportId === stepId)) return 'export';
    if (flow.pageProcessors.some((p) => p._importId === stepId)) return 'import';
    return undefined;
  }

  setFlowDisabled(flowId: string, disabled: boolean): Flow | undefined {
    const flow = this.flowsById.get(flowId);
    if (flow === undefined) return undefined;
    flow.disabled = disabled;
    flow.lastModified = iso(this.now());
    return flow;
  }

  /** The step's error state, generated on first access (that is what keeps `large` cheap). */
  private stepState(flowId: string, stepId: string): StepErrorState {
    const key = `${flowId}/${stepId}`;
    let state = this.stepErrors.get(key);
    if (state === undefined) {
      state = this.generateStepErrors(flowId, stepId);
      this.stepErrors.set(key, state);
    }
    return state;
  }

  private generateStepErrors(flowId: string, stepId: string): StepErrorState {
    const s = this.scenario;
    const rng = Random.for(s.seed, 'errors', flowId, stepId);
    const explicit = this.explicitErrorCounts.get(`${flowId}/${stepId}`);
    const [min, max] = s.openErrorsPerStep;
    const count = explicit ?? (rng.chance(s.errorStepRatio) ? rng.int(min, max) : 0);
    const errors: FlowStepError[] = [];
    for (let n = 0; n < count; n++) {
      const ageMs = rng.int(s.errorAgeMinutes[0], s.errorAgeMinutes[1]) * MINUTE + rng.int(0, 59_999);
      errors.push(this.makeError(rng, flowId, `${flowId}/${stepId}/${n}`, { occurredAt: iso(this.generatedAt - ageMs) }));
    }
    errors.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    return { nextSeq: errors.length, open: errors.map((error, seq) => ({ seq, error })), resolved: [] };
  }

  private makeError(rng: Random, flowId: string, label: string, o: NewErrorOptions): FlowStepError {
    const seed = this.scenario.seed;
    const classification = o.classification ?? rng.weighted(this.scenario.classificationWeights as Record<RecordClassification, number>);
    const template = ERROR_TEMPLATES[isClassification(classification) ? classification : 'none'];
    const occurredAt = o.occurredAt ?? iso(this.now());
    const occurredMs = Date.parse(occurredAt);
    const source = o.source ?? template.source;
    const [sampleCode, sampleMessage] = rng.pick(template.samples);
    const error: FlowStepError = {
      errorId: hashedId(seed, `error|${label}`),
      occurredAt,
      source,
      code: o.code ?? sampleCode,
      message: o.message ?? sampleMessage,
      oIndex: String(rng.int(0, 99)),
      _flowJobId: hashedId(seed, `flowjob|${flowId}`),
      traceKey: o.traceKey ?? `${rng.pick(TRACE_KEY_PREFIXES)}-${rng.int(10_000, 99_999)}`,
      classification,
      classifiedBy: 'auto',
      purgeAt: String(occurredMs + RETENTION_MS),
      tags: null,
    };
    if (source === 'application') error.reqAndResKey = opaqueKey(seed, `reqres|${label}`);
    // Connection-level errors carry no retry snapshot (seed: "absent on connection-level failures").
    if (o.withRetryDataKey ?? classification !== 'connection') error.retryDataKey = opaqueKey(seed, `rdk|${label}`);
    if (o.retryAt !== undefined) {
      if (o.retryAt !== null) error.retryAt = o.retryAt;
    } else if (classification === 'intermittent') error.retryAt = iso(occurredMs + 5 * MINUTE);
    return error;
  }

  openErrors(flowId: string, stepId: string): FlowStepError[] {
    return this.stepState(flowId, stepId).open.map((e) => e.error);
  }

  resolvedErrors(flowId: string, stepId: string): ResolvedFlowStepError[] {
    return this.stepState(flowId, stepId).resolved.map((e) => e.error);
  }

  /** One page of open (or resolved) errors after cursor `afterSeq`, and the cursor of the next page. */
  errorPage(
    flowId: string,
    stepId: string,
    which: 'open' | 'resolved',
    afterSeq: number,
    pageSize: number,
  ): { items: FlowStepError[]; nextAfter?: number } {
    const list: ReadonlyArray<{ seq: number; error: FlowStepError }> = this.stepState(flowId, stepId)[which];
    const rest = list.filter((e) => e.seq > afterSeq);
    const page = rest.slice(0, pageSize);
    const last = page[page.length - 1];
    const items = page.map((e) => e.error);
    return rest.length > pageSize && last !== undefined ? { items, nextAfter: last.seq } : { items };
  }

  /** Per-step open-error counts, zero-count steps included; lastErrorAt only when there are errors. */
  errorSummary(flow: Flow): Array<{ _expOrImpId: string; numError: number; lastErrorAt?: string }> {
    return this.stepsOf(flow).map(({ id }) => {
      const open = this.openErrors(flow._id, id);
      if (open.length === 0) return { _expOrImpId: id, numError: 0 };
      const lastErrorAt = open.reduce((latest, e) => (e.occurredAt > latest ? e.occurredAt : latest), '');
      return { _expOrImpId: id, numError: open.length, lastErrorAt };
    });
  }

  /**
   * New open errors on a step: a run of the flow that failed on some records, so the flow's
   * `lastExecutedAt` moves to now (change-driven polling sees it ran).
   */
  addErrors(flowId: string, stepId: string, count: number, o: NewErrorOptions): FlowStepError[] {
    this.markRan(flowId);
    const state = this.stepState(flowId, stepId);
    const created: FlowStepError[] = [];
    for (let n = 0; n < count; n++) {
      const serial = this.runtimeSerial++;
      const error = this.makeError(Random.for(this.scenario.seed, 'runtime', serial), flowId, `runtime/${serial}`, o);
      state.open.push({ seq: state.nextSeq++, error });
      created.push(error);
    }
    return created;
  }

  /**
   * Resolves open errors by hand, as a person would (`PUT …/resolved` in the UI): they move to the
   * resolved list with `resolvedBy` = that person's user id (default: another user than the API's).
   */
  resolveByHand(
    flowId: string,
    stepId: string,
    o: { errorIds?: string[]; retryDataKeys?: string[]; resolvedBy?: string },
  ): ResolvedFlowStepError[] {
    const state = this.stepState(flowId, stepId);
    const ids = o.errorIds === undefined ? undefined : new Set(o.errorIds);
    const keys = o.retryDataKeys === undefined ? undefined : new Set(o.retryDataKeys);
    const chosen = state.open.filter(
      (e) =>
        (ids === undefined && keys === undefined) ||
        ids?.has(e.error.errorId) ||
        (e.error.retryDataKey !== undefined && keys?.has(e.error.retryDataKey)),
    );
    const resolvedAt = iso(this.now());
    const resolvedBy = o.resolvedBy ?? this.personId;
    const resolved = chosen.map((e) => ({ ...e.error, resolvedAt, resolvedBy }));
    state.open = state.open.filter((e) => !chosen.includes(e));
    for (const error of resolved) state.resolved.push({ seq: state.nextSeq++, error });
    return resolved;
  }

  /** The flow ran now: its `lastExecutedAt` moves. */
  private markRan(flowId: string): void {
    const flow = this.flowsById.get(flowId);
    if (flow !== undefined) flow.lastExecutedAt = iso(this.now());
  }

  /**
   * Scenario activity: `fraction` of the enabled flows (rounded) each run once, now, chosen by the
   * scenario's PRNG (each call draws anew, deterministically). Most runs are clean: a clean run
   * auto-resolves the flow's connection-level errors (those without a retryDataKey); one in
   * `failureChance` (default ACTIVITY_FAILURE_CHANCE) fails a record on one of its steps. Returns how many flows ran.
   */
  runActivity(fraction: number, failureChance = ACTIVITY_FAILURE_CHANCE): number {
    const pool = this.flows.filter((f) => !f.disabled);
    const count = Math.min(pool.length, Math.round(Math.max(0, fraction) * pool.length));
    const rng = Random.for(this.scenario.seed, 'activity', this.activitySerial++);
    const now = this.now();
    for (let i = 0; i < count; i++) {
      // A partial Fisher-Yates shuffle: `count` distinct flows.
      const j = rng.int(i, pool.length - 1);
      [pool[i], pool[j]] = [pool[j] as Flow, pool[i] as Flow];
      const flow = pool[i] as Flow;
      flow.lastExecutedAt = iso(now);
      const steps = this.stepsOf(flow);
      if (rng.chance(failureChance) && steps.length > 0) {
        this.addErrors(flow._id, rng.pick(steps).id, 1, {});
        continue;
      }
      for (const { id: stepId } of steps) {
        const state = this.stepState(flow._id, stepId);
        const recovered = state.open.filter((e) => e.error.retryDataKey === undefined);
        if (recovered.length === 0) continue;
        state.open = state.open.filter((e) => e.error.retryDataKey !== undefined);
        for (const e of recovered)
          state.resolved.push({ seq: state.nextSeq++, error: { ...e.error, resolvedAt: iso(now), resolvedBy: 'auto' } });
      }
    }
    return count;
  }

  clearErrors(flowId: string, stepId: string): number {
    const state = this.stepState(flowId, stepId);
    const cleared = state.open.length;
    state.open = [];
    return cleared;
  }

  // ---- retries ----

  addRetryRule(rule: RetryRule): void {
    this.retryRules.push(rule);
  }

  clearRetryRules(): void {
    this.retryRules = [];
  }

  listRetryRules(): RetryRule[] {
    return this.retryRules.map((r) => ({ ...r }));
  }

  /** The outcome for one record; consumes one use of a counted rule. Default: the retry succeeds. */
  private retryOutcome(flowId: string, stepId: string, retryDataKey: string | undefined): RetryOutcome {
    for (let i = this.retryRules.length - 1; i >= 0; i--) {
      const rule = this.retryRules[i] as RetryRule;
      if (rule.flowId !== undefined && rule.flowId !== flowId) continue;
      if (rule.stepId !== undefined && rule.stepId !== stepId) continue;
      if (rule.retryDataKey !== undefined && rule.retryDataKey !== retryDataKey) continue;
      if (rule.times !== undefined) {
        rule.times -= 1;
        if (rule.times <= 0) this.retryRules.splice(i, 1);
      }
      return rule.outcome;
    }
    return 'succeed';
  }

  /**
   * Retries the open errors of a step whose retryDataKey is in `keys`. Returns undefined when none
   * matched (the API's 204). The retry's outcome is applied at once: a success moves the error to
   * resolved; a failure replaces it with a new errorId carrying the same retryDataKey.
   */
  retry(flow: Flow, stepId: string, keys: readonly string[], endpoint: RetryLogEntry['endpoint']): RetryJob | undefined {
    const state = this.stepState(flow._id, stepId);
    const wanted = new Set(keys);
    const matched = state.open.filter((e) => e.error.retryDataKey !== undefined && wanted.has(e.error.retryDataKey));
    if (matched.length === 0) return undefined;
    const now = this.now();
    // A retry runs the flow's step again on those records: the flow ran.
    flow.lastExecutedAt = iso(now);
    for (const entry of matched) {
      const key = entry.error.retryDataKey;
      const outcome = this.retryOutcome(flow._id, stepId, key);
      this.settle(flow, stepId, state, entry, outcome, endpoint, now);
    }
    const kind = this.stepKind(flow, stepId);
    const job: RetryJob = {
      _id: this.nextId('retryJob'),
      _userId: this.userId,
      type: 'retry',
      status: 'queued',
      _integrationId: flow._integrationId,
      _flowId: flow._id,
      _expOrImpId: stepId,
      ...(kind === 'export' ? { _exportId: stepId } : { _importId: stepId }),
      createdAt: iso(now),
      lastModified: iso(now),
      triggeredBy: SIM_USER_EMAIL,
      numExport: matched.length,
    };
    return job;
  }

  /** Applies a retry outcome to one open error. */
  private settle(
    flow: Flow,
    stepId: string,
    state: StepErrorState,
    entry: { seq: number; error: FlowStepError },
    outcome: RetryOutcome,
    endpoint: RetryLogEntry['endpoint'],
    now: number,
  ): void {
    state.open = state.open.filter((e) => e !== entry);
    const log: RetryLogEntry = { at: iso(now), flowId: flow._id, stepId, endpoint, oldErrorId: entry.error.errorId, outcome };
    if (entry.error.retryDataKey !== undefined) log.retryDataKey = entry.error.retryDataKey;
    if (outcome === 'succeed') {
      // The seed: resolvedBy is the user who triggered the retry (a user id), "not auto"; a flow
      // rerun clearing connection errors is the platform's own doing, so that one is "auto".
      const resolvedBy = endpoint === 'run' ? 'auto' : this.userId;
      state.resolved.push({ seq: state.nextSeq++, error: { ...entry.error, resolvedAt: iso(now), resolvedBy } });
    } else {
      const serial = this.runtimeSerial++;
      const occurredAt = iso(now);
      const again: FlowStepError = {
        ...entry.error,
        errorId: hashedId(this.scenario.seed, `error|runtime/${serial}`),
        occurredAt,
        purgeAt: String(now + RETENTION_MS),
      };
      if (again.retryAt !== undefined) again.retryAt = iso(now + 5 * MINUTE);
      state.open.push({ seq: state.nextSeq++, error: again });
      log.newErrorId = again.errorId;
    }
    this.retryLog.push(log);
  }

  /**
   * A flow run. Errors without a retryDataKey (connection-level) are what a rerun recovers from: on
   * a successful run they are auto-resolved, on a failing one they come back with new errorIds.
   */
  runFlow(flow: Flow, body: unknown): { _jobId: string } | Record<string, never> | undefined {
    const rule = this.flowRunRules.get(flow._id);
    if (rule !== undefined && rule.answer !== 'queued') {
      // Accepted, but no job queued (the document: "usually because another run is already in progress").
      if (rule.times !== undefined && --rule.times <= 0) this.flowRunRules.delete(flow._id);
      return rule.answer === 'empty' ? undefined : {};
    }
    const now = this.now();
    const jobId = this.nextId('flowJob');
    flow.lastExecutedAt = iso(now);
    this.flowRuns.push({ _jobId: jobId, flowId: flow._id, at: iso(now), body });
    for (const { id: stepId } of this.stepsOf(flow)) {
      const state = this.stepState(flow._id, stepId);
      for (const entry of state.open.filter((e) => e.error.retryDataKey === undefined)) {
        this.settle(flow, stepId, state, entry, this.retryOutcome(flow._id, stepId, undefined), 'run', now);
      }
    }
    return { _jobId: jobId };
  }

  setFlowRunRule(flowId: string, rule: FlowRunRule): void {
    if (rule.answer === 'queued') this.flowRunRules.delete(flowId);
    else this.flowRunRules.set(flowId, { ...rule });
  }

  // ---- syncs ----

  getSync(syncId: string): Sync | undefined {
    return this.syncsById.get(syncId)?.sync;
  }

  syncsOf(integrationId: string): Sync[] {
    return (this.syncIdsByIntegration.get(integrationId) ?? []).flatMap((id) => {
      const sync = this.syncsById.get(id)?.sync;
      return sync === undefined ? [] : [sync];
    });
  }

  allSyncs(): Sync[] {
    return [...this.syncsById.values()].map((s) => s.sync);
  }

  setSyncDisabled(syncId: string, disabled: boolean): Sync | undefined {
    const sync = this.syncsById.get(syncId)?.sync;
    if (sync !== undefined) sync.disabled = disabled;
    return sync;
  }

  setSyncRunBehaviour(syncId: string, behaviour: SyncRunBehaviour): void {
    this.syncRunBehaviours.set(syncId, behaviour);
  }

  /** Jobs of a sync, most recent first. */
  syncJobs(syncId: string): SyncJob[] {
    return [...(this.syncsById.get(syncId)?.jobs ?? [])].reverse().map((r) => r.job);
  }

  latestSyncJob(syncId: string): SyncJob | undefined {
    const jobs = this.syncsById.get(syncId)?.jobs;
    return jobs?.[jobs.length - 1]?.job;
  }

  getSyncJob(jobId: string): SyncJob | undefined {
    return this.syncJobsById.get(jobId)?.job;
  }

  syncJobTables(jobId: string): SyncTableJob[] | undefined {
    return this.syncJobsById.get(jobId)?.tables;
  }

  syncJobErrors(jobId: string): SyncError[] | undefined {
    return this.syncJobsById.get(jobId)?.errors;
  }

  private runningJobs(syncId: string): SyncJobRecord[] {
    return (this.syncsById.get(syncId)?.jobs ?? []).filter((r) => r.job.status === 'running');
  }

  hasRunningJob(syncId: string): boolean {
    return this.runningJobs(syncId).length > 0;
  }

  /** POST /v1/syncs/{id}/run: a new running job, or (by admin run-behaviour) one that already ended. */
  runSync(syncId: string, runType: 'normal' | 'resync'): SyncJob {
    const state = this.requireSync(syncId);
    const now = this.now();
    const rng = Random.for(this.scenario.seed, 'runtime-sync', this.runtimeSerial++);
    const record = this.createSyncJob(state, { createdAt: now, runType, triggeredBy: `user:${SIM_USER_EMAIL}`, rng });
    const behaviour = this.syncRunBehaviours.get(syncId) ?? 'hold';
    if (behaviour !== 'hold') this.finishSyncJob(record, behaviour === 'fail' ? 'failed' : 'completed', now, {}, rng);
    return record.job;
  }

  /** Admin: a running job (409-worthy for the API) starting at `startedAt` (default now). */
  startSync(syncId: string, o: { startedAt?: string; runType?: 'normal' | 'resync'; triggeredBy?: string }): SyncJob {
    const state = this.requireSync(syncId);
    const startedAt = o.startedAt === undefined ? this.now() : Date.parse(o.startedAt);
    const rng = Random.for(this.scenario.seed, 'runtime-sync', this.runtimeSerial++);
    return this.createSyncJob(state, {
      createdAt: startedAt,
      runType: o.runType ?? 'normal',
      triggeredBy: o.triggeredBy ?? 'schedule',
      rng,
    }).job;
  }

  /**
   * Admin: makes the latest job end as `status`. A running latest job is finished; otherwise a new
   * job is appended that ran and ended now.
   */
  finishSync(syncId: string, status: 'completed' | 'failed', o: FinishSyncJobOptions): SyncJob {
    const state = this.requireSync(syncId);
    const now = this.now();
    const rng = Random.for(this.scenario.seed, 'runtime-sync', this.runtimeSerial++);
    let record = state.jobs[state.jobs.length - 1];
    if (record === undefined || record.job.status !== 'running') {
      record = this.createSyncJob(state, { createdAt: now, runType: 'normal', triggeredBy: 'schedule', rng });
    }
    this.finishSyncJob(record, status, now, o, rng);
    return record.job;
  }

  /** Cancels every running job of a sync; returns how many. */
  cancelSyncJobs(syncId: string): number {
    const running = this.runningJobs(syncId);
    for (const record of running) this.cancel(record);
    return running.length;
  }

  /** Cancels one job: true when it was running, false when it was already terminal. */
  cancelSyncJob(jobId: string): boolean {
    const record = this.syncJobsById.get(jobId);
    if (record === undefined || record.job.status !== 'running') return false;
    this.cancel(record);
    return true;
  }

  private cancel(record: SyncJobRecord): void {
    // A cancel draws no random counts; the generator is only there to satisfy finishSyncJob.
    this.finishSyncJob(record, 'canceled', this.now(), {}, Random.for(this.scenario.seed, 'cancel', record.job._id));
  }

  private requireSync(syncId: string): SyncState {
    const state = this.syncsById.get(syncId);
    if (state === undefined) throw new Error(`no sync ${syncId}`);
    return state;
  }

  /** A running job (with running table children) appended as the sync's latest. */
  private createSyncJob(
    state: SyncState,
    o: { createdAt: number; runType: 'normal' | 'resync'; triggeredBy: string; rng: Random },
  ): SyncJobRecord {
    const { sync } = state;
    const jobId = this.nextId('syncJob');
    const createdAt = iso(o.createdAt);
    const tables: SyncTableJob[] = sync.tables.map((tableName) => {
      const extracted = o.rng.int(0, 500);
      return {
        _id: this.nextId('syncTableJob'),
        tableName,
        createdAt,
        status: 'running',
        numErrors: 0,
        numLoadedRecords: 0,
        numExtractedRecords: extracted,
        startedAt: createdAt,
      };
    });
    const job: SyncJob = {
      _id: jobId,
      flowExecutionGroupId: opaqueKey(this.scenario.seed, `feg|${jobId}`),
      _integrationId: sync._integrationId,
      _syncId: sync._id,
      createdAt,
      startedAt: createdAt,
      purgeAt: iso(o.createdAt + RETENTION_MS),
      status: 'running',
      numErrors: 0,
      numLoadedRecords: 0,
      numExtractedRecords: tables.reduce((sum, t) => sum + t.numExtractedRecords, 0),
      numTablesSynced: tables.length,
      triggeredBy: o.triggeredBy,
      runType: o.runType,
    };
    const record: SyncJobRecord = { job, tables, errors: [] };
    state.jobs.push(record);
    this.syncJobsById.set(jobId, record);
    return record;
  }

  /** Ends a job (and its tables) as `status`, with counts and, for a failure, error records. */
  private finishSyncJob(record: SyncJobRecord, status: SyncJobStatus, endedAtMs: number, o: FinishSyncJobOptions, rng: Random): void {
    const { job, tables } = record;
    const endedAt = iso(endedAtMs);
    const state = this.requireSync(job._syncId);
    // A failed job has errors (3 by default); a completed one has them only when asked: it loaded
    // the rest of its records (a partial failure, seed 000: "check numErrors for the gap").
    const numErrors = status === 'failed' ? Math.max(1, o.numErrors ?? 3) : status === 'completed' ? (o.numErrors ?? 0) : 0;
    let failedTables: SyncTableJob[] = [];
    if (numErrors > 0) {
      const named = new Set(o.failedTables ?? []);
      failedTables = tables.filter((t) => named.has(t.tableName));
      if (failedTables.length === 0) failedTables = tables.slice(0, 1);
    }
    record.errors = [];

    for (const table of tables) {
      table.endedAt = endedAt;
      if (status === 'canceled') {
        table.status = 'canceled';
        continue;
      }
      table.numExtractedRecords = Math.max(table.numExtractedRecords, rng.int(100, 5_000));
      const failedIndex = failedTables.indexOf(table);
      table.status = failedIndex >= 0 && status === 'failed' ? 'failed' : 'completed';
      // The job's errors spread over its failed tables as evenly as they divide.
      table.numErrors =
        failedIndex < 0 ? 0 : Math.floor(numErrors / failedTables.length) + (failedIndex < numErrors % failedTables.length ? 1 : 0);
      table.numLoadedRecords = Math.max(0, table.numExtractedRecords - table.numErrors);
      for (let n = 0; n < Math.min(table.numErrors, MAX_ERROR_RECORDS_PER_JOB); n++) {
        record.errors.push({
          scope: 'load',
          source: 'snowflake',
          code: o.code ?? rng.pick(SYNC_ERROR_CODES),
          message: o.message ?? `Failed to load record ${rng.int(1, 99_999)} into ${table.tableName}`,
          _datasetId: state.datasetIds.get(table.tableName) ?? this.nextId('dataset'),
          _syncId: job._syncId,
          _parentSyncJobId: job._id,
          _childSyncJobId: table._id,
          flowExecutionGroupId: job.flowExecutionGroupId,
          stage: 'load',
          datasetName: table.tableName,
          tableName: table.tableName,
          occurredAt: endedAt,
        });
      }
    }

    job.status = status;
    job.endedAt = endedAt;
    if (status === 'canceled') job.canceledBy = `user:${SIM_USER_EMAIL}`;
    job.numExtractedRecords = o.numExtractedRecords ?? tables.reduce((sum, t) => sum + t.numExtractedRecords, 0);
    job.numLoadedRecords = o.numLoadedRecords ?? tables.reduce((sum, t) => sum + t.numLoadedRecords, 0);
    // A sync without tables still reports the errors of a failed run.
    job.numErrors = tables.length === 0 ? numErrors : tables.reduce((sum, t) => sum + t.numErrors, 0);
  }

  // ---- observation ----

  summary(): WorldSummary {
    const flowIdsByIntegration = new Map<string, string[]>();
    for (const flow of this.flows) {
      const ids = flowIdsByIntegration.get(flow._integrationId) ?? [];
      ids.push(flow._id);
      flowIdsByIntegration.set(flow._integrationId, ids);
    }
    return {
      scenario: this.scenario.name,
      seed: this.scenario.seed,
      generatedAt: iso(this.generatedAt),
      userId: this.userId,
      integrations: this.integrations.map((i) => ({
        _id: i._id,
        name: i.name,
        flowIds: flowIdsByIntegration.get(i._id) ?? [],
        syncIds: this.syncIdsByIntegration.get(i._id) ?? [],
      })),
      flows: this.flows.map((f) => ({
        _id: f._id,
        name: f.name,
        _integrationId: f._integrationId,
        disabled: f.disabled,
        steps: this.stepsOf(f),
      })),
      syncs: this.allSyncs().map((s) => {
        const latest = this.latestSyncJob(s._id);
        return {
          _id: s._id,
          name: s.name,
          _integrationId: s._integrationId,
          disabled: s.disabled,
          tables: s.tables,
          ...(latest === undefined ? {} : { latestJobId: latest._id, latestStatus: latest.status }),
        };
      }),
    };
  }
}

export interface WorldSummary {
  scenario: string;
  seed: number;
  generatedAt: string;
  userId: string;
  integrations: Array<{ _id: string; name: string; flowIds: string[]; syncIds: string[] }>;
  flows: Array<{ _id: string; name: string; _integrationId: string; disabled: boolean; steps: Array<{ id: string; kind: StepKind }> }>;
  syncs: Array<{
    _id: string;
    name: string;
    _integrationId: string;
    disabled: boolean;
    tables: string[];
    latestJobId?: string;
    latestStatus?: SyncJobStatus;
  }>;
}
