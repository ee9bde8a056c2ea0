// The pure planning of retry. From one poll (or one poll chunk) to `retry` jobs: one per flow step
// (and per failed Data Loader sync) that a policy could act on, with a job id that is the same for
// the same step in the same cycle, so a re-run chunk or a second replica enqueues nothing new. Then,
// inside a job: when a record may be sent, who owns each open error, the ledger units open now, and
// what a resolution means. The I/O around these is in retrier.ts.
import { createHash } from 'node:crypto';
import type { Observation, OpenError, ProviderName, ResolvedError, RetryableError, RunStatus, StepErrors } from '../model.ts';
import { remediatorOf } from '../providers/index.ts';
import type { LedgerEntry, Verdict } from './ledger.ts';
import { matchPolicy, stepPolicies, syncPolicies, type CompiledPolicy, type MatchContext } from './match.ts';

/** One flow step to work on: what the poll saw of it, and the cycle that saw it. */
export interface StepRetryJob extends Pick<
  StepErrors,
  'target' | 'flowId' | 'flowName' | 'stepId' | 'integrationId' | 'integrationName' | 'openErrors'
> {
  kind: 'step';
  cycle: string;
  /** The step's resource key `<provider>/<target>/step/<flowId>/<stepId>`. */
  resource: string;
}

export interface SyncRetryJob {
  kind: 'sync';
  target: string;
  cycle: string;
  /** The sync's resource key `<provider>/<target>/sync/<syncId>`. */
  resource: string;
  syncId: string;
  name: string;
  integrationId?: string;
  integrationName?: string;
  /** The latest run as the poll saw it: a failed one is re-run; a later one reconciles. */
  runId: string;
  status: RunStatus;
  endedAt?: string;
  error?: string;
}

export type RetryJob = StepRetryJob | SyncRetryJob;

/** BullMQ ids may not contain ':'. */
const safe = (s: string) => encodeURIComponent(s).replace(/%/g, '~');

export function retryJobIdOf(job: Pick<RetryJob, 'target' | 'cycle' | 'resource'>): string {
  return `retry-${safe(job.target)}-${safe(job.cycle)}-${createHash('sha1').update(job.resource).digest('hex').slice(0, 20)}`;
}

/**
 * The retry jobs of one observation. A step gets a job when it has open errors and a policy's
 * resource criteria cover it, or when it is `active` (the ledger holds attempts to reconcile, or a
 * RetryExhausted is firing), even at zero open errors: that is how successes get counted and
 * alerts resolve. Likewise a sync: when its latest run failed and a rerun_sync policy covers it, or
 * when it is active. Only a provider with the remediation capability gets jobs (`canRemediate`:
 * by default, what the provider registry says).
 */
export function planRetries(
  observation: Observation,
  cycle: string,
  policies: readonly CompiledPolicy[],
  active: ReadonlySet<string> = new Set(),
  canRemediate: (provider: ProviderName) => boolean = (provider) => remediatorOf(provider) !== undefined,
): RetryJob[] {
  if (!canRemediate(observation.provider)) return [];
  const forSteps = stepPolicies(policies);
  const forSyncs = syncPolicies(policies);
  const jobs: RetryJob[] = [];
  const target = observation.target;

  for (const step of observation.stepErrors) {
    const ctx = {
      target,
      flowId: step.flowId,
      flowName: step.flowName,
      stepId: step.stepId,
      integrationId: step.integrationId,
      integrationName: step.integrationName,
    };
    const wanted = active.has(step.key) || (step.openErrors > 0 && forSteps.some((p) => p.inScope(ctx)));
    if (!wanted) continue;
    jobs.push({
      kind: 'step',
      target,
      cycle,
      resource: step.key,
      flowId: step.flowId,
      flowName: step.flowName,
      stepId: step.stepId,
      ...(step.integrationId !== undefined ? { integrationId: step.integrationId } : {}),
      ...(step.integrationName !== undefined ? { integrationName: step.integrationName } : {}),
      openErrors: step.openErrors,
    });
  }

  for (const run of observation.runs) {
    if (run.kind !== 'sync') continue;
    const ctx = {
      target,
      flowId: run.resourceId,
      flowName: run.name,
      integrationId: run.integrationId,
      integrationName: run.integrationName,
    };
    const wanted = active.has(run.key) || (run.status === 'failed' && forSyncs.some((p) => p.inScope(ctx)));
    if (!wanted) continue;
    jobs.push({
      kind: 'sync',
      target,
      cycle,
      resource: run.key,
      syncId: run.resourceId,
      name: run.name,
      ...(run.integrationId !== undefined ? { integrationId: run.integrationId } : {}),
      ...(run.integrationName !== undefined ? { integrationName: run.integrationName } : {}),
      runId: run.runId,
      status: run.status,
      ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
      ...(run.error !== undefined ? { error: run.error } : {}),
    });
  }
  return jobs;
}

