// The console's routes: the page at /, its live part, the silence form, and the form posts that
// create and expire silences (the gate has checked the session and the CSRF token before).
import { parseMatchers } from '../alerting/alertmanager.ts';
import type { FiringAlertStatus } from '../alerting/dispatcher.ts';
import { addSilence, expireSilence, listSilences, type Silence } from '../alerting/silence.ts';
import type { Reply, Request, Routes } from '../api/http.ts';
import { parseDuration } from '../fields/duration.ts';
import { isSyncwatchError } from '../errors.ts';
import type { PolicyStatus } from '../retry/retrier.ts';
import type { Keyspace } from '../state/keys.ts';
import type { RedisClient as Redis } from '../state/redis.ts';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.ts';
import { mergeHistory, readHistory, silenceHistory } from './history.ts';
import { html, page } from './html.ts';
import { consoleBody, liveView, silenceForm, type ConsoleData, type TargetStatus } from './view.ts';

export interface ConsoleDeps {
  redis: Redis;
  keys: Keyspace;
  /** The daemon's /status: targets, firing alerts, retry policies. */
  status(): Promise<unknown>;
  configSilences: readonly Silence[];
  now?: () => number;
}

const htmlReply = (status: number, body: string): Reply => ({ status, body, contentType: 'text/html; charset=utf-8' });
const back = (to = '/'): Reply => ({ status: 303, body: '', headers: { location: to } });

export function consoleRoutes(deps: ConsoleDeps): Routes {
  const now = deps.now ?? Date.now;

  async function data(req: Request): Promise<ConsoleData> {
    const status = (await deps.status()) as { targets: TargetStatus[]; alerts: FiringAlertStatus[]; retryPolicies: PolicyStatus[] };
    const t = now();
    const runtime = await listSilences(deps.redis, deps.keys, { all: true, now: t });
    const filter = {
      ...(req.query.get('target') ? { target: req.query.get('target')! } : {}),
      ...(req.query.get('kind') ? { kind: req.query.get('kind')! } : {}),
    };
    const history = mergeHistory(await readHistory(deps.redis, deps.keys, { count: 50, ...filter }), silenceHistory(runtime, t), filter);
    return { ...status, silences: [...deps.configSilences, ...runtime.reverse()], history, now: t, csrf: req.csrf ?? '', filter };
  }

  async function createSilence(req: Request): Promise<Reply> {
    const form = new URLSearchParams(await req.text());
    try {
      const matchers = parseMatchers((form.get('matchers') ?? '').split(/\r?\n/).filter((l) => l.trim() !== ''));
      const durationMs = parseDuration((form.get('duration') ?? '').trim());
      if (durationMs === undefined)
        return htmlReply(
          400,
          page(
            'syncwatch',
            html`<p class="error">The duration must look like 30m, 2h or 1d.</p>
              <a href="/">Back</a>`,
          ),
        );
      await addSilence(deps.redis, deps.keys, {
        match: {},
        matchers,
        durationMs,
        comment: form.get('comment') ?? '',
        createdBy: form.get('createdBy') || req.user || 'console',
        now: now(),
      });
      return back();
    } catch (e) {
      if (!isSyncwatchError(e, 'config')) throw e;
      return htmlReply(
        400,
        page(
          'syncwatch',
          html`<p class="error">${e.message}</p>
            <a href="/">Back</a>`,
        ),
      );
    }
  }

  return async (req) => {
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && req.path === '/')
      return htmlReply(
        200,
        page('syncwatch', consoleBody(await data(req), req.user, req.query.toString()), { csrf: req.csrf ?? '', refresh: true }),
      );
    if (get && req.path === '/console/live') return htmlReply(200, liveView(await data(req)).text);
    if (get && req.path === '/console/assets/console.js')
      return { status: 200, body: CONSOLE_JS, contentType: 'text/javascript; charset=utf-8' };
    if (get && req.path === '/console/assets/console.css')
      return { status: 200, body: CONSOLE_CSS, contentType: 'text/css; charset=utf-8' };
    if (get && req.path === '/console/silence/new') {
      const d = await data(req);
      const alert = d.alerts.find((a) => a.fingerprint === req.query.get('fingerprint'));
      return htmlReply(200, page('syncwatch · new silence', silenceForm(alert, d.csrf, req.user)));
    }
    if (req.method === 'POST' && req.path === '/console/silences') return createSilence(req);
    const expire = /^\/console\/silences\/([^/]+)\/expire$/.exec(req.path);
    if (req.method === 'POST' && expire) {
      await expireSilence(deps.redis, deps.keys, decodeURIComponent(expire[1]!), now());
      return back();
    }
    return undefined;
  };
}
