// The one Redis key map of a deployment: every key syncwatch writes is named here, nowhere else.
// Every key lives under one hash-tagged prefix (`{syncwatch}:…`), so it sits on one Redis Cluster
// slot and multi-key scripts stay legal. BullMQ queues use the same prefix (their keys are BullMQ's
// own: `{p}:<queue name>:…`, the queue names in src/queues.ts; the `retry` queue shares `{p}:retry:`
// with retry's families below, which never clash: BullMQ job ids hold no ':').
//
// Changing a key NAME strands the data of every existing deployment: add families, never rename.
//
// state (src/state/store.ts)
//   snap:<target>                    hash: resource key → JSON ResourceSnapshot
//   target:<target>                  string: JSON TargetSnapshot
//   mfeed:<target>                   stream (capped): changes of the metrics view of snap:<target>, one
//                                    entry per save (resource key → compact value, '-' when forgotten);
//                                    every replica's /metrics view follows it (src/metrics/view.ts)
//   fetched:<target>                 hash: readable unit → `fetchedAt|open|version` of its last successful
//                                    fetch (change-driven polling: src/providers/select.ts)
// cycle bookkeeping (src/state/store.ts)
//   cycle:<target>:<cycle>:chunks    hash: the chunks of one poll cycle that are done (one field each,
//                                    with what each learnt), the chunk count, the failures
//                                    (the former `cycle:<target>:<cycle>[:done|:failed]` hash + sets
//                                    are no longer written; they expire a day after their cycle)
//   inflight:<target>                string: `cycle` or `cycle|owner` of the running cycle
// processes (src/state/owner.ts)
//   owner:<id>                       string with a short TTL: the heartbeat of a live daemon
// rate limit (src/state/rate-limit.ts)
//   bucket:<target>                  hash: token bucket shared by every replica polling a target
// console (src/console/)
//   alerts:history                   stream (capped): alert transitions, the console's history (the
//                                    transitions appended by alerting's ingest script, as it takes each
//                                    in once; the deliveries and their outcomes by the console)
//   alerts:history:seen:<transition> string with a TTL: that transition is in the history already
//                                    (no longer written: ingest's alerting:tx mark is the history's
//                                    dedupe too; they expire within 7 days of an upgrade)
//   console:secret                   string: signs the console's sessions and CSRF tokens
// demo (src/state/redis.ts)
//   demo                             string: marks the prefix as the demo's own (only such is wiped)
// alerting (src/alerting/)
//   alerting:tx:<sha1(transition)>   string with a TTL: this transition was ingested (taken once)
//   alerting:firing                  hash: fingerprint → JSON AlertEvent of every firing alert (the one
//                                    index: /status, inhibition, metrics and retirement read it)
//   alerting:firingCounts            hash: `kind|severity` → how many alerts firing, left by versions
//                                    that kept it (no longer written or read; deleted at start)
//   alerting:groups                  set of every group id
//   alerting:gtarget:<target>        set of the group ids holding alerts of a target
//   alerting:g:<group>:<part>        one group: meta (hash), alerts (hash), notified (hash),
//                                    pending (list), flushes, notifs, nlog (the notification log),
//                                    delivery (each receiver's opaque receipt)
//   alerting:silences                hash: silence id → JSON Silence made at run time
//   alerting:ack:<fingerprint>       string with a TTL: JSON {by, at, episode} — the alert's episode was
//                                    acknowledged (Slack's Acknowledge): no reminders for it
// slack interactivity (src/interact/)
//   slack:seen:<sha1(signature)>     string with a TTL: this signed click was taken (a replay is refused)
// retry (src/retry/ledger.ts)
//   retry:lock:<resource>            string: one job per step/sync at a time (SET NX PX, token release)
//   retry:ledger:<resource>          hash: unit (retryDataKey, or `~rerun_flow:<policy>` /
//                                    `~rerun_sync:<policy>`) → JSON LedgerEntry; TTL 35 days
//   retry:budget:<target>:<policy>:<hour>  counter of records sent in that clock hour
//   retry:cooldown:<target>:<flow|sync>:<id>  rerun cooldown (SET NX PX)
//   retry:disabled:<target>:<flowId> a 422 inactive_flow seen: no retry until it expires
//   retry:exhausted:<resource>       JSON {since, transitionId} of a firing RetryExhausted
//   retry:active:<target>            set of resources with ledger entries or a firing alert
//   retry:stats:<minute>             hash `<policy>|<target>|<outcome>` → records (for /status)
//   retry:backoff:<policy>           sorted set: `resource|unit` by its next allowed attempt (the console)
//   retry:batches:<policy>           list (capped): the latest batches submitted, newest first
import { createHash } from 'node:crypto';

export function hashTagged(prefix: string): string {
  return prefix.startsWith('{') && prefix.endsWith('}') ? prefix : `{${prefix}}`;
}

/** Stands for "any value" when the key families are listed (see `keyFamilies`). */
const ANY = '\u0000';
/** A transition id as it appears in its key: hashed, so any id makes a short, safe key. */
const digest = (id: string) => (id === ANY ? ANY : createHash('sha1').update(id).digest('hex'));

