import type { RunStatus } from '../../model.ts';

// Airweave statuses → the normalized RunStatus. Two vocabularies: source-connection jobs (seed
// 001) say PENDING RUNNING COMPLETED FAILED CANCELLING CANCELLED; the organisation-wide listing
// (seed 002) says created pending in_progress completed failed cancelled. Tested row by row in
// test/providers/airweave.test.ts.
export const AIRWEAVE_SOURCE_CONNECTION_STATUS: Readonly<Record<string, RunStatus>> = {
  PENDING: 'queued',
  RUNNING: 'running',
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  CANCELLING: 'running', // still stopping the pipeline and cleaning up
  CANCELLED: 'canceled',
};

export const AIRWEAVE_SYNC_JOB_STATUS: Readonly<Record<string, RunStatus>> = {
  created: 'queued',
  pending: 'queued',
  in_progress: 'running',
  completed: 'succeeded',
  failed: 'failed',
  cancelled: 'canceled',
};

/** Both tables keyed in lower case: a status is looked up case-insensitively in either. */
const BY_LOWER: ReadonlyMap<string, RunStatus> = new Map(
  [...Object.entries(AIRWEAVE_SOURCE_CONNECTION_STATUS), ...Object.entries(AIRWEAVE_SYNC_JOB_STATUS)].map(([k, v]) => [k.toLowerCase(), v]),
);

/** The normalized status of an Airweave job status; `unknown` for anything else (the caller logs it). */
export function airweaveRunStatus(raw: string): RunStatus {
  return BY_LOWER.get(raw.toLowerCase()) ?? 'unknown';
}
