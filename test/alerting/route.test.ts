import { describe, expect, it } from 'vitest';
import { compileRoute, groupsFor, groupKeyOf, groupLabelsOf, routesFor, type Route } from '../../src/alerting/route.ts';
import type { RouteConfig } from '../../src/config/index.ts';

const sub = (s: Partial<RouteConfig['routes'][number]>): RouteConfig['routes'][number] => ({ continue: false, routes: [], ...s });

const tree: RouteConfig = {
  receiver: 'oncall',
  groupBy: ['target', 'kind'],
  groupWait: 10_000,
  groupInterval: 60_000,
  repeatInterval: 4 * 3600_000,
  sendResolved: true,
  routes: [
    sub({ match: { kind: 'SyncFailed', severity: 'critical' }, receiver: 'email', continue: true }),
    sub({ match: { kind: 'TargetDown' }, receiver: 'hook', groupWait: 0, sendResolved: false }),
    sub({
      match: { target: 'celigo-*' },
      matchRe: { flow: 'arch.*' },
      receiver: 'archive',
      routes: [sub({ match: { severity: 'warning' }, receiver: 'archive-warn', groupBy: ['flow'] })],
    }),
    sub({ match: { flow: 'Nightly archive' }, receiver: 'by-name' }),
    sub({ match: { kind: 'SyncStale' }, continue: true, groupBy: ['resource'] }), // same receiver as the root
  ],
};
const root = compileRoute(tree);

describe('route tree', () => {
  it.each([
    // labels                                                                         receivers
    [{ kind: 'SyncFailed', severity: 'critical', target: 'x' }, ['email', 'oncall']], // continue, and no later sibling takes it: the root's receiver does too
    [{ kind: 'SyncFailed', severity: 'warning', target: 'x' }, ['oncall']],
    [{ kind: 'TargetDown', severity: 'critical', target: 'x' }, ['hook']],
    [{ kind: 'SyncFailed', severity: 'critical', target: 'celigo-prod', flow: 'archive1' }, ['email', 'archive']],
    [{ kind: 'FlowErrors', severity: 'warning', target: 'celigo-prod', flow: 'archive1' }, ['archive-warn']],
    [{ kind: 'FlowErrors', severity: 'warning', target: 'neo-prod', flow: 'archive1' }, ['oncall']],
    [{ kind: 'FlowErrors', severity: 'warning', target: 'x', flow: 'f9', name: 'Nightly archive' }, ['by-name']],
    [{ kind: 'FlowErrors', severity: 'warning', target: 'x', name: 'Nightly archive' }, ['oncall']], // name matches only where the flow label exists
    // a receiver that already has the alert through a continue route is not added again
    [{ kind: 'SyncStale', severity: 'info', target: 'x' }, ['oncall']],
    // continue stops at the first later sibling that takes the alert without continue
    [{ kind: 'SyncFailed', severity: 'critical', target: 'celigo-x', flow: 'f9', name: 'Nightly archive' }, ['email', 'by-name']],
  ])('%j → %j', (labels, receivers) => {
    const got = routesFor(root, labels as Record<string, string>).map((r) => r.receiver);
    expect(got).toEqual(receivers);
  });

  it.each([
    // route id   field             value
    ['0.1', 'groupWait', 0],
    ['0.1', 'sendResolved', false],
    ['0.1', 'groupInterval', 60_000],
    ['0.2.0', 'groupBy', ['flow']],
    ['0.2.0', 'repeatInterval', 4 * 3600_000],
    ['0.2', 'groupBy', ['target', 'kind']],
    ['0.0', 'continue', true],
  ] as const)('route %s inherits/sets %s = %j', (id, field, value) => {
    const find = (r: Route): Route | undefined => (r.id === id ? r : r.routes.map(find).find(Boolean));
    expect(find(root)?.[field]).toEqual(value);
  });

  it.each([
    // groupBy               labels                                   key
    [['target', 'kind'], { target: 'p', kind: 'SyncFailed', flow: 'f' }, '0:{kind="SyncFailed",target="p"}'],
    [['kind', 'target'], { target: 'p', kind: 'SyncFailed' }, '0:{kind="SyncFailed",target="p"}'],
    [['flow'], { target: 'p' }, '0:{}'],
  ])('group by %j of %j → %s', (groupBy, labels, key) => {
    const r = { ...root, groupBy };
    expect(groupKeyOf(r, groupLabelsOf(r, labels))).toBe(key);
  });

  it('gives one group per matching route, with distinct ids', () => {
    const groups = groupsFor(root, {
      labels: { target: 'x', provider: 'celigo', kind: 'SyncFailed', severity: 'critical', resource: 'r' },
      annotations: { summary: '' },
    });
    expect(groups.map((g) => g.route.receiver)).toEqual(['email', 'oncall']);
    const both = groupsFor(root, {
      labels: { target: 'celigo-a', provider: 'celigo', kind: 'SyncFailed', severity: 'critical', resource: 'r', flow: 'archive' },
      annotations: { summary: '' },
    });
    expect(both.map((g) => g.route.receiver)).toEqual(['email', 'archive']);
    expect(new Set(both.map((g) => g.groupId)).size).toBe(2);
  });
});
