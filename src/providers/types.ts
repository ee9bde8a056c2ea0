// The one small interface every platform implements (like Gatus's alerting/provider/<name>).
// A provider turns a target's API into the normalized model; it knows nothing about alerts.
import type { Logger } from 'pino';
import type { HttpClient } from '../http/client.ts';
import type { Auth } from '../http/types.ts';
import type { Observation, OpenError, ProviderName, Run, RunFailure, StepErrors } from '../model.ts';

export interface PollContext {
  http: HttpClient;
  logger: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  now(): number;
  signal?: AbortSignal;
  /** ISO time of the last poll (Neo: the `since` lower bound on run start times). */
  since?: string;
}

/**
 * What a poll covers, per key namespace: the owner ids in scope. A resource's owner is the key
 * segment after the namespace (a flow id owns its steps), or with `ownedBy: 'integration'` the
 * integration its snapshot names (a Celigo sync belongs to an integration its key does not carry).
 */
export type Scope = Array<{ namespace: string; owners: string[]; ownedBy?: 'key' | 'integration' }>;

/** Where a run's records failed, for its alert: the readable text and the entries. */
export interface RunDetail {
  error: string;
  failures: RunFailure[];
}

/** A part of one poll that can run as its own job (plain JSON: it travels through the queue). */
export type Chunk = unknown;

export interface Provider<TTarget> {
  readonly name: ProviderName;
  /** How requests to this target authenticate. */
  auth(target: TTarget): Auth;
  /** One whole poll of the target. */
  observe(target: TTarget, ctx: PollContext): Promise<Observation>;
  /**
   * For large accounts: split a poll into chunks that several replicas can observe in parallel.
   * Providers without it are polled whole, as one chunk.
   */
  plan?(target: TTarget, ctx: PollContext): Promise<Chunk[]>;
  observeChunk?(target: TTarget, chunk: Chunk, ctx: PollContext): Promise<Observation>;
  /**
   * What a planned poll covers, so resources that left it (a flow deleted or newly excluded) stop
   * being watched and their alerts resolve: for each key namespace (`celigo/<target>/step/`), the
   * owner ids in scope (the segment after the namespace: flow ids).
   */
  scope?(target: TTarget, chunks: Chunk[]): Scope;
  /**
   * Where a failed or partial run's records failed (Celigo: its job family and first errors). Asked
   * only for a run whose SyncFailed/SyncPartial fires and that reports failed records.
   */
  runDetail?(target: TTarget, run: Run, ctx: PollContext): Promise<RunDetail | undefined>;
  /** The newest open errors of a step, for an alert's detail. */
  errorSamples?(target: TTarget, step: StepErrors, limit: number, ctx: PollContext): Promise<OpenError[]>;
}
