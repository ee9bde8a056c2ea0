// The pure stages: silence matching, inhibition, the flush plan, the delivery retry plan.
import { describe, expect, it } from 'vitest';
import { planFlush, type FlushInput } from '../../src/alerting/flush.ts';
import { downTargets, isInhibited } from '../../src/alerting/inhibit.ts';
import { deliveryRetryPlan, nextDelay } from '../../src/alerting/retry.ts';
import { labelSetOf } from '../../src/alerting/route.ts';
import { parseMatchers, silencesFromConfig, silencesMatching, type Silence } from '../../src/alerting/silence.ts';
import type { AlertEvent } from '../../src/alert/model.ts';
import { alertOf } from './fixtures.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const silence = (match: Record<string, string>, endsAt = '2026-06-02T00:00:00Z', startsAt = '2026-05-01T00:00:00Z'): Silence => ({
  id: 's',
  match,
  startsAt,
  endsAt,
  source: 'runtime',
});

describe('silences', () => {
  it.each([
    // match                                        endsAt                   silenced
    [{ target: 'celigo-prod' }, '2026-06-02T00:00:00Z', true],
    [{ target: 'celigo-*' }, '2026-06-02T00:00:00Z', true],
    [{ target: 'celigo-prod', kind: 'FlowErrors' }, '2026-06-02T00:00:00Z', false],
    [{ flow: 'Orders f1' }, '2026-06-02T00:00:00Z', true], // by the flow's name
    [{ flow: 'f1' }, '2026-06-02T00:00:00Z', true], // by the flow's id
    [{ flow: 'f?' }, '2026-06-02T00:00:00Z', true],
    [{ target: 'celigo-prod' }, '2026-05-31T23:59:59Z', false], // expired
    [{ integration: 'other' }, '2026-06-02T00:00:00Z', false],
  ])('%j until %s → %s', (match, endsAt, silenced) => {
    const labels = labelSetOf(alertOf('SyncFailed'));
    expect(silencesMatching([silence(match, endsAt)], labels, NOW).length > 0).toBe(silenced);
  });

  it('config silences last until `until`', () => {
    const [s] = silencesFromConfig([{ match: { target: 'celigo-prod' }, until: new Date('2026-06-01T00:00:01Z'), comment: 'c' }]);
    const labels = labelSetOf(alertOf('SyncFailed'));
    expect(silencesMatching([s!], labels, NOW)).toHaveLength(1);
    expect(silencesMatching([s!], labels, NOW + 1000)).toHaveLength(0);
  });

  it.each([
    [['target=prod', 'flow=Nightly archive'], { target: 'prod', flow: 'Nightly archive' }],
    [['kind=a=b'], { kind: 'a=b' }],
  ])('--match %j', (args, match) => expect(parseMatchers(args)).toEqual(match));
  it.each([[[]], [['=x']], [['no-equals']]])('--match %j is refused', (args) => expect(() => parseMatchers(args)).toThrow());
});

describe('TargetDown inhibition', () => {
  const down = downTargets([alertOf('TargetDown', { target: 'a' }), alertOf('SyncFailed', { target: 'b' })]);
  it.each([
    // case                    alert                                   inhibited
    ['SyncFailed of a down', alertOf('SyncFailed', { target: 'a' }), true],
    ['FlowErrors of a down', alertOf('FlowErrors', { target: 'a' }), true],
    ['TargetDown itself', alertOf('TargetDown', { target: 'a' }), false],
    ['SyncFailed of an up', alertOf('SyncFailed', { target: 'b' }), false],
  ])('%s → %s', (_case, alert, inhibited) => expect(isInhibited(alert, down)).toBe(inhibited));
});

