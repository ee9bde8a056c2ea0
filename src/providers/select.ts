// Change-driven polling, the decision: which readable units (Celigo: a flow's open-error summary)
// a cycle fetches. Plain data in, plain data out, the clock handed in; the provider maps its
// resources to units and the watch layer supplies what it remembers (src/watch/watch.ts).

/** What was recorded of a unit at its last successful fetch. */
export interface UnitMemory {
  /** The unit's change marker as listed then (Celigo: the flow's `lastExecutedAt`); absent when it had none. */
  version?: string;
  /** When it was fetched (ms since the epoch). */
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
 * errors, a firing alert or a retry in flight; `sweep` its turn in the rolling sweep; `overdue` its
 * last fetch is older than the sweep interval (cycles were skipped); `all` change-driven polling is off.
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
  fetch: Array<{ id: string; reason: FetchReason }>;
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

/** How many cycles one sweep spreads over: every unit has one slot among them. */
export function sweepSlots(interval: number, sweepInterval: number): number {
  return Math.max(1, Math.ceil(sweepInterval / Math.max(1, interval)));
}

/** The slot of the cycle at `now`. */
export function cycleSlot(now: number, interval: number, slots: number): number {
  return Math.floor(now / Math.max(1, interval)) % slots;
}

/**
 * Whether a unit nothing else asks for is fetched by the rolling sweep this cycle: at its slot
 * (`sweep`), or whenever its last fetch is a whole sweep interval old (`overdue`: cycles were skipped).
 */
export function sweepTurn(
  id: string,
  seen: UnitMemory,
  now: number,
  slots: number,
  slot: number,
  sweepInterval: number,
): 'sweep' | 'overdue' | undefined {
  if (stableHash(id) % slots === slot) return 'sweep';
  return now - seen.fetchedAt >= sweepInterval ? 'overdue' : undefined;
}

/** The units a change-driven cycle fetches, each with the first reason that applies. */
export function selectUnits(input: SelectionInput): Selection {
  const slots = sweepSlots(input.interval, input.sweepInterval);
  const slot = cycleSlot(input.now, input.interval, slots);
  const fetch: Selection['fetch'] = [];
  const disabled: string[] = [];
  for (const unit of input.units) {
    if (unit.disabled) {
      disabled.push(unit.id);
      continue;
    }
    const seen = input.memory.get(unit.id);
    const reason: FetchReason | undefined = !seen
      ? 'new'
      : seen.version !== unit.version
        ? 'ran'
        : input.hot.has(unit.id)
          ? 'hot'
          : sweepTurn(unit.id, seen, input.now, slots, slot, input.sweepInterval);
    if (reason) fetch.push({ id: unit.id, reason });
  }
  return { fetch, disabled };
}

/** Every unit, disabled ones included, as before change-driven polling (`changeDriven: false`, or no hints). */
export function selectAll(units: readonly ListedUnit[]): Selection {
  return { fetch: units.map((u) => ({ id: u.id, reason: 'all' as const })), disabled: [] };
}
