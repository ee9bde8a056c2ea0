// Who may use the console, the API and /status. With server.auth: a bearer token (tools) or a
// session from the login form (browser; users from the config, scrypt-hashed passwords), and every
// state-changing request with a session carries a CSRF token. Without server.auth: loopback
// clients only. Sessions and CSRF tokens are HMACs under one secret kept in Redis, so every
// replica accepts what another issued.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { json, type Reply, type Request, type Routes } from '../api/http.ts';
import type { RedisClient as Redis } from '../state/redis.ts';
import type { Keyspace } from '../state/keys.ts';
import { html, page } from './html.ts';
import { verifyPassword } from './password.ts';

export interface AuthConfig {
  token?: string;
  users: Array<{ name: string; passwordHash: string }>;
}

export interface GateRequest extends Request {
  remoteAddress: string | undefined;
}

export type Verdict = { ok: true; user: string; csrf: string } | { ok: false; reply: Reply };

export interface Gate {
  /** Whether this request may go on; `csrf` is the token its pages embed. */
  check(req: GateRequest): Promise<Verdict>;
  /** /login and /logout. */
  routes: Routes;
  /** One line for the start-up log. */
  describe(): string;
}

const COOKIE = 'syncwatch_session';
const SESSION_MS = 12 * 3600_000;
const CSRF_HEADER = 'x-csrf-token';

/** Paths behind the gate: the console, the API, /status. */
export function isGuarded(path: string): boolean {
  return path === '/' || path === '/status' || path.startsWith('/console/') || path.startsWith('/api/');
}

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

