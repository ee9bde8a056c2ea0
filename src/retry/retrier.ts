// The retry job: lock the step → list its open errors (every page) → reconcile what earlier
// attempts did (records gone: how `…/resolved` says they were resolved) → match policies → minAge
// and the platform's own `retryAt` → attempts/backoff/budget (claimed atomically in Redis before
// anything is sent) → dryRun → submit in batches of ≤ 1,000 → RetryExhausted.
import type { Queue } from 'bullmq';
import type { RedisClient as Redis } from '../state/redis.ts';
import type { Logger } from 'pino';
import { DEFAULT_SEVERITY, fingerprintOf, type AlertEvent, type AlertKind, type Severity } from '../alert/model.ts';
import type { RetryPolicyConfig } from '../config/index.ts';
import { isSyncwatchError } from '../errors.ts';
import type { HttpClient } from '../http/client.ts';
import type { Observation, OpenError, ProviderName, RunStatus } from '../model.ts';
import {
  remediatorOf,
  type ProviderRegistry,
  type RemediationContext,
  type Remediator,
  type RetryRecordsOutcome,
} from '../providers/index.ts';
import type { Keyspace } from '../state/keys.ts';
import {
  compilePolicies,
  compilePolicy,
  matchPolicy,
  stepPolicies,
  syncPolicies,
  type CompiledPolicy,
  type MatchContext,
} from './match.ts';
import {
  emptyCounts,
  RetryLedger,
  type ClaimParams,
  type LedgerEntry,
  type RetryActivity,
  type RetryBatch,
  type RetryOutcomeName,
  type Verdict,
} from './ledger.ts';
import {
  eligibility,
  keyedOldestFirst,
  openUnitsOf,
  ownersOf,
  planRetries,
  RERUN_FLOW,
  RERUN_SYNC,
  ResolutionLookup,
  retryJobIdOf,
  verdictsOf,
  type OpenUnits,
  type RetryJob,
  type StepError,
  type StepRetryJob,
  type SyncRetryJob,
} from './plan.ts';

/** How long finished retry jobs are kept (their ids dedupe a cycle's re-plans). */
export const KEEP_RETRY_JOBS_SECONDS = 3600;
/** A step's lock outlives any sane job; the ledger still guards if a job outlives the lock. */
export const DEFAULT_LOCK_TTL_MS = 5 * 60_000;

export type OnRecords = (target: string, policy: string, outcome: RetryOutcomeName, records: number) => void;
export type Emit = (events: AlertEvent[]) => Promise<void>;

export interface RetrierTarget {
  name: string;
  provider: ProviderName;
  severity?: Partial<Record<AlertKind, Severity>>;
}

export interface RetrierOptions {
  config: { targets: readonly RetrierTarget[]; retryPolicies: readonly RetryPolicyConfig[] };
  redis: Redis;
  /** The deployment's key map (retry's keys are its `retry` families). */
  keys: Pick<Keyspace, 'retry'>;
  /** Where `plan` enqueues; without it `plan` only returns the jobs. */
  retryQueue?: Queue;
  logger: Logger;
  /** The shared HTTP client of a target (rate limit shared with polling). */
  httpFor: (target: string) => HttpClient;
  /** Where a target's provider is looked up for its remediation capability (default: the provider registry). */
  providers?: ProviderRegistry;
  now?: () => number;
  /** Counter hook: syncwatch_retry_records_total{target,policy,outcome}. */
  onRecords?: OnRecords;
  /** Where RetryExhausted transitions go (alert ingest); they are also returned by `process`. */
  emit?: Emit;
  lockTtlMs?: number;
}

export type PolicyCounts = Record<string, Record<RetryOutcomeName, number>>;

export interface RetryResult {
  status: 'done' | 'locked' | 'gone';
  events: AlertEvent[];
  /** Records by policy and outcome in this run. */
  counts: PolicyCounts;
  /** Records (or reruns) the ledger held back, by policy: in backoff, out of attempts, in cooldown. */
  held?: Record<string, HeldBack>;
}

export interface HeldBack {
  waiting: number;
  exhausted: number;
  cooldown: boolean;
}

/** A manual retry ("Retry now" in Slack): what happened, said in one message. */
export interface RetryNowResult {
  /** Records (or reruns) sent to the platform by this click. */
  submitted: number;
  text: string;
}

/** Retry now waits this often this long for a running job of the same step to finish. */
const RETRY_NOW_LOCK_TRIES = 20;
const RETRY_NOW_LOCK_WAIT_MS = 250;

/** A failed Data Loader sync that no rerun_sync policy covers is re-run by hand under these rules. */
export const RETRY_NOW_SYNC_POLICY: RetryPolicyConfig = {
  name: 'retry-now',
  match: { targets: ['*'] },
  action: 'rerun_sync',
  minAge: 0,
  maxAttempts: 3,
  backoff: { initial: 15 * 60_000, factor: 2, max: 4 * 3600_000 },
  budget: { recordsPerHour: 1000 },
  dryRun: false,
};

export interface PolicyStatus {
  name: string;
  action: RetryPolicyConfig['action'];
  dryRun: boolean;
  maxAttempts: number;
  recordsPerHour: number;
  /** Records over the last 60 minutes, all targets together and per target. */
  lastHour: Record<RetryOutcomeName, number>;
  byTarget: Record<string, Record<RetryOutcomeName, number>>;
  /** The latest batches (newest first) and what is in backoff (soonest due first). */
  latestBatches: RetryActivity['latestBatches'];
  backoff: RetryActivity['backoff'];
}

