// The integrator.io API the simulator serves: one handler per operation of the seeds
// (000 Syncs, 004 Flows), answering with their field names, status codes and error codes.

import { isRecord } from '../../json.ts';
import { compileRoute, type CompiledRoute, type Method, type Reply } from '../http.ts';
import { ERROR_CLASSIFICATIONS, ERROR_SOURCES } from '../scenario.ts';
import type { Flow, World } from './world.ts';

/** A served operation: method, the seed's path template, and the statuses its handler can produce. */
export interface SimulatorRoute {
  method: Method;
  template: string;
  /** Every status the handler answers with. 401 and 429 (produced before routing) come on top. */
  statuses: readonly number[];
}

export interface ApiContext {
  world: World;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  body: { value: unknown } | { invalid: true };
  /** `http://host:port` as the client addressed us; absolute links are built on it. */
  origin: string;
  /** Records every retryDataKey a retry endpoint received (for GET /__sim/stats). */
  recordRetryKeys(keys: readonly string[], flowId: string, stepId: string): void;
}

export type ApiHandler = (ctx: ApiContext) => Reply;

/** The most retryDataKeys one retry call may carry (the seed: "the CLI batches at 1000 per call"). */
export const MAX_RETRY_KEYS = 1_000;

// ---- replies ----

function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, body } : { status, body, headers };
}

const noContent: Reply = { status: 204 };

/** The standard `{"errors":[{code,message}]}` envelope. */
export function apiError(status: number, code: string, message: string, field?: string): Reply {
  return json(status, { errors: [field === undefined ? { code, message } : { code, message, field }] });
}

function notFound(what: string, id: string): Reply {
  return apiError(404, 'invalid_ref', `${what} ${id} not found`, '_id');
}

// ---- flows ----

/** Query values may carry letters, digits, dots and underscores, comma separated (seed: Include). */
const PROJECTION_VALUE = /^[A-Za-z0-9._,]*$/;
/** Fields `exclude` cannot strip (seed: "protected identity fields"). */
const PROTECTED_FIELDS = new Set(['_id', 'name']);

function fieldPaths(value: string): string[][] {
  return value
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => f.split('.'));
}

/** The part of `value` under `path`, wrapped in its parents; arrays are projected element-wise. */
function pickPath(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(value)) {
    const picked = value.map((item) => pickPath(item, path));
    return picked.some((p) => p !== undefined) ? picked.map((p) => p ?? {}) : undefined;
  }
  if (!isRecord(value)) return undefined;
  const [head, ...rest] = path as [string, ...string[]];
  if (!Object.hasOwn(value, head)) return undefined;
  const inner = pickPath(value[head], rest);
  return inner === undefined ? undefined : { [head]: inner };
}

function mergeInto(target: unknown, source: unknown): unknown {
  if (Array.isArray(target) && Array.isArray(source)) return source.map((s, i) => mergeInto(target[i], s));
  if (isRecord(target) && isRecord(source)) {
    for (const [key, value] of Object.entries(source)) target[key] = mergeInto(target[key], value);
    return target;
  }
  return source;
}

function omitPath(value: unknown, path: readonly string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) omitPath(item, path);
    return;
  }
  if (!isRecord(value) || path.length === 0) return;
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) delete value[head];
  else omitPath(value[head], rest);
}

/** `include` (summary projection: `_id`, `name` plus the listed fields) or `exclude` (strip fields). */
function project(flow: Flow, include: string[][], exclude: string[][]): unknown {
  if (include.length > 0) {
    const out: Record<string, unknown> = { _id: flow._id, name: flow.name };
    for (const path of include) {
      const picked = pickPath(flow, path);
      if (picked !== undefined) mergeInto(out, picked);
    }
    return out;
  }
  if (exclude.length === 0) return flow;
  const copy = structuredClone(flow) as unknown;
  for (const path of exclude) if (!(path.length === 1 && PROTECTED_FIELDS.has(path[0] as string))) omitPath(copy, path);
  return copy;
}

