// The one schema of syncwatch's YAML configuration. Every object is strict: a typo in alerting or
// retry config must be an error, never a silently ignored key. Messages never quote the value
// they reject (values can be secrets); they may quote names (targets, receivers, policies).
import { PASSWORD_HASH_PATTERN } from '../console/password.ts';
import { z } from 'zod';
import type { ProviderName } from '../model.ts';
import { duration, durationOrZero } from './duration.ts';
import { regexProblem } from './regex-safety.ts';

export const PROVIDERS = ['celigo', 'airweave', 'neo'] as const satisfies readonly ProviderName[];
import { ALERT_KINDS, SEVERITIES } from '../alerting/types.ts';

export { ALERT_KINDS, SEVERITIES };
export const RETRY_ACTIONS = ['retry', 'retry_with_backoff', 'rerun_flow', 'rerun_sync'] as const;

/**
 * Celigo's error `classification` values the Flows document shows: the ten of `GET
 * /v1/errors/filterMetadata`, and `validation`, `data`, `system` seen on error records. A policy
 * may name others (the platform may send values no document lists); validate warns about those.
 */
export const CELIGO_ERROR_CLASSIFICATIONS = [
  'connection', 'duplicate', 'governance', 'intermittent', 'missing',
  'parse', 'value', 'rate_limit', 'too_large', 'none',
  'validation', 'data', 'system',
] as const;

/** Celigo's error `source` values: the 24 of `GET /v1/errors/filterMetadata`, and `user` seen on error records. */
export const CELIGO_ERROR_SOURCES = [
  'internal', 'application', 'connection', 'resource', 'transformation', 'output_filter',
  'input_filter', 'import_filter', 'lookup', 'mapping', 'response_mapping', 'pre_save_page_hook',
  'pre_parse_hook', 'pre_map_hook', 'post_map_hook', 'post_submit_hook', 'post_response_map_hook',
  'post_aggregate_hook', 'pre_send_hook_ss', 'pre_map_hook_ss', 'post_map_hook_ss',
  'post_submit_hook_ss', 'tool_input', 'tool_output', 'user',
] as const;

/** A value the documents list, in any case. */
export function isDocumentedValue(documented: readonly string[], value: string): boolean {
  return documented.includes(value.toLowerCase());
}

export const DEFAULT_BASE_URLS = {
  celigo: 'https://api.integrator.io',
  airweave: 'https://api.airweave.ai',
  neo: 'https://api.neoagent.io',
} as const satisfies Record<ProviderName, string>;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

// ---------------------------------------------------------------------------------------------
// Building blocks

/** A custom message for one failing check; other issues (e.g. "required") keep the caller's wording. */
function onFormat(message: string) {
  return { error: (issue: { code?: string }) => (issue.code === 'invalid_type' ? undefined : message) };
}

/** Only run object-level checks on something that parsed as an object at all. */
const WHEN_OBJECT = { when: (payload: { value: unknown }) => isRecord(payload.value) };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = z.string().min(1);
/** A credential: the same rule as text, named so the schema says which values are secrets. */
const secret = z.string().min(1);

/** Target, receiver and policy names end up in metric labels and Redis keys: keep them plain. */
const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, onFormat('expected a name of letters, digits, ".", "_" or "-" (at most 63)'));

const httpUrl = z.url({ protocol: /^https?$/, ...onFormat('expected an http:// or https:// URL') });

const emailAddress = z.email(onFormat('expected an e-mail address like name@example.com'));

/** `name@example.com` or `Display Name <name@example.com>`. */
const mailbox = z.string().refine((s) => {
  const angle = /^[^<>]*<([^<>]+)>$/.exec(s);
  return emailAddress.safeParse(angle ? angle[1] : s).success;
}, 'expected an e-mail address like name@example.com or "Name <name@example.com>"');

const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, onFormat('expected a label name (letters, digits, "_")'));