const iso = (ms: number) => new Date(ms).toISOString();
/** How a keyless record is found again among the resolved errors: its traceKey (kept across errorIds), else its errorId. */
const recordIdOf = (e: OpenError) => e.traceKey ?? e.errorId;

/** What a settled outcome says in the log, one line per policy. */
const SETTLED_MESSAGES: Partial<Record<RetryOutcomeName, string>> = {
  succeeded: 'retried records succeeded',
  failed: 'retried records failed again',
  resolved_by_user: 'retried records were resolved by a person, not by the retry',
  unverified: 'retried records are gone but not among the resolved errors (purged or deleted)',
};

/** "3× Read timed out; 2× 503 Service Unavailable" — the most frequent messages first. */
export function topMessages(errors: readonly OpenError[], limit = 3): string {
  const counts = new Map<string, number>();
  for (const e of errors) {
    const m = (e.message || e.code || '(no message)').slice(0, 200);
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([m, n]) => `${n}× ${m}`)
    .join('; ');
}

export class Retrier {
  readonly policies: CompiledPolicy[];
  readonly ledger: RetryLedger;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly lockTtlMs: number;

  constructor(private readonly opts: RetrierOptions) {
    this.policies = compilePolicies(opts.config.retryPolicies);
    this.ledger = new RetryLedger(opts.redis, opts.keys);
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger.child({ component: 'retry' });
    this.lockTtlMs = opts.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  }

  /** The retry jobs of one observation (steps with errors a policy could own, plus active ones); enqueued when a queue was given. */
  async plan(observation: Observation, cycle: string): Promise<RetryJob[]> {
    if (this.policies.length === 0 || !this.canRemediate(observation.provider)) return [];
    const active = await this.ledger.activeResources(observation.target);
    const jobs = planRetries(observation, cycle, this.policies, active, (provider) => this.canRemediate(provider));
    if (this.opts.retryQueue && jobs.length > 0) await enqueueRetryJobs(this.opts.retryQueue, jobs);
    return jobs;
  }

  /**
   * The resources of a target with a retry of ours in flight: records submitted and not yet seen
   * resolved or given up on (the ledger's active set, one SMEMBERS). Change-driven polling looks
   * at them every cycle.
   */
  async inFlight(target: string): Promise<Set<string>> {
    return this.ledger.activeResources(target);
  }

  /**
   * One retry job. Events (RetryExhausted transitions) are passed to `emit` and returned. `manual`:
   * a person asked for it now (Retry now) — the same lock, ledger, attempts, budget and dry-run, only
   * `minAge` is not waited for, and a failed sync no policy covers is re-run under RETRY_NOW_SYNC_POLICY.
   */
  async process(job: RetryJob, emit: Emit | undefined = this.opts.emit, manual = false): Promise<RetryResult> {
    const token = await this.ledger.lock(job.resource, this.lockTtlMs);
    if (token === undefined) {
      this.logger.debug({ target: job.target, resource: job.resource }, 'another job holds this step; skipped');
      return { status: 'locked', events: [], counts: {} };
    }
    try {
      const target = this.target(job.target);
      const remediator = target && remediatorOf(target.provider, this.opts.providers);
      if (!target || !remediator) {
        this.logger.warn(
          { target: job.target, resource: job.resource },
          'target unknown or its provider cannot remediate; nothing to retry',
        );
        return { status: 'gone', events: [], counts: {} };
      }
      const run = new JobRun(this, remediator, target.provider, this.opts, this.logger, this.now(), job, manual);
      const result = job.kind === 'step' ? await run.step(job) : await run.sync(job);
      if (manual) result.held = Object.fromEntries(run.held);
      if (emit && result.events.length > 0) {
        try {
          await emit(result.events);
        } catch (e) {
          // Undo the episode start so the next run raises it again rather than losing it.
          for (const ev of result.events) if (ev.status === 'firing') await this.ledger.del(this.ledger.keys.exhausted(ev.labels.resource));
          throw e;
        }
      }
      return result;
    } finally {
      await this.ledger.unlock(job.resource, token).catch(() => undefined);
    }
  }

  /**
   * Alerts resolved because their resources left the poll's scope: a RetryExhausted episode ends
   * there, so the ledger forgets it — back in scope with records still given up on, it fires anew.
   */
  async retired(events: readonly AlertEvent[]): Promise<void> {
    for (const e of events)
      if (e.labels.kind === 'RetryExhausted' && e.status === 'resolved') await this.ledger.endExhausted(e.labels.resource);
  }

  /** A BullMQ processor for the `retry` queue. */
  processor(emit: Emit | undefined = this.opts.emit) {
    return async (job: { data: RetryJob }) => this.process(job.data, emit);
  }

  /** Each policy's last 60 minutes, for /status. */
  async status(): Promise<PolicyStatus[]> {
    const now = this.now();
    const byPolicy = await this.ledger.lastHour(now);
    const activity = await Promise.all(this.policies.map((p) => this.ledger.activity(p.name, now)));
    return this.policies.map((p, i) => {
      const byTarget: Record<string, Record<RetryOutcomeName, number>> = Object.fromEntries(
        byPolicy.get(p.name) ?? new Map<string, Record<RetryOutcomeName, number>>(),
      );
      const lastHour = emptyCounts();
      for (const counts of Object.values(byTarget)) for (const o of Object.keys(lastHour) as RetryOutcomeName[]) lastHour[o] += counts[o];
      return {
        name: p.name,
        action: p.action,
        dryRun: p.config.dryRun,
        maxAttempts: p.config.maxAttempts,
        recordsPerHour: p.config.budget.recordsPerHour,
        lastHour,
        byTarget,
        ...activity[i]!,
      };
    });
  }

