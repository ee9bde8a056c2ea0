// syncwatch's command line: run | validate | once | simulate | test-alert.
// Bad input gets a clear message and an exit code, never a stack trace.
import { parseArgs } from 'node:util';
import type { Config } from './config/index.ts';
import type { Processors } from './daemon.ts';
import { SyncwatchError } from './errors.ts';
import { parseDuration } from './fields/duration.ts';

const USAGE = `usage: syncwatch <command> [options]      (syncwatch <command> --help for its options and an example)

commands:
  run         watch every target; no configuration at all starts the demo
  validate    check a configuration: exit 0 when valid, 2 with FILE:LINE:COL lines
  once        one cycle of every target: print the runs and events, send nothing; exit 1 when a poll failed
  simulate    the simulator of integrator.io, Airweave and Neo on its own
  silence     add, list or expire silences every replica honours (stored in Redis)
  test-alert  send a clearly marked test message to one receiver
  hash-password  read a password on stdin, print its hash for server.auth.users

environment: SYNCWATCH_CONFIG (the config file), REDIS_URL, SYNCWATCH_LISTEN (overrides server.listen),
             LOG_LEVEL (info), LOG_FORMAT (json | pretty; pretty on a terminal by default)
`;

/** Each command's --help: what it does, its options, an example. */
const HELP: Record<string, string> = {
  run: `usage: syncwatch run [--config FILE]

Watch every target of the configuration until SIGINT/SIGTERM. Without --config and without
SYNCWATCH_CONFIG it starts the demo (a built-in simulator and a scripted story).
Start-up fails with one line and a non-zero exit when the port is taken, Redis does not answer
within 5 s, or the configuration does not load.

options:
  -c, --config FILE   the configuration (default: SYNCWATCH_CONFIG)
  -h, --help          this text

environment: SYNCWATCH_LISTEN (host:port, overrides server.listen), REDIS_URL, LOG_LEVEL, LOG_FORMAT

example:
  syncwatch run --config syncwatch.yaml
  SYNCWATCH_LISTEN=127.0.0.1:0 syncwatch run        # the demo, on a free port
`,
  validate: `usage: syncwatch validate [--config FILE]

Check a configuration: exit 0 when it is valid, exit 2 with one FILE:LINE:COL path: problem line per problem.

options:
  -c, --config FILE   the configuration (default: SYNCWATCH_CONFIG)
  -h, --help          this text

example:
  syncwatch validate --config syncwatch.yaml
`,
  once: `usage: syncwatch once [--config FILE] [--json]

One cycle of every target against the current state in Redis: prints the runs, steps and the
alert events it would raise. Sends nothing, changes nothing. Exit 1 when any target's poll failed
(its line says why: error kind, HTTP status, the platform's message).

options:
  -c, --config FILE   the configuration (default: SYNCWATCH_CONFIG)
      --json          print the result as JSON
  -h, --help          this text

example:
  syncwatch once --config syncwatch.yaml
`,
  simulate: `usage: syncwatch simulate [--port N] [--host H] [--scenario NAME|FILE] [--token T] [--latency MS] [--story]
                         [--activity FRACTION [--activity-interval DURATION]]

The simulator of integrator.io, Airweave and Neo on its own; its admin API is under /__sim/.

options:
  -p, --port N          port (default 4010; 0 picks a free one)
      --host H          address to listen on (default 127.0.0.1)
  -s, --scenario NAME   default, empty, large, demo, or a YAML/JSON scenario file
      --token T         the token it accepts (default sim-token)
      --latency MS      added to every answer
      --story           play the demo story against it (docker compose's demo uses --scenario demo --story)
      --activity F      F of the enabled flows run every activity interval (0.05 = 5%; lastExecutedAt moves)
      --activity-interval DURATION   how often (default 30s)
  -h, --help            this text

example:
  syncwatch simulate --port 4010 --scenario demo --story
`,
  silence: `usage: syncwatch silence add    [--config FILE] --match label=value… --for DURATION [--comment TEXT]
       syncwatch silence list   [--config FILE] [--all]
       syncwatch silence expire [--config FILE] ID

Silences stored in Redis, honoured by every replica. A silenced alert is still tracked and shown in /status.

options:
  -c, --config FILE      the configuration; it names the Redis (default: SYNCWATCH_CONFIG)
      --match k=v        a label to match (glob values; repeat for more labels)   [add]
      --for DURATION     how long: 30m, 2h, 1d                                     [add]
      --comment TEXT     why                                                       [add]
      --all              also pending and expired silences, each with its state    [list]
  -h, --help             this text

example:
  syncwatch silence add --config syncwatch.yaml --match target=prod --match kind=SyncFailed --for 2h --comment "maintenance"
  syncwatch silence list --config syncwatch.yaml --all
  syncwatch silence expire --config syncwatch.yaml 0b5e…
`,
  'test-alert': `usage: syncwatch test-alert [--config FILE] --receiver NAME

Send a clearly marked test message straight to one receiver (no Redis, no grouping). Exit 1 with
the receiver's answer when it refuses. PagerDuty: a [TEST] alert is triggered and resolved at once.

options:
  -c, --config FILE     the configuration (default: SYNCWATCH_CONFIG)
  -r, --receiver NAME   a receiver defined under receivers:
  -h, --help            this text

example:
  syncwatch test-alert --config syncwatch.yaml --receiver oncall-slack
`,
  'hash-password': `usage: syncwatch hash-password < password.txt

Read a password (the first line of stdin) and print its scrypt hash for server.auth.users[].passwordHash.

options:
  -h, --help   this text

example:
  printf '%s' 'correct horse' | syncwatch hash-password
`,
};

