// Change-driven polling's decision (src/providers/select.ts) as a table: plain data in, the units to
// fetch and why out; then the rolling sweep's coverage and spread over many cycles.
import { describe, expect, it } from 'vitest';
import {
  cycleSlot,
  selectAll,
  selectUnits,
  slotStart,
  stableHash,
  sweepSlots,
  type ListedUnit,
  type UnitMemory,
} from '../../src/providers/select.ts';

const MIN = 60_000;
const interval = MIN;
const sweepInterval = 10 * MIN;
const slots = sweepSlots(interval, sweepInterval); // 10
/** A cycle time whose slot is `slot`. */
const at = (slot: number) => (1_000 * slots + slot) * interval;
/** A unit id whose sweep slot is `slot` (found by trying names). */
function idInSlot(slot: number, prefix: string): string {
  for (let i = 0; ; i++) if (stableHash(`${prefix}${i}`) % slots === slot) return `${prefix}${i}`;
}

const quiet = idInSlot(3, 'q');
const now = at(5);
const recent: UnitMemory = { version: 'v1', fetchedAt: now - interval };

describe('selectUnits', () => {
  const sweep = slots * interval;
  it.each<[string, ListedUnit, UnitMemory | undefined, boolean, string | undefined]>([
    // case                                     listed                                  memory                                   hot    fetched because
    ['ran since the last fetch', { id: quiet, version: 'v2' }, recent, false, 'ran'],
    ['ran for the first time (had no marker)', { id: quiet, version: 'v1' }, { fetchedAt: now - interval }, false, 'ran'],
    ['marker gone (platform reset it)', { id: quiet }, recent, false, 'ran'],
    ['open errors, an alert or a retry in flight', { id: quiet, version: 'v1' }, recent, true, 'hot'],
    ['did not run, not hot, fetched within the sweep', { id: quiet, version: 'v1' }, recent, false, undefined],
    ['its slot, but fetched within the sweep (it ran)', { id: idInSlot(5, 's'), version: 'v1' }, recent, false, undefined],
    ['a sweep since it was fetched', { id: quiet, version: 'v1' }, { version: 'v1', fetchedAt: now - sweep }, false, 'sweep'],
    [
      'a sweep less half an interval (a cycle a little early)',
      { id: quiet, version: 'v1' },
      { version: 'v1', fetchedAt: now - sweep + interval / 2 },
      false,
      'sweep',
    ],
    ['not yet a sweep', { id: quiet, version: 'v1' }, { version: 'v1', fetchedAt: now - sweep + interval / 2 + 1 }, false, undefined],
    [
      'late, within a second sweep (a cycle was skipped)',
      { id: quiet, version: 'v1' },
      { version: 'v1', fetchedAt: now - sweep - 3 * interval },
      false,
      'sweep',
    ],
    [
      'more than a sweep late (the daemon was down), its slot',
      { id: idInSlot(5, 'o'), version: 'v1' },
      { version: 'v1', fetchedAt: now - 5 * sweep },
      false,
      'overdue',
    ],
    [
      'more than a sweep late, not its slot: waits for it',
      { id: quiet, version: 'v1' },
      { version: 'v1', fetchedAt: now - 5 * sweep },
      false,
      undefined,
    ],
    ['disabled, even though it ran', { id: quiet, version: 'v2', disabled: true }, recent, true, undefined],
  ])('%s', (_case, unit, memory, hot, reason) => {
    const selection = selectUnits({
      units: [unit],
      memory: new Map(memory ? [[unit.id, memory]] : []),
      hot: new Set(hot ? [unit.id] : []),
      now,
      interval,
      sweepInterval,
    });
    expect(selection.fetch.map(({ id, reason }) => ({ id, reason }))).toEqual(reason ? [{ id: unit.id, reason }] : []);
    expect(selection.disabled).toEqual(unit.disabled ? [unit.id] : []);
  });

  it('a sweep no longer than the interval takes every unit every cycle, however soon the cycle comes', () => {
    const { fetch } = selectUnits({
      units: [{ id: quiet, version: 'v1' }],
      memory: new Map([[quiet, { version: 'v1', fetchedAt: now - 1_000 }]]),
      hot: new Set(),
      now,
      interval: 60 * MIN,
      sweepInterval: 10 * MIN,
    });
    expect(fetch).toEqual([{ id: quiet, reason: 'sweep' }]);
  });

  it('a unit the sweep takes a cycle or more after it was due counts from when it was due; one taken when due, from now', () => {
    const late = selectUnits({
      units: [{ id: quiet, version: 'v1' }],
      memory: new Map([[quiet, { version: 'v1', fetchedAt: now - sweep - 3 * interval }]]),
      hot: new Set(),
      now,
      interval,
      sweepInterval,
    });
    expect(late.fetch).toEqual([{ id: quiet, reason: 'sweep', sweepFrom: now - 3 * interval }]);
    const onTime = selectUnits({
      units: [{ id: quiet, version: 'v1' }],
      memory: new Map([[quiet, { version: 'v1', fetchedAt: now - sweep - interval / 4 }]]),
      hot: new Set(),
      now,
      interval,
      sweepInterval,
    });
    expect(onTime.fetch).toEqual([{ id: quiet, reason: 'sweep' }]);
  });

  it('a unit never fetched is new, its sweep counted from the last start of its slot', () => {
    const { fetch } = selectUnits({
      units: [{ id: quiet, version: 'v1' }],
      memory: new Map(),
      hot: new Set(),
      now,
      interval,
      sweepInterval,
    });
    // quiet's slot is 3, the cycle's 5: its slot began two intervals ago.
    expect(fetch).toEqual([{ id: quiet, reason: 'new', sweepFrom: now - 2 * interval }]);
    expect(slotStart(idInSlot(5, 's'), now, interval, slots)).toBe(now);
    expect(slotStart(idInSlot(6, 's'), now, interval, slots)).toBe(now - 9 * interval);
  });

  it('the first reason wins: a unit that ran and is hot is fetched once, as ran', () => {
    const selection = selectUnits({
      units: [{ id: quiet, version: 'v2' }],
      memory: new Map([[quiet, recent]]),
      hot: new Set([quiet]),
      now,
      interval,
      sweepInterval,
    });
    expect(selection.fetch).toEqual([{ id: quiet, reason: 'ran' }]);
  });

  it.each<[number, number, number]>([
    // interval  sweepInterval  slots
    [MIN, 10 * MIN, 10],
    [5_000, 10 * MIN, 120],
    [7 * MIN, 10 * MIN, 1], // rounded down: a sweep is never longer than sweepInterval
    [10 * MIN, 10 * MIN, 1],
    [10 * MIN, 5 * MIN, 1],
  ])('interval %i and sweepInterval %i make %i slots', (i, s, n) => {
    expect(sweepSlots(i, s)).toBe(n);
  });
});

