import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/http/index.ts';
import type { HttpClientOptions } from '../../src/http/index.ts';
import { SyncwatchError } from '../../src/errors.ts';
import { closedPort, RecordingClock, sendJson, startServer, type TestServer } from './fixtures.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(handler);
  cleanups.push(() => server.close());
  return server;
}

function client(baseUrl: string, clock: RecordingClock, options: Partial<HttpClientOptions> = {}): HttpClient {
  const http = new HttpClient({ target: 'test', baseUrl, auth: { type: 'bearer', token: 'tok-secret-123' }, clock, ...options });
  cleanups.push(() => http.close());
  return http;
}

async function failure(promise: Promise<unknown>): Promise<SyncwatchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncwatchError);
  return error as SyncwatchError;
}

const rateLimitedBody = { errors: [{ code: 'rate_limited', message: 'Too many requests' }] };

describe('429 and Retry-After', () => {
  it('waits Retry-After seconds, then succeeds', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res, hit) => {
      if (hit === 1) sendJson(res, 429, rateLimitedBody, { 'retry-after': '2' });
      else sendJson(res, 200, [{ _id: 'a' }]);
    });
    const response = await client(server.origin, clock).request({ path: '/v1/flows' });
    expect(response.body).toEqual([{ _id: 'a' }]);
    expect(clock.sleeps).toEqual([2000]);
    expect(server.received).toHaveLength(2);
  });

  it('understands an HTTP-date Retry-After, measured against the clock', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res, hit) => {
      if (hit === 1) sendJson(res, 429, rateLimitedBody, { 'retry-after': new Date(clock.now() + 7000).toUTCString() });
      else sendJson(res, 200, { ok: true });
    });
    await client(server.origin, clock).request({ path: '/v1/flows' });
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(6000);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(7000);
  });

  it('gives a rate-limited error at once when Retry-After exceeds the cap', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res) => sendJson(res, 429, rateLimitedBody, { 'retry-after': '120' }));
    const error = await failure(client(server.origin, clock, { maxRetryAfterSeconds: 60 }).request({ path: '/v1/flows' }));
    expect(error.kind).toBe('rate-limited');
    expect(error.retryAfterSeconds).toBe(120);
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limited');
    expect(clock.sleeps).toEqual([]);
    expect(server.received).toHaveLength(1);
  });

  it('gives a rate-limited error when 429s outlast maxRetries', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res) => sendJson(res, 429, rateLimitedBody, { 'retry-after': '1' }));
    const error = await failure(client(server.origin, clock, { maxRetries: 2 }).request({ path: '/v1/flows' }));
    expect(error.kind).toBe('rate-limited');
    expect(error.retryAfterSeconds).toBe(1);
    expect(server.received).toHaveLength(3);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it('backs off exponentially when a 429 has no Retry-After', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res, hit) => (hit <= 2 ? sendJson(res, 429, rateLimitedBody) : sendJson(res, 200, {})));
    await client(server.origin, clock, { random: () => 1, backoffBaseMs: 100 }).request({ path: '/v1/flows' });
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('retries a POST after a 429 (the server refused it before doing anything)', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res, hit) =>
      hit === 1 ? sendJson(res, 429, rateLimitedBody, { 'retry-after': '1' }) : sendJson(res, 200, { _jobId: 'j1' }),
    );
    const response = await client(server.origin, clock).request({ method: 'POST', path: '/v1/flows/x/run', body: {} });
    expect(response.body).toEqual({ _jobId: 'j1' });
    expect(server.received).toHaveLength(2);
  });
});

