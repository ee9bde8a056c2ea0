// The one small interface every platform implements (like Gatus's alerting/provider/<name>).
// A provider turns a target's API into the normalized model; it knows nothing about alerts.
import type { Logger } from 'pino';
import type { HttpClient } from '../http/client.ts';
import type { Auth } from '../http/types.ts';
import type { FetchReason, UnitMemory } from './select.ts';
import type { Observation, OpenError, ProviderName, ResolvedError, RetryableError, Run, RunFailure, StepErrors } from '../model.ts';

export interface PollContext {
  http: HttpClient;
  logger: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  now(): number;
  signal?: AbortSignal;
  /** ISO time of the last poll (Neo: the `since` lower bound on run start times). */
  since?: string;
}

/**
 * What a poll covers, per key namespace: the owner ids in scope. A resource's owner is the key
 * segment after the namespace (a flow id owns its steps), or with `ownedBy: 'integration'` the
 * integration its snapshot names (a Celigo sync belongs to an integration its key does not carry).
 */
export type Scope = Array<{ namespace: string; owners: string[]; ownedBy?: 'key' | 'integration' }>;

/** Where a run's records failed, for its alert: the readable text and the entries. */
export interface RunDetail {
  error: string;
  failures: RunFailure[];
}

/** A part of one poll that can run as its own job (plain JSON: it travels through the queue). */
export type Chunk = unknown;

/**
 * What the watch layer hands a plan for change-driven polling (provider-agnostic: readable units
 * and resource keys, no alerts): what it remembers of each unit's last successful fetch, and the
 * resources that must be looked at this cycle.
 */
export interface PlanHints {
  /** The cycle's time (ms since the epoch). */
  now: number;
  /** The target's poll interval (ms). */
  interval: number;
  /** Per readable unit key (Celigo: `celigo/<target>/step/<flowId>`): its last successful fetch. */
  memory: ReadonlyMap<string, UnitMemory>;
  /**
   * Keys of resources (or units) with open errors, a firing alert or a retry in flight: their
   * units are fetched every cycle, so a resolution is seen within one interval.
   */
  hot: ReadonlySet<string>;
}

/** A planned poll: its chunks, and what it covers (see `Provider.scope`). */
export interface Plan {
  chunks: Chunk[];
  /** Everything in scope, fetched this cycle or not: resources outside it are forgotten. */
  scope?: Scope;
  /** Units listed as disabled and not fetched (their state is kept), for the alerts on them. */
  disabled?: string[];
  /** Why units are fetched this cycle, counted (for logs). */
  reasons?: Partial<Record<FetchReason, number>>;
}

export interface Provider<TTarget> {
  readonly name: ProviderName;
  /** How requests to this target authenticate. */
  auth(target: TTarget): Auth;
  /** One whole poll of the target. */
  observe(target: TTarget, ctx: PollContext): Promise<Observation>;
  /**
   * For large accounts: split a poll into chunks that several replicas can observe in parallel, and
   * (with hints) choose what this cycle reads at all. Providers without it are polled whole, as one chunk.
   */
  /**
   * List what to watch and split the cycle into chunks. `hints` (change-driven polling) are read
   * from Redis while the provider lists: it awaits them only once it needs them.
   */
  plan?(target: TTarget, ctx: PollContext, hints?: PlanHints | Promise<PlanHints>): Promise<Plan>;
  observeChunk?(target: TTarget, chunk: Chunk, ctx: PollContext): Promise<Observation>;
  /**
   * What a poll covers, so resources that left it (a flow deleted or newly excluded) stop being
   * watched and their alerts resolve: for each key namespace (`neo/<target>/sync/`), the owner ids
   * in scope (the segment after the namespace). A planned poll says so in its `Plan` instead.
   */
  scope?(target: TTarget): Scope;
  /**
   * Where a failed or partial run's records failed (Celigo: its job family and first errors). Asked
   * only for a run whose SyncFailed/SyncPartial fires and that reports failed records.
   */
  runDetail?(target: TTarget, run: Run, ctx: PollContext): Promise<RunDetail | undefined>;
  /** The newest open errors of a step, for an alert's detail. */
  errorSamples?(target: TTarget, step: StepErrors, limit: number, ctx: PollContext): Promise<OpenError[]>;
  /**
   * Acting on failed records (retry, rerun): an optional capability. A target whose provider has
   * none gets no retry jobs.
   */
  readonly remediate?: Remediator;
}

/** What a remediation call needs: the target's shared HTTP client (its rate limit shared with polling). */
export interface RemediationContext {
  http: HttpClient;
  signal?: AbortSignal;
}

/** One flow step whose records are acted on. */
export interface StepRef {
  flowId: string;
  stepId: string;
}

export type RetryRecordsOutcome =
  | { outcome: 'queued'; jobId: string; /** Who the platform will say resolved the records. */ submittedBy?: string }
  | { outcome: 'no-op' } // none of the keys matched an open record any more
  | { outcome: 'disabled' }; // the flow is disabled: nothing was attempted

export type RerunFlowOutcome =
  | { outcome: 'queued'; jobIds: string[] }
  | { outcome: 'not-queued' } // accepted, but no job queued (another run in progress)
  | { outcome: 'rejected'; reason: string };

export type RerunSyncOutcome =
  | { outcome: 'queued'; runGroupId: string }
  | { outcome: 'already-queued' } // a run is on its way already; nothing attempted
  | { outcome: 'disabled' };

/** The remediation capability: what the retry jobs (src/retry/) ask of a platform. */
export interface Remediator {
  /** The most record keys one `retryRecords` call takes (batching is the caller's decision). */
  readonly maxRecordsPerCall: number;
  /** Every open error of a step, page by page. */
  openErrorPages(step: StepRef, ctx: RemediationContext): AsyncIterable<RetryableError[]>;
  /** The step's resolved errors, page by page (the caller stops reading when it has found what it looks for). */
  resolvedPages(step: StepRef, ctx: RemediationContext): AsyncIterable<ResolvedError[]>;
  /** Re-submit records by key; `backoff` asks for the platform's backing-off variant. */
  retryRecords(
    step: StepRef,
    keys: readonly string[],
    options: { backoff: boolean },
    ctx: RemediationContext,
  ): Promise<RetryRecordsOutcome>;
  /** Run a whole flow again (records without a key). */
  rerunFlow(flowId: string, ctx: RemediationContext): Promise<RerunFlowOutcome>;
  /** Run a sync again. */
  rerunSync(syncId: string, ctx: RemediationContext): Promise<RerunSyncOutcome>;
}
