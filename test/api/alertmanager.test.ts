// The Alertmanager API v2 subset against a daemon and the simulator, driven by the real amtool
// (Debian's prometheus-alertmanager): alerts listed, silences added, honoured by a second replica,
// queried and expired.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { listSilences } from '../../src/alerting/silence.ts';
import { keyspace } from '../../src/state/keys.ts';
import { connectRedis, type RedisClient } from '../../src/state/redis.ts';
import { startDaemon, type Daemon } from '../../workers/index.ts';
import { waitFor } from '../fakes/wait.ts';
import { startRig, type Rig } from '../e2e/rig.ts';

const AMTOOL = '/usr/bin/amtool';
const haveAmtool = existsSync(AMTOOL);
if (!haveAmtool)
  console.warn(`skipping the amtool tests: ${AMTOOL} is missing (Debian's prometheus-alertmanager package; .ci/run installs it)`);

let rig: Rig;
let replica2: Daemon;
let syncId: string;
let redis: RedisClient;

const run = promisify(execFile);
async function amtool(url: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(AMTOOL, [`--alertmanager.url=${url}`, ...args], { env: { ...process.env, HOME: '/nonexistent' } });
  return stdout;
}
const api = async (url: string, path: string) => (await fetch(`${url}/api/v2${path}`)).json() as Promise<any>;

beforeAll(async () => {
  rig = await startRig(
    'api-amtool',
    ({ simUrl, redisUrl, prefix }) => `
redis: { url: ${redisUrl}, prefix: ${prefix} }
server: { listen: 127.0.0.1:0 }
targets:
  - name: celigo-prod
    provider: celigo
    baseUrl: ${simUrl}
    token: sim-token
    interval: 1s
receivers:
  - name: ops-log
    log: {}
route: { receiver: ops-log, groupBy: [target, kind], groupWait: 0s, groupInterval: 1s, repeatInterval: 4h }
`,
    {
      scenario: {
        seed: 5,
        entities: {
          integrations: [
            {
              name: 'NetSuite Orders',
              flows: [{ name: 'Orders', imports: 1, openErrors: 0 }],
              syncs: [{ name: 'Orders to Snowflake', history: ['completed'] }],
            },
          ],
        },
      },
    },
  );
  // A second replica on the same Redis and prefix: what one stores, the other sees.
  replica2 = await startDaemon(rig.config, { logger: createLogger({ level: 'silent' }) });
  syncId = (await rig.admin('/world', undefined, 'GET')).syncs[0]._id;
  await rig.polls(1);
  await rig.admin(`/syncs/${syncId}/fail`, { numErrors: 3, message: 'Snowflake said no' });
  await waitFor(
    'SyncFailed in /api/v2/alerts',
    async () => ((await api(rig.daemon.url, '/alerts')).some((a: any) => a.labels.alertname === 'SyncFailed') ? true : undefined),
    60_000,
  );
  redis = await connectRedis(rig.config.redis);
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await replica2?.close();
  await rig?.close();
});

