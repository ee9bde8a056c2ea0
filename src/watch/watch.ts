// One poll cycle of a target, as jobs: `plan` (list what to watch, split it into chunks) and
// `chunk` (observe a part, diff it against Redis, emit alert transitions, save). The same code
// runs `syncwatch once`, with a sink that collects instead of sending and a read-only store
// (src/state/read-only-store.ts) that saves nothing.
import { createHash } from 'node:crypto';
import type { RedisClient as Redis } from '../state/redis.ts';
import type { Logger } from 'pino';
import { firingTransitionId, type AlertEvent } from '../alert/model.ts';
import { SyncwatchError, errorFields } from '../errors.ts';
import { HTTP_DEFAULTS, HttpClient } from '../http/client.ts';
import type { Observation, ProviderName } from '../model.ts';
import { isPartialObservationError, providers } from '../providers/index.ts';
import { mapConcurrent } from '../concurrency.ts';
import type { Chunk, Plan, PlanHints, PollContext, Provider, RunDetail, Scope } from '../providers/types.ts';
import { diff, diffTarget, resourcesOutOfScope, retireAlerts, type PollOutcome } from '../state/diff.ts';
import type { Keyspace } from '../state/keys.ts';
import { diffUnreadable } from '../state/unreadable.ts';
import type { ChunkExtras, FetchedUnit, StateStore } from '../state/store.ts';
import { rulesForTarget, type RuleSettings } from './rules.ts';

/** The part of a target's configuration the watch loop reads (config/ has the full type). */
export type WatchTarget = RuleSettings & {
  name: string;
  provider: ProviderName;
  baseUrl: string;
  interval: number;
  requestsPerSecond: number;
  /** Larger answers are refused unread (default HTTP_DEFAULTS.maxResponseBytes). */
  maxResponseBytes?: number;
};

export interface ChunkJob {
  target: string;
  cycle: string;
  index: number;
  total: number;
  chunk: Chunk;
  /** On the first chunk: the requests the cycle's plan made (counted into the cycle's total). */
  planRequests?: number;
}

/** What a cycle cost and covered: the requests it made, the resources (runs, steps) it observed. */
export interface CycleWork {
  requests: number;
  resources: number;
}

/** The same client, counting the requests made through it (one per call, retries included in the call). */
function counting(client: HttpClient, counter: { requests: number }): HttpClient {
  const counted = Object.create(client) as HttpClient;
  counted.request = <T>(opts: Parameters<HttpClient['request']>[0]) => {
    counter.requests++;
    return client.request.call(counted, opts) as ReturnType<typeof client.request<T>>;
  };
  return counted;
}

/** A cycle's work from its chunks' extras. */
export function cycleWork(extras: readonly ChunkExtras[]): CycleWork {
  return { requests: extras.reduce((n, e) => n + (e.requests ?? 0), 0), resources: extras.reduce((n, e) => n + (e.resources ?? 0), 0) };
}

/** Where a cycle's results go: the daemon enqueues jobs; `once` collects. */
export interface WatchSink {
  chunks(jobs: ChunkJob[]): Promise<void>;
  events(events: AlertEvent[]): Promise<void>;
  observation?(observation: Observation): void;
  /** Plan auto-retries for what a chunk observed (the daemon; never `once`). */
  retries?(observation: Observation, cycle: string): Promise<void>;
  /**
   * Alerts resolved because their resources left the scope, after `events` took them, with the
   * transitions that opened their episodes (the daemon: alerting lets those episodes fire again if
   * the resources come back still failing; the retrier ends its own episodes).
   */
  retired?(events: AlertEvent[], reopened: string[]): Promise<void>;
  /** The outcome of a whole cycle (`once` reports a failed poll with it). */
  pollFinished?(outcome: PollOutcome): void;
}

export interface WatchInstruments {
  apiHook(target: string): (info: { endpoint: string; status: number | 'error'; durationMs: number }) => void;
  pollFinished(target: string, outcome: 'success' | 'failure', seconds: number | undefined): void;
  /** One per unit a chunk could not read (`syncwatch_resource_errors_total{target,kind}`). */
  resourceUnreadable?(target: string, kind: string): void;
}