const listFlows: ApiHandler = ({ world, query, origin }) => {
  const include = query.get('include') ?? '';
  const exclude = query.get('exclude') ?? '';
  if (!PROJECTION_VALUE.test(include) || !PROJECTION_VALUE.test(exclude)) {
    return apiError(400, 'invalid_query_params', 'include and exclude may only hold field names separated by commas');
  }
  if (include !== '' && exclude !== '') {
    return apiError(400, 'invalid_query_params', 'Please provide either include or exclude param in the request query and not both.');
  }
  const flows = world.flows;
  if (flows.length === 0) return noContent;

  // Keyset cursor: `after` is the _id of the last flow of the previous page.
  const after = query.get('after');
  let start = 0;
  if (after !== null) {
    const index = world.flowIndex(after);
    if (index === undefined) return apiError(400, 'invalid_query_params', `Unknown pagination cursor after=${after}`);
    start = index + 1;
  }
  const pageSize = world.scenario.flowsPageSize;
  const page = flows.slice(start, start + pageSize);
  const includePaths = fieldPaths(include);
  const excludePaths = fieldPaths(exclude);
  const body = page.map((flow) => project(flow, includePaths, excludePaths));
  const last = page[page.length - 1];
  if (start + pageSize >= flows.length || last === undefined) return json(200, body);

  const next = new URL('/v1/flows', origin);
  next.searchParams.set('after', last._id);
  if (include !== '') next.searchParams.set('include', include);
  if (exclude !== '') next.searchParams.set('exclude', exclude);
  return json(200, body, { Link: `<${next.href}>; rel="next"` });
};

/** The flow and (when the route has one) the step of the path, or the 404 to answer with. */
function flowAndStep(ctx: ApiContext): { flow: Flow; stepId: string } | Reply {
  const flowId = ctx.params._id ?? '';
  const flow = ctx.world.getFlow(flowId);
  if (flow === undefined) return notFound('Flow', flowId);
  const stepId = ctx.params._stepId;
  if (stepId === undefined) return { flow, stepId: '' };
  if (ctx.world.stepKind(flow, stepId) === undefined)
    return apiError(404, 'invalid_ref', `Step ${stepId} is not part of flow ${flow._id}`, '_stepId');
  return { flow, stepId };
}

function isReply(value: object): value is Reply {
  return 'status' in value;
}

const getFlow: ApiHandler = (ctx) => {
  const found = flowAndStep(ctx);
  return isReply(found) ? found : json(200, found.flow);
};

const flowErrorSummary: ApiHandler = (ctx) => {
  const found = flowAndStep(ctx);
  return isReply(found) ? found : json(200, { flowErrors: ctx.world.errorSummary(found.flow) });
};

/** Open or resolved errors of a step, body-paginated with `nextPageURL` (omitted on the last page). */
function stepErrorListing(which: 'open' | 'resolved'): ApiHandler {
  return (ctx) => {
    const found = flowAndStep(ctx);
    if (isReply(found)) return found;
    const { flow, stepId } = found;
    const afterText = ctx.query.get('after');
    let after = -1;
    if (afterText !== null) {
      if (!/^\d+$/.test(afterText)) return apiError(400, 'invalid_query_params', `Invalid pagination cursor after=${afterText}`);
      after = Number(afterText);
    }
    const { scenario } = ctx.world;
    const page = ctx.world.errorPage(flow._id, stepId, which, after, scenario.errorsPageSize);
    const body: Record<string, unknown> = which === 'open' ? { errors: page.items } : { resolved: page.items };
    if (page.nextAfter !== undefined) {
      const path = `/v1/flows/${flow._id}/${stepId}/${which === 'open' ? 'errors' : 'resolved'}?after=${page.nextAfter}`;
      body.nextPageURL =
        scenario.nextPageUrlStyle === 'absolute' ? `${ctx.origin}${path}` : scenario.nextPageUrlStyle === 'api-path' ? `/api${path}` : path;
    }
    return json(200, body);
  };
}

/** `{retryDataKeys: string[1..1000]}`, or the 400 to answer with. */
function retryKeysOf(ctx: ApiContext): string[] | Reply {
  if ('invalid' in ctx.body) return apiError(400, 'invalid_json', 'The request body is not valid JSON');
  const body = ctx.body.value;
  if (!isRecord(body) || body.retryDataKeys === undefined) {
    return apiError(400, 'missing_required_field', 'retryDataKeys is required', 'retryDataKeys');
  }
  const keys = body.retryDataKeys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string')) {
    return apiError(400, 'invalid_or_missing_field', 'retryDataKeys must be a non-empty array of strings', 'retryDataKeys');
  }
  if (keys.length > MAX_RETRY_KEYS) {
    return apiError(400, 'invalid_or_missing_field', `retryDataKeys may hold at most ${MAX_RETRY_KEYS} keys`, 'retryDataKeys');
  }
  return keys as string[];
}

