// Every key of one deployment lives under one hash-tagged prefix (`{syncwatch}:…`), so it sits on
// one Redis Cluster slot and multi-key scripts stay legal. BullMQ queues use the same prefix.

export function hashTagged(prefix: string): string {
  return prefix.startsWith('{') && prefix.endsWith('}') ? prefix : `{${prefix}}`;
}

export function keyspace(prefix: string) {
  const p = hashTagged(prefix);
  return {
    prefix: p,
    /** hash: resource key → JSON ResourceSnapshot */
    snapshots: (target: string) => `${p}:snap:${target}`,
    /** string: JSON TargetSnapshot */
    target: (target: string) => `${p}:target:${target}`,
    /** hash: fingerprint → JSON AlertEvent of every firing alert; written by alerting's ingest (the one index) */
    firing: `${p}:alerting:firing`,
    /** hash + sets tracking which chunks of one poll cycle are done */
    cycle: (target: string, cycle: string) => `${p}:cycle:${target}:${cycle}`,
    cycleDone: (target: string, cycle: string) => `${p}:cycle:${target}:${cycle}:done`,
    cycleFailed: (target: string, cycle: string) => `${p}:cycle:${target}:${cycle}:failed`,
    /** string: `cycle` or `cycle|owner` of the target's poll cycle still running (one at a time per target) */
    inflight: (target: string) => `${p}:inflight:${target}`,
    /** string with a short TTL: present while the daemon process `id` is alive (its heartbeat) */
    owner: (id: string) => `${p}:owner:${id}`,
    /** token bucket shared by every replica polling one target */
    bucket: (target: string) => `${p}:bucket:${target}`,
    /** set of target names the daemon polls (for /status and cleanup) */
    targets: `${p}:targets`,
    /** hash: process id → JSON heartbeat of each running daemon */
    daemons: `${p}:daemons`,
    /** stream (capped): alert transitions for the console's history, the same on every replica */
    alertHistory: `${p}:alerts:history`,
    /** string (expiring): a transition already in the history (by transition id) */
    alertHistorySeen: (transitionId: string) => `${p}:alerts:history:seen:${transitionId}`,
    /** string: the secret the console's sessions and CSRF tokens are signed with */
    consoleSecret: `${p}:console:secret`,
  };
}

export type Keyspace = ReturnType<typeof keyspace>;