/** How many unreadable units a target's record (and /status) lists by name. */
export const UNREADABLE_SHOWN = 20;

/**
 * Where the next "runs since" poll starts: this poll's start, moved back to the start of any run
 * still open — a run that began before this poll and ends after it must be seen again. When a unit
 * (a Neo integration) could not be read, the since this poll was given is kept (undefined: none, the
 * provider's default lookback): what that unit started meanwhile is read once it answers again.
 */
export function pollSinceAfter(
  pollStartedAt: string,
  observation: Pick<Observation, 'runs' | 'unreadable'>,
  given?: string,
): string | undefined {
  let earliest = Date.parse(pollStartedAt);
  for (const r of observation.runs) {
    const started = r.startedAt ? Date.parse(r.startedAt) : NaN;
    if ((r.status === 'running' || r.status === 'queued') && started < earliest) earliest = started;
  }
  if ((observation.unreadable ?? []).length > 0) {
    const held = given === undefined ? NaN : Date.parse(given);
    if (Number.isNaN(held)) return undefined;
    earliest = Math.min(earliest, held);
  }
  return new Date(earliest).toISOString();
}

/** How long a cycle may go without finishing a chunk before another may start: 5 intervals, at least 5 min. */
export function claimTtlMs(target: Pick<WatchTarget, 'interval'>): number {
  return Math.max(5 * target.interval, 5 * 60_000);
}

/** How many of the newest errors a FlowErrors alert carries. */
export const ERROR_SAMPLE_SIZE = 5;
/** Error-sample requests one chunk keeps in flight (a first cycle may have hundreds of rising steps). */
const SAMPLE_CONCURRENCY = 16;

/** An error as a value (kind, message, HTTP status, the platform's code) for logs and the poll outcome. */
const describeError = errorFields;

export class Watch {
  private readonly clients = new Map<string, HttpClient>();

  constructor(
    private readonly deps: {
      targets: readonly WatchTarget[];
      redis: Redis;
      keys: Keyspace;
      /** `once` hands in a ReadOnlyStateStore: state is read, never written. */
      store: StateStore;
      logger: Logger;
      now?: () => number;
      /** Metrics hooks: one call per HTTP exchange, one per finished poll cycle. */
      instruments?: WatchInstruments;
      /** This process's heartbeat id (src/state/owner.ts): cycle claims name it, so a dead owner's claim is taken over at once. */
      owner?: string;
      /**
       * The resources of a target with a retry of ours in flight (the daemon: the retrier's ledger):
       * change-driven polling looks at them every cycle.
       */
      retriesInFlight?: (target: string) => Promise<Iterable<string>>;
    },
  ) {}

  private get now() {
    return this.deps.now ?? Date.now;
  }

  target(name: string): WatchTarget {
    const target = this.deps.targets.find((t) => t.name === name);
    if (!target) throw new SyncwatchError('config', `target "${name}" is not in the configuration`);
    return target;
  }

  private provider(target: WatchTarget): Provider<WatchTarget> {
    const provider = providers[target.provider];
    if (!provider) throw new SyncwatchError('config', `provider "${target.provider}" of target "${target.name}" is not available`);
    return provider as Provider<WatchTarget>;
  }

  /** One HTTP client per target, its rate shared with every replica through Redis. */
  http(target: WatchTarget): HttpClient {
    let client = this.clients.get(target.name);
    if (!client) {
      const rateLimiter = this.deps.store.rateLimiter(target.name, target.requestsPerSecond);
      client = new HttpClient({
        target: target.name,
        baseUrl: target.baseUrl,
        auth: this.provider(target).auth(target),
        requestsPerSecond: target.requestsPerSecond,
        ...(target.maxResponseBytes !== undefined ? { maxResponseBytes: target.maxResponseBytes } : {}),
        // Enough connections to sustain the rate at ~50 ms a request (16 up to 320/s, then more).
        connections: Math.max(HTTP_DEFAULTS.connections, Math.ceil(target.requestsPerSecond / 20)),
        // Shared with every replica through Redis (`once`'s read-only store keeps it in process).
        ...(rateLimiter ? { rateLimiter } : {}),
        logger: this.deps.logger,
        ...(this.deps.instruments ? { onResponse: this.deps.instruments.apiHook(target.name) } : {}),
      });
      this.clients.set(target.name, client);
    }
    return client;
  }

