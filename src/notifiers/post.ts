// One JSON POST to a receiver whose URL or body carries a secret (PagerDuty, Teams): the answer as
// status, Retry-After and text, or a NotifyError when there is no answer. Errors name the host,
// never the whole URL (a Teams webhook URL is its own credential).
import { parseRetryAfterMs } from '../http/backoff.ts';
import { NotifyError } from './types.ts';

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

export async function postJson(what: string, url: string, body: string, timeoutMs = 15_000): Promise<PostAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'syncwatch' },
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
