// Typed calls to Neo's public API (seed 003). Answers come in a `{data, meta}` envelope, errors in
// `{error: {code, message}, meta}` (the shared HttpClient turns those into a SyncwatchError with the
// code; 429 + Retry-After is waited out there too).
import { SyncwatchError } from '../../errors.ts';
import type { HttpClient } from '../../http/client.ts';
import { parseWire } from '../wire.ts';
import { neoSyncRunsPage, type NeoSyncRun } from './wire.ts';

/** `page_size` is 1–200 (seed 003). */
export const MAX_NEO_PAGE_SIZE = 200;
/** The API's longest `since`…`until` window. */
export const NEO_MAX_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;
/** A runaway cursor chain stops here. */
export const MAX_NEO_PAGES = 1000;

export interface SyncRunsQuery {
  /** ISO lower bound on run start time; the API defaults to 30 days before `until`. */
  since?: string;
  /** ISO upper bound on run start time; the API defaults to now. */
  until?: string;
  pageSize?: number;
  signal?: AbortSignal;
  maxPages?: number;
}

export class NeoClient {
  constructor(private readonly http: HttpClient) {}

  /** Sync runs of one integration, page by page, following `meta.pagination.next_cursor` while `has_more`. */
  async *syncRunPages(integration: string, query: SyncRunsQuery = {}): AsyncIterable<NeoSyncRun[]> {
    const pageSize = query.pageSize ?? MAX_NEO_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_NEO_PAGE_SIZE) {
      throw new SyncwatchError('config', `page_size must be 1–${MAX_NEO_PAGE_SIZE}, got ${pageSize}`);
    }
    const maxPages = query.maxPages ?? MAX_NEO_PAGES;
    const seen = new Set<string>();
    let cursor: string | undefined;
    const label = `GET /public-api/integrations/${integration}/sync-runs`;
    for (let page = 1; ; page++) {
      const res = await this.http.request<unknown>({
        path: `/public-api/integrations/${encodeURIComponent(integration)}/sync-runs`,
        endpoint: 'GET /public-api/integrations/{name}/sync-runs',
        query: { since: query.since, until: query.until, page_size: pageSize, cursor },
        ...(query.signal ? { signal: query.signal } : {}),
      });
      // A shape we do not expect: this integration's answer is unreadable (malformed), not the target down.
      const parsed = parseWire(neoSyncRunsPage, res.body, label);
      yield parsed.data;
      const pagination = parsed.meta.pagination;
      if (!pagination?.has_more) return;
      const next = pagination.next_cursor;
      if (!next) throw new SyncwatchError('upstream', `${label}: has_more without a next_cursor`, { unreadable: 'malformed' });
      if (seen.has(next))
        throw new SyncwatchError('upstream', `${label}: next_cursor repeats a page already read (loop)`, { unreadable: 'malformed' });
      if (page >= maxPages) throw new SyncwatchError('upstream', `${label}: more than ${maxPages} pages, stopped`);
      seen.add(next);
      cursor = next;
    }
  }

  async listSyncRuns(integration: string, query: SyncRunsQuery = {}): Promise<NeoSyncRun[]> {
    const runs: NeoSyncRun[] = [];
    for await (const page of this.syncRunPages(integration, query)) runs.push(...page);
    return runs;
  }
}