  private pollContext(target: WatchTarget, signal?: AbortSignal, counter?: { requests: number }): PollContext {
    return {
      http: counter ? counting(this.http(target), counter) : this.http(target),
      logger: this.deps.logger.child({ target: target.name }),
      now: this.now,
      ...(signal ? { signal } : {}),
    };
  }

  /** Start a cycle: list what to watch and hand out the chunks. A failure here is a failed poll. */
  async plan(targetName: string, cycle: string, sink: WatchSink, signal?: AbortSignal): Promise<void> {
    const target = this.target(targetName);
    const provider = this.provider(target);
    const claim = await this.deps.store.beginCycle(target.name, cycle, claimTtlMs(target), this.deps.owner);
    if (!claim.started) {
      this.deps.logger.info(
        { target: target.name, cycle, running: claim.running },
        'previous poll cycle still running; this one is skipped',
      );
      return;
    }
    if (claim.replaced)
      this.deps.logger.warn(
        { target: target.name, cycle, abandoned: claim.replaced.cycle, owner: claim.replaced.owner },
        'the process running the previous poll cycle is gone; that cycle is abandoned and this one starts',
      );
    let plan: Plan;
    let firing: AlertEvent[] = [];
    const counter = { requests: 0 };
    try {
      if (provider.plan) {
        // What change-driven polling remembers is read while the provider lists (one round trip less on the cycle's path).
        const hints = this.deps.store.firingAlerts(target.name).then((f) => ((firing = f), this.planHints(target, f)));
        hints.catch(() => {}); // a listing that fails first leaves it unawaited: its own failure is the poll's
        plan = await provider.plan(target, this.pollContext(target, signal, counter), hints);
      } else plan = { chunks: [null] };
    } catch (e) {
      this.deps.logger.warn({ target: target.name, cycle, err: describeError(e) }, 'poll failed');
      await this.finishPoll(target, { ok: false, error: describeError(e) }, sink, cycle, { requests: counter.requests, resources: 0 });
      return;
    }
    const { chunks } = plan;
    if (plan.reasons)
      this.deps.logger.debug({ target: target.name, cycle, fetch: plan.reasons, disabled: plan.disabled?.length ?? 0 }, 'poll planned');
    const scope = plan.scope ?? provider.scope?.(target);
    if (scope) await this.forgetOutOfScope(target, scope, cycle, sink);
    if (plan.disabled) await this.markDisabled(firing, plan.disabled, cycle, sink);
    if (chunks.length === 0) {
      await this.finishPoll(target, { ok: true }, sink, cycle, { requests: counter.requests, resources: 0 });
      return;
    }
    await sink.chunks(
      chunks.map((chunk, index) => ({
        target: target.name,
        cycle,
        index,
        total: chunks.length,
        chunk,
        ...(index === 0 && counter.requests > 0 ? { planRequests: counter.requests } : {}),
      })),
    );
  }

  /**
   * What change-driven polling needs to know (src/providers/select.ts): each unit's last successful
   * fetch, and the resources to look at every cycle — units whose last fetch saw open errors,
   * resources with a firing alert (alerting's index), and those with a retry of ours in flight.
   */
  private async planHints(target: WatchTarget, firing: readonly AlertEvent[]): Promise<PlanHints> {
    const { store } = this.deps;
    const [fetched, retrying] = await Promise.all([store.loadFetched(target.name), this.deps.retriesInFlight?.(target.name) ?? []]);
    const hot = new Set<string>([...firing.map((a) => a.labels.resource), ...retrying]);
    for (const [unit, seen] of fetched) if (seen.open) hot.add(unit);
    return { now: this.now(), interval: target.interval, memory: fetched, hot };
  }

