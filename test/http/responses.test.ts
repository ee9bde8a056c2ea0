import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/http/index.ts';
import type { Auth, HttpClientOptions } from '../../src/http/index.ts';
import { SyncwatchError, type ErrorKind } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { RecordingClock, sendJson, startServer, type Handler, type TestServer } from './fixtures.ts';

const TOKEN = 'tok-Zq9-very-secret';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler);
  cleanups.push(() => server.close());
  return server;
}

function client(baseUrl: string, options: Partial<HttpClientOptions> = {}): HttpClient {
  const http = new HttpClient({
    target: 'test',
    baseUrl,
    auth: { type: 'bearer', token: TOKEN },
    clock: new RecordingClock(),
    ...options,
  });
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

describe('error answers become typed errors', () => {
  it.each<[string, number, unknown, ErrorKind, string | undefined, string]>([
    // case                     status body                                                                  kind          code                                  message contains
    [
      'Celigo bare 401',
      401,
      { message: 'Bearer Authentication Failed' },
      'auth',
      undefined,
      'GET /v1/flows → 401 Bearer Authentication Failed',
    ],
    ['403', 403, { errors: [{ code: 'forbidden', message: 'No access' }] }, 'auth', 'forbidden', 'No access'],
    [
      'Celigo 404 envelope',
      404,
      { errors: [{ code: 'sync_job_invalid_integration_id', message: 'Invalid integration' }] },
      'not-found',
      'sync_job_invalid_integration_id',
      'Invalid integration',
    ],
    [
      'Neo envelope',
      404,
      { error: { code: 'integration_not_found', message: 'No integration connectwise' } },
      'not-found',
      'integration_not_found',
      'No integration connectwise',
    ],
    ['FastAPI detail string', 404, { detail: 'Source connection not found' }, 'not-found', undefined, 'Source connection not found'],
    [
      'FastAPI detail list',
      422,
      { detail: [{ loc: ['query', 'limit'], msg: 'must be <= 100', type: 'less_than_equal' }] },
      'conflict',
      'less_than_equal',
      'query.limit: must be <= 100',
    ],
    [
      'Celigo 422 inactive flow',
      422,
      { errors: [{ code: 'inactive_flow', message: 'Flow is disabled' }] },
      'conflict',
      'inactive_flow',
      'Flow is disabled',
    ],
    [
      'Celigo 409 already queued',
      409,
      { errors: [{ code: 'sync_job_already_queued', message: 'Already queued' }] },
      'conflict',
      'sync_job_already_queued',
      'Already queued',
    ],
    ['400: our request was wrong', 400, { errors: [{ code: 'invalid_ref', message: 'Bad _id' }] }, 'conflict', 'invalid_ref', 'Bad _id'],
  ])('%s', async (_case, status, body, kind, code, messagePart) => {
    const server = await serve((_req, res) => sendJson(res, status, body));
    const error = await failure(client(server.origin).request({ path: '/v1/flows' }));
    expect(error.kind).toBe(kind);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.message).toContain(messagePart);
    expect(error.message).not.toContain(TOKEN);
    expect(server.received).toHaveLength(1); // none of these is retried
  });

  it('names the path but not the query string or the token', async () => {
    const server = await serve((_req, res) => sendJson(res, 401, { message: `Token ${TOKEN} revoked` }));
    const error = await failure(client(server.origin).request({ path: '/v1/flows?signature=s3cr3t-sig', query: { apiKey: 'k3y-value' } }));
    expect(error.message).toContain('GET /v1/flows → 401');
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain('s3cr3t-sig');
    expect(error.message).not.toContain('k3y-value');
  });

  it('uses the status text for an HTML error page', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>nginx</body></html>');
    });
    const error = await failure(client(server.origin, { maxRetries: 0 }).request({ path: '/v1/flows' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toBe('GET /v1/flows → 502 Bad Gateway');
  });
});

