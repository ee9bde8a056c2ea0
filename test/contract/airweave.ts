// Airweave: the two job listings syncwatch polls, distilled from the source-connection jobs page
// (001) and the organisation-wide sync jobs page (002). The pages are prose, not OpenAPI; their
// facts are written out here. Errors are FastAPI's `{"detail": …}` — the pages show no error body
// (001 lists none at all), so those responses are marked `inferred`.

import {
  arrayOf,
  boolean,
  dateTime,
  integer,
  nullable,
  number,
  object,
  oneOf,
  record,
  string,
  uuid,
  type Operation,
  type PlatformContract,
  type Response,
  type Schema,
} from './schema.ts';

/** Source-connection job statuses (001): upper case. */
export const SOURCE_CONNECTION_JOB_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLING', 'CANCELLED'] as const;
/** Organisation-wide sync job statuses (002): lower case, and different words. */
export const SYNC_JOB_STATUSES = ['created', 'pending', 'in_progress', 'completed', 'failed', 'cancelled'] as const;

/** 001: a job of one source connection. Every field is always present, null when it does not apply. */
export const sourceConnectionJob: Schema = record({
  id: uuid(),
  source_connection_id: uuid(),
  status: oneOf(SOURCE_CONNECTION_JOB_STATUSES),
  started_at: nullable(dateTime()),
  completed_at: nullable(dateTime('null while running')),
  duration_seconds: nullable(number('null while running')),
  entities_inserted: nullable(integer()),
  entities_updated: nullable(integer()),
  entities_deleted: nullable(integer()),
  entities_failed: nullable(integer('entities that failed to process')),
  error: nullable(string('why the job failed')),
  error_details: nullable(object({}, { open: true, description: 'a map of debugging context' })),
});

/**
 * 002: a job of the organisation. Timestamps, `error` and the e-mails are documented as strings;
 * the page's own example shows them null when unset. 002 has no `entities_failed`.
 */
export const syncJob: Schema = object(
  {
    id: uuid(),
    sync_id: uuid(),
    sync_name: string(),
    organization_id: uuid(),
    status: oneOf(SYNC_JOB_STATUSES),
    scheduled: boolean('started by its schedule (true) or by hand'),
    entities_inserted: integer(),
    entities_updated: integer(),
    entities_deleted: integer(),
    entities_kept: integer(),
    entities_skipped: integer(),
    entities_encountered: object({}, { open: true, description: 'entity counts by type' }),
    started_at: nullable(dateTime()),
    completed_at: nullable(dateTime()),
    failed_at: nullable(dateTime()),
    error: nullable(string()),
    created_at: dateTime(),
    modified_at: dateTime(),
    created_by_email: nullable(string()),
    modified_by_email: nullable(string()),
  },
  { required: ['id', 'sync_id', 'organization_id', 'status', 'scheduled'] },
);

/** FastAPI's error body: `{"detail": "…"}`. */
const detail = (description: string, inferred?: string): Response => ({
  description,
  body: record({ detail: string() }),
  ...(inferred === undefined ? {} : { inferred }),
});

/** FastAPI's request validation body: `{"detail": [{loc, msg, type}]}`. */
const validation: Response = {
  description: 'a path or query value that does not validate',
  body: record({ detail: arrayOf(record({ loc: arrayOf({ type: ['string', 'integer'] }), msg: string(), type: string() })) }),
  inferred: "FastAPI's request validation (the page lists no errors)",
};

const rateLimited: Response = { ...detail('rate limited', 'not in the pages'), headers: { 'Retry-After': 'whole seconds' } };

const operations: Operation[] = [
  {
    document: '001',
    section: 'List Sync Jobs',
    method: 'GET',
    path: '/source-connections/{source_connection_id}/jobs',
    summary: 'the jobs of one source connection, newest first, a bare array',
    auth: { header: 'x-api-key', credential: 'an Airweave API key' },
    query: { limit: { type: 'integer', description: 'how many jobs', minimum: 1, maximum: 1000, default: 100 } },
    pagination: { style: 'none', description: 'only the newest `limit` jobs' },
    responses: {
      200: { description: 'the jobs', body: arrayOf(sourceConnectionJob) },
      401: detail('no or a wrong API key', 'the page lists no errors'),
      404: detail('no such source connection', 'the page lists no errors'),
      422: validation,
      429: rateLimited,
    },
  },
  {
    document: '002',
    section: 'List All Sync Jobs',
    method: 'GET',
    path: '/v1/sync/jobs',
    summary: 'every job of the organisation, newest first, a bare array',
    // The page's example request authenticates with a bearer header, unlike 001.
    auth: { header: 'Authorization', scheme: 'Bearer', credential: 'an Airweave API key' },
    query: {
      skip: { type: 'integer', description: 'jobs to skip', minimum: 0, default: 0 },
      limit: { type: 'integer', description: 'jobs per page', minimum: 1, maximum: 100, default: 100 },
      status: { type: 'string[]', description: 'repeatable filter (?status=failed&status=in_progress)', enum: SYNC_JOB_STATUSES },
    },
    pagination: { style: 'offset', parameters: ['skip', 'limit'], description: 'walk until a page is shorter than limit' },
    responses: {
      200: { description: 'one page of jobs', body: arrayOf(syncJob) },
      400: detail('a bad status value, skip or limit'),
      401: detail('missing or invalid authentication'),
      429: rateLimited,
    },
  },
];

export const airweave: PlatformContract = {
  name: 'Airweave',
  operations,
  errorEnvelope: record({ detail: string() }),
};
