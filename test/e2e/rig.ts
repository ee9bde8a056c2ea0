// A daemon in this process against the simulator, with a config the test writes: for end-to-end
// tests that watch what receivers get.
import { Writable } from 'node:stream';
import { loadConfigFromString, formatProblem, type Config } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { startDaemon, type Daemon } from '../../workers/index.ts';
import { waitFor } from '../fakes/wait.ts';
import { testRedis } from '../harness/redis.ts';
import { simAdmin } from '../harness/sim-admin.ts';

export interface Rig {
  sim: Simulator;
  /** A client of the daemon's Redis (its keys are under `config.redis.prefix`). */
  redis: Awaited<ReturnType<typeof testRedis>>['redis'];
  daemon: Daemon;
  config: Config;
  /** Every pino line the daemon logged, parsed. */
  logs: Array<Record<string, any>>;
  /** Alert transitions the log receiver printed: `[FIRING] …` / `[RESOLVED] …` lines. */
  transitions(): Array<{
    kind: string;
    status: string;
    update: boolean;
    fingerprint: string;
    target: string;
    annotations: Record<string, any>;
  }>;
  admin(path: string, body?: unknown, method?: string): Promise<any>;
  status(): Promise<any>;
  /** Resolves after every target has finished `n` more polls from now. */
  polls(n?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRig(
  tag: string,
  yaml: (ctx: { simUrl: string; redisUrl: string; prefix: string }) => string,
  simOptions: SimulatorOptions = {},
): Promise<Rig> {
  const redis = await testRedis(tag);
  const sim = await startSimulator({ port: 0, ...simOptions });
  const loaded = await loadConfigFromString(yaml({ simUrl: sim.url, redisUrl: redis.url, prefix: redis.prefix }), `(${tag})`, {});
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  const logs: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const daemon = await startDaemon(loaded.config, { logger: createLogger({ level: 'info' }, sink) });
  const status = async () => (await fetch(`${daemon.url}/status`)).json() as Promise<any>;
  const pollCount = async () => (await status()).targets.map((t: { lastPollAt: string | null }) => t.lastPollAt ?? '');
  return {
    sim,
    redis: redis.redis,
    daemon,
    config: loaded.config,
    logs,
    transitions: () =>
      logs
        .filter((l) => l.alert && typeof l.msg === 'string' && /^\[(FIRING|RESOLVED)/.test(l.msg))
        .map((l) => ({
          kind: l.alert.labels.kind,
          status: l.alert.status,
          update: l.alert.update === true,
          fingerprint: l.alert.fingerprint,
          target: l.alert.labels.target,
          annotations: l.alert.annotations,
        })),
    admin: (path, body, method = 'POST') => simAdmin(sim.url, path, body, method),
    status,
    async polls(n = 1) {
      // A poll is finished when lastPollAt moves; wait for n moves of every target.
      let seen: string[] = await pollCount();
      for (let i = 0; i < n; i++) {
        const before = seen;
        seen = await waitFor(
          `a completed poll of every target (${i + 1}/${n})`,
          async () => {
            const now = await pollCount();
            return now.every((p: string, j: number) => p !== '' && p !== before[j]) ? now : undefined;
          },
          60_000,
        );
      }
    },
    async close() {
      await daemon.close();
      await sim.close();
      await redis.cleanup();
    },
  };
}
