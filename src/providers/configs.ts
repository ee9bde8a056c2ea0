// The provider config registry: each provider's part of the config schema (its folder's
// config.ts, zod only). The config schema is composed from this list; adding a provider is its
// folder, one line here and one in ./index.ts.
import { airweaveConfig } from './airweave/config.ts';
import { celigoConfig } from './celigo/config.ts';
import { neoConfig } from './neo/config.ts';

export const providerConfigs = [celigoConfig, airweaveConfig, neoConfig] as const;
