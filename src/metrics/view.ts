// The world gauges of the resources (run status, last success, open errors), kept in this process
// as rendered exposition text and updated incrementally. A target's view is loaded once (its
// snapshots and the position of its feed, read atomically), then follows the feed
// (`keys.metricsFeed`: every save's changes of the view, src/state/metrics-view.ts), so a scrape
// reads only what changed since the previous one: O(targets + changes), never every snapshot. A
// replica that fell behind the capped feed, or a feed that vanished (Redis flushed), reloads. Every
// replica converges on the same Redis, so all report the same values.
import type { RedisClient as Redis } from '../state/redis.ts';
import type { Keyspace } from '../state/keys.ts';
import { GONE, parseViewValue, viewOfJson, type ViewValue } from '../state/metrics-view.ts';
import { RUN_STATUSES } from '../model.ts';

export interface ViewTarget {
  name: string;
  /** false: open errors per flow (step=""), not per step. */
  perStep?: boolean;
}

/** The resource-level families, in the order they are rendered (names, help and labels are a contract). */
export const VIEW_FAMILIES = [
  {
    name: 'syncwatch_run_status',
    help: 'Current status of the latest run of a sync or flow (1 for the current status).',
  },
  {
    name: 'syncwatch_run_last_success_timestamp_seconds',
    help: 'When the latest successful run of a sync or flow ended.',
  },
  {
    name: 'syncwatch_flow_open_errors',
    help: 'Open errors of a flow step (step="" when aggregated per flow).',
  },
] as const;

/** The position of a view loaded before its feed existed. */
const NONE = '0-0';

/** Escapes as prom-client does: label values `\`, newline and `"`. */
const label = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const help = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** Parse a snapshot field name `provider/target/kind/id[/stepId]` into its ids. */
function idsOf(resourceKey: string): { kind: string; id: string; stepId: string } {
  const [, , kind = '', id = '', stepId = ''] = resourceKey.split('/');
  return { kind, id, stepId };
}

/**
 * The lines of one family, one slot per resource (each slot's lines end with '\n'), so a change
 * rewrites its slot and a render is one join of the slots, cached until the next change.
 */
class Slots {
  private readonly slots: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly free: number[] = [];
  private text: string | undefined;

  /** The lines of `id` ('' removes them). */
  set(id: string, lines: string): void {
    let i = this.index.get(id);
    if (lines === '') {
      if (i === undefined) return;
      this.slots[i] = '';
      this.index.delete(id);
      this.free.push(i);
      this.text = undefined;
      return;
    }
    if (i === undefined) this.index.set(id, (i = this.free.pop() ?? this.slots.length));
    if (this.slots[i] === lines) return;
    this.slots[i] = lines;
    this.text = undefined;
  }

  clear(): void {
    this.slots.length = 0;
    this.index.clear();
    this.free.length = 0;
    this.text = undefined;
  }

  render(): string {
    return (this.text ??= this.slots.join(''));
  }
}

class TargetView {
  loaded = false;
  /** The feed entry last applied (NONE: the feed did not exist when the view was loaded). */
  lastId = NONE;
  readonly families: [Slots, Slots, Slots] = [new Slots(), new Slots(), new Slots()];
  /** perStep false: each step's open errors, and per flow their sum and how many steps it has. */
  private readonly steps = new Map<string, { flow: string; openErrors: number }>();
  private readonly flows = new Map<string, { sum: number; steps: number }>();
  private readonly target: string;

  constructor(private readonly t: ViewTarget) {
    this.target = label(t.name);
  }

  reset(): void {
    for (const f of this.families) f.clear();
    this.steps.clear();
    this.flows.clear();
  }

  apply(key: string, value: ViewValue | undefined): void {
    const [status, lastSuccess, errors] = this.families;
    const ids = idsOf(key);
    if (value?.type === 'run') {
      const labels = `target="${this.target}",kind="${label(ids.kind)}",resource="${label(ids.id)}"`;
      let lines = '';
      for (const s of RUN_STATUSES) lines += `syncwatch_run_status{${labels},status="${s}"} ${value.status === s ? 1 : 0}\n`;
      status.set(key, lines);
      const last = value.lastSuccessAt;
      lastSuccess.set(key, last === undefined ? '' : `syncwatch_run_last_success_timestamp_seconds{${labels}} ${seconds(last)}\n`);
    } else {
      status.set(key, '');
      lastSuccess.set(key, '');
    }
    if (this.t.perStep !== false) {
      const line = `syncwatch_flow_open_errors{target="${this.target}",flow="${label(ids.id)}",step="${label(ids.stepId)}"} `;
      errors.set(key, value?.type === 'step' ? `${line}${value.openErrors}\n` : '');
      return;
    }
    // Per flow: the sum over its steps (a flow whose steps are all gone shows no line).
    const before = this.steps.get(key);
    const after = value?.type === 'step' ? { flow: ids.id, openErrors: value.openErrors } : undefined;
    for (const [step, sign] of [
      [before, -1],
      [after, 1],
    ] as const) {
      if (!step) continue;
      const flow = this.flows.get(step.flow) ?? { sum: 0, steps: 0 };
      flow.sum += sign * step.openErrors;
      flow.steps += sign;
      if (flow.steps > 0) this.flows.set(step.flow, flow);
      else this.flows.delete(step.flow);
      const line = `syncwatch_flow_open_errors{target="${this.target}",flow="${label(step.flow)}",step=""} ${flow.sum}\n`;
      errors.set(step.flow, flow.steps > 0 ? line : '');
    }
    if (after) this.steps.set(key, after);
    else this.steps.delete(key);
  }
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** `XINFO STREAM`'s flat reply → how many entries the feed was ever given (trimmed ones too). */
function entriesAdded(info: unknown): number {
  return Array.isArray(info) ? Number(info[info.indexOf('entries-added') + 1]) : Number.NaN;
}

type Entry = [id: string, fields: string[]];

export class WorldView {
  private readonly views = new Map<string, TargetView>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly targets: readonly ViewTarget[],
  ) {
    for (const t of targets) this.views.set(t.name, new TargetView(t));
  }

