// Alertmanager API v2, the subset tools use (amtool, Grafana's Alertmanager data source): alerts,
// alert groups, silences, status — with Alertmanager's JSON shapes (api/v2/openapi.yaml:
// gettableAlert, alertGroup, gettableSilence, postableSilence, matcher, alertmanagerStatus).
// Silences are the ones `syncwatch silence add` stores, so every replica honours them.
import { stringify } from 'yaml';
import { z } from 'zod';
import type { FiringAlertStatus } from '../alerting/dispatcher.ts';
import { alertFingerprint, stringAnnotations } from '../alert/alertmanager.ts';
import { checkMatcher, matchersMatch, parseMatchers, type Matcher } from '../alerting/alertmanager.ts';
import { compileRoute, groupsFor, labelSetOf, type Route } from '../alerting/route.ts';
import {
  addSilence,
  expireSilence,
  getSilence,
  listSilences,
  silencesFromConfig,
  silenceState,
  type Silence,
} from '../alerting/silence.ts';
import type { Config } from '../config/index.ts';
import type { LabelSet } from '../alert/model.ts';
import { isSyncwatchError } from '../errors.ts';
import { globToRegexSource, isGlob } from '../glob.ts';
import type { RedisClient as Redis } from '../state/redis.ts';
import type { Keyspace } from '../state/keys.ts';
import { json, type Reply, type Request, type Routes } from './http.ts';

export const SYNCWATCH_VERSION = '0.1.0';
/** Alertmanager reports an active alert as ending one resolve_timeout (default 5m) from now unless refreshed. */
const RESOLVE_TIMEOUT_MS = 5 * 60_000;

export interface AlertmanagerApiDeps {
  redis: Redis;
  keys: Keyspace;
  /** The firing alerts with silenced / inhibited (the dispatcher's alertsForStatus). */
  alerts(): Promise<FiringAlertStatus[]>;
  route: Route | undefined;
  receivers: readonly string[];
  configSilences: readonly Silence[];
  startedAt: number;
  now?: () => number;
}

export interface GettableAlert {
  labels: LabelSet;
  annotations: Record<string, string>;
  receivers: Array<{ name: string }>;
  fingerprint: string;
  startsAt: string;
  updatedAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

export function gettableAlerts(firing: readonly FiringAlertStatus[], route: Route | undefined, now: number): GettableAlert[] {
  const downBy = new Map(firing.filter((a) => a.labels.kind === 'TargetDown').map((a) => [a.labels.target, alertFingerprint(a)]));
  return firing.map((a) => {
    const receivers = route ? [...new Set(groupsFor(route, a).map((g) => g.route.receiver))] : [];
    const inhibitedBy = a.inhibited && downBy.has(a.labels.target) ? [downBy.get(a.labels.target)!] : [];
    return {
      labels: labelSetOf(a),
      annotations: stringAnnotations(a.annotations),
      receivers: receivers.map((name) => ({ name })),
      fingerprint: alertFingerprint(a),
      startsAt: a.startsAt,
      updatedAt: a.startsAt,
      endsAt: new Date(now + RESOLVE_TIMEOUT_MS).toISOString(),
      ...(a.annotations.link ? { generatorURL: a.annotations.link } : {}),
      status: { state: a.silenced || inhibitedBy.length > 0 ? 'suppressed' : 'active', silencedBy: a.silencedBy, inhibitedBy },
    };
  });
}

/** A silence as Alertmanager's matchers: `match` globs become regexes (`*` → `.*`, `?` → `.`). */
export function silenceMatchers(s: Pick<Silence, 'match' | 'matchers'>): Matcher[] {
  const fromMatch = Object.entries(s.match).map(([name, glob]): Matcher => {
    const isRegex = isGlob(glob);
    const value = isRegex ? globToRegexSource(glob) : glob;
    return { name, value, isRegex, isEqual: true };
  });
  return [...fromMatch, ...(s.matchers ?? [])];
}

export function gettableSilence(s: Silence, now: number) {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: s.startsAt,
    matchers: silenceMatchers(s),
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    createdBy: s.createdBy ?? (s.source === 'config' ? 'syncwatch config' : 'syncwatch'),
    comment: s.comment ?? '',
  };
}

const matcherSchema = z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().default(true) });
const postableSilence = z.object({
  id: z.string().optional(),
  matchers: z.array(matcherSchema).min(1),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  createdBy: z.string(),
  comment: z.string(),
});

const bool = (q: URLSearchParams, name: string) => q.get(name) !== 'false';
const problem = (status: number, message: string): Reply => json(status, message);

