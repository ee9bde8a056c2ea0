// Auto-retry (DESIGN.md "Retry policies"): the public API the daemon and the watch loop use.
//
//   const retrier = createRetrier({ config, redis, keys, retryQueue: queues.retry, logger, httpFor, emit });
//   await retrier.plan(observation, cycle);        // from each poll chunk: enqueue `retry` jobs
//   new Worker('retry', retrier.processor(), …);   // the retry worker
//   await retrier.status();                        // each policy's last hour, for /status
import { Retrier, type RetrierOptions } from './retrier.ts';

export {
  compilePolicies,
  compilePolicy,
  matchPolicy,
  stepPolicies,
  syncPolicies,
  type CompiledPolicy,
  type MatchableError,
  type MatchContext,
} from './match.ts';
// Planning (pure): jobs from an observation, and the per-step decisions a job makes.
export * from './plan.ts';
export { policyBackoffMs, LEDGER_TTL_MS, OUTCOMES, RetryLedger, type LedgerEntry, type RetryOutcomeName, type Verdict } from './ledger.ts';
export {
  DEFAULT_LOCK_TTL_MS,
  enqueueRetryJobs,
  KEEP_RETRY_JOBS_SECONDS,
  Retrier,
  topMessages,
  type Emit,
  type OnRecords,
  type PolicyCounts,
  type PolicyStatus,
  type RetrierOptions,
  type RetrierTarget,
  type RetryResult,
  type RetryNowResult,
  type HeldBack,
  RETRY_NOW_SYNC_POLICY,
} from './retrier.ts';

export function createRetrier(options: RetrierOptions): Retrier {
  return new Retrier(options);
}