  /** The retry job "Retry now" runs for an alert: its flow step, or its failed sync; undefined when there is none. */
  jobOf(alert: AlertEvent): RetryJob | undefined {
    const l = alert.labels;
    if (!this.canRemediate(l.provider)) return undefined;
    const cycle = `now-${this.now()}`;
    const integration = l.integration !== undefined ? { integrationId: l.integration } : {};
    if ((l.kind === 'FlowErrors' || l.kind === 'RetryExhausted') && l.flow !== undefined && l.step !== undefined) {
      const ctx = { target: l.target, flowId: l.flow, flowName: alert.annotations.name, stepId: l.step, integrationId: l.integration };
      if (!stepPolicies(this.policies).some((p) => p.inScope(ctx))) return undefined;
      return {
        kind: 'step',
        target: l.target,
        cycle,
        resource: l.resource,
        flowId: l.flow,
        flowName: alert.annotations.name ?? l.flow,
        stepId: l.step,
        ...integration,
        openErrors: alert.annotations.total ?? 0,
      };
    }
    if (l.kind === 'SyncFailed' && l.sync !== undefined && alert.annotations.runId !== undefined) {
      const a = alert.annotations;
      return {
        kind: 'sync',
        target: l.target,
        cycle,
        resource: l.resource,
        syncId: l.sync,
        name: a.name ?? l.sync,
        ...integration,
        runId: a.runId!,
        status: 'failed',
        ...(a.endedAt !== undefined ? { endedAt: a.endedAt } : {}),
        ...(a.error !== undefined ? { error: a.error } : {}),
      };
    }
    return undefined;
  }

  /** Whether "Retry now" can act on this alert: a step policy covers its step, or it is a failed sync. */
  covers(alert: AlertEvent): boolean {
    return this.jobOf(alert) !== undefined;
  }

  /**
   * Retry now: the alert's retry job, run once, at once, through the very code path of a scheduled
   * one (`process`: lock, ledger, attempts, backoff, budget, dry run); answers what it did in words.
   */
  async retryNow(alert: AlertEvent): Promise<RetryNowResult> {
    const job = this.jobOf(alert);
    if (!job) return { submitted: 0, text: 'Nothing to retry: no retry policy covers this alert.' };
    let result = await this.process(job, this.opts.emit, true);
    // A scheduled run holds the step: wait for it (a few seconds at most), then go through the ledger.
    for (let i = 0; i < RETRY_NOW_LOCK_TRIES && result.status === 'locked'; i++) {
      await new Promise((r) => setTimeout(r, RETRY_NOW_LOCK_WAIT_MS));
      result = await this.process(job, this.opts.emit, true);
    }
    if (result.status === 'locked')
      return { submitted: 0, text: 'Not submitted: a retry of this is running right now (try again in a moment).' };
    if (result.status === 'gone') return { submitted: 0, text: 'Nothing to retry: the flow, step or sync is gone.' };
    const entries = await this.ledger.entries(job.resource);
    const now = this.now();
    const lines: string[] = [];
    let submitted = 0;
    const policies = new Set([...Object.keys(result.counts), ...Object.keys(result.held ?? {})]);
    for (const name of policies) {
      const c = result.counts[name] ?? emptyCounts();
      const held = result.held?.[name] ?? { waiting: 0, exhausted: 0, cooldown: false };
      const policy = this.policies.find((p) => p.name === name)?.config ?? RETRY_NOW_SYNC_POLICY;
      const action = policy.action;
      const n = (k: number, what = 'record') => `${k} ${what}${k === 1 ? '' : 's'}`;
      submitted += c.submitted;
      if (c.submitted > 0)
        lines.push(
          action === 'rerun_sync'
            ? `Queued a run of the sync (policy ${name}).`
            : action === 'rerun_flow'
              ? `Queued a run of the flow for ${n(c.submitted)} (policy ${name}).`
              : `Submitted ${n(c.submitted)} (policy ${name}).`,
        );
      if (c.dry_run > 0) lines.push(`Dry run: would have retried ${n(c.dry_run)}; nothing submitted (policy ${name} has dryRun: true).`);
      if (held.waiting > 0) {
        const next = [...entries.values()].filter((e) => e.p === name && e.next > now && e.n < e.max).map((e) => e.next);
        const until = next.length > 0 ? ` until ${iso(Math.min(...next))}` : '';
        lines.push(`Not submitted: ${n(held.waiting)} in backoff${until} (policy ${name}).`);
      }
      if (held.exhausted > 0)
        lines.push(`Not submitted: ${n(held.exhausted)} out of attempts (maxAttempts ${policy.maxAttempts}, policy ${name}).`);
      if (c.skipped_budget > 0)
        lines.push(`Not submitted: ${n(c.skipped_budget)} over budget (${n(policy.budget.recordsPerHour)} per hour, policy ${name}).`);
      if (held.cooldown) lines.push(`Not re-run: the last run is less than its cooldown ago (policy ${name}).`);
      if (c.skipped_platform_retry > 0) lines.push(`Not submitted: ${n(c.skipped_platform_retry)} the platform retries itself first.`);
      if (c.skipped_disabled > 0) lines.push(`Not submitted: ${n(c.skipped_disabled)} — the flow or sync is disabled.`);
      if (c.not_queued > 0) lines.push(`Not queued: the platform accepted the run but queued none (another run in progress?).`);
    }
    if (lines.length === 0) lines.push('Nothing to retry: no open record a retry policy covers.');
    this.logger.info({ target: job.target, resource: job.resource, submitted }, 'retry now');
    return { submitted, text: lines.join('\n') };
  }