export function keyspace(prefix: string) {
  const p = hashTagged(prefix);
  const a = `${p}:alerting`;
  const r = `${p}:retry`;
  return {
    prefix: p,
    /** SCAN pattern matching every key of the deployment. */
    everything: `${p}:*`,
    snapshots: (target: string) => `${p}:snap:${target}`,
    target: (target: string) => `${p}:target:${target}`,
    /** stream (capped): changes of the metrics view of a target's snapshots (src/state/metrics-view.ts) */
    metricsFeed: (target: string) => `${p}:mfeed:${target}`,
    /** hash: readable unit → its last successful fetch (`fetchedAt|open|version`), for change-driven polling */
    fetched: (target: string) => `${p}:fetched:${target}`,
    /** hash: which chunks of one poll cycle are done (`c:<index>` → ok flag + extras JSON), `total`, failures */
    cycleChunks: (target: string, cycle: string) => `${p}:cycle:${target}:${cycle}:chunks`,
    inflight: (target: string) => `${p}:inflight:${target}`,
    owner: (id: string) => `${p}:owner:${id}`,
    bucket: (target: string) => `${p}:bucket:${target}`,
    /** stream (capped): alert transitions for the console's history, the same on every replica */
    alertHistory: `${p}:alerts:history`,
    /** string (expiring): a transition already in the history (by transition id); no longer written, left to expire */
    alertHistorySeen: (transitionId: string) => `${p}:alerts:history:seen:${transitionId}`,
    /** string: the secret the console's sessions and CSRF tokens are signed with */
    consoleSecret: `${p}:console:secret`,
    demo: `${p}:demo`,
    alerting: {
      tx: (transitionId: string) => `${a}:tx:${digest(transitionId)}`,
      firing: `${a}:firing`,
      /** hash: `kind|severity` → alerts firing, kept with the index by ingest (`~built`: complete) */
      firingCounts: `${a}:firingCounts`,
      groups: `${a}:groups`,
      targetGroups: (target: string) => `${a}:gtarget:${target}`,
      group: (gid: string) => {
        const g = `${a}:g:${gid}`;
        return {
          meta: `${g}:meta`,
          alerts: `${g}:alerts`,
          notified: `${g}:notified`,
          pending: `${g}:pending`,
          flushes: `${g}:flushes`,
          notifs: `${g}:notifs`,
          nlog: `${g}:nlog`,
          delivery: `${g}:delivery`,
        };
      },
      silences: `${a}:silences`,
      /** string (expiring): an alert's episode was acknowledged (by fingerprint) */
      ack: (fingerprint: string) => `${a}:ack:${fingerprint}`,
    },
    slack: {
      /** string (expiring): a signed Slack request already taken (by its signature's digest) */
      seen: (signature: string) => `${p}:slack:seen:${digest(signature)}`,
    },
    retry: {
      lock: (resource: string) => `${r}:lock:${resource}`,
      ledger: (resource: string) => `${r}:ledger:${resource}`,
      budget: (target: string, policy: string, hour: number) => `${r}:budget:${target}:${policy}:${hour}`,
      cooldown: (target: string, kind: 'flow' | 'sync', id: string) => `${r}:cooldown:${target}:${kind}:${id}`,
      disabled: (target: string, flowId: string) => `${r}:disabled:${target}:${flowId}`,
      exhausted: (resource: string) => `${r}:exhausted:${resource}`,
      active: (target: string) => `${r}:active:${target}`,
      stats: (minute: number) => `${r}:stats:${minute}`,
      /** Per policy: `resource|unit` scored by its next allowed attempt (what is in backoff). */
      backoff: (policy: string) => `${r}:backoff:${policy}`,
      /** Per policy: the latest batches submitted, newest first (a capped list). */
      batches: (policy: string) => `${r}:batches:${policy}`,
    },
  };
}

export type Keyspace = ReturnType<typeof keyspace>;
export type RetryKeys = Keyspace['retry'];

export interface KeyFamily {
  /** Where the family sits in the key map, e.g. `alerting.group.meta`. */
  name: string;
  pattern: RegExp;
}

/**
 * Every key family of the map, each as a pattern matching its keys (derived from `keyspace`
 * itself, so the list cannot drift from it). `extra` names families kept by others under the same
 * prefix (BullMQ's queues).
 */
export function keyFamilies(prefix: string, extra: readonly string[] = []): KeyFamily[] {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const toPattern = (key: string) => new RegExp(`^${key.split(ANY).map(escape).join('.+')}$`);
  const out: KeyFamily[] = [];
  const walk = (name: string, value: unknown): void => {
    if (typeof value === 'function') return walk(name, (value as (...args: string[]) => unknown)(ANY, ANY, ANY));
    if (typeof value === 'string') return void out.push({ name, pattern: toPattern(value) });
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(name ? `${name}.${k}` : k, v);
  };
  const { prefix: _p, everything: _e, ...families } = keyspace(prefix);
  walk('', families);
  for (const queue of extra)
    out.push({ name: `bullmq.${queue}`, pattern: new RegExp(`^${escape(hashTagged(prefix))}:${escape(queue)}:.+$`) });
  return out;
}