export const EXIT = { ok: 0, failure: 1, usage: 64, invalidConfig: 2 } as const;

/** What the process's entry point (bin/syncwatch.js) hands the commands: the queues' processors (workers/). */
export interface CliDeps {
  processors: Processors;
}

type Command = (args: string[], deps: CliDeps) => Promise<number>;

type ArgOptions = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

function parse(args: string[], options: ArgOptions) {
  return parseArgs({ args, options, allowPositionals: false, strict: true });
}

/** Load and validate a config file, or print its problems and give the exit code. */
async function loadOrReport(file: string): Promise<Config | number> {
  const { loadConfig, formatProblem, formatWarning } = await import('./config/index.ts');
  const result = await loadConfig(file, process.env);
  if (result.ok) {
    for (const w of result.warnings) process.stderr.write(`${formatWarning(w)}\n`);
    return result.config;
  }
  for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
  return EXIT.invalidConfig;
}

/**
 * The demo's configuration: the embedded simulator every 5 s, a retry policy for intermittent
 * errors, alerts to the log — and to Slack (SLACK_BOT_TOKEN + SLACK_CHANNEL) and/or e-mail
 * (SMTP_HOST + SMTP_TO; SMTP_PORT, SMTP_USER, SMTP_PASS, SMTP_FROM optional) when those are set.
 * Redis prefix: SYNCWATCH_DEMO_PREFIX (default syncwatch-demo), never a real deployment's.
 */
export function demoConfig(url: string, env: NodeJS.ProcessEnv = process.env, pace = 1): string {
  const receivers = ['  - name: log\n    log: {}'];
  if (env.SLACK_BOT_TOKEN && env.SLACK_CHANNEL) {
    receivers.push(
      '  - name: slack\n    slack:\n      token: ${SLACK_BOT_TOKEN}\n      channel: ${SLACK_CHANNEL}' +
        (env.SLACK_API_URL ? '\n      apiUrl: ${SLACK_API_URL}' : ''),
    );
  }
  if (env.SMTP_HOST && env.SMTP_TO) {
    const auth = env.SMTP_USER && env.SMTP_PASS ? '\n        user: ${SMTP_USER}\n        pass: ${SMTP_PASS}' : '';
    receivers.push(
      [
        '  - name: email',
        '    email:',
        '      from: ${SMTP_FROM:-syncwatch-demo@localhost}',
        '      to: [${SMTP_TO}]',
        '      smtp:',
        '        host: ${SMTP_HOST}',
        `        port: \${SMTP_PORT:-587}${auth}`,
      ].join('\n'),
    );
  }
  // Every alert goes to the log (the root's receiver); the optional receivers get it too.
  const extra = receivers.slice(1).map((r) => `    - receiver: ${/name: (\w+)/.exec(r)![1]}\n      continue: true`);
  const routes = extra.length > 0 ? `\n  routes:\n${extra.join('\n')}` : '';
  return `
redis:
  prefix: \${SYNCWATCH_DEMO_PREFIX:-syncwatch-demo}
targets:
  - name: demo
    provider: celigo
    baseUrl: ${url}
    token: sim-token
    interval: ${Math.max(1000, Math.round(5000 * pace))}ms
    stuckAfter: 30m
server:
  listen: 127.0.0.1:9464
route:
  receiver: log
  groupWait: 0s
  groupInterval: ${Math.max(1000, Math.round(5000 * pace))}ms${routes}
receivers:
${receivers.join('\n')}
retryPolicies:
  - name: demo-intermittent
    match: { classification: [intermittent] }
    action: retry
    minAge: 0s
    maxAttempts: 3
    backoff: { initial: 30s, max: 5m }
`;
}

