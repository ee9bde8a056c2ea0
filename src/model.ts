// The normalized types every provider returns. Downstream code (state, alerting, metrics, retry)
// speaks only these; nothing outside src/providers/ knows a platform's own shapes.
import type { UnreadableKind } from './errors.ts';

export type ProviderName = 'celigo' | 'airweave' | 'neo';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled', 'unknown'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What kind of resource a run belongs to. */
export type ResourceKind = 'sync' | 'flow';

export interface RunCounts {
  read?: number;
  written?: number;
  failed?: number;
}

/** One sync or flow run as the provider reports it. */
export interface Run {
  /** Stable resource id: `provider/target/kind/resourceId`. */
  key: string;
  provider: ProviderName;
  target: string;
  kind: ResourceKind;
  resourceId: string;
  runId: string;
  /** Human name of the resource (sync or flow name). */
  name: string;
  status: RunStatus;
  /** The platform's own status string, kept for logs and unknown statuses. */
  rawStatus: string;
  integrationId?: string;
  integrationName?: string;
  startedAt?: string;
  endedAt?: string;
  counts: RunCounts;
  error?: string;
  /** Per-resource failures the platform reported for this run (Neo `activities[].failures[]`). */
  failures?: RunFailure[];
  /** Deep link into the platform's UI, where one exists. */
  link?: string;
}

/** One per-resource failure inside a run (e.g. Neo: "Ticket Types" permission-denied on board 444). */
export interface RunFailure {
  resource: string;
  parent?: string;
  reason: string;
  message: string;
  /** The part of the run it happened in (Neo's activity label). */
  activity?: string;
  /** How many records failed there (a Celigo table's `numErrors`), when the platform counts them. */
  count?: number;
}

/** A Celigo flow step's open-error count (from `GET /v1/flows/{id}/errors`). */
export interface StepErrors {
  /** Stable resource id: `provider/target/step/flowId/stepId`. */
  key: string;
  provider: ProviderName;
  target: string;
  flowId: string;
  flowName: string;
  stepId: string;
  integrationId?: string;
  integrationName?: string;
  openErrors: number;
  lastErrorAt?: string;
}

/** One open error record of a flow step. */
export interface OpenError {
  errorId: string;
  retryDataKey?: string;
  classification?: string;
  source?: string;
  code?: string;
  message: string;
  occurredAt?: string;
  traceKey?: string;
}

/**
 * One readable unit of a poll (a Celigo flow's error summary, an integration's sync jobs) whose
 * answer could not be read this time: what it would have shown is unknown, so nothing about it changes.
 */
export interface UnreadableResource {
  /**
   * Stable key of the unit: `celigo/<target>/step/<flowId>`, `celigo/<target>/integration/<id>`,
   * `airweave/<target>/source-connection/<id>`, `neo/<target>/integration/<name>`.
   */
  key: string;
  name: string;
  kind: UnreadableKind;
  message: string;
}

/** An open error as remediation reads it: with the platform's own next retry of it, when it has one. */
export interface RetryableError extends OpenError {
  retryAt?: string;
}

/** A resolved error record of a step: who resolved it and when (`auto` is the platform itself). */
export interface ResolvedError {
  errorId: string;
  retryDataKey?: string | undefined;
  traceKey?: string | undefined;
  resolvedAt?: string | undefined;
  /** `auto` (the platform), or the user id of whoever resolved it (a retry's submitter, or a person). */
  resolvedBy?: string | undefined;
}

/** What one poll of a target saw. */
export interface Observation {
  target: string;
  provider: ProviderName;
  observedAt: string;
  runs: Run[];
  stepErrors: StepErrors[];
  /** Keys of the readable units this poll asked for (read or not); absent for providers that poll whole. */
  attempted?: string[];
  /** The units among `attempted` whose answer could not be read. */
  unreadable?: UnreadableResource[];
  /**
   * Change-driven polling: the units the chunk asked for, each with its change marker as the plan
   * listed it (Celigo: a flow's `lastExecutedAt`); `unread` when its answer could not be read (it is
   * asked for again next cycle). A unit's resources are keyed `<unit>/<id>`.
   */
  fetched?: Array<{ unit: string; version?: string; unread?: true; sweepFrom?: number }>;
}

export function resourceKey(provider: ProviderName, target: string, kind: string, ...ids: string[]): string {
  return [provider, target, kind, ...ids].join('/');
}
