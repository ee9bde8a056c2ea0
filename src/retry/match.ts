// Which retry policy owns an open error: pure, compiled once when the policies are loaded.
//
// A policy matches when every criterion it sets matches (criteria it leaves out match anything):
// - targets: target name globs
// - integrations / flows: globs on the id or the name
// - steps: globs on the step id (the platform gives steps no names in the error listing)
//   (globs follow src/glob.ts's one set of rules: ids case-sensitive, names in any case)
// - classification / source: membership regardless of case (any value, documented or not, the
//   platform sends is kept and matchable); an error without one does not match
// - code / message: the regexes, compiled here once; an error without a code does not match `code`
// The first policy in file order that matches owns the error.
import type { RetryAction, RetryPolicyConfig } from '../config/index.ts';
import type { OpenError } from '../model.ts';
import { compileGlobs } from '../glob.ts';

export interface MatchContext {
  target: string;
  integrationId?: string;
  integrationName?: string;
  /** Flow id (or, for a Data Loader sync, the sync id). */
  flowId: string;
  flowName?: string;
  /** Absent for a sync: a policy with `steps` never matches a sync. */
  stepId?: string;
}

/** What matching reads of an error: an OpenError, or a failed sync run shaped like one. */
export type MatchableError = Pick<OpenError, 'classification' | 'source' | 'code' | 'message'>;

export interface CompiledPolicy {
  readonly name: string;
  readonly action: RetryAction;
  /** Position in the file: first match wins. */
  readonly index: number;
  readonly config: RetryPolicyConfig;
  /** The resource criteria only (target, integration, flow, step): could it own any error here? */
  inScope(ctx: MatchContext): boolean;
  /** Every criterion. */
  matches(error: MatchableError, ctx: MatchContext): boolean;
}

const globs = (patterns: readonly string[] | undefined) => (patterns === undefined ? undefined : compileGlobs(patterns));

/** Membership without regard to case; an absent value is never a member. */
function oneOf(values: readonly string[] | undefined): ((value: string | undefined) => boolean) | undefined {
  if (values === undefined) return undefined;
  const set = new Set(values.map((v) => v.toLowerCase()));
  return (value) => value !== undefined && set.has(value.toLowerCase());
}

export function compilePolicy(config: RetryPolicyConfig, index: number): CompiledPolicy {
  const m = config.match;
  const targets = globs(m.targets);
  const integrations = globs(m.integrations);
  const flows = globs(m.flows);
  const steps = globs(m.steps);
  const classification = oneOf(m.classification);
  const source = oneOf(m.source);
  // Patterns were checked for catastrophic backtracking by config validation (regexProblem).
  const code = m.code !== undefined ? new RegExp(m.code) : undefined;
  const message = m.message !== undefined ? new RegExp(m.message) : undefined;

  const inScope = (ctx: MatchContext): boolean => {
    if (targets && !targets({ id: ctx.target })) return false;
    if (integrations && !integrations({ id: ctx.integrationId, name: ctx.integrationName })) return false;
    if (flows && !flows({ id: ctx.flowId, name: ctx.flowName })) return false;
    if (steps && (ctx.stepId === undefined || !steps({ id: ctx.stepId }))) return false;
    return true;
  };

  return {
    name: config.name,
    action: config.action,
    index,
    config,
    inScope,
    matches(error, ctx) {
      if (!inScope(ctx)) return false;
      if (classification && !classification(error.classification)) return false;
      if (source && !source(error.source)) return false;
      if (code && (error.code === undefined || !code.test(error.code))) return false;
      if (message && !message.test(error.message ?? '')) return false;
      return true;
    },
  };
}

/** Compile every policy once (at load): globs and regexes are built here, never per error. */
export function compilePolicies(configs: readonly RetryPolicyConfig[]): CompiledPolicy[] {
  return configs.map((c, i) => compilePolicy(c, i));
}

/** The first policy (in file order) that matches, or undefined. */
export function matchPolicy(policies: readonly CompiledPolicy[], error: MatchableError, ctx: MatchContext): CompiledPolicy | undefined {
  for (const policy of policies) if (policy.matches(error, ctx)) return policy;
  return undefined;
}

/** Policies that act on flow-step errors (every action but rerun_sync). */
export const stepPolicies = (policies: readonly CompiledPolicy[]) => policies.filter((p) => p.action !== 'rerun_sync');
/** Policies that act on failed Data Loader sync runs. */
export const syncPolicies = (policies: readonly CompiledPolicy[]) => policies.filter((p) => p.action === 'rerun_sync');
