// Snapshots and alert state in Redis. Reads are one HMGET per chunk; writes touch only what
// changed, in one pipelined MULTI, so a steady cycle writes next to nothing.
import type { RedisClient as Redis } from './redis.ts';
import type { AlertEvent } from '../alert/model.ts';
import type { Snapshots } from './diff.ts';
import type { Keyspace } from './keys.ts';
import type { ResourceSnapshot, RunSnapshot, StepSnapshot, TargetSnapshot } from './snapshot.ts';
import type { UnreadableSnapshot } from './unreadable.ts';
// A corrupt entry reads as never seen (parseJson → undefined): the next poll rewrites it.
import { parseJson } from '../json.ts';
import type { RateLimiter } from '../http/types.ts';
import { RedisTokenBucket } from './rate-limit.ts';
import { defineScripts } from './scripts.ts';
import { FEED_MAXLEN, GONE, viewChanges } from './metrics-view.ts';

/** What change-driven polling remembers of a readable unit's last successful fetch. */
export interface FetchedUnit {
  unit: string;
  /** When (ms). */
  fetchedAt: number;
  /** Whether it had open errors then: it is fetched every cycle until they are gone. */
  open: boolean;
  /** Its change marker as listed then (Celigo: `lastExecutedAt`). */
  version?: string;
}

const encodeFetched = (u: FetchedUnit) => `${u.fetchedAt}|${u.open ? 1 : 0}|${u.version ?? ''}`;
function decodeFetched(unit: string, value: string): FetchedUnit | undefined {
  const [at, open, ...version] = value.split('|');
  const fetchedAt = Number(at);
  if (!Number.isFinite(fetchedAt)) return undefined;
  const v = version.join('|');
  return { unit, fetchedAt, open: open === '1', ...(v !== '' ? { version: v } : {}) };
}

/** A firing alert of a resource about to be forgotten, with the episode its resolution is named by. */
export type RetiringAlert = AlertEvent & { episode: string };

export class StateStore {
  private readonly scripts;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {
    this.scripts = defineScripts(redis, STORE_SCRIPTS);
  }

  /** The target's request rate, shared with every replica through Redis (undefined: kept in process). */
  rateLimiter(target: string, requestsPerSecond: number): RateLimiter | undefined {
    return new RedisTokenBucket(this.redis, this.keys.bucket(target), requestsPerSecond);
  }

  /** The snapshots of the given resources of one target, with the raw JSON kept for change detection. */
  async loadSnapshots(
    target: string,
    runKeys: readonly string[],
    stepKeys: readonly string[],
  ): Promise<{ snapshots: Snapshots; raw: Map<string, string> }> {
    const all = [...runKeys, ...stepKeys];
    const raw = new Map<string, string>();
    const snapshots: Snapshots = { runs: {}, steps: {} };
    if (all.length === 0) return { snapshots, raw };
    const values = await this.redis.hmget(this.keys.snapshots(target), ...all);
    all.forEach((key, i) => {
      const value = values[i];
      if (!value) return;
      raw.set(key, value);
      const snap = parseJson<ResourceSnapshot>(value);
      if (snap?.type === 'run') snapshots.runs[key] = snap as RunSnapshot;
      else if (snap?.type === 'step') snapshots.steps[key] = snap as StepSnapshot;
    });
    return { snapshots, raw };
  }

  /** The unreadable-streak records of the given units (absent: read fine last time). */
  async loadUnreadable(target: string, keys: readonly string[]): Promise<Record<string, UnreadableSnapshot | undefined>> {
    const out: Record<string, UnreadableSnapshot | undefined> = {};
    if (keys.length === 0) return out;
    const values = await this.redis.hmget(this.keys.snapshots(target), ...keys);
    keys.forEach((key, i) => {
      const snap = parseJson<UnreadableSnapshot>(values[i]);
      if (snap?.type === 'unreadable') out[key] = snap;
    });
    return out;
  }

