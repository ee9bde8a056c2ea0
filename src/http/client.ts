import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Logger } from 'pino';
import { SyncwatchError } from '../errors.ts';
import { fullJitterBackoffMs, parseRetryAfterMs } from './backoff.ts';
import { realClock } from './clock.ts';
import { endpointName } from './endpoint.ts';
import { findNextLink } from './link-header.ts';
import { TokenBucket } from './rate-limit.ts';
import { extractErrorInfo, fallbackMessage, kindForStatus, truncate } from './upstream-error.ts';
import type {
  Auth,
  BodyPagination,
  Clock,
  HttpClientOptions,
  HttpResponse,
  PaginateOptions,
  RateLimiter,
  RequestOptions,
} from './types.ts';
import { isRecord, parseJson } from '../json.ts';

export const HTTP_DEFAULTS = {
  requestsPerSecond: 50,
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 15_000,
  bodyTimeoutMs: 30_000,
  /** The whole answer, headers and body, must arrive within this: a body that trickles forever ends here. */
  responseTimeoutMs: 60_000,
  maxRetries: 4,
  backoffBaseMs: 250,
  backoffMaxMs: 10_000,
  maxRetryAfterSeconds: 60,
  maxResponseBytes: 10 * 1024 * 1024,
  connections: 16,
  maxPages: 1_000,
} as const;

type Method = NonNullable<RequestOptions['method']>;

/** One complete HTTP answer, body read (within the size cap) but not parsed. */
interface Exchange {
  status: number;
  headers: Record<string, string>;
  text: string;
}

interface TransportFailure {
  reason: string;
  /** True when the request cannot have reached the server (so even a POST may be re-sent). */
  neverSent: boolean;
  /** A request that reached the server whose answer broke off or never came. */
  unreadable?: 'truncated' | 'timeout';
}

/**
 * The shared client for one target: one connection pool, auth, rate limit, retries, size caps,
 * pagination. Every failure comes out as a SyncwatchError whose message names the method and
 * path but never a credential or a query string.
 */
/** The part of a URL a request needs: the origin is the pool's. */
type RequestTarget = Pick<URL, 'pathname' | 'search'>;

/** A path that is already valid as it stands: `/`-rooted, unreserved and encoded characters, no dot segments. */
const SIMPLE_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-._~%!$&'()*+,;=:@]*)+$/;

export class HttpClient {
  readonly target: string;
  private readonly origin: string;
  /** baseUrl's path without a trailing slash ('' for a bare origin). */
  private readonly basePath: string;
  private readonly pool: Pool;
  private readonly staticHeaders: Record<string, string>;
  private readonly auth: Auth;
  /** Credential strings scrubbed from any message we build from upstream text. */
  private readonly secrets: string[];
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private readonly random: () => number;
  private readonly logger: Logger | undefined;
  private readonly onResponse: HttpClientOptions['onResponse'];
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxResponseBytes: number;
  private readonly headersTimeoutMs: number;
  private readonly bodyTimeoutMs: number;
  private readonly responseTimeoutMs: number;

