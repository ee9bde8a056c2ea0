// Prometheus metrics (names are a contract: DESIGN.md "Metrics"). Counters and histograms count
// what this process did; gauges that describe the monitored world come from Redis (cached briefly),
// so every replica reports the same truth and a restarted one is right at once: the per-resource
// ones from a view kept incrementally (./view.ts), the target and alert ones read per scrape
// (O(targets + alert kinds)).
import type { RedisClient as Redis } from '../state/redis.ts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AlertEvent } from '../alert/model.ts';
import type { Keyspace } from '../state/keys.ts';
import type { TargetSnapshot } from '../state/snapshot.ts';
import { parseJson } from '../json.ts';
import { WorldView } from './view.ts';

export interface MetricsTarget {
  name: string;
  interval: number;
  /** false: syncwatch_flow_open_errors per flow, not per step (cardinality on very large accounts). */
  perStep?: boolean;
}

export interface QueueCounts {
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children'] as const;

/** How long a Redis read of the world serves scrapes. */
const WORLD_CACHE_MS = 1500;

export class Metrics {
  readonly registry = new Registry();

  readonly pollDuration = new Histogram({
    name: 'syncwatch_poll_duration_seconds',
    help: 'Time from the start of a poll cycle of a target to its last chunk.',
    labelNames: ['target'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly polls = new Counter({
    name: 'syncwatch_polls_total',
    help: 'Poll cycles of a target this process finished, by outcome.',
    labelNames: ['target', 'outcome'],
    registers: [this.registry],
  });
  readonly apiRequests = new Counter({
    name: 'syncwatch_api_requests_total',
    help: 'HTTP requests to a platform API, by endpoint template and status code.',
    labelNames: ['target', 'endpoint', 'code'],
    registers: [this.registry],
  });
  readonly apiDuration = new Histogram({
    name: 'syncwatch_api_request_duration_seconds',
    help: 'Duration of HTTP requests to a platform API.',
    labelNames: ['target', 'endpoint'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly notifications = new Counter({
    name: 'syncwatch_notifications_total',
    help: 'Notifications delivered to receivers, by outcome.',
    labelNames: ['receiver', 'outcome'],
    registers: [this.registry],
  });
  readonly notificationsDropped = new Counter({
    name: 'syncwatch_notifications_dropped_total',
    help: 'Notifications dropped (not delivered, not retried), by receiver and reason (its error code, retry_window, no_receiver).',
    labelNames: ['receiver', 'reason'],
    registers: [this.registry],
  });
  readonly resourceErrors = new Counter({
    name: 'syncwatch_resource_errors_total',
    help: 'Resources whose answer could not be read in a poll (their state kept), by reason.',
    labelNames: ['target', 'kind'],
    registers: [this.registry],
  });
  readonly slackInteractions = new Counter({
    name: 'syncwatch_slack_interactions_total',
    help: 'Slack button clicks, by action and outcome (done, refused, unauthorized, stale, replayed, failed, …).',
    labelNames: ['action', 'outcome'],
    registers: [this.registry],
  });
  readonly retryRecords = new Counter({
    name: 'syncwatch_retry_records_total',
    help: 'Records handled by retry policies, by outcome.',
    labelNames: ['target', 'policy', 'outcome'],
    registers: [this.registry],
  });

  private cache: { at: number; value: Promise<World> } | undefined;
  private readonly view: WorldView;

  constructor(
    private readonly deps: {
      redis: Redis;
      keys: Keyspace;
      targets: readonly MetricsTarget[];
      queues?: Record<string, QueueCounts>;
      now?: () => number;
      defaultMetrics?: boolean;
    },
  ) {
    this.view = new WorldView(deps.redis, deps.keys, deps.targets);
    if (deps.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client names these gauges *_total, which promtool rejects; the per-type
      // nodejs_active_handles / _requests / _resources gauges carry the same numbers.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
        this.registry.removeSingleMetric(name);
    }
    const world = () => this.world();
    const registers = [this.registry];
    // syncwatch_run_status, syncwatch_run_last_success_timestamp_seconds and syncwatch_flow_open_errors
    // (one series per resource) are rendered by the incrementally kept view (./view.ts), not prom-client.
    new Gauge({
      name: 'syncwatch_alerts_firing',
      help: 'Alerts firing now, by kind and severity.',
      labelNames: ['kind', 'severity'],
      registers,
      async collect() {
        this.reset();
        for (const [key, n] of (await world()).alerts) {
          const [kind = '', severity = ''] = key.split('|');
          this.set({ kind, severity }, n);
        }
      },
    });
    new Gauge({
      name: 'syncwatch_target_up',
      help: '1 when the latest poll of a target succeeded.',
      labelNames: ['target'],
      registers,
      async collect() {
        this.reset();
        for (const t of (await world()).targets) this.set({ target: t.name }, t.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'syncwatch_target_last_success_timestamp_seconds',
      help: 'When a poll of a target last succeeded.',
      labelNames: ['target'],
      registers,
      async collect() {
        this.reset();
        for (const t of (await world()).targets) if (t.lastSuccessAt !== undefined) this.set({ target: t.name }, t.lastSuccessAt);
      },
    });
    new Gauge({
      name: 'syncwatch_target_interval_seconds',
      help: 'Configured poll interval of a target.',
      labelNames: ['target'],
      registers,
      collect: function () {
        this.reset();
        for (const t of deps.targets) this.set({ target: t.name }, t.interval / 1000);
      },
    });
    const queues = deps.queues;
    if (queues) {
      new Gauge({
        name: 'syncwatch_queue_jobs',
        help: 'Jobs in the BullMQ queues, by state.',
        labelNames: ['queue', 'state'],
        registers,
        async collect() {
          this.reset();
          for (const [queue, q] of Object.entries(queues)) {
            const counts = await q.getJobCounts(...QUEUE_STATES);
            for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
          }
        },
      });
    }
  }

  /** The hook HttpClient calls once per exchange; labelled children are cached (it runs per request). */
  apiHook(target: string) {
    const counters = new Map<string, ReturnType<typeof this.apiRequests.labels>>();
    const histograms = new Map<string, ReturnType<typeof this.apiDuration.labels>>();
    return (info: { endpoint: string; status: number | 'error'; durationMs: number }) => {
      const code = String(info.status);
      const counterKey = `${info.endpoint} ${code}`;
      let counter = counters.get(counterKey);
      if (!counter) counters.set(counterKey, (counter = this.apiRequests.labels({ target, endpoint: info.endpoint, code })));
      counter.inc();
      let histogram = histograms.get(info.endpoint);
      if (!histogram) histograms.set(info.endpoint, (histogram = this.apiDuration.labels({ target, endpoint: info.endpoint })));
      histogram.observe(info.durationMs / 1000);
    };
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    const body = await this.registry.metrics();
    await this.world(); // the view is current (the registry's collects awaited the same read)
    return { contentType: this.registry.contentType, body: `${body}\n${this.view.render()}` };
  }

  private world(): Promise<World> {
    const now = (this.deps.now ?? Date.now)();
    if (!this.cache || now - this.cache.at > WORLD_CACHE_MS) {
      const value = this.view.refresh().then(() => readWorld(this.deps.redis, this.deps.keys, this.deps.targets));
      this.cache = { at: now, value };
      value.catch(() => (this.cache = undefined));
    }
    return this.cache.value;
  }
}

interface World {
  /** Alerts firing by `kind|severity`. */
  alerts: Map<string, number>;
  targets: Array<{ name: string; up: boolean; lastSuccessAt?: number }>;
}

const seconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);

/**
 * What the target and alert gauges show: the targets' records, and the firing alerts counted by
 * `kind|severity` from alerting's index (one HVALS a scrape; counting them at every transition
 * instead cost a Redis write each).
 */
async function readWorld(redis: Redis, keys: Keyspace, targets: readonly MetricsTarget[]): Promise<World> {
  const pipeline = redis.pipeline();
  for (const t of targets) pipeline.get(keys.target(t.name));
  pipeline.hvals(keys.alerting.firing);
  const results = (await pipeline.exec()) ?? [];
  const world: World = { alerts: new Map(), targets: [] };
  targets.forEach((t, i) => {
    const snap = parseJson<TargetSnapshot>(results[i]?.[1] as string | null | undefined);
    const lastSuccess = seconds(snap?.lastSuccessAt);
    world.targets.push({
      name: t.name,
      up: snap?.lastOutcome === 'success',
      ...(lastSuccess !== undefined ? { lastSuccessAt: lastSuccess } : {}),
    });
  });
  for (const json of (results[targets.length]?.[1] ?? []) as string[]) {
    const alert = parseJson<AlertEvent>(json);
    if (!alert) continue; // a corrupt entry
    const key = `${alert.labels.kind}|${alert.labels.severity}`;
    world.alerts.set(key, (world.alerts.get(key) ?? 0) + 1);
  }
  return world;
}
