// POST /slack/interactions: the buttons on Slack alert messages. Each request is checked first —
// Slack's v0 signature with the signing secret of an interactive receiver, a timestamp within five
// minutes, never the same signed request twice (SET NX in Redis, so across replicas) — and answered
// 200 at once; the click's work runs after the answer (Slack wants one within 3 s):
//   Acknowledge  → the episode is acknowledged (no reminders), the message says who and when
//   Silence 1h/1d → a silence on the alert's identifying labels, by the Slack user, "from Slack"
//   Retry now    → the retrier's manual run (same lock, ledger, attempts, budget, dry run); the
//                  outcome is a reply in the message's thread
// A user outside allowedUsers / allowedUserGroups is answered ephemerally (response_url) and logged.
import type { Logger } from 'pino';
import { labelSetOf, type AlertEvent } from '../alert/model.ts';
import { acknowledge, addSilence, listSilences, type Silence } from '../alerting/index.ts';
import type { Matcher } from '../alerting/alertmanager.ts';
import { json, type Routes } from '../api/http.ts';
import type { Config } from '../config/index.ts';
import { parseJson } from '../json.ts';
import type { SlackInteractiveConfig } from '../notifiers/slack/config.ts';
import {
  answerEphemeral,
  blocksWithOutcome,
  checkSlackSignature,
  mention,
  parseSlackClick,
  slackInteractionApi,
  SIGNATURE_MAX_AGE_SECONDS,
  type SlackAction,
  type SlackClick,
  type SlackInteractionApi,
} from '../notifiers/slack/interactive.ts';
import { escapeMrkdwn } from '../notifiers/slack/render.ts';
import type { RetryNowResult } from '../retry/index.ts';
import type { Keyspace } from '../state/keys.ts';
import type { RedisClient as Redis } from '../state/redis.ts';

export const INTERACTIONS_PATH = '/slack/interactions';
/** A signed request is remembered this long: longer than the window its timestamp is accepted in, both ways. */
const SEEN_TTL_SECONDS = 2 * SIGNATURE_MAX_AGE_SECONDS + 60;
/** User group members are asked for at most this often. */
const GROUP_CACHE_MS = 60_000;

const SILENCE_MS: Partial<Record<SlackAction, { ms: number; label: string }>> = {
  silence1h: { ms: 3600_000, label: '1h' },
  silence1d: { ms: 24 * 3600_000, label: '1d' },
};

export interface InteractionsDeps {
  config: Pick<Config, 'receivers'>;
  redis: Redis;
  keys: Keyspace;
  logger: Logger;
  /** The retrier's manual run for an alert. */
  retryNow(alert: AlertEvent): Promise<RetryNowResult>;
  now?: () => number;
  /** Counts `syncwatch_slack_interactions_total{action,outcome}`. */
  onInteraction?: (action: string, outcome: string) => void;
  /** The Slack API of a receiver (tests hand in none: the real client against the receiver's apiUrl). */
  api?: (receiver: InteractiveReceiver) => SlackInteractionApi;
}

export interface InteractiveReceiver {
  name: string;
  token: string;
  apiUrl?: string;
  interactive: SlackInteractiveConfig;
}

export interface Interactions {
  routes: Routes;
  /** The clicks still being worked on (after their answer): for a graceful stop. */
  settled(): Promise<void>;
  readonly receivers: readonly InteractiveReceiver[];
}

export function interactiveReceivers(config: Pick<Config, 'receivers'>): InteractiveReceiver[] {
  return config.receivers.flatMap((r) => {
    const s = r.slack;
    if (!s || !('token' in s) || !s.interactive) return [];
    return [{ name: r.name, token: s.token, ...(s.apiUrl ? { apiUrl: s.apiUrl } : {}), interactive: s.interactive }];
  });
}