  /**
   * A firing alert on a unit the plan skips as disabled says so (an update setting `disabled`), and
   * says so no more once it is enabled again: its state is kept as it was, not re-read.
   */
  private async markDisabled(firing: readonly AlertEvent[], disabled: readonly string[], cycle: string, sink: WatchSink): Promise<void> {
    const units = new Set(disabled);
    const updates: AlertEvent[] = [];
    for (const alert of firing) {
      const resource = alert.labels.resource;
      const isDisabled = units.has(resource) || units.has(resource.slice(0, resource.lastIndexOf('/')));
      if (isDisabled === (alert.annotations.disabled === true)) continue;
      const { disabled: _was, ...annotations } = alert.annotations;
      updates.push({
        ...alert,
        update: true,
        annotations: isDisabled ? { ...annotations, disabled: true } : annotations,
        transitionId: `${alert.fingerprint}|${isDisabled ? 'disabled' : 'enabled'}|${cycle}`,
      });
    }
    await sink.events(updates);
  }

  /**
   * Resources that left the poll's scope (a flow deleted, or excluded now) are forgotten and their
   * open alerts resolve — otherwise they would stay open and remind forever. Only when the scope
   * changed since the last plan, so a steady cycle costs one digest and no Redis write.
   */
  private async forgetOutOfScope(target: WatchTarget, scope: Scope, cycle: string, sink: WatchSink): Promise<void> {
    const digest = createHash('sha1')
      .update(JSON.stringify(scope.map((s) => [s.namespace, [...s.owners].sort()])))
      .digest('hex');
    const { store } = this.deps;
    if ((await store.loadTarget(target.name))?.scopeHash === digest) return;
    const keys = await store.snapshotKeys(target.name);
    const byIntegration = scope.filter((s) => s.ownedBy === 'integration').map((s) => s.namespace);
    const integrations = await store.integrationsOf(
      target.name,
      keys.filter((k) => byIntegration.some((ns) => k.startsWith(ns))),
    );
    const gone = resourcesOutOfScope(keys, scope, (key) => integrations.get(key));
    const firing = await store.firingOf(target.name, gone);
    const events = retireAlerts(firing, this.now(), cycle);
    // Hand the resolutions over before forgetting, as chunks do: a crash in between repeats them.
    await sink.events(events);
    if (events.length > 0)
      await sink.retired?.(
        events,
        firing.map((f) => firingTransitionId(f.fingerprint, f.episode)),
      );
    await store.forget(target.name, gone, digest);
    // What change-driven polling remembers of units out of scope goes too (a unit is `<namespace><owner>`).
    const units = new Set(scope.filter((s) => s.ownedBy !== 'integration').flatMap((s) => s.owners.map((o) => `${s.namespace}${o}`)));
    await store.pruneFetched(target.name, (unit) => units.has(unit));
    if (gone.length > 0)
      this.deps.logger.info(
        { target: target.name, resources: gone.length, resolved: events.length },
        'resources left the poll scope; forgotten',
      );
  }

