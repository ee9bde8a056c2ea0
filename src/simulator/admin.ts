// The admin API under /__sim/: change the simulated world while it runs and observe what clients
// did to it. JSON in and out, no auth, not rate limited, never faulted. Answers `{error}` on misuse.

import { z } from 'zod';
import type { Faults, Stats, TokenBucket } from './control.ts';
import { compileRoute, type CompiledRoute, type Method, type Reply } from './http.ts';
import {
  AIRWEAVE_JOB_STATUSES,
  NEO_INTEGRATION_STATES,
  NEO_RUN_STATUSES,
  RECORD_CLASSIFICATIONS,
  explicitIntegrationSchema,
  explicitSyncSchema,
} from './scenario.ts';
import type { AirweaveWorld } from './airweave/world.ts';
import type { NeoWorld } from './neo/world.ts';
import type { World } from './celigo/world.ts';

/** The simulator's mutable state, as the admin API sees it. */
export interface SimulatorState {
  readonly world: World;
  readonly airweave: AirweaveWorld;
  readonly neo: NeoWorld;
  readonly faults: Faults;
  readonly stats: Stats;
  /** integrator.io's bucket (= buckets.celigo). */
  readonly bucket: TokenBucket;
  readonly buckets: Readonly<Record<SimulatedApiName, TokenBucket>>;
  /** integrator.io's token. */
  token: string;
  airweaveApiKey: string;
  neoToken: string;
  latencyMs: number;
  /** Back to the generated world, initial token, no faults, no retry rules, full bucket, zero stats. */
  reset(): void;
}

type SimulatedApiName = 'celigo' | 'airweave' | 'neo';
const apiName = z.enum(['celigo', 'airweave', 'neo']);

type AdminHandler = (state: SimulatorState, params: Readonly<Record<string, string>>, body: unknown) => Reply;

const ok = (body: unknown = { ok: true }): Reply => ({ status: 200, body });
const adminError = (status: number, error: string): Reply => ({ status, body: { error } });