  /** Write the unreadable-streak records that changed; `null` removes one (the unit was read). */
  async saveUnreadable(target: string, next: Readonly<Record<string, UnreadableSnapshot | null>>): Promise<void> {
    const entries = Object.entries(next);
    if (entries.length === 0) return;
    const set = entries.flatMap(([key, snap]) => (snap ? [key, JSON.stringify(snap)] : []));
    const gone = entries.flatMap(([key, snap]) => (snap ? [] : [key]));
    const multi = this.redis.multi();
    if (set.length > 0) multi.hset(this.keys.snapshots(target), ...set);
    if (gone.length > 0) multi.hdel(this.keys.snapshots(target), ...gone);
    await multi.exec();
  }

  async loadTarget(target: string): Promise<TargetSnapshot | undefined> {
    return parseJson<TargetSnapshot>(await this.redis.get(this.keys.target(target)));
  }

  /**
   * Save what changed, atomically. Returns how many snapshot fields were written. Firing alerts are
   * not indexed here: alerting's ingest keeps the one index (`keys.alerting.firing`).
   */
  async save(target: string, next: Snapshots, raw: Map<string, string>, targetSnapshot?: TargetSnapshot): Promise<number> {
    const changed: string[] = [];
    const written: Array<[string, ResourceSnapshot]> = [];
    for (const [key, snap] of [...Object.entries(next.runs), ...Object.entries(next.steps)]) {
      if (!snap) continue;
      const json = JSON.stringify(snap);
      if (raw.get(key) === json) continue;
      changed.push(key, json);
      written.push([key, snap]);
    }
    if (changed.length === 0 && !targetSnapshot) return 0;
    const multi = this.redis.multi();
    if (changed.length > 0) multi.hset(this.keys.snapshots(target), ...changed);
    this.feed(multi, target, viewChanges(written, raw));
    if (targetSnapshot) multi.set(this.keys.target(target), JSON.stringify(targetSnapshot));
    await multi.exec();
    return changed.length / 2;
  }

  /**
   * Claim the target for one poll cycle. A cycle that starts while the previous one is unfinished
   * would diff an older observation on top of newer state, so it is refused; the claim expires
   * after 0.9–1 × `ttlMs` without progress (chunks renew it), so a dead cycle blocks nothing
   * for long. Re-claiming the same cycle (a re-processed plan job) succeeds.
   *
   * With an `owner` (a daemon process with a heartbeat, see src/state/owner.ts) the claim names the
   * process working on the cycle; a claim whose owner's heartbeat is gone (killed) is taken over at
   * once instead of after the TTL: `replaced` says which cycle was abandoned.
   */
  async beginCycle(
    target: string,
    cycle: string,
    ttlMs: number,
    owner?: string,
  ): Promise<{ started: boolean; running?: string; replaced?: { cycle: string; owner: string } }> {
    const inflight = this.keys.inflight(target);
    const holder = await this.redis.get(inflight);
    const holderOwner = holder ? claimOf(holder).owner : undefined;
    const [outcome, running] = (await this.scripts.syncwatchBeginCycle(
      [inflight, this.keys.owner(holderOwner ?? '-')],
      cycle,
      String(ttlMs),
      claimValue(cycle, owner),
      holderOwner ? holder! : '',
    )) as [string, string | null];
    if (outcome === 'started') return { started: true };
    const claim = claimOf(running ?? '');
    if (outcome === 'taken') return { started: true, replaced: { cycle: claim.cycle, owner: claim.owner ?? '' } };
    return { started: false, running: claim.cycle };
  }

  /**
   * A chunk of `cycle` starts: when the cycle still holds the claim, the claim now names this
   * owner (the process whose death would leave the cycle unfinished) and is renewed (written only
   * when it named another owner, or a tenth of its TTL has passed); false when the cycle no longer
   * holds it (completed, expired, or taken over): the chunk is stale.
   */
  async touchCycle(target: string, cycle: string, ttlMs: number, owner?: string): Promise<boolean> {
    return (await this.scripts.syncwatchTouchCycle([this.keys.inflight(target)], cycle, claimValue(cycle, owner), String(ttlMs))) === 1;
  }

  /** Release the target's claim, if this cycle still holds it. */
  async endCycle(target: string, cycle: string): Promise<void> {
    await this.scripts.syncwatchEndCycle([this.keys.inflight(target)], cycle);
  }

