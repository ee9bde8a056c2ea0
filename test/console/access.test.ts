// server.auth: a bearer token or a login session, CSRF on state-changing requests with a session,
// a strict CSP on every response; without server.auth, loopback clients only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGate } from '../../src/console/auth.ts';
import { createWeb } from '../../src/console/index.ts';
import { hashPassword, verifyPassword } from '../../src/console/password.ts';
import { loadConfigFromString } from '../../src/config/index.ts';
import { startServer } from '../../src/server.ts';
import { keyspace } from '../../src/state/keys.ts';
import { testRedis } from '../harness/redis.ts';

let redis: Awaited<ReturnType<typeof testRedis>>;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  redis = await testRedis('console-access');
  const passwordHash = await hashPassword('correct horse');
  const config = {
    redis: { url: redis.url, prefix: redis.prefix },
    server: { listen: '127.0.0.1:0', auth: { token: 'tool-token', users: [{ name: 'ada', passwordHash }] } },
    targets: [{ name: 't', provider: 'celigo', baseUrl: 'http://127.0.0.1:1', token: 'x' }],
  };
  const loaded = await loadConfigFromString(JSON.stringify(config), '(access)', {});
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const web = createWeb(loaded.config, {
    redis: redis.redis,
    keys: keyspace(redis.prefix),
    alerts: async () => [],
    status: async () => ({ targets: [], alerts: [], retryPolicies: [] }),
  });
  server = await startServer('127.0.0.1:0', {
    ready: async () => ({ ok: true, checks: {} }),
    status: async () => ({ targets: [] }),
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
    routes: () => web.routes,
    gate: () => web.gate,
  });
});
afterAll(async () => {
  await server?.close();
  await redis?.cleanup();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
const silence = () => {
  const now = Date.now();
  return JSON.stringify({
    matchers: [{ name: 'target', value: 't', isRegex: false }],
    startsAt: new Date(now).toISOString(),
    endsAt: new Date(now + 60_000).toISOString(),
    createdBy: 'ada',
    comment: 'c',
  });
};

async function login(password = 'correct horse'): Promise<Response> {
  return fetch(`${server.url}/login`, { method: 'POST', body: new URLSearchParams({ user: 'ada', password }), redirect: 'manual' });
}

describe('with server.auth', () => {
  it('an unauthenticated request gets 401 on the console, the API and /status; the browser gets the login form', async () => {
    for (const path of ['/', '/api/v2/alerts', '/status', '/console/session']) expect((await get(path)).status, path).toBe(401);
    const page = await get('/', { accept: 'text/html' });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('<form method="post" action="/login">');
    expect((await get('/api/v2/alerts', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get('/healthz')).status).toBe(200);
  });

  it('the bearer token opens the API (amtool, Grafana), no CSRF token needed', async () => {
    expect((await get('/api/v2/alerts', { authorization: 'Bearer tool-token' })).status).toBe(200);
    const res = await fetch(`${server.url}/api/v2/silences`, {
      method: 'POST',
      headers: { authorization: 'Bearer tool-token', 'content-type': 'application/json' },
      body: silence(),
    });
    expect(res.status).toBe(200);
  });

  it('a login session reads; a POST without the CSRF token is refused, with it accepted', async () => {
    expect((await login('wrong')).status).toBe(401);
    const res = await login();
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const session = (await (await get('/console/session', { cookie })).json()) as { user: string; csrf: string };
    expect(session.user).toBe('ada');
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/v2/silences`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: silence(),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-csrf-token': 'forged' })).status).toBe(403);
    expect((await post({ 'x-csrf-token': session.csrf })).status).toBe(200);
    expect((await post({ 'x-csrf-token': session.csrf, origin: 'http://evil.example' })).status).toBe(403);
    // A forged cookie is no session.
    expect((await get('/console/session', { cookie: cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) })).status).toBe(401);
  });

  it('every response sets a strict Content-Security-Policy', async () => {
    for (const path of ['/', '/login', '/healthz', '/api/v2/status']) {
      const csp = (await get(path)).headers.get('content-security-policy');
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-inline');
    }
  });
});

describe('without server.auth', () => {
  it('answers loopback clients only, and says so', async () => {
    const gate = createGate({ auth: undefined, redis: redis.redis, keys: keyspace(redis.prefix), secureCookies: false });
    expect(gate.describe()).toMatch(/^console and API: loopback only \(no server\.auth/);
    const req = (remoteAddress: string, method = 'GET', headers = {}) => ({
      method,
      path: '/api/v2/alerts',
      query: new URLSearchParams(),
      headers,
      text: async () => '',
      remoteAddress,
    });
    expect((await gate.check(req('127.0.0.1'))).ok).toBe(true);
    expect((await gate.check(req('::1'))).ok).toBe(true);
    const remote = await gate.check(req('10.1.2.3'));
    expect(remote.ok).toBe(false);
    expect(!remote.ok && remote.reply.status).toBe(403);
    // A form post from the same machine still needs the CSRF token (a foreign page could make it).
    const form = await gate.check(req('127.0.0.1', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(form.ok).toBe(false);
  });
});

it('hashes passwords with scrypt and verifies them', async () => {
  const h = await hashPassword('s3cret');
  expect(h).toMatch(/^scrypt\$16384\$8\$1\$/);
  expect(await verifyPassword('s3cret', h)).toBe(true);
  expect(await verifyPassword('s3cret!', h)).toBe(false);
});
