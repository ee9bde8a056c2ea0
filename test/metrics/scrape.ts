// A daemon in this process against the simulator, for tests that need a real /metrics scrape.
import { loadConfigFromString, formatProblem, type Config } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startDaemon, type Daemon } from '../../workers/index.ts';
import { testRedis } from '../harness/redis.ts';

export interface ScrapeRig {
  sim: Simulator;
  daemon: Daemon;
  config: Config;
  /** GET a daemon path with optional bearer token. */
  get(path: string, token?: string): Promise<Response>;
  /** Resolves once every target has completed at least `n` polls since the rig started. */
  polled(n?: number): Promise<void>;
  /** Scrape until `ready(body)` holds (gauges read Redis through a short cache). */
  scrapeUntil(ready: (body: string) => boolean): Promise<string>;
  close(): Promise<void>;
}

export async function startScrapeRig(tag: string, extraTarget = '', server = ''): Promise<ScrapeRig> {
  const redis = await testRedis(tag);
  const sim = await startSimulator({ port: 0 });
  const text = `
redis: { url: ${redis.url}, prefix: ${redis.prefix} }
server:
  listen: 127.0.0.1:0
${server}
targets:
  - name: sim
    provider: celigo
    baseUrl: ${sim.url}
    token: sim-token
    interval: 1s
${extraTarget}
receivers:
  - name: log
    log: {}
route: { receiver: log, groupWait: 0s, groupInterval: 1s }
`;
  const loaded = await loadConfigFromString(text, '(test)', {});
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  const daemon = await startDaemon(loaded.config, { logger: createLogger({ level: 'silent' }) });
  const get = (path: string, token?: string) =>
    fetch(`${daemon.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const token = /bearerToken: (\S+)/.exec(server)?.[1];
  return {
    sim,
    daemon,
    config: loaded.config,
    get,
    async polled(n = 1) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const body = await (await get('/metrics', token)).text();
        const done = loaded.config.targets.every((t) => {
          const m = new RegExp(`^syncwatch_polls_total\\{target="${t.name}",outcome="success"\\} (\\d+)`, 'm').exec(body);
          return m !== null && Number(m[1]) >= n;
        });
        if (done) return;
        if (Date.now() > deadline) throw new Error(`no ${n} successful poll(s) of every target within 60 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async scrapeUntil(ready) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const body = await (await get('/metrics', token)).text();
        if (ready(body)) return body;
        if (Date.now() > deadline) throw new Error('the scrape never showed what the test waits for within 60 s');
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      await daemon.close();
      await sim.close();
      await redis.cleanup();
    },
  };
}

/** `name{labels} value` lines of a scrape, as [name, labels, value]. */
export function samples(body: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Every metric family a scrape declares (`# TYPE name kind`). */
export function families(body: string): Map<string, string> {
  return new Map([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}
