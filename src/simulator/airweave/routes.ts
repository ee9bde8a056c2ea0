// The simulated Airweave API (seeds 001 and 002): its routes, each with its own auth scheme, and
// FastAPI-style errors. The organisation they serve is ./world.ts.

import { compileRoute, type CompiledRoute, type Method, type Reply } from '../http.ts';
import type { AirweaveWorld } from './world.ts';

// ---- the API ----

export interface AirweaveContext {
  world: AirweaveWorld;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
}

export type AirweaveHandler = (ctx: AirweaveContext) => Reply;

/** FastAPI's `{"detail": "…"}`. */
export function airweaveError(status: number, detail: string): Reply {
  return { status, body: { detail } };
}

/** FastAPI's request-validation answer (422). */
function validationError(loc: string[], msg: string, type: string): Reply {
  return { status: 422, body: { detail: [{ loc, msg, type }] } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^-?\d+$/;
export const AIRWEAVE_SYNC_JOB_STATUSES = ['created', 'pending', 'in_progress', 'completed', 'failed', 'cancelled'] as const;

const sourceConnectionJobs: AirweaveHandler = ({ world, params, query }) => {
  const id = params.source_connection_id ?? '';
  if (!UUID.test(id)) return validationError(['path', 'source_connection_id'], 'Input should be a valid UUID', 'uuid_parsing');
  const limitText = query.get('limit') ?? '100';
  const limit = Number(limitText);
  if (!INTEGER.test(limitText) || limit < 1 || limit > 1000) {
    return validationError(['query', 'limit'], 'Input should be an integer between 1 and 1000', 'less_than_equal');
  }
  const sync = world.syncOfSourceConnection(id);
  if (sync === undefined) return airweaveError(404, `Source connection ${id} not found`);
  return {
    status: 200,
    body: world
      .jobsOf(sync)
      .slice(0, limit)
      .map((job) => world.sourceConnectionJob(job)),
  };
};

const listSyncJobs: AirweaveHandler = ({ world, query }) => {
  const skipText = query.get('skip') ?? '0';
  const limitText = query.get('limit') ?? '100';
  const skip = Number(skipText);
  const limit = Number(limitText);
  if (!INTEGER.test(skipText) || skip < 0) return airweaveError(400, 'skip must be a non-negative integer');
  if (!INTEGER.test(limitText) || limit < 1 || limit > 100) return airweaveError(400, 'limit must be an integer between 1 and 100');
  const statuses = query.getAll('status');
  const invalid = statuses.find((s) => !(AIRWEAVE_SYNC_JOB_STATUSES as readonly string[]).includes(s));
  if (invalid !== undefined)
    return airweaveError(400, `Invalid status value: ${invalid}. Valid values: ${AIRWEAVE_SYNC_JOB_STATUSES.join(', ')}`);
  let jobs = world.allJobs().map((job) => world.syncJob(job));
  if (statuses.length > 0) jobs = jobs.filter((j) => statuses.includes(j.status));
  return { status: 200, body: jobs.slice(skip, skip + limit) };
};

/** A served Airweave operation and the statuses its handler can produce (401 and 429 come on top). */
export interface AirweaveRoute {
  method: Method;
  template: string;
  statuses: readonly number[];
}

/** How a request presents the API key: the `x-api-key` header (seed 001) or `Authorization: Bearer` (seed 002). */
export type AirweaveAuthScheme = 'x-api-key' | 'bearer';

const ROUTE_TABLE: Array<AirweaveRoute & { handler: AirweaveHandler; auth: AirweaveAuthScheme }> = [
  {
    method: 'GET',
    template: '/source-connections/{source_connection_id}/jobs',
    statuses: [200, 404, 422],
    handler: sourceConnectionJobs,
    auth: 'x-api-key',
  },
  { method: 'GET', template: '/v1/sync/jobs', statuses: [200, 400], handler: listSyncJobs, auth: 'bearer' },
];

/** The scheme an endpoint (by template) documents; undefined for a path no route serves (either is taken). */
export function airweaveAuthScheme(template: string | undefined): AirweaveAuthScheme | undefined {
  return ROUTE_TABLE.find((r) => r.template === template)?.auth;
}

export const AIRWEAVE_ROUTES: readonly AirweaveRoute[] = ROUTE_TABLE.map(({ method, template, statuses }) => ({
  method,
  template,
  statuses,
}));

export const COMPILED_AIRWEAVE_ROUTES: ReadonlyArray<CompiledRoute<AirweaveHandler>> = ROUTE_TABLE.map((r) =>
  compileRoute(r.method, r.template, r.handler),
);

/** Paths the Airweave part of the simulator answers (everything else belongs to Celigo or Neo). */
export function isAirweavePath(pathname: string): boolean {
  return pathname.startsWith('/source-connections/') || pathname === '/v1/sync/jobs' || pathname.startsWith('/v1/sync/');
}
