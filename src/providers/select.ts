// Change-driven polling, the decision: which readable units (Celigo: a flow's open-error summary)
// a cycle fetches. Plain data in, plain data out, the clock handed in; the provider maps its
// resources to units and the watch layer supplies what it remembers (src/watch/watch.ts).

/** What was recorded of a unit at its last successful fetch. */
export interface UnitMemory {
  /** The unit's change marker as listed then (Celigo: the flow's `lastExecutedAt`); absent when it had none. */
  version?: string;
  /**
   * When its sweep interval counts from (ms since the epoch): when it was fetched, or, for a unit
   * fetched for the first time, the last start of its sweep slot (so the first sweep after a start is
   * spread over the slots, not due all at once).
   */
  fetchedAt: number;
}

/** A unit as the cycle's listing shows it. */
export interface ListedUnit {
  id: string;
  /** Its change marker now; absent when the platform gives none (never ran). */
  version?: string;
  /** Disabled on the platform: nothing can change its errors but a person; not fetched. */
  disabled?: boolean;
}

/**
 * Why a unit is fetched: `new` never fetched; `ran` its change marker moved; `hot` it has open
 * errors, a firing alert or a retry in flight; `sweep` nothing fetched it for a sweep interval (the
 * rolling sweep); `overdue` it is more than a sweep late (the daemon was down) and its slot came;
 * `all` change-driven polling is off.
 */
export type FetchReason = 'new' | 'ran' | 'hot' | 'sweep' | 'overdue' | 'all';

export interface SelectionInput {
  units: readonly ListedUnit[];
  memory: ReadonlyMap<string, UnitMemory>;
  /** Ids of units that must be looked at this cycle. */
  hot: ReadonlySet<string>;
  /** The cycle's time (ms). */
  now: number;
  /** The target's poll interval (ms). */
  interval: number;
  /** Every unit is fetched at least once per this (ms). */
  sweepInterval: number;
}

export interface Selection {
  /** `sweepFrom`: what to remember as the unit's `fetchedAt` when it is not the fetch's own time. */
  fetch: Array<{ id: string; reason: FetchReason; sweepFrom?: number }>;
  /** Disabled units, not fetched (their state is kept). */
  disabled: string[];
}

/** A stable 32-bit hash of an id (FNV-1a): a unit's sweep slot does not move between cycles or processes. */
export function stableHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * How many cycles one sweep spreads over: every unit has one slot among them. Rounded down, so that a
 * sweep (slots × interval) is never longer than sweepInterval.
 */
export function sweepSlots(interval: number, sweepInterval: number): number {
  return Math.max(1, Math.floor(sweepInterval / Math.max(1, interval)));
}

/** The slot of the cycle at `now`. */
export function cycleSlot(now: number, interval: number, slots: number): number {
  return Math.floor(now / Math.max(1, interval)) % slots;
}

/** The last start of a unit's sweep slot at or before `now` (its first fetch counts from there). */
export function slotStart(id: string, now: number, interval: number, slots: number): number {
  const behind = (cycleSlot(now, interval, slots) - (stableHash(id) % slots) + slots) % slots;
  return now - behind * interval;
}

/**
 * What a unit the sweep takes remembers as its fetch time: when it was due, if that was a cycle ago
 * or more (cycles skipped, or a long first cycle) — so units caught up together go back to their
 * own cycles instead of staying bunched in the one that caught them up; otherwise now.
 */
export function sweptFrom(seen: UnitMemory, now: number, interval: number, slots: number): { sweepFrom?: number } {
  const due = seen.fetchedAt + slots * interval;
  return slots > 1 && now - due >= interval / 2 ? { sweepFrom: due } : {};
}

/**
 * Whether a unit nothing else asks for is fetched by the rolling sweep this cycle. Each unit is
 * fetched again one sweep (slots × interval, ≤ sweepInterval) after its sweep interval began —
 * whatever fetched it then, a run, its open errors or the sweep — so a unit that ran recently costs
 * the sweep nothing. Units first fetched together start from their slots, and a unit the sweep takes
 * keeps its slot (one taken late counts from its slot: `sweptFrom`), so the sweep stays spread over
 * the cycles. Half an interval of slack absorbs
 * cycles that start a little early or late. A unit more than a sweep late (the daemon was down)
 * waits for its slot: after an outage the catching up is spread too.
 */
export function sweepTurn(
  id: string,
  seen: UnitMemory,
  now: number,
  interval: number,
  slots: number,
  slot: number,
): 'sweep' | 'overdue' | undefined {
  // A sweep no longer than the interval: every cycle is every unit's turn, however soon it comes.
  if (slots === 1) return 'sweep';
  const sweep = slots * interval;
  const age = now - seen.fetchedAt;
  if (age < sweep - interval / 2) return undefined;
  if (age < 2 * sweep - interval / 2) return 'sweep';
  return stableHash(id) % slots === slot ? 'overdue' : undefined;
}

/** The units a change-driven cycle fetches, each with the first reason that applies. */
export function selectUnits(input: SelectionInput): Selection {
  const { now, interval } = input;
  const slots = sweepSlots(interval, input.sweepInterval);
  const slot = cycleSlot(now, interval, slots);
  const fetch: Selection['fetch'] = [];
  const disabled: string[] = [];
  for (const unit of input.units) {
    if (unit.disabled) {
      disabled.push(unit.id);
      continue;
    }
    const seen = input.memory.get(unit.id);
    if (!seen) fetch.push({ id: unit.id, reason: 'new', sweepFrom: slotStart(unit.id, now, interval, slots) });
    else if (seen.version !== unit.version) fetch.push({ id: unit.id, reason: 'ran' });
    else if (input.hot.has(unit.id)) fetch.push({ id: unit.id, reason: 'hot' });
    else {
      const turn = sweepTurn(unit.id, seen, now, interval, slots, slot);
      if (turn) fetch.push({ id: unit.id, reason: turn, ...(turn === 'sweep' ? sweptFrom(seen, now, interval, slots) : {}) });
    }
  }
  return { fetch, disabled };
}

/** Every unit, disabled ones included, as before change-driven polling (`changeDriven: false`, or no hints). */
export function selectAll(units: readonly ListedUnit[]): Selection {
  return { fetch: units.map((u) => ({ id: u.id, reason: 'all' as const })), disabled: [] };
}
