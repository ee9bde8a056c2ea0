// The notify pipeline across replicas, Alertmanager's stages on BullMQ and Redis:
//   ingest  — route → group; each transition once (SET NX on its id); plan the group's flush
//   flush   — a delayed job per group and time slot: silence/inhibit, plan (pure), commit atomically
//   deliver — one job per group notification, retried with backoff for up to 24 h; the
//             notification log in Redis is the single answer to "was this sent?"
import { parseJson as parse } from '../json.ts';
import { DelayedError, type Job, type Queue } from 'bullmq';
import { execPipeline, type RedisClient as Redis } from '../state/redis.ts';
import type { Logger } from 'pino';
import type { Keyspace } from '../state/keys.ts';
import { isNotifyError, NotifyError, type DeliveryRecord, type Notifier } from '../notifiers/types.ts';
import { acksOf } from './ack.ts';
import { planFlush } from './flush.ts';
import { downTargets, isInhibited } from './inhibit.ts';
import { deliveryRetryPlan, nextDelay, type DeliveryRetryOptions } from './retry.ts';
import { flattenRoutes, groupsFor, type Route } from './route.ts';
import { ALERTING_SCRIPTS } from './scripts.ts';
import { defineScripts, pipelineScripts } from '../state/scripts.ts';
import { listSilences, silencesMatching, type Silence } from './silence.ts';
import { ALERT_KINDS, labelSetOf, type AlertEvent, type LabelSet, type Notification } from '../alert/model.ts';

/** How long a transition id is remembered: a re-processed chunk within this window is not re-sent. */
export const TRANSITION_TTL_SECONDS = 8 * 24 * 3600;
/** How long the notification log and flush records are kept. */
export const NLOG_TTL_SECONDS = 8 * 24 * 3600;
/** Transitions sent to Redis in one write by ingest (a poll chunk's worth, usually all of them). */
const INGEST_BATCH = 500;
const KEEP_DELIVERY_JOBS_SECONDS = 7 * 24 * 3600;
const KEEP_FLUSH_JOBS_SECONDS = 24 * 3600;
/**
 * A notification committed this long ago without a delivery job was lost with its job (Redis
 * restored from an older copy, or wiped between commit and enqueue); younger, it may still be on its way.
 */
export const LOST_DELIVERY_AFTER_MS = 60_000;

export type NotificationOutcome = 'success' | 'failure' | 'dropped';

/**
 * A capped stream each transition is appended to when ingest takes it in, in the same atomic step
 * (the console's history: the daemon wires it). Exactly once per transition id: never for one seen
 * before (a re-processed chunk, another replica), and never lost between taking it and appending it.
 */
export interface TransitionLog {
  /** The stream's key (under the deployment's hash tag, as every key ingest writes). */
  key: string;
  /** About this many entries are kept (XADD MAXLEN ~). */
  maxLen: number;
  /** The entry of a transition taken in at `now`: one field and its value. */
  entry(event: AlertEvent, now: number): [field: string, value: string];
}

export interface DispatcherDeps {
  redis: Redis;
  keys: Keyspace;
  notifyQueue: Queue;
  logger: Logger;
  route: Route | undefined;
  notifiers: ReadonlyMap<string, Notifier>;
  configSilences: readonly Silence[];
  transitionLog?: TransitionLog;
  now?: () => number;
  retry?: DeliveryRetryOptions;
  externalURL?: string;
  /**
   * `syncwatch_notifications_total{receiver,outcome}`: called once per delivery attempt outcome; a
   * drop says why (`syncwatch_notifications_dropped_total{receiver,reason}`): the receiver's error
   * code (`invalid_event`, `400`, `channel_not_found`, …), `retry_window`, `no_receiver` or `missing`.
   */
  onNotification?: (receiver: string, outcome: NotificationOutcome, notification?: Notification, reason?: string) => void;
}

export interface DeliveryLogEntry {
  state: 'sent' | 'dropped';
  receiver: string;
  attempt: number;
  at: string;
  reason?: string;
}

export interface FiringAlertStatus {
  fingerprint: string;
  labels: AlertEvent['labels'];
  annotations: AlertEvent['annotations'];
  startsAt: string;
  /** Still tracked, not sent: a silence matches it. */
  silenced: boolean;
  silencedBy: string[];
  /** Still tracked, not sent: its target's TargetDown is firing. */
  inhibited: boolean;
  /** Someone acknowledged this episode (Slack's Acknowledge): no reminders for it. */
  acknowledged?: { by: string; at: string };
}