/** A JavaScript regular expression that compiles and cannot backtrack catastrophically. */
const safeRegex = z.string().superRefine((pattern, ctx) => {
  const problem = regexProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Label → value or glob (`*`, `?`), as in Alertmanager's `match`. */
const labelMatch = z.record(labelName, z.string());
const labelMatchRe = z.record(labelName, safeRegex);

const idsOrGlobs = z.array(text);

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
    prefix: z.string().regex(/^[A-Za-z0-9_.:-]+$/, onFormat('expected letters, digits, "_", ".", ":" or "-"')).default('syncwatch'),
  })
  .superRefine((redis, ctx) => {
    if (redis.url !== undefined && redis.cluster !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'use either url (one Redis) or cluster (Redis Cluster), not both' });
    }
  }, WHEN_OBJECT)
  // With a cluster, `url` names its first node (for code that only reports where Redis is);
  // connections are made by src/state/redis.ts, which takes the cluster when there is one.
  .transform((redis): RedisConfig =>
    redis.cluster !== undefined ? { prefix: redis.prefix, url: redis.cluster.nodes[0]!, cluster: redis.cluster } : { prefix: redis.prefix, url: redis.url ?? DEFAULT_REDIS_URL },
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
        .array(z.strictObject({ name: text, passwordHash: z.string().regex(PASSWORD_HASH_PATTERN, onFormat('expected a hash from `syncwatch hash-password` (scrypt$…)')) }))
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
// targets

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

/** Fields every provider's target has. */
function targetFields<P extends ProviderName>(provider: P) {
  return {
    name,
    provider: z.literal(provider),
    baseUrl: httpUrl.default(DEFAULT_BASE_URLS[provider]),
    interval: duration.prefault('60s'),
    requestsPerSecond: z.number().positive().default(50),
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

const celigoTarget = z.strictObject({
  ...targetFields('celigo'),
  token: secret,
  flowErrors: z.strictObject({ minNew: z.int().min(1).default(1) }).prefault({}),
  /** Integration ids whose Data Loader syncs are watched beyond those found through the flows in scope. */
  integrations: z.array(text).optional(),
});

const airweaveTarget = z.strictObject({
  ...targetFields('airweave'),
  apiKey: secret,
  /** Default: every job via /v1/sync/jobs. */
  sourceConnections: z.array(z.guid(onFormat('expected a UUID'))).optional(),
});

const neoTarget = z.strictObject({
  ...targetFields('neo'),
  token: secret,
  integrations: z.array(text).min(1),
});

const targetSchema = z.discriminatedUnion('provider', [celigoTarget, airweaveTarget, neoTarget]);

// ---------------------------------------------------------------------------------------------
// receivers

const SLACK_MODES = 'use either token + channel (Web API) or webhookUrl (incoming webhook)';

const slackReceiver = z
  .strictObject({
    token: secret.optional(),
    channel: text.optional(),
    /** Another Web API endpoint: a proxy or a test double. */
    apiUrl: httpUrl.optional(),
    /** Incoming-webhook mode: no threads, no updates. */
    webhookUrl: httpUrl.optional(),
  })
  .superRefine((slack, ctx) => {
    const webApi = slack.token !== undefined || slack.channel !== undefined || slack.apiUrl !== undefined;
    if (webApi && slack.webhookUrl !== undefined) {
      ctx.addIssue({ code: 'custom', message: `${SLACK_MODES}, not both` });
    } else if (!webApi && slack.webhookUrl === undefined) {
      ctx.addIssue({ code: 'custom', message: `needs a mode: ${SLACK_MODES}` });
    } else if (webApi) {
      for (const key of ['token', 'channel'] as const) {
        if (slack[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'required' });
      }
    }
  }, WHEN_OBJECT)
  .transform((slack): SlackReceiverConfig =>
    slack.webhookUrl !== undefined
      ? { webhookUrl: slack.webhookUrl }
      : { token: slack.token!, channel: slack.channel!, ...(slack.apiUrl !== undefined && { apiUrl: slack.apiUrl }) },
  )
  .meta({
    oneOf: [{ required: ['token', 'channel'] }, { required: ['webhookUrl'] }],
    dependentRequired: { token: ['channel'], channel: ['token'], apiUrl: ['token'] },
  });

export type SlackReceiverConfig = { token: string; channel: string; apiUrl?: string } | { webhookUrl: string };

const emailReceiver = z.strictObject({
  from: mailbox,
  to: z.array(emailAddress).min(1),
  smtp: z
    .strictObject({
      host: text,
      port: z.int().min(1).max(65_535),
      /** false: STARTTLS (587); true: implicit TLS (465). */
      secure: z.boolean().default(false),
      user: secret.optional(),
      pass: secret.optional(),
    })
    .superRefine((smtp, ctx) => {
      if (smtp.user !== undefined && smtp.pass === undefined) {
        ctx.addIssue({ code: 'custom', path: ['pass'], message: 'required when user is set' });
      }
      if (smtp.pass !== undefined && smtp.user === undefined) {
        ctx.addIssue({ code: 'custom', path: ['user'], message: 'required when pass is set' });
      }
    }, WHEN_OBJECT),
});

const webhookReceiver = z.strictObject({
  url: httpUrl,
  /** Signs the body; header X-Syncwatch-Signature. */
  hmacSecret: secret.optional(),
  headers: z
    .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, onFormat('expected an HTTP header name')), z.string())
    .optional(),
  /** Alerts per call at most (Alertmanager's max_alerts); the rest are counted in truncatedAlerts. 0 or unset (the default, as in Alertmanager): no limit. */
  maxAlerts: z.int().min(0).optional(),
});

/** One structured log line per alert transition (the demo's receiver). */
const logReceiver = z.strictObject({});

const RECEIVER_KINDS = ['slack', 'email', 'webhook', 'log'] as const;

const receiverSchema = z
  .strictObject({
    name,
    slack: slackReceiver.optional(),
    email: emailReceiver.optional(),
    webhook: webhookReceiver.optional(),
    log: logReceiver.optional(),
  })
  .superRefine((receiver, ctx) => {
    const kinds = RECEIVER_KINDS.filter((kind) => receiver[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? `needs exactly one of ${RECEIVER_KINDS.join(', ')}`
            : `has ${kinds.join(' and ')}: give exactly one of ${RECEIVER_KINDS.join(', ')}`,
      });
    }
  }, WHEN_OBJECT)
  // Narrow the type to "exactly one kind", which the check above guarantees.
  .transform((receiver) => receiver as ReceiverConfig)
  .meta({ oneOf: RECEIVER_KINDS.map((kind) => ({ required: [kind] })) });