  /** Observe one chunk, diff it, emit its transitions, save; the chunk that completes the cycle settles TargetDown. */
  async chunk(job: ChunkJob, sink: WatchSink, signal?: AbortSignal): Promise<AlertEvent[]> {
    const target = this.target(job.target);
    const provider = this.provider(target);
    const counter = { requests: job.planRequests ?? 0 };
    const ctx = this.pollContext(target, signal, counter);
    const whole = !(provider.observeChunk && job.chunk !== null);
    // A chunk of a cycle that no longer holds the target (taken over after its owner died, or
    // expired) would apply an older observation on top of newer state: it is dropped.
    if (!(await this.deps.store.touchCycle(target.name, job.cycle, claimTtlMs(target), this.deps.owner))) {
      this.deps.logger.info(
        { target: target.name, cycle: job.cycle, chunk: job.index },
        'poll cycle no longer current (taken over or expired); chunk skipped',
      );
      return [];
    }
    // A whole-target poll may read "runs since" (Neo): from where the last poll said to start.
    const pollStartedAt = new Date(this.now()).toISOString();
    if (whole) {
      const since = (await this.deps.store.loadTarget(target.name))?.pollSince;
      if (since) ctx.since = since;
    }
    let observation: Observation;
    let problems: ChunkExtras['problems'];
    try {
      observation = whole ? await provider.observe(target, ctx) : await provider.observeChunk!(target, job.chunk, ctx);
    } catch (e) {
      if (isPartialObservationError(e)) {
        // Some configured entries are refused (not connected, unknown): a configuration problem of
        // the target, not a failed poll; what the rest of the poll saw is diffed as usual.
        observation = e.observation;
        problems = e.problems.map((p) => ({ resource: p.resource, message: p.message, ...(p.code ? { code: p.code } : {}) }));
        this.deps.logger.warn({ target: target.name, problems }, 'target has configuration problems');
      } else {
        const error = describeError(e);
        this.deps.logger.warn({ target: target.name, cycle: job.cycle, chunk: job.index, err: error }, 'poll chunk failed');
        await this.settleChunk(target, job, false, error, sink, { requests: counter.requests });
        return [];
      }
    }
    sink.observation?.(observation);

    const { store } = this.deps;
    const { snapshots, raw } = await store.loadSnapshots(
      target.name,
      observation.runs.map((r) => r.key),
      observation.stepErrors.map((s) => s.key),
    );
    const { events, next } = diff(snapshots, observation, this.now(), rulesForTarget(target));
    await this.attachErrorSamples(target, provider, observation, events, ctx);
    await this.attachRunDetails(target, provider, observation, events, ctx);
    // Units that could not be read keep their state; a streak of them raises ResourceUnreadable.
    const unreadable = observation.unreadable ?? [];
    for (const u of unreadable) this.deps.instruments?.resourceUnreadable?.(target.name, u.kind);
    if (unreadable.length > 0)
      this.deps.logger.warn(
        {
          target: target.name,
          cycle: job.cycle,
          chunk: job.index,
          unreadable: unreadable.slice(0, UNREADABLE_SHOWN).map((u) => ({ resource: u.key, kind: u.kind, message: u.message })),
          count: unreadable.length,
        },
        'some resources could not be read; their state is kept',
      );
    const attempted = observation.attempted ?? [];
    const health = diffUnreadable(
      await store.loadUnreadable(target.name, attempted),
      observation,
      target,
      this.now(),
      rulesForTarget(target)({ kind: 'flow', name: target.name }),
    );
    events.push(...health.events);
    // Enqueue before saving: if we die in between, the re-run finds the same transitions and
    // their job ids are already taken, so nothing is lost and nothing is sent twice.
    await sink.events(events);
    await store.save(target.name, next, raw);
    await store.saveUnreadable(target.name, health.next);
    // Only now, with the summaries saved, are the units remembered as fetched: a chunk that fails
    // before this line leaves them to be fetched again (a change is never lost); an unreadable one
    // is remembered as to be asked for again.
    if (observation.fetched && observation.fetched.length > 0) await store.saveFetched(target.name, fetchedUnits(observation, this.now()));
    try {
      await sink.retries?.(observation, job.cycle);
    } catch (e) {
      this.deps.logger.warn({ target: target.name, cycle: job.cycle, err: describeError(e) }, 'retry planning failed');
    }
    const pollSince = whole ? pollSinceAfter(pollStartedAt, observation, ctx.since) : undefined;
    const extras: ChunkExtras = {
      requests: counter.requests,
      resources: observation.runs.length + observation.stepErrors.length,
      ...(problems ? { problems } : {}),
      ...(pollSince ? { pollSince } : {}),
      ...(attempted.length > 0
        ? {
            attempted: attempted.length,
            unreadable: unreadable.map((u) => ({ resource: u.key, name: u.name, kind: u.kind, message: u.message })),
          }
        : {}),
    };
    await this.settleChunk(target, job, true, undefined, sink, extras);
    return events;
  }

