// The simulator's HTTP server (node:http). One server, three APIs told apart by path prefix:
// Neo under /public-api/…, Airweave under /source-connections/… and /v1/sync/…, integrator.io
// everything else (/v1/flows, /v1/syncs, /v1/syncJobs, … — Airweave's singular /v1/sync/ never
// clashes with those). Order of a request, as integrator.io does it: injected faults → auth (each
// API its own credential and 401 body, before routing) → rate limit (one bucket per API) → route
// → handler. Admin routes (/__sim/…) skip all of it.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { COMPILED_ADMIN_ROUTES, type SimulatorState } from './admin.ts';
import { AirweaveWorld } from './airweave/world.ts';
import { COMPILED_AIRWEAVE_ROUTES, airweaveAuthScheme, airweaveError, isAirweavePath } from './airweave/routes.ts';
import { NeoWorld } from './neo/world.ts';
import { COMPILED_NEO_ROUTES, isNeoPath, neoError } from './neo/routes.ts';
import { uuid } from './prng.ts';
import { Faults, Stats, TokenBucket } from './control.ts';
import { matchRoute, parseJsonBody, readBody, type CompiledRoute, type Reply } from './http.ts';
import { API_ROUTES, apiError, type ApiContext, type ApiHandler } from './celigo/routes.ts';
import { resolveScenario, type ResolvedScenario, type ScenarioSpec } from './scenario.ts';
import { World } from './celigo/world.ts';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The accepted integrator.io bearer token; default `sim-token`. */
  token?: string;
  /** The accepted Airweave `x-api-key`; default: `token`. */
  airweaveApiKey?: string;
  /** The accepted Neo bearer token; default: `token`. */
  neoToken?: string;
  /** A named scenario (`default`, `empty`, `large`), a path to a YAML/JSON file, or a spec. */
  scenario?: string | ScenarioSpec;
  /** Celigo's limiter; default burst 1000, refilled at 300/s. */
  rateLimit?: { burst: number; refillPerSecond: number };
  /** Airweave's and Neo's limiters (each its own bucket); default as `rateLimit`'s default. */
  airweaveRateLimit?: { burst: number; refillPerSecond: number };
  neoRateLimit?: { burst: number; refillPerSecond: number };
  /** Fixed delay before every API answer. */
  latencyMs?: number;
  /** Clock for timestamps and the rate limiter; tests inject one. */
  now?: () => number;
  /** Scenario activity: `fraction` of the enabled flows run every `intervalMs` (as `POST /__sim/activity`). */
  activity?: { fraction: number; intervalMs: number };
}

export interface Simulator {
  /** `http://host:port`, the baseUrl a provider points at. */
  readonly url: string;
  readonly port: number;
  /** The current integrator.io world (replaced by POST /__sim/reset). */
  readonly world: World;
  /** The current Airweave organisation. */
  readonly airweave: AirweaveWorld;
  /** The current Neo tenant. */
  readonly neo: NeoWorld;
  close(): Promise<void>;
}

export const DEFAULT_TOKEN = 'sim-token';
export const DEFAULT_RATE_LIMIT = { burst: 1000, refillPerSecond: 300 } as const;

export type SimulatedApi = 'celigo' | 'airweave' | 'neo';

/** Which of the three APIs a path belongs to. */
export function apiOfPath(pathname: string): SimulatedApi {
  if (isNeoPath(pathname)) return 'neo';
  if (isAirweavePath(pathname)) return 'airweave';
  return 'celigo';
}

/** The error body of an injected fault without its own body, in the API's envelope. */
function faultBody(api: SimulatedApi, status: number, requestId: string): unknown {
  const message = `Simulated fault (${status})`;
  if (api === 'airweave') return { detail: message };
  if (api === 'neo') return { error: { code: 'server_error', message }, meta: { request_id: requestId } };
  return { errors: [{ code: 'server_error', message }] };
}

interface Credentials {
  celigo: string;
  airweave: string;
  neo: string;
}

type Limits = Record<SimulatedApi, { burst: number; refillPerSecond: number }>;

