// The contract of the shared HTTP client (src/http/client.ts implements it). Providers depend on
// this shape only.

import type { Logger } from 'pino';

export type Auth =
  | { type: 'bearer'; token: string }
  | { type: 'header'; header: string; value: string } // e.g. Airweave's x-api-key
  | { type: 'none' };

export interface HttpClientOptions {
  /** Used in metrics/log labels: the target's name. */
  target: string;
  baseUrl: string;
  auth: Auth;
  /** Per-target request-rate limit (token bucket); default 50/s. */
  requestsPerSecond?: number;
  /** Burst of the rate limiter; default = requestsPerSecond. */
  burst?: number;
  connectTimeoutMs?: number; // default 5_000
  headersTimeoutMs?: number; // default 15_000
  bodyTimeoutMs?: number; // default 30_000
  /** The whole answer (headers and body) within this; default 60_000. */
  responseTimeoutMs?: number;
  /** Retries for network errors, 5xx and 429; default 4. */
  maxRetries?: number;
  /** Backoff: base and cap in ms (full jitter); defaults 250 and 10_000. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest Retry-After we honour by waiting, in seconds; longer gives a rate-limited error at once. Default 60. */
  maxRetryAfterSeconds?: number;
  /** Responses larger than this are refused as an upstream error; default 10 MiB. */
  maxResponseBytes?: number;
  /** Connections in the pool of this target; default 16. */
  connections?: number;
  /** Replaces the in-process token bucket (e.g. a Redis bucket shared by replicas). */
  rateLimiter?: RateLimiter;
  /** Time source; tests pass one that records sleeps instead of waiting. */
  clock?: Clock;
  /** Retries and give-ups are logged here (never headers or tokens). */
  logger?: Logger;
  /** Jitter source in [0, 1) for backoff; default Math.random. Tests pin it. */
  random?: () => number;
  /** Called once per HTTP exchange (including each retry) — the metrics hook. */
  onResponse?: (info: { endpoint: string; status: number | 'error'; durationMs: number }) => void;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to baseUrl (may include a query string), or an absolute URL on the same origin (next-page links). */
  path: string;
  query?: Record<string, string | number | boolean | undefined | Array<string | number>>;
  body?: unknown;
  /** Low-cardinality name for metrics, e.g. `GET /v1/flows/{id}/errors`. Defaults to method + path without ids. */
  endpoint?: string;
  signal?: AbortSignal;
  /**
   * Send a `header` credential as `Authorization: Bearer` on this request instead: an API that
   * documents another scheme for some endpoints (Airweave's organisation-wide jobs, seed 002).
   */
  authAs?: 'bearer';
}

export interface PaginateOptions extends RequestOptions {
  /** Refuse (upstream error) to read more pages than this; default 1_000. */
  maxPages?: number;
  /**
   * Ask for the next page as soon as its link is known, while the caller reads the current one (for
   * a caller that reads every page: one that stops early leaves one request wasted).
   */
  prefetch?: boolean;
}

export interface BodyPagination {
  /** Field of the body holding the page's items, e.g. `errors`. */
  items: string;
  /** Field holding the next page's URL (absolute or relative), e.g. `nextPageURL`; absent, null or '' ends. */
  next: string;
  /**
   * Path prefix to drop from a relative next URL when baseUrl's path does not have it. Celigo may
   * hand out `/api/v1/…` links that the public API serves as `/v1/…`; default `/api`, `''` disables.
   */
  stripPathPrefix?: string;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON; `undefined` for 204 or an empty body. */
  body: T | undefined;
}

export interface RateLimiter {
  /** Resolves when one request may be sent. */
  acquire(signal?: AbortSignal): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
