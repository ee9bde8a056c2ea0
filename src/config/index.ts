// The configuration module's public API: load and validate syncwatch's YAML, and describe it as
// JSON Schema for editors.
import { z } from 'zod';
import { type Env, formatProblem, formatWarning, loadConfig } from './load.ts';
import { configSchema } from './schema.ts';

export { DURATION_MESSAGE, duration, durationOrZero, parseDuration } from '../fields/duration.ts';
export { expandConfigText, formatPath, formatProblem, formatWarning, loadConfig, loadConfigFromString } from './load.ts';
export type { ConfigProblem, Env, LoadOptions, LoadResult } from './load.ts';
export { regexProblem } from '../fields/regex-safety.ts';
export {
  ALERT_KINDS,
  buildConfigSchema,
  DOCUMENTED_ERROR_VALUES,
  configSchema,
  isDocumentedValue,
  DEFAULT_BASE_URLS,
  DEFAULT_REDIS_URL,
  PROVIDERS,
  RETRY_ACTIONS,
  SEVERITIES,
} from './schema.ts';
export type {
  AlertKind,
  Config,
  ConfigInput,
  ConfigSchema,
  EmailReceiverConfig,
  LogReceiverConfig,
  ReceiverConfig,
  ReceiverConfigOf,
  RedisConfig,
  RetryAction,
  RetryPolicyConfig,
  RouteConfig,
  Severity,
  SilenceConfig,
  SlackReceiverConfig,
  SubRouteConfig,
  TargetConfig,
  WebhookReceiverConfig,
} from './schema.ts';

/** Where `validateConfigFile` writes; `process.stdout`/`process.stderr` fit. */
export interface ValidateOutput {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/**
 * `syncwatch validate`: 0 and `FILE: ok` when valid (after one `FILE:LINE:COL path: warning: …` line
 * per warning on stderr); 2 and one `FILE:LINE:COL path: problem` line each otherwise.
 */
export async function validateConfigFile(file: string, env: Env, out: ValidateOutput): Promise<number> {
  const result = await loadConfig(file, env);
  if (result.ok) {
    for (const warning of result.warnings) out.stderr.write(`${formatWarning(warning)}\n`);
    out.stdout.write(`${file}: ok\n`);
    return 0;
  }
  for (const problem of result.problems) out.stderr.write(`${formatProblem(problem)}\n`);
  return 2;
}

/** The JSON Schema (draft 2020-12) of what a user writes: durations are strings, defaults shown. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
