// Airweave's wire shapes (the source-connection jobs page (001) and the organisation-wide sync
// jobs page (002), as test/contract/airweave.ts records them), parsed at the boundary. Objects are
// not strict: the platform adds fields, and we only depend on the ones named here. Nullable where
// the pages say "or null" — and, defensively, wherever a real API tends to send null for an unset
// optional.
import { z } from 'zod';

const count = z.number().int().nullish();
const time = z.string().nullish();

/** One job of `GET /source-connections/{source_connection_id}/jobs` (seed 001). */
export const airweaveSourceConnectionJob = z.object({
  id: z.string(),
  source_connection_id: z.string().nullish(),
  status: z.string(),
  started_at: time,
  completed_at: time,
  duration_seconds: z.number().nullish(),
  entities_inserted: count,
  entities_updated: count,
  entities_deleted: count,
  entities_failed: count,
  error: z.string().nullish(),
  error_details: z.record(z.string(), z.unknown()).nullish(),
});
export type AirweaveSourceConnectionJob = z.infer<typeof airweaveSourceConnectionJob>;

/** One job of `GET /v1/sync/jobs` (seed 002). */
export const airweaveSyncJob = z.object({
  id: z.string(),
  sync_id: z.string(),
  sync_name: z.string().nullish(),
  organization_id: z.string().nullish(),
  status: z.string(),
  scheduled: z.boolean().nullish(),
  entities_inserted: count,
  entities_updated: count,
  entities_deleted: count,
  entities_kept: count,
  entities_skipped: count,
  /** Not in seed 002's field list; read when a deployment sends it (it is in seed 001's). */
  entities_failed: count,
  entities_encountered: z.record(z.string(), z.number()).nullish(),
  started_at: time,
  completed_at: time,
  failed_at: time,
  error: z.string().nullish(),
  created_at: time,
  modified_at: time,
  created_by_email: z.string().nullish(),
  modified_by_email: z.string().nullish(),
});
export type AirweaveSyncJob = z.infer<typeof airweaveSyncJob>;
