// One JSON POST to a receiver (webhook, Slack incoming webhook, PagerDuty, Teams): the answer as
// status, Retry-After and text, or a NotifyError when there is no answer. Errors name the host,
// never the whole URL (a Slack or Teams webhook URL is its own credential).
import { parseRetryAfterMs } from '../http/backoff.ts';
import { NotifyError, retryableStatus } from './types.ts';

export interface PostAnswer {
  status: number;
  /** Retry-After in ms, when the receiver sent one we could read. */
  retryAfterMs?: number;
  text: string;
}

/** `https://host/…`: what may be shown of a secret URL. */
export function redactUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}

export async function postJson(
  what: string,
  url: string,
  body: string,
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<PostAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'syncwatch' },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    // The cause is kept off the message: undici's causes can name the URL.
    const reason = e instanceof Error && e.name === 'TimeoutError' ? 'timed out' : 'failed (no answer)';
    throw new NotifyError(`${what} request to ${redactUrl(url)} ${reason}`, { retryable: true, code: 'request', outcomeUnknown: true });
  }
  const text = await res.text().catch(() => '');
  const retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), Date.now());
  return { status: res.status, text, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** True for a 2xx answer. */
export const accepted = (answer: PostAnswer): boolean => answer.status >= 200 && answer.status < 300;

/** A refusal as a NotifyError: retried for 429 and 5xx (honouring Retry-After), dropped otherwise. */
export function refusal(what: string, answer: PostAnswer, detail = ''): NotifyError {
  return new NotifyError(`${what} answered HTTP ${answer.status}${detail ? ` (${detail})` : ''}`, {
    retryable: retryableStatus(answer.status),
    code: String(answer.status),
    ...(answer.retryAfterMs !== undefined ? { retryAfterMs: answer.retryAfterMs } : {}),
  });
}
