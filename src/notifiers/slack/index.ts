// Slack: the Web API (token + channel) with threads and updates, or an incoming webhook.
// The client's own retries are off: the delivery job owns retrying (and honours Retry-After).
import { WebClient, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import type { SlackReceiverConfig } from '../../config/index.ts';
import type { DeliveryRecord, Notification } from '../../alerting/types.ts';
import { NotifyError, retryableStatus, type Notifier, type NotifierDeps } from '../types.ts';
import { renderSlack } from './render.ts';
import { parseRetryAfterMs } from '../../http/backoff.ts';

export { renderSlack, escapeMrkdwn, SLACK_LIMITS } from './render.ts';

/** `ok:false` errors that waiting will not fix: logged and counted, not retried. */
export const NON_HEALING_SLACK_ERRORS = new Set([
  'invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission',
  'missing_scope', 'not_allowed_token_type', 'access_denied', 'team_access_not_granted', 'ekm_access_denied',
  'org_login_required', 'two_factor_setup_required', 'channel_not_found', 'not_in_channel', 'is_archived',
  'restricted_action', 'invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'no_text',
  'invalid_arguments', 'invalid_arg_name', 'invalid_charset', 'invalid_form_data', 'invalid_post_type',
  'missing_post_type', 'method_deprecated', 'deprecated_endpoint', 'message_not_found',
  'cant_update_message', 'edit_window_closed',
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
    return new NotifyError(`slack rate-limited the call (retry after ${e.retryAfter}s)`, { retryable: true, retryAfterMs: e.retryAfter * 1000, code: '429', cause: e });
  }
  if (e instanceof WebAPIHTTPError) {
    const after = parseRetryAfterMs(e.headers['retry-after'], Date.now());
    return new NotifyError(`slack answered HTTP ${e.statusCode}`, { retryable: retryableStatus(e.statusCode), code: String(e.statusCode), ...(after !== undefined ? { retryAfterMs: after } : {}), cause: e });
  }
  if (e instanceof WebAPIRequestError) {
    return new NotifyError(`slack request failed: ${e.original.message}`, { retryable: true, code: 'request', cause: e });
  }
  return new NotifyError(`slack: ${e instanceof Error ? e.message : String(e)}`, { retryable: true, cause: e });
}

export function createSlackNotifier(config: SlackReceiverConfig, deps: NotifierDeps): Notifier {
  return 'webhookUrl' in config ? incomingWebhook(config.webhookUrl, deps) : webApi(config, deps);
}

function webApi(config: { token: string; channel: string; apiUrl?: string }, deps: NotifierDeps): Notifier {
  const client = new WebClient(config.token, {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
    allowAbsoluteUrls: false,
  });
  const post = async (n: Notification, show: 'alerts' | 'transitions', threadTs?: string) => {
    const message = renderSlack(n, show);
    const res = await client.chat.postMessage({ channel: config.channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false, ...(threadTs ? { thread_ts: threadTs } : {}) });
    return { channel: res.channel ?? config.channel, ts: res.ts ?? '' };
  };
  return {
    name: deps.name,
    async send(n, previous): Promise<DeliveryRecord> {
      try {
        const thread = previous?.slack;
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
            deps.logger.warn({ receiver: deps.name, code: err.code }, 'could not update the original slack message; posting the resolution');
            await post(n, 'alerts');
          }
          return { ...previous, slack: undefined };
        }
        await post(n, n.reason === 'repeat' ? 'alerts' : 'transitions', thread.ts);
        return previous;
      } catch (e) {
        throw slackError(e);
      }
    },
  };
}

function incomingWebhook(url: string, deps: NotifierDeps): Notifier {
  return {
    name: deps.name,
    async send(n, previous) {
      const message = renderSlack(n, n.reason === 'update' ? 'transitions' : 'alerts');
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), redirect: 'error', signal: AbortSignal.timeout(15_000) });
      } catch (e) {
        throw new NotifyError(`slack webhook request failed: ${e instanceof Error ? e.message : String(e)}`, { retryable: true, code: 'request', cause: e });
      }
      const body = await res.text().catch(() => '');
      if (!res.ok) {
        const after = parseRetryAfterMs(res.headers.get('retry-after'), Date.now());
        throw new NotifyError(`slack webhook answered HTTP ${res.status} (${body.slice(0, 100)})`, { retryable: retryableStatus(res.status), code: String(res.status), ...(after !== undefined ? { retryAfterMs: after } : {}) });
      }
      return previous;
    },
  };
}