function retryErrors(endpoint: 'retry' | 'retry_with_exponential_decay'): ApiHandler {
  return (ctx) => {
    const found = flowAndStep(ctx);
    if (isReply(found)) return found;
    const { flow, stepId } = found;
    const keys = retryKeysOf(ctx);
    if (!Array.isArray(keys)) return keys;
    ctx.recordRetryKeys(keys, flow._id, stepId);
    if (flow.disabled) return apiError(422, 'inactive_flow', `Flow ${flow._id} is disabled. Enable the flow before retrying.`);
    const job = ctx.world.retry(flow, stepId, keys, endpoint);
    return job === undefined ? noContent : json(200, job);
  };
}

const runFlow: ApiHandler = (ctx) => {
  const found = flowAndStep(ctx);
  if (isReply(found)) return found;
  const { flow } = found;
  if ('invalid' in ctx.body) return apiError(400, 'invalid_json', 'The request body is not valid JSON');
  const body = ctx.body.value;
  if (body !== undefined) {
    if (!isRecord(body)) return apiError(400, 'invalid_or_missing_field', 'The request body must be an object');
    const exportIds = body._exportIds;
    if (exportIds !== undefined) {
      const known = new Set(flow.pageGenerators.map((g) => g._exportId));
      if (!Array.isArray(exportIds) || !exportIds.every((id) => typeof id === 'string' && known.has(id))) {
        return apiError(400, 'invalid_or_missing_field', '_exportIds must list exports of this flow', '_exportIds');
      }
    }
    const window = body.export;
    if (window !== undefined) {
      const dates = isRecord(window) ? [window.startDate, window.endDate] : [null];
      if (!dates.every((d) => d === undefined || (typeof d === 'string' && !Number.isNaN(Date.parse(d))))) {
        return apiError(400, 'invalid_or_missing_field', 'export.startDate and export.endDate must be ISO-8601 date-times', 'export');
      }
    }
  }
  if (flow.disabled) return apiError(422, 'inactive_flow', `Flow ${flow._id} is disabled`);
  const run = ctx.world.runFlow(flow, body);
  // No job queued: a 200 with no body (or one without `_jobId`), as the Flows document describes.
  return run === undefined ? { status: 200 } : json(200, run);
};

const errorFilterMetadata: ApiHandler = () =>
  json(200, {
    filters: [
      { name: 'source', enums: [...ERROR_SOURCES] },
      { name: 'classification', enums: [...ERROR_CLASSIFICATIONS] },
    ],
  });

// ---- syncs ----

const latestSyncJobs: ApiHandler = ({ world, params }) => {
  const integrationId = params._integrationId ?? '';
  if (world.getIntegration(integrationId) === undefined) {
    return apiError(404, 'sync_job_missing_integration', `Integration ${integrationId} does not exist`);
  }
  const syncs = world.syncsOf(integrationId);
  if (syncs.length === 0) {
    return apiError(404, 'sync_job_invalid_integration_id', `Integration ${integrationId} has no Data Loader syncs`);
  }
  const latest = syncs.flatMap((s) => {
    const job = world.latestSyncJob(s._id);
    return job === undefined ? [] : [job];
  });
  return latest.length === 0 ? noContent : json(200, latest);
};

const listSyncJobs: ApiHandler = ({ world, params }) => {
  // limit, offset and status are silently ignored, as the seed documents.
  const syncId = params._syncId ?? '';
  if (world.getSync(syncId) === undefined) return notFound('Sync', syncId);
  const data = world.syncJobs(syncId);
  return json(200, { data, totalCount: data.length });
};

const runSync: ApiHandler = (ctx) => {
  const syncId = ctx.params._syncId ?? '';
  const sync = ctx.world.getSync(syncId);
  if (sync === undefined) return notFound('Sync', syncId);
  if ('invalid' in ctx.body) return apiError(400, 'invalid_json', 'The request body is not valid JSON');
  const body = ctx.body.value;
  const runType = isRecord(body) ? body.runType : undefined;
  if ((body !== undefined && !isRecord(body)) || (runType !== undefined && runType !== 'normal' && runType !== 'resync')) {
    return apiError(400, 'invalid_parameter', 'runType must be "normal" or "resync"', 'runType');
  }
  if (sync.disabled) return apiError(422, 'invalid_sync', `Sync ${syncId} is disabled`);
  if (ctx.world.hasRunningJob(syncId))
    return apiError(409, 'sync_job_already_queued', `A job is already queued or running for sync ${syncId}`);
  const job = ctx.world.runSync(syncId, runType ?? 'normal');
  return json(200, { syncId, flowExecutionGroupId: job.flowExecutionGroupId });
};

const cancelSyncJobs: ApiHandler = ({ world, params }) => {
  const syncId = params._syncId ?? '';
  if (world.getSync(syncId) === undefined) return notFound('Sync', syncId);
  if (world.cancelSyncJobs(syncId) === 0) return apiError(404, 'sync_jobs_not_found', `No cancellable jobs for sync ${syncId}`);
  return noContent;
};

