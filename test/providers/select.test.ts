// Change-driven polling's decision (src/providers/select.ts) as a table: plain data in, the units to
// fetch and why out; then the rolling sweep's coverage and spread over many cycles.
import { describe, expect, it } from 'vitest';
import { cycleSlot, selectAll, selectUnits, stableHash, sweepSlots, type ListedUnit, type UnitMemory } from '../../src/providers/select.ts';

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
  it.each<[string, ListedUnit, UnitMemory | undefined, boolean, string | undefined]>([
    // case                                     listed                                  memory                                   hot    fetched because
    ['never fetched', { id: quiet, version: 'v1' }, undefined, false, 'new'],
    ['did not run, not hot, not its turn', { id: quiet, version: 'v1' }, recent, false, undefined],
    ['ran since the last fetch', { id: quiet, version: 'v2' }, recent, false, 'ran'],
    ['ran for the first time (had no marker)', { id: quiet, version: 'v1' }, { fetchedAt: now - interval }, false, 'ran'],
    ['marker gone (platform reset it)', { id: quiet }, recent, false, 'ran'],
    ['open errors, an alert or a retry in flight', { id: quiet, version: 'v1' }, recent, true, 'hot'],
    ['its sweep slot', { id: idInSlot(5, 's'), version: 'v1' }, recent, false, 'sweep'],
    [
      'overdue: last fetch a sweep interval ago',
      { id: quiet, version: 'v1' },
      { version: 'v1', fetchedAt: now - sweepInterval },
      false,
      'overdue',
    ],
    ['not yet overdue', { id: quiet, version: 'v1' }, { version: 'v1', fetchedAt: now - sweepInterval + 1 }, false, undefined],
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
    expect(selection.fetch).toEqual(reason ? [{ id: unit.id, reason }] : []);
    expect(selection.disabled).toEqual(unit.disabled ? [unit.id] : []);
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
    [7 * MIN, 10 * MIN, 2],
    [10 * MIN, 10 * MIN, 1],
    [10 * MIN, 5 * MIN, 1],
  ])('interval %i and sweepInterval %i make %i slots', (i, s, n) => {
    expect(sweepSlots(i, s)).toBe(n);
  });
});

describe('the rolling sweep', () => {
  const units: ListedUnit[] = Array.from({ length: 10_000 }, (_, i) => ({ id: `flow-${i}`, version: 'v1' }));

  it('fetches every unit once per sweep interval, spread evenly (no cycle above 1.2 × its share)', () => {
    const memory = new Map<string, UnitMemory>(units.map((u) => [u.id, { version: 'v1', fetchedAt: 0 }]));
    const start = at(0);
    const seen = new Map<string, number>();
    const perCycle: number[] = [];
    for (let c = 0; c < slots; c++) {
      const t = start + c * interval;
      // Everything was fetched within the last sweep interval: nothing is overdue, only the slots count.
      for (const m of memory.values()) m.fetchedAt = Math.max(m.fetchedAt, t - interval);
      const { fetch } = selectUnits({ units, memory, hot: new Set(), now: t, interval, sweepInterval });
      expect(fetch.every((f) => f.reason === 'sweep')).toBe(true);
      perCycle.push(fetch.length);
      for (const f of fetch) {
        seen.set(f.id, (seen.get(f.id) ?? 0) + 1);
        memory.get(f.id)!.fetchedAt = t;
      }
      expect(cycleSlot(t, interval, slots)).toBe(c);
    }
    expect(seen.size).toBe(units.length);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const share = units.length / slots;
    expect(Math.max(...perCycle)).toBeLessThanOrEqual(1.2 * share);
    expect(Math.min(...perCycle)).toBeGreaterThanOrEqual(0.8 * share);
  });

  it('after skipped cycles, what is overdue is fetched at once', () => {
    const memory = new Map<string, UnitMemory>(units.map((u) => [u.id, { version: 'v1', fetchedAt: now - 2 * sweepInterval }]));
    const { fetch } = selectUnits({ units, memory, hot: new Set(), now, interval, sweepInterval });
    expect(fetch).toHaveLength(units.length);
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