describe('flush plan', () => {
  const f1 = alertOf('SyncFailed', { id: 'f1' });
  const f2 = alertOf('SyncFailed', { id: 'f2' });
  const f1u = alertOf('SyncFailed', { id: 'f1', update: true });
  const r1 = alertOf('SyncFailed', { id: 'f1', status: 'resolved' });
  const base = (over: Partial<FlushInput>): FlushInput => ({
    alerts: new Map(),
    notified: new Set(),
    pending: [],
    muted: () => false,
    sendResolved: true,
    first: false,
    repeatDue: false,
    ...over,
  });
  const map = (...events: AlertEvent[]) => new Map(events.map((e) => [e.fingerprint, e]));
  const tx = (events: AlertEvent[] | undefined) => events?.map((e) => `${e.labels.flow}:${e.status}${e.update ? '+' : ''}`);

  it.each([
    // case                                         input                                                                                                  reason     status      transitions           dropped
    [
      'new group, two alerts',
      base({ alerts: map(f1, f2), pending: [f1, f2], first: true }),
      'new',
      'firing',
      ['f1:firing', 'f2:firing'],
      [],
    ],
    [
      'an update of a notified alert',
      base({ alerts: map(f1u), notified: new Set([f1.fingerprint]), pending: [f1u] }),
      'update',
      'firing',
      ['f1:firing+'],
      [],
    ],
    [
      'resolution of a notified alert',
      base({ alerts: map(r1), notified: new Set([f1.fingerprint]), pending: [r1] }),
      'update',
      'resolved',
      ['f1:resolved'],
      [],
    ],
    [
      'resolution, sendResolved off',
      base({ alerts: map(r1), notified: new Set([f1.fingerprint]), pending: [r1], sendResolved: false }),
      undefined,
      undefined,
      undefined,
      ['f1:resolved'],
    ],
    ['resolved before anyone was told', base({ alerts: map(r1), pending: [r1] }), undefined, undefined, undefined, ['f1:resolved']],
    [
      'fired and resolved in one batch',
      base({ alerts: map(r1), pending: [f1, r1], first: true }),
      'new',
      'resolved',
      ['f1:firing', 'f1:resolved'],
      [],
    ],
    [
      'muted alert',
      base({ alerts: map(f1, f2), pending: [f1, f2], muted: (a) => a.labels.flow === 'f1', first: true }),
      'new',
      'firing',
      ['f2:firing'],
      ['f1:firing'],
    ],
    [
      'silence over: unannounced alert announced',
      base({ alerts: map(f1, f2), notified: new Set([f2.fingerprint]) }),
      'update',
      'firing',
      ['f1:firing'],
      [],
    ],
    [
      'nothing new, repeat due',
      base({ alerts: map(f1), notified: new Set([f1.fingerprint]), repeatDue: true }),
      'repeat',
      'firing',
      [],
      [],
    ],
    ['nothing new, repeat not due', base({ alerts: map(f1), notified: new Set([f1.fingerprint]) }), undefined, undefined, undefined, []],
    [
      'repeat due but every firing alert acknowledged',
      base({ alerts: map(f1), notified: new Set([f1.fingerprint]), repeatDue: true, acked: new Set([f1.fingerprint]) }),
      undefined,
      undefined,
      undefined,
      [],
    ],
    [
      'repeat due, one of two firing alerts acknowledged: the reminder shows both',
      base({ alerts: map(f1, f2), notified: new Set([f1.fingerprint, f2.fingerprint]), repeatDue: true, acked: new Set([f1.fingerprint]) }),
      'repeat',
      'firing',
      [],
      [],
    ],
    [
      'acknowledged, and a new transition: sent (an ack stops reminders, not news)',
      base({ alerts: map(f1, f2), notified: new Set([f1.fingerprint]), pending: [f2], acked: new Set([f1.fingerprint, f2.fingerprint]) }),
      'update',
      'firing',
      ['f2:firing'],
      [],
    ],
    [
      'repeat due but everything muted',
      base({ alerts: map(f1), notified: new Set([f1.fingerprint]), repeatDue: true, muted: () => true }),
      undefined,
      undefined,
      undefined,
      [],
    ],
  ])('%s', (_case, input, reason, status, transitions, dropped) => {
    const plan = planFlush(input);
    expect(plan.notification?.reason).toBe(reason);
    expect(plan.notification?.status).toBe(status);
    expect(tx(plan.notification?.transitions)).toEqual(transitions);
    expect(tx(plan.dropped)).toEqual(dropped);
  });

  it('forgets resolved alerts and remembers who was told', () => {
    const plan = planFlush(base({ alerts: map(r1, f2), notified: new Set([f1.fingerprint]), pending: [r1, f2] }));
    expect(plan.forget).toEqual([[r1.fingerprint, r1.transitionId]]);
    expect(plan.announce).toEqual([f2.fingerprint]);
    expect(plan.notification?.alerts.map((a) => `${a.labels.flow}:${a.status}`)).toEqual(['f2:firing', 'f1:resolved']);
  });
});

describe('delivery retry plan', () => {
  it.each([
    // options                                                   attempts  cover
    [{}, 106, 24 * 3600_000],
    [{ retryForMs: 60_000, initialMs: 1000, maxMs: 10_000 }, 10, 60_000],
    [{ retryForMs: 1000, initialMs: 100, maxMs: 100 }, 11, 1000],
  ])('%j → %i attempts covering the window', (options, attempts, cover) => {
    const plan = deliveryRetryPlan(options);
    expect(plan.attempts).toBe(attempts);
    let waited = 0;
    for (let a = 1; a < plan.attempts; a++) waited += plan.delayAfter(a);
    expect(waited).toBeGreaterThanOrEqual(cover);
    expect(waited - plan.delayAfter(plan.attempts - 1)).toBeLessThan(cover);
  });
  it('caps each delay, and honours a longer Retry-After', () => {
    const plan = deliveryRetryPlan();
    expect([1, 2, 3, 11, 30].map((a) => plan.delayAfter(a))).toEqual([1000, 2000, 4000, 900_000, 900_000]);
    expect(nextDelay(plan, 1, 30_000)).toBe(30_000);
    expect(nextDelay(plan, 3, 10)).toBe(4000);
  });
});