const getSyncJob: ApiHandler = ({ world, params }) => {
  const job = world.getSyncJob(params._syncJobId ?? '');
  return job === undefined ? notFound('Sync job', params._syncJobId ?? '') : json(200, job);
};

const getSyncJobFamily: ApiHandler = ({ world, params }) => {
  const jobId = params._syncJobId ?? '';
  const job = world.getSyncJob(jobId);
  if (job === undefined) return notFound('Sync job', jobId);
  return json(200, { ...job, tables: world.syncJobTables(jobId) ?? [] });
};

const listSyncJobErrors: ApiHandler = ({ world, params, query }) => {
  const jobId = params._parentJobId ?? '';
  const errors = world.syncJobErrors(jobId);
  if (errors === undefined) return notFound('Sync job', jobId);
  const childJobId = query.get('_childJobId');
  const selected = childJobId === null || childJobId === '' ? errors : errors.filter((e) => e._childSyncJobId === childJobId);
  return json(200, selected, { 'x-total-count': String(selected.length) });
};

const cancelSyncJob: ApiHandler = ({ world, params }) => {
  const jobId = params._syncJobId ?? '';
  const job = world.getSyncJob(jobId);
  if (job === undefined) return notFound('Sync job', jobId);
  if (!world.cancelSyncJob(jobId)) return apiError(403, 'sync_job_not_cancellable', `Sync job ${jobId} is already ${job.status}`);
  return noContent;
};

// ---- the table ----

const ROUTE_TABLE: Array<SimulatorRoute & { handler: ApiHandler }> = [
  { method: 'GET', template: '/v1/flows', statuses: [200, 204, 400], handler: listFlows },
  { method: 'GET', template: '/v1/flows/{_id}', statuses: [200, 404], handler: getFlow },
  { method: 'GET', template: '/v1/flows/{_id}/errors', statuses: [200, 404], handler: flowErrorSummary },
  { method: 'POST', template: '/v1/flows/{_id}/run', statuses: [200, 400, 404, 422], handler: runFlow },
  { method: 'GET', template: '/v1/flows/{_id}/{_stepId}/errors', statuses: [200, 400, 404], handler: stepErrorListing('open') },
  { method: 'GET', template: '/v1/flows/{_id}/{_stepId}/resolved', statuses: [200, 400, 404], handler: stepErrorListing('resolved') },
  { method: 'POST', template: '/v1/flows/{_id}/{_stepId}/retry', statuses: [200, 204, 400, 404, 422], handler: retryErrors('retry') },
  {
    method: 'POST',
    template: '/v1/flows/{_id}/{_stepId}/retry_with_exponential_decay',
    statuses: [200, 204, 400, 404, 422],
    handler: retryErrors('retry_with_exponential_decay'),
  },
  { method: 'GET', template: '/v1/errors/filterMetadata', statuses: [200], handler: errorFilterMetadata },
  { method: 'GET', template: '/v1/integrations/{_integrationId}/syncJobs/latest', statuses: [200, 204, 404], handler: latestSyncJobs },
  { method: 'POST', template: '/v1/syncs/{_syncId}/run', statuses: [200, 400, 404, 409, 422], handler: runSync },
  { method: 'GET', template: '/v1/syncs/{_syncId}/syncJobs', statuses: [200, 404], handler: listSyncJobs },
  { method: 'PUT', template: '/v1/syncs/{_syncId}/syncJobs/cancel', statuses: [204, 404], handler: cancelSyncJobs },
  { method: 'GET', template: '/v1/syncJobs/{_syncJobId}', statuses: [200, 404], handler: getSyncJob },
  { method: 'GET', template: '/v1/syncJobs/{_syncJobId}/family', statuses: [200, 404], handler: getSyncJobFamily },
  { method: 'GET', template: '/v1/syncJobs/{_parentJobId}/errors', statuses: [200, 404], handler: listSyncJobErrors },
  { method: 'PUT', template: '/v1/syncJobs/{_syncJobId}/cancel', statuses: [204, 403, 404], handler: cancelSyncJob },
];

/** Every operation the simulator serves; the conformance test validates each one against the seeds. */
export const SIMULATOR_ROUTES: readonly SimulatorRoute[] = ROUTE_TABLE.map(({ method, template, statuses }) => ({
  method,
  template,
  statuses,
}));

export const API_ROUTES: ReadonlyArray<CompiledRoute<ApiHandler>> = ROUTE_TABLE.map((r) => compileRoute(r.method, r.template, r.handler));
