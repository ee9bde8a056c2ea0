// The daemon's HTTP surface: /healthz (alive), /readyz (Redis answers, workers running),
// /status (JSON: targets, last poll, firing alerts), /metrics (Prometheus), and the route modules
// (src/api: the Alertmanager API v2 under /api/v2).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Reply, Request, Routes } from './api/http.ts';
import { isGuarded, type Gate } from './console/auth.ts';
import { SyncwatchError } from './errors.ts';

export interface ServerDeps {
  ready(): Promise<{ ok: boolean; checks: Record<string, boolean> }>;
  status(): Promise<unknown>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** When set, /metrics, /status and /api want `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Route modules, asked in order for paths the server does not answer itself. */
  routes?(): readonly Routes[];
  /** server.auth's gate for /, /console, /api and /status (src/console/auth.ts); none: only the bearer token above. */
  gate?(): Gate | undefined;
}

/** On every response: no scripts, styles or frames but our own; no sniffing, no referrer to other sites. */
export const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** Bodies larger than this are refused (413): silences and forms are small. */
export const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendReply(res: ServerResponse, r: Reply): void {
  res.writeHead(r.status, {
    ...SECURITY_HEADERS,
    'content-type': r.contentType ?? 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...r.headers,
  });
  res.end(r.body);
}

function send(res: ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(listen.slice(i + 1));
  if (i < 0 || !/^\d{1,5}$/.test(listen.slice(i + 1)) || port > 65_535) {
    throw new SyncwatchError(
      'config',
      `listen address "${listen}" is not host:port like 127.0.0.1:9464 (server.listen / SYNCWATCH_LISTEN)`,
    );
  }
  return { host, port };
}

/** Why a listen failed, as a line an operator can act on. */
function listenError(listen: string, e: NodeJS.ErrnoException): SyncwatchError {
  const hint = 'stop the other process or set server.listen / SYNCWATCH_LISTEN';
  if (e.code === 'EADDRINUSE') return new SyncwatchError('environment', `port ${listen} is in use: ${hint}`);
  if (e.code === 'EACCES')
    return new SyncwatchError('environment', `port ${listen} needs privileges: use a port above 1023 (server.listen / SYNCWATCH_LISTEN)`);
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
    return new SyncwatchError(
      'environment',
      `cannot listen on ${listen}: no such address on this machine (server.listen / SYNCWATCH_LISTEN)`,
    );
  return new SyncwatchError('environment', `cannot listen on ${listen}: ${e.message}`);
}

export async function startServer(listen: string, deps: ServerDeps): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://syncwatch');
    const path = url.pathname;
    const builtIn = ['/healthz', '/readyz', '/status', '/metrics'].includes(path);
    const guarded = path === '/metrics' || path === '/status' || path.startsWith('/api/');
    if (builtIn && req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, JSON.stringify({ error: 'method not allowed' }));
    let body: Promise<string> | undefined;
    const request: Request = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      headers: req.headers,
      text: () => (body ??= readBody(req)),
    };
    const gate = isGuarded(path) ? deps.gate?.() : undefined;
    if (!gate && guarded && !authorized(req, deps.bearerToken)) {
      res.setHeader('www-authenticate', 'Bearer');
      return send(res, 401, JSON.stringify({ error: 'unauthorized' }));
    }
    const handle = async () => {
      if (gate) {
        const verdict = await gate.check({ ...request, remoteAddress: req.socket.remoteAddress });
        if (!verdict.ok) return sendReply(res, verdict.reply);
        request.user = verdict.user;
        request.csrf = verdict.csrf;
      }
      switch (path) {
        case '/healthz':
          return send(res, 200, JSON.stringify({ status: 'ok' }));
        case '/readyz': {
          const r = await deps.ready();
          return send(res, r.ok ? 200 : 503, JSON.stringify({ status: r.ok ? 'ready' : 'not ready', checks: r.checks }));
        }
        case '/status':
          return send(res, 200, JSON.stringify(await deps.status(), null, 2));
        case '/metrics': {
          const m = await deps.metrics();
          return send(res, 200, m.body, m.contentType);
        }
        default: {
          for (const routes of deps.routes?.() ?? []) {
            const reply = await routes(request);
            if (reply) return sendReply(res, reply);
          }
          return send(res, 404, JSON.stringify({ error: 'not found' }));
        }
      }
    };
    handle().catch((e: unknown) =>
      send(res, (e as { status?: number }).status ?? 500, JSON.stringify({ error: e instanceof Error ? e.message : 'internal error' })),
    );
  });
  const { host, port } = parseListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(listen, e)));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${shownHost}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
