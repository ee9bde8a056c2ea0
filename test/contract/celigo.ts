// Celigo integrator.io: the operations syncwatch calls or its simulator serves, distilled from the
// Syncs document (000, Data Loader) and the Flows document (004). Facts only, in our words. A field
// the documents describe but neither the client nor the simulator uses is left out; an enum the
// documents give only in prose (error `source`, `classification`) is written out here.

import {
  arrayOf,
  boolean,
  dateTime,
  either,
  integer,
  object,
  objectId,
  oneOf,
  string,
  type Auth,
  type Operation,
  type PlatformContract,
  type Response,
  type Schema,
} from './schema.ts';

const auth: Auth = { header: 'Authorization', scheme: 'Bearer', credential: 'an integrator.io API token' };

// ---- errors ----

/** `{"errors":[{code, message, field?, source?}]}`; `codes` are the ones this response may carry. */
function errors(codes: readonly string[]): Schema {
  return object(
    {
      errors: arrayOf(
        object(
          {
            // Usually a string; an integer when it mirrors an upstream HTTP status.
            code: { type: ['string', 'integer'], ...(codes.length > 0 ? { enum: [...codes] } : {}) },
            message: string(),
            field: string('the request field at fault'),
            source: string('origin layer, e.g. application or connector'),
          },
          { required: ['message'] },
        ),
      ),
    },
    { required: ['errors'] },
  );
}

const error = (description: string, codes: readonly string[], inferred?: string): Response => ({
  description,
  body: errors(codes),
  ...(inferred === undefined ? {} : { inferred }),
});

/** Produced by the auth middleware before any handler: a bare `{message}`, no `errors[]`. */
const unauthorized: Response = {
  description: 'no Authorization header ("Unauthorized"), or a token that is invalid, revoked or expired ("Bearer Authentication Failed")',
  body: object({ message: oneOf(['Unauthorized', 'Bearer Authentication Failed']) }, { required: ['message'] }),
};

const rateLimited: Response = {
  description: "the account's leaky bucket (1,000 burst, refilled at 300 requests/s) is empty",
  body: errors(['rate_limited']),
  headers: { 'Retry-After': 'whole seconds' },
  inferred: "the documents' index (vendor facts), not the operations",
};

const notFound = (what: string, codes: readonly string[] = ['invalid_ref']): Response => error(`${what} not found`, codes);

/** 401 and 429 answer on every operation. */
const common = { 401: unauthorized, 429: rateLimited } as const;

// ---- Data Loader syncs (000) ----

export const SYNC_JOB_STATUSES = ['running', 'completed', 'failed', 'canceled'] as const;

/** A sync job (one run of a Data Loader sync). The document marks no field required. */
const syncJobFields = {
  _id: objectId(),
  flowExecutionGroupId: string('correlates the parent job with its table jobs'),
  _integrationId: objectId(),
  _syncId: objectId(),
  createdAt: dateTime('queued at'),
  startedAt: dateTime('absent while queued'),
  endedAt: dateTime('absent while running'),
  purgeAt: dateTime(),
  status: oneOf(SYNC_JOB_STATUSES),
  numErrors: integer('errors across all tables of the run'),
  numLoadedRecords: integer(),
  numExtractedRecords: integer(),
  numTablesSynced: integer(),
  triggeredBy: string('"user:<email>" or "schedule"'),
  canceledBy: string('only when status is canceled'),
  runType: oneOf(['normal', 'resync']),
};
const syncJob = object(syncJobFields);

/** One table of a run (a child job). */
const syncTableJob = object({
  _id: objectId(),
  tableName: string(),
  createdAt: dateTime(),
  status: oneOf(SYNC_JOB_STATUSES),
  numErrors: integer(),
  numLoadedRecords: integer(),
  numExtractedRecords: integer(),
  startedAt: dateTime('absent if not started'),
  endedAt: dateTime('absent while running'),
});