  /** Whether a provider has the remediation capability: only its targets get retry jobs. */
  canRemediate(provider: string): boolean {
    return remediatorOf(provider, this.opts.providers) !== undefined;
  }

  private target(name: string): RetrierTarget | undefined {
    return this.opts.config.targets.find((t) => t.name === name);
  }

  severity(target: string): Severity {
    return this.target(target)?.severity?.RetryExhausted ?? DEFAULT_SEVERITY.RetryExhausted;
  }

  count(counts: PolicyCounts, target: string, policy: string, outcome: RetryOutcomeName, records: number, now: number): Promise<void> {
    if (records <= 0) return Promise.resolve();
    (counts[policy] ??= emptyCounts())[outcome] += records;
    this.opts.onRecords?.(target, policy, outcome, records);
    return this.ledger.count(target, policy, outcome, records, now);
  }
}

export async function enqueueRetryJobs(queue: Queue, jobs: readonly RetryJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await queue.addBulk(
    jobs.map((data) => ({
      name: data.kind,
      data,
      opts: {
        jobId: retryJobIdOf(data),
        attempts: 3,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: { age: KEEP_RETRY_JOBS_SECONDS },
        removeOnFail: { age: KEEP_RETRY_JOBS_SECONDS },
      },
    })),
  );
}

/** A settled run's units: a later success settles the attempt; a newer failure fails it. */
const isSettled = (status: RunStatus) => status === 'succeeded' || status === 'failed' || status === 'canceled';

/** What one step run decides per policy, and carries from one policy to the next. */
interface StepPass {
  units: OpenUnits;
  disabledKey: string;
  /** The flow turned out disabled (by an earlier policy, or an earlier run): nothing more is sent. */
  flowDisabled: boolean;
}

/** The state of one job run (one clock reading, one claim id). */
class JobRun {
  readonly counts: PolicyCounts = {};
  /** What the ledger held back, by policy (told to the person who asked for a manual retry). */
  readonly held = new Map<string, HeldBack>();
  readonly claimId = RetryLedger.newToken();
  private readonly ledger: RetryLedger;
  private readonly ctx: RemediationContext;

  constructor(
    private readonly retrier: Retrier,
    private readonly remediator: Remediator,
    private readonly provider: ProviderName,
    opts: RetrierOptions,
    private readonly logger: Logger,
    private readonly now: number,
    job: RetryJob,
    private readonly manual = false,
  ) {
    this.ledger = retrier.ledger;
    this.ctx = { http: opts.httpFor(job.target) };
  }

  private hold(policy: string, status: 'waiting' | 'exhausted' | 'cooldown', n = 1): void {
    const h = this.held.get(policy) ?? { waiting: 0, exhausted: 0, cooldown: false };
    if (status === 'cooldown') h.cooldown = true;
    else h[status] += n;
    this.held.set(policy, h);
  }

  /** A person asking now does not wait for minAge; every other rule holds. */
  private minAge(policy: CompiledPolicy): number {
    return this.manual ? 0 : policy.config.minAge;
  }

  private count(target: string, policy: string, outcome: RetryOutcomeName, records: number) {
    return this.retrier.count(this.counts, target, policy, outcome, records, this.now);
  }

  private claimParams(job: RetryJob, policy: CompiledPolicy, rerunCooldown?: number): ClaimParams {
    const c = policy.config;
    // A rerun waits at least its cooldown between attempts.
    const backoff =
      rerunCooldown === undefined
        ? c.backoff
        : { initial: Math.max(c.backoff.initial, rerunCooldown), factor: c.backoff.factor, max: Math.max(c.backoff.max, rerunCooldown) };
    return {
      resource: job.resource,
      target: job.target,
      policy: policy.name,
      maxAttempts: c.maxAttempts,
      backoff,
      budgetPerHour: c.budget.recordsPerHour,
      now: this.now,
      claimId: this.claimId,
    };
  }

  async step(job: StepRetryJob): Promise<RetryResult> {
    const ctx: MatchContext = {
      target: job.target,
      flowId: job.flowId,
      flowName: job.flowName,
      stepId: job.stepId,
      integrationId: job.integrationId,
      integrationName: job.integrationName,
    };
    const log = this.logger.child({ target: job.target, flow: job.flowId, step: job.stepId });

    const open = await this.openErrors(job, log);
    if (open === undefined) return { status: 'gone', events: [], counts: {} };
    const owned = ownersOf(open, stepPolicies(this.retrier.policies), ctx);
    const units = openUnitsOf(open, owned);
    const reconciled = await this.reconcileStep(job, units.current, log);

    const disabledKey = this.ledger.keys.disabled(job.target, job.flowId);
    const pass: StepPass = { units, disabledKey, flowDisabled: await this.ledger.running(disabledKey, this.now) };
    for (const policy of [...owned.keys()].sort((a, b) => a.index - b.index)) {
      const plog = log.child({ policy: policy.name, action: policy.action });
      if (policy.action === 'rerun_flow') await this.rerunFlowPolicy(job, policy, pass, plog);
      else await this.retryPolicy(job, policy, owned.get(policy) ?? [], pass, plog);
    }

    const events = await this.exhaustion(job, reconciled.exhausted, units.byKey, units.keylessOf, {
      name: job.flowName,
      flow: job.flowId,
      step: job.stepId,
      integration: job.integrationId,
    });
    await this.ledger.settleActive(job.target, job.resource);
    return { status: 'done', events, counts: this.counts };
  }

