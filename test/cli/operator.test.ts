// What an operator sees when something around syncwatch is wrong: a port taken, no Redis, a wrong
// token, a receiver that refuses — one clear line and a non-zero exit, never a stack; and the
// everyday commands: --help everywhere, silences with their state, readable logs on request.
// Every check runs the real bin/syncwatch.js as a child process against real Redis and the simulator,
// except the per-command --help texts, which call the same main() in this process.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.ts';
import { processors } from '../../workers/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { admin, deploymentConfig, smallWorld, SYNC, syncFp } from '../chaos/helpers.ts';
import { Daemon, DaemonProcess, runCli, useDaemonSuite, writeConfig } from '../harness/daemon.ts';

const suite = useDaemonSuite('operator');
const NO_REDIS = 'redis://127.0.0.1:1';
const COMMANDS = ['run', 'validate', 'once', 'simulate', 'silence', 'test-alert'];
/** A process that prints a stack trace has lines like `    at fn (file:1:2)`. */
const STACK = /^\s+at .+/m;
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

async function sim() {
  const s = await startSimulator({ port: 0, scenario: smallWorld(7) });
  suite.closers.push(() => s.close());
  return s;
}

function config(o: { prefix: string; baseUrl: string; token?: string; redisUrl?: string; receivers?: unknown[] }) {
  const c = deploymentConfig({
    redisUrl: o.redisUrl ?? suite.redisUrl,
    prefix: `${suite.filePrefix}-${o.prefix}`,
    name: 'prod',
    baseUrl: o.baseUrl,
    ...(o.token ? { target: { token: o.token } } : {}),
    ...(o.receivers ? { receivers: o.receivers } : {}),
  });
  suite.closers.push(c.remove);
  return c;
}