  /**
   * Bring every target's view up to date with Redis: the feed from the entry last applied on, in
   * one MULTI. That entry still in the feed means nothing after it was trimmed; gone, this process
   * fell behind the capped feed (or Redis lost it): reload. A view loaded before the feed existed
   * asks, once, whether the feed's first entries were all kept (XINFO's entries-added, Redis 7).
   */
  refresh(): Promise<void> {
    // One at a time: two reading the same entries would both apply them.
    const next = this.refreshing.catch(() => {}).then(() => this.update());
    this.refreshing = next;
    return next;
  }

  private refreshing: Promise<void> = Promise.resolve();

  private async update(): Promise<void> {
    const loaded = this.targets.filter((t) => this.views.get(t.name)!.loaded);
    if (loaded.length > 0) {
      const multi = this.redis.multi();
      for (const t of loaded) {
        const lastId = this.views.get(t.name)!.lastId;
        multi.xrange(this.keys.metricsFeed(t.name), lastId === NONE ? '-' : lastId, '+');
        if (lastId === NONE) multi.xinfo('STREAM', this.keys.metricsFeed(t.name));
        else multi.echo('');
      }
      const results = (await multi.exec()) ?? [];
      loaded.forEach((t, i) => {
        const view = this.views.get(t.name)!;
        const [rangeErr, read] = results[2 * i] ?? [];
        if (rangeErr) throw rangeErr;
        const entries = (read ?? []) as Entry[];
        if (view.lastId === NONE) {
          // XINFO fails on a missing feed (then nothing was read either).
          const [infoErr, info] = results[2 * i + 1] ?? [];
          if (!infoErr && entries.length > 0 && entriesAdded(info) !== entries.length) view.loaded = false;
          else this.applyEntries(view, entries);
        } else if (entries[0]?.[0] !== view.lastId) view.loaded = false;
        else this.applyEntries(view, entries.slice(1));
      });
    }
    for (const t of this.targets) if (!this.views.get(t.name)!.loaded) await this.load(t);
  }

  /** The three resource families, rendered (HELP and TYPE lines, then every target's lines), ending with '\n'. */
  render(): string {
    return VIEW_FAMILIES.map((f, i) => {
      let text = `# HELP ${f.name} ${help(f.help)}\n# TYPE ${f.name} gauge\n`;
      for (const t of this.targets) text += this.views.get(t.name)!.families[i]!.render();
      return text;
    }).join('\n');
  }

  private applyEntries(view: TargetView, entries: readonly Entry[]): void {
    for (const [id, fields] of entries) {
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const value = fields[i + 1]!;
        view.apply(fields[i]!, value === GONE ? undefined : parseViewValue(value));
      }
      view.lastId = id;
    }
  }

  /** Every snapshot of the target and the feed's newest entry, in one MULTI (saves write both in one MULTI). */
  private async load(t: ViewTarget): Promise<void> {
    const view = this.views.get(t.name)!;
    const results = await this.redis
      .multi()
      .hgetall(this.keys.snapshots(t.name))
      .xrevrange(this.keys.metricsFeed(t.name), '+', '-', 'COUNT', 1)
      .exec();
    const [snapErr, hash] = results?.[0] ?? [];
    const [feedErr, newest] = results?.[1] ?? [];
    if (snapErr) throw snapErr;
    if (feedErr) throw feedErr;
    view.reset();
    for (const [key, json] of Object.entries((hash ?? {}) as Record<string, string>)) {
      const value = viewOfJson(json);
      if (value !== undefined) view.apply(key, parseViewValue(value));
    }
    view.lastId = (newest as Entry[] | undefined)?.[0]?.[0] ?? NONE;
    view.loaded = true;
  }
}