  /** Every open error of the step (every page); undefined when the flow or step is gone. */
  private async openErrors(job: StepRetryJob, log: Logger): Promise<StepError[] | undefined> {
    const open: StepError[] = [];
    try {
      for await (const page of this.remediator.openErrorPages(job, this.ctx)) open.push(...page);
    } catch (e) {
      if (isSyncwatchError(e, 'not-found')) {
        log.info('flow or step no longer exists; nothing to retry');
        return undefined;
      }
      throw e;
    }
    return open;
  }

  /** Submitted records gone from the open errors: how were they resolved, by our retry or by hand? Counted and logged. */
  private async reconcileStep(job: StepRetryJob, current: ReadonlyMap<string, string>, log: Logger) {
    const gone = [...(await this.ledger.entries(job.resource))].filter(([unit, e]) => e.st === 'pending' && !current.has(unit));
    const verdicts = gone.length > 0 ? await this.verdicts(job, gone) : new Map<string, Verdict[]>();
    const reconciled = await this.ledger.reconcile(job.resource, current, verdicts);
    const settled = new Map<string, { policy: string; outcome: RetryOutcomeName; count: number }>();
    for (const o of reconciled.outcomes) {
      await this.count(job.target, o.policy, o.outcome, o.records);
      if (o.records <= 0) continue;
      const entry = settled.get(`${o.policy}|${o.outcome}`) ?? { policy: o.policy, outcome: o.outcome, count: 0 };
      entry.count += o.records;
      settled.set(`${o.policy}|${o.outcome}`, entry);
    }
    // What earlier submissions achieved, one line per policy and outcome.
    for (const e of settled.values()) log.info(e, SETTLED_MESSAGES[e.outcome] ?? e.outcome);
    return reconciled;
  }

  /** rerun_flow: the policy's keyless records, by one flow run. */
  private async rerunFlowPolicy(job: StepRetryJob, policy: CompiledPolicy, pass: StepPass, log: Logger): Promise<void> {
    const eligible = await this.eligibleOf(job, policy, pass.units.keylessOf.get(policy.name) ?? [], log);
    if (eligible.length === 0) return;
    if (policy.config.dryRun) {
      log.info({ count: eligible.length, dryRun: true }, 'dry run: would re-run the flow');
      await this.count(job.target, policy.name, 'dry_run', eligible.length);
      return;
    }
    if (pass.flowDisabled) return;
    pass.flowDisabled = await this.rerunFlow(
      job,
      policy,
      eligible,
      pass.units.current.get(RERUN_FLOW + policy.name) ?? '',
      pass.disabledKey,
      log,
    );
  }

  /** retry / retry_with_backoff: records with a retryDataKey, due, oldest first, once each. */
  private async retryPolicy(
    job: StepRetryJob,
    policy: CompiledPolicy,
    errors: readonly StepError[],
    pass: StepPass,
    log: Logger,
  ): Promise<void> {
    const eligible = await this.eligibleOf(job, policy, keyedOldestFirst(errors), log);
    if (eligible.length === 0) return;
    if (policy.config.dryRun) return this.dryRunRetry(job, policy, eligible, log);
    if (pass.flowDisabled) {
      log.debug({ count: eligible.length }, 'flow is disabled; not retrying');
      return;
    }
    pass.flowDisabled = await this.retryKeys(job, policy, eligible, pass.disabledKey, log);
  }

  /** Look, never touch: no attempt recorded, no budget spent. */
  private async dryRunRetry(job: StepRetryJob, policy: CompiledPolicy, eligible: readonly StepError[], log: Logger): Promise<void> {
    const c = policy.config;
    const entries = await this.ledger.entries(job.resource);
    const due = eligible.filter((e) => {
      const entry = entries.get(e.retryDataKey as string);
      return !entry || (entry.n < c.maxAttempts && entry.next <= this.now);
    });
    const left = await this.ledger.budgetLeft(job.target, policy.name, c.budget.recordsPerHour, this.now);
    const would = Math.min(due.length, left);
    log.info({ count: would, overBudget: due.length - would, dryRun: true }, 'dry run: would retry records');
    await this.count(job.target, policy.name, 'dry_run', would);
    await this.count(job.target, policy.name, 'skipped_budget', due.length - would);
  }

  /**
   * The records that may be sent now: past `minAge` and not waiting for the platform's own retry
   * (`retryAt`). Those the platform is about to retry are counted skipped_platform_retry.
   */
  private async eligibleOf(job: StepRetryJob, policy: CompiledPolicy, errors: readonly StepError[], log: Logger): Promise<StepError[]> {
    const eligible: StepError[] = [];
    let platform = 0;
    for (const e of errors) {
      const verdict = eligibility(e, this.minAge(policy), this.now);
      if (verdict === 'eligible') eligible.push(e);
      else if (verdict === 'platform_retry') platform++;
    }
    if (platform > 0) {
      log.debug({ count: platform }, "the platform's own retry (retryAt) is still to come; not submitted");
      await this.count(job.target, policy.name, 'skipped_platform_retry', platform);
    }
    return eligible;
  }