type FlushData = { groupId: string; at: number };
type DeliverData = { groupId: string; seq: string; receiver: string };

/** The notification log's field marking a send of `seq` as in flight (its outcome unknown until it completes). */
const inflightField = (seq: string) => `${seq}:inflight`;

function toMap(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

export class Dispatcher {
  private readonly routes: Map<string, Route>;
  private readonly k: Keyspace['alerting'];
  private readonly scripts;
  private readonly queued = pipelineScripts(['syncwatchIngest'] as const);
  private readonly retryPlan;

  constructor(private readonly deps: DispatcherDeps) {
    this.routes = deps.route ? flattenRoutes(deps.route) : new Map();
    this.k = deps.keys.alerting;
    this.scripts = defineScripts(deps.redis, ALERTING_SCRIPTS);
    this.retryPlan = deliveryRetryPlan(deps.retry);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  // ---- ingest -------------------------------------------------------------------------------

  /** Take alert transitions in. Safe to call again with the same events: each is taken once. */
  async ingest(events: readonly AlertEvent[]): Promise<void> {
    const { redis, transitionLog: log } = this.deps;
    // Flushes are planned once the whole batch is in, so the transitions of one poll chunk share
    // one notification however long ingesting them takes (groupWait counts from the first).
    const toPlan = new Set<string>();
    const toWake = new Set<string>();
    // The transitions go to Redis in order, INGEST_BATCH scripts per write (each script is atomic on
    // its own, as when each was awaited before the next was sent); what their replies decide follows.
    for (let from = 0; from < events.length; from += INGEST_BATCH) {
      const batch = events.slice(from, from + INGEST_BATCH);
      const pipeline = redis.pipeline();
      const groupsOf = batch.map((event) => {
        const groups = this.deps.route ? groupsFor(this.deps.route, event) : [];
        const now = this.now();
        const keys = [this.k.tx(event.transitionId), this.k.firing, this.k.groups];
        const args: Array<string | number> = [TRANSITION_TTL_SECONDS, JSON.stringify(event), event.fingerprint, event.status, now];
        if (log) {
          keys.push(log.key);
          args.push(log.maxLen, ...log.entry(event, now));
        } else args.push('', '', '');
        for (const g of groups) {
          const gk = this.k.group(g.groupId);
          keys.push(gk.meta, gk.alerts, gk.pending, this.k.targetGroups(event.labels.target));
          args.push(g.groupId, g.route.receiver, g.route.id, g.groupKey, JSON.stringify(g.groupLabels));
        }
        this.queued.syncwatchIngest(pipeline, keys, ...args);
        return groups;
      });
      const replies = await execPipeline(pipeline);
      for (const [i, event] of batch.entries()) {
        // Planned even for a transition seen before: the first ingest may have died before planning.
        for (const g of groupsOf[i]!) toPlan.add(g.groupId);
        if (replies[i] === 1 && event.labels.kind === 'TargetDown' && event.status === 'resolved') {
          // The target answers again: alerts it held back go out at their groups' next flush.
          for (const gid of await redis.smembers(this.k.targetGroups(event.labels.target))) toWake.add(gid);
        }
      }
    }
    for (const gid of toPlan) if (!toWake.has(gid)) await this.planFlush(gid);
    for (const gid of toWake) await this.planFlush(gid, { wake: true });
  }

  /**
   * Let these transitions be taken again: the episodes they opened were ended from outside (their
   * resources left the scope), so if a resource comes back still failing, it must fire again.
   */
  async reopen(transitionIds: readonly string[]): Promise<void> {
    if (transitionIds.length > 0) await this.deps.redis.del(...transitionIds.map((id) => this.k.tx(id)));
  }

  /** Plan the group's next flush: groupWait, groupInterval, repeatInterval, or a silence's end. */
  async planFlush(groupId: string, options: { wake?: boolean; wakeAt?: number } = {}): Promise<void> {
    const { redis, notifyQueue } = this.deps;
    const gk = this.k.group(groupId);
    const [[, metaFlat], [, pendingLen], [, alertsLen]] = (await redis
      .multi()
      .hgetall(gk.meta)
      .llen(gk.pending)
      .hlen(gk.alerts)
      .exec()) as [[null, Record<string, string>], [null, number], [null, number]];
    const meta = metaFlat ?? {};
    if (meta.inflight && !(await this.releaseLostDelivery(groupId, meta))) return;
    const route = this.routeOf(meta.route);
    if (!route) return;
    const now = this.now();
    // A time recorded in the future means the clock went back since: count it as now, or the
    // group would hold its notifications until the clock caught up (hours, or a year).
    const last = meta.lastSentAt ? Math.min(Number(meta.lastSentAt), now) : undefined;
    const firstAt = Math.min(Number(meta.firstAt ?? now), now);
    const candidates: number[] = [];
    if (pendingLen > 0 || (options.wake && alertsLen > 0)) {
      candidates.push(last !== undefined ? Math.max(now, last + route.groupInterval) : Math.max(now, firstAt + route.groupWait));
    }
    if (alertsLen > 0 && last !== undefined) {
      const checked = meta.repeatCheckedAt ? Math.min(Number(meta.repeatCheckedAt), now) : 0;
      candidates.push(Math.max(now, Math.max(last, checked) + route.repeatInterval));
    }
    const wakeAt = options.wakeAt ?? (meta.wakeAt ? Number(meta.wakeAt) : undefined);
    if (wakeAt !== undefined && alertsLen > 0) candidates.push(Math.max(now, wakeAt));
    if (candidates.length === 0) return;
    const t = Math.min(...candidates);
    const [planned, isNew] = ((await this.scripts.syncwatchPlanFlush([gk.meta], t, now)) as [number, number]).map(Number) as [
      number,
      number,
    ];
    if (planned < 0) return;
    const jobId = `flush-${groupId}-${planned}`;
    // A flush planned before (every chunk of a cycle plans its groups' flushes again) has its job:
    // it was added right after it was planned. Adding it again is a no-op of BullMQ's that still
    // writes (its id counter, a "duplicated" event); it is added only when missing (the process that
    // planned it died before adding it).
    if (!isNew && (await redis.exists(notifyQueue.toKey(jobId))) === 1) return;
    const data: FlushData = { groupId, at: planned };
    await notifyQueue.add('flush', data, {
      jobId,
      delay: Math.max(0, planned - now),
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: KEEP_FLUSH_JOBS_SECONDS },
      removeOnFail: { age: KEEP_FLUSH_JOBS_SECONDS },
    });
  }

  /**
   * A group waits for its delivery in flight, whose completion plans the next flush. If that
   * delivery's job is gone, the group would wait forever: its notification is delivered after all
   * (a new job), or, when the notification is gone too, the group is released. True when released.
   */
  private async releaseLostDelivery(groupId: string, meta: Record<string, string>): Promise<boolean> {
    const seq = meta.inflight!;
    if (this.now() - Number(meta.inflightAt ?? 0) < LOST_DELIVERY_AFTER_MS) return false;
    if (await this.deps.notifyQueue.getJob(`deliver-${groupId}-${seq}`)) return false;
    const gk = this.k.group(groupId);
    const log = this.deps.logger.child({ group: meta.groupKey ?? groupId, seq });
    if (await this.deps.redis.hexists(gk.notifs, seq)) {
      log.warn('a committed notification had no delivery job (Redis restored or wiped?); delivering it now');
      await this.enqueueDelivery(groupId, seq, meta.receiver ?? this.routeOf(meta.route)?.receiver ?? '');
      return false;
    }
    const released = Number(await this.scripts.syncwatchDeliveryRelease([gk.meta], seq)) === 1;
    if (released) log.warn('the notification in flight is gone (Redis restored or wiped?); the group is released');
    return released;
  }

  private routeOf(id: string | undefined): Route | undefined {
    return (id !== undefined ? this.routes.get(id) : undefined) ?? this.deps.route;
  }

  // ---- mute (silence + inhibit) -------------------------------------------------------------

  private async muting(now: number): Promise<{ silences: Silence[]; down: Set<string>; firing: AlertEvent[] }> {
    const runtime = await listSilences(this.deps.redis, this.deps.keys, { now });
    const firing = (await this.deps.redis.hvals(this.k.firing)).flatMap((v) => parse<AlertEvent>(v) ?? []);
    return { silences: [...this.deps.configSilences, ...runtime], down: downTargets(firing), firing };
  }

  /** Firing alerts with whether they are silenced or inhibited: for /status. */
  async alertsForStatus(): Promise<FiringAlertStatus[]> {
    const now = this.now();
    const { silences, down, firing } = await this.muting(now);
    const acks = await acksOf(this.deps.redis, this.deps.keys, firing);
    return firing
      .map((a) => {
        const ack = acks.get(a.fingerprint);
        const by = silencesMatching(silences, labelSetOf(a), now).map((s) => s.id);
        return {
          fingerprint: a.fingerprint,
          labels: a.labels,
          annotations: a.annotations,
          startsAt: a.startsAt,
          silenced: by.length > 0,
          silencedBy: by,
          inhibited: isInhibited(a, down),
          ...(ack ? { acknowledged: { by: ack.by, at: ack.at } } : {}),
        };
      })
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.fingerprint.localeCompare(b.fingerprint));
  }

  // ---- flush --------------------------------------------------------------------------------

  async flush(job: Job<FlushData>): Promise<string> {
    for (let i = 0; i < 5; i++) {
      const result = await this.flushOnce(job.data.groupId, job.id ?? `flush-${job.data.groupId}-${job.data.at}`, job.data.at);
      if (result !== 'conflict') return result;
    }
    throw new Error(`flush of group ${job.data.groupId} kept conflicting with another flush`);
  }

  private async flushOnce(groupId: string, flushId: string, slot: number): Promise<string> {
    const { redis, logger } = this.deps;
    const gk = this.k.group(groupId);
    const [metaFlat, alertsFlat, notifiedList, pendingList] = (await this.scripts.syncwatchFlushClaim(
      [gk.meta, gk.alerts, gk.notified, gk.pending],
      slot,
    )) as [string[], string[], string[], string[]];
    const meta = toMap(metaFlat);
    if (meta.inflight) return 'busy'; // the delivery in flight plans the next flush when it is done
    const route = this.routeOf(meta.route);
    if (!route) return 'no-route';
    const now = Math.max(this.now(), slot);
    const alerts = new Map<string, AlertEvent>();
    for (const [fp, json] of Object.entries(toMap(alertsFlat))) {
      const e = parse<AlertEvent>(json);
      if (e) alerts.set(fp, e);
    }
    const pending = pendingList.flatMap((json) => parse<AlertEvent>(json) ?? []);
    const { silences, down } = await this.muting(now);
    const silencedBy = (a: AlertEvent) => silencesMatching(silences, labelSetOf(a), now);
    const muted = (a: AlertEvent) => silencedBy(a).length > 0 || isInhibited(a, down);
    const last = meta.lastSentAt ? Number(meta.lastSentAt) : undefined;
    const firingNow = [...alerts.values()].filter((a) => a.status === 'firing');
    const acked = new Set((await acksOf(redis, this.deps.keys, firingNow)).keys());
    const repeatDue = last !== undefined && now >= last + route.repeatInterval;
    const plan = planFlush({
      alerts,
      notified: new Set(notifiedList),
      pending,
      muted,
      sendResolved: route.sendResolved,
      first: last === undefined,
      repeatDue,
      acked,
    });
    const seq = plan.notification ? String(Number(meta.seq ?? 0) + 1) : '';
    const groupLabels = parse<LabelSet>(meta.groupLabels) ?? {};
    const notification: Notification | undefined = plan.notification
      ? {
          groupId,
          groupKey: meta.groupKey ?? groupId,
          receiver: meta.receiver ?? route.receiver,
          seq: Number(seq),
          groupLabels,
          ...plan.notification,
          createdAt: new Date(now).toISOString(),
          ...(this.deps.externalURL ? { externalURL: this.deps.externalURL } : {}),
        }
      : undefined;
    const [outcome, committed] = (await this.scripts.syncwatchFlushCommit(
      [gk.meta, gk.alerts, gk.notified, gk.pending, gk.flushes, gk.notifs, gk.delivery],
      flushId,
      meta.ver ?? '0',
      pendingList.length,
      now,
      seq,
      notification ? JSON.stringify(notification) : '',
      JSON.stringify(plan.announce),
      JSON.stringify(plan.forget),
      NLOG_TTL_SECONDS,
    )) as [string, string];
    if (outcome === 'conflict' || outcome === 'busy') return outcome;
    if (outcome === 'ok') {
      for (const e of plan.dropped)
        logger.debug(
          { group: meta.groupKey, fingerprint: e.fingerprint, transitionId: e.transitionId },
          'transition not sent (silenced, inhibited or resolved unannounced)',
        );
    }
    if (committed) await this.enqueueDelivery(groupId, committed, meta.receiver ?? route.receiver);
    // A reminder was due and none went out (every firing alert muted or acknowledged): the next
    // one is due a repeatInterval from now, not at once again.
    else if (outcome === 'ok' && repeatDue) await redis.hset(gk.meta, 'repeatCheckedAt', now);
    // A silenced alert becomes notifiable when its silence ends: wake the group then.
    // Kept in the group so whichever plan comes next (this one, or the delivery's) honours it.
    const ends = [...alerts.values()].filter((a) => a.status === 'firing').flatMap((a) => silencedBy(a).map((s) => Date.parse(s.endsAt)));
    if (ends.length > 0) await redis.hset(gk.meta, 'wakeAt', Math.min(...ends));
    else await redis.hdel(gk.meta, 'wakeAt');
    await this.planFlush(groupId);
    return outcome === 'done' ? 'already flushed' : committed ? `notification ${committed}` : 'nothing to send';
  }

  private async enqueueDelivery(groupId: string, seq: string, receiver: string): Promise<void> {
    const data: DeliverData = { groupId, seq, receiver };
    await this.deps.notifyQueue.add('deliver', data, {
      jobId: `deliver-${groupId}-${seq}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: KEEP_DELIVERY_JOBS_SECONDS },
      removeOnFail: { age: KEEP_DELIVERY_JOBS_SECONDS },
    });
  }

  // ---- deliver ------------------------------------------------------------------------------

  async deliver(job: Job<DeliverData>, token?: string): Promise<string> {
    const { redis, logger } = this.deps;
    const { groupId, seq } = job.data;
    const gk = this.k.group(groupId);
    const [[, logged], [, json], [, recordJson]] = (await redis
      .multi()
      .hget(gk.nlog, seq)
      .hget(gk.notifs, seq)
      .get(gk.delivery)
      .exec()) as [[null, string | null], [null, string | null], [null, string | null]];
    if (logged) return 'already delivered';
    const n = parse<Notification>(json);
    const receiver = n?.receiver ?? job.data.receiver;
    const notifier = this.deps.notifiers.get(receiver);
    if (!n || !notifier) {
      logger.error(
        { group: groupId, seq, receiver },
        n ? 'receiver is not configured; notification dropped' : 'notification is gone; nothing to deliver',
      );
      await this.complete(
        groupId,
        seq,
        { state: 'dropped', receiver, attempt: 0, at: new Date(this.now()).toISOString(), reason: n ? 'no such receiver' : 'missing' },
        '',
      );
      this.deps.onNotification?.(receiver, 'dropped', undefined, n ? 'no_receiver' : 'missing');
      await this.planFlush(groupId);
      return 'dropped';
    }
    const attempt = await redis.hincrby(gk.nlog, `${seq}:attempts`, 1);
    const previous = parse<DeliveryRecord>(recordJson);
    const log = logger.child({ receiver, group: n.groupKey, seq: n.seq, attempt });
    let record: DeliveryRecord | void;
    try {
      record = await this.sendOnce(notifier, n, previous, gk.nlog, seq, attempt, log);
    } catch (e) {
      const err = isNotifyError(e) ? e : new NotifyError(e instanceof Error ? e.message : String(e), { retryable: true, cause: e });
      // A refusal is an answer: nothing was delivered, the next attempt just sends.
      if (!err.outcomeUnknown) await redis.hdel(gk.nlog, inflightField(seq));
      if (!err.retryable || attempt >= this.retryPlan.attempts) {
        log.error(
          { err: { message: err.message, code: err.code } },
          err.retryable
            ? 'delivery kept failing for the whole retry window; notification dropped'
            : 'delivery failed and will not heal by retrying; notification dropped',
        );
        await this.complete(
          groupId,
          seq,
          { state: 'dropped', receiver, attempt, at: new Date(this.now()).toISOString(), reason: err.code ?? err.message },
          '',
        );
        this.deps.onNotification?.(receiver, 'dropped', n, err.retryable ? 'retry_window' : (err.code ?? 'refused'));
        await this.planFlush(groupId);
        return 'dropped';
      }
      this.deps.onNotification?.(receiver, 'failure', n);
      const delay = nextDelay(this.retryPlan, attempt, err.retryAfterMs);
      log.warn({ err: { message: err.message, code: err.code }, retryInMs: delay }, 'delivery failed; will retry');
      if (token) {
        await job.moveToDelayed(Date.now() + delay, token);
        throw new DelayedError();
      }
      throw err;
    }
    const keep = record === undefined ? '' : Object.values(record).some((v) => v !== undefined) ? JSON.stringify(record) : '-';
    await this.complete(
      groupId,
      seq,
      { state: 'sent', receiver, attempt, at: new Date(this.now()).toISOString() },
      n.status === 'resolved' && keep === '' ? '-' : keep,
    );
    this.deps.onNotification?.(receiver, 'success', n);
    log.debug('notification delivered');
    await this.planFlush(groupId);
    return 'sent';
  }

  /**
   * Send, unless an earlier attempt whose outcome is unknown (the process died mid-send, or the
   * request timed out after it left) is found at the receiver: then that delivery is adopted. Each
   * send is recorded as in flight first, so the next attempt knows to look.
   */
  private async sendOnce(
    notifier: Notifier,
    n: Notification,
    previous: DeliveryRecord | undefined,
    nlog: string,
    seq: string,
    attempt: number,
    log: Logger,
  ): Promise<DeliveryRecord | void> {
    const { redis } = this.deps;
    const field = inflightField(seq);
    const earlier = await redis.hget(nlog, field);
    if (earlier) {
      if (notifier.reconcile) {
        const found = await notifier.reconcile(n, previous);
        if (found.found) {
          log.info({ earlier: parse(earlier) }, 'an earlier attempt was delivered; adopted it instead of sending again');
          return found.record;
        }
        log.info({ earlier: parse(earlier) }, 'an earlier attempt was not delivered; sending');
      } else {
        log.info({ earlier: parse(earlier) }, 'an earlier attempt may have been delivered; sending again with the same idempotency key');
      }
    }
    await redis.hset(nlog, field, JSON.stringify({ attempt, at: new Date(this.now()).toISOString() }));
    return notifier.send(n, previous);
  }

  private async complete(groupId: string, seq: string, entry: DeliveryLogEntry, record: string): Promise<void> {
    const gk = this.k.group(groupId);
    await this.scripts.syncwatchDeliveryComplete(
      [gk.meta, gk.nlog, gk.delivery, gk.notifs],
      seq,
      JSON.stringify(entry),
      record,
      NLOG_TTL_SECONDS,
    );
  }

  /** No transition waits for a flush and no delivery is in flight, in any group (tests, shutdown checks). */
  async idle(): Promise<boolean> {
    const { redis } = this.deps;
    for (const gid of await redis.smembers(this.k.groups)) {
      const gk = this.k.group(gid);
      const [[, pending], [, inflight]] = (await redis.multi().llen(gk.pending).hget(gk.meta, 'inflight').exec()) as [
        [null, number],
        [null, string | null],
      ];
      if (pending > 0 || inflight) return false;
    }
    return true;
  }

  /** The notification log of a group: seq → entry (for tests and debugging). */
  async notificationLog(groupId: string): Promise<Record<string, DeliveryLogEntry>> {
    const raw = await this.deps.redis.hgetall(this.k.group(groupId).nlog);
    return Object.fromEntries(Object.entries(raw).flatMap(([k, v]) => (k.includes(':') ? [] : [[k, JSON.parse(v) as DeliveryLogEntry]])));
  }

  // ---- the notify queue's processor ---------------------------------------------------------

  async process(job: Job, token?: string): Promise<unknown> {
    if (job.name === 'flush') return this.flush(job as Job<FlushData>);
    if (job.name === 'deliver') return this.deliver(job as Job<DeliverData>, token);
    // A job from before alerting routed (one per transition, named by kind): take it in.
    if ((ALERT_KINDS as readonly string[]).includes(job.name) && typeof (job.data as AlertEvent)?.transitionId === 'string') {
      await this.ingest([job.data as AlertEvent]);
      return 'ingested';
    }
    throw new Error(`notify queue: unknown job "${job.name}"`);
  }
}