describe('--help', () => {
  it('syncwatch --help lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  // The same main() bin/syncwatch.js runs (the case above runs the real process), in this process:
  // eight more node start-ups would prove nothing more.
  async function cliInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    try {
      const code = await main(args, { processors });
      return { code, stdout: out.join(''), stderr: err.join('') };
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  it.each([...COMMANDS, 'silence add', 'silence expire'])('syncwatch %s --help shows its options and an example', async (command) => {
    const r = await cliInProcess([...command.split(' '), '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`usage: syncwatch ${command.split(' ')[0]}`);
    expect(r.stdout).toMatch(/^example/m);
    expect(r.stdout).toMatch(/^\s+(-\w, )?--\w/m);
  });
});

describe('start-up fails fast and clearly', () => {
  it('a second daemon on a taken port exits non-zero with one line; the first keeps all its work', async () => {
    const s = await sim();
    const c = config({ prefix: 'port', baseUrl: s.url });
    const first = await Daemon.start('first', c.file);
    const taken = first.url.replace(/^http:\/\//, '');
    // The port comes from SYNCWATCH_LISTEN, which overrides the config's server.listen.
    const second = await runCli(['run', '--config', c.file], { SYNCWATCH_LISTEN: taken }, 30_000);
    expect(second.code, second.stderr).not.toBe(0);
    expect(second.signal).toBeNull();
    expect(lines(second.stderr)).toEqual([
      `syncwatch: port ${taken} is in use: stop the other process or set server.listen / SYNCWATCH_LISTEN`,
    ]);
    expect(second.stdout).not.toContain('syncwatch running');
    expect(second.stdout + second.stderr).not.toMatch(STACK);

    const failed = await admin(s, `/syncs/${SYNC}/fail`);
    const line = await first.waitFor(
      '[FIRING] SyncFailed',
      (l) => (l.alert as { fingerprint?: string } | undefined)?.fingerprint === syncFp('prod'),
    );
    expect((line.alert as { annotations: { runId?: string } }).annotations.runId).toBe(failed._id);
  }, 90_000);

  it.each([
    ['the demo', ['run'], { SYNCWATCH_CONFIG: '' }],
    ['a config file', ['run', '--config'], {}],
  ])(
    '%s with REDIS_URL at no Redis: one line naming it, non-zero exit, no stack',
    async (_what, args, env) => {
      const c = writeConfig({
        targets: [{ name: 'prod', provider: 'celigo', baseUrl: 'http://127.0.0.1:9', token: 't', interval: '1m' }],
        route: { receiver: 'log' },
        receivers: [{ name: 'log', log: {} }],
      });
      suite.closers.push(c.remove);
      const r = await runCli(
        args.length > 1 ? [...args, c.file] : args,
        { ...env, REDIS_URL: NO_REDIS, SYNCWATCH_LISTEN: '127.0.0.1:0' },
        30_000,
      );
      expect(r.signal).toBeNull();
      expect(r.code).not.toBe(0);
      expect(lines(r.stderr)).toEqual([
        `syncwatch: no Redis at ${NO_REDIS} (connection refused): start one, or set REDIS_URL (or redis.url in the config)`,
      ]);
      expect(r.stdout + r.stderr).not.toMatch(STACK);
      expect(r.stdout).not.toContain('syncwatch running');
    },
    60_000,
  );

  it('a config that does not load: one line per problem, exit 2', async () => {
    const r = await runCli(['run', '--config', '/nonexistent/syncwatch.yaml']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('/nonexistent/syncwatch.yaml');
  });
});

describe('syncwatch once', () => {
  it('a wrong token: exit 1, the line names the target, 401 and the platform message, never the token', async () => {
    const s = await sim();
    const token = 'wrong-token-5ec7e7';
    const c = config({ prefix: 'once', baseUrl: s.url, token });
    const r = await runCli(['once', '--config', c.file]);
    expect(r.code).toBe(1);
    const failure = lines(r.stdout).find((l) => l.startsWith('prod'));
    expect(failure).toMatch(/^prod \(celigo\): poll failed: auth error, HTTP 401: .*Bearer Authentication Failed/);
    expect(r.stdout + r.stderr).not.toContain(token);
    // The warning on stderr carries the error as a value: kind, message, status — not {"type":"Object"}.
    const warning = lines(r.stderr)
      .map((l) => JSON.parse(l) as { msg: string; err?: Record<string, unknown> })
      .find((l) => l.msg === 'poll failed');
    expect(warning?.err).toMatchObject({ kind: 'auth', status: 401 });
    expect(warning?.err).not.toHaveProperty('type');

    const json = await runCli(['once', '--config', c.file, '--json']);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { targets: Array<{ error?: unknown }> }).targets[0]!.error).toMatchObject({
      kind: 'auth',
      status: 401,
    });
  }, 60_000);

  it.each(['once', 'silence list'])(
    '%s with no Redis: one clear line, non-zero exit',
    async (command) => {
      const c = config({ prefix: 'noredis', baseUrl: 'http://127.0.0.1:9', redisUrl: NO_REDIS });
      const r = await runCli([...command.split(' '), '--config', c.file], {}, 30_000);
      expect(r.code).not.toBe(0);
      expect(lines(r.stderr)).toEqual([
        `syncwatch: no Redis at ${NO_REDIS} (connection refused): start one, or set REDIS_URL (or redis.url in the config)`,
      ]);
      expect(r.stdout + r.stderr).not.toMatch(STACK);
    },
    60_000,
  );
});

describe('silences and test alerts', () => {
  it('silence expire confirms, says when the id does not exist, and list --all shows each state', async () => {
    const c = config({ prefix: 'silence', baseUrl: 'http://127.0.0.1:9' });
    const add = async (target: string) => {
      const r = await runCli(['silence', 'add', '--config', c.file, '--match', `target=${target}`, '--for', '2h']);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.split(/\s+/)[0]!;
    };
    const ended = await add('old');
    const kept = await add('new');

    const expired = await runCli(['silence', 'expire', '--config', c.file, ended]);
    expect(expired.code, expired.stderr).toBe(0);
    expect(expired.stdout).toMatch(new RegExp(`^expired silence ${ended}\\b`));

    const missing = await runCli(['silence', 'expire', '--config', c.file, 'no-such-id']);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([
      'syncwatch silence expire: there is no silence no-such-id (syncwatch silence list --all shows them)',
    ]);

    const all = await runCli(['silence', 'list', '--config', c.file, '--all']);
    expect(all.code).toBe(0);
    expect(lines(all.stdout).find((l) => l.startsWith(ended))).toMatch(/\bexpired\b/);
    expect(lines(all.stdout).find((l) => l.startsWith(kept))).toMatch(/\bactive\b/);
    const active = await runCli(['silence', 'list', '--config', c.file]);
    expect(lines(active.stdout).map((l) => l.split(/\s+/)[0])).toEqual([kept]);
  }, 120_000);

  it('test-alert exits 1 with a line naming the receiver when it refuses', async () => {
    const refusing = createServer((_req, res) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad signature"}'),
    );
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    suite.closers.push(() => new Promise<void>((r) => refusing.close(() => r())));
    const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/hook`;
    const c = config({ prefix: 'test-alert', baseUrl: 'http://127.0.0.1:9', receivers: [{ name: 'hook', webhook: { url } }] });
    const r = await runCli(['test-alert', '--config', c.file, '--receiver', 'hook']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^syncwatch test-alert: receiver "hook" refused the test alert: .*401/);
    expect(r.stdout).not.toContain('test alert sent');
  }, 60_000);
});

describe('log format', () => {
  it('LOG_FORMAT=pretty prints one line per event, message first, not JSON', async () => {
    const s = await sim();
    const c = config({ prefix: 'pretty', baseUrl: s.url });
    const daemon = new DaemonProcess('pretty', ['run', '--config', c.file], { LOG_FORMAT: 'pretty' });
    const line = await daemon.waitFor('"syncwatch running"', (l) => typeof l.raw === 'string' && l.raw.includes('syncwatch running'));
    expect(line.raw).not.toMatch(/^\{/);
    // The time and level are a short prefix; the message comes before the fields.
    expect(line.raw).toMatch(/^\S+ INFO:? +syncwatch running\b/);
    // No server.auth in this config: the start-up line says plainly that the console and API are loopback only.
    expect(line.raw).toContain('console and API: loopback only (no server.auth');
    expect(daemon.lines.every((l) => l.raw !== undefined)).toBe(true);
    expect((await daemon.stop()).code).toBe(0);
  }, 60_000);
});
