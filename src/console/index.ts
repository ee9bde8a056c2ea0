// The daemon's web surface beyond /status and /metrics: the gate (server.auth), the login routes,
// the Alertmanager API and the console. The daemon wires this in one call.
import { alertmanagerApiFor, type AlertmanagerApiDeps } from '../api/alertmanager.ts';
import type { Routes } from '../api/http.ts';
import type { Config } from '../config/index.ts';
import { silencesFromConfig } from '../alerting/silence.ts';
import type { NotificationOutcome } from '../alerting/dispatcher.ts';
import type { Notification } from '../alert/model.ts';
import { createGate, type Gate } from './auth.ts';
import { recordDelivery } from './history.ts';
import { consoleRoutes, type ConsoleDeps } from './routes.ts';

/** The alert history as alerting's transition log: `createAlerting({ transitionLog: alertHistoryLog(keys) })`. */
export { alertHistoryLog } from './history.ts';

export interface WebDeps extends Pick<AlertmanagerApiDeps, 'redis' | 'keys' | 'alerts' | 'now'>, Pick<ConsoleDeps, 'status'> {}

export interface Web {
  gate: Gate;
  routes: Routes[];
  /** A notification's outcome at a receiver into the history (alerting's onNotification). */
  recordDelivery(receiver: string, outcome: NotificationOutcome, n: Notification): Promise<void>;
}

export function createWeb(config: Pick<Config, 'server' | 'route' | 'receivers' | 'silences'>, deps: WebDeps): Web {
  const gate = createGate({
    auth: config.server.auth,
    ...(config.server.bearerToken ? { bearerToken: config.server.bearerToken } : {}),
    redis: deps.redis,
    keys: deps.keys,
    secureCookies: config.server.externalUrl?.startsWith('https:') ?? false,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const pages = consoleRoutes({ ...deps, configSilences: silencesFromConfig(config.silences) });
  return {
    gate,
    routes: [gate.routes, alertmanagerApiFor(config, deps), pages],
    recordDelivery: (receiver, outcome, n) => recordDelivery(deps.redis, deps.keys, receiver, outcome, n, (deps.now ?? Date.now)()),
  };
}