class SimulatorServer implements SimulatorState {
  world: World;
  airweave: AirweaveWorld;
  neo: NeoWorld;
  readonly faults = new Faults();
  readonly stats = new Stats();
  readonly bucket: TokenBucket;
  readonly buckets: Record<SimulatedApi, TokenBucket>;
  token: string;
  airweaveApiKey: string;
  neoToken: string;
  latencyMs: number;
  private requestSerial = 0;
  /** Responses held open by a `hang` fault, ended on close. */
  private readonly hanging = new Set<ServerResponse>();

  constructor(
    private readonly scenario: ResolvedScenario,
    private readonly initialCredentials: Credentials,
    private readonly initialLimits: Limits,
    private readonly initialLatencyMs: number,
    private readonly now: () => number,
  ) {
    this.world = new World(scenario, now);
    this.airweave = new AirweaveWorld(scenario, now, this.world.generatedAt);
    this.neo = new NeoWorld(scenario, now, this.world.generatedAt);
    this.token = initialCredentials.celigo;
    this.airweaveApiKey = initialCredentials.airweave;
    this.neoToken = initialCredentials.neo;
    this.latencyMs = initialLatencyMs;
    const bucket = (api: SimulatedApi) => new TokenBucket(initialLimits[api].burst, initialLimits[api].refillPerSecond, now);
    this.buckets = { celigo: bucket('celigo'), airweave: bucket('airweave'), neo: bucket('neo') };
    this.bucket = this.buckets.celigo;
  }

  reset(): void {
    this.world = new World(this.scenario, this.now);
    this.airweave = new AirweaveWorld(this.scenario, this.now, this.world.generatedAt);
    this.neo = new NeoWorld(this.scenario, this.now, this.world.generatedAt);
    this.token = this.initialCredentials.celigo;
    this.airweaveApiKey = this.initialCredentials.airweave;
    this.neoToken = this.initialCredentials.neo;
    this.latencyMs = this.initialLatencyMs;
    this.faults.clear();
    this.stats.reset();
    for (const api of ['celigo', 'airweave', 'neo'] as const) {
      this.buckets[api].configure(this.initialLimits[api].burst, this.initialLimits[api].refillPerSecond);
    }
  }

