import { describe, expect, it } from 'vitest';
import { duration, durationOrZero, parseDuration } from '../../src/fields/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['6h', 21_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '0', '-5s', '5', 's', '1.5h', '30 s', '30S', '10m1h', '1h1h', 'ms', ' 5s', '5s '])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('duration schema', () => {
  it('turns a string into milliseconds', () => {
    expect(duration.parse('1h30m')).toBe(5_400_000);
  });

  it('says what a duration looks like', () => {
    for (const input of [30, '30', 'soon']) {
      expect(duration.safeParse(input).error?.issues[0]?.message).toBe('expected a duration like 30s, 10m, 6h');
    }
  });

  it('rejects zero unless zero is allowed', () => {
    expect(duration.safeParse('0s').error?.issues[0]?.message).toBe('must be longer than 0');
    expect(durationOrZero.parse('0s')).toBe(0);
  });
});
