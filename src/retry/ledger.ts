// Everything retry keeps in Redis, shared by every replica: the `retry` families of the key map
// (src/state/keys.ts: lock, ledger, budget, cooldown, disabled, exhausted, active, stats).
//
// Attempts are recorded atomically before a submission (the claim script), so neither a second
// replica nor a re-delivered job can send the same key again inside its backoff window.
import { randomBytes } from 'node:crypto';
import type { RedisClient as Redis } from '../state/redis.ts';
import type { Keyspace, RetryKeys } from '../state/keys.ts';
import { defineScripts } from '../state/scripts.ts';
import { parseJson } from '../json.ts';

/** The errors' own purge window is 30 days; the ledger outlives it. */
export const LEDGER_TTL_MS = 35 * 24 * 3600_000;
export const HOUR_MS = 3600_000;
export const MINUTE_MS = 60_000;
const STATS_TTL_MS = 2 * HOUR_MS;

/**
 * What happened to records, the `outcome` of syncwatch_retry_records_total and of /status:
 * - submitted: sent to the platform (an attempt spent)
 * - succeeded: gone from the open errors and resolved by the platform (our retry, or `auto`) after our submission
 * - failed: back under a new errorId
 * - resolved_by_user: gone because a person resolved it by hand (`resolvedBy` is another user)
 * - unverified: gone from the open errors but not among the resolved ones (purged or deleted)
 * - not_queued: a flow re-run the platform accepted without queueing a job (no `_jobId`); tried again next cycle
 * - skipped_platform_retry: not sent because the platform's own retry (`retryAt`) is still to come
 * - skipped_budget / skipped_disabled / dry_run: not sent (budget spent, flow disabled, dry run)
 */
export const OUTCOMES = [
  'submitted',
  'succeeded',
  'failed',
  'resolved_by_user',
  'unverified',
  'not_queued',
  'skipped_platform_retry',
  'skipped_budget',
  'skipped_disabled',
  'dry_run',
] as const;
export type RetryOutcomeName = (typeof OUTCOMES)[number];

/** One retried unit: a record (retryDataKey) or a rerun of a flow/sync. */
export interface LedgerEntry {
  /** Attempts so far. */
  n: number;
  /** Last attempt (ms). */
  last: number;
  /** Next attempt allowed from (ms). */
  next: number;
  /** pending: sent, result unknown; failed: came back with a new errorId; noop: the platform answered 204. */
  st: 'pending' | 'failed' | 'noop';
  /** The errorId (or, for reruns, the fingerprint of the errors / the run id) at submission. */
  eid: string;
  /** Policy and its maxAttempts at submission. */
  p: string;
  max: number;
  /** Records the unit stands for (1 for a key). */
  r: number;
  /** The claim (one per job run) that wrote the entry: a rollback only undoes its own claims. */
  c: string;
  /** The platform user that submitted it (the retry job's `_userId`): its resolutions are ours. */
  u?: string;
  /** A rerun's records at submission (traceKey, else errorId; at most MAX_UNIT_IDS), to look up how each was resolved. */
  ids?: string[];
}

/** The most records a rerun unit remembers. */
export const MAX_UNIT_IDS = 1000;

/** Backoff before attempt n+1, after attempt n (n ≥ 1): initial × factor^(n-1), capped at max. */
export function policyBackoffMs(n: number, backoff: { initial: number; factor: number; max: number }): number {
  return Math.min(Math.floor(backoff.initial * backoff.factor ** Math.max(0, n - 1)), backoff.max);
}

