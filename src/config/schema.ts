// The one schema of syncwatch's YAML configuration, composed from the provider config registry
// (src/providers/configs.ts: each provider's target schema) and the receiver config registry
// (src/notifiers/configs.ts: each receiver kind's schema); adding either is a folder and a registry
// line, never an edit here. Every object is strict: a typo in alerting or retry config must be an
// error, never a silently ignored key. Messages never quote the value they reject (values can be
// secrets); they may quote names (targets, receivers, policies).
import { z } from 'zod';
import { ALERT_KINDS, SEVERITIES } from '../alert/model.ts';
import type { ProviderName } from '../model.ts';
import { receiverConfigs } from '../notifiers/configs.ts';
import { providerConfigs } from '../providers/configs.ts';
import { duration, durationOrZero } from '../fields/duration.ts';
import {
  httpUrl,
  idsOrGlobs,
  name,
  onFormat,
  PASSWORD_HASH_PATTERN,
  secret,
  text,
  WHEN_OBJECT,
  type ProviderConfig,
  type ReceiverConfigOf,
} from '../fields/fields.ts';
import { regexProblem } from '../fields/regex-safety.ts';
import { globMatches, isGlob } from '../glob.ts';
import { isRecord } from '../json.ts';

export const PROVIDERS = providerConfigs.map((p) => p.provider) satisfies ProviderName[];

export { ALERT_KINDS, SEVERITIES };
export const RETRY_ACTIONS = ['retry', 'retry_with_backoff', 'rerun_flow', 'rerun_sync'] as const;

/**
 * The error `classification` and `source` values the documents of the providers that can act on
 * records show (each provider's config.ts lists its own). A policy may name others; validate warns.
 */
const errorValues = (providerConfigs as readonly ProviderConfig[]).flatMap((p) => (p.errorValues ? [p.errorValues] : []));
export const DOCUMENTED_ERROR_VALUES = {
  documents: errorValues.map((v) => v.documents).join(' or '),
  classification: [...new Set(errorValues.flatMap((v) => v.classification))],
  source: [...new Set(errorValues.flatMap((v) => v.source))],
};

/** A value the documents list, in any case. */
export function isDocumentedValue(documented: readonly string[], value: string): boolean {
  return documented.includes(value.toLowerCase());
}

/** Each provider's public API, from its config.ts. */
export const DEFAULT_BASE_URLS = Object.fromEntries(providerConfigs.map((p) => [p.provider, p.defaultBaseUrl])) as Record<
  ProviderName,
  string
>;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

// ---------------------------------------------------------------------------------------------
// Building blocks

const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, onFormat('expected a label name (letters, digits, "_")'));