/** SYNCWATCH_LISTEN overrides server.listen, in every mode (checked when the server starts). */
export function withListenFromEnv(config: Config, env: NodeJS.ProcessEnv = process.env): Config {
  const listen = env.SYNCWATCH_LISTEN?.trim();
  return listen ? { ...config, server: { ...config.server, listen } } : config;
}

const commands: Record<string, Command> = {
  async run(args, deps) {
    const { values } = parse(args, { config: { type: 'string', short: 'c' } });
    const file = (values.config as string | undefined) ?? process.env.SYNCWATCH_CONFIG;
    const { createLogger } = await import('./log.ts');
    const logger = createLogger();
    let config: Config;
    let stopDemo: (() => Promise<void>) | undefined;
    let startStory: (() => void) | undefined;
    if (file) {
      const loaded = await loadOrReport(file);
      if (typeof loaded === 'number') return loaded;
      config = loaded;
    } else {
      // The banner comes first, before anything else can print.
      process.stdout.write(
        `syncwatch demo: no configuration given, so this watches a built-in simulator of integrator.io ` +
          `and logs its alerts while a scripted story plays ` +
          `(a sync fails, errors pile up, intermittent errors are auto-retried, everything recovers). ` +
          `To watch a real account: syncwatch run --config FILE (start from config/syncwatch.example.yaml), or set SYNCWATCH_CONFIG.\n`,
      );
      const { startSimulator } = await import('./simulator/index.ts');
      const { DEMO_SCENARIO, demoPace, startDemoStory } = await import('./simulator/demo.ts');
      const pace = demoPace();
      const sim = await startSimulator({ port: 0, scenario: DEMO_SCENARIO });
      logger.info({ simulator: sim.url, admin: `${sim.url}/__sim/world` }, 'demo simulator started');
      let story: { stop(): void } | undefined;
      stopDemo = async () => {
        story?.stop();
        await sim.close();
      };
      startStory = () => (story = startDemoStory(sim.url, logger.child({ component: 'demo' }), pace));
      const { loadConfigFromString, formatProblem } = await import('./config/index.ts');
      const result = await loadConfigFromString(demoConfig(sim.url, process.env, pace), '(demo)', process.env);
      if (!result.ok) {
        for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
        await sim.close();
        return EXIT.failure;
      }
      config = result.config;
    }
    const { startDaemon } = await import('./daemon.ts');
    let daemon: Awaited<ReturnType<typeof startDaemon>>;
    try {
      // The demo starts from nothing every time, so every run tells the whole story.
      daemon = await startDaemon(withListenFromEnv(config), { logger, processors: deps.processors, fresh: stopDemo !== undefined });
    } catch (e) {
      await stopDemo?.();
      throw e;
    }
    startStory?.();
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    logger.info('stopping: letting jobs in flight finish');
    // Whatever happens, the process is gone within 10 s of the signal.
    const deadline = setTimeout(() => {
      logger.warn('stop took longer than 10 s; exiting');
      process.exit(EXIT.failure);
    }, 10_000);
    deadline.unref();
    await daemon.close();
    await stopDemo?.();
    return EXIT.ok;
  },

  async once(args) {
    const { values } = parse(args, { config: { type: 'string', short: 'c' }, json: { type: 'boolean' } });
    const file = (values.config as string | undefined) ?? process.env.SYNCWATCH_CONFIG;
    if (!file) {
      process.stderr.write('syncwatch once: --config FILE is required\n');
      return EXIT.usage;
    }
    const loaded = await loadOrReport(file);
    if (typeof loaded === 'number') return loaded;
    const { runOnce, formatOnce, anyFailed } = await import('./watch/once.ts');
    const { createLogger } = await import('./log.ts');
    const result = await runOnce(loaded, createLogger({ level: process.env.LOG_LEVEL ?? 'warn', fd: 2 }));
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatOnce(result));
    return anyFailed(result) ? EXIT.failure : EXIT.ok;
  },

  async validate(args) {
    const { values } = parse(args, { config: { type: 'string', short: 'c' } });
    const file = (values.config as string | undefined) ?? process.env.SYNCWATCH_CONFIG;
    if (!file) {
      process.stderr.write('syncwatch validate: --config FILE is required\n');
      return EXIT.usage;
    }
    const { validateConfigFile, loadConfig } = await import('./config/index.ts');
    const code = await validateConfigFile(file, process.env, { stdout: process.stdout, stderr: process.stderr });
    if (code !== 0) return code;
    // What the configuration alone says about each receiver's delivery guarantee (test-alert checks the rest).
    const loaded = await loadConfig(file, process.env);
    const { staticGuarantee } = await import('./notifiers/registry.ts');
    for (const receiver of loaded.ok ? loaded.config.receivers : []) {
      const g = staticGuarantee(receiver);
      if (g?.guarantee === 'at-least-once') process.stdout.write(`receiver ${receiver.name}: delivery is at-least-once: ${g.why}\n`);
    }
    return code;
  },

  async silence(args) {
    const [sub, ...rest] = args;
    if (sub !== 'add' && sub !== 'list' && sub !== 'expire') {
      process.stderr.write('syncwatch silence: expected add, list or expire\n');
      return EXIT.usage;
    }
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        match: { type: 'string', multiple: true },
        for: { type: 'string' },
        comment: { type: 'string' },
        all: { type: 'boolean' },
      },
    });
    const file = values.config ?? process.env.SYNCWATCH_CONFIG;
    if (!file) {
      process.stderr.write('syncwatch silence: --config FILE is required (it names the Redis)\n');
      return EXIT.usage;
    }
    const config = await loadOrReport(file);
    if (typeof config === 'number') return config;
    const { connectRedis } = await import('./state/redis.ts');
    const { keyspace } = await import('./state/keys.ts');
    const { addSilence, listSilences, expireSilence, formatSilence, parseMatchers } = await import('./alerting/index.ts');
    const { parseDuration } = await import('./config/index.ts');
    const { userInfo } = await import('node:os');
    const redis = await connectRedis(config.redis, { maxRetriesPerRequest: 2 });
    const keys = keyspace(config.redis.prefix);
    try {
      if (sub === 'add') {
        const durationMs = parseDuration(values.for ?? '');
        if (!durationMs) {
          process.stderr.write('syncwatch silence add: --for needs a duration like 30m, 2h, 1d\n');
          return EXIT.usage;
        }
        const silence = await addSilence(redis, keys, {
          match: parseMatchers(values.match ?? []),
          durationMs,
          ...(values.comment ? { comment: values.comment } : {}),
          createdBy: userInfo().username,
        });
        process.stdout.write(`${formatSilence(silence)}\n`);
        return EXIT.ok;
      }
      if (sub === 'list') {
        const silences = await listSilences(redis, keys, { all: values.all ?? false });
        for (const s of silences) process.stdout.write(`${formatSilence(s)}\n`);
        if (silences.length === 0) process.stdout.write('no silences\n');
        return EXIT.ok;
      }
      const id = positionals[0];
      if (!id) {
        process.stderr.write('syncwatch silence expire: give the silence id\n');
        return EXIT.usage;
      }
      const expired = await expireSilence(redis, keys, id);
      if (expired) {
        process.stdout.write(`expired silence ${formatSilence(expired)}\n`);
        return EXIT.ok;
      }
      process.stderr.write(`syncwatch silence expire: there is no silence ${id} (syncwatch silence list --all shows them)\n`);
      return EXIT.failure;
    } finally {
      redis.disconnect();
    }
  },

  async 'test-alert'(args) {
    const { values } = parse(args, { config: { type: 'string', short: 'c' }, receiver: { type: 'string', short: 'r' } });
    const file = (values.config as string | undefined) ?? process.env.SYNCWATCH_CONFIG;
    const receiver = values.receiver as string | undefined;
    if (!file || !receiver) {
      process.stderr.write('syncwatch test-alert: --config FILE and --receiver NAME are required\n');
      return EXIT.usage;
    }
    const config = await loadOrReport(file);
    if (typeof config === 'number') return config;
    const { sendTestAlert } = await import('./alerting/index.ts');
    const { isNotifyError } = await import('./notifiers/types.ts');
    const { createLogger } = await import('./log.ts');
    let guarantee: Awaited<ReturnType<typeof sendTestAlert>>['guarantee'];
    try {
      ({ guarantee } = await sendTestAlert(config, receiver, { logger: createLogger() }));
    } catch (e) {
      if (!isNotifyError(e)) throw e;
      process.stderr.write(
        `syncwatch test-alert: receiver "${receiver}" refused the test alert: ${e.message}` +
          `${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}\n`,
      );
      return EXIT.failure;
    }
    process.stdout.write(`test alert sent to ${receiver}\n`);
    if (guarantee) process.stdout.write(`receiver ${receiver}: delivery is ${guarantee.guarantee}: ${guarantee.why}\n`);
    return EXIT.ok;
  },

  async 'hash-password'(args) {
    parse(args, {});
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
    if (password === '') {
      process.stderr.write('syncwatch hash-password: give the password on stdin\n');
      return EXIT.usage;
    }
    const { hashPassword } = await import('./console/password.ts');
    process.stdout.write(`${await hashPassword(password)}\n`);
    return EXIT.ok;
  },

  async simulate(args) {
    const { values } = parse(args, {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      scenario: { type: 'string', short: 's' },
      token: { type: 'string' },
      latency: { type: 'string' },
      story: { type: 'boolean' },
      activity: { type: 'string' },
      'activity-interval': { type: 'string' },
    });
    const port = values.port === undefined ? 4010 : Number(values.port);
    const activity = values.activity === undefined ? undefined : Number(values.activity);
    const activityIntervalMs = values['activity-interval'] === undefined ? 30_000 : parseDuration(values['activity-interval'] as string);
    if (activity !== undefined && !(activity >= 0 && activity <= 1)) {
      process.stderr.write(`syncwatch simulate: --activity must be a fraction between 0 and 1 (0.05 = 5% of the flows)\n`);
      return EXIT.usage;
    }
    if (activityIntervalMs === undefined || activityIntervalMs <= 0) {
      process.stderr.write(`syncwatch simulate: --activity-interval must be a duration like 30s\n`);
      return EXIT.usage;
    }
    const latencyMs = values.latency === undefined ? undefined : Number(values.latency);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`syncwatch simulate: --port must be a port number\n`);
      return EXIT.usage;
    }
    if (latencyMs !== undefined && !(latencyMs >= 0)) {
      process.stderr.write(`syncwatch simulate: --latency must be a number of milliseconds\n`);
      return EXIT.usage;
    }
    const { startSimulator } = await import('./simulator/index.ts');
    const demo = await import('./simulator/demo.ts');
    const sim = await startSimulator({
      port,
      ...(values.host ? { host: values.host as string } : {}),
      ...(values.scenario ? { scenario: values.scenario === 'demo' ? demo.DEMO_SCENARIO : (values.scenario as string) } : {}),
      ...(values.token ? { token: values.token as string } : {}),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      ...(activity !== undefined ? { activity: { fraction: activity, intervalMs: activityIntervalMs } } : {}),
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') throw e;
      throw new SyncwatchError(
        'environment',
        `port ${(values.host as string | undefined) ?? '127.0.0.1'}:${port} is in use: stop the other process or use --port`,
      );
    });
    process.stdout.write(
      `syncwatch simulator listening on ${sim.url} ` +
        `(scenario ${(values.scenario as string) ?? 'default'}; admin API at ${sim.url}/__sim/world)\n`,
    );
    // --story: play the demo story against this simulator (docker compose's demo).
    let story: { stop(): void } | undefined;
    if (values.story) {
      const { createLogger } = await import('./log.ts');
      story = demo.startDemoStory(sim.url, createLogger({ name: 'syncwatch-simulator' }).child({ component: 'demo' }));
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    story?.stop();
    await sim.close();
    return EXIT.ok;
  },
};

export async function main(argv: string[], deps: CliDeps): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`syncwatch: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP[name] ?? USAGE);
    return EXIT.ok;
  }
  try {
    return await command(rest, deps);
  } catch (e) {
    // Argument errors from parseArgs and typed errors get one clear line; nothing prints a stack.
    const err = e as { code?: string; kind?: string; message?: string };
    if (err.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`syncwatch ${name}: ${err.message} (syncwatch ${name} --help lists the options)\n`);
      return EXIT.usage;
    }
    // Something around syncwatch is missing (a port, Redis): the line says what and what to do.
    if (err.kind === 'environment') process.stderr.write(`syncwatch: ${err.message}\n`);
    else process.stderr.write(`syncwatch ${name}: ${err.kind ? `${err.kind} error: ` : ''}${err.message ?? String(e)}\n`);
    return err.kind === 'config' ? EXIT.invalidConfig : EXIT.failure;
  }
}
