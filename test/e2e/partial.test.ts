// Issue 12 in one daemon: a Data Loader job that completed with errors reaches a person as
// SyncPartial — the log receiver's line names the tables and the first messages — and /metrics
// counts it among the firing alerts; a clean run resolves it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../fakes/wait.ts';
import { startRig, type Rig } from './rig.ts';

let rig: Rig;
let sync: string;

beforeAll(async () => {
  rig = await startRig(
    'e2e-partial',
    ({ simUrl, redisUrl, prefix }) => `
redis: { url: ${redisUrl}, prefix: ${prefix} }
server: { listen: 127.0.0.1:0 }
targets:
  - { name: dw, provider: celigo, baseUrl: "${simUrl}", token: sim-token, interval: 1s }
receivers:
  - { name: log, log: {} }
route: { receiver: log, groupWait: 0s, groupInterval: 1s }
`,
    {
      scenario: {
        seed: 4,
        entities: {
          integrations: [
            {
              name: 'Shop',
              flows: [{ name: 'Orders', imports: 1, openErrors: 0 }],
              syncs: [{ name: 'Snowflake', tables: ['accounts', 'contacts'], history: ['completed'] }],
            },
          ],
        },
        airweave: { syncs: 0 },
        neo: { integrations: [] },
      },
    },
  );
  sync = (await rig.admin('/world', undefined, 'GET')).syncs[0]._id;
  await rig.polls(1);
});

afterAll(async () => rig?.close());

it('fires SyncPartial with the tables and messages, counts it in /metrics, and resolves it on a clean run', async () => {
  await rig.admin(`/syncs/${sync}/succeed`, {
    numErrors: 4,
    failedTables: ['contacts'],
    code: 'NULL_VALUE',
    message: 'NULL result in a non-nullable column EMAIL',
  });
  const fired = await waitFor(
    '[FIRING] SyncPartial',
    () => rig.transitions().find((t) => t.kind === 'SyncPartial' && t.status === 'firing'),
    30_000,
  );
  expect(fired.annotations.summary).toBe(`sync ${sync} succeeded with 4 failed record(s)`);
  expect(fired.annotations.error).toContain('4 error(s) in 1 table(s): contacts (4)');
  expect(fired.annotations.error).toContain('- contacts: NULL_VALUE: NULL result in a non-nullable column EMAIL');
  expect(
    rig.logs.some(
      (l) => typeof l.msg === 'string' && l.msg.startsWith(`[FIRING] SyncPartial dw: sync ${sync} succeeded with 4 failed record(s)`),
    ),
  ).toBe(true);

  const metrics = await (await fetch(`${rig.daemon.url}/metrics`)).text();
  expect(metrics).toMatch(/^syncwatch_alerts_firing\{kind="SyncPartial",severity="warning"\} 1$/m);

  await rig.admin(`/syncs/${sync}/succeed`, {});
  await waitFor('[RESOLVED] SyncPartial', () => rig.transitions().find((t) => t.kind === 'SyncPartial' && t.status === 'resolved'), 30_000);
  await rig.polls(1);
  expect(
    rig
      .transitions()
      .filter((t) => t.kind === 'SyncPartial')
      .map((t) => t.status),
  ).toEqual(['firing', 'resolved']);
  // Gauges are read from Redis at scrape time (cached 1.5 s): the alert leaves them.
  await waitFor(
    'SyncPartial gone from syncwatch_alerts_firing',
    async () =>
      /^syncwatch_alerts_firing\{kind="SyncPartial"/m.test(await (await fetch(`${rig.daemon.url}/metrics`)).text()) ? undefined : true,
    30_000,
  );
});