// KEYS: ledger, budget, active, the policy's backoff set. ARGV: now, budgetLimit, budgetTtlMs, ledgerTtlMs, policy,
// maxAttempts, initial, factor, max, claimId, activeMember, then (unit, eid, records, ids JSON or '')*.
// Answers one {status, previous} per unit: claimed | waiting | exhausted | budget.
const CLAIM = `
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local maxAttempts = tonumber(ARGV[6])
local initial, factor, cap = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
local out = {}
local claimed = false
for i = 12, #ARGV, 4 do
  local unit, eid, records, ids = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
  local raw = redis.call('HGET', KEYS[1], unit)
  local e = raw and cjson.decode(raw) or nil
  if e and e.n >= maxAttempts then
    out[#out + 1] = {'exhausted', ''}
  elseif e and e.next > now then
    out[#out + 1] = {'waiting', ''}
  elseif used + records > limit then
    out[#out + 1] = {'budget', ''}
  else
    used = used + records
    local n = (e and e.n or 0) + 1
    local delay = math.min(math.floor(initial * factor ^ (n - 1)), cap)
    local entry = {n = n, last = now, next = now + delay, st = 'pending', eid = eid,
      p = ARGV[5], max = maxAttempts, r = records, c = ARGV[10]}
    if ids ~= '' then entry.ids = cjson.decode(ids) end
    redis.call('HSET', KEYS[1], unit, cjson.encode(entry))
    redis.call('ZADD', KEYS[4], now + delay, ARGV[11] .. '|' .. unit)
    out[#out + 1] = {'claimed', raw or ''}
    claimed = true
  end
end
if claimed then
  redis.call('SET', KEYS[2], used, 'PX', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('SADD', KEYS[3], ARGV[11])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  redis.call('PEXPIRE', KEYS[4], ARGV[4])
end
return out
`;

// KEYS: ledger, budget. ARGV: claimId, records to refund, then (unit, previous JSON or '')*.
// Undoes this claim's entries (a 422: no attempt was made), and gives the budget back.
const ROLLBACK = `
for i = 3, #ARGV, 2 do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw and cjson.decode(raw).c == ARGV[1] then
    if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  end
end
local refund = tonumber(ARGV[2])
if refund > 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  local left = redis.call('DECRBY', KEYS[2], refund)
  if left < 0 then redis.call('SET', KEYS[2], 0, 'KEEPTTL') end
end
return 1
`;

// KEYS: ledger. ARGV: claimId, field, value, unit*. Sets a field of this claim's entries (st = noop
// after a 204; u = the submitting user).
const MARK = `
local n = 0
for i = 4, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw then
    local e = cjson.decode(raw)
    if e.c == ARGV[1] then
      e[ARGV[2]] = ARGV[3]
      redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(e))
      n = n + 1
    end
  end
end
return n
`;

// KEYS: ledger. ARGV: n, then (unit, current eid)* of the n units open now, then
// (unit, outcome, records)* verdicts on pending units that are gone (how the platform says they
// were resolved; outcome 'dropped' counts nothing).
// A pending unit gone from the open errors takes its verdicts; without one it stays (undecided).
// Still open under a new eid, it failed. Units gone after a failure or a no-op are dropped
// without an outcome (not our doing).
// Answers {outcomes: [policy, outcome, records]*, exhausted: [unit, policy]*, remaining}.
const RECONCILE = `
local n = tonumber(ARGV[1])
local open, verdicts = {}, {}
for i = 2, 2 * n, 2 do open[ARGV[i]] = ARGV[i + 1] end
for i = 2 * n + 2, #ARGV, 3 do
  local list = verdicts[ARGV[i]] or {}
  list[#list + 1] = {ARGV[i + 1], tonumber(ARGV[i + 2])}
  verdicts[ARGV[i]] = list
end
local all = redis.call('HGETALL', KEYS[1])
local outcomes, exhausted = {}, {}
local remaining = 0
for i = 1, #all, 2 do
  local unit, e = all[i], cjson.decode(all[i + 1])
  local cur = open[unit]
  if not cur then
    if e.st ~= 'pending' then
      redis.call('HDEL', KEYS[1], unit)
    elseif verdicts[unit] then
      redis.call('HDEL', KEYS[1], unit)
      for _, v in ipairs(verdicts[unit]) do
        if v[1] ~= 'dropped' then outcomes[#outcomes + 1] = {e.p, v[1], v[2]} end
      end
    else
      remaining = remaining + 1
    end
  else
    remaining = remaining + 1
    if e.st == 'pending' and cur ~= e.eid then
      e.st = 'failed'
      redis.call('HSET', KEYS[1], unit, cjson.encode(e))
      outcomes[#outcomes + 1] = {e.p, 'failed', e.r}
    end
    if e.st == 'failed' and e.n >= e.max then exhausted[#exhausted + 1] = {unit, e.p} end
  end
end
return {outcomes, exhausted, remaining}
`;