  private async settleChunk(
    target: WatchTarget,
    job: ChunkJob,
    ok: boolean,
    error: { kind: string; message: string } | undefined,
    sink: WatchSink,
    extras?: ChunkExtras,
  ): Promise<void> {
    const result = await this.deps.store.finishChunk(target.name, job.cycle, job.index, job.total, ok, error, extras, claimTtlMs(target));
    // A long cycle (a large account's first one) shows its progress: a line every tenth of its chunks.
    const tenth = Math.ceil(job.total / 10);
    if (job.total >= 10 && (job.index + 1) % tenth === 0 && !result.complete) {
      this.deps.logger.info(
        { target: target.name, cycle: job.cycle, chunk: job.index + 1, chunks: job.total },
        `poll cycle in progress: chunk ${job.index + 1} of ${job.total}`,
      );
    }
    if (!result.complete) return;
    if (job.total >= 10)
      this.deps.logger.info(
        { target: target.name, cycle: job.cycle, chunks: job.total, failedChunks: result.failed },
        'poll cycle complete',
      );
    await this.finishPoll(
      target,
      cycleOutcome(result.failed, result.firstFailure, result.extras),
      sink,
      job.cycle,
      cycleWork(result.extras),
    );
  }

  /** A whole cycle's outcome → TargetDown transitions and the target's last-poll record. */
  private async finishPoll(target: WatchTarget, outcome: CycleOutcome, sink: WatchSink, cycle: string, work?: CycleWork): Promise<void> {
    // A scheduled cycle is named by the millisecond it was due: its duration runs from there.
    const started = Number(cycle);
    this.deps.instruments?.pollFinished(
      target.name,
      outcome.ok ? 'success' : 'failure',
      Number.isFinite(started) && started > 0 ? Math.max(0, this.now() - started) / 1000 : undefined,
    );
    sink.pollFinished?.(outcome);
    await this.deps.store.endCycle(target.name, cycle);
    const prev = await this.deps.store.loadTarget(target.name);
    const { next, events } = diffTarget(
      prev,
      { name: target.name, provider: target.provider },
      outcome,
      this.now(),
      rulesForTarget(target)({ kind: 'sync', name: target.name }),
    );
    const unreadable = outcome.ok && 'unreadable' in outcome ? (outcome.unreadable ?? []) : [];
    if (unreadable.length > 0) {
      next.unreadable = unreadable.slice(0, UNREADABLE_SHOWN);
      next.unreadableCount = unreadable.length;
    }
    if (work) next.lastCycle = work;
    await sink.events(events);
    await this.deps.store.save(target.name, { runs: {}, steps: {} }, new Map(), next);
  }

  /** FlowErrors that rose carry the newest errors; fetched only then, and never fatal. */
  private async attachErrorSamples(
    target: WatchTarget,
    provider: Provider<WatchTarget>,
    observation: Observation,
    events: AlertEvent[],
    ctx: PollContext,
  ): Promise<void> {
    if (!provider.errorSamples) return;
    const rising = events.filter((e) => e.labels.kind === 'FlowErrors' && e.status === 'firing');
    if (rising.length === 0) return;
    const steps = new Map(observation.stepErrors.map((s) => [s.key, s]));
    // As many at once as the provider observes with; the target's rate limiter has the last word.
    await mapConcurrent(rising, SAMPLE_CONCURRENCY, async (event) => {
      const step = steps.get(event.labels.resource);
      if (!step) return;
      try {
        event.annotations.samples = await provider.errorSamples!(target, step, ERROR_SAMPLE_SIZE, ctx);
      } catch (e) {
        this.deps.logger.warn(
          { target: target.name, flow: step.flowId, step: step.stepId, err: describeError(e) },
          'could not fetch error samples',
        );
      }
    });
  }

