// Durations as users write them in YAML (`30s`, `10m`, `1h30m`), parsed to milliseconds.
import { z } from 'zod';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

/**
 * Units in descending order, each at most once; `m(?!s)` keeps `10ms` from reading as 10 minutes.
 * The lookahead at the start rejects the empty string. Shared with the JSON Schema, so it stays
 * ECMAScript-compatible.
 */
export const DURATION_PATTERN = '^(?=\\d)(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?$';
const DURATION_RE = new RegExp(DURATION_PATTERN);

export const DURATION_MESSAGE = 'expected a duration like 30s, 10m, 6h';

/** `1h30m` → 5_400_000; undefined for anything that is not a duration (bare numbers included). */
export function parseDuration(s: string): number | undefined {
  const m = DURATION_RE.exec(s);
  if (!m) return undefined;
  const [, d, h, min, sec, ms] = m;
  const parts: Array<[string | undefined, number]> = [
    [d, UNIT_MS.d],
    [h, UNIT_MS.h],
    [min, UNIT_MS.m],
    [sec, UNIT_MS.s],
    [ms, UNIT_MS.ms],
  ];
  let total = 0;
  for (const [digits, unit] of parts) if (digits !== undefined) total += Number(digits) * unit;
  return Number.isSafeInteger(total) ? total : undefined;
}

function durationSchema(allowZero: boolean) {
  return (
    z
      // A missing value falls through to the caller's "required" message.
      .string({ error: (issue) => (issue.input === undefined ? undefined : DURATION_MESSAGE) })
      .regex(DURATION_RE, { error: DURATION_MESSAGE })
      .transform((s, ctx) => {
        const ms = parseDuration(s);
        if (ms === undefined) {
          ctx.issues.push({ code: 'custom', message: DURATION_MESSAGE, input: s });
          return z.NEVER;
        }
        if (ms === 0 && !allowZero) {
          ctx.issues.push({ code: 'custom', message: 'must be longer than 0', input: s });
          return z.NEVER;
        }
        return ms;
      })
  );
}

/** A positive duration: string in, milliseconds out. The JSON Schema shows a string with a pattern. */
export const duration = durationSchema(false);

/** Like `duration`, but `0s` is allowed (e.g. `groupWait: 0s` sends at once). */
export const durationOrZero = durationSchema(true);