// ---- per record: when it may be sent, and what its resolution means ----

/** What the planning of one record reads: when it happened and when the platform retries it itself. */
export interface Timing {
  occurredAt?: string | undefined;
  /** The platform's own next retry of this record (the Flows document's `retryAt`). */
  retryAt?: string | undefined;
}

/**
 * Whether a record may be submitted now: `minAge` after it occurred (a floor), and never before the
 * platform's own retry (`retryAt`) is due. Unreadable times do not hold a record back.
 */
export function eligibility(record: Timing, minAge: number, now: number): 'eligible' | 'too_young' | 'platform_retry' {
  const occurred = record.occurredAt === undefined ? Number.NaN : Date.parse(record.occurredAt);
  if (!Number.isNaN(occurred) && occurred + minAge > now) return 'too_young';
  const retryAt = record.retryAt === undefined ? Number.NaN : Date.parse(record.retryAt);
  if (!Number.isNaN(retryAt) && retryAt > now) return 'platform_retry';
  return 'eligible';
}

/** A resolved error as the platform lists it (the fields read here). */
export type Resolution = ResolvedError;

/** Our clock and the platform's may disagree a little: a resolution this much before our submission still counts as after it. */
export const CLOCK_SKEW_MS = 60_000;

/**
 * How a record our submission left pending was resolved:
 * - succeeded: resolved by the platform (`auto`, or the user that submitted our retry) after our submission
 * - resolved_by_user: resolved by anyone else (a person, by hand)
 * - dropped: resolved by the platform before our submission (its own retry, not ours): counted nowhere
 * - unverified: not among the resolved errors (purged or deleted), or without `resolvedBy`
 */
export function verdictOf(
  submittedAt: number,
  submitter: string | undefined,
  resolution: Resolution | undefined,
): 'succeeded' | 'resolved_by_user' | 'unverified' | 'dropped' {
  const by = resolution?.resolvedBy;
  if (resolution === undefined || by === undefined || by === '') return 'unverified';
  if (by !== 'auto' && by !== submitter) return 'resolved_by_user';
  const at = resolution.resolvedAt === undefined ? Number.NaN : Date.parse(resolution.resolvedAt);
  return Number.isNaN(at) || at >= submittedAt - CLOCK_SKEW_MS ? 'succeeded' : 'dropped';
}

/** Of several resolutions of one record (a key can be resolved in more than one episode), the latest. */
export function latestResolution(a: Resolution | undefined, b: Resolution): Resolution {
  if (a === undefined) return b;
  return (b.resolvedAt ?? '') > (a.resolvedAt ?? '') ? b : a;
}

/** Records looked up among the resolved errors: the latest resolution of each; done when each has one since its submission. */
export class ResolutionLookup {
  private readonly since = new Map<string, number>();
  readonly found = new Map<string, Resolution>();

  want(id: string, submittedAt: number): void {
    this.since.set(id, Math.min(submittedAt, this.since.get(id) ?? submittedAt));
  }

  offer(id: string | undefined, r: Resolution): void {
    if (id !== undefined && this.since.has(id)) this.found.set(id, latestResolution(this.found.get(id), r));
  }

  done(): boolean {
    for (const [id, at] of this.since) {
      const r = this.found.get(id);
      if (r?.resolvedAt === undefined || Date.parse(r.resolvedAt) < at) return false;
    }
    return true;
  }
}