/** One error of a sync run, scoped to a table. */
const syncError = object({
  scope: string('e.g. extract, load'),
  source: string(),
  code: string(),
  message: string(),
  _datasetId: objectId(),
  _syncId: objectId(),
  _parentSyncJobId: objectId(),
  _childSyncJobId: objectId(),
  flowExecutionGroupId: string(),
  stage: string(),
  datasetName: string(),
  tableName: string(),
  occurredAt: dateTime(),
});

const syncsSection = (section: string) => ({ document: '000', section, auth });

const syncOperations: Operation[] = [
  {
    ...syncsSection('Trigger a sync run'),
    method: 'POST',
    path: '/v1/syncs/{_syncId}/run',
    summary: "queue a run (asynchronous); poll the sync's jobs for its outcome",
    requestBody: object({ runType: oneOf(['normal', 'resync'], 'normal (delta, the default) or resync (full re-extraction)') }),
    pagination: { style: 'none' },
    responses: {
      200: {
        description: 'queued',
        body: object({ syncId: objectId(), flowExecutionGroupId: string() }, { required: ['syncId', 'flowExecutionGroupId'] }),
      },
      400: error(
        'runType is not normal or resync (a body that is not JSON: invalid_json)',
        ['invalid_parameter', 'invalid_json'],
        "invalid_json is the simulator's; the document names no code for a malformed body",
      ),
      404: notFound('sync'),
      409: error('a job is already queued or running for this sync', ['sync_job_already_queued']),
      422: error('the sync is disabled', ['invalid_sync']),
      ...common,
    },
  },
  {
    ...syncsSection('List sync jobs for a sync'),
    method: 'GET',
    path: '/v1/syncs/{_syncId}/syncJobs',
    summary: 'every job of the sync, newest first, wrapped in {data, totalCount}',
    query: {
      limit: { type: 'integer', description: 'silently ignored', ignored: true },
      offset: { type: 'integer', description: 'silently ignored', ignored: true },
      status: { type: 'string', description: 'silently ignored', ignored: true },
    },
    pagination: { style: 'none', description: 'the complete list in one answer, whatever limit/offset say' },
    responses: {
      200: {
        description: 'the jobs',
        body: object({ data: arrayOf(syncJob), totalCount: integer() }, { required: ['data', 'totalCount'] }),
      },
      404: notFound('sync'),
      ...common,
    },
  },
  {
    ...syncsSection('Cancel all running sync jobs for a sync'),
    method: 'PUT',
    path: '/v1/syncs/{_syncId}/syncJobs/cancel',
    summary: 'cancel every running or queued job of the sync',
    pagination: { style: 'none' },
    responses: {
      204: { description: 'canceled; no body' },
      404: error('no such sync, or no cancellable job', ['invalid_ref', 'sync_jobs_not_found']),
      ...common,
    },
  },
  {
    ...syncsSection('Get a sync job'),
    method: 'GET',
    path: '/v1/syncJobs/{_syncJobId}',
    summary: 'one (parent) sync job',
    pagination: { style: 'none' },
    responses: { 200: { description: 'the job', body: syncJob }, 404: notFound('sync job'), ...common },
  },
  {
    ...syncsSection('Get a sync job and its table-level children'),
    method: 'GET',
    path: '/v1/syncJobs/{_syncJobId}/family',
    summary: 'the parent job with its per-table child jobs under tables[] (empty if canceled before any table started)',
    pagination: { style: 'none' },
    responses: {
      200: { description: 'the job family', body: object({ ...syncJobFields, tables: arrayOf(syncTableJob) }) },
      404: notFound('sync job'),
      ...common,
    },
  },
  {
    ...syncsSection('List errors for a sync job'),
    method: 'GET',
    path: '/v1/syncJobs/{_parentJobId}/errors',
    summary: 'the errors of a run, a bare array; _childJobId narrows them to one table',
    query: { _childJobId: { type: 'string', description: 'a table job id (tables[]._id of the family)' } },
    pagination: { style: 'none', description: 'a bare array with an x-total-count header' },
    responses: {
      200: {
        description: 'the errors',
        body: arrayOf(syncError),
        headers: { 'x-total-count': 'the number of errors (after _childJobId)' },
      },
      404: notFound('sync job'),
      ...common,
    },
  },
  {
    ...syncsSection('Cancel a single sync job'),
    method: 'PUT',
    path: '/v1/syncJobs/{_syncJobId}/cancel',
    summary: 'cancel one running job',
    pagination: { style: 'none' },
    responses: {
      204: { description: 'canceled; no body' },
      403: error('the job is already completed, failed or canceled', ['sync_job_not_cancellable']),
      404: notFound('sync job'),
      ...common,
    },
  },
  {
    ...syncsSection('Get the latest sync job for each sync in an integration'),
    method: 'GET',
    path: '/v1/integrations/{_integrationId}/syncJobs/latest',
    summary: 'the latest job of each sync of the integration, a bare array',
    pagination: { style: 'none' },
    responses: {
      200: { description: 'one job per sync', body: arrayOf(syncJob) },
      204: { description: 'no sync of the integration has a job; no body' },
      404: error('the integration has no syncs, or does not exist', ['sync_job_invalid_integration_id', 'sync_job_missing_integration']),
      ...common,
    },
  },
];

