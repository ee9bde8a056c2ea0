// The registry: the config's `provider:` key → its implementation. No `switch (provider)` elsewhere.
import type { ProviderName } from '../model.ts';
import { airweaveProvider } from './airweave/index.ts';
import { celigoProvider } from './celigo/index.ts';
import { neoProvider } from './neo/index.ts';
import type { Provider, Remediator } from './types.ts';

export const providers: ProviderRegistry = {
  celigo: celigoProvider,
  airweave: airweaveProvider,
  neo: neoProvider,
};

/** A provider registry (the one above, or a test's). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each provider narrows its own target type
export type ProviderRegistry = Partial<Record<ProviderName, Provider<any>>>;

/** The remediation capability of a provider, if it has one. */
export function remediatorOf(provider: string, registry: ProviderRegistry = providers): Remediator | undefined {
  return Object.hasOwn(registry, provider) ? registry[provider as ProviderName]?.remediate : undefined;
}

export type {
  PollContext,
  Provider,
  RemediationContext,
  Remediator,
  RerunFlowOutcome,
  RerunSyncOutcome,
  RetryRecordsOutcome,
  StepRef,
} from './types.ts';
export { PartialObservationError, isPartialObservationError, type ConfigProblem } from './partial.ts';