  /**
   * How the platform resolved the pending units that left the open errors, from the step's resolved
   * errors (read until every unit is found).
   */
  private async verdicts(job: StepRetryJob, gone: ReadonlyArray<[string, LedgerEntry]>): Promise<Map<string, Verdict[]>> {
    // What to look up, with when we submitted it: retryDataKeys, and the records of reruns.
    const keys = new ResolutionLookup();
    const ids = new ResolutionLookup();
    for (const [unit, e] of gone) {
      if (e.ids !== undefined) for (const i of e.ids) ids.want(i, e.last);
      else if (!unit.startsWith('~')) keys.want(unit, e.last);
    }
    if (!keys.done() || !ids.done()) {
      for await (const page of this.remediator.resolvedPages(job, this.ctx)) {
        for (const r of page) {
          keys.offer(r.retryDataKey, r);
          // A keyless record keeps its traceKey when a failed run brings it back under a new errorId.
          ids.offer(r.errorId, r);
          ids.offer(r.traceKey, r);
        }
        if (keys.done() && ids.done()) break;
      }
    }
    return verdictsOf(gone, keys, ids);
  }

  /** Claims and submits in slices the platform takes at once; answers true when the flow turned out disabled. */
  private async retryKeys(
    job: StepRetryJob,
    policy: CompiledPolicy,
    eligible: StepError[],
    disabledKey: string,
    log: Logger,
  ): Promise<boolean> {
    const params = this.claimParams(job, policy);
    const size = this.remediator.maxRecordsPerCall;
    for (let i = 0; i < eligible.length; i += size) {
      const slice = eligible.slice(i, i + size);
      const claimed = await this.claimSlice(job, policy, params, slice);
      if (claimed.length === 0) continue;
      const keys = claimed.map((c) => c.unit);
      const outcome = await this.submit(job, policy, keys, log);
      if (outcome.outcome === 'queued') {
        // Large batches show their progress: records so far of those eligible on this step.
        log.info(
          { count: keys.length, progress: `${Math.min(i + slice.length, eligible.length)}/${eligible.length}`, retryJob: outcome.jobId },
          'retry batch submitted',
        );
        log.debug({ retryDataKeys: keys }, 'retry batch keys');
        await this.count(job.target, policy.name, 'submitted', keys.length);
        await this.batch(job, policy, {
          what: 'records',
          records: keys.length,
          outcome: 'queued',
          ...(outcome.jobId ? { job: String(outcome.jobId) } : {}),
        });
        // Who submitted: the platform resolves a successful retry in this user's name.
        if (outcome.submittedBy !== undefined) await this.ledger.mark(job.resource, this.claimId, 'u', outcome.submittedBy, keys);
      } else if (outcome.outcome === 'no-op') {
        // 204: none of the keys matched a stored snapshot (resolved or purged meanwhile). The
        // attempt stays recorded (its backoff still applies); if the keys are gone on the next
        // run they are dropped without an outcome, as nothing was retried.
        log.info({ count: keys.length }, 'retry batch was a no-op (204): none of the keys is open any more');
        await this.ledger.mark(job.resource, this.claimId, 'st', 'noop', keys);
        await this.batch(job, policy, { what: 'records', records: keys.length, outcome: 'no-op' });
      } else {
        // 422 inactive_flow: nothing was attempted. Undo the claims and the budget; pause until the
        // backoff's initial delay has passed.
        await this.ledger.rollback(params, claimed);
        const skipped = eligible.length - i - (slice.length - claimed.length);
        log.warn({ count: skipped }, 'flow is disabled (422 inactive_flow); records not retried');
        await this.count(job.target, policy.name, 'skipped_disabled', skipped);
        await this.ledger.setOnce(disabledKey, policy.config.backoff.initial, this.now);
        return true;
      }
    }
    return false;
  }

  /** A submitted batch into the policy's latest batches (the console's retry activity). */
  private async batch(
    job: { target: string; resource: string },
    policy: CompiledPolicy,
    batch: Omit<RetryBatch, 'at' | 'target' | 'resource'>,
  ): Promise<void> {
    await this.ledger.recordBatch(policy.name, {
      at: new Date(this.now).toISOString(),
      target: job.target,
      resource: job.resource,
      ...batch,
    });
  }

  /** Claims one slice's records in the ledger (atomically, before anything is sent); over-budget ones counted. */
  private async claimSlice(job: StepRetryJob, policy: CompiledPolicy, params: ClaimParams, slice: readonly StepError[]) {
    const results = await this.ledger.claim(
      params,
      slice.map((e) => ({ unit: e.retryDataKey as string, eid: e.errorId, records: 1 })),
    );
    const claimed: Array<{ unit: string; previous: string; records: number }> = [];
    let overBudget = 0;
    results.forEach((r, j) => {
      if (r.status === 'claimed') claimed.push({ unit: slice[j]?.retryDataKey as string, previous: r.previous, records: 1 });
      else if (r.status === 'budget') overBudget++;
      else this.hold(policy.name, r.status);
    });
    await this.count(job.target, policy.name, 'skipped_budget', overBudget);
    return claimed;
  }

