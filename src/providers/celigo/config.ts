// A Celigo target in the config file (schema only: no client code here).
import { z } from 'zod';
import { duration } from '../../fields/duration.ts';
import { secret, targetFields, text, type ProviderConfig } from '../../fields/fields.ts';

const DEFAULT_BASE_URL = 'https://api.integrator.io';

/**
 * Celigo's error `classification` values the Flows document shows: the ten of `GET
 * /v1/errors/filterMetadata`, and `validation`, `data`, `system` seen on error records. A policy
 * may name others (the platform may send values no document lists); validate warns about those.
 */
const ERROR_CLASSIFICATIONS = [
  'connection',
  'duplicate',
  'governance',
  'intermittent',
  'missing',
  'parse',
  'value',
  'rate_limit',
  'too_large',
  'none',
  'validation',
  'data',
  'system',
] as const;

/** Celigo's error `source` values: the 24 of `GET /v1/errors/filterMetadata`, and `user` seen on error records. */
const ERROR_SOURCES = [
  'internal',
  'application',
  'connection',
  'resource',
  'transformation',
  'output_filter',
  'input_filter',
  'import_filter',
  'lookup',
  'mapping',
  'response_mapping',
  'pre_save_page_hook',
  'pre_parse_hook',
  'pre_map_hook',
  'post_map_hook',
  'post_submit_hook',
  'post_response_map_hook',
  'post_aggregate_hook',
  'pre_send_hook_ss',
  'pre_map_hook_ss',
  'post_map_hook_ss',
  'post_submit_hook_ss',
  'tool_input',
  'tool_output',
  'user',
] as const;

const target = z
  .strictObject({
    ...targetFields('celigo', DEFAULT_BASE_URL),
    token: secret,
    flowErrors: z.strictObject({ minNew: z.int().min(1).default(1) }).prefault({}),
    /** Integration ids whose Data Loader syncs are watched beyond those found through the flows in scope. */
    integrations: z.array(text).optional(),
    /**
     * Change-driven polling: a flow's open errors are fetched only when it ran since the last look
     * (`lastExecutedAt` moved), has open errors, a firing alert or a retry in flight, or the rolling
     * sweep comes to it; an integration's sync jobs every cycle when it has syncs, on its sweep turn
     * when it answered "not sync-enabled". `false` reads everything every cycle (a platform that
     * misreports `lastExecutedAt`).
     */
    changeDriven: z.boolean().default(true),
    /**
     * Change-driven polling still fetches every flow (and asks every integration without syncs
     * again) at least this often, spread evenly over the cycles. Default 10m, or the target's
     * interval when that is longer.
     */
    sweepInterval: duration.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.sweepInterval !== undefined && t.sweepInterval < t.interval)
      ctx.addIssue({
        code: 'custom',
        path: ['sweepInterval'],
        message: `sweepInterval must be at least the target's interval (${t.interval / 1000}s): every flow is swept once per sweepInterval`,
      });
  });

export const celigoConfig = {
  provider: 'celigo',
  title: 'Celigo',
  defaultBaseUrl: DEFAULT_BASE_URL,
  remediable: true,
  errorValues: { documents: 'integrator.io', classification: ERROR_CLASSIFICATIONS, source: ERROR_SOURCES },
  target,
} satisfies ProviderConfig<'celigo'>;
export type CeligoTargetConfig = z.output<typeof target>;
