// Issue 7's acceptance in one daemon: Celigo, Airweave and Neo targets together; failures of each
// raise SyncFailed with the platform's error text and resolve on the next success; Neo runs show
// their per-resource failures; integrations Neo refuses make one configuration alert, not TargetDown.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../fakes/wait.ts';
import { startRig, type Rig } from './rig.ts';

let rig: Rig;
const count = (kind: string, status: string, target: string, update = false) =>
  rig.transitions().filter((t) => t.kind === kind && t.status === status && t.target === target && t.update === update).length;

beforeAll(async () => {
  // The default scenario: a failed Celigo sync; a failed Airweave job; Neo's autotask run failed,
  // halopsa is not connected and m365 does not sync.
  rig = await startRig(
    'e2e-providers',
    ({ simUrl, redisUrl, prefix }) => `
redis: { url: ${redisUrl}, prefix: ${prefix} }
server: { listen: 127.0.0.1:0 }
targets:
  - { name: celigo, provider: celigo, baseUrl: "${simUrl}", token: sim-token, interval: 1s }
  - { name: airweave, provider: airweave, baseUrl: "${simUrl}", apiKey: sim-token, interval: 1s }
  - name: neo
    provider: neo
    baseUrl: "${simUrl}"
    token: sim-token
    integrations: [connectwise, autotask, halopsa, m365]
    interval: 1s
    failuresBeforeAlert: 1
receivers:
  - { name: log, log: {} }
route: { receiver: log, groupWait: 0s, groupInterval: 1s }
`,
  );
  await rig.polls(2);
});

afterAll(async () => rig?.close());

it("every provider's failed run fires SyncFailed once, with the platform's error text", async () => {
  await waitFor(
    'SyncFailed of all three targets',
    () => ['celigo', 'airweave', 'neo'].every((t) => count('SyncFailed', 'firing', t) >= 1) || undefined,
    30_000,
  );
  for (const target of ['celigo', 'airweave', 'neo']) expect(count('SyncFailed', 'firing', target)).toBe(1);
  const neo = rig.transitions().find((t) => t.kind === 'SyncFailed' && t.target === 'neo')!;
  expect(neo.annotations.name).toBe('autotask');
  expect(String(neo.annotations.error).length).toBeGreaterThan(0);
  const airweave = rig.transitions().find((t) => t.kind === 'SyncFailed' && t.target === 'airweave')!;
  expect(String(airweave.annotations.error).length).toBeGreaterThan(0);
});

it('the integrations Neo refuses make one TargetMisconfigured alert naming both, and no TargetDown', async () => {
  await waitFor('the configuration alert', () => count('TargetMisconfigured', 'firing', 'neo') >= 1 || undefined, 30_000);
  await rig.polls(2);
  expect(count('TargetMisconfigured', 'firing', 'neo')).toBe(1);
  const alert = rig.transitions().find((t) => t.kind === 'TargetMisconfigured')!;
  expect(alert.annotations.error).toContain('halopsa');
  expect(alert.annotations.error).toContain('m365');
  expect(rig.transitions().filter((t) => t.kind === 'TargetDown')).toEqual([]);
  const status = await rig.status();
  expect(status.targets.find((t: { name: string }) => t.name === 'neo').lastOutcome).toBe('success');
});

it('a Neo run with per-resource failures shows them in the alert', async () => {
  await rig.admin('/neo/integrations/connectwise/runs', {
    status: 'FAILURE',
    newRun: true,
    failures: [
      { resource_label: 'Contoso Ltd', parent_label: 'Companies', reason: 'validation', error_message: 'Phone number is invalid' },
      { resource_label: 'Fabrikam', parent_label: 'Companies', reason: 'permission', error_message: 'Insufficient rights' },
    ],
  });
  const fired = await waitFor(
    'SyncFailed of connectwise',
    () => rig.transitions().find((t) => t.kind === 'SyncFailed' && t.annotations.name === 'connectwise'),
    30_000,
  );
  expect(fired.annotations.error).toContain('Contoso Ltd');
  expect(fired.annotations.error).toContain('Phone number is invalid');
  expect(fired.annotations.error).toContain('Fabrikam');
});

it('each resolves once on the next success; fixing the integrations resolves the configuration alert', async () => {
  const celigoSync = (await rig.admin('/world', undefined, 'GET')).syncs.find(
    (s: { latestStatus: string }) => s.latestStatus === 'failed',
  )._id;
  const airweaveSync = (await rig.admin('/airweave', undefined, 'GET')).syncs.find(
    (s: { latestStatus: string }) => s.latestStatus === 'failed',
  );
  await rig.admin(`/syncs/${celigoSync}/succeed`, {});
  await rig.admin(`/airweave/jobs/${airweaveSync.id}/succeed`, {});
  await rig.admin('/neo/integrations/autotask/runs', { status: 'SUCCESS', newRun: true });
  await rig.admin('/neo/integrations/halopsa/state', { state: 'connected' });
  await rig.admin('/neo/integrations/m365/state', { state: 'connected' });
  await waitFor(
    'every resolution',
    () =>
      (count('SyncFailed', 'resolved', 'celigo') >= 1 &&
        count('SyncFailed', 'resolved', 'airweave') >= 1 &&
        rig.transitions().some((t) => t.kind === 'SyncFailed' && t.status === 'resolved' && t.annotations.name === 'autotask') &&
        count('TargetMisconfigured', 'resolved', 'neo') >= 1) ||
      undefined,
    30_000,
  );
  await rig.polls(2);
  expect(count('SyncFailed', 'resolved', 'celigo')).toBe(1);
  expect(count('SyncFailed', 'resolved', 'airweave')).toBe(1);
  expect(count('TargetMisconfigured', 'resolved', 'neo')).toBe(1);
});