  constructor(options: HttpClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new SyncwatchError('config', `target ${options.target}: baseUrl is not a URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new SyncwatchError('config', `target ${options.target}: baseUrl must be http or https`);
    }
    this.target = options.target;
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');

    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger?.child({ component: 'http', target: options.target });
    this.onResponse = options.onResponse;
    this.maxRetries = Math.max(0, options.maxRetries ?? HTTP_DEFAULTS.maxRetries);
    this.backoffBaseMs = options.backoffBaseMs ?? HTTP_DEFAULTS.backoffBaseMs;
    this.backoffMaxMs = options.backoffMaxMs ?? HTTP_DEFAULTS.backoffMaxMs;
    this.maxRetryAfterMs = (options.maxRetryAfterSeconds ?? HTTP_DEFAULTS.maxRetryAfterSeconds) * 1000;
    this.maxResponseBytes = options.maxResponseBytes ?? HTTP_DEFAULTS.maxResponseBytes;
    this.headersTimeoutMs = options.headersTimeoutMs ?? HTTP_DEFAULTS.headersTimeoutMs;
    this.bodyTimeoutMs = options.bodyTimeoutMs ?? HTTP_DEFAULTS.bodyTimeoutMs;
    this.responseTimeoutMs = options.responseTimeoutMs ?? HTTP_DEFAULTS.responseTimeoutMs;

    const requestsPerSecond = options.requestsPerSecond ?? HTTP_DEFAULTS.requestsPerSecond;
    this.rateLimiter =
      options.rateLimiter ?? new TokenBucket({ requestsPerSecond, burst: options.burst ?? requestsPerSecond, clock: this.clock });

    this.staticHeaders = { accept: 'application/json', 'user-agent': 'syncwatch' };
    this.secrets = [];
    const auth = (this.auth = options.auth);
    if (auth.type === 'bearer') {
      this.staticHeaders.authorization = `Bearer ${auth.token}`;
      this.secrets.push(auth.token);
    } else if (auth.type === 'header') {
      this.staticHeaders[auth.header.toLowerCase()] = auth.value;
      this.secrets.push(auth.value);
    }

    this.pool = new Pool(this.origin, {
      connections: options.connections ?? HTTP_DEFAULTS.connections,
      connect: { timeout: options.connectTimeoutMs ?? HTTP_DEFAULTS.connectTimeoutMs },
      headersTimeout: this.headersTimeoutMs,
      bodyTimeout: this.bodyTimeoutMs,
    });
  }

  /**
   * Sends one request, retrying what is safe to retry, and returns a 2xx answer with its JSON body.
   *
   * Retry rules. GET/PUT/DELETE (idempotent) are retried on 5xx, network errors and timeouts.
   * POST/PATCH are retried only when the server cannot have acted on them: a 429 (refused before
   * processing) or a connection that was never established (refused, DNS, connect timeout). After a
   * 5xx, a reset or a timeout the server may already have done the work — re-posting a retry
   * submission or a run could do it twice — so the error goes back to the caller, who decides.
   */
  async request<T = unknown>(opts: RequestOptions): Promise<HttpResponse<T>> {
    const method: Method = opts.method ?? 'GET';
    const url = this.requestTarget(opts.path, opts.query);
    const endpoint = opts.endpoint ?? endpointName(method, this.pathWithinBase(url));
    const label = `${method} ${url.pathname}`; // no query string: its values may be secrets
    const idempotent = method === 'GET' || method === 'PUT' || method === 'DELETE';
    const headers: Record<string, string> = { ...this.staticHeaders };
    if (opts.authAs === 'bearer' && this.auth.type === 'header') {
      delete headers[this.auth.header.toLowerCase()];
      headers.authorization = `Bearer ${this.auth.value}`;
    }
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }

    for (let attempt = 0; ; attempt++) {
      const retriesLeft = attempt < this.maxRetries;
      await this.rateLimiter.acquire(opts.signal);
      const startedAt = performance.now();

      let exchange: Exchange;
      try {
        exchange = await this.exchange(url, method, headers, payload, label, opts.signal);
      } catch (error) {
        this.report(endpoint, 'error', startedAt);
        if (opts.signal?.aborted) throw opts.signal.reason;
        if (error instanceof SyncwatchError) throw error; // oversized: the same again next time
        const failure = describeTransportError(error, this.headersTimeoutMs, this.bodyTimeoutMs);
        if (retriesLeft && (idempotent || failure.neverSent)) {
          await this.backoff(attempt, endpoint, { error: failure.reason }, opts.signal);
          continue;
        }
        this.giveUp(endpoint, attempt, failure.reason);
        throw new SyncwatchError('upstream', `${label} failed: ${failure.reason}${attemptsSuffix(attempt)}`, {
          // The connection was made and the request sent: this one answer is unreadable (cut short,
          // or too slow); whether the target as a whole is down is for its other answers to tell.
          ...(failure.unreadable ? { unreadable: failure.unreadable } : {}),
          ...(error instanceof BodyCutShort ? { status: error.status } : {}),
          cause: error,
        });
      }

      const { status } = exchange;
      this.report(endpoint, status, startedAt);

      if (status >= 200 && status < 300) return this.success<T>(exchange, label);

      if (status === 429) {
        const waitMs = parseRetryAfterMs(exchange.headers['retry-after'], this.clock.now());
        const retryAfterSeconds = waitMs === undefined ? undefined : Math.ceil(waitMs / 1000);
        const tooLong = waitMs !== undefined && waitMs > this.maxRetryAfterMs;
        if (retriesLeft && !tooLong) {
          if (waitMs === undefined) await this.backoff(attempt, endpoint, { status }, opts.signal);
          else await this.wait(waitMs, attempt, endpoint, { status, retryAfterSeconds }, opts.signal);
          continue;
        }
        this.giveUp(endpoint, attempt, 'rate limited');
        throw this.httpError(exchange, label, attempt, retryAfterSeconds);
      }

      if (status >= 500 && idempotent && retriesLeft) {
        // A 503 may say when to come back; honour it when reasonable, else back off.
        const waitMs = parseRetryAfterMs(exchange.headers['retry-after'], this.clock.now());
        if (waitMs !== undefined && waitMs <= this.maxRetryAfterMs) {
          await this.wait(waitMs, attempt, endpoint, { status }, opts.signal);
        } else {
          await this.backoff(attempt, endpoint, { status }, opts.signal);
        }
        continue;
      }

      if (status >= 500) this.giveUp(endpoint, attempt, `status ${status}`);
      throw this.httpError(exchange, label, attempt);
    }
  }

  /**
   * Pages of a Link-header paginated list (Celigo style): each body is a JSON array, the next page
   * is the `Link: <url>; rel="next"` of the previous one, a 204 means "no items".
   */
  paginateLink<T>(opts: PaginateOptions): AsyncIterable<T[]> {
    return this.follow<T>(opts, (response, label) => {
      if (!Array.isArray(response.body)) {
        throw new SyncwatchError('upstream', `${label} → ${response.status}: expected a JSON array`, {
          status: response.status,
        });
      }
      return { items: response.body as T[], next: findNextLink(response.headers.link) };
    });
  }

  /**
   * Pages of a body-paginated list: `{ [items]: T[], [next]: url }` (Celigo flow-step errors use
   * `errors` + `nextPageURL`). The next URL may be absolute (same origin only) or relative.
   */
  paginateBody<T>(opts: PaginateOptions, pagination: BodyPagination): AsyncIterable<T[]> {
    const stripPrefix = (pagination.stripPathPrefix ?? '/api').replace(/\/+$/, '');
    return this.follow<T>(
      opts,
      (response, label) => {
        const body = response.body;
        const items = isRecord(body) ? body[pagination.items] : undefined;
        if (!Array.isArray(items)) {
          throw new SyncwatchError(
            'upstream',
            `${label} → ${response.status}: expected a JSON object with an array "${pagination.items}"`,
            { status: response.status },
          );
        }
        const next = isRecord(body) ? body[pagination.next] : undefined;
        if (next !== undefined && next !== null && typeof next !== 'string') {
          throw new SyncwatchError('upstream', `${label} → ${response.status}: "${pagination.next}" is not a URL`, {
            status: response.status,
          });
        }
        return { items: items as T[], next: next || undefined };
      },
      (next, current) => {
        const url = new URL(next, current);
        const relative = !/^[a-z][a-z0-9+.-]*:/i.test(next);
        if (
          relative &&
          stripPrefix &&
          url.pathname.startsWith(`${stripPrefix}/`) &&
          !this.basePath.startsWith(`${stripPrefix}/`) &&
          this.basePath !== stripPrefix
        ) {
          url.pathname = url.pathname.slice(stripPrefix.length);
        }
        return url;
      },
    );
  }

  /** Closes the connection pool; waits for requests in flight. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private async *follow<T>(
    opts: PaginateOptions,
    readPage: (response: HttpResponse<unknown>, label: string) => { items: T[]; next: string | undefined },
    resolveNext: (next: string, current: URL) => URL = (next, current) => new URL(next, current),
  ): AsyncGenerator<T[], void, undefined> {
    const method: Method = opts.method ?? 'GET';
    const maxPages = opts.maxPages ?? HTTP_DEFAULTS.maxPages;
    let current = this.resolveUrl(opts.path, opts.query);
    const endpoint = opts.endpoint ?? endpointName(method, this.pathWithinBase(current));
    const visited = new Set<string>([current.href]);

    const requestPage = (url: URL) => {
      const requestOptions: RequestOptions = { method, path: url.href, endpoint };
      if (opts.signal) requestOptions.signal = opts.signal;
      if (opts.body !== undefined) requestOptions.body = opts.body;
      return this.request<unknown>(requestOptions);
    };
    let prefetched: Promise<HttpResponse<unknown>> | undefined;
    for (let page = 1; ; page++) {
      const label = `${method} ${current.pathname}`;
      const response = await (prefetched ?? requestPage(current));
      prefetched = undefined;
      if (response.status === 204 || response.body === undefined) return;

      const { items, next } = readPage(response, label);
      let nextUrl: URL | undefined;
      if (next !== undefined) {
        try {
          nextUrl = resolveNext(next, current);
        } catch {
          throw new SyncwatchError('upstream', `${label}: next-page link is not a valid URL`);
        }
        // Checked before handing out the page: a broken chain fails the listing as a whole.
        if (nextUrl.origin !== this.origin) {
          throw new SyncwatchError('upstream', `${label}: refusing to follow a next-page link to another origin (${nextUrl.origin})`);
        }
        if (visited.has(nextUrl.href)) {
          throw new SyncwatchError('upstream', `${label}: next-page link points back to a page already read (loop)`);
        }
        if (page >= maxPages) {
          throw new SyncwatchError('upstream', `${label}: more than ${maxPages} pages, stopped`);
        }
        visited.add(nextUrl.href);
        if (opts.prefetch) {
          // The next page is asked for while the caller reads this one; a caller that stops early
          // leaves it unread (its failure, if any, is nobody's).
          prefetched = requestPage(nextUrl);
          prefetched.catch(() => {});
        }
      }
      yield items;
      if (nextUrl === undefined) return;
      current = nextUrl;
    }
  }

  /** One round trip: send, then read the body within the size cap. Throws transport errors as is. */
  private async exchange(
    url: RequestTarget,
    method: Method,
    headers: Record<string, string>,
    payload: string | undefined,
    label: string,
    signal: AbortSignal | undefined,
  ): Promise<Exchange> {
    // headersTimeout bounds the wait for the answer and bodyTimeout the silence between two chunks;
    // the deadline below bounds a body that trickles forever. It is checked per chunk rather than
    // with a timer, so a request costs no timer and no extra AbortSignal.
    const deadline = performance.now() + this.responseTimeoutMs;
    const response = await this.pool.request({
      path: url.pathname + url.search,
      method,
      headers,
      body: payload ?? null,
      ...(signal ? { signal } : {}),
      headersTimeout: this.headersTimeoutMs,
      bodyTimeout: this.bodyTimeoutMs,
    });
    const responseHeaders = flattenHeaders(response.headers);
    const announced = Number(responseHeaders['content-length']);
    if (Number.isFinite(announced) && announced > this.maxResponseBytes) {
      response.body.on('error', () => {}); // destroying it reports an AbortError nobody waits for
      response.body.destroy();
      throw this.tooLarge(label, response.statusCode);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // Leaving the loop by throwing destroys the stream, which drops the connection.
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxResponseBytes) throw this.tooLarge(label, response.statusCode);
        if (performance.now() > deadline) {
          throw new SyncwatchError('upstream', `${label}: response not complete within ${this.responseTimeoutMs} ms`, {
            status: response.statusCode,
            unreadable: 'timeout',
          });
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof SyncwatchError) throw error;
      throw new BodyCutShort(response.statusCode, error);
    }
    return {
      status: response.statusCode,
      headers: responseHeaders,
      text: chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'),
    };
  }

  private tooLarge(label: string, status: number): SyncwatchError {
    return new SyncwatchError('upstream', `${label} → ${status}: response larger than ${this.maxResponseBytes} bytes`, {
      status,
      unreadable: 'oversized',
    });
  }

  private success<T>(exchange: Exchange, label: string): HttpResponse<T> {
    const { status, headers, text } = exchange;
    if (status === 204 || status === 205 || !/\S/.test(text)) return { status, headers, body: undefined };
    try {
      return { status, headers, body: JSON.parse(text) as T };
    } catch (error) {
      throw new SyncwatchError('upstream', `${label} → ${status}: response is not valid JSON`, {
        status,
        unreadable: 'malformed',
        cause: error,
      });
    }
  }

  private httpError(exchange: Exchange, label: string, attempt: number, retryAfterSeconds?: number): SyncwatchError {
    const { status, text } = exchange;
    const info = extractErrorInfo(parseJson(text));
    const message = info.message ?? fallbackMessage(status, text);
    const codeNote = info.code && !message.includes(info.code) ? ` (${info.code})` : '';
    const retryNote = status === 429 || status >= 500 ? attemptsSuffix(attempt) : '';
    const kind = status >= 300 && status < 400 ? 'upstream' : kindForStatus(status);
    const details: { status: number; code?: string; retryAfterSeconds?: number } = { status };
    if (info.code) details.code = this.scrub(info.code);
    if (retryAfterSeconds !== undefined) details.retryAfterSeconds = retryAfterSeconds;
    return new SyncwatchError(kind, this.scrub(truncate(`${label} → ${status} ${message}${codeNote}${retryNote}`)), details);
  }

  private async backoff(attempt: number, endpoint: string, why: Record<string, unknown>, signal: AbortSignal | undefined): Promise<void> {
    const delayMs = fullJitterBackoffMs(attempt, this.backoffBaseMs, this.backoffMaxMs, this.random);
    await this.wait(delayMs, attempt, endpoint, why, signal);
  }

  private async wait(
    delayMs: number,
    attempt: number,
    endpoint: string,
    why: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    this.logger?.debug({ endpoint, retry: attempt + 1, maxRetries: this.maxRetries, delayMs, ...why }, 'retrying request');
    await this.clock.sleep(delayMs, signal);
  }

  private giveUp(endpoint: string, attempt: number, reason: string): void {
    this.logger?.warn({ endpoint, attempts: attempt + 1, reason }, 'request failed');
  }

  private report(endpoint: string, status: number | 'error', startedAt: number): void {
    if (!this.onResponse) return;
    try {
      this.onResponse({ endpoint, status, durationMs: performance.now() - startedAt });
    } catch (error) {
      // A broken metrics hook must not fail the request it measures.
      this.logger?.error({ err: error, endpoint }, 'onResponse hook threw');
    }
  }

  /**
   * Where a request goes. A plain relative path without a query — nearly every request — needs
   * no URL object: it is already a valid path (ids are encoded by the callers) under baseUrl.
   */
  private requestTarget(path: string, query: RequestOptions['query']): RequestTarget {
    if (query === undefined && SIMPLE_PATH.test(path)) return { pathname: this.basePath + path, search: '' };
    return this.resolveUrl(path, query);
  }

  /** An absolute URL on our origin, or a path under baseUrl, plus `query`. */
  private resolveUrl(path: string, query: RequestOptions['query']): URL {
    let url: URL;
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
      url = new URL(path);
      if (url.origin !== this.origin) {
        throw new SyncwatchError('upstream', `refusing to send a request for ${this.target} to another origin (${url.origin})`);
      }
    } else {
      url = new URL(this.basePath + (path.startsWith('/') ? path : `/${path}`), this.origin);
    }
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item));
    }
    return url;
  }

  /** The path as the API documents it: without baseUrl's own path prefix. */
  private pathWithinBase(url: RequestTarget): string {
    const path = url.pathname;
    if (this.basePath && (path === this.basePath || path.startsWith(`${this.basePath}/`))) {
      return path.slice(this.basePath.length) || '/';
    }
    return path;
  }

  /** Upstreams sometimes echo what they were sent; a credential never leaves in a message. */
  private scrub(text: string): string {
    let result = text;
    for (const secret of this.secrets) {
      if (secret.length >= 4) result = result.split(secret).join('[redacted]');
    }
    return result;
  }
}

/** The status line and headers arrived, then the body broke off (connection closed or reset). */
class BodyCutShort extends Error {
  constructor(
    readonly status: number,
    cause: unknown,
  ) {
    super('response body cut short', { cause });
  }
}

function describeTransportError(error: unknown, headersTimeoutMs: number, bodyTimeoutMs: number): TransportFailure {
  const code = errorCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'connection refused', neverSent: true };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: 'host name not resolved', neverSent: true };
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { reason: 'connect timeout', neverSent: true };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { reason: `no response headers within ${headersTimeoutMs} ms`, neverSent: false, unreadable: 'timeout' };
    case 'UND_ERR_BODY_TIMEOUT':
      return { reason: `response body stalled for ${bodyTimeoutMs} ms`, neverSent: false, unreadable: 'timeout' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: 'connection reset', neverSent: false, unreadable: 'truncated' };
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { reason: 'socket closed', neverSent: false, unreadable: 'truncated' };
    default:
      // Only the code or class name: undici messages are harmless, but other layers may quote URLs.
      return { reason: code ?? (error instanceof Error ? error.name : 'network error'), neverSent: false };
  }
}

/** The errno / undici code, looking through `cause` and happy-eyeballs AggregateErrors. */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (!isRecord(error) || depth > 4) return undefined;
  if (typeof error.code === 'string') return error.code;
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors) {
      const code = errorCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return errorCode(error.cause, depth + 1);
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function attemptsSuffix(attempt: number): string {
  return attempt > 0 ? ` (after ${attempt + 1} attempts)` : '';
}
