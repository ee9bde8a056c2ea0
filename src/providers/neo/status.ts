import type { RunStatus } from '../../model.ts';

// Neo's SimpleStatus (seed 003) → the normalized RunStatus. A SKIPPED run did not sync: it is
// `canceled`, which neither fires nor resolves SyncFailed. Tested row by row in test/providers/neo.
export const NEO_STATUS: Readonly<Record<string, RunStatus>> = {
  RUNNING: 'running',
  SUCCESS: 'succeeded',
  FAILURE: 'failed',
  SKIPPED: 'canceled',
};

/** The normalized status of a Neo run status; `unknown` for anything else (the caller logs it). */
export function neoRunStatus(raw: string): RunStatus {
  return NEO_STATUS[raw.toUpperCase()] ?? 'unknown';
}
