// Neo's wire shapes (the Neo public API document (003), as test/contract/neo.ts records it:
// GET /public-api/integrations/{name}/sync-runs), parsed at the boundary. Not strict: the platform
// adds fields, and we only depend on the ones named here.
import { z } from 'zod';

export const neoSyncEntityFailure = z.object({
  resource_label: z.string(),
  parent_label: z.string().nullish(),
  reason: z.string(),
  error_message: z.string(),
});
export type NeoSyncEntityFailure = z.infer<typeof neoSyncEntityFailure>;

export const neoSyncActivity = z.object({
  activity_label: z.string(),
  synced_count: z.number().int(),
  total_count: z.number().int(),
  failures: z.array(neoSyncEntityFailure),
});
export type NeoSyncActivity = z.infer<typeof neoSyncActivity>;

export const neoSyncRun = z.object({
  run_id: z.string(),
  temporal_run_id: z.string().nullish(),
  temporal_workflow_id: z.string().nullish(),
  status: z.string(),
  started_at: z.string().nullish(),
  finished_at: z.string().nullish(),
  error: z.string().nullish(),
  dashboard_message: z.string().nullish(),
  activities: z.array(neoSyncActivity).default([]),
});
export type NeoSyncRun = z.infer<typeof neoSyncRun>;

export const neoPagination = z.object({ next_cursor: z.string().nullish(), has_more: z.boolean() });

/** The `{data, meta}` envelope of a sync-runs page. */
export const neoSyncRunsPage = z.object({
  data: z.array(neoSyncRun),
  meta: z.object({ request_id: z.string().optional(), pagination: neoPagination.optional() }).passthrough(),
});
export type NeoSyncRunsPage = z.infer<typeof neoSyncRunsPage>;