// ---- flows (004) ----

/** Error `source` values: the 24 of GET /v1/errors/filterMetadata. */
export const ERROR_FILTER_SOURCES = [
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

/** Error `classification` values: the 10 of GET /v1/errors/filterMetadata. */
export const ERROR_FILTER_CLASSIFICATIONS = [
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

/** An error record's `source`: the filter values, plus `user` (validation or configuration, before the call) named by the record's own description. */
const errorSource = oneOf([...ERROR_FILTER_SOURCES, 'user']);
/**
 * An error record's `classification`: the filter values, plus the ones the record's description
 * names (`validation`, `data`, `system`); empty when unclassified.
 */
const errorClassification = oneOf([...ERROR_FILTER_CLASSIFICATIONS, 'validation', 'data', 'system', '']);

/** The top-level fields of a flow we read, simulate or may (the document's flow has many more: routers, settings…). Only _id is required. */
const flow = object(
  {
    _id: objectId(),
    name: string(),
    description: string(),
    _integrationId: objectId(),
    _flowGroupingId: objectId(),
    disabled: boolean(),
    schedule: string('a Celigo 6-field cron expression'),
    timezone: string('IANA; UTC when absent'),
    skipRetries: boolean(),
    pageGenerators: arrayOf(object({ _exportId: objectId() }, { required: ['_exportId'] })),
    pageProcessors: arrayOf(
      // `type` is required; with export an _exportId, with import an _importId.
      either(
        object({ type: oneOf(['export', 'import']), _exportId: objectId() }, { required: ['type', '_exportId'] }),
        object({ type: oneOf(['export', 'import']), _importId: objectId() }, { required: ['type', '_importId'] }),
      ),
    ),
    createdAt: dateTime(),
    lastModified: dateTime(),
    lastExecutedAt: dateTime("the flow's last run"),
  },
  { required: ['_id'] },
);

/** One open error on a flow step. */
const stepErrorFields = {
  errorId: string(),
  occurredAt: dateTime(),
  source: errorSource,
  code: string('an HTTP status as a string ("500") or a symbolic code'),
  message: string(),
  oIndex: string('index of the record in its page, as a string'),
  _flowJobId: objectId(),
  traceKey: string(),
  classification: errorClassification,
  classifiedBy: string('auto, or the user who classified it'),
  reqAndResKey: string('absent when no HTTP adaptor produced the error'),
  retryDataKey: string('absent on connection-level errors: those cannot be retried, only the flow rerun'),
  purgeAt: string('epoch milliseconds, as a string'),
  retryAt: dateTime('when the platform will retry it itself (intermittent errors); absent otherwise'),
  tags: { type: ['array', 'null'], items: string() },
  assignedTo: string(),
  assignedBy: string(),
  _assignedToUserId: objectId(),
};
const stepErrorRequired = ['errorId', 'occurredAt', 'source', 'code', 'message'];

const nextPageURL = string('the next page (relative, absolute, or with an /api prefix); omitted, not null, on the last page');

/** A retry answers with the queued `type: "retry"` job: its scalar fields (files, logs and errorFile left out). */
const retryJob = object({
  _id: objectId(),
  _userId: objectId(),
  type: oneOf(['export', 'import', 'flow', 'retry', 'bulk_retry']),
  status: oneOf(['queued', 'running', 'retrying', 'completed', 'failed', 'canceled', 'canceling']),
  _integrationId: objectId(),
  _flowId: objectId(),
  _exportId: objectId(),
  _importId: objectId(),
  _expOrImpId: objectId(),
  _retryOfJobId: objectId(),
  _flowJobId: objectId(),
  _parentJobId: objectId(),
  _bulkJobId: objectId(),
  startedAt: dateTime(),
  endedAt: dateTime(),
  resolvedAt: dateTime(),
  createdAt: dateTime(),
  lastModified: dateTime(),
  lastExecutedAt: dateTime(),
  purgeAt: dateTime(),
  triggeredBy: string(),
  canceledBy: string(),
  flowExecutionGroupId: string(),
  numError: integer('all errors of the job, resolved ones included'),
  numOpenError: integer(),
  numResolved: integer(),
  numSuccess: integer(),
  numIgnore: integer(),
  numExport: integer('legacy, used by retries'),
  retriable: boolean(),
});

const flowsSection = (section: string) => ({ document: '004', section, auth });
const stepPath = (action: string) => `/v1/flows/{_id}/{_stepId}/${action}`;

function retryOperation(action: 'retry' | 'retry_with_exponential_decay', summary: string): Operation {
  return {
    ...flowsSection(action === 'retry' ? 'Retry errored records' : 'Retry errored records with exponential back-off'),
    method: 'POST',
    path: stepPath(action),
    summary,
    requestBody: object(
      { retryDataKeys: { ...arrayOf(string()), minItems: 1, description: "from the open errors; at most 1,000 a call (the CLI's batch)" } },
      { required: ['retryDataKeys'] },
    ),
    pagination: { style: 'none' },
    responses: {
      200: { description: 'at least one key matched: the queued retry job', body: retryJob },
      204: { description: 'no key matched a stored record: a silent no-op, no body' },
      400: error(
        'retryDataKeys missing, empty, not strings, or more than 1,000',
        ['missing_required_field', 'invalid_or_missing_field', 'invalid_json'],
        "the codes are the simulator's reading of the document's generic 400",
      ),
      404: notFound('flow or step'),
      422: error('the flow is disabled', ['inactive_flow']),
      ...common,
    },
  };
}

const flowOperations: Operation[] = [
  {
    ...flowsSection('List flows'),
    method: 'GET',
    path: '/v1/flows',
    summary: 'every flow of the account',
    query: {
      include: {
        type: 'string',
        description: 'comma-separated fields (letters, digits, dots, underscores): summary projection, _id and name plus those fields',
      },
      exclude: { type: 'string', description: 'comma-separated fields to strip from the full record; _id and name cannot be stripped' },
    },
    pagination: { style: 'link-header', rel: 'next', description: 'Link: <url>; rel="next" while pages remain, absent on the last page' },
    responses: {
      200: { description: 'one page of flows', body: arrayOf(flow), headers: { Link: 'the next page (rel="next")' } },
      204: { description: 'the account has no flows; no body' },
      400: error(
        'include and exclude together, or a character outside the allowed set',
        ['invalid_query_params'],
        "the include/exclude parameters' text, not the responses",
      ),
      ...common,
    },
  },
  {
    ...flowsSection('Get a flow'),
    method: 'GET',
    path: '/v1/flows/{_id}',
    summary: 'one flow',
    pagination: { style: 'none' },
    responses: { 200: { description: 'the flow', body: flow }, 404: notFound('flow'), ...common },
  },
  {
    ...flowsSection("Summarize open errors across a flow's steps"),
    method: 'GET',
    path: '/v1/flows/{_id}/errors',
    summary: 'per step, the count of open errors (steps without errors included)',
    pagination: { style: 'none' },
    responses: {
      200: {
        description: 'the summary',
        body: object(
          {
            flowErrors: arrayOf(
              object(
                {
                  _expOrImpId: objectId('the step (export or import)'),
                  numError: { ...integer(), minimum: 0 },
                  lastErrorAt: dateTime('omitted when numError is 0'),
                },
                { required: ['_expOrImpId', 'numError'] },
              ),
            ),
          },
          { required: ['flowErrors'] },
        ),
      },
      400: error('malformed request', []),
      404: notFound('flow'),
      ...common,
    },
  },
  {
    ...flowsSection('Trigger a flow run'),
    method: 'POST',
    path: '/v1/flows/{_id}/run',
    summary: 'queue a run (asynchronous); the body may limit it to some exports or override the delta window',
    requestBody: object({
      export: object({ startDate: dateTime(), endDate: dateTime() }),
      _exportIds: arrayOf(objectId()),
    }),
    pagination: { style: 'none' },
    responses: {
      200: {
        description:
          'queued: usually {_jobId}; per-export records for a multi-export run; {error} when rejected; no body (or no _jobId) when nothing was queued because a run is in progress',
        body: either(
          object({ _jobId: objectId("the queued run's job") }, { open: true }),
          arrayOf(object({}, { open: true })),
          object({ error: string() }, { required: ['error'] }),
        ),
        mayBeEmpty: true,
      },
      400: error(
        '_exportIds not exports of this flow, or bad export dates',
        ['invalid_or_missing_field', 'invalid_json'],
        "the codes are the simulator's reading of the document's generic 400",
      ),
      404: notFound('flow'),
      422: error('the flow is disabled', ['inactive_flow']),
      ...common,
    },
  },
  {
    ...flowsSection('List open errors on a flow step'),
    method: 'GET',
    path: stepPath('errors'),
    summary: 'one page of the open errors of a step',
    pagination: { style: 'body-url', field: 'nextPageURL', description: 'follow nextPageURL until it is omitted; no Link header' },
    responses: {
      200: {
        description: 'one page',
        body: object({ errors: arrayOf(object(stepErrorFields, { required: stepErrorRequired })), nextPageURL }, { required: ['errors'] }),
      },
      400: error("malformed request (a page cursor that is not the platform's)", ['invalid_query_params']),
      404: notFound('flow or step'),
      ...common,
    },
  },
  {
    ...flowsSection('List resolved errors on a flow step'),
    method: 'GET',
    path: stepPath('resolved'),
    summary: 'one page of the resolved errors of a step',
    pagination: { style: 'body-url', field: 'nextPageURL', description: 'as for open errors' },
    responses: {
      200: {
        description: 'one page',
        body: object(
          {
            resolved: arrayOf(
              object(
                {
                  ...stepErrorFields,
                  resolvedAt: dateTime(),
                  resolvedBy: string('"auto" (the platform cleared it), or the id of the user who resolved it or whose retry cleared it'),
                },
                { required: stepErrorRequired },
              ),
            ),
            nextPageURL,
          },
          { required: ['resolved'] },
        ),
      },
      400: error("malformed request (a page cursor that is not the platform's)", ['invalid_query_params']),
      404: notFound('flow or step'),
      ...common,
    },
  },
  retryOperation(
    'retry',
    're-run the records of errors by retryDataKey; a success resolves the error, a failure opens a new one (new errorId)',
  ),
  retryOperation('retry_with_exponential_decay', 'as retry, with growing delays between attempts'),
  {
    ...flowsSection('Get static filter enum metadata for errors'),
    method: 'GET',
    path: '/v1/errors/filterMetadata',
    summary: 'the static enums of error source (24) and classification (10)',
    pagination: { style: 'none' },
    responses: {
      200: {
        description: 'the filters',
        body: object(
          {
            filters: arrayOf(
              object({ name: oneOf(['source', 'classification']), enums: arrayOf(string()) }, { required: ['name', 'enums'] }),
            ),
          },
          { required: ['filters'] },
        ),
      },
      ...common,
    },
  },
];

export const celigo: PlatformContract = {
  name: 'Celigo integrator.io',
  operations: [...flowOperations, ...syncOperations],
  errorEnvelope: errors([]),
};
