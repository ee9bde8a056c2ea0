// A poll that worked for most of a target's resources but found some of them misconfigured (a Neo
// integration that is not connected, an Airweave source connection that does not exist). It is a
// `config` SyncwatchError — one configuration problem of the target, not a TargetDown — that also
// carries what the rest of the poll observed, so one bad entry does not blind the others.
import { SyncwatchError } from '../errors.ts';
import type { Observation } from '../model.ts';

export interface ConfigProblem {
  /** The configured entry at fault: a Neo integration name, an Airweave source connection id. */
  resource: string;
  /** The platform's error code (`integration_not_connected`, …), when it gave one. */
  code?: string;
  /** HTTP status of the refusal (404). */
  status?: number;
  message: string;
}

export class PartialObservationError extends SyncwatchError {
  /** What the poll saw of the resources that are configured correctly. */
  readonly observation: Observation;
  readonly problems: readonly ConfigProblem[];

  constructor(target: string, observation: Observation, problems: readonly ConfigProblem[]) {
    const first = problems[0];
    super('config', `target ${target}: ${problems.map((p) => p.message).join('; ')}`, {
      ...(first?.code !== undefined ? { code: first.code } : {}),
      ...(first?.status !== undefined ? { status: first.status } : {}),
    });
    this.name = 'PartialObservationError';
    this.observation = observation;
    this.problems = problems;
  }
}

export function isPartialObservationError(e: unknown): e is PartialObservationError {
  return e instanceof PartialObservationError;
}
