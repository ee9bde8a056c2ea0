// Stage 2: silence. Silences come from the config (`until`) and from `syncwatch silence add` (in
// Redis, for every replica). A silenced alert is still tracked and shown in /status, not sent.
import { randomUUID } from 'node:crypto';
import type { RedisClient as Redis } from '../state/redis.ts';
import type { SilenceConfig } from '../config/index.ts';
import { SyncwatchError } from '../errors.ts';
import type { Keyspace } from '../state/keys.ts';
import { parseJson } from '../json.ts';
import { formatMatcher, matchersMatch, type Matcher } from './alertmanager.ts';
import { matchesAll } from './route.ts';
import type { LabelSet } from '../alert/model.ts';

export interface Silence {
  id: string;
  /** syncwatch's own matchers: label → value or glob (`syncwatch silence add --match`, the config). */
  match: Record<string, string>;
  /** Alertmanager's matchers (API v2: amtool, Grafana): regex and negative ones too. All must hold, with `match`. */
  matchers?: Matcher[];
  startsAt: string;
  endsAt: string;
  comment?: string;
  createdBy?: string;
  /** `config` for silences from the YAML, `runtime` for those added at run time. */
  source: 'config' | 'runtime';
}

/** Expired runtime silences are kept this long (for `silence list --all`), then dropped. */
export const KEEP_EXPIRED_SILENCES_MS = 7 * 24 * 3600_000;

export function silencesFromConfig(config: readonly SilenceConfig[]): Silence[] {
  return config.map((s, i) => ({
    id: `config-${i}`,
    match: { ...s.match },
    startsAt: new Date(0).toISOString(),
    endsAt: s.until.toISOString(),
    ...(s.comment !== undefined ? { comment: s.comment } : {}),
    source: 'config',
  }));
}

export function isActive(silence: Silence, now: number): boolean {
  return Date.parse(silence.startsAt) <= now && now < Date.parse(silence.endsAt);
}

const matcherCount = (s: Pick<Silence, 'match' | 'matchers'>) => Object.keys(s.match).length + (s.matchers?.length ?? 0);

/** The active silences that match these labels (empty: not silenced). */
export function silencesMatching(silences: readonly Silence[], labels: LabelSet, now: number): Silence[] {
  return silences.filter(
    (s) => isActive(s, now) && matcherCount(s) > 0 && matchesAll(labels, s.match) && matchersMatch(s.matchers ?? [], labels),
  );
}

/** `["target=prod", "flow=Nightly*"]` → `{ target: "prod", flow: "Nightly*" }`. */
export function parseMatchers(args: readonly string[]): Record<string, string> {
  const match: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(0, eq).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new SyncwatchError('config', `--match wants label=value, got "${arg}"`);
    match[key] = arg.slice(eq + 1);
  }
  if (Object.keys(match).length === 0) throw new SyncwatchError('config', 'a silence needs at least one --match label=value');
  return match;
}

export interface AddSilence {
  match: Record<string, string>;
  matchers?: Matcher[];
  /** Duration in ms (`--for 2h` → parseDuration('2h')), from `startsAt` (default: now). */
  durationMs: number;
  /** A silence that starts later (pending until then); default now. */
  startsAt?: number;
  comment?: string;
  createdBy?: string;
  now?: number;
}

export async function addSilence(redis: Redis, keys: Keyspace, input: AddSilence): Promise<Silence> {
  if (matcherCount(input) === 0) throw new SyncwatchError('config', 'a silence needs at least one label to match');
  if (!(input.durationMs > 0)) throw new SyncwatchError('config', 'a silence needs a positive duration');
  const now = input.now ?? Date.now();
  const start = Math.max(now, input.startsAt ?? now);
  const silence: Silence = {
    id: randomUUID(),
    match: { ...input.match },
    ...(input.matchers?.length ? { matchers: input.matchers.map((m) => ({ ...m })) } : {}),
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + input.durationMs).toISOString(),
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    ...(input.createdBy !== undefined ? { createdBy: input.createdBy } : {}),
    source: 'runtime',
  };
  await redis.hset(keys.alerting.silences, silence.id, JSON.stringify(silence));
  return silence;
}

/** Runtime silences; active ones only unless `all`. Silences expired long ago are dropped. */
export async function listSilences(redis: Redis, keys: Keyspace, options: { all?: boolean; now?: number } = {}): Promise<Silence[]> {
  const now = options.now ?? Date.now();
  const raw = await redis.hgetall(keys.alerting.silences);
  const out: Silence[] = [];
  const stale: string[] = [];
  for (const [id, json] of Object.entries(raw)) {
    const s = parseJson<Silence>(json);
    if (!s) {
      stale.push(id); // a corrupt entry
      continue;
    }
    if (Date.parse(s.endsAt) + KEEP_EXPIRED_SILENCES_MS < now) stale.push(id);
    else if (options.all || isActive(s, now)) out.push(s);
  }
  if (stale.length > 0) await redis.hdel(keys.alerting.silences, ...stale);
  return out.sort((a, b) => a.startsAt.localeCompare(b.startsAt));
}

/** One runtime silence by id, in any state (undefined: none). */
export async function getSilence(redis: Redis, keys: Keyspace, id: string): Promise<Silence | undefined> {
  const json = await redis.hget(keys.alerting.silences, id);
  return json ? (JSON.parse(json) as Silence) : undefined;
}

/** End a runtime silence now; the silence as it is now (already expired ones unchanged), or undefined when there is none. */
export async function expireSilence(redis: Redis, keys: Keyspace, id: string, now = Date.now()): Promise<Silence | undefined> {
  const s = await getSilence(redis, keys, id);
  if (!s) return undefined;
  if (Date.parse(s.endsAt) > now) s.endsAt = new Date(now).toISOString();
  // A pending silence expired before it started ends at its start (Alertmanager does the same).
  if (Date.parse(s.startsAt) > Date.parse(s.endsAt)) s.startsAt = s.endsAt;
  await redis.hset(keys.alerting.silences, id, JSON.stringify(s));
  return s;
}

export type SilenceState = 'active' | 'pending' | 'expired';

export function silenceState(s: Silence, now: number): SilenceState {
  if (now < Date.parse(s.startsAt)) return 'pending';
  return isActive(s, now) ? 'active' : 'expired';
}

/** One line per silence, for `syncwatch silence list`: id, state, end, matchers, comment. */
export function formatSilence(s: Silence, now = Date.now()): string {
  const match = [...Object.entries(s.match).map(([k, v]) => `${k}=${JSON.stringify(v)}`), ...(s.matchers ?? []).map(formatMatcher)].join(
    ' ',
  );
  const state = silenceState(s, now);
  const when =
    state === 'pending' ? `from ${s.startsAt} until ${s.endsAt}` : state === 'expired' ? `ended ${s.endsAt}` : `until ${s.endsAt}`;
  return `${s.id}  ${state.padEnd(7)}  ${when}  ${match}${s.comment ? `  # ${s.comment}` : ''}`;
}