describe('successful answers', () => {
  it('returns undefined for 204 and for an empty 200', async () => {
    const server = await serve((req, res) => {
      res.writeHead(req.url === '/none' ? 204 : 200);
      res.end();
    });
    const http = client(server.origin);
    expect(await http.request({ path: '/none' })).toMatchObject({ status: 204, body: undefined });
    expect(await http.request({ path: '/empty' })).toMatchObject({ status: 200, body: undefined });
  });

  it('refuses malformed JSON and non-JSON bodies as upstream errors', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/broken') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"flows": [');
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>login</html>');
      }
    });
    const http = client(server.origin);
    for (const path of ['/broken', '/html']) {
      const error = await failure(http.request({ path }));
      expect(error.kind).toBe('upstream');
      expect(error.message).toContain('not valid JSON');
    }
    expect(server.received).toHaveLength(2); // a broken body is not retried
  });

  it.each([
    ['announced by content-length', true],
    ['chunked, no content-length', false],
  ])('refuses an oversized body %s', async (_case, announce) => {
    const server = await serve((_req, res) => {
      const chunk = Buffer.alloc(1024, 'a');
      res.writeHead(200, announce ? { 'content-length': String(8 * 1024) } : {});
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end();
    });
    const error = await failure(client(server.origin, { maxResponseBytes: 4096 }).request({ path: '/v1/flows' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toContain('response larger than 4096 bytes');
    expect(server.received).toHaveLength(1);
  });
});

describe('what reaches the server', () => {
  it.each<[string, Auth, Record<string, string | undefined>]>([
    ['bearer', { type: 'bearer', token: TOKEN }, { authorization: `Bearer ${TOKEN}` }],
    ['x-api-key', { type: 'header', header: 'x-api-key', value: 'aw-key-1' }, { 'x-api-key': 'aw-key-1', authorization: undefined }],
    ['none', { type: 'none' }, { authorization: undefined }],
  ])('auth %s', async (_case, auth, expected) => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    await client(server.origin, { auth }).request({ path: '/v1/flows' });
    const headers = server.received[0]!.headers;
    expect(headers.accept).toBe('application/json');
    for (const [name, value] of Object.entries(expected)) expect(headers[name]).toBe(value);
  });

  it('sends JSON bodies, query parameters and the baseUrl path prefix', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { ok: true }));
    await client(`${server.origin}/public-api/`).request({
      method: 'POST',
      path: 'integrations/connectwise/sync-runs?x=1',
      query: { status: ['FAILURE', 'RUNNING'], limit: 50, cursor: undefined },
      body: { retryDataKeys: ['k1'] },
    });
    const received = server.received[0]!;
    expect(received.url).toBe('/public-api/integrations/connectwise/sync-runs?x=1&status=FAILURE&status=RUNNING&limit=50');
    expect(received.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received.body)).toEqual({ retryDataKeys: ['k1'] });
  });

  it('refuses an absolute URL on another origin', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    const error = await failure(client(server.origin).request({ path: 'http://example.invalid/v1/flows' }));
    expect(error.kind).toBe('upstream');
    expect(server.received).toHaveLength(0);
  });
});

describe('onResponse', () => {
  it('is called once per exchange with the templated endpoint', async () => {
    const server = await serve((_req, res, hit) => (hit === 1 ? sendJson(res, 500, {}) : sendJson(res, 200, {})));
    const calls: Array<{ endpoint: string; status: number | 'error' }> = [];
    const http = client(server.origin, {
      onResponse: ({ endpoint, status, durationMs }) => {
        expect(durationMs).toBeGreaterThanOrEqual(0);
        calls.push({ endpoint, status });
      },
    });
    await http.request({ path: '/v1/flows/5f0c3a9e8b1d2c0012345678/errors?occurredAt_gte=2025' });
    await http.request({ path: '/source-connections/3fa85f64-5717-4562-b3fc-2c963f66afa6/jobs' });
    await http.request({ path: '/v1/flows/5f0c3a9e8b1d2c0012345678', endpoint: 'GET flow' });
    expect(calls).toEqual([
      { endpoint: 'GET /v1/flows/{id}/errors', status: 500 },
      { endpoint: 'GET /v1/flows/{id}/errors', status: 200 },
      { endpoint: 'GET /source-connections/{id}/jobs', status: 200 },
      { endpoint: 'GET flow', status: 200 },
    ]);
  });
});

describe('logging', () => {
  it('never writes the token, even at debug level during retries and failures', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const server = await serve((_req, res, hit) =>
      hit <= 2 ? sendJson(res, 503, { message: `bad token ${TOKEN}` }) : sendJson(res, 401, { message: `Bearer ${TOKEN} failed` }),
    );
    const http = client(server.origin, { logger, maxRetries: 3 });
    const error = await failure(http.request({ path: '/v1/flows' }));
    logger.error({ err: error }, 'poll failed'); // what a provider would do with it
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).toContain('retrying request');
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});
