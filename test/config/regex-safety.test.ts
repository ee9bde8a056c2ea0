import { describe, expect, it } from 'vitest';
import { regexProblem } from '../../src/fields/regex-safety.ts';

describe('regexProblem', () => {
  it.each([
    '^(408|502|503|504)$',
    'timed? ?out|ECONNRESET',
    '\\d+(\\.\\d+)*',
    '(\\w+\\s)*end',
    '(foo|bar)+',
    '(\\d|x)*',
    '[(]+',
    '.*timeout.*',
    '(?<code>\\d+)-\\k<code>',
  ])('accepts %j', (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });

  it.each([
    ['(a+)+', /nested|another unbounded repeat/],
    ['(a*)*', /another unbounded repeat/],
    ['(.*)*', /another unbounded repeat/],
    ['((ab)+c)*', /another unbounded repeat/],
    ['(a+ba+)*', /another unbounded repeat/],
    ['(\\w+\\s?)*', /another unbounded repeat/],
    ['(a|a)*', /alternatives of a repeated group/],
    ['(a|ab)*', /alternatives of a repeated group/],
    ['(\\d|\\w)+', /alternatives of a repeated group/],
    ['(?:x|)+', /alternatives of a repeated group/],
  ])('rejects %j as catastrophic', (pattern, message) => {
    expect(regexProblem(pattern)).toMatch(message);
  });

  it('reports a compile error without quoting the pattern', () => {
    const problem = regexProblem('(secret-ish');
    expect(problem).toBe('invalid regular expression: Unterminated group');
  });

  it('really does stop a pattern that would hang', () => {
    // The classic: (a+)+$ against "aaaa…!" takes exponential time in V8.
    expect(regexProblem('(a+)+$')).toBeDefined();
  });
});