export function alertmanagerApi(deps: AlertmanagerApiDeps): Routes {
  const now = deps.now ?? Date.now;
  const allSilences = async () => [...deps.configSilences, ...(await listSilences(deps.redis, deps.keys, { all: true, now: now() }))];

  async function alerts(q: URLSearchParams): Promise<GettableAlert[]> {
    const filter = parseMatchers(q.getAll('filter'));
    const receiver = q.get('receiver') ? new RegExp(`^(?:${q.get('receiver')})$`) : undefined;
    return gettableAlerts(await deps.alerts(), deps.route, now()).filter((a) => {
      if (!matchersMatch(filter, a.labels)) return false;
      if (receiver && !a.receivers.some((r) => receiver.test(r.name))) return false;
      if (!bool(q, 'active') && a.status.state === 'active') return false;
      if (!bool(q, 'silenced') && a.status.silencedBy.length > 0) return false;
      if (!bool(q, 'inhibited') && a.status.inhibitedBy.length > 0) return false;
      return true;
    });
  }

  async function groups(q: URLSearchParams) {
    const list = await alerts(q);
    const firing = new Map((await deps.alerts()).map((a) => [alertFingerprint(a), a]));
    const out = new Map<string, { labels: LabelSet; receiver: { name: string }; alerts: GettableAlert[] }>();
    for (const a of list) {
      const source = firing.get(a.fingerprint);
      const assignments = deps.route && source ? groupsFor(deps.route, source) : [];
      for (const g of assignments) {
        const key = `${g.route.receiver}\u0000${g.groupKey}`;
        let group = out.get(key);
        if (!group) out.set(key, (group = { labels: g.groupLabels, receiver: { name: g.route.receiver }, alerts: [] }));
        group.alerts.push(a);
      }
    }
    return [...out.values()];
  }

  async function postSilence(body: string): Promise<Reply> {
    let input: z.infer<typeof postableSilence>;
    try {
      const parsed = postableSilence.safeParse(JSON.parse(body));
      if (!parsed.success) return problem(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      input = parsed.data;
    } catch {
      return problem(400, 'the body is not JSON');
    }
    const t = now();
    const startsAt = Date.parse(input.startsAt);
    const endsAt = Date.parse(input.endsAt);
    if (!(endsAt > startsAt)) return problem(400, 'endsAt must be after startsAt');
    if (endsAt <= t) return problem(400, 'endsAt is in the past');
    const matchers = input.matchers.map((m) => checkMatcher(m));
    if (matchers.every((m) => matchersMatch([m], {})))
      return problem(400, 'at least one matcher must not match the empty string (it would silence everything)');
    // Alertmanager's update: a known id is replaced (expired, and a new one made).
    if (input.id) {
      const old = await getSilence(deps.redis, deps.keys, input.id);
      if (!old) return problem(404, `no silence ${input.id}`);
      await expireSilence(deps.redis, deps.keys, input.id, t);
    }
    const s = await addSilence(deps.redis, deps.keys, {
      match: {},
      matchers,
      startsAt,
      durationMs: endsAt - Math.max(t, startsAt),
      comment: input.comment,
      createdBy: input.createdBy,
      now: t,
    });
    return json(200, { silenceID: s.id });
  }

  return async (req: Request): Promise<Reply | undefined> => {
    if (!req.path.startsWith('/api/v2/')) return undefined;
    const path = req.path.slice('/api/v2'.length);
    const silenceId = /^\/silence\/([^/]+)$/.exec(path)?.[1];
    try {
      if (req.method === 'GET' && path === '/alerts') return json(200, await alerts(req.query));
      if (req.method === 'GET' && path === '/alerts/groups') return json(200, await groups(req.query));
      if (req.method === 'GET' && path === '/silences') {
        const filter = parseMatchers(req.query.getAll('filter'));
        const list = (await allSilences()).filter((s) =>
          matchersMatch(filter, Object.fromEntries(silenceMatchers(s).map((m) => [m.name, m.value]))),
        );
        return json(
          200,
          list.map((s) => gettableSilence(s, now())),
        );
      }
      if (req.method === 'POST' && path === '/silences') return await postSilence(await req.text());
      if (silenceId !== undefined && (req.method === 'GET' || req.method === 'DELETE')) {
        const id = decodeURIComponent(silenceId);
        const configured = deps.configSilences.find((s) => s.id === id);
        if (configured && req.method === 'DELETE') return problem(400, `silence ${id} is defined in the config file; remove it there`);
        const s =
          configured ??
          (req.method === 'GET' ? await getSilence(deps.redis, deps.keys, id) : await expireSilence(deps.redis, deps.keys, id, now()));
        if (!s) return problem(404, `no silence ${id}`);
        return req.method === 'GET' ? json(200, gettableSilence(s, now())) : { status: 200, body: '' };
      }
      if (req.method === 'GET' && path === '/status') return json(200, status());
      if (req.method === 'GET' && path === '/receivers')
        return json(
          200,
          deps.receivers.map((name) => ({ name })),
        );
      return problem(404, `no ${req.method} ${req.path} in syncwatch's Alertmanager API`);
    } catch (e) {
      if (isSyncwatchError(e, 'config') || e instanceof SyntaxError) return problem(400, (e as Error).message);
      throw e;
    }
  };

  function status() {
    // Receivers by name only: enough for Grafana to show them, no secret leaves.
    const original = stringify({ route: { receiver: deps.route?.receiver ?? '' }, receivers: deps.receivers.map((name) => ({ name })) });
    return {
      cluster: { status: 'disabled', peers: [] },
      versionInfo: {
        version: SYNCWATCH_VERSION,
        revision: 'syncwatch',
        branch: 'syncwatch',
        buildUser: 'syncwatch',
        buildDate: '',
        goVersion: `node ${process.version}`,
      },
      config: { original },
      uptime: new Date(deps.startedAt).toISOString(),
    };
  }
}

/** The API for a daemon's config: its route, receivers and config silences. */
export function alertmanagerApiFor(
  config: Pick<Config, 'route' | 'receivers' | 'silences'>,
  deps: Pick<AlertmanagerApiDeps, 'redis' | 'keys' | 'alerts' | 'now'>,
): Routes {
  return alertmanagerApi({
    ...deps,
    route: config.route ? compileRoute(config.route) : undefined,
    receivers: config.receivers.map((r) => r.name),
    configSilences: silencesFromConfig(config.silences),
    startedAt: (deps.now ?? Date.now)(),
  });
}