/** Parses an admin body (an absent body counts as `{}`): the data, or the 400 to answer with. */
function parse<T>(schema: z.ZodType<T>, body: unknown): { data: T } | { reply: Reply } {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { data: result.data };
  return { reply: adminError(400, result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')) };
}

const isoTime = z.iso.datetime({ offset: true });

const addErrorsBody = z.strictObject({
  count: z.number().int().min(1).max(100_000).default(1),
  /** Any text: a documented value, another case (`Intermittent`), or one no document names. */
  classification: z.union([z.enum(RECORD_CLASSIFICATIONS), z.string().min(1)]).optional(),
  source: z.string().min(1).optional(),
  code: z.string().min(1).optional(),
  message: z.string().optional(),
  withRetryDataKey: z.boolean().optional(),
  occurredAt: isoTime.optional(),
  traceKey: z.string().optional(),
  /** The platform's own next retry; null: none. Default: occurredAt + 5 minutes on intermittent errors. */
  retryAt: isoTime.nullable().optional(),
});

const resolveErrorsBody = z.strictObject({
  errorIds: z.array(z.string()).optional(),
  retryDataKeys: z.array(z.string()).optional(),
  /** The user id recorded as `resolvedBy`; default: a person of the account (not the API's user). */
  resolvedBy: z.string().min(1).optional(),
});

const flowRunBody = z.strictObject({
  answer: z.enum(['queued', 'empty', 'no-job-id']),
  times: z.number().int().min(1).optional(),
});

const retryRuleBody = z.strictObject({
  flowId: z.string().optional(),
  stepId: z.string().optional(),
  retryDataKey: z.string().optional(),
  outcome: z.enum(['succeed', 'fail']),
  times: z.number().int().min(1).optional(),
});

const faultBody = z.strictObject({
  path: z.string().min(1),
  method: z.string().optional(),
  status: z.number().int().min(100).max(599).optional(),
  hang: z.boolean().optional(),
  times: z.number().int().min(1).optional(),
  body: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const failSyncBody = z.strictObject({
  numErrors: z.number().int().min(1).optional(),
  message: z.string().optional(),
  code: z.string().optional(),
  numExtractedRecords: z.number().int().min(0).optional(),
  numLoadedRecords: z.number().int().min(0).optional(),
  failedTables: z.array(z.string()).optional(),
});

const succeedSyncBody = z.strictObject({
  numExtractedRecords: z.number().int().min(0).optional(),
  numLoadedRecords: z.number().int().min(0).optional(),
  /** Records that failed although the job completed (a partial failure); default 0. */
  numErrors: z.number().int().min(0).optional(),
  message: z.string().optional(),
  code: z.string().optional(),
  failedTables: z.array(z.string()).optional(),
});

const startSyncBody = z.strictObject({
  startedAt: isoTime.optional(),
  runType: z.enum(['normal', 'resync']).optional(),
  triggeredBy: z.string().optional(),
});

function withFlow(handler: (state: SimulatorState, flowId: string, stepId: string, body: unknown) => Reply): AdminHandler {
  return (state, params, body) => {
    const flowId = params.flowId ?? '';
    const flow = state.world.getFlow(flowId);
    if (flow === undefined) return adminError(404, `no flow ${flowId}`);
    const stepId = params.stepId;
    if (stepId !== undefined && state.world.stepKind(flow, stepId) === undefined) {
      return adminError(404, `no step ${stepId} in flow ${flowId}`);
    }
    return handler(state, flowId, stepId ?? '', body);
  };
}

function withSync(handler: (state: SimulatorState, syncId: string, body: unknown) => Reply): AdminHandler {
  return (state, params, body) => {
    const syncId = params.syncId ?? '';
    if (state.world.getSync(syncId) === undefined) return adminError(404, `no sync ${syncId}`);
    return handler(state, syncId, body);
  };
}

const airweaveJobBody = z.strictObject({
  status: z.enum(AIRWEAVE_JOB_STATUSES).optional(),
  error: z.string().optional(),
  errorDetails: z.record(z.string(), z.unknown()).optional(),
  entitiesInserted: z.number().int().min(0).optional(),
  entitiesUpdated: z.number().int().min(0).optional(),
  entitiesDeleted: z.number().int().min(0).optional(),
  entitiesFailed: z.number().int().min(0).optional(),
  scheduled: z.boolean().optional(),
  startedAt: isoTime.optional(),
});

const neoFailure = z.strictObject({
  resource_label: z.string().min(1),
  parent_label: z.string().nullable().optional(),
  reason: z.string().min(1),
  error_message: z.string(),
  /** Which activity it belongs to; default the first (`PSA Metadata`). */
  activity_label: z.string().min(1).optional(),
});

const neoRunBody = z.strictObject({
  status: z.enum(NEO_RUN_STATUSES),
  failures: z.array(neoFailure).optional(),
  error: z.string().nullable().optional(),
  dashboardMessage: z.string().nullable().optional(),
  startedAt: isoTime.optional(),
  finishedAt: isoTime.optional(),
  newRun: z.boolean().optional(),
});

function withAirweaveSync(handler: (state: SimulatorState, syncId: string, body: unknown) => Reply): AdminHandler {
  return (state, params, body) => {
    const syncId = params.syncId ?? '';
    if (state.airweave.getSync(syncId) === undefined) return adminError(404, `no Airweave sync ${syncId}`);
    return handler(state, syncId, body);
  };
}

function airweaveJobAction(
  action: (state: SimulatorState, syncId: string, body: z.infer<typeof airweaveJobBody>) => unknown,
): AdminHandler {
  return withAirweaveSync((s, syncId, body) => {
    const parsed = parse(airweaveJobBody, body);
    if ('reply' in parsed) return parsed.reply;
    const job = action(s, syncId, parsed.data) as Parameters<AirweaveWorld['sourceConnectionJob']>[0];
    return ok({ sourceConnectionJob: s.airweave.sourceConnectionJob(job), syncJob: s.airweave.syncJob(job) });
  });
}

/** Without undefined-valued keys (exactOptionalPropertyTypes). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const ADMIN_TABLE: Array<{ method: Method; template: string; handler: AdminHandler }> = [
  { method: 'GET', template: '/__sim/world', handler: (s) => ok(s.world.summary()) },
  {
    method: 'POST',
    template: '/__sim/reset',
    handler: (s) => {
      s.reset();
      return ok();
    },
  },
  {
    // A new integration with flows and/or syncs (a sync-only integration has no flows).
    method: 'POST',
    template: '/__sim/integrations',
    handler: (s, _params, body) => {
      const parsed = parse(explicitIntegrationSchema, body);
      if ('reply' in parsed) return parsed.reply;
      try {
        return ok(s.world.addIntegrationAtRuntime(parsed.data));
      } catch (e) {
        return adminError(409, (e as Error).message);
      }
    },
  },
  {
    // A Data Loader sync set up in an existing integration (`history: []`: it never ran).
    method: 'POST',
    template: '/__sim/integrations/{integrationId}/syncs',
    handler: (s, params, body) => {
      const parsed = parse(explicitSyncSchema, body);
      if ('reply' in parsed) return parsed.reply;
      try {
        return ok(s.world.addSyncAtRuntime(params.integrationId ?? '', parsed.data));
      } catch (e) {
        return adminError(404, (e as Error).message);
      }
    },
  },
  { method: 'GET', template: '/__sim/stats', handler: (s) => ok(s.stats.snapshot()) },
  {
    method: 'POST',
    template: '/__sim/stats/reset',
    handler: (s) => {
      s.stats.reset();
      return ok();
    },
  },
  {
    method: 'POST',
    template: '/__sim/token',
    handler: (s, _p, body) => {
      const parsed = parse(
        z.strictObject({ token: z.string().min(1), api: z.enum(['celigo', 'airweave', 'neo', 'all']).default('celigo') }),
        body,
      );
      if ('reply' in parsed) return parsed.reply;
      const { token, api } = parsed.data;
      if (api === 'celigo' || api === 'all') s.token = token;
      if (api === 'airweave' || api === 'all') s.airweaveApiKey = token;
      if (api === 'neo' || api === 'all') s.neoToken = token;
      return ok();
    },
  },
  {
    method: 'POST',
    template: '/__sim/rate-limit',
    handler: (s, _p, body) => {
      const parsed = parse(
        z.strictObject({ burst: z.number().int().min(1), refillPerSecond: z.number().min(0), api: apiName.default('celigo') }),
        body,
      );
      if ('reply' in parsed) return parsed.reply;
      s.buckets[parsed.data.api].configure(parsed.data.burst, parsed.data.refillPerSecond);
      return ok();
    },
  },
  {
    method: 'POST',
    template: '/__sim/latency',
    handler: (s, _p, body) => {
      const parsed = parse(z.strictObject({ ms: z.number().int().min(0) }), body);
      if ('reply' in parsed) return parsed.reply;
      s.latencyMs = parsed.data.ms;
      return ok();
    },
  },
  { method: 'GET', template: '/__sim/faults', handler: (s) => ok(s.faults.list()) },
  {
    method: 'POST',
    template: '/__sim/faults',
    handler: (s, _p, body) => {
      const parsed = parse(faultBody, body);
      if ('reply' in parsed) return parsed.reply;
      try {
        return ok(s.faults.add(parsed.data));
      } catch (e) {
        return adminError(400, `path: ${(e as Error).message}`);
      }
    },
  },
  {
    method: 'DELETE',
    template: '/__sim/faults',
    handler: (s) => {
      s.faults.clear();
      return ok();
    },
  },
  { method: 'GET', template: '/__sim/retry-behaviour', handler: (s) => ok(s.world.listRetryRules()) },
  {
    method: 'POST',
    template: '/__sim/retry-behaviour',
    handler: (s, _p, body) => {
      const parsed = parse(retryRuleBody, body);
      if ('reply' in parsed) return parsed.reply;
      s.world.addRetryRule(parsed.data);
      return ok();
    },
  },
  {
    method: 'DELETE',
    template: '/__sim/retry-behaviour',
    handler: (s) => {
      s.world.clearRetryRules();
      return ok();
    },
  },
  { method: 'GET', template: '/__sim/retries', handler: (s) => ok(s.world.retryLog) },
  {
    // Scenario activity, once, now: that fraction of the enabled flows run (lastExecutedAt moves).
    method: 'POST',
    template: '/__sim/activity',
    handler: (s, _p, body) => {
      const share = z.number().min(0).max(1);
      const parsed = parse(z.strictObject({ fraction: share, failureChance: share.optional() }), body);
      return 'reply' in parsed ? parsed.reply : ok({ ran: s.world.runActivity(parsed.data.fraction, parsed.data.failureChance) });
    },
  },
  {
    method: 'GET',
    template: '/__sim/flows/{flowId}/runs',
    handler: withFlow((s, flowId) => ok(s.world.flowRuns.filter((r) => r.flowId === flowId))),
  },
  {
    method: 'POST',
    template: '/__sim/flows/{flowId}/disable',
    handler: withFlow((s, flowId) => ok(s.world.setFlowDisabled(flowId, true))),
  },
  {
    method: 'POST',
    template: '/__sim/flows/{flowId}/enable',
    handler: withFlow((s, flowId) => ok(s.world.setFlowDisabled(flowId, false))),
  },
  {
    method: 'GET',
    template: '/__sim/flows/{flowId}/steps/{stepId}/errors',
    handler: withFlow((s, flowId, stepId) =>
      ok({ open: s.world.openErrors(flowId, stepId), resolved: s.world.resolvedErrors(flowId, stepId) }),
    ),
  },
  {
    method: 'POST',
    template: '/__sim/flows/{flowId}/steps/{stepId}/errors',
    handler: withFlow((s, flowId, stepId, body) => {
      const parsed = parse(addErrorsBody, body);
      if ('reply' in parsed) return parsed.reply;
      const { count, ...options } = parsed.data;
      return ok({ created: s.world.addErrors(flowId, stepId, count, options) });
    }),
  },
  {
    method: 'POST',
    template: '/__sim/flows/{flowId}/steps/{stepId}/resolve',
    handler: withFlow((s, flowId, stepId, body) => {
      const parsed = parse(resolveErrorsBody, body);
      return 'reply' in parsed ? parsed.reply : ok({ resolved: s.world.resolveByHand(flowId, stepId, defined(parsed.data)) });
    }),
  },
  {
    method: 'POST',
    template: '/__sim/flows/{flowId}/run-behaviour',
    handler: withFlow((s, flowId, _stepId, body) => {
      const parsed = parse(flowRunBody, body);
      if ('reply' in parsed) return parsed.reply;
      s.world.setFlowRunRule(flowId, defined(parsed.data));
      return ok();
    }),
  },
  {
    method: 'DELETE',
    template: '/__sim/flows/{flowId}/steps/{stepId}/errors',
    handler: withFlow((s, flowId, stepId) => ok({ cleared: s.world.clearErrors(flowId, stepId) })),
  },
  {
    method: 'POST',
    template: '/__sim/syncs/{syncId}/fail',
    handler: withSync((s, syncId, body) => {
      const parsed = parse(failSyncBody, body);
      return 'reply' in parsed ? parsed.reply : ok(s.world.finishSync(syncId, 'failed', parsed.data));
    }),
  },
  {
    method: 'POST',
    template: '/__sim/syncs/{syncId}/succeed',
    handler: withSync((s, syncId, body) => {
      const parsed = parse(succeedSyncBody, body);
      return 'reply' in parsed ? parsed.reply : ok(s.world.finishSync(syncId, 'completed', parsed.data));
    }),
  },
  {
    method: 'POST',
    template: '/__sim/syncs/{syncId}/start',
    handler: withSync((s, syncId, body) => {
      const parsed = parse(startSyncBody, body);
      if ('reply' in parsed) return parsed.reply;
      if (s.world.hasRunningJob(syncId)) return adminError(409, `sync ${syncId} already has a running job`);
      return ok(s.world.startSync(syncId, parsed.data));
    }),
  },
  {
    method: 'POST',
    template: '/__sim/syncs/{syncId}/disable',
    handler: withSync((s, syncId) => ok(s.world.setSyncDisabled(syncId, true))),
  },
  {
    method: 'POST',
    template: '/__sim/syncs/{syncId}/enable',
    handler: withSync((s, syncId) => ok(s.world.setSyncDisabled(syncId, false))),
  },
  {
    method: 'POST',
    template: '/__sim/syncs/{syncId}/run-behaviour',
    handler: withSync((s, syncId, body) => {
      const parsed = parse(z.strictObject({ behaviour: z.enum(['hold', 'complete', 'fail']) }), body);
      if ('reply' in parsed) return parsed.reply;
      s.world.setSyncRunBehaviour(syncId, parsed.data.behaviour);
      return ok();
    }),
  },
  // ---- Airweave ----
  { method: 'GET', template: '/__sim/airweave', handler: (s) => ok(s.airweave.summary()) },
  {
    method: 'POST',
    template: '/__sim/airweave/jobs/{syncId}',
    handler: airweaveJobAction((s, syncId, o) => s.airweave.appendJob(syncId, defined(o))),
  },
  {
    method: 'POST',
    template: '/__sim/airweave/jobs/{syncId}/start',
    handler: airweaveJobAction((s, syncId, o) => s.airweave.startJob(syncId, defined(o))),
  },
  {
    method: 'POST',
    template: '/__sim/airweave/jobs/{syncId}/succeed',
    handler: airweaveJobAction((s, syncId, o) => s.airweave.finishJob(syncId, 'completed', defined(o))),
  },
  {
    method: 'POST',
    template: '/__sim/airweave/jobs/{syncId}/fail',
    handler: airweaveJobAction((s, syncId, o) => s.airweave.finishJob(syncId, 'failed', defined(o))),
  },
  {
    method: 'POST',
    template: '/__sim/airweave/jobs/{syncId}/cancel',
    handler: airweaveJobAction((s, syncId, o) =>
      s.airweave.finishJob(syncId, o.status === 'cancelling' ? 'cancelling' : 'cancelled', defined(o)),
    ),
  },
  // ---- Neo ----
  { method: 'GET', template: '/__sim/neo', handler: (s) => ok(s.neo.summary()) },
  {
    method: 'POST',
    template: '/__sim/neo/integrations/{name}/runs',
    handler: (s, params, body) => {
      const name = params.name ?? '';
      if (s.neo.getIntegration(name) === undefined) return adminError(404, `no Neo integration ${name}`);
      const parsed = parse(neoRunBody, body);
      if ('reply' in parsed) return parsed.reply;
      const { failures, ...rest } = parsed.data;
      return ok(s.neo.addRun(name, defined({ ...rest, ...(failures === undefined ? {} : { failures: failures.map((f) => defined(f)) }) })));
    },
  },
  {
    method: 'POST',
    template: '/__sim/neo/integrations/{name}/state',
    handler: (s, params, body) => {
      const parsed = parse(z.strictObject({ state: z.enum(NEO_INTEGRATION_STATES) }), body);
      if ('reply' in parsed) return parsed.reply;
      s.neo.setState(params.name ?? '', parsed.data.state);
      return ok(s.neo.summary());
    },
  },
];

/** The admin routes (method + template), for documentation and tests. */
export const ADMIN_ROUTES: ReadonlyArray<{ method: Method; template: string }> = ADMIN_TABLE.map(({ method, template }) => ({
  method,
  template,
}));

export const COMPILED_ADMIN_ROUTES: ReadonlyArray<CompiledRoute<AdminHandler>> = ADMIN_TABLE.map((r) =>
  compileRoute(r.method, r.template, r.handler),
);
