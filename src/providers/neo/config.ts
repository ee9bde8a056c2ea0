// A Neo target in the config file (schema only: no client code here).
import { z } from 'zod';
import { durationOrZero } from '../../fields/duration.ts';
import { secret, targetFields, text, type ProviderConfig } from '../../fields/fields.ts';

const DEFAULT_BASE_URL = 'https://api.neoagent.io';

const target = z.strictObject({
  ...targetFields('neo', DEFAULT_BASE_URL),
  token: secret,
  integrations: z.array(text).min(1),
  /** Each poll reads this far before the previous one again, so runs listed late are still seen. */
  overlap: durationOrZero.prefault('5m'),
});

export const neoConfig = {
  provider: 'neo',
  title: 'Neo',
  defaultBaseUrl: DEFAULT_BASE_URL,
  remediable: false,
  target,
} satisfies ProviderConfig<'neo'>;
export type NeoTargetConfig = z.output<typeof target>;
