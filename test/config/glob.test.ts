// The one glob matcher (src/glob.ts): one syntax, ids case-sensitive, names in any case, and
// picomatch's path rules (`/`, `.`, `\`, braces, brackets, extglobs, `!`) never leak in.
import { describe, expect, it } from 'vitest';
import { compileGlobs, globMatcher, globMatches, isGlob } from '../../src/glob.ts';
import { compilePolicies, matchPolicy } from '../../src/retry/index.ts';
import { compileRoute, routesFor } from '../../src/alerting/route.ts';
import { rulesForTarget } from '../../src/watch/rules.ts';
import { policy } from '../retry/helpers.ts';

describe('glob syntax: `*` any run, `?` one character, everything else literal', () => {
  it.each([
    ['Orders*', 'Orders to NetSuite', true],
    ['Orders*', 'Orders', true],
    ['*', '', true],
    ['', '', true],
    ['', 'x', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['Orders*', 'Orders / NetSuite', true],
    ['a?c', 'a/c', true],
    ['*', 'line one\nline two', true],
    ['*.csv', 'exports/2024/x.csv', true],
    ['*', '..', true],
    ['a.b', 'aXb', false],
    ['Orders (NetSuite)', 'Orders (NetSuite)', true],
    ['Orders (NetSuite)', 'Orders NetSuite', false],
    ['[abc]', 'a', false],
    ['[abc]', '[abc]', true],
    ['{a,b}', 'a', false],
    ['{a,b}', '{a,b}', true],
    ['!x', 'y', false],
    ['!x', '!x', true],
    ['+(a)', '+(a)', true],
    ['@(a)', 'a', false],
    ['a\\*', 'a\\bc', true],
    ['a\\*', 'a*', false],
    ['C:\\x', 'C:\\x', true],
  ])('%j against %j: %s', (glob, value, expected) => {
    expect(globMatches(glob, value, 'id')).toBe(expected);
    expect(globMatches(glob, value, 'name')).toBe(expected);
  });

  it('ids are case-sensitive, names are not', () => {
    expect(globMatches('celigo-*', 'CELIGO-prod', 'id')).toBe(false);
    expect(globMatches('netsuite*', 'NetSuite Orders', 'name')).toBe(true);
    const test = compileGlobs(['int-A*']);
    expect(test({ id: 'int-a1' })).toBe(false);
    expect(test({ id: 'int-A1' })).toBe(true);
    expect(test({ name: 'INT-a1' })).toBe(true);
    expect(test({})).toBe(false);
  });

  it('compiles each glob once (the routing path reuses it)', () => {
    expect(globMatcher('Nightly *', 'name')).toBe(globMatcher('Nightly *', 'name'));
    expect(globMatcher('Nightly *', 'name')).not.toBe(globMatcher('Nightly *', 'id'));
  });

  it('isGlob: only `*` and `?` make a pattern a glob', () => {
    expect(isGlob('celigo-*')).toBe(true);
    expect(isGlob('celigo-?')).toBe(true);
    expect(isGlob('celigo-[1]')).toBe(false);
  });
});

describe('every caller reads the same rules', () => {
  it('retry policies: target and step ids case-sensitive, flow names in any case', () => {
    const ctx = { target: 'celigo-prod', flowId: 'flow-1', flowName: 'Orders to NetSuite', stepId: 'imp-1' };
    const err = { message: 'x' };
    const match = (m: Parameters<typeof policy>[0]['match']) =>
      matchPolicy(compilePolicies([policy({ name: 'p', match: m, action: 'retry' })]), err, ctx)?.name;
    expect(match({ targets: ['Celigo-*'] })).toBeUndefined();
    expect(match({ steps: ['IMP-1'] })).toBeUndefined();
    expect(match({ flows: ['FLOW-1'] })).toBeUndefined();
    expect(match({ flows: ['orders to *'] })).toBe('p');
  });

  it('routes: label values (ids) case-sensitive, the flow name in any case', () => {
    const root = compileRoute({
      receiver: 'default',
      groupBy: ['kind'],
      groupWait: 0,
      groupInterval: 0,
      repeatInterval: 0,
      sendResolved: true,
      routes: [
        { receiver: 'by-target', match: { target: 'Prod' }, continue: false, routes: [] },
        { receiver: 'by-name', match: { flow: 'nightly *' }, continue: false, routes: [] },
      ],
    });
    const receivers = (labels: Record<string, string>) => routesFor(root, labels).map((r) => r.receiver);
    expect(receivers({ target: 'prod' })).toEqual(['default']);
    expect(receivers({ target: 'Prod' })).toEqual(['by-target']);
    expect(receivers({ flow: 'flow-1', name: 'Nightly archive' })).toEqual(['by-name']);
    expect(receivers({ flow: 'NIGHTLY-ID' })).toEqual(['default']);
  });

  it('expect: integration ids case-sensitive, flow names in any case', () => {
    const rules = rulesForTarget({
      failuresBeforeAlert: 1,
      expect: [{ match: { integration: 'int-A', flow: 'nightly*' }, successWithin: 60_000 }],
    });
    expect(rules({ kind: 'flow', name: 'Nightly archive', integrationId: 'int-A' }).successWithinMs).toBe(60_000);
    expect(rules({ kind: 'flow', name: 'Nightly archive', integrationId: 'int-a' }).successWithinMs).toBeUndefined();
  });
});