/** The labels that identify an alert, as equality matchers: what a silence from Slack matches. */
export function identifyingMatchers(alert: AlertEvent): Matcher[] {
  const labels = labelSetOf(alert);
  return (['alertname', 'target', 'resource'] as const)
    .filter((name) => labels[name] !== undefined)
    .map((name) => ({ name, value: labels[name]!, isRegex: false, isEqual: true }));
}

const sameMatchers = (s: Silence, m: readonly Matcher[]) =>
  Object.keys(s.match).length === 0 && JSON.stringify(s.matchers ?? []) === JSON.stringify(m);

const when = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');

export function createInteractions(deps: InteractionsDeps): Interactions {
  const receivers = interactiveReceivers(deps.config);
  const log = deps.logger.child({ component: 'slack-interactions' });
  const now = deps.now ?? Date.now;
  const count = (action: string, outcome: string) => deps.onInteraction?.(action, outcome);
  const apis = new Map<string, SlackInteractionApi>();
  const apiOf = (r: InteractiveReceiver) => {
    let api = apis.get(r.name);
    if (!api) apis.set(r.name, (api = deps.api ? deps.api(r) : slackInteractionApi(r)));
    return api;
  };
  const groups = new Map<string, { at: number; members: Promise<Set<string>> }>();
  const membersOf = (r: InteractiveReceiver, group: string): Promise<Set<string>> => {
    const key = `${r.name}|${group}`;
    const cached = groups.get(key);
    if (cached && now() - cached.at < GROUP_CACHE_MS) return cached.members;
    const members = apiOf(r)
      .groupMembers(group)
      .then((m) => new Set(m));
    groups.set(key, { at: now(), members });
    members.catch(() => groups.delete(key));
    return members;
  };
  const working = new Set<Promise<void>>();

  async function allowed(r: InteractiveReceiver, userId: string): Promise<boolean> {
    const { allowedUsers, allowedUserGroups } = r.interactive;
    if (allowedUsers === undefined && allowedUserGroups === undefined) return true;
    if (allowedUsers?.includes(userId)) return true;
    for (const g of allowedUserGroups ?? []) if ((await membersOf(r, g)).has(userId)) return true;
    return false;
  }

  async function firingAlert(fingerprint: string): Promise<AlertEvent | undefined> {
    return parseJson<AlertEvent>(await deps.redis.hget(deps.keys.alerting.firing, fingerprint));
  }

  async function tell(click: SlackClick, text: string): Promise<void> {
    if (click.responseUrl) await answerEphemeral(click.responseUrl, text);
  }

  async function work(r: InteractiveReceiver, click: SlackClick): Promise<string> {
    const who = { name: click.user.name, userId: click.user.id };
    const clog = log.child({ receiver: r.name, action: click.action, user: click.user.id, fingerprint: click.target.fp });
    if (!(await allowed(r, click.user.id))) {
      clog.warn('slack click refused: the user is not in allowedUsers or allowedUserGroups');
      await tell(
        click,
        `Sorry, you may not use syncwatch's buttons on this channel's alerts (ask to be added to allowedUsers or an allowed user group).`,
      );
      return 'refused';
    }
    const alert = await firingAlert(click.target.fp);
    if (!alert || alert.startsAt !== click.target.ep) {
      clog.info('slack click on an alert that is no longer firing (or fired again since)');
      await tell(click, 'This alert is no longer firing (it resolved, or fired again since: use the newest message).');
      return 'not-firing';
    }
    const api = apiOf(r);
    const update = (line: string, drop: SlackAction[]) =>
      api.update(click.channel, click.messageTs, click.text, blocksWithOutcome(click.blocks, click.blockId, line, drop));
    const at = now();
    if (click.action === 'ack') {
      const { ack, fresh } = await acknowledge(deps.redis, deps.keys, alert, who, at);
      if (!fresh) {
        await tell(
          click,
          `Already acknowledged by ${ack.userId ? mention(ack.userId) : escapeMrkdwn(ack.by)} at ${when(Date.parse(ack.at))}.`,
        );
        return 'already';
      }
      clog.info('alert acknowledged from slack');
      await update(
        `:white_check_mark: Acknowledged by ${mention(click.user.id)} at ${when(at)} — no reminders until it resolves or fires again.`,
        ['ack'],
      );
      return 'done';
    }
    const silence = SILENCE_MS[click.action];
    if (silence) {
      const matchers = identifyingMatchers(alert);
      const existing = (await listSilences(deps.redis, deps.keys, { now: at })).find(
        (s) => sameMatchers(s, matchers) && Date.parse(s.endsAt) >= at + silence.ms - 60_000,
      );
      if (existing) {
        await tell(click, `Already silenced until ${when(Date.parse(existing.endsAt))} (silence ${existing.id}).`);
        return 'already';
      }
      const made = await addSilence(deps.redis, deps.keys, {
        match: {},
        matchers,
        durationMs: silence.ms,
        comment: 'from Slack',
        createdBy: click.user.name,
        now: at,
      });
      clog.info({ silence: made.id, endsAt: made.endsAt }, 'alert silenced from slack');
      await update(
        `:mute: Silenced for ${silence.label} by ${mention(click.user.id)} (until ${when(Date.parse(made.endsAt))}, silence ${made.id}).`,
        [],
      );
      return 'done';
    }
    // Retry now: the outcome goes to the message's thread.
    const result = await deps.retryNow(alert);
    clog.info({ submitted: result.submitted }, 'retry now from slack');
    await api.reply(
      click.channel,
      click.threadTs ?? click.messageTs,
      `Retry now by ${mention(click.user.id)}: ${escapeMrkdwn(result.text)}`,
    );
    return result.submitted > 0 ? 'done' : 'not-submitted';
  }

  const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

  const routes: Routes = async (req) => {
    if (req.path !== INTERACTIONS_PATH) return undefined;
    if (receivers.length === 0) return json(404, { error: 'no interactive slack receiver is configured' });
    if (req.method !== 'POST') return json(405, { error: 'method not allowed' });
    const raw = await req.text();
    const signature = header(req.headers['x-slack-signature']);
    const checked = checkSlackSignature(
      receivers.map((r) => r.interactive.signingSecret),
      { timestamp: header(req.headers['x-slack-request-timestamp']), signature },
      raw,
      now(),
    );
    if (checked.check !== 'ok' || signature === undefined) {
      const why = checked.check === 'stale' ? 'the request timestamp is more than 5 minutes off' : 'the signature does not verify';
      log.warn({ why }, 'slack interaction refused');
      count('unknown', checked.check === 'stale' ? 'stale' : 'unauthorized');
      return json(401, { error: why });
    }
    // The same signed request again (a replay, or Slack's own retry of one we took): refused.
    if ((await deps.redis.set(deps.keys.slack.seen(signature), '1', 'EX', SEEN_TTL_SECONDS, 'NX')) !== 'OK') {
      log.warn('slack interaction refused: this signed request was taken already (replay)');
      count('unknown', 'replayed');
      return json(401, { error: 'this request was taken already' });
    }
    const parsed = parseSlackClick(raw);
    if ('ignored' in parsed) {
      log.debug({ why: parsed.ignored }, 'slack interaction ignored');
      count('unknown', 'ignored');
      return { status: 200, body: '' };
    }
    const receiver = receivers[checked.index ?? 0]!;
    const { click } = parsed;
    const job: Promise<void> = work(receiver, click)
      .then((outcome) => count(click.action, outcome))
      .catch((e: unknown) => {
        count(click.action, 'failed');
        log.error(
          { receiver: receiver.name, action: click.action, err: { message: e instanceof Error ? e.message : String(e) } },
          'slack interaction failed',
        );
        return tell(click, 'Sorry, syncwatch could not do that (see its log).').catch(() => undefined);
      })
      .finally(() => working.delete(job));
    working.add(job);
    return { status: 200, body: '' };
  };

  return {
    routes,
    receivers,
    settled: async () => {
      await Promise.all(working);
    },
  };
}
