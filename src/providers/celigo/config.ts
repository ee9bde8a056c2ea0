// A Celigo target in the config file (schema only: no client code here).
import { z } from 'zod';
import { secret, targetFields, text, type ProviderConfig } from '../../config/fields.ts';

const DEFAULT_BASE_URL = 'https://api.integrator.io';

const target = z.strictObject({
  ...targetFields('celigo', DEFAULT_BASE_URL),
  token: secret,
  flowErrors: z.strictObject({ minNew: z.int().min(1).default(1) }).prefault({}),
  /** Integration ids whose Data Loader syncs are watched beyond those found through the flows in scope. */
  integrations: z.array(text).optional(),
});

export const celigoConfig = {
  provider: 'celigo',
  title: 'Celigo',
  defaultBaseUrl: DEFAULT_BASE_URL,
  remediable: true,
  target,
} satisfies ProviderConfig<'celigo'>;
export type CeligoTargetConfig = z.output<typeof target>;