type ReceiverKinds = {
  slack: SlackReceiverConfig;
  email: EmailReceiverConfig;
  webhook: WebhookReceiverConfig;
  log: LogReceiverConfig;
};
/** A receiver has a name and exactly one of slack, email, webhook. */
export type ReceiverConfig = {
  [K in keyof ReceiverKinds]: { name: string } & { [P in K]: ReceiverKinds[P] } & {
    [P in Exclude<keyof ReceiverKinds, K>]?: undefined;
  };
}[keyof ReceiverKinds];

// ---------------------------------------------------------------------------------------------
// route (Alertmanager-like), silences

const groupBy = z.array(labelName).min(1);

/** A sub-route inherits whatever it does not set from its parent. */
const subRouteSchema = z.strictObject({
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
}).meta({ id: 'SubRoute' });

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
    classification: z.array(text.meta({ examples: [...CELIGO_ERROR_CLASSIFICATIONS] })).min(1).optional(),
    source: z.array(text.meta({ examples: [...CELIGO_ERROR_SOURCES] })).min(1).optional(),
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

const configObject = z
  .strictObject({
    redis: redisSchema.prefault({}),
    server: serverSchema.prefault({}),
    workers: workersSchema.prefault({}),
    targets: z.array(targetSchema).min(1),
    receivers: z.array(receiverSchema).default([]),
    route: routeSchema.optional(),
    silences: z.array(silenceSchema).default([]),
    /** Path relative to this file; the loader reads it into `retryPolicies`. */
    retryPoliciesFile: text.optional(),
    retryPolicies: z.array(retryPolicySchema).optional(),
  })
  .superRefine(checkReferences, WHEN_OBJECT)
  .meta({
    title: 'syncwatch configuration',
    not: { required: ['retryPolicies', 'retryPoliciesFile'] },
  });

export const configSchema = configObject.transform((config) => ({
  ...config,
  retryPolicies: config.retryPolicies ?? [],
}));

/**
 * Checks across the document. Runs even when other parts failed (so every problem is reported at
 * once), hence it reads its input defensively.
 */
function checkReferences(config: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const nameOf = (value: unknown): string | undefined =>
    isRecord(value) && typeof value.name === 'string' ? value.name : undefined;

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
      const matched = [...targets.entries()].filter(([targetName]) => globMatches(pattern, targetName));
      if (matched.length === 0) {
        issue(path, isGlob(pattern) ? `"${pattern}" matches no target` : `target "${pattern}" is not defined in targets`);
      } else if (!isGlob(pattern) && matched.some(([, target]) => target.provider !== 'celigo')) {
        issue(path, `target "${pattern}" is not a celigo target: retry policies act on Celigo flows only`);
      }
    });
  });
}

function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** `*` any run of characters, `?` one character; everything else literal. */
export function globMatches(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

// ---------------------------------------------------------------------------------------------
// types

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type CeligoTargetConfig = z.output<typeof celigoTarget>;
export type AirweaveTargetConfig = z.output<typeof airweaveTarget>;
export type NeoTargetConfig = z.output<typeof neoTarget>;
export type EmailReceiverConfig = z.output<typeof emailReceiver>;
export type WebhookReceiverConfig = z.output<typeof webhookReceiver>;
export type LogReceiverConfig = z.output<typeof logReceiver>;
export type RouteConfig = z.output<typeof routeSchema>;
export type SubRouteConfig = z.output<typeof subRouteSchema>;
export type SilenceConfig = z.output<typeof silenceSchema>;
export type RetryPolicyConfig = z.output<typeof retryPolicySchema>;
export type AlertKind = (typeof ALERT_KINDS)[number];
export type Severity = (typeof SEVERITIES)[number];
export type RetryAction = (typeof RETRY_ACTIONS)[number];
export type CeligoErrorClassification = (typeof CELIGO_ERROR_CLASSIFICATIONS)[number];
export type CeligoErrorSource = (typeof CELIGO_ERROR_SOURCES)[number];