  private async submit(job: StepRetryJob, policy: CompiledPolicy, keys: readonly string[], log: Logger): Promise<RetryRecordsOutcome> {
    try {
      return await this.remediator.retryRecords(job, keys, { backoff: policy.action === 'retry_with_backoff' }, this.ctx);
    } catch (e) {
      // It may have reached the platform: the attempts stay recorded (never twice in a window).
      log.warn(
        { count: keys.length, err: { message: e instanceof Error ? e.message : String(e) } },
        'retry submission failed; attempts kept',
      );
      throw e;
    }
  }

  private async rerunFlow(
    job: StepRetryJob,
    policy: CompiledPolicy,
    eligible: StepError[],
    fingerprint: string,
    disabledKey: string,
    log: Logger,
  ): Promise<boolean> {
    const cooldown = policy.config.cooldown ?? policy.config.backoff.initial;
    const params = this.claimParams(job, policy, cooldown);
    const unit = RERUN_FLOW + policy.name;
    const [result] = await this.ledger.claim(params, [{ unit, eid: fingerprint, records: eligible.length, ids: eligible.map(recordIdOf) }]);
    if (result?.status === 'budget') {
      await this.count(job.target, policy.name, 'skipped_budget', eligible.length);
      return false;
    }
    if (result?.status === 'waiting' || result?.status === 'exhausted') this.hold(policy.name, result.status, eligible.length);
    if (result?.status !== 'claimed') return false;
    const claimed = [{ unit, previous: result.previous, records: eligible.length }];
    // One rerun per flow per cooldown, whichever of its steps asked first.
    const cooldownKey = this.ledger.keys.cooldown(job.target, 'flow', job.flowId);
    if (!(await this.ledger.setOnce(cooldownKey, cooldown, this.now))) {
      await this.ledger.rollback(params, claimed);
      this.hold(policy.name, 'cooldown');
      log.debug('flow re-run in cooldown; skipped');
      return false;
    }
    const outcome = await this.remediator.rerunFlow(job.flowId, this.ctx);
    if (outcome.outcome === 'queued') {
      log.info({ count: eligible.length, jobIds: outcome.jobIds }, 'flow re-run submitted');
      await this.count(job.target, policy.name, 'submitted', eligible.length);
      await this.batch(job, policy, {
        what: 'flow re-run',
        records: eligible.length,
        outcome: 'queued',
        ...(outcome.jobIds?.length ? { job: outcome.jobIds.join(', ') } : {}),
      });
      return false;
    }
    await this.ledger.rollback(params, claimed);
    if (outcome.outcome === 'not-queued') {
      // 200 without `_jobId`: accepted, but no job queued (another run in progress, says the
      // document). No attempt spent, no cooldown started: the next cycle asks again.
      await this.ledger.del(cooldownKey);
      log.warn({ count: eligible.length }, 'flow re-run not queued (answer without _jobId); trying again next cycle');
      await this.count(job.target, policy.name, 'not_queued', eligible.length);
      return false;
    }
    log.warn({ count: eligible.length, reason: outcome.reason }, 'flow re-run refused (flow disabled?)');
    await this.count(job.target, policy.name, 'skipped_disabled', eligible.length);
    await this.ledger.setOnce(disabledKey, cooldown, this.now);
    return true;
  }

  async sync(job: SyncRetryJob): Promise<RetryResult> {
    const ctx: MatchContext = {
      target: job.target,
      flowId: job.syncId,
      flowName: job.name,
      integrationId: job.integrationId,
      integrationName: job.integrationName,
    };
    const policies = syncPolicies(this.retrier.policies);
    // Retry now on a failed sync no policy covers: re-run it under the manual policy's rules.
    if (this.manual) policies.push(compilePolicy(RETRY_NOW_SYNC_POLICY, this.retrier.policies.length));
    const policy = matchPolicy(policies, { message: job.error ?? '' }, ctx);
    const exhausted = isSettled(job.status) ? await this.reconcileSync(job, policy) : await this.exhaustedUnits(job);
    if (policy && job.status === 'failed' && eligibility({ occurredAt: job.endedAt }, this.minAge(policy), this.now) === 'eligible') {
      await this.rerunSyncPolicy(
        job,
        policy,
        this.logger.child({ target: job.target, sync: job.syncId, policy: policy.name, action: policy.action }),
      );
    }
    const failedRun: OpenError = { errorId: job.runId, message: job.error ?? `sync ${job.name} failed` };
    const events = await this.exhaustion(
      job,
      exhausted,
      new Map(),
      new Map(),
      { name: job.name, sync: job.syncId, integration: job.integrationId },
      [failedRun],
    );
    await this.ledger.settleActive(job.target, job.resource);
    return { status: 'done', events, counts: this.counts };
  }

  /** On a settled run: a later success settles the attempt; a newer failure fails it. Answers the exhausted units. */
  private async reconcileSync(job: SyncRetryJob, policy: CompiledPolicy | undefined): Promise<Array<{ unit: string; policy: string }>> {
    const current = new Map<string, string>();
    if (job.status === 'failed' && policy) current.set(RERUN_SYNC + policy.name, job.runId);
    // A sync's rerun is settled by its run, not by resolved error records: no longer failing is success.
    const settledRuns = [...(await this.ledger.entries(job.resource))].filter(([unit, e]) => e.st === 'pending' && !current.has(unit));
    const verdicts = new Map(settledRuns.map(([unit, e]): [string, Verdict[]] => [unit, [{ outcome: 'succeeded', records: e.r }]]));
    const reconciled = await this.ledger.reconcile(job.resource, current, verdicts);
    for (const o of reconciled.outcomes) await this.count(job.target, o.policy, o.outcome, o.records);
    return reconciled.exhausted;
  }