  /** Every resource key with a snapshot under this target. */
  async snapshotKeys(target: string): Promise<string[]> {
    return this.redis.hkeys(this.keys.snapshots(target));
  }

  /**
   * The integration each run snapshot names (what owns a Celigo sync in a poll's scope). A snapshot
   * written before snapshots named it falls back to the `integration` label of its firing alerts,
   * so an alert left open by an older version still resolves when its integration leaves.
   */
  async integrationsOf(target: string, resourceKeys: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (resourceKeys.length === 0) return out;
    const snaps = await this.redis.hmget(this.keys.snapshots(target), ...resourceKeys);
    const unnamed: Array<{ key: string; fingerprint: string }> = [];
    resourceKeys.forEach((key, i) => {
      const snap = parseJson<ResourceSnapshot>(snaps[i]);
      if (snap?.type !== 'run') return;
      if (snap.integrationId) out.set(key, snap.integrationId);
      else for (const kind of Object.keys(snap.firing)) unnamed.push({ key, fingerprint: `${kind}:${key}` });
    });
    if (unnamed.length === 0) return out;
    const records = await this.redis.hmget(this.keys.alerting.firing, ...unnamed.map((u) => u.fingerprint));
    unnamed.forEach(({ key }, i) => {
      const integration = parseJson<AlertEvent>(records[i])?.labels.integration;
      if (integration && !out.has(key)) out.set(key, integration);
    });
    return out;
  }

  /**
   * The firing alerts of resources about to be forgotten — every kind, whoever raised it (a poll's
   * diff or the retrier) — read from alerting's index, each with the episode its resolution is
   * named by: the snapshot's for a kind the diff tracks, else the alert's `startsAt` (RetryExhausted
   * and ResourceUnreadable name their episode by when it began), so a later resolve of the same
   * episode carries the same transition id and alerting takes it once.
   */
  async firingOf(target: string, resourceKeys: readonly string[]): Promise<RetiringAlert[]> {
    if (resourceKeys.length === 0) return [];
    const retired = new Set(resourceKeys);
    const alerts = (await this.redis.hvals(this.keys.alerting.firing)).flatMap((v) => {
      const event = parseJson<AlertEvent>(v);
      return event?.labels.target === target && retired.has(event.labels.resource) ? [event] : [];
    });
    if (alerts.length === 0) return [];
    const resources = [...new Set(alerts.map((a) => a.labels.resource))];
    const values = await this.redis.hmget(this.keys.snapshots(target), ...resources);
    const snaps = new Map(resources.map((r, i) => [r, values[i]]));
    return alerts.map((a) => {
      const snap = parseJson<{ firing?: Record<string, { episode: string } | undefined> }>(snaps.get(a.labels.resource));
      return { ...a, episode: snap?.firing?.[a.labels.kind]?.episode ?? a.startsAt };
    });
  }

  /** Every unit's last successful fetch (one HGETALL per plan). A corrupt entry reads as never fetched. */
  async loadFetched(target: string): Promise<Map<string, FetchedUnit>> {
    const all = await this.redis.hgetall(this.keys.fetched(target));
    const out = new Map<string, FetchedUnit>();
    for (const [unit, value] of Object.entries(all)) {
      const entry = decodeFetched(unit, value);
      if (entry) out.set(unit, entry);
    }
    return out;
  }

  /** Remember the units a chunk fetched and saved: one HSET. */
  async saveFetched(target: string, units: readonly FetchedUnit[]): Promise<void> {
    if (units.length === 0) return;
    await this.redis.hset(this.keys.fetched(target), Object.fromEntries(units.map((u) => [u.unit, encodeFetched(u)])));
  }

  /** Forget what is remembered of units no longer in scope. */
  async pruneFetched(target: string, inScope: (unit: string) => boolean): Promise<void> {
    const gone = (await this.redis.hkeys(this.keys.fetched(target))).filter((u) => !inScope(u));
    if (gone.length > 0) await this.redis.hdel(this.keys.fetched(target), ...gone);
  }

