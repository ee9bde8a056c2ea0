// How long a delivery is retried: exponential backoff, capped per attempt, for up to 24 h. A
// receiver that is down delays its notifications; only one that stays down a whole day loses one.

export interface DeliveryRetryOptions {
  /** Keep retrying this long (ms). Default 24 h. */
  retryForMs?: number;
  /** First delay (ms). Default 1 s. */
  initialMs?: number;
  /** Longest delay between two attempts (ms). Default 15 min. */
  maxMs?: number;
}

export interface DeliveryRetryPlan {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The delay after failed attempt `attempt` (1-based), before Retry-After is considered. */
  delayAfter(attempt: number): number;
  retryForMs: number;
}

export function deliveryRetryPlan(options: DeliveryRetryOptions = {}): DeliveryRetryPlan {
  const retryForMs = options.retryForMs ?? 24 * 3600_000;
  const initialMs = Math.max(1, options.initialMs ?? 1000);
  const maxMs = Math.max(initialMs, options.maxMs ?? 15 * 60_000);
  const delayAfter = (attempt: number) => Math.min(maxMs, initialMs * 2 ** Math.min(40, Math.max(0, attempt - 1)));
  let attempts = 1;
  let waited = 0;
  while (waited < retryForMs) {
    waited += delayAfter(attempts);
    attempts++;
  }
  return { attempts, delayAfter, retryForMs };
}

/** The wait before the next attempt: the backoff, or longer when the receiver asked for it. */
export function nextDelay(plan: DeliveryRetryPlan, attempt: number, retryAfterMs?: number): number {
  return Math.max(plan.delayAfter(attempt), retryAfterMs ?? 0);
}
