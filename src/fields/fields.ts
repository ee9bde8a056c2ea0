// The building blocks of every config schema: names, secrets, URLs, e-mail addresses, and the
// fields every provider's target has. A provider's or receiver's own `config.ts` (its part of the
// schema) is made of these; the whole schema (schema.ts) is composed from those parts. zod only.
import { z } from 'zod';
import { isRecord } from '../json.ts';
import { ALERT_KINDS, SEVERITIES } from '../alert/model.ts';
import type { ProviderName } from '../model.ts';
import { duration } from './duration.ts';

/** A custom message for one failing check; other issues (e.g. "required") keep the caller's wording. */
export function onFormat(message: string) {
  return { error: (issue: { code?: string }) => (issue.code === 'invalid_type' ? undefined : message) };
}

export { isRecord };

/** Only run object-level checks on something that parsed as an object at all. */
export const WHEN_OBJECT = { when: (payload: { value: unknown }) => isRecord(payload.value) };

export const text = z.string().min(1);
/** A credential: the same rule as text, named so the schema says which values are secrets. */
export const secret = z.string().min(1);

/** Target, receiver and policy names end up in metric labels and Redis keys: keep them plain. */
export const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, onFormat('expected a name of letters, digits, ".", "_" or "-" (at most 63)'));

export const httpUrl = z.url({ protocol: /^https?$/, ...onFormat('expected an http:// or https:// URL') });

export const emailAddress = z.email(onFormat('expected an e-mail address like name@example.com'));

/** `name@example.com` or `Display Name <name@example.com>`. */
export const mailbox = z.string().refine((s) => {
  const angle = /^[^<>]*<([^<>]+)>$/.exec(s);
  return emailAddress.safeParse(angle ? angle[1] : s).success;
}, 'expected an e-mail address like name@example.com or "Name <name@example.com>"');

export const idsOrGlobs = z.array(text);

const resourceFilter = z.strictObject({
  integrations: idsOrGlobs.optional(),
  flows: idsOrGlobs.optional(),
});

const expectation = z.strictObject({
  match: z.strictObject({ integration: text.optional(), flow: text.optional(), sync: text.optional() }),
  /** SyncStale when no run matching `match` succeeded for this long. */
  successWithin: duration,
});

const severityByKind = z.strictObject(
  Object.fromEntries(ALERT_KINDS.map((kind) => [kind, z.enum(SEVERITIES).optional()])) as Record<
    (typeof ALERT_KINDS)[number],
    z.ZodOptional<z.ZodEnum<{ [K in (typeof SEVERITIES)[number]]: K }>>
  >,
);

/** Fields every provider's target has; `baseUrl` defaults to the platform's public API. */
export function targetFields<P extends ProviderName>(provider: P, defaultBaseUrl: string) {
  return {
    name,
    provider: z.literal(provider),
    baseUrl: httpUrl.default(defaultBaseUrl),
    interval: duration.prefault('60s'),
    requestsPerSecond: z.number().positive().default(50),
    /** An answer larger than this (bytes) is refused unread: the resource is unreadable that cycle. */
    maxResponseBytes: z
      .int()
      .min(1024)
      .default(10 * 1024 * 1024),
    /** TargetDown after this many failed polls in a row. */
    failuresBeforeAlert: z.int().min(1).default(3),
    /** SyncStuck when a run is running longer than this. */
    stuckAfter: duration.optional(),
    include: resourceFilter.optional(),
    exclude: resourceFilter.optional(),
    expect: z.array(expectation).default([]),
    severity: severityByKind.default({}),
    /** SyncPartial when a run succeeded with at least this many failed records. */
    partialFailures: z.strictObject({ minRecords: z.int().min(1).default(1) }).prefault({}),
    /** perStep: false reports syncwatch_flow_open_errors per flow, not per step (cardinality). */
    metrics: z.strictObject({ perStep: z.boolean().default(true) }).prefault({}),
  };
}

/** A provider's part of the config schema (its `config.ts`), as the provider config registry lists it. */
export interface ProviderConfig<P extends ProviderName = ProviderName, S extends z.ZodObject = z.ZodObject> {
  provider: P;
  /** How messages name the platform ("Celigo"). */
  title: string;
  defaultBaseUrl: string;
  /** Its targets can be named by retry policies: the provider has the remediate capability. */
  remediable: boolean;
  /** The error `classification`/`source` values its documents show (`documents` names them), for retry policies. */
  errorValues?: { documents: string; classification: readonly string[]; source: readonly string[] };
  /** The target's schema: `targetFields(provider, defaultBaseUrl)` and the provider's own fields. */
  target: S;
}

/** A receiver has a name and exactly one of the receiver kinds. */
export type ReceiverConfigOf<R extends Record<string, z.ZodType>> = {
  [K in keyof R]: { name: string } & { [P in K]: z.output<R[P]> } & { [P in Exclude<keyof R, K>]?: undefined };
}[keyof R];

/** A password hash as `syncwatch hash-password` prints it: `scrypt$N$r$p$<salt base64>$<hash base64>`. */
export const PASSWORD_HASH_PATTERN = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;