  /** The firing alerts of a target (alerting's index). */
  async firingAlerts(target: string): Promise<AlertEvent[]> {
    return (await this.redis.hvals(this.keys.alerting.firing)).flatMap((v) => {
      const event = parseJson<AlertEvent>(v);
      return event?.labels.target === target ? [event] : [];
    });
  }

  /** Forget resources (their snapshots) and remember the scope digest. Their alerts resolve through alerting. */
  async forget(target: string, resourceKeys: readonly string[], scopeHash: string): Promise<void> {
    if (resourceKeys.length > 0) {
      const multi = this.redis.multi().hdel(this.keys.snapshots(target), ...resourceKeys);
      this.feed(
        multi,
        target,
        resourceKeys.flatMap((key) => [key, GONE]),
      );
      await multi.exec();
    }
    const current = await this.loadTarget(target);
    const next: TargetSnapshot = current ? { ...current, scopeHash } : { type: 'target', failures: 0, scopeHash, firing: {} };
    await this.redis.set(this.keys.target(target), JSON.stringify(next));
  }

  /** Append a save's changes of the metrics view (`[key, value, …]`) to the target's feed, in the save's MULTI. */
  private feed(multi: ReturnType<Redis['multi']>, target: string, changes: readonly string[]): void {
    if (changes.length > 0) multi.xadd(this.keys.metricsFeed(target), 'MAXLEN', '~', String(FEED_MAXLEN), '*', ...changes);
  }

  /**
   * Record that one chunk of a poll cycle finished (ok or failed). Exactly one caller — the one
   * whose chunk completed the set — gets `complete: true`, however often a chunk is re-processed.
   */
  async finishChunk(
    target: string,
    cycle: string,
    chunk: number,
    total: number,
    ok: boolean,
    failure?: { kind: string; message: string },
    extras?: ChunkExtras,
    claimTtlMs?: number,
  ): Promise<{ complete: boolean; failed: number; firstFailure?: { kind: string; message: string }; extras: ChunkExtras[] }> {
    const result = (await this.scripts.syncwatchFinishChunk(
      [this.keys.cycleChunks(target, cycle), this.keys.inflight(target)],
      String(chunk),
      String(total),
      ok ? '1' : '0',
      failure ? JSON.stringify(failure) : '',
      '86400',
      extras ? JSON.stringify(extras) : '',
      claimTtlMs === undefined ? '' : String(claimTtlMs),
      cycle,
    )) as [number, number, string | null, string[]];
    const [complete, failed, firstFailure, allExtras] = result;
    const parsed = parseJson<{ kind: string; message: string }>(firstFailure);
    return {
      complete: complete === 1,
      failed,
      ...(parsed ? { firstFailure: parsed } : {}),
      extras: (allExtras ?? []).flatMap((e) => parseJson<ChunkExtras>(e) ?? []),
    };
  }
}

/** The claim's value: the cycle, and the owner working on it when there is one. */
const claimValue = (cycle: string, owner: string | undefined) => (owner ? `${cycle}|${owner}` : cycle);
function claimOf(value: string): { cycle: string; owner?: string } {
  const bar = value.indexOf('|');
  return bar < 0 ? { cycle: value } : { cycle: value.slice(0, bar), owner: value.slice(bar + 1) };
}

// The cycle part of a claim value (`cycle` or `cycle|owner`).
const CLAIM_CYCLE = `local function cycleOf(v) if not v then return nil end return string.match(v, '^([^|]*)') end`;

// Progress renews the claim to its full TTL once a tenth of it has passed (not at every chunk): the
// claim outlives the last progress by 0.9–1 × its TTL, and a cycle of many quick chunks renews it
// about ten times per TTL instead of twice per chunk.
const RENEW = `local function renew(key, ttl)
  local t = tonumber(ttl)
  if redis.call('PTTL', key) < t - math.floor(t / 10) then redis.call('PEXPIRE', key, t) end
end`;

// KEYS: inflight, the holder's owner heartbeat. ARGV: cycle, ttl ms, claim value, the holder's value
// as read before ('' when it has no owner). Returns {'started'} when the cycle holds the claim,
// {'taken', old value} when a claim whose owner is dead was taken over, else {'running', value}.
const BEGIN_CYCLE = `${CLAIM_CYCLE}
local running = redis.call('GET', KEYS[1])
if running and cycleOf(running) ~= ARGV[1] then
  if ARGV[4] ~= '' and running == ARGV[4] and redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
    return { 'taken', running }
  end
  return { 'running', running }
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
return { 'started', false }
`;