  /** While a run is still on its way: the units already out of attempts. */
  private async exhaustedUnits(job: SyncRetryJob): Promise<Array<{ unit: string; policy: string }>> {
    const state = await this.ledger.entries(job.resource);
    return [...state.entries()].filter(([, e]) => e.st === 'failed' && e.n >= e.max).map(([unit, e]) => ({ unit, policy: e.p }));
  }

  /** rerun_sync: one rerun of the failed sync, claimed and within its cooldown. */
  private async rerunSyncPolicy(job: SyncRetryJob, policy: CompiledPolicy, log: Logger): Promise<void> {
    if (policy.config.dryRun) {
      log.info({ count: 1, dryRun: true }, 'dry run: would re-run the sync');
      await this.count(job.target, policy.name, 'dry_run', 1);
      return;
    }
    const cooldown = policy.config.cooldown ?? policy.config.backoff.initial;
    const params = this.claimParams(job, policy, cooldown);
    const unit = RERUN_SYNC + policy.name;
    const [result] = await this.ledger.claim(params, [{ unit, eid: job.runId, records: 1 }]);
    if (result?.status === 'budget') await this.count(job.target, policy.name, 'skipped_budget', 1);
    if (result?.status === 'waiting' || result?.status === 'exhausted') this.hold(policy.name, result.status);
    if (result?.status !== 'claimed') return;
    const claimed = [{ unit, previous: result.previous, records: 1 }];
    if (!(await this.ledger.setOnce(this.ledger.keys.cooldown(job.target, 'sync', job.syncId), cooldown, this.now))) {
      await this.ledger.rollback(params, claimed);
      this.hold(policy.name, 'cooldown');
      return;
    }
    const outcome = await this.remediator.rerunSync(job.syncId, this.ctx);
    if (outcome.outcome === 'queued') {
      log.info({ count: 1, flowExecutionGroupId: outcome.runGroupId }, 'sync re-run submitted');
      await this.count(job.target, policy.name, 'submitted', 1);
      await this.batch(job, policy, {
        what: 'sync re-run',
        records: 1,
        outcome: 'queued',
        ...(outcome.runGroupId ? { job: String(outcome.runGroupId) } : {}),
      });
      return;
    }
    await this.ledger.rollback(params, claimed);
    if (outcome.outcome === 'already-queued') {
      // 409 sync_job_already_queued: a run is on its way already; nothing attempted.
      log.info('sync already has a queued run (409); skipped');
    } else {
      log.warn('sync is disabled (422 invalid_sync); not re-run');
      await this.count(job.target, policy.name, 'skipped_disabled', 1);
    }
  }

  /** RetryExhausted: one firing transition per episode, one resolved when those records are gone. */
  private async exhaustion(
    job: RetryJob,
    exhausted: ReadonlyArray<{ unit: string; policy: string }>,
    byKey: ReadonlyMap<string, OpenError>,
    keylessOf: ReadonlyMap<string, OpenError[]>,
    labels: { name: string; flow?: string; step?: string; sync?: string; integration?: string | undefined },
    fallback: OpenError[] = [],
  ): Promise<AlertEvent[]> {
    const fingerprint = fingerprintOf('RetryExhausted', job.resource);
    const errors: OpenError[] = [];
    for (const { unit } of exhausted) {
      if (unit.startsWith(RERUN_FLOW)) errors.push(...(keylessOf.get(unit.slice(RERUN_FLOW.length)) ?? []));
      else if (unit.startsWith(RERUN_SYNC)) errors.push(...fallback);
      else {
        const e = byKey.get(unit);
        if (e) errors.push(e);
      }
    }
    const policies = [...new Set(exhausted.map((x) => x.policy))];
    const base = {
      fingerprint,
      labels: {
        target: job.target,
        provider: this.provider,
        kind: 'RetryExhausted' as const,
        severity: this.retrier.severity(job.target),
        resource: job.resource,
        ...(labels.integration !== undefined ? { integration: labels.integration } : {}),
        ...(labels.flow !== undefined ? { flow: labels.flow } : {}),
        ...(labels.step !== undefined ? { step: labels.step } : {}),
        ...(labels.sync !== undefined ? { sync: labels.sync } : {}),
      },
    };
    if (errors.length > 0) {
      const since = iso(this.now);
      const transitionId = `${fingerprint}|firing|${since}`;
      if (!(await this.ledger.startExhausted(job.resource, { since, transitionId }))) return [];
      const what = job.kind === 'step' ? `step ${labels.step} of flow ${labels.name}` : `sync ${labels.name}`;
      return [
        {
          ...base,
          status: 'firing',
          annotations: {
            summary: `retry policy ${policies.join(', ')} gave up on ${errors.length} record(s) of ${what}`,
            name: labels.name,
            total: errors.length,
            error: topMessages(errors),
          },
          startsAt: since,
          transitionId,
        },
      ];
    }
    const state = await this.ledger.exhaustedState(job.resource);
    if (!state || !(await this.ledger.endExhausted(job.resource))) return [];
    return [
      {
        ...base,
        status: 'resolved',
        annotations: { summary: `the records retry gave up on are gone`, name: labels.name, total: 0 },
        startsAt: state.since,
        endsAt: iso(this.now),
        transitionId: `${fingerprint}|resolved|${state.since}`,
      },
    ];
  }
}