describe('5xx', () => {
  it('retries a GET with growing, capped backoff, then succeeds', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res, hit) => (hit <= 4 ? sendJson(res, 502, {}) : sendJson(res, 200, { ok: true })));
    const http = client(server.origin, clock, { random: () => 1, backoffBaseMs: 100, backoffMaxMs: 500 });
    const response = await http.request({ path: '/v1/flows' });
    expect(response.body).toEqual({ ok: true });
    expect(clock.sleeps).toEqual([100, 200, 400, 500]);
  });

  it('jitters each backoff within [0, min(cap, base × 2^attempt)]', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res) => sendJson(res, 500, {}));
    const http = client(server.origin, clock, { maxRetries: 6, backoffBaseMs: 100, backoffMaxMs: 1000 });
    await failure(http.request({ path: '/v1/flows' }));
    expect(clock.sleeps).toHaveLength(6);
    clock.sleeps.forEach((ms, attempt) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(Math.min(1000, 100 * 2 ** attempt));
    });
  });

  it('gives an upstream error after maxRetries + 1 attempts', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res) => sendJson(res, 503, { errors: [{ code: 'unavailable', message: 'try later' }] }));
    const error = await failure(client(server.origin, clock, { maxRetries: 3 }).request({ path: '/v1/flows' }));
    expect(error.kind).toBe('upstream');
    expect(error.status).toBe(503);
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('GET /v1/flows → 503 try later');
    expect(server.received).toHaveLength(4);
  });

  it('does not re-send a POST after a 500 (the work may already be done)', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res) => sendJson(res, 500, { errors: [{ code: 500, message: 'boom' }] }));
    const error = await failure(
      client(server.origin, clock).request({ method: 'POST', path: '/v1/flows/x/y/retry', body: { retryDataKeys: ['k'] } }),
    );
    expect(error.kind).toBe('upstream');
    expect(error.code).toBe('500');
    expect(server.received).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('timeouts and network errors', () => {
  it('turns missing response headers into an upstream error (GET retried once)', async () => {
    const clock = new RecordingClock();
    const server = await serve(() => {
      /* never answers */
    });
    const http = client(server.origin, clock, { headersTimeoutMs: 200, maxRetries: 1 });
    const error = await failure(http.request({ path: '/v1/flows' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toContain('no response headers');
    expect(server.received).toHaveLength(2);
  });

  it('turns a body that never ends into an upstream error', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"_id":');
    });
    const http = client(server.origin, clock, { bodyTimeoutMs: 200, maxRetries: 0 });
    const error = await failure(http.request({ path: '/v1/flows' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toContain('body stalled');
  });

  it('does not re-send a POST whose response timed out', async () => {
    const clock = new RecordingClock();
    const server = await serve(() => {});
    const http = client(server.origin, clock, { headersTimeoutMs: 200, maxRetries: 3 });
    await failure(http.request({ method: 'POST', path: '/v1/flows/x/run' }));
    expect(server.received).toHaveLength(1);
  });

  it('retries a refused connection, then gives an upstream error', async () => {
    const clock = new RecordingClock();
    const port = await closedPort();
    const statuses: Array<number | 'error'> = [];
    const http = client(`http://127.0.0.1:${port}`, clock, {
      maxRetries: 2,
      onResponse: ({ status }) => statuses.push(status),
    });
    const error = await failure(http.request({ path: '/v1/flows' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toContain('connection refused');
    expect(statuses).toEqual(['error', 'error', 'error']);
    expect(clock.sleeps).toHaveLength(2);
  });

  it('retries a POST whose connection was refused (nothing was sent)', async () => {
    const clock = new RecordingClock();
    const port = await closedPort();
    let exchanges = 0;
    const http = client(`http://127.0.0.1:${port}`, clock, { maxRetries: 2, onResponse: () => exchanges++ });
    await failure(http.request({ method: 'POST', path: '/v1/flows/x/run' }));
    expect(exchanges).toBe(3);
  });

  it('stops waiting when the caller aborts during a backoff', async () => {
    const clock = new RecordingClock();
    const server = await serve((_req, res) => sendJson(res, 503, {}));
    const controller = new AbortController();
    // Abort right after the first exchange, so the abort lands in the backoff sleep.
    const http = client(server.origin, clock, { onResponse: () => controller.abort(new Error('shutting down')) });
    await expect(http.request({ path: '/v1/flows', signal: controller.signal })).rejects.toThrow('shutting down');
    expect(server.received).toHaveLength(1);
  });
});
