// The simulator's HTTP server (node:http). Order of a request, as integrator.io does it:
// injected faults → auth (bare 401 bodies, before routing) → rate limit → route → handler.
// Admin routes (/__sim/…) skip all of it.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { COMPILED_ADMIN_ROUTES, type SimulatorState } from './admin.ts';
import { Faults, Stats, TokenBucket } from './control.ts';
import { matchRoute, parseJsonBody, readBody, type CompiledRoute, type Reply } from './http.ts';
import { API_ROUTES, apiError, type ApiContext, type ApiHandler } from './routes.ts';
import { resolveScenario, type ResolvedScenario, type ScenarioSpec } from './scenario.ts';
import { World } from './world.ts';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The accepted bearer token; default `sim-token`. */
  token?: string;
  /** A named scenario (`default`, `empty`, `large`), a path to a YAML/JSON file, or a spec. */
  scenario?: string | ScenarioSpec;
  /** Celigo's limiter; default burst 1000, refilled at 300/s. */
  rateLimit?: { burst: number; refillPerSecond: number };
  /** Fixed delay before every API answer. */
  latencyMs?: number;
  /** Clock for timestamps and the rate limiter; tests inject one. */
  now?: () => number;
}

export interface Simulator {
  /** `http://host:port`, the baseUrl a provider points at. */
  readonly url: string;
  readonly port: number;
  /** The current world (replaced by POST /__sim/reset). */
  readonly world: World;
  close(): Promise<void>;
}

export const DEFAULT_TOKEN = 'sim-token';
export const DEFAULT_RATE_LIMIT = { burst: 1000, refillPerSecond: 300 } as const;

class SimulatorServer implements SimulatorState {
  world: World;
  readonly faults = new Faults();
  readonly stats = new Stats();
  readonly bucket: TokenBucket;
  token: string;
  latencyMs: number;
  /** Responses held open by a `hang` fault, ended on close. */
  private readonly hanging = new Set<ServerResponse>();

  constructor(
    private readonly scenario: ResolvedScenario,
    private readonly initialToken: string,
    private readonly initialRateLimit: { burst: number; refillPerSecond: number },
    private readonly initialLatencyMs: number,
    private readonly now: () => number,
  ) {
    this.world = new World(scenario, now);
    this.token = initialToken;
    this.latencyMs = initialLatencyMs;
    this.bucket = new TokenBucket(initialRateLimit.burst, initialRateLimit.refillPerSecond, now);
  }

  reset(): void {
    this.world = new World(this.scenario, this.now);
    this.token = this.initialToken;
    this.latencyMs = this.initialLatencyMs;
    this.faults.clear();
    this.stats.reset();
    this.bucket.configure(this.initialRateLimit.burst, this.initialRateLimit.refillPerSecond);
  }

  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/__sim/')) {
      await this.handleAdmin(req, res, method, url.pathname);
      return;
    }
    // nextPageURL is written as `/api/v1/…` (see scenario.nextPageUrlStyle); serve both spellings.
    const pathname = url.pathname.startsWith('/api/v1/') ? url.pathname.slice(4) : url.pathname;
    const matched = matchRoute(API_ROUTES, method, pathname);
    const endpoint = `${method} ${matched?.route.template ?? '(unmatched)'}`;

    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));

    const fault = this.faults.take(method, pathname);
    if (fault?.hang === true) {
      this.stats.record(endpoint, 'hang');
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (fault !== undefined) {
      const status = fault.status ?? 500;
      this.stats.record(endpoint, status);
      const body = fault.body ?? { errors: [{ code: 'server_error', message: `Simulated fault (${status})` }] };
      send(res, { status, body, ...(fault.headers === undefined ? {} : { headers: fault.headers }) });
      return;
    }

    const reply = await this.answer(req, method, url, matched);
    this.stats.record(endpoint, reply.status);
    send(res, reply);
  }

  private async answer(
    req: IncomingMessage,
    method: string,
    url: URL,
    matched: { route: CompiledRoute<ApiHandler>; params: Record<string, string> } | undefined,
  ): Promise<Reply> {
    // Auth runs before routing and answers a bare {message} (seed: 401-unauthorized).
    const authorization = req.headers.authorization;
    if (authorization === undefined || !/^bearer\s/i.test(authorization)) return { status: 401, body: { message: 'Unauthorized' } };
    if (authorization.slice(authorization.indexOf(' ') + 1).trim() !== this.token) {
      return { status: 401, body: { message: 'Bearer Authentication Failed' } };
    }
    const take = this.bucket.take();
    if (!take.ok) {
      const reply = apiError(429, 'rate_limited', `Rate limit exceeded; retry in ${take.retryAfterSeconds} s`);
      return { ...reply, headers: { 'Retry-After': String(take.retryAfterSeconds) } };
    }
    if (matched === undefined) return apiError(404, 'not_found', `No such endpoint: ${method} ${url.pathname}`);

    let bodyText: string;
    try {
      bodyText = method === 'GET' ? '' : await readBody(req);
    } catch {
      return apiError(413, 'request_too_large', 'The request body is too large');
    }
    const ctx: ApiContext = {
      world: this.world,
      params: matched.params,
      query: url.searchParams,
      body: parseJsonBody(bodyText),
      origin: `http://${req.headers.host ?? 'localhost'}`,
      recordRetryKeys: (keys, flowId, stepId) => this.stats.recordRetryKeys(keys, flowId, stepId, new Date(this.now()).toISOString()),
    };
    try {
      return matched.route.handler(ctx);
    } catch (e) {
      return apiError(500, 'server_error', `Simulator error: ${(e as Error).message}`);
    }
  }

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, method: string, pathname: string): Promise<void> {
    const matched = matchRoute(COMPILED_ADMIN_ROUTES, method, pathname);
    if (matched === undefined) {
      send(res, { status: 404, body: { error: `no admin route ${method} ${pathname}` } });
      return;
    }
    const body = parseJsonBody(await readBody(req));
    if ('invalid' in body) {
      send(res, { status: 400, body: { error: 'body is not valid JSON' } });
      return;
    }
    send(res, matched.route.handler(this, matched.params, body.value));
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.status !== 204 && reply.body !== undefined) {
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['Content-Type'] ??= 'application/json; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Starts the simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const state = new SimulatorServer(
    resolveScenario(options.scenario),
    options.token ?? DEFAULT_TOKEN,
    options.rateLimit ?? DEFAULT_RATE_LIMIT,
    options.latencyMs ?? 0,
    options.now ?? Date.now,
  );
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    state.handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { errors: [{ code: 'server_error', message: String(e) }] } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    get world() {
      return state.world;
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        state.releaseHanging();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
