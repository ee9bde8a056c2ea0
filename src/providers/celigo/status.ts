import type { RunStatus } from '../../model.ts';

// integrator.io statuses → the normalized RunStatus. Sync jobs use running|completed|failed|canceled;
// flow and retry Jobs add queued|retrying|canceling. Tested row by row in test/providers/celigo.
export const CELIGO_STATUS: Readonly<Record<string, RunStatus>> = {
  queued: 'queued',
  running: 'running',
  retrying: 'running',
  canceling: 'running',
  completed: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
  cancelled: 'canceled',
};

export function celigoRunStatus(raw: string): RunStatus {
  return CELIGO_STATUS[raw.toLowerCase()] ?? 'unknown';
}
