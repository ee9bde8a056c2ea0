// Every metric the Grafana dashboard queries exists in a real scrape of the daemon.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { families, startScrapeRig, type ScrapeRig } from './scrape.ts';

const dashboard = JSON.parse(readFileSync(new URL('../../config/grafana/dashboards/syncwatch.json', import.meta.url), 'utf8')) as {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
};

let rig: ScrapeRig;
let declared: Map<string, string>;

beforeAll(async () => {
  rig = await startScrapeRig('dashboard');
  await rig.polled(1);
  declared = families(await (await rig.get('/metrics')).text());
});
afterAll(async () => rig?.close());

const queried = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).flatMap((t) => [...t.expr.matchAll(/\b(syncwatch_[a-z_]+)/g)].map((m) => ({ panel: p.title, metric: m[1]! }))),
);

it('the dashboard queries syncwatch metrics at all', () => {
  expect(queried.length).toBeGreaterThan(10);
});

it.each(queried)('$panel: $metric is in the scrape', ({ metric }) => {
  // A histogram's _bucket/_sum/_count series belong to its family.
  const family = declared.has(metric) ? metric : metric.replace(/_(bucket|sum|count)$/, '');
  expect(declared.has(family), `${metric} is not exposed by the daemon`).toBe(true);
});