// KEYS: inflight. ARGV: cycle, claim value, ttl ms. 1 when the cycle holds the claim (now naming this
// owner, renewed): a claim that names this owner already and is fresh is left alone, so the chunks of a
// cycle running in one process write nothing here.
const TOUCH_CYCLE = `${CLAIM_CYCLE}
${RENEW}
local running = redis.call('GET', KEYS[1])
if cycleOf(running) ~= ARGV[1] then return 0 end
if running ~= ARGV[2] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) else renew(KEYS[1], ARGV[3]) end
return 1
`;

// KEYS: inflight. ARGV: cycle.
const END_CYCLE = `${CLAIM_CYCLE}
if cycleOf(redis.call('GET', KEYS[1])) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/** What a chunk learnt beyond its snapshots, settled when the whole cycle is complete. */
export interface ChunkExtras {
  problems?: Array<{ resource: string; code?: string; message: string }>;
  pollSince?: string;
  /** Readable units the chunk asked for, and those it could not read. */
  attempted?: number;
  unreadable?: Array<{ resource: string; name: string; kind: string; message: string }>;
  /** Requests the chunk made (the first also its plan's), resources (runs, steps) it observed. */
  requests?: number;
  resources?: number;
}

// KEYS: the cycle's chunks hash, inflight. ARGV: chunk, total, ok, failure JSON, ttl seconds, extras JSON,
// claim ttl ms, cycle. Returns complete (1 only to the caller that completed the set), failed count,
// first failure, every chunk's extras (when complete).
// One hash per cycle: `c:<chunk>` → '1' (ok) or '0' (failed, ever) followed by the chunk's extras JSON;
// `total`; on a failure `failed` (chunks that failed) and `firstFailure`. A chunk is one HSET (the
// hash's EXPIRE only when it is created, the claim's renewal now and then).
const FINISH_CHUNK = `${CLAIM_CYCLE}
${RENEW}
local field = 'c:' .. ARGV[1]
local fresh = redis.call('EXISTS', KEYS[1]) == 0
local old = redis.call('HGET', KEYS[1], field)
local failedBefore = old and string.sub(old, 1, 1) == '0'
local failed = tonumber(redis.call('HGET', KEYS[1], 'failed') or '0')
local extras = ARGV[6]
if extras == '' and old then extras = string.sub(old, 2) end
local set = { field, ((ARGV[3] == '0' or failedBefore) and '0' or '1') .. extras, 'total', ARGV[2] }
if ARGV[3] == '0' and not failedBefore then
  failed = failed + 1
  set[#set + 1] = 'failed'
  set[#set + 1] = tostring(failed)
  if redis.call('HEXISTS', KEYS[1], 'firstFailure') == 0 then
    set[#set + 1] = 'firstFailure'
    set[#set + 1] = ARGV[4]
  end
end
redis.call('HSET', KEYS[1], unpack(set))
if fresh then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
if ARGV[7] ~= '' and cycleOf(redis.call('GET', KEYS[2])) == ARGV[8] then renew(KEYS[2], ARGV[7]) end
local done = redis.call('HLEN', KEYS[1]) - 1
if failed > 0 then done = done - 2 end
local complete = 0
if not old and done == tonumber(ARGV[2]) then complete = 1 end
local all = {}
if complete == 1 then
  local fields = redis.call('HGETALL', KEYS[1])
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 2) == 'c:' and #fields[i + 1] > 1 then all[#all + 1] = string.sub(fields[i + 1], 2) end
  end
end
return { complete, failed, redis.call('HGET', KEYS[1], 'firstFailure'), all }
`;

const STORE_SCRIPTS = {
  syncwatchBeginCycle: BEGIN_CYCLE,
  syncwatchTouchCycle: TOUCH_CYCLE,
  syncwatchEndCycle: END_CYCLE,
  syncwatchFinishChunk: FINISH_CHUNK,
};
