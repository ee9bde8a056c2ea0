// Slack: the Web API (token + channel) with threads and updates, or an incoming webhook.
// The client's own retries are off: the delivery job owns retrying (and honours Retry-After).
import { accepted, postJson, refusal } from '../post.ts';
import { WebClient, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import type { SlackReceiverConfig } from './config.ts';
import type { Notification } from '../../alert/model.ts';
import type { DeliveryRecord } from '../types.ts';
import { notificationId, NotifyError, retryableStatus, type DeliveryGuarantee, type Notifier, type NotifierDeps } from '../types.ts';
import { renderSlack, type ButtonsFor } from './render.ts';
import { parseRetryAfterMs } from '../../http/backoff.ts';

export { renderSlack, escapeMrkdwn, SLACK_LIMITS } from './render.ts';

/** `ok:false` errors that waiting will not fix: logged and counted, not retried. */
export const NON_HEALING_SLACK_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'access_denied',
  'team_access_not_granted',
  'ekm_access_denied',
  'org_login_required',
  'two_factor_setup_required',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'invalid_arguments',
  'invalid_arg_name',
  'invalid_charset',
  'invalid_form_data',
  'invalid_post_type',
  'missing_post_type',
  'method_deprecated',
  'deprecated_endpoint',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
]);

/** The original message cannot be updated: post the resolution as a new message instead. */
const UPDATE_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

export function slackError(e: unknown): NotifyError {
  if (e instanceof NotifyError) return e;
  if (e instanceof WebAPIPlatformError) {
    const code = e.data.error;
    return new NotifyError(`slack answered ok:false (${code})`, { retryable: !NON_HEALING_SLACK_ERRORS.has(code), code, cause: e });
  }
  if (e instanceof WebAPIRateLimitedError) {
    return new NotifyError(`slack rate-limited the call (retry after ${e.retryAfter}s)`, {
      retryable: true,
      retryAfterMs: e.retryAfter * 1000,
      code: '429',
      cause: e,
    });
  }
  if (e instanceof WebAPIHTTPError) {
    const after = parseRetryAfterMs(e.headers['retry-after'], Date.now());
    return new NotifyError(`slack answered HTTP ${e.statusCode}`, {
      retryable: retryableStatus(e.statusCode),
      code: String(e.statusCode),
      ...(after !== undefined ? { retryAfterMs: after } : {}),
      cause: e,
    });
  }
  if (e instanceof WebAPIRequestError) {
    // No answer (timeout, reset): Slack may have posted the message all the same.
    return new NotifyError(`slack request failed: ${e.original.message}`, {
      retryable: true,
      code: 'request',
      outcomeUnknown: true,
      cause: e,
    });
  }
  return new NotifyError(`slack: ${e instanceof Error ? e.message : String(e)}`, { retryable: true, outcomeUnknown: true, cause: e });
}

/** The message metadata event syncwatch posts with every message: it carries the notification id. */
export const SLACK_METADATA_EVENT = 'syncwatch_notification';
/** How far back (before the notification was made) an uncertain send is looked for, and how many messages at most. */
export const RECONCILE_WINDOW_MS = 24 * 3600 * 1000;
export const RECONCILE_LIMIT = 200;

/** A channel ID (`C…`, `G…`, `D…`): what conversations.history wants; a `#name` it does not take. */
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

interface HistoryMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

const carries = (id: string) => (m: HistoryMessage) =>
  m.metadata?.event_type === SLACK_METADATA_EVENT && m.metadata.event_payload?.notification_id === id;

const WEBHOOK_AT_LEAST_ONCE =
  'an incoming webhook cannot be asked what it already posted: a send interrupted after Slack took it may be posted twice ' +
  '(use token + channel for exactly-once)';
const nameNotId = (channel: string) =>
  `channel "${channel}" is a name: conversations.history needs the channel ID (C…) ` +
  'to look for a message whose send was interrupted, so a retry may post it twice';
const MISSING_SCOPE =
  'the token lacks the history scope (channels:history, or groups:history for a private channel): ' +
  'an interrupted send cannot be looked up, so a retry may post it twice';
const EXACTLY_ONCE =
  'each message carries its notification id in metadata; an interrupted send is looked up in the channel history before it is retried';

/** What the configuration alone says about the guarantee; undefined when only Slack can tell (the token's scopes). */
export function slackStaticGuarantee(config: SlackReceiverConfig): DeliveryGuarantee | undefined {
  if ('webhookUrl' in config) return { guarantee: 'at-least-once', why: WEBHOOK_AT_LEAST_ONCE };
  if (!CHANNEL_ID.test(config.channel)) return { guarantee: 'at-least-once', why: nameNotId(config.channel) };
  return undefined;
}

/** Slack's part of a group's delivery record: the channel and `ts` of the group's message (its thread). */
interface SlackThread {
  channel: string;
  ts: string;
}

function slackThreadOf(record: DeliveryRecord | undefined): SlackThread | undefined {
  const t = record?.slack as Partial<SlackThread> | undefined;
  return typeof t?.channel === 'string' && typeof t.ts === 'string' ? { channel: t.channel, ts: t.ts } : undefined;
}

export function createSlackNotifier(config: SlackReceiverConfig, deps: NotifierDeps): Notifier {
  return 'webhookUrl' in config ? incomingWebhook(config.webhookUrl, deps) : webApi(config, deps);
}

