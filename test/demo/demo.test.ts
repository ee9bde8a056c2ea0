// The newcomer's first minute: `syncwatch run` with no configuration starts the demo — its first
// line says so; within 60 s the log shows an alert firing and resolving and a retry succeeding,
// and /status and /metrics show them. Synchronised on log lines, never on sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '../harness/redis.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The product's promise; generous on purpose (the story itself needs about 40 s). */
const WITHIN_MS = 60_000;

type Line = Record<string, unknown> & {
  msg?: string;
  raw?: string;
  alert?: { fingerprint: string; status: string; labels: Record<string, string> };
};

describe('the demo (syncwatch run with no config)', () => {
  let redis: Awaited<ReturnType<typeof testRedis>>;
  let child: ChildProcess;
  const lines: Line[] = [];
  const waiters: Array<{ test: (l: Line) => boolean; resolve: (l: Line) => void }> = [];
  let exited: Promise<number | null>;

  /** The first line (already seen or still to come) that passes `test`. */
  const lineWhere = (what: string, test: (l: Line) => boolean, timeoutMs = WITHIN_MS): Promise<Line> => {
    const seen = lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      const timer = setTimeout(
        () =>
          rej(
            new Error(
              `no log line ${what} within ${timeoutMs} ms; last lines:\n${lines
                .slice(-15)
                .map((l) => l.raw ?? JSON.stringify(l))
                .join('\n')}`,
            ),
          ),
        timeoutMs,
      );
      waiters.push({ test, resolve: (l) => (clearTimeout(timer), res(l)) });
    });
  };

  let started: number;
  beforeAll(async () => {
    redis = await testRedis('demo');
    started = Date.now();
    child = spawn(process.execPath, [join(ROOT, 'bin/syncwatch.js'), 'run'], {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        SYNCWATCH_LISTEN: '127.0.0.1:0',
        SYNCWATCH_DEMO_PREFIX: redis.prefix,
        SYNCWATCH_CONFIG: '',
        LOG_LEVEL: 'info',
        SLACK_BOT_TOKEN: '',
        SMTP_HOST: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((r) => child.once('exit', (code) => r(code)));
    createInterface({ input: child.stdout! }).on('line', (raw) => {
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        line = { raw };
      }
      lines.push(line);
      for (const w of Array.from(waiters)) {
        if (!w.test(line)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    });
    child.stderr!.on('data', (d: Buffer) => lines.push({ raw: `stderr: ${d.toString()}` }));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await redis?.cleanup();
  }, 30_000);

  it('tells the story within a minute and shows it on /status and /metrics', async () => {
    const banner = await lineWhere('(the banner)', () => true, 30_000);
    expect(banner.raw).toMatch(/^syncwatch demo: /);
    expect(banner.raw).toMatch(/--config FILE/);

    const running = await lineWhere('"syncwatch running"', (l) => l.msg === 'syncwatch running', 30_000);
    const url = running.url as string;

    // An alert fires; while it fires, /status lists it.
    const firing = await lineWhere('[FIRING] SyncFailed', (l) => l.alert?.status === 'firing' && l.alert.labels.kind === 'SyncFailed');
    const status = (await (await fetch(`${url}/status`)).json()) as {
      alerts: Array<{ fingerprint: string }>;
      retryPolicies: Array<{ name: string; lastHour: Record<string, number> }>;
    };
    expect(status.alerts.map((a) => a.fingerprint)).toContain(firing.alert!.fingerprint);

    // The same alert resolves; a retry succeeds.
    await lineWhere('[RESOLVED] of that alert', (l) => l.alert?.status === 'resolved' && l.alert.fingerprint === firing.alert!.fingerprint);
    const retried = await lineWhere('"retried records succeeded"', (l) => l.msg === 'retried records succeeded');
    // A partial failure: the sync succeeded, 3 records did not load, and the alert says where.
    const partial = await lineWhere('[FIRING] SyncPartial', (l) => l.alert?.status === 'firing' && l.alert.labels.kind === 'SyncPartial');
    expect(String((partial.alert as unknown as { annotations: { error: string } }).annotations.error)).toContain(
      '3 error(s) in 1 table(s): contacts (3)',
    );
    await lineWhere('[RESOLVED] SyncPartial', (l) => l.alert?.status === 'resolved' && l.alert.fingerprint === partial.alert!.fingerprint);
    expect(retried.count).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(WITHIN_MS + 15_000); // the product's "within 60 s", plus process start-up

    const after = (await (await fetch(`${url}/status`)).json()) as typeof status;
    expect(after.alerts.map((a) => a.fingerprint)).not.toContain(firing.alert!.fingerprint);
    expect(after.retryPolicies.find((p) => p.name === 'demo-intermittent')?.lastHour.succeeded).toBeGreaterThan(0);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^syncwatch_notifications_total\{receiver="log",outcome="[a-z]+"\} [1-9]/m);
    expect(metrics).toMatch(/^syncwatch_retry_records_total\{[^}]*outcome="succeeded"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^syncwatch_polls_total\{target="demo",outcome="success"\} [1-9]/m);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