describe.skipIf(!haveAmtool)('the real amtool', () => {
  it('alert query lists the firing alert, with Alertmanager labels and a 16-hex fingerprint', async () => {
    const table = await amtool(rig.daemon.url, 'alert', 'query');
    expect(table).toMatch(/SyncFailed/);
    const alerts = JSON.parse(await amtool(rig.daemon.url, '-o', 'json', 'alert', 'query', 'alertname=SyncFailed')) as any[];
    expect(alerts).toHaveLength(1);
    expect(alerts[0].labels).toMatchObject({ alertname: 'SyncFailed', kind: 'SyncFailed', target: 'celigo-prod', severity: 'critical' });
    expect(alerts[0].fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(alerts[0].receivers).toEqual([{ name: 'ops-log' }]);
    expect(alerts[0].status.state).toBe('active');
  });

  it('silence add (regex and negative matchers) is honoured by every replica; query lists it; expire ends it', async () => {
    const id = (
      await amtool(
        rig.daemon.url,
        'silence',
        'add',
        '--author=ops@example.com',
        '--comment=maintenance',
        '--duration=1h',
        'alertname=SyncFailed',
        'target=~"celigo-.*"',
        'severity!="info"',
      )
    ).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // Stored where `syncwatch silence add` stores them.
    const stored = await listSilences(redis, keyspace(rig.config.redis.prefix));
    expect(stored.find((x) => x.id === id)).toMatchObject({ createdBy: 'ops@example.com', source: 'runtime' });
    // The other replica holds the alert back.
    await waitFor(
      'the alert silenced on replica 2',
      async () => {
        const [a] = await api(replica2.url, '/alerts?filter=alertname%3D%22SyncFailed%22');
        return a?.status.state === 'suppressed' && a.status.silencedBy.includes(id) ? true : undefined;
      },
      30_000,
    );
    const status = (await (await fetch(`${replica2.url}/status`)).json()) as any;
    expect(status.alerts.find((a: any) => a.labels.kind === 'SyncFailed')).toMatchObject({ silenced: true, silencedBy: [id] });
    // amtool's default query leaves silenced alerts out; --silenced shows them.
    expect(await amtool(rig.daemon.url, 'alert', 'query')).not.toMatch(/SyncFailed/);
    expect(await amtool(rig.daemon.url, 'alert', 'query', '--silenced')).toMatch(/SyncFailed/);

    const silences = JSON.parse(await amtool(replica2.url, '-o', 'json', 'silence', 'query')) as any[];
    const s = silences.find((x) => x.id === id);
    expect(s).toMatchObject({ createdBy: 'ops@example.com', comment: 'maintenance', status: { state: 'active' } });
    expect(s.matchers).toEqual(
      expect.arrayContaining([
        { name: 'alertname', value: 'SyncFailed', isRegex: false, isEqual: true },
        { name: 'target', value: 'celigo-.*', isRegex: true, isEqual: true },
        { name: 'severity', value: 'info', isRegex: false, isEqual: false },
      ]),
    );
    expect((await amtool(rig.daemon.url, 'silence', 'query', '-q')).split('\n')).toContain(id);

    await amtool(replica2.url, 'silence', 'expire', id);
    expect((await amtool(rig.daemon.url, 'silence', 'query', '-q')).split('\n')).not.toContain(id);
    expect(await amtool(rig.daemon.url, 'alert', 'query')).toMatch(/SyncFailed/);
  });
});

describe('the API shapes beyond amtool', () => {
  it('groups by the route, status is alertmanagerStatus, bad silences are refused with 400', async () => {
    const groups = await api(rig.daemon.url, '/alerts/groups');
    expect(groups).toEqual([
      expect.objectContaining({
        labels: { kind: 'SyncFailed', target: 'celigo-prod' },
        receiver: { name: 'ops-log' },
        alerts: [expect.objectContaining({ labels: expect.objectContaining({ alertname: 'SyncFailed' }) })],
      }),
    ]);
    const status = await api(rig.daemon.url, '/status');
    expect(status).toMatchObject({
      cluster: { status: 'disabled' },
      versionInfo: { version: expect.any(String) },
      config: { original: expect.stringContaining('ops-log') },
      uptime: expect.any(String),
    });
    const post = (body: unknown) =>
      fetch(`${rig.daemon.url}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const now = Date.now();
    const silence = {
      matchers: [{ name: 'target', value: '.*', isRegex: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 60_000).toISOString(),
      createdBy: 't',
      comment: 'c',
    };
    expect((await post(silence)).status).toBe(400); // matches everything
    expect((await post({ ...silence, matchers: [{ name: 'target', value: '(a+)+', isRegex: true }] })).status).toBe(400);
    expect((await post({ ...silence, endsAt: new Date(now - 1000).toISOString() })).status).toBe(400);
    expect((await fetch(`${rig.daemon.url}/api/v2/silence/nope`)).status).toBe(404);
  });
});
