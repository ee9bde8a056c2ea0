// Alertmanager's matchers and fingerprint, as tables: what amtool and Grafana send, and the hash
// receivers recompute.
import { describe, expect, it } from 'vitest';
import { labelsFingerprint } from '../../src/alert/alertmanager.ts';
import { formatMatcher, matchersMatch, parseMatcher, parseMatchers } from '../../src/alerting/alertmanager.ts';
import { silencesMatching, type Silence } from '../../src/alerting/silence.ts';

describe('labelsFingerprint', () => {
  it.each([
    // prometheus/common model/signature_test.go: LabelSet fingerprints.
    [{}, 14695981039346656037n],
    [{ name: 'garland, briggs', fear: 'love is not enough' }, 5799056148416392346n],
  ])('%j → %s', (labels, expected) => {
    expect(labelsFingerprint(labels)).toBe(expected.toString(16).padStart(16, '0'));
    expect(labelsFingerprint(labels)).toMatch(/^[0-9a-f]{16}$/);
  });
  it('does not depend on key order', () => {
    expect(labelsFingerprint({ a: '1', b: '2' })).toBe(labelsFingerprint({ b: '2', a: '1' }));
  });
});

describe('matchers', () => {
  const labels = { alertname: 'SyncFailed', target: 'celigo-prod', severity: 'critical' };
  it.each([
    ['alertname="SyncFailed"', true],
    ['alertname=SyncFailed', true],
    ['target=~"celigo-.*"', true],
    ['target=~"celigo"', false], // anchored
    ['severity!="info"', true],
    ['severity!~"crit.*"', false],
    ['missing=""', true], // a missing label is ""
    ['missing!=""', false],
    ['comment="a \\"quoted\\", value"', false],
  ])('%s → %s', (text, hit) => {
    expect(matchersMatch([parseMatcher(text)], labels)).toBe(hit);
  });
  it('reads a {…} filter list and formats back', () => {
    const ms = parseMatchers(['{alertname="SyncFailed", target=~"a,b"}']);
    expect(ms.map(formatMatcher)).toEqual(['alertname="SyncFailed"', 'target=~"a,b"']);
  });
  it.each(['1abc="x"', 'a=~"("', 'a=~"(a+)+"', 'nonsense'])('refuses %s', (text) => {
    expect(() => parseMatcher(text)).toThrow();
  });
});

describe('silences with Alertmanager matchers', () => {
  const base = { id: 's', startsAt: new Date(0).toISOString(), endsAt: new Date(10_000).toISOString(), source: 'runtime' } as const;
  const labels = { alertname: 'SyncFailed', target: 'celigo-prod', severity: 'critical' };
  it.each<[string, Pick<Silence, 'match' | 'matchers'>, boolean]>([
    ['old silences (match only) still work', { match: { target: 'celigo-*' } }, true],
    ['regex', { match: {}, matchers: [{ name: 'target', value: 'celigo-.*', isRegex: true, isEqual: true }] }, true],
    ['negative', { match: {}, matchers: [{ name: 'severity', value: 'critical', isRegex: false, isEqual: false }] }, false],
    [
      'both must hold',
      { match: { target: 'celigo-*' }, matchers: [{ name: 'alertname', value: 'SyncStale', isRegex: false, isEqual: true }] },
      false,
    ],
    ['no matcher silences nothing', { match: {}, matchers: [] }, false],
  ])('%s', (_name, s, hit) => {
    expect(silencesMatching([{ ...base, ...s }], labels, 5_000).length > 0).toBe(hit);
  });
});
