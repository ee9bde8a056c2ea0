// The pure part of a step job, as tables: who owns each open error, the ledger units open now,
// the keyed records to send (oldest first, once each), and how resolutions become verdicts.
import { describe, expect, it } from 'vitest';
import {
  compilePolicies,
  keyedOldestFirst,
  openUnitsOf,
  ownersOf,
  RERUN_FLOW,
  ResolutionLookup,
  verdictsOf,
  type StepError,
} from '../../src/retry/index.ts';
import type { LedgerEntry } from '../../src/retry/index.ts';
import { policy } from './helpers.ts';

const ctx = { target: 'prod', flowId: 'f1', flowName: 'Orders', stepId: 's1' };
const err = (errorId: string, extra: Partial<StepError> = {}): StepError => ({
  errorId,
  message: 'Read timed out',
  classification: 'intermittent',
  ...extra,
});

const policies = compilePolicies([
  policy({ name: 'keyed', match: { classification: ['intermittent'] }, action: 'retry' }),
  policy({ name: 'rerun', match: { classification: ['connection'] }, action: 'rerun_flow' }),
]);

describe('a step job, planned', () => {
  const open = [
    err('e1', { retryDataKey: 'k1', occurredAt: '2025-03-01T10:02:00Z' }),
    err('e2', { retryDataKey: 'k2', occurredAt: '2025-03-01T10:01:00Z' }),
    err('e3', { retryDataKey: 'k1', occurredAt: '2025-03-01T10:03:00Z' }),
    err('e4', { classification: 'connection' }),
    err('e5', { classification: 'value', retryDataKey: 'k5' }),
  ];

  it("the first matching policy owns each error; errors no policy matches are nobody's", () => {
    const owned = ownersOf(open, policies, ctx);
    expect([...owned].map(([p, errors]) => [p.name, errors.map((e) => e.errorId)])).toEqual([
      ['keyed', ['e1', 'e2', 'e3']],
      ['rerun', ['e4']],
    ]);
  });

  it('units open now: every key (by its last errorId), and a rerun unit per rerun_flow policy with keyless errors', () => {
    const units = openUnitsOf(open, ownersOf(open, policies, ctx));
    expect([...units.current.keys()]).toEqual(['k1', 'k2', 'k5', `${RERUN_FLOW}rerun`]);
    expect(units.current.get('k1')).toBe('e3');
    expect(units.keylessOf.get('rerun')?.map((e) => e.errorId)).toEqual(['e4']);
  });

  it('keyed records go oldest first, each key once', () => {
    expect(keyedOldestFirst(open).map((e) => e.errorId)).toEqual(['e5', 'e2', 'e1']);
  });

  it('a resolution after our submission by the platform is succeeded; by someone else resolved_by_user; none unverified', () => {
    const entry = (last: number, extra: Partial<LedgerEntry> = {}) =>
      ({ st: 'pending', n: 1, max: 3, next: 0, last, p: 'keyed', r: 1, ...extra }) as LedgerEntry;
    const submitted = Date.parse('2025-03-01T11:00:00Z');
    const gone: Array<[string, LedgerEntry]> = [
      ['k1', entry(submitted)],
      ['k2', entry(submitted)],
      ['k3', entry(submitted)],
    ];
    const keys = new ResolutionLookup();
    for (const [unit] of gone) keys.want(unit, submitted);
    keys.offer('k1', { errorId: 'e1', retryDataKey: 'k1', resolvedAt: '2025-03-01T11:05:00Z', resolvedBy: 'auto' });
    keys.offer('k2', { errorId: 'e2', retryDataKey: 'k2', resolvedAt: '2025-03-01T11:05:00Z', resolvedBy: 'someone' });
    const verdicts = verdictsOf(gone, keys, new ResolutionLookup());
    expect(Object.fromEntries(verdicts)).toEqual({
      k1: [{ outcome: 'succeeded', records: 1 }],
      k2: [{ outcome: 'resolved_by_user', records: 1 }],
      k3: [{ outcome: 'unverified', records: 1 }],
    });
  });
});