const safeEqual = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function cookies(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** A request from another site (a form or fetch a foreign page makes the browser send). */
function crossSite(req: Request): boolean {
  // Browsers say where a request comes from (Fetch Metadata); older ones only send Origin.
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

const stateChanging = (req: Request) => req.method !== 'GET' && req.method !== 'HEAD';

async function formField(req: Request, name: string): Promise<string | undefined> {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(await req.text()).get(name) ?? undefined;
}

export function createGate(options: {
  auth: AuthConfig | undefined;
  bearerToken?: string;
  redis: Redis;
  keys: Keyspace;
  secureCookies: boolean;
  now?: () => number;
}): Gate {
  const { auth } = options;
  const now = options.now ?? Date.now;
  let secret: Promise<Buffer> | undefined;
  const getSecret = () =>
    (secret ??= (async () => {
      const key = options.keys.consoleSecret;
      await options.redis.set(key, randomBytes(32).toString('base64'), 'NX');
      return Buffer.from((await options.redis.get(key))!, 'base64');
    })());
  const mac = async (data: string) =>
    createHmac('sha256', await getSecret())
      .update(data)
      .digest('base64url');
  const csrfFor = (session: string) => mac(`csrf\u0000${session}`);
  const tokens = [auth?.token, options.bearerToken].filter((t): t is string => !!t);
  const bearer = (req: Request) => {
    const given = req.headers.authorization ?? '';
    return tokens.some((t) => safeEqual(given, `Bearer ${t}`));
  };

  async function session(req: Request): Promise<{ user: string; value: string } | undefined> {
    const value = cookies(req.headers)[COOKIE];
    const [user64, expiry, sig] = (value ?? '').split('.');
    if (!value || !user64 || !expiry || !sig) return undefined;
    if (!(Number(expiry) > now())) return undefined;
    if (!safeEqual(sig, await mac(`${user64}.${expiry}`))) return undefined;
    const user = Buffer.from(user64, 'base64url').toString('utf8');
    return auth?.users.some((u) => u.name === user) ? { user, value } : undefined;
  }

  async function csrfOk(req: Request, sessionValue: string): Promise<boolean> {
    const given = (req.headers[CSRF_HEADER] as string | undefined) ?? (await formField(req, '_csrf'));
    return given !== undefined && safeEqual(given, await csrfFor(sessionValue));
  }

  const refuse = (status: number, message: string, req: Request): Verdict => {
    const wantsPage = String(req.headers.accept ?? '').includes('text/html');
    if (status === 401 && wantsPage && auth?.users.length)
      return { ok: false, reply: { status, body: loginPage(), contentType: 'text/html; charset=utf-8' } };
    return {
      ok: false,
      reply: { ...json(status, { error: message }), ...(status === 401 ? { headers: { 'www-authenticate': 'Bearer' } } : {}) },
    };
  };

  async function check(req: GateRequest): Promise<Verdict> {
    if (stateChanging(req) && crossSite(req)) return refuse(403, 'cross-site request refused', req);
    if (bearer(req)) return { ok: true, user: 'token', csrf: '' };
    if (!auth) {
      // /status keeps answering as before server.auth existed (server.bearerToken guards it).
      if (req.path === '/status') return options.bearerToken ? refuse(401, 'unauthorized', req) : { ok: true, user: 'anonymous', csrf: '' };
      if (!isLoopback(req.remoteAddress))
        return refuse(403, 'the console and the API answer loopback clients only until server.auth is configured', req);
      const csrf = await csrfFor('anonymous');
      // JSON bodies (amtool, Grafana) cannot be sent cross-site without a CORS preflight we never grant.
      const jsonBody = String(req.headers['content-type'] ?? '').startsWith('application/json');
      if (stateChanging(req) && !jsonBody && req.method !== 'DELETE' && !(await csrfOk(req, 'anonymous')))
        return refuse(403, 'missing or wrong CSRF token', req);
      return { ok: true, user: 'local', csrf };
    }
    const s = await session(req);
    if (!s) return refuse(401, 'unauthorized: log in or send Authorization: Bearer <token>', req);
    if (stateChanging(req) && !(await csrfOk(req, s.value))) return refuse(403, 'missing or wrong CSRF token', req);
    return { ok: true, user: s.user, csrf: await csrfFor(s.value) };
  }

  function loginPage(error?: string): string {
    return page(
      'syncwatch · log in',
      html`<main class="login">
        <h1>syncwatch</h1>
        ${error ? html`<p class="error">${error}</p>` : ''}
        <form method="post" action="/login">
          <label>User <input name="user" autocomplete="username" required /></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
          <button type="submit">Log in</button>
        </form>
      </main>`,
    );
  }

  const routes: Routes = async (req) => {
    // Behind the gate (under /console/): who is logged in and the CSRF token for scripts.
    if (req.path === '/console/session' && req.method === 'GET') return json(200, { user: req.user, csrf: req.csrf });
    if (req.path === '/login' && req.method === 'GET') return { status: 200, body: loginPage(), contentType: 'text/html; charset=utf-8' };
    if (req.path === '/login' && req.method === 'POST') {
      if (crossSite(req)) return json(403, { error: 'cross-site request refused' });
      const form = new URLSearchParams(await req.text());
      const user = auth?.users.find((u) => u.name === form.get('user'));
      // Verify against a hash even for an unknown user, so timing does not tell which names exist.
      const ok =
        (await verifyPassword(form.get('password') ?? '', user?.passwordHash ?? 'scrypt$16384$8$1$AAAA$AAAA')) && user !== undefined;
      if (!ok) return { status: 401, body: loginPage('Wrong user or password.'), contentType: 'text/html; charset=utf-8' };
      const user64 = Buffer.from(user.name).toString('base64url');
      const expiry = String(now() + SESSION_MS);
      const value = `${user64}.${expiry}.${await mac(`${user64}.${expiry}`)}`;
      const flags = `Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${options.secureCookies ? '; Secure' : ''}`;
      return { status: 303, body: '', headers: { location: '/', 'set-cookie': `${COOKIE}=${value}; ${flags}` } };
    }
    if (req.path === '/logout' && req.method === 'POST') {
      return {
        status: 303,
        body: '',
        headers: { location: '/login', 'set-cookie': `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` },
      };
    }
    return undefined;
  };

  return {
    check,
    routes,
    describe: () =>
      auth
        ? `the console, /api and /status need a login (${auth.users.length} user(s))${auth.token ? ' or the bearer token' : ''}`
        : 'console and API: loopback only (no server.auth; other clients get 403 — set server.auth to open them to the network)',
  };
}