/** A JavaScript regular expression that compiles and cannot backtrack catastrophically. */
const safeRegex = z.string().superRefine((pattern, ctx) => {
  const problem = regexProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Label → value or glob (`*`, `?`), as in Alertmanager's `match`. */
const labelMatch = z.record(labelName, z.string());
const labelMatchRe = z.record(labelName, safeRegex);

// ---------------------------------------------------------------------------------------------
// redis, server, workers

const redisUrl = z.url({ protocol: /^rediss?$/, ...onFormat('expected a redis:// or rediss:// URL') });

const redisSchema = z
  .strictObject({
    /** One Redis. Also taken from REDIS_URL by the loader when neither url nor cluster is given. */
    url: redisUrl.optional(),
    /** A Redis Cluster instead of one Redis: some of its nodes (the client discovers the rest). */
    cluster: z.strictObject({ nodes: z.array(redisUrl).min(1) }).optional(),
    /** Wrapped in a hash tag (`{prefix}:…`), so it cannot contain braces itself. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]+$/, onFormat('expected letters, digits, "_", ".", ":" or "-"'))
      .default('syncwatch'),
  })
  .superRefine((redis, ctx) => {
    if (redis.url !== undefined && redis.cluster !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'use either url (one Redis) or cluster (Redis Cluster), not both' });
    }
  }, WHEN_OBJECT)
  // With a cluster, `url` names its first node (for code that only reports where Redis is);
  // connections are made by src/state/redis.ts, which takes the cluster when there is one.
  .transform((redis): RedisConfig =>
    redis.cluster !== undefined
      ? { prefix: redis.prefix, url: redis.cluster.nodes[0]!, cluster: redis.cluster }
      : { prefix: redis.prefix, url: redis.url ?? DEFAULT_REDIS_URL },
  )
  .meta({ not: { required: ['url', 'cluster'] } });

/** Where the state lives: one Redis (`url`) or, when `cluster` is set, a Redis Cluster. */
export type RedisConfig = { prefix: string; url: string; cluster?: { nodes: string[] } };

const listenAddress = z.string().refine((s) => {
  const m = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:[\]]*):(\d{1,5})$/.exec(s);
  return m !== null && Number(m[1]) <= 65_535;
}, 'expected host:port like 0.0.0.0:9464');

const serverSchema = z.strictObject({
  listen: listenAddress.default('0.0.0.0:9464'),
  /** When set, /metrics, /status and /api want `Authorization: Bearer …`. */
  bearerToken: secret.optional(),
  /** syncwatch's URL as people reach it (behind a proxy): the webhook's externalURL and the console's links. */
  externalUrl: httpUrl.optional(),
  /**
   * Puts the console (/), the API (/api) and /status behind a login. Without it they answer
   * loopback clients only.
   */
  auth: z
    .strictObject({
      /** For tools (amtool, Grafana): `Authorization: Bearer <token>`. */
      token: secret.optional(),
      /** For the browser: a login form. `passwordHash` is what `syncwatch hash-password` prints. */
      users: z
        .array(
          z.strictObject({
            name: text,
            passwordHash: z.string().regex(PASSWORD_HASH_PATTERN, onFormat('expected a hash from `syncwatch hash-password` (scrypt$…)')),
          }),
        )
        .default([]),
    })
    .optional(),
});

/** BullMQ worker tuning; every replica uses the same. */
const workersSchema = z.strictObject({
  pollConcurrency: z.int().min(1).default(4),
  notifyConcurrency: z.int().min(1).default(4),
  /** How long a worker holds a job before another replica may take it over. */
  lockDuration: duration.prefault('30s'),
  stalledInterval: duration.prefault('30s'),
});

// ---------------------------------------------------------------------------------------------
// targets and receivers: composed from the registries

/** The registries the schema is composed from (a test may add to them). */
export interface SchemaParts<P extends readonly ProviderConfig[], R extends Record<string, z.ZodType>> {
  providers: P;
  receivers: R;
}

/** A target: one of the providers' target schemas, by `provider`. */
function targetSchemaOf<P extends readonly ProviderConfig[]>(providers: P) {
  const [first, ...rest] = providers.map((p) => p.target);
  if (first === undefined) throw new Error('no provider config registered');
  type Target = P[number]['target'];
  return z.discriminatedUnion('provider', [first, ...rest]) as unknown as z.ZodType<z.output<Target>, z.input<Target>>;
}

function receiverSchemaOf<R extends Record<string, z.ZodType>>(receivers: R) {
  const kinds = Object.keys(receivers);
  return (
    z
      .strictObject({ name, ...Object.fromEntries(kinds.map((kind) => [kind, (receivers[kind] as z.ZodType).optional()])) })
      .superRefine((receiver, ctx) => {
        const given = kinds.filter((kind) => (receiver as Record<string, unknown>)[kind] !== undefined);
        if (given.length !== 1) {
          ctx.addIssue({
            code: 'custom',
            message:
              given.length === 0
                ? `needs exactly one of ${kinds.join(', ')}`
                : `has ${given.join(' and ')}: give exactly one of ${kinds.join(', ')}`,
          });
        }
      }, WHEN_OBJECT)
      // Narrow the type to "exactly one kind", which the check above guarantees.
      .transform((receiver) => receiver as ReceiverConfigOf<R>)
      .meta({ oneOf: kinds.map((kind) => ({ required: [kind] })) }) as unknown as z.ZodType<
      ReceiverConfigOf<R>,
      { name: string } & { [K in keyof R]?: z.input<R[K]> }
    >
  );
}

// ---------------------------------------------------------------------------------------------
// route (Alertmanager-like), silences

const groupBy = z.array(labelName).min(1);

/** A sub-route inherits whatever it does not set from its parent. */
const subRouteSchema = z
  .strictObject({
    match: labelMatch.optional(),
    matchRe: labelMatchRe.optional(),
    receiver: name.optional(),
    /** Keep looking at later siblings after this route matched. */
    continue: z.boolean().default(false),
    groupBy: groupBy.optional(),
    groupWait: durationOrZero.optional(),
    groupInterval: duration.optional(),
    repeatInterval: duration.optional(),
    sendResolved: z.boolean().optional(),
    get routes(): z.ZodDefault<z.ZodArray<typeof subRouteSchema>> {
      return z.array(subRouteSchema).default([]);
    },
  })
  .meta({ id: 'SubRoute' });

const routeSchema = z.strictObject({
  receiver: name,
  groupBy: groupBy.default(['target', 'kind']),
  groupWait: durationOrZero.prefault('10s'),
  groupInterval: duration.prefault('1m'),
  repeatInterval: duration.prefault('4h'),
  sendResolved: z.boolean().default(true),
  routes: z.array(subRouteSchema).default([]),
});

const ISO_DATE_TIME = 'expected an ISO date-time like 2026-12-31T00:00:00Z';

/** YAML 1.2 reads timestamps as strings, but a YAML 1.1 loader (or a caller) may hand us a Date. */
const dateTime = z
  .preprocess(
    (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : v),
    z.iso.datetime({ offset: true, ...onFormat(ISO_DATE_TIME) }),
  )
  .transform((s, ctx) => {
    const date = new Date(s);
    if (Number.isNaN(date.getTime())) {
      ctx.issues.push({ code: 'custom', message: ISO_DATE_TIME, input: s });
      return z.NEVER;
    }
    return date;
  });

const silenceSchema = z.strictObject({
  match: labelMatch.refine((m) => Object.keys(m).length > 0, 'needs at least one label (an empty match would silence everything)'),
  until: dateTime,
  comment: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------
// retry policies

const MATCH_CRITERIA = ['targets', 'integrations', 'flows', 'steps', 'classification', 'source', 'code', 'message'] as const;

const policyMatch = z
  .strictObject({
    /** Target names (or globs) of celigo targets. */
    targets: z.array(text).min(1).optional(),
    integrations: idsOrGlobs.min(1).optional(),
    flows: idsOrGlobs.min(1).optional(),
    steps: idsOrGlobs.min(1).optional(),
    /** Compared without regard to case; values the documents do not list are allowed (validate warns). */
    classification: z
      .array(text.meta({ examples: DOCUMENTED_ERROR_VALUES.classification }))
      .min(1)
      .optional(),
    source: z
      .array(text.meta({ examples: DOCUMENTED_ERROR_VALUES.source }))
      .min(1)
      .optional(),
    /** Regex on the error's code. */
    code: safeRegex.optional(),
    /** Regex on the error's message. */
    message: safeRegex.optional(),
  })
  .refine((m) => MATCH_CRITERIA.some((key) => m[key] !== undefined), {
    message: `needs at least one of ${MATCH_CRITERIA.join(', ')} (a policy must not retry every error)`,
    ...WHEN_OBJECT,
  });

const backoffSchema = z
  .strictObject({
    initial: duration.prefault('15m'),
    factor: z.number().min(1).default(2),
    max: duration.prefault('4h'),
  })
  .superRefine((backoff, ctx) => {
    if (backoff.max < backoff.initial) ctx.addIssue({ code: 'custom', path: ['max'], message: 'must not be shorter than initial' });
  });

const retryPolicySchema = z.strictObject({
  name,
  match: policyMatch,
  action: z.enum(RETRY_ACTIONS),
  /** Let the platform's own retries (about 5 minutes) finish first. */
  minAge: durationOrZero.prefault('5m'),
  /** Per retryDataKey. */
  maxAttempts: z.int().min(1).default(3),
  backoff: backoffSchema.prefault({}),
  /** Records per target per hour: the brake against retry storms. */
  budget: z.strictObject({ recordsPerHour: z.int().min(1).default(1000) }).prefault({}),
  cooldown: duration.optional(),
  dryRun: z.boolean().default(false),
});

// ---------------------------------------------------------------------------------------------
// the whole file

/** The config schema of the given registries (the daemon's is `configSchema`, of the registries in src/). */
export function buildConfigSchema<const P extends readonly ProviderConfig[], R extends Record<string, z.ZodType>>(
  parts: SchemaParts<P, R>,
) {
  const remediable = parts.providers.filter((p) => p.remediable);
  return z
    .strictObject({
      redis: redisSchema.prefault({}),
      server: serverSchema.prefault({}),
      workers: workersSchema.prefault({}),
      targets: z.array(targetSchemaOf(parts.providers)).min(1),
      receivers: z.array(receiverSchemaOf(parts.receivers)).default([]),
      route: routeSchema.optional(),
      silences: z.array(silenceSchema).default([]),
      /** Path relative to this file; the loader reads it into `retryPolicies`. */
      retryPoliciesFile: text.optional(),
      retryPolicies: z.array(retryPolicySchema).optional(),
    })
    .superRefine((config, ctx) => checkReferences(config, ctx, remediable), WHEN_OBJECT)
    .meta({
      title: 'syncwatch configuration',
      not: { required: ['retryPolicies', 'retryPoliciesFile'] },
    })
    .transform((config) => ({
      ...config,
      retryPolicies: config.retryPolicies ?? [],
    }));
}

export const configSchema = buildConfigSchema({ providers: providerConfigs, receivers: receiverConfigs });

/** A config schema the loader can validate with: the daemon's, or one built from other registries. */
export type ConfigSchema = z.ZodType<Config, unknown>;

/**
 * Checks across the document. Runs even when other parts failed (so every problem is reported at
 * once), hence it reads its input defensively.
 */
function checkReferences(config: Record<string, unknown>, ctx: z.RefinementCtx, remediable: readonly ProviderConfig[]): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const nameOf = (value: unknown): string | undefined => (isRecord(value) && typeof value.name === 'string' ? value.name : undefined);

  const uniqueNames = (key: string, what: string): Map<string, Record<string, unknown>> => {
    const seen = new Map<string, Record<string, unknown>>();
    list(config[key]).forEach((item, i) => {
      const n = nameOf(item);
      if (n === undefined || !isRecord(item)) return;
      if (seen.has(n)) issue([key, i, 'name'], `duplicate ${what} name "${n}"`);
      else seen.set(n, item);
    });
    return seen;
  };

  const targets = uniqueNames('targets', 'target');
  const receivers = uniqueNames('receivers', 'receiver');
  uniqueNames('retryPolicies', 'retry policy');

  if (config.retryPolicies !== undefined && config.retryPoliciesFile !== undefined) {
    issue(['retryPoliciesFile'], 'use either retryPolicies or retryPoliciesFile, not both');
  }

  if (config.route === undefined && receivers.size > 0) {
    issue(['route'], 'required when receivers are defined (nothing would send alerts to them)');
  }
  const checkRoute = (route: unknown, path: PropertyKey[]) => {
    if (!isRecord(route)) return;
    const receiver = route.receiver;
    if (typeof receiver === 'string' && !receivers.has(receiver)) {
      issue([...path, 'receiver'], `receiver "${receiver}" is not defined in receivers`);
    }
    list(route.routes).forEach((sub, i) => checkRoute(sub, [...path, 'routes', i]));
  };
  checkRoute(config.route, ['route']);

  list(config.retryPolicies).forEach((policy, i) => {
    const match = isRecord(policy) ? policy.match : undefined;
    if (!isRecord(match)) return;
    list(match.targets).forEach((pattern, j) => {
      if (typeof pattern !== 'string') return;
      const path = ['retryPolicies', i, 'match', 'targets', j];
      const matched = [...targets.entries()].filter(([targetName]) => globMatches(pattern, targetName, 'id'));
      if (matched.length === 0) {
        issue(path, isGlob(pattern) ? `"${pattern}" matches no target` : `target "${pattern}" is not defined in targets`);
      } else if (!isGlob(pattern) && matched.some(([, target]) => !remediable.some((p) => p.provider === target.provider))) {
        // Only a provider with the remediate capability can act on records.
        const names = remediable.map((p) => p.provider).join(' or ');
        const titles = remediable.map((p) => p.title).join(' or ');
        issue(path, `target "${pattern}" is not a ${names} target: retry policies act on ${titles} flows only`);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// types

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type TargetConfig = Config['targets'][number];
export type { ReceiverConfig } from '../notifiers/configs.ts';
export type { ReceiverConfigOf };
export type RouteConfig = z.output<typeof routeSchema>;
export type SubRouteConfig = z.output<typeof subRouteSchema>;
export type SilenceConfig = z.output<typeof silenceSchema>;
export type RetryPolicyConfig = z.output<typeof retryPolicySchema>;
export type RetryAction = (typeof RETRY_ACTIONS)[number];
export type { AlertKind, Severity } from '../alert/model.ts';
// Each receiver's config type lives in its folder; re-exported while notifiers/*/index.ts import them from here.
export type { SlackReceiverConfig } from '../notifiers/slack/config.ts';
export type { EmailReceiverConfig } from '../notifiers/email/config.ts';
export type { WebhookReceiverConfig } from '../notifiers/webhook/config.ts';
export type { LogReceiverConfig } from '../notifiers/log/config.ts';
