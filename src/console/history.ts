// The alert history: fired / updated / resolved transitions in a capped Redis stream, so every
// replica shows the same. A transition is recorded once (by its id) even when a chunk is re-processed.
import type { NotificationOutcome, TransitionLog } from '../alerting/dispatcher.ts';
import type { Silence } from '../alerting/silence.ts';
import type { AlertEvent, Notification } from '../alert/model.ts';
import type { Keyspace } from '../state/keys.ts';
import { execPipeline, type RedisClient as Redis } from '../state/redis.ts';

/** About this many entries are kept (XADD MAXLEN ~). */
export const HISTORY_MAX = 2000;
/** The stream's one field: the entry's JSON. */
const FIELD = 'entry';

export interface HistoryEntry {
  at: string;
  transition: 'fired' | 'updated' | 'resolved' | 'notified' | 'delivery failed' | 'dropped' | 'silence created' | 'silence expired';
  /** notified / delivery failed / dropped: the receiver. silence created / expired: its author. */
  receiver?: string;
  kind: string;
  target: string;
  resource: string;
  name: string;
  severity: string;
  error: string;
}

const DELIVERY: Record<NotificationOutcome, HistoryEntry['transition']> = {
  success: 'notified',
  failure: 'delivery failed',
  dropped: 'dropped',
};

/** A notification's outcome at one receiver, one entry per alert it changed (or carried, for a reminder). */
export async function recordDelivery(
  redis: Redis,
  keys: Keyspace,
  receiver: string,
  outcome: NotificationOutcome,
  n: Notification,
  now = Date.now(),
): Promise<void> {
  const alerts = n.transitions.length > 0 ? n.transitions : n.alerts;
  await add(
    redis,
    keys,
    alerts.map((e) => entryOf(e, DELIVERY[outcome], now, receiver)),
  );
}

/**
 * The history as alerting's transition log (the daemon hands it to createAlerting): ingest appends
 * a transition's entry in the same Redis script that takes the transition in, once per transition
 * id. One write per transition, and exactly once: the ingest's own mark (`alerting:tx:<id>`) is the
 * history's dedupe too, so a re-processed chunk or another replica appends nothing (history once
 * kept a mark of its own per transition, `alerts:history:seen:<id>`, two writes more), and since
 * the mark and the entry are written together, a process that dies in between cannot leave a
 * transition taken but not recorded (or recorded but not taken).
 */
export function alertHistoryLog(keys: Keyspace): TransitionLog {
  return {
    key: keys.alertHistory,
    maxLen: HISTORY_MAX,
    entry: (e, now) => [FIELD, JSON.stringify(entryOf(e, e.status === 'resolved' ? 'resolved' : e.update ? 'updated' : 'fired', now))],
  };
}

async function add(redis: Redis, keys: Keyspace, entries: readonly HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const pipeline = redis.pipeline();
  for (const entry of entries) pipeline.xadd(keys.alertHistory, 'MAXLEN', '~', String(HISTORY_MAX), '*', FIELD, JSON.stringify(entry));
  await execPipeline(pipeline);
}

function entryOf(e: AlertEvent, transition: HistoryEntry['transition'], now: number, receiver?: string): HistoryEntry {
  return {
    at: new Date(now).toISOString(),
    transition,
    ...(receiver !== undefined ? { receiver } : {}),
    kind: e.labels.kind,
    target: e.labels.target,
    resource: e.labels.resource,
    name: e.annotations.name ?? '',
    severity: e.labels.severity,
    error: e.annotations.error ?? '',
  };
}

/** Newest first, optionally only one target and/or kind. */
export async function readHistory(
  redis: Redis,
  keys: Keyspace,
  options: { count?: number; target?: string; kind?: string } = {},
): Promise<HistoryEntry[]> {
  const raw = (await redis.xrevrange(
    keys.alertHistory,
    '+',
    '-',
    'COUNT',
    options.target || options.kind ? HISTORY_MAX : (options.count ?? 50),
  )) as Array<[string, string[]]>;
  const out: HistoryEntry[] = [];
  for (const [, fields] of raw) {
    try {
      const e = JSON.parse(fields[1] ?? '') as HistoryEntry;
      if ((!options.target || e.target === options.target) && (!options.kind || e.kind === options.kind)) out.push(e);
    } catch {
      /* an entry we cannot read is skipped */
    }
    if (out.length >= (options.count ?? 50)) break;
  }
  return out;
}

/** A silence's equality matcher on one label ('' when it has none): kind is also Alertmanager's alertname. */
function matched(s: Silence, ...labels: string[]): string {
  for (const l of labels) {
    const v = s.match[l] ?? s.matchers?.find((m) => m.name === l && m.isEqual && !m.isRegex)?.value;
    if (v) return v;
  }
  return '';
}

/**
 * Silences as history: created (at its start) and expired (at its end, once passed). They are read
 * from the silences every replica shares (console, amtool, Grafana and `syncwatch silence add` write
 * there), so nothing has to remember to record them; config silences have no moment and are left out.
 */
export function silenceHistory(silences: readonly Silence[], now: number): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const s of silences) {
    if (s.source !== 'runtime') continue;
    const base = {
      kind: matched(s, 'alertname', 'kind'),
      target: matched(s, 'target'),
      resource: matched(s, 'resource'),
      name: s.comment ?? '',
      severity: matched(s, 'severity'),
      error: '',
      ...(s.createdBy ? { receiver: s.createdBy } : {}),
    };
    out.push({ at: s.startsAt, transition: 'silence created', ...base });
    if (Date.parse(s.endsAt) <= now) out.push({ at: s.endsAt, transition: 'silence expired', ...base });
  }
  return out;
}

/** Newest first, at most `count`, only the entries the filter (target, kind) keeps. */
export function mergeHistory(
  entries: readonly HistoryEntry[],
  more: readonly HistoryEntry[],
  filter: { target?: string; kind?: string },
  count = 50,
): HistoryEntry[] {
  const keep = (e: HistoryEntry) => (!filter.target || e.target === filter.target) && (!filter.kind || e.kind === filter.kind);
  return [...entries, ...more.filter(keep)].sort((a, b) => b.at.localeCompare(a.at)).slice(0, count);
}
