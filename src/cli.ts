// syncwatch's command line: run | validate | once | simulate | test-alert.
// Bad input gets a clear message and an exit code, never a stack trace.
import { parseArgs } from 'node:util';
import type { Config } from './config/index.ts';

const USAGE = `usage: syncwatch <command> [options]

commands:
  run       --config FILE        watch every target (SYNCWATCH_CONFIG; no config at all starts the demo)
  validate  --config FILE        check a configuration; exit 0 when valid, 2 with FILE:LINE:COL lines
  once      --config FILE [--json]   one cycle for every target; print the events, send nothing
  simulate  [--port N] [--host H] [--scenario NAME|FILE] [--token T] [--latency MS]
                                 the integrator.io simulator on its own
`;

export const EXIT = { ok: 0, failure: 1, usage: 64, invalidConfig: 2 } as const;

type Command = (args: string[]) => Promise<number>;

type ArgOptions = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

function parse(args: string[], options: ArgOptions) {
  return parseArgs({ args, options, allowPositionals: false, strict: true });
}

/** Load and validate a config file, or print its problems and give the exit code. */
async function loadOrReport(file: string): Promise<Config | number> {
  const { loadConfig, formatProblem } = await import('./config/index.ts');
  const result = await loadConfig(file, process.env);
  if (result.ok) return result.config;
  for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
  return EXIT.invalidConfig;
}

const DEMO_CONFIG = (url: string) => `
targets:
  - name: demo
    provider: celigo
    baseUrl: ${url}
    token: sim-token
    interval: 10s
    stuckAfter: 30m
server:
  listen: \${SYNCWATCH_LISTEN:-127.0.0.1:9464}
route:
  receiver: log
receivers:
  - name: log
    log: {}
`;

const commands: Record<string, Command> = {
  async run(args) {
    const { values } = parse(args, { config: { type: 'string', short: 'c' } });
    const file = (values.config as string | undefined) ?? process.env.SYNCWATCH_CONFIG;
    const { createLogger } = await import('./log.ts');
    const logger = createLogger();
    let config: Config;
    let stopDemo: (() => Promise<void>) | undefined;
    if (file) {
      const loaded = await loadOrReport(file);
      if (typeof loaded === 'number') return loaded;
      config = loaded;
    } else {
      const { startSimulator } = await import('./simulator/index.ts');
      const sim = await startSimulator({ port: 0 });
      stopDemo = () => sim.close();
      process.stdout.write(
        `syncwatch demo: no configuration given, so this watches a built-in simulator of integrator.io at ${sim.url} and logs its alerts. ` +
          `To watch a real account: syncwatch run --config FILE (start from config/syncwatch.example.yaml).\n`,
      );
      const { loadConfigFromString, formatProblem } = await import('./config/index.ts');
      const result = await loadConfigFromString(DEMO_CONFIG(sim.url), '(demo)', process.env);
      if (!result.ok) {
        for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
        await sim.close();
        return EXIT.failure;
      }
      config = result.config;
    }
    const { startDaemon } = await import('../workers/daemon.ts');
    const daemon = await startDaemon(config, { logger });
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
    const { runOnce, formatOnce } = await import('./watch/once.ts');
    const { createLogger } = await import('./log.ts');
    const result = await runOnce(loaded, createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }, process.stderr as never));
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatOnce(result));
    return EXIT.ok;
  },

  async validate(args) {
    const { values } = parse(args, { config: { type: 'string', short: 'c' } });
    const file = (values.config as string | undefined) ?? process.env.SYNCWATCH_CONFIG;
    if (!file) {
      process.stderr.write('syncwatch validate: --config FILE is required\n');
      return EXIT.usage;
    }
    const { validateConfigFile } = await import('./config/index.ts');
    return validateConfigFile(file, process.env, { stdout: process.stdout, stderr: process.stderr });
  },

  async simulate(args) {
    const { values } = parse(args, {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      scenario: { type: 'string', short: 's' },
      token: { type: 'string' },
      latency: { type: 'string' },
    });
    const port = values.port === undefined ? 4010 : Number(values.port);
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
    const sim = await startSimulator({
      port,
      ...(values.host ? { host: values.host as string } : {}),
      ...(values.scenario ? { scenario: values.scenario as string } : {}),
      ...(values.token ? { token: values.token as string } : {}),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
    });
    process.stdout.write(`syncwatch simulator listening on ${sim.url} (scenario ${(values.scenario as string) ?? 'default'}; admin API at ${sim.url}/__sim/world)\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await sim.close();
    return EXIT.ok;
  },
};

export async function main(argv: string[]): Promise<number> {
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
  try {
    return await command(rest);
  } catch (e) {
    // Argument errors from parseArgs and typed errors get one clear line; nothing prints a stack.
    const err = e as { code?: string; kind?: string; message?: string };
    if (err.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`syncwatch ${name}: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`syncwatch ${name}: ${err.kind ? `${err.kind} error: ` : ''}${err.message ?? String(e)}\n`);
    return err.kind === 'config' ? EXIT.invalidConfig : EXIT.failure;
  }
}

process.exitCode = await main(process.argv.slice(2));