function webApi(config: Exclude<SlackReceiverConfig, { webhookUrl: string }>, deps: NotifierDeps): Notifier {
  const client = new WebClient(config.token, {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
    allowAbsoluteUrls: false,
  });
  // The channel's ID, as Slack answers it: from the config when it is one, else learnt from a post.
  let channelId = CHANNEL_ID.test(config.channel) ? config.channel : undefined;
  // Buttons on firing alerts when the receiver is interactive; Retry now where a policy covers the alert.
  const buttons: ButtonsFor | undefined = config.interactive ? (a) => ({ retry: deps.canRetry?.(a) ?? false }) : undefined;
  const post = async (n: Notification, show: 'alerts' | 'transitions', threadTs?: string) => {
    const message = renderSlack(n, show, buttons);
    const res = await client.chat.postMessage({
      channel: config.channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      // The notification id travels with the message, so an uncertain send can be found again.
      metadata: { event_type: SLACK_METADATA_EVENT, event_payload: { notification_id: notificationId(n) } },
    });
    if (res.channel) channelId = res.channel;
    return { channel: res.channel ?? config.channel, ts: res.ts ?? '' };
  };
  /** The message of this notification already in the channel (or the thread), if any. */
  const findPosted = async (n: Notification, channel: string, threadTs?: string): Promise<string | undefined> => {
    const oldest = String((Date.parse(n.createdAt) - RECONCILE_WINDOW_MS) / 1000);
    const args = { channel, oldest, limit: RECONCILE_LIMIT, include_all_metadata: true };
    const res = threadTs ? await client.conversations.replies({ ...args, ts: threadTs }) : await client.conversations.history(args);
    return ((res.messages ?? []) as HistoryMessage[]).find(carries(notificationId(n)))?.ts;
  };
  return {
    name: deps.name,
    async reconcile(n, previous) {
      const thread = slackThreadOf(previous);
      // Resolving a group updates its message in place: doing that twice changes nothing.
      if (thread && n.status === 'resolved') return { found: false };
      const channel = thread?.channel ?? channelId;
      if (!channel) {
        deps.logger.warn(
          { receiver: deps.name, why: nameNotId(config.channel) },
          'cannot look for an earlier attempt: the channel is a name, not an ID; sending again',
        );
        return { found: false };
      }
      try {
        const ts = await findPosted(n, channel, thread?.ts);
        if (ts === undefined) return { found: false };
        if (thread) return { found: true, record: previous };
        return {
          found: true,
          record: n.status === 'resolved' ? { ...previous, slack: undefined } : { ...previous, slack: { channel, ts } },
        };
      } catch (e) {
        const err = slackError(e);
        if (err.code === 'missing_scope') {
          deps.logger.warn(
            { receiver: deps.name, why: MISSING_SCOPE },
            'cannot look for an earlier attempt: the token lacks the history scope; sending again',
          );
          return { found: false };
        }
        throw err;
      }
    },
    async guarantee() {
      // From the configuration, not from what this process learnt: a restarted one has not.
      const fixed = slackStaticGuarantee(config);
      if (fixed) return fixed;
      try {
        await client.conversations.history({ channel: config.channel, limit: 1, include_all_metadata: true });
        return { guarantee: 'exactly-once', why: EXACTLY_ONCE };
      } catch (e) {
        const err = slackError(e);
        if (err.code === 'missing_scope') return { guarantee: 'at-least-once', why: MISSING_SCOPE };
        return { guarantee: 'at-least-once', why: `the channel history could not be read (${err.message})` };
      }
    },
    async send(n, previous): Promise<DeliveryRecord> {
      try {
        const thread = slackThreadOf(previous);
        if (!thread) {
          // The group's first message: its ts is the thread for what follows.
          const posted = await post(n, 'alerts');
          return n.status === 'resolved' ? { ...previous, slack: undefined } : { ...previous, slack: posted };
        }
        if (n.status === 'resolved') {
          // The whole group resolved: the original message shows it.
          const message = renderSlack(n, 'alerts');
          try {
            await client.chat.update({ channel: thread.channel, ts: thread.ts, text: message.text, blocks: message.blocks });
          } catch (e) {
            const err = slackError(e);
            if (!err.code || !UPDATE_GONE.has(err.code)) throw err;
            deps.logger.warn(
              { receiver: deps.name, code: err.code },
              'could not update the original slack message; posting the resolution',
            );
            await post(n, 'alerts');
          }
          return { ...previous, slack: undefined };
        }
        await post(n, n.reason === 'repeat' ? 'alerts' : 'transitions', thread.ts);
        return { ...previous };
      } catch (e) {
        throw slackError(e);
      }
    },
  };
}

function incomingWebhook(url: string, deps: NotifierDeps): Notifier {
  return {
    name: deps.name,
    guarantee: async () => ({ guarantee: 'at-least-once', why: WEBHOOK_AT_LEAST_ONCE }),
    async send(n, previous) {
      const message = renderSlack(n, n.reason === 'update' ? 'transitions' : 'alerts');
      const answer = await postJson('slack webhook', url, JSON.stringify(message));
      if (!accepted(answer)) throw refusal('slack webhook', answer, answer.text.slice(0, 100));
      return previous;
    },
  };
}
