// Shared pieces of the retry tests: policies with the schema's defaults, a quiet logger.
import type { RetryPolicyConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

type PolicyInput = Pick<RetryPolicyConfig, 'name' | 'match' | 'action'> & Partial<Omit<RetryPolicyConfig, 'name' | 'match' | 'action'>>;

/** A policy as config validation would hand it over (its defaults filled in). */
export function policy(input: PolicyInput): RetryPolicyConfig {
  return {
    minAge: 5 * MINUTE,
    maxAttempts: 3,
    backoff: { initial: 15 * MINUTE, factor: 2, max: 4 * HOUR },
    budget: { recordsPerHour: 1000 },
    dryRun: false,
    ...input,
  };
}

export const quietLogger = createLogger({ level: 'silent' });
