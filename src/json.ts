// Floor-0 helpers for untyped JSON: the one `isRecord` and the one lenient JSON.parse.

/** A plain object (not null, not an array): safe to read properties of. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON text → value, or undefined when the text is absent, empty or not JSON. For data we wrote
 * ourselves (Redis entries) or optional error bodies: a corrupt entry reads as "not there".
 */
export function parseJson<T = unknown>(raw: string | null | undefined): T | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
