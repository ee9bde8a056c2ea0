// The registry: the config's `provider:` key → its implementation. No `switch (provider)` elsewhere.
import type { ProviderName } from '../model.ts';
import { airweaveProvider } from './airweave/index.ts';
import { celigoProvider } from './celigo/index.ts';
import { neoProvider } from './neo/index.ts';
import type { Provider } from './types.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each provider narrows its own target type
export const providers: Partial<Record<ProviderName, Provider<any>>> = {
  celigo: celigoProvider,
  airweave: airweaveProvider,
  neo: neoProvider,
};

export type { PollContext, Provider } from './types.ts';
export { PartialObservationError, isPartialObservationError, type ConfigProblem } from './partial.ts';
