// How long to wait before the next attempt.

/** Full-jitter exponential backoff: uniform in [0, min(max, base × 2^attempt)]. `attempt` starts at 0. */
export function fullJitterBackoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling * Math.min(1, Math.max(0, random())));
}

/**
 * The one `Retry-After` parser (upstream APIs and receivers alike): milliseconds from `nowMs`,
 * from delta-seconds or an HTTP date. Undefined when absent or unreadable; a date in the past
 * means "now" (0).
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}
