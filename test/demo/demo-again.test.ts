// `npm start` again and again on the same Redis: every run tells the whole story. The simulator's
// ids are the same every run, so without a fresh start the second run's SyncFailed would be taken
// for the first run's and never shown. The story runs at SYNCWATCH_DEMO_PACE=0.25 (the same steps,
// four times faster), three runs in a row on one demo prefix.
import { describe, expect, it } from 'vitest';
import { DaemonProcess, runCli, useDaemonSuite, type AlertLine, type LogLine } from '../harness/daemon.ts';

const suite = useDaemonSuite('demo-again');

describe('the demo, run three times on the same Redis', () => {
  it('shows SyncFailed firing and resolving every time', async () => {
    const env = {
      REDIS_URL: suite.redisUrl,
      SYNCWATCH_LISTEN: '127.0.0.1:0',
      SYNCWATCH_DEMO_PREFIX: suite.filePrefix,
      SYNCWATCH_DEMO_PACE: '0.25',
      SYNCWATCH_CONFIG: '',
      SLACK_BOT_TOKEN: '',
      SMTP_HOST: '',
    };
    const isSyncFailed = (status: string) => (l: LogLine) =>
      (l.alert as AlertLine | undefined)?.labels.kind === 'SyncFailed' && (l.alert as AlertLine).status === status;
    for (const run of [1, 2, 3]) {
      const demo = new DaemonProcess(`demo run ${run}`, ['run'], env);
      const firing = await demo.waitFor(`run ${run}: [FIRING] SyncFailed`, isSyncFailed('firing'));
      const resolved = await demo.waitFor(`run ${run}: [RESOLVED] SyncFailed`, isSyncFailed('resolved'));
      expect((resolved.alert as AlertLine).fingerprint).toBe((firing.alert as AlertLine).fingerprint);
      expect((await demo.stop()).code, demo.tail()).toBe(0);
    }
  }, 240_000);

  it("refuses to wipe a prefix that holds someone else's keys", async () => {
    const prefix = `${suite.filePrefix}-real`;
    await suite.redis.set(`{${prefix}}:target:prod`, 'a real deployment');
    const r = await runCli(
      ['run'],
      { REDIS_URL: suite.redisUrl, SYNCWATCH_LISTEN: '127.0.0.1:0', SYNCWATCH_DEMO_PREFIX: prefix, SYNCWATCH_CONFIG: '' },
      30_000,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      `syncwatch: the Redis prefix "${prefix}" holds keys that are not the demo's: set SYNCWATCH_DEMO_PREFIX to a prefix of its own`,
    );
    expect(await suite.redis.get(`{${prefix}}:target:prod`)).toBe('a real deployment');
  }, 60_000);
});
