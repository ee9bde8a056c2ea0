// Neo: the integration sync-run history syncwatch polls, distilled from the Neo public API
// document (003). Every answer is a `{data, meta}` envelope; every error `{error, meta}`.

import {
  arrayOf,
  boolean,
  dateTime,
  integer,
  nullable,
  number,
  object,
  oneOf,
  string,
  uuid,
  type Operation,
  type PlatformContract,
  type Response,
  type Schema,
} from './schema.ts';

export const SYNC_RUN_STATUSES = ['RUNNING', 'SUCCESS', 'FAILURE', 'SKIPPED'] as const;

/** One per-resource problem inside an activity. */
const failure = object(
  { resource_label: string(), parent_label: nullable(string()), reason: string(), error_message: string() },
  { required: ['resource_label', 'parent_label', 'reason', 'error_message'] },
);

/** One activity of a run ("PSA Contacts"): synced_count of total_count candidates upserted, and its failures. */
const activity = object(
  { activity_label: string(), synced_count: integer(), total_count: integer(), failures: arrayOf(failure) },
  { required: ['activity_label', 'synced_count', 'total_count', 'failures'] },
);

const syncRunFields = {
  run_id: string(),
  temporal_run_id: nullable(string()),
  temporal_workflow_id: nullable(string()),
  status: oneOf(SYNC_RUN_STATUSES),
  started_at: nullable(dateTime()),
  finished_at: nullable(dateTime()),
  error: nullable(string()),
  dashboard_message: nullable(string()),
  activities: arrayOf(activity),
};
const syncRun = object(syncRunFields, { required: Object.keys(syncRunFields) });

const meta = object(
  {
    request_id: uuid(),
    timings_ms: { type: 'object', additionalProperties: number() },
    pagination: object({ next_cursor: nullable(string()), has_more: boolean() }, { required: ['next_cursor', 'has_more'] }),
    warnings: arrayOf(string()),
  },
  { required: ['request_id', 'timings_ms'] },
);

/** `{error: {code, message, details?}, meta: {request_id}}`; `codes` are the ones this response may carry. */
function envelope(codes: readonly string[]): Schema {
  return object(
    {
      error: object(
        {
          code: { ...string(), ...(codes.length > 0 ? { enum: [...codes] } : {}) },
          message: string(),
          details: object({}, { open: true }),
        },
        { required: ['code', 'message'] },
      ),
      meta: object({ request_id: { type: ['string', 'null'], format: 'uuid' } }),
    },
    { required: ['error', 'meta'] },
  );
}

const error = (description: string, codes: readonly string[], inferred?: string): Response => ({
  description,
  body: envelope(codes),
  ...(inferred === undefined ? {} : { inferred }),
});

const CODES_NOT_NAMED = 'the document names no code for this status';

const operations: Operation[] = [
  {
    document: '003',
    section: 'List integration sync runs',
    method: 'GET',
    path: '/public-api/integrations/{name}/sync-runs',
    summary: 'the sync runs of one integration of the tenant, newest first',
    auth: { header: 'Authorization', scheme: 'Bearer', credential: 'a neo_sk_<env>_<secret> API key (or an Entra ID token)' },
    query: {
      since: {
        type: 'string',
        description: 'ISO 8601 lower bound on run start; default 30 days before until (the window is at most 30 days)',
      },
      until: { type: 'string', description: 'ISO 8601 upper bound on run start; default now' },
      page_size: { type: 'integer', description: 'runs per page', minimum: 1, maximum: 200, default: 50 },
      cursor: { type: 'string', description: 'meta.pagination.next_cursor of the previous page' },
    },
    pagination: {
      style: 'cursor',
      field: 'meta.pagination.next_cursor',
      parameter: 'cursor',
      description: 'pass next_cursor back as cursor while has_more',
    },
    responses: {
      200: { description: 'one page of runs', body: object({ data: arrayOf(syncRun), meta }, { required: ['data', 'meta'] }) },
      400: error(
        'malformed since/until, a window over 30 days, a bad cursor',
        ['bad_request', 'window_too_large', 'invalid_cursor'],
        CODES_NOT_NAMED,
      ),
      401: error('missing or invalid credentials', ['unauthenticated', 'invalid_token'], CODES_NOT_NAMED),
      403: error('authenticated but not allowed', []),
      404: error('an unknown name, an integration the tenant has not connected, or one that does not sync', [
        'unknown_integration',
        'integration_not_connected',
        'integration_does_not_sync',
      ]),
      409: error('the resource is in a state that blocks this', []),
      422: error('request validation failed (page_size outside 1-200)', ['validation_error'], CODES_NOT_NAMED),
      429: { ...error('rate limited', ['rate_limited'], CODES_NOT_NAMED), headers: { 'Retry-After': 'seconds' } },
      500: error('internal error', ['server_error'], CODES_NOT_NAMED),
    },
  },
];

export const neo: PlatformContract = {
  name: 'Neo',
  operations,
  errorEnvelope: envelope([]),
};
