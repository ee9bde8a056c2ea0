// The daemon's web surface beyond /status and /metrics: the gate (server.auth), the login routes,
// the Alertmanager API and the console. The daemon wires this in one call.
import { alertmanagerApiFor, type AlertmanagerApiDeps } from '../api/alertmanager.ts';
import type { Routes } from '../api/http.ts';
import type { Config } from '../config/index.ts';
import { createGate, type Gate } from './auth.ts';

export interface WebDeps extends Pick<AlertmanagerApiDeps, 'redis' | 'keys' | 'alerts' | 'now'> {}

export function createWeb(config: Pick<Config, 'server' | 'route' | 'receivers' | 'silences'>, deps: WebDeps): { gate: Gate; routes: Routes[] } {
  const gate = createGate({
    auth: config.server.auth,
    ...(config.server.bearerToken ? { bearerToken: config.server.bearerToken } : {}),
    redis: deps.redis,
    keys: deps.keys,
    secureCookies: config.server.externalUrl?.startsWith('https:') ?? false,
    ...(deps.now ? { now: deps.now } : {}),
  });
  return { gate, routes: [gate.routes, alertmanagerApiFor(config, deps)] };
}
