// The simulated Neo public API (seed 003): the sync-runs route, its envelope, cursor pagination,
// errors and the 30-day window. The tenant it serves is ./world.ts.

import { compileRoute, type CompiledRoute, type Method, type Reply } from '../http.ts';
import { NEO_MAX_WINDOW_MS, type NeoWorld } from './world.ts';

// ---- the API ----

export interface NeoContext {
  world: NeoWorld;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  now: number;
  /** A fresh request id (uuid) for `meta.request_id`. */
  requestId: string;
}

export type NeoHandler = (ctx: NeoContext) => Reply;

/** `{error: {code, message}, meta: {request_id}}`. */
export function neoError(
  status: number,
  code: string,
  message: string,
  requestId: string | null,
  details?: Record<string, unknown>,
): Reply {
  return { status, body: { error: { code, message, ...(details === undefined ? {} : { details }) }, meta: { request_id: requestId } } };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^o:(\d+)$/.exec(text);
  return match === null ? undefined : Number(match[1]);
}

const listSyncRuns: NeoHandler = ({ world, params, query, now, requestId }) => {
  const name = params.name ?? '';
  const integration = world.getIntegration(name);
  if (integration === undefined) return neoError(404, 'unknown_integration', `Unknown integration: ${name}`, requestId);
  if (integration.state === 'not_connected')
    return neoError(404, 'integration_not_connected', `Integration ${name} is not connected for this tenant`, requestId);
  if (integration.state === 'does_not_sync')
    return neoError(404, 'integration_does_not_sync', `Integration ${name} does not run scheduled syncs`, requestId);

  const time = (key: 'since' | 'until'): number | undefined | 'invalid' => {
    const text = query.get(key);
    if (text === null) return undefined;
    return ISO.test(text) && !Number.isNaN(Date.parse(text)) ? Date.parse(text) : 'invalid';
  };
  const untilValue = time('until');
  const sinceValue = time('since');
  if (untilValue === 'invalid') return neoError(400, 'bad_request', 'until must be an ISO-8601 date-time', requestId);
  if (sinceValue === 'invalid') return neoError(400, 'bad_request', 'since must be an ISO-8601 date-time', requestId);
  const until = untilValue ?? now;
  const since = sinceValue ?? until - NEO_MAX_WINDOW_MS;
  if (since > until) return neoError(400, 'bad_request', 'since must not be after until', requestId);
  if (until - since > NEO_MAX_WINDOW_MS)
    return neoError(400, 'window_too_large', 'The since..until window may span at most 30 days', requestId);

  const sizeText = query.get('page_size') ?? '50';
  const pageSize = Number(sizeText);
  if (!/^\d+$/.test(sizeText) || pageSize < 1 || pageSize > 200) {
    return neoError(422, 'validation_error', 'page_size must be an integer from 1 to 200', requestId, { field: 'page_size' });
  }
  const cursor = query.get('cursor');
  const offset = cursor === null ? 0 : decodeCursor(cursor);
  if (offset === undefined) return neoError(400, 'invalid_cursor', 'The pagination cursor is not valid', requestId);

  const runs = world.runsBetween(integration, since, until);
  const page = runs.slice(offset, offset + pageSize);
  const hasMore = offset + pageSize < runs.length;
  return {
    status: 200,
    body: {
      data: page,
      meta: {
        request_id: requestId,
        timings_ms: { total: 3 },
        pagination: { next_cursor: hasMore ? encodeCursor(offset + pageSize) : null, has_more: hasMore },
      },
    },
  };
};

/** A served Neo operation and the statuses its handler can produce (401 and 429 come on top). */
export interface NeoRoute {
  method: Method;
  template: string;
  statuses: readonly number[];
}

const ROUTE_TABLE: Array<NeoRoute & { handler: NeoHandler }> = [
  { method: 'GET', template: '/public-api/integrations/{name}/sync-runs', statuses: [200, 400, 404, 422], handler: listSyncRuns },
];

export const NEO_ROUTES: readonly NeoRoute[] = ROUTE_TABLE.map(({ method, template, statuses }) => ({ method, template, statuses }));

export const COMPILED_NEO_ROUTES: ReadonlyArray<CompiledRoute<NeoHandler>> = ROUTE_TABLE.map((r) =>
  compileRoute(r.method, r.template, r.handler),
);

export function isNeoPath(pathname: string): boolean {
  return pathname.startsWith('/public-api/');
}