// KEYS: key. ARGV: now, until, ttlMs. Starts a period unless one is running at now.
const SET_UNTIL = `
local upto = tonumber(redis.call('GET', KEYS[1]) or '0')
if upto and upto > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

// KEYS: lock. ARGV: token.
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const RETRY_SCRIPTS = {
  syncwatchRetryClaim: CLAIM,
  syncwatchRetryRollback: ROLLBACK,
  syncwatchRetryMark: MARK,
  syncwatchRetryReconcile: RECONCILE,
  syncwatchSetUntil: SET_UNTIL,
  syncwatchRetryUnlock: UNLOCK,
};

export interface ClaimUnit {
  unit: string;
  eid: string;
  records: number;
  /** A rerun's records: traceKey, else errorId (kept to look up how each was resolved). */
  ids?: readonly string[];
}

/** How records of a pending unit that left the open errors were resolved; `dropped` counts nothing. */
export interface Verdict {
  outcome: Extract<RetryOutcomeName, 'succeeded' | 'resolved_by_user' | 'unverified'> | 'dropped';
  records: number;
}

export type ClaimStatus = 'claimed' | 'waiting' | 'exhausted' | 'budget';

export interface ClaimParams {
  resource: string;
  target: string;
  policy: string;
  maxAttempts: number;
  backoff: { initial: number; factor: number; max: number };
  budgetPerHour: number;
  now: number;
  claimId: string;
}

export interface ReconcileResult {
  outcomes: Array<{ policy: string; outcome: Exclude<Verdict['outcome'], 'dropped'> | 'failed'; records: number }>;
  exhausted: Array<{ unit: string; policy: string }>;
  remaining: number;
}

export class RetryLedger {
  readonly keys: RetryKeys;
  private readonly scripts;

  constructor(
    private readonly redis: Redis,
    keys: Pick<Keyspace, 'retry'>,
  ) {
    this.keys = keys.retry;
    this.scripts = defineScripts(redis, RETRY_SCRIPTS);
  }

  static newToken(): string {
    return randomBytes(12).toString('hex');
  }

  /** The lock of one step/sync: a token when taken, undefined when another job holds it. */
  async lock(resource: string, ttlMs: number): Promise<string | undefined> {
    const token = RetryLedger.newToken();
    const ok = await this.redis.set(this.keys.lock(resource), token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? token : undefined;
  }

  async unlock(resource: string, token: string): Promise<void> {
    await this.scripts.syncwatchRetryUnlock([this.keys.lock(resource)], token);
  }

  budgetKey(target: string, policy: string, now: number): string {
    return this.keys.budget(target, policy, Math.floor(now / HOUR_MS));
  }

  /** Records still allowed this hour (for dry runs, which only look). */
  async budgetLeft(target: string, policy: string, limit: number, now: number): Promise<number> {
    const used = Number((await this.redis.get(this.budgetKey(target, policy, now))) ?? 0);
    return Math.max(0, limit - used);
  }

  /** Atomically: eligible (attempts, backoff), within budget → attempt recorded. */
  async claim(params: ClaimParams, units: readonly ClaimUnit[]): Promise<Array<{ status: ClaimStatus; previous: string }>> {
    if (units.length === 0) return [];
    const { backoff } = params;
    const args: Array<string | number> = [
      params.now,
      params.budgetPerHour,
      2 * HOUR_MS,
      LEDGER_TTL_MS,
      params.policy,
      params.maxAttempts,
      backoff.initial,
      backoff.factor,
      backoff.max,
      params.claimId,
      params.resource,
    ];
    for (const u of units)
      args.push(u.unit, u.eid, u.records, u.ids && u.ids.length > 0 ? JSON.stringify(u.ids.slice(0, MAX_UNIT_IDS)) : '');
    const keys = [
      this.keys.ledger(params.resource),
      this.budgetKey(params.target, params.policy, params.now),
      this.keys.active(params.target),
      this.keys.backoff(params.policy),
    ];
    const raw = (await this.scripts.syncwatchRetryClaim(keys, ...args)) as Array<[string, string]>;
    return raw.map(([status, previous]) => ({ status: status as ClaimStatus, previous }));
  }

  async rollback(
    params: Pick<ClaimParams, 'resource' | 'target' | 'policy' | 'now' | 'claimId'>,
    claimed: ReadonlyArray<{ unit: string; previous: string; records: number }>,
  ): Promise<void> {
    if (claimed.length === 0) return;
    const refund = claimed.reduce((sum, c) => sum + c.records, 0);
    const args: string[] = [params.claimId, String(refund)];
    for (const c of claimed) args.push(c.unit, c.previous);
    await this.scripts.syncwatchRetryRollback(
      [this.keys.ledger(params.resource), this.budgetKey(params.target, params.policy, params.now)],
      ...args,
    );
    // Nothing was attempted: they are not in backoff (they were eligible, so due, before the claim).
    await this.redis.zrem(this.keys.backoff(params.policy), ...claimed.map((c) => `${params.resource}|${c.unit}`));
  }

  /** Sets `st` (e.g. noop after a 204) or `u` (the submitting user) on this claim's entries. */
  async mark(resource: string, claimId: string, field: 'st' | 'u', value: string, units: readonly string[]): Promise<void> {
    if (units.length === 0) return;
    await this.scripts.syncwatchRetryMark([this.keys.ledger(resource)], claimId, field, value, ...units);
  }

  /** `open`: every unit open now with its current eid; `verdicts`: how gone pending units were resolved. */
  async reconcile(
    resource: string,
    open: ReadonlyMap<string, string>,
    verdicts: ReadonlyMap<string, readonly Verdict[]> = new Map(),
  ): Promise<ReconcileResult> {
    const args: Array<string | number> = [open.size];
    for (const [unit, eid] of open) args.push(unit, eid);
    for (const [unit, list] of verdicts) for (const v of list) args.push(unit, v.outcome, v.records);
    const [outcomes, exhausted, remaining] = (await this.scripts.syncwatchRetryReconcile([this.keys.ledger(resource)], ...args)) as [
      Array<[string, string, number]>,
      Array<[string, string]>,
      number,
    ];
    return {
      outcomes: outcomes.map(([policy, outcome, records]) => ({
        policy,
        outcome: outcome as ReconcileResult['outcomes'][number]['outcome'],
        records: Number(records),
      })),
      exhausted: exhausted.map(([unit, policy]) => ({ unit, policy })),
      remaining: Number(remaining),
    };
  }

  async entries(resource: string): Promise<Map<string, LedgerEntry>> {
    const all = await this.redis.hgetall(this.keys.ledger(resource));
    return new Map(Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as LedgerEntry]));
  }

  /**
   * Start a cooldown (or a pause) until now + ttl, by the injected clock; true when this caller
   * started it, false while one is running. Redis' own TTL only collects the key afterwards.
   */
  async setOnce(key: string, ttlMs: number, now: number): Promise<boolean> {
    return (await this.scripts.syncwatchSetUntil([key], now, now + ttlMs, Math.max(1, ttlMs))) === 1;
  }

  /** A cooldown or pause set by setOnce is running at `now`. */
  async running(key: string, now: number): Promise<boolean> {
    const until = await this.redis.get(key);
    return until !== null && Number(until) > now;
  }

  async del(key: string): Promise<void> {
    await this.redis.del(key);
  }

  /** A RetryExhausted episode: started once (NX), ended once (the DEL that removed it). */
  async startExhausted(resource: string, state: { since: string; transitionId: string }): Promise<boolean> {
    return (await this.redis.set(this.keys.exhausted(resource), JSON.stringify(state), 'PX', LEDGER_TTL_MS, 'NX')) === 'OK';
  }

  async exhaustedState(resource: string): Promise<{ since: string; transitionId: string } | undefined> {
    const raw = await this.redis.get(this.keys.exhausted(resource));
    return raw ? (JSON.parse(raw) as { since: string; transitionId: string }) : undefined;
  }

  async endExhausted(resource: string): Promise<boolean> {
    return (await this.redis.del(this.keys.exhausted(resource))) === 1;
  }

  async activeResources(target: string): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.keys.active(target)));
  }

  /** Forget a resource that has nothing left to reconcile and no alert firing. */
  async settleActive(target: string, resource: string): Promise<void> {
    const [len, firing] = await Promise.all([
      this.redis.hlen(this.keys.ledger(resource)),
      this.redis.exists(this.keys.exhausted(resource)),
    ]);
    if (len === 0 && firing === 0) await this.redis.srem(this.keys.active(target), resource);
    else await this.redis.sadd(this.keys.active(target), resource);
  }

  async count(target: string, policy: string, outcome: RetryOutcomeName, records: number, now: number): Promise<void> {
    if (records <= 0) return;
    const key = this.keys.stats(Math.floor(now / MINUTE_MS));
    await this.redis.multi().hincrby(key, `${policy}|${target}|${outcome}`, records).pexpire(key, STATS_TTL_MS).exec();
  }

  /** A batch the platform took (or answered 204 to): kept in the policy's capped list of latest batches. */
  async recordBatch(policy: string, batch: RetryBatch): Promise<void> {
    const key = this.keys.batches(policy);
    await this.redis
      .multi()
      .lpush(key, JSON.stringify(batch))
      .ltrim(key, 0, BATCHES_KEPT - 1)
      .pexpire(key, LEDGER_TTL_MS)
      .exec();
  }

  /** A policy's latest batches (newest first) and the units in backoff at `now` (soonest due first, at most `limit`). */
  async activity(policy: string, now: number, limit = BACKOFF_SHOWN): Promise<RetryActivity> {
    const [batches, due, count] =
      (await this.redis
        .pipeline()
        .lrange(this.keys.batches(policy), 0, BATCHES_KEPT - 1)
        .zrangebyscore(this.keys.backoff(policy), `(${now}`, '+inf', 'WITHSCORES', 'LIMIT', 0, limit)
        .zcount(this.keys.backoff(policy), `(${now}`, '+inf')
        .exec()) ?? [];
    const units: RetryActivity['backoff']['units'] = [];
    const flat = (due?.[1] as string[] | undefined) ?? [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const member = flat[i]!;
      const bar = member.indexOf('|');
      units.push({ resource: member.slice(0, bar), unit: member.slice(bar + 1), next: new Date(Number(flat[i + 1])).toISOString() });
    }
    return {
      latestBatches: ((batches?.[1] as string[] | undefined) ?? []).flatMap((b) => parseJson<RetryBatch>(b) ?? []),
      backoff: { count: Number(count?.[1] ?? 0), units },
    };
  }

  /** Records per policy, target and outcome over the 60 minutes up to `now`. */
  async lastHour(now: number): Promise<Map<string, Map<string, Record<RetryOutcomeName, number>>>> {
    const minute = Math.floor(now / MINUTE_MS);
    const pipeline = this.redis.pipeline();
    for (let m = minute - 59; m <= minute; m++) pipeline.hgetall(this.keys.stats(m));
    const results = (await pipeline.exec()) ?? [];
    const byPolicy = new Map<string, Map<string, Record<RetryOutcomeName, number>>>();
    for (const [err, value] of results) {
      if (err || !value) continue;
      for (const [field, n] of Object.entries(value as Record<string, string>)) {
        const [policy, target, outcome] = field.split('|') as [string, string, RetryOutcomeName];
        let byTarget = byPolicy.get(policy);
        if (!byTarget) byPolicy.set(policy, (byTarget = new Map()));
        let counts = byTarget.get(target);
        if (!counts) byTarget.set(target, (counts = emptyCounts()));
        if (outcome in counts) counts[outcome] += Number(n);
      }
    }
    return byPolicy;
  }
}

/** The latest batches kept per policy, and the units in backoff shown. */
export const BATCHES_KEPT = 10;
export const BACKOFF_SHOWN = 20;

export interface RetryBatch {
  at: string;
  target: string;
  /** The step (records), flow or sync it was for. */
  resource: string;
  what: 'records' | 'flow re-run' | 'sync re-run';
  records: number;
  outcome: 'queued' | 'no-op';
  /** The platform's job (or run group) id, when it gave one. */
  job?: string;
}

export interface RetryActivity {
  latestBatches: RetryBatch[];
  /** How many units are in backoff, and the first few (soonest due first). */
  backoff: { count: number; units: Array<{ resource: string; unit: string; next: string }> };
}

export function emptyCounts(): Record<RetryOutcomeName, number> {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<RetryOutcomeName, number>;
}