// ---- one step's open errors: who owns them, what the ledger tracks, how they were resolved ----

/** Ledger units of reruns (a flow's keyless records, a sync's run); record keys never start with `~`. */
export const RERUN_FLOW = '~rerun_flow:';
export const RERUN_SYNC = '~rerun_sync:';

/** An open error as the retry job reads it: with the platform's own next retry. */
export type StepError = RetryableError & Timing;

function fingerprintOfErrors(errors: readonly OpenError[]): string {
  return createHash('sha1')
    .update(
      errors
        .map((e) => e.errorId)
        .sort()
        .join(','),
    )
    .digest('hex');
}

/** Who owns each error: the first step policy (in file order) that matches it. Pure. */
export function ownersOf(
  open: readonly StepError[],
  policies: readonly CompiledPolicy[],
  ctx: MatchContext,
): Map<CompiledPolicy, StepError[]> {
  const owned = new Map<CompiledPolicy, StepError[]>();
  for (const error of open) {
    const policy = matchPolicy(policies, error, ctx);
    if (!policy) continue;
    let list = owned.get(policy);
    if (!list) owned.set(policy, (list = []));
    list.push(error);
  }
  return owned;
}

/** What is open now, by ledger unit: keys by errorId; a rerun unit by its keyless errors' fingerprint. Pure. */
export interface OpenUnits {
  current: Map<string, string>;
  byKey: Map<string, StepError>;
  /** The keyless errors each rerun_flow policy owns, by policy name. */
  keylessOf: Map<string, StepError[]>;
}

export function openUnitsOf(open: readonly StepError[], owned: ReadonlyMap<CompiledPolicy, StepError[]>): OpenUnits {
  const current = new Map<string, string>();
  const byKey = new Map<string, StepError>();
  for (const e of open) {
    if (e.retryDataKey === undefined) continue;
    current.set(e.retryDataKey, e.errorId);
    byKey.set(e.retryDataKey, e);
  }
  const keylessOf = new Map<string, StepError[]>();
  for (const [policy, errors] of owned) {
    if (policy.action !== 'rerun_flow') continue;
    const keyless = errors.filter((e) => e.retryDataKey === undefined);
    keylessOf.set(policy.name, keyless);
    if (keyless.length > 0) current.set(RERUN_FLOW + policy.name, fingerprintOfErrors(keyless));
  }
  return { current, byKey, keylessOf };
}

/** Records with a key, oldest first, each key once. Pure. */
export function keyedOldestFirst(errors: readonly StepError[]): StepError[] {
  const seen = new Set<string>();
  return errors
    .filter((e) => e.retryDataKey !== undefined)
    .sort((a, b) => (a.occurredAt ?? '').localeCompare(b.occurredAt ?? ''))
    .filter((e) => !seen.has(e.retryDataKey as string) && (seen.add(e.retryDataKey as string), true));
}

/** How the pending units that left were resolved, from the resolutions found. Pure. */
export function verdictsOf(
  gone: ReadonlyArray<[string, LedgerEntry]>,
  keys: ResolutionLookup,
  ids: ResolutionLookup,
): Map<string, Verdict[]> {
  const verdicts = new Map<string, Verdict[]>();
  for (const [unit, e] of gone) {
    if (e.ids === undefined) {
      verdicts.set(unit, [{ outcome: verdictOf(e.last, e.u, keys.found.get(unit)), records: e.r }]);
      continue;
    }
    const tally = new Map<Verdict['outcome'], number>();
    for (const i of e.ids) {
      const v = verdictOf(e.last, e.u, ids.found.get(i));
      tally.set(v, (tally.get(v) ?? 0) + 1);
    }
    // Records beyond the remembered ids cannot be looked up.
    if (e.r > e.ids.length) tally.set('unverified', (tally.get('unverified') ?? 0) + e.r - e.ids.length);
    verdicts.set(
      unit,
      [...tally].map(([outcome, records]) => ({ outcome, records })),
    );
  }
  return verdicts;
}
