// `syncwatch once` against the simulator shows a partial failure — the sync, how many records
// failed, the tables and the first messages — as it would alert on it (issue 12).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatProblem, loadConfigFromString } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { formatOnce, runOnce } from '../../src/watch/once.ts';
import { testRedis } from '../harness/redis.ts';
import { simAdmin } from '../harness/sim-admin.ts';

let sim: Simulator;
let redis: Awaited<ReturnType<typeof testRedis>>;

beforeAll(async () => {
  redis = await testRedis('once-partial');
  sim = await startSimulator({
    port: 0,
    scenario: {
      seed: 3,
      entities: {
        integrations: [
          { name: 'Data warehouse', syncs: [{ name: 'Snowflake', tables: ['accounts', 'contacts'], history: ['completed'] }] },
        ],
      },
      airweave: { syncs: 0 },
      neo: { integrations: [] },
    },
  });
});
afterAll(async () => {
  await sim.close();
  await redis.cleanup();
});

it('prints the SyncPartial with the failed tables and the first error messages', async () => {
  const world = await simAdmin<{ integrations: Array<{ _id: string; syncIds: string[] }> }>(sim.url, '/world', undefined, 'GET');
  const [integration] = world.integrations;
  await simAdmin(sim.url, `/syncs/${integration!.syncIds[0]}/succeed`, {
    numErrors: 2,
    failedTables: ['contacts'],
    code: 'NULL_VALUE',
    message: 'NULL result in a non-nullable column EMAIL',
  });
  // A sync-only integration: watched because the target lists it.
  const loaded = await loadConfigFromString(
    `
redis: { url: ${redis.url}, prefix: ${redis.prefix} }
targets:
  - { name: dw, provider: celigo, baseUrl: "${sim.url}", token: sim-token, integrations: ["${integration!._id}"] }
receivers: [{ name: log, log: {} }]
route: { receiver: log }
`,
    '(once-partial)',
    {},
  );
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  const out = formatOnce(await runOnce(loaded.config, createLogger({ level: 'silent' })));
  expect(out).toContain(`event FIRING   SyncPartial sync ${integration!.syncIds[0]} succeeded with 2 failed record(s)`);
  expect(out).toContain('2 error(s) in 1 table(s): contacts (2)');
  expect(out).toContain('- contacts: NULL_VALUE: NULL result in a non-nullable column EMAIL');
});
