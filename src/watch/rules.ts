// A target's configuration → the AlertRules the pure diff applies to each of its resources.
import { matchesAnyGlob } from '../glob.ts';
import type { AlertRules, RulesFor } from '../state/diff.ts';
import type { AlertKind, Severity } from '../alert/model.ts';

/** The part of any target's configuration the alert rules read. */
export interface RuleSettings {
  failuresBeforeAlert: number;
  stuckAfter?: number;
  flowErrors?: { minNew: number };
  partialFailures?: { minRecords: number };
  expect?: Array<{ match: { integration?: string; flow?: string; sync?: string }; successWithin: number }>;
  severity?: Partial<Record<AlertKind, Severity>>;
}

export function rulesForTarget(target: RuleSettings): RulesFor {
  const base: AlertRules = {
    failuresBeforeAlert: target.failuresBeforeAlert,
    minNewErrors: target.flowErrors?.minNew ?? 1,
    minPartialRecords: target.partialFailures?.minRecords ?? 1,
    ...(target.stuckAfter !== undefined ? { stuckAfterMs: target.stuckAfter } : {}),
    ...(target.severity ? { severity: target.severity } : {}),
  };
  const expectations = target.expect ?? [];
  if (expectations.length === 0) return () => base;
  return (resource) => {
    // The first expectation whose every given pattern matches sets successWithin.
    const hit = expectations.find(({ match }) => {
      if (match.integration && !matchesAnyGlob([match.integration], { id: resource.integrationId, name: resource.integrationName }))
        return false;
      if (match.flow && !(resource.kind === 'flow' || resource.kind === 'step')) return false;
      if (match.flow && !matchesAnyGlob([match.flow], { name: resource.flowName ?? resource.name })) return false;
      if (match.sync && !(resource.kind === 'sync' && matchesAnyGlob([match.sync], { name: resource.name }))) return false;
      return true;
    });
    return hit ? { ...base, successWithinMs: hit.successWithin } : base;
  };
}
