// Typed calls to the Airweave API, one method per endpoint this product uses (seeds 001, 002).
// Bare JSON arrays; FastAPI error bodies (`{"detail": …}`) come out of the shared HttpClient as a
// SyncwatchError with a kind.
import { z } from 'zod';
import { parseWire } from '../wire.ts';
import { SyncwatchError } from '../../errors.ts';
import type { HttpClient } from '../../http/client.ts';
import { airweaveSourceConnectionJob, airweaveSyncJob, type AirweaveSourceConnectionJob, type AirweaveSyncJob } from './wire.ts';

/** `GET /source-connections/{id}/jobs` takes `limit` 1–1000 (seed 001). */
export const MAX_SOURCE_CONNECTION_JOBS_LIMIT = 1000;
/** `GET /v1/sync/jobs` takes `limit` 1–100 (seed 002). */
export const MAX_SYNC_JOBS_PAGE_SIZE = 100;
/** A runaway listing (an API that ignores `skip`) stops here: 1,000 pages of 100 jobs. */
export const MAX_SYNC_JOBS_PAGES = 1000;

export class AirweaveClient {
  constructor(private readonly http: HttpClient) {}

  /** The newest jobs of one source connection, newest first (as the API orders them). */
  async sourceConnectionJobs(
    sourceConnectionId: string,
    options: { limit?: number; signal?: AbortSignal } = {},
  ): Promise<AirweaveSourceConnectionJob[]> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SOURCE_CONNECTION_JOBS_LIMIT) {
      throw new SyncwatchError('config', `limit must be 1–${MAX_SOURCE_CONNECTION_JOBS_LIMIT}, got ${limit}`);
    }
    const res = await this.http.request<unknown>({
      path: `/source-connections/${encodeURIComponent(sourceConnectionId)}/jobs`,
      endpoint: 'GET /source-connections/{id}/jobs',
      query: { limit },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return res.body === undefined ? [] : parseWire(z.array(airweaveSourceConnectionJob), res.body, 'source connection jobs');
  }

  /**
   * Every sync job of the organisation, page by page: `skip`/`limit` until a page comes back
   * shorter than `limit`. `statuses` is the repeatable `status` filter (lower-case values).
   */
  async *syncJobPages(
    options: { pageSize?: number; statuses?: readonly string[]; signal?: AbortSignal; maxPages?: number } = {},
  ): AsyncIterable<AirweaveSyncJob[]> {
    const limit = options.pageSize ?? MAX_SYNC_JOBS_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SYNC_JOBS_PAGE_SIZE) {
      throw new SyncwatchError('config', `page size must be 1–${MAX_SYNC_JOBS_PAGE_SIZE}, got ${limit}`);
    }
    const maxPages = options.maxPages ?? MAX_SYNC_JOBS_PAGES;
    for (let page = 0, skip = 0; ; page++) {
      if (page >= maxPages) throw new SyncwatchError('upstream', `GET /v1/sync/jobs: more than ${maxPages} pages, stopped`);
      const res = await this.http.request<unknown>({
        path: '/v1/sync/jobs',
        endpoint: 'GET /v1/sync/jobs',
        // Seed 002 documents this endpoint with `Authorization: Bearer <key>` (001: `x-api-key`).
        authAs: 'bearer',
        query: { skip, limit, ...(options.statuses && options.statuses.length > 0 ? { status: [...options.statuses] } : {}) },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const jobs = res.body === undefined ? [] : parseWire(z.array(airweaveSyncJob), res.body, 'sync jobs');
      if (jobs.length > 0) yield jobs;
      if (jobs.length < limit) return;
      skip += jobs.length;
    }
  }

  async listSyncJobs(options: { pageSize?: number; statuses?: readonly string[]; signal?: AbortSignal } = {}): Promise<AirweaveSyncJob[]> {
    const jobs: AirweaveSyncJob[] = [];
    for await (const page of this.syncJobPages(options)) jobs.push(...page);
    return jobs;
  }
}