describe('the rolling sweep', () => {
  const units: ListedUnit[] = Array.from({ length: 10_000 }, (_, i) => ({ id: `flow-${i}`, version: 'v1' }));

  /** Cycles from `start`, one interval apart; `ran(c)` says which units ran before cycle c. Memory is kept as the watch keeps it. */
  function run(cycles: number, ran: (c: number) => Set<string>, memory = new Map<string, UnitMemory>(), start = at(0)) {
    const fetchedAt = new Map<string, number[]>();
    const perCycle: Array<Record<string, number>> = [];
    const version = new Map<string, number>();
    for (let c = 0; c < cycles; c++) {
      const t = start + c * interval;
      for (const id of ran(c)) version.set(id, (version.get(id) ?? 0) + 1);
      const listed = units.map((u) => ({ id: u.id, version: `v${version.get(u.id) ?? 0}` }));
      const { fetch } = selectUnits({ units: listed, memory, hot: new Set(), now: t, interval, sweepInterval });
      const counts: Record<string, number> = {};
      for (const f of fetch) {
        counts[f.reason] = (counts[f.reason] ?? 0) + 1;
        memory.set(f.id, { version: `v${version.get(f.id) ?? 0}`, fetchedAt: f.sweepFrom ?? t });
        fetchedAt.set(f.id, [...(fetchedAt.get(f.id) ?? []), c]);
      }
      perCycle.push(counts);
    }
    return { fetchedAt, perCycle };
  }

  it('after a start, every unit is fetched once per sweep, at its slot, spread evenly (no cycle above 1.2 × its share)', () => {
    const { fetchedAt, perCycle } = run(1 + 2 * slots, () => new Set());
    expect(perCycle[0]).toEqual({ new: units.length });
    const share = units.length / slots;
    for (const counts of perCycle.slice(1)) {
      expect(Object.keys(counts)).toEqual(['sweep']);
      expect(counts.sweep).toBeLessThanOrEqual(1.2 * share);
      expect(counts.sweep).toBeGreaterThanOrEqual(0.8 * share);
    }
    for (const u of units) {
      const [first, ...rest] = fetchedAt.get(u.id)!;
      expect(first).toBe(0);
      const s = stableHash(u.id) % slots;
      // At its slot in each of the two sweeps after the start (cycle c's slot is c % slots).
      expect(rest).toEqual([s === 0 ? slots : s, (s === 0 ? slots : s) + slots]);
    }
    expect(cycleSlot(at(0) + 3 * interval, interval, slots)).toBe(3);
  });

  it('with 5% of the units running each cycle: no unit goes a sweep unfetched, and the sweep costs less than its share', () => {
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const cycles = 8 * slots;
    const { fetchedAt, perCycle } = run(cycles, (c) =>
      c === 0 ? new Set() : new Set(units.filter(() => random() < 0.05).map((u) => u.id)),
    );
    for (const u of units) {
      const at = fetchedAt.get(u.id)!;
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeLessThanOrEqual(slots);
      expect(cycles - at[at.length - 1]!).toBeLessThanOrEqual(slots);
    }
    // In the long run a unit that ran within the sweep needs no sweep: ~5% × 0.95^(slots−1)/(1 − 0.95^slots) of them a cycle.
    const share = units.length / slots;
    const late = perCycle.slice(4 * slots);
    const sweepPerCycle = late.reduce((n, c) => n + (c.sweep ?? 0), 0) / late.length;
    expect(sweepPerCycle).toBeLessThan(0.8 * share);
    expect(Math.max(...late.map((c) => c.sweep ?? 0))).toBeLessThan(1.2 * share);
  });

  it('a long first cycle (the next one three intervals later) catches up three slots once, then the sweep is spread again', () => {
    const memory = new Map<string, UnitMemory>();
    const perCycle: number[] = [];
    const times = [at(0), ...Array.from({ length: 3 * slots }, (_, k) => at(0) + (3 + k) * interval)];
    for (const t of times) {
      const { fetch } = selectUnits({ units, memory, hot: new Set(), now: t, interval, sweepInterval });
      perCycle.push(fetch.length);
      for (const f of fetch) memory.set(f.id, { version: 'v1', fetchedAt: f.sweepFrom ?? t });
    }
    const share = units.length / slots;
    // The cycle after the long one takes the three slots it passed.
    expect(perCycle[1]).toBeGreaterThan(2.5 * share);
    // From the next sweep on, each cycle about its share: the three slots went back to their own cycles.
    for (const n of perCycle.slice(1 + slots)) expect(n).toBeLessThanOrEqual(1.2 * share);
  });

  it('after an outage longer than a sweep, what is overdue is caught up at its slot, spread over one sweep', () => {
    const memory = new Map<string, UnitMemory>(units.map((u) => [u.id, { version: 'v0', fetchedAt: at(0) - 3 * slots * interval }]));
    const { perCycle, fetchedAt } = run(slots, () => new Set(), memory);
    const share = units.length / slots;
    for (const counts of perCycle) {
      expect(Object.keys(counts)).toEqual(['overdue']);
      expect(counts.overdue).toBeLessThanOrEqual(1.2 * share);
    }
    expect(fetchedAt.size).toBe(units.length);
  });
});

describe('selectAll (changeDriven: false)', () => {
  it('fetches every unit, disabled ones included, as before', () => {
    expect(selectAll([{ id: 'a' }, { id: 'b', disabled: true }])).toEqual({
      fetch: [
        { id: 'a', reason: 'all' },
        { id: 'b', reason: 'all' },
      ],
      disabled: [],
    });
  });
});