  /**
   * SyncFailed/SyncPartial of a run with failed records carry where they failed (Celigo: tables and
   * first error messages); fetched only for those transitions, and never fatal.
   */
  private async attachRunDetails(
    target: WatchTarget,
    provider: Provider<WatchTarget>,
    observation: Observation,
    events: AlertEvent[],
    ctx: PollContext,
  ): Promise<void> {
    if (!provider.runDetail) return;
    const runs = new Map(observation.runs.map((r) => [r.key, r]));
    const wanted = events.filter(
      (e) =>
        (e.labels.kind === 'SyncFailed' || e.labels.kind === 'SyncPartial') &&
        e.status === 'firing' &&
        (runs.get(e.labels.resource)?.counts.failed ?? 0) > 0,
    );
    if (wanted.length === 0) return;
    // One fetch per run, shared by its SyncFailed and SyncPartial.
    const details = new Map<string, Promise<RunDetail | undefined>>();
    await mapConcurrent(wanted, SAMPLE_CONCURRENCY, async (event) => {
      const run = runs.get(event.labels.resource)!;
      let pending = details.get(run.key);
      if (!pending) details.set(run.key, (pending = provider.runDetail!(target, run, ctx)));
      try {
        const detail = await pending;
        if (!detail) return;
        event.annotations.error = detail.error;
        event.annotations.failedRecords = detail.failures;
      } catch (e) {
        this.deps.logger.warn(
          { target: target.name, resource: run.key, run: run.runId, err: describeError(e) },
          'could not fetch where the run failed',
        );
      }
    });
  }

  /** One whole cycle of one target in this process (for `once` and tests). */
  async cycle(targetName: string, cycle: string, sink: WatchSink): Promise<void> {
    const queued: ChunkJob[] = [];
    await this.plan(targetName, cycle, { ...sink, chunks: async (jobs) => void queued.push(...jobs) });
    for (const job of queued) await this.chunk(job, sink);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}

/**
 * The units a chunk asked for, as change-driven polling remembers them: when (or, for a first
 * fetch, the start of its sweep slot: `sweepFrom`), their change marker, and whether they had open
 * errors. One that could not be read is remembered as hot without a marker, so it is asked for
 * again every cycle until it is read (its unreadable streak counts on).
 */
export function fetchedUnits(observation: Observation, now: number): FetchedUnit[] {
  const open = new Set<string>();
  for (const s of observation.stepErrors) if (s.openErrors > 0) open.add(s.key.slice(0, s.key.lastIndexOf('/')));
  return (observation.fetched ?? []).map((f) =>
    f.unread
      ? { unit: f.unit, fetchedAt: now, open: true }
      : {
          unit: f.unit,
          fetchedAt: f.sweepFrom ?? now,
          open: open.has(f.unit),
          ...(f.version !== undefined ? { version: f.version } : {}),
        },
  );
}

/** A poll's outcome, with the units a successful one could not read. */
export type CycleOutcome = PollOutcome | (Extract<PollOutcome, { ok: true }> & { unreadable?: NonNullable<ChunkExtras['unreadable']> });

/**
 * A complete cycle's outcome from its chunks: failed when a chunk failed, or when every unit it
 * asked for was unreadable (the target answers nothing usable: TargetDown's business); otherwise a
 * success that lists the units it could not read.
 */
export function cycleOutcome(
  failedChunks: number,
  firstFailure: { kind: string; message: string } | undefined,
  extras: readonly ChunkExtras[],
): CycleOutcome {
  if (failedChunks > 0) return { ok: false, error: firstFailure ?? { kind: 'upstream', message: `${failedChunks} chunk(s) failed` } };
  const problems = extras.flatMap((e) => e.problems ?? []);
  const sinces = extras.flatMap((e) => (e.pollSince ? [Date.parse(e.pollSince)] : []));
  const pollSince = sinces.length > 0 ? new Date(Math.min(...sinces)).toISOString() : undefined;
  const attempted = extras.reduce((n, e) => n + (e.attempted ?? 0), 0);
  const unreadable = extras.flatMap((e) => e.unreadable ?? []);
  if (attempted > 0 && unreadable.length === attempted) {
    const first = unreadable[0]!;
    return {
      ok: false,
      error: { kind: 'upstream', message: `none of the ${attempted} resource(s) could be read (${first.kind}): ${first.message}` },
    };
  }
  return { ok: true, problems, ...(pollSince ? { pollSince } : {}), ...(unreadable.length > 0 ? { unreadable } : {}) };
}
