// An Airweave target in the config file (schema only: no client code here).
import { z } from 'zod';
import { onFormat, secret, targetFields, type ProviderConfig } from '../../fields/fields.ts';

const DEFAULT_BASE_URL = 'https://api.airweave.ai';

const target = z.strictObject({
  ...targetFields('airweave', DEFAULT_BASE_URL),
  apiKey: secret,
  /** Default: every job via /v1/sync/jobs. */
  sourceConnections: z.array(z.guid(onFormat('expected a UUID'))).optional(),
});

export const airweaveConfig = {
  provider: 'airweave',
  title: 'Airweave',
  defaultBaseUrl: DEFAULT_BASE_URL,
  remediable: false,
  target,
} satisfies ProviderConfig<'airweave'>;
export type AirweaveTargetConfig = z.output<typeof target>;