  private nextRequestId(): string {
    return uuid(this.scenario.seed, `request|${this.requestSerial++}`);
  }

  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/__sim/')) {
      await this.handleAdmin(req, res, method, url.pathname);
      return;
    }
    const api = apiOfPath(url.pathname);
    // nextPageURL is written as `/api/v1/…` (see scenario.nextPageUrlStyle); serve both spellings.
    const pathname = api === 'celigo' && url.pathname.startsWith('/api/v1/') ? url.pathname.slice(4) : url.pathname;
    const template =
      api === 'neo'
        ? matchRoute(COMPILED_NEO_ROUTES, method, pathname)?.route.template
        : api === 'airweave'
          ? matchRoute(COMPILED_AIRWEAVE_ROUTES, method, pathname)?.route.template
          : undefined;
    const matched = api === 'celigo' ? matchRoute(API_ROUTES, method, pathname) : undefined;
    const endpoint = `${method} ${(api === 'celigo' ? matched?.route.template : template) ?? '(unmatched)'}`;

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
      const body = fault.body ?? faultBody(api, status, this.nextRequestId());
      send(res, { status, body, ...(fault.headers === undefined ? {} : { headers: fault.headers }) });
      this.stats.record(endpoint, status, performance.now() - arrived);
      return;
    }

    const reply =
      api === 'neo'
        ? this.answerNeo(req, method, url)
        : api === 'airweave'
          ? this.answerAirweave(req, method, url)
          : await this.answer(req, method, url, matched);
    send(res, reply);
    this.stats.record(endpoint, reply.status, performance.now() - arrived);
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

  /**
   * Airweave: FastAPI `{"detail"}` errors; each endpoint wants the key in its own documented scheme
   * (`x-api-key` for source-connection jobs, `Authorization: Bearer` for the organisation's jobs).
   * A key in the other scheme is no credential at all there: 401 "Not authenticated".
   */
  private answerAirweave(req: IncomingMessage, method: string, url: URL): Reply {
    const header = req.headers['x-api-key'];
    const authorization = req.headers.authorization;
    const bearer =
      authorization !== undefined && /^bearer\s/i.test(authorization)
        ? authorization.slice(authorization.indexOf(' ') + 1).trim()
        : undefined;
    const scheme = airweaveAuthScheme(matchRoute(COMPILED_AIRWEAVE_ROUTES, method, url.pathname)?.route.template);
    const key =
      scheme === 'bearer'
        ? bearer
        : scheme === 'x-api-key'
          ? typeof header === 'string'
            ? header
            : undefined
          : typeof header === 'string'
            ? header
            : bearer;
    if (key === undefined) {
      return airweaveError(
        401,
        scheme === 'bearer'
          ? 'Not authenticated: send the API key as Authorization: Bearer <key>'
          : 'Not authenticated: send the API key in the x-api-key header',
      );
    }
    if (key !== this.airweaveApiKey) return airweaveError(401, 'Invalid API key');
    const take = this.buckets.airweave.take();
    if (!take.ok)
      return {
        ...airweaveError(429, `Rate limit exceeded; retry in ${take.retryAfterSeconds} s`),
        headers: { 'Retry-After': String(take.retryAfterSeconds) },
      };
    const matched = matchRoute(COMPILED_AIRWEAVE_ROUTES, method, url.pathname);
    if (matched === undefined) return airweaveError(404, 'Not Found');
    try {
      return matched.route.handler({ world: this.airweave, params: matched.params, query: url.searchParams });
    } catch (e) {
      return airweaveError(500, `Simulator error: ${(e as Error).message}`);
    }
  }

  /** Neo: Bearer token, `{error: {code, message}, meta}` errors, Retry-After on 429. */
  private answerNeo(req: IncomingMessage, method: string, url: URL): Reply {
    const requestId = this.nextRequestId();
    const authorization = req.headers.authorization;
    if (authorization === undefined || !/^bearer\s/i.test(authorization)) {
      return neoError(401, 'unauthenticated', 'Missing Authorization: Bearer header', requestId);
    }
    if (authorization.slice(authorization.indexOf(' ') + 1).trim() !== this.neoToken) {
      return neoError(401, 'invalid_token', 'The API key is not valid', requestId);
    }
    const take = this.buckets.neo.take();
    if (!take.ok) {
      return {
        ...neoError(429, 'rate_limited', `Too many requests; retry in ${take.retryAfterSeconds} s`, requestId),
        headers: { 'Retry-After': String(take.retryAfterSeconds) },
      };
    }
    const matched = matchRoute(COMPILED_NEO_ROUTES, method, url.pathname);
    if (matched === undefined) return neoError(404, 'not_found', `No such endpoint: ${method} ${url.pathname}`, requestId);
    try {
      return matched.route.handler({ world: this.neo, params: matched.params, query: url.searchParams, now: this.now(), requestId });
    } catch (e) {
      return neoError(500, 'server_error', `Simulator error: ${(e as Error).message}`, requestId);
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
  const token = options.token ?? DEFAULT_TOKEN;
  const state = new SimulatorServer(
    resolveScenario(options.scenario),
    { celigo: token, airweave: options.airweaveApiKey ?? token, neo: options.neoToken ?? token },
    {
      celigo: options.rateLimit ?? DEFAULT_RATE_LIMIT,
      airweave: options.airweaveRateLimit ?? DEFAULT_RATE_LIMIT,
      neo: options.neoRateLimit ?? DEFAULT_RATE_LIMIT,
    },
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
  const activity = options.activity;
  const activityTimer =
    activity && activity.fraction > 0 ? setInterval(() => state.world.runActivity(activity.fraction), activity.intervalMs) : undefined;
  activityTimer?.unref();
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    get world() {
      return state.world;
    },
    get airweave() {
      return state.airweave;
    },
    get neo() {
      return state.neo;
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        clearInterval(activityTimer);
        state.releaseHanging();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
