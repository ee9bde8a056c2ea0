// Stage 1 of the pipeline: route → group. The route tree as Alertmanager users know it: a node
// matches on `match` (value or glob) and `matchRe` (anchored regex); the deepest matching nodes
// win, `continue: true` keeps looking at later siblings; children inherit what they do not set.
import { createHash } from 'node:crypto';
import type { RouteConfig, SubRouteConfig } from '../config/index.ts';
import { globMatches } from '../glob.ts';
import { labelSetOf, type AlertEvent, type LabelSet } from '../alert/model.ts';

export { labelSetOf };

/** A route with everything inherited filled in. `id` is its path in the tree (`0`, `0.1`, …). */
export interface Route {
  id: string;
  receiver: string;
  groupBy: string[];
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
  sendResolved: boolean;
  continue: boolean;
  match: Record<string, string>;
  matchRe: Record<string, RegExp>;
  routes: Route[];
}

export function compileRoute(root: RouteConfig): Route {
  const base: Route = {
    id: '0',
    receiver: root.receiver,
    groupBy: [...root.groupBy],
    groupWait: root.groupWait,
    groupInterval: root.groupInterval,
    repeatInterval: root.repeatInterval,
    sendResolved: root.sendResolved,
    continue: false,
    match: {},
    matchRe: {},
    routes: [],
  };
  base.routes = root.routes.map((sub, i) => compileSub(sub, base, `0.${i}`));
  return base;
}

function compileSub(sub: SubRouteConfig, parent: Route, id: string): Route {
  const route: Route = {
    id,
    receiver: sub.receiver ?? parent.receiver,
    groupBy: sub.groupBy ? [...sub.groupBy] : parent.groupBy,
    groupWait: sub.groupWait ?? parent.groupWait,
    groupInterval: sub.groupInterval ?? parent.groupInterval,
    repeatInterval: sub.repeatInterval ?? parent.repeatInterval,
    sendResolved: sub.sendResolved ?? parent.sendResolved,
    continue: sub.continue,
    match: { ...sub.match },
    matchRe: Object.fromEntries(Object.entries(sub.matchRe ?? {}).map(([k, re]) => [k, new RegExp(`^(?:${re})$`, 's')])),
    routes: [],
  };
  route.routes = sub.routes.map((child, i) => compileSub(child, route, `${id}.${i}`));
  return route;
}

/** Labels whose matchers also accept the resource's human name. */
const NAMED_LABELS = new Set(['flow', 'sync']);

/**
 * One `match` entry: the value or glob against the label (a missing label is ""), or the name for
 * flow/sync. Label values are ids (case-sensitive); names match in any case (src/glob.ts).
 */
export function matchesValue(labels: LabelSet, key: string, pattern: string): boolean {
  if (globMatches(pattern, labels[key] ?? '', key === 'name' ? 'name' : 'id')) return true;
  return NAMED_LABELS.has(key) && labels[key] !== undefined && labels.name !== undefined && globMatches(pattern, labels.name, 'name');
}

export function matchesAll(labels: LabelSet, match: Record<string, string>, matchRe: Record<string, RegExp> = {}): boolean {
  for (const [key, pattern] of Object.entries(match)) if (!matchesValue(labels, key, pattern)) return false;
  for (const [key, re] of Object.entries(matchRe)) if (!re.test(labels[key] ?? '')) return false;
  return true;
}

/** The routes an alert goes to (at least the root), in tree order. */
export function routesFor(root: Route, labels: LabelSet): Route[] {
  return walk(root, labels) ?? [root];
}

/**
 * The deepest matching routes. `continue: true` keeps looking at later siblings, as in
 * Alertmanager — and where no later sibling takes the alert, it goes on to this node's own
 * receiver too (the example config's `SyncFailed → e-mail, continue` also reaches the default
 * Slack receiver, as its readers expect).
 */
function walk(node: Route, labels: LabelSet): Route[] | undefined {
  if (!matchesAll(labels, node.match, node.matchRe)) return undefined;
  const found: Route[] = [];
  let taken = false;
  for (const child of node.routes) {
    const hit = walk(child, labels);
    if (!hit) continue;
    found.push(...hit);
    if (!child.continue) {
      taken = true;
      break;
    }
  }
  // Falling through to this node's receiver adds it once: a receiver that already has the alert
  // through a matched child does not get it twice.
  if (!taken && !found.some((r) => r.receiver === node.receiver)) found.push(node);
  return found;
}

/** The values of the route's `groupBy` labels (missing labels left out). */
export function groupLabelsOf(route: Route, labels: LabelSet): LabelSet {
  const out: LabelSet = {};
  for (const key of route.groupBy) {
    const value = labels[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** `0.1:{kind="SyncFailed",target="prod"}`: the route and the sorted group labels. */
export function groupKeyOf(route: Route, groupLabels: LabelSet): string {
  const pairs = Object.keys(groupLabels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`);
  return `${route.id}:{${pairs.join(',')}}`;
}

/** A short, key- and job-id-safe id for a group of one route and receiver. */
export function groupIdOf(groupKey: string, receiver: string): string {
  return createHash('sha1').update(`${receiver}\u0000${groupKey}`).digest('hex').slice(0, 24);
}

export interface GroupAssignment {
  route: Route;
  groupKey: string;
  groupId: string;
  groupLabels: LabelSet;
}

/** route → group for one alert: every group (one per matching route) the alert belongs to. */
export function groupsFor(root: Route, event: Pick<AlertEvent, 'labels' | 'annotations'>): GroupAssignment[] {
  const labels = labelSetOf(event);
  return routesFor(root, labels).map((route) => {
    const groupLabels = groupLabelsOf(route, labels);
    const groupKey = groupKeyOf(route, groupLabels);
    return { route, groupKey, groupId: groupIdOf(groupKey, route.receiver), groupLabels };
  });
}

/** Every route of the tree, for lookups by id. */
export function flattenRoutes(root: Route): Map<string, Route> {
  const out = new Map<string, Route>();
  const visit = (r: Route) => {
    out.set(r.id, r);
    r.routes.forEach(visit);
  };
  visit(root);
  return out;
}
