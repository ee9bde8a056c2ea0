// Shared pieces of the benchmarks: a private Redis (so INFO commandstats counts only this run, and
// other suites on the shared Redis neither disturb nor are disturbed), the simulator in its own
// process, its admin API, and writing bench/results/<name>.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** Resolves with the first stdout line matching `re`; rejects when the child exits first or after `timeoutMs`. */
function waitForLine(child: ChildProcess, re: RegExp, what: string, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((res, rej) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => rej(new Error(`${what}: no line matching ${re} within ${timeoutMs} ms`)), timeoutMs);
    lines.on('line', (line) => {
      const m = line.match(re);
      if (m) {
        clearTimeout(timer);
        res(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${what} exited (${code}) before it was ready`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export interface BenchRedis {
  url: string;
  /** A client for the benchmark's own reads (INFO, cleanup). */
  client: Redis;
  /** True when the Redis is private to this run (its INFO commandstats count only this run). */
  private: boolean;
  close(): Promise<void>;
}

/**
 * BENCH_REDIS_URL when set (commandstats are then shared with whoever else uses it), else a
 * `redis-server` of its own on a free loopback port, without persistence.
 */
export async function startRedis(): Promise<BenchRedis> {
  const given = process.env.BENCH_REDIS_URL;
  if (given) {
    const client = new Redis(given);
    return { url: given, client, private: false, close: async () => void client.disconnect() };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'syncwatch-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitForLine(child, /Ready to accept connections/, 'redis-server');
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url);
  return {
    url,
    client,
    private: true,
    async close() {
      client.disconnect();
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SimProcess {
  url: string;
  pid: number;
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** `node bin/syncwatch.js simulate --port 0 …` in its own process. */
export async function startSimulatorProcess(args: string[]): Promise<SimProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/syncwatch.js'), 'simulate', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: REPO_ROOT,
  });
  const [, url] = (await waitForLine(child, /listening on (http:\/\/\S+)/, 'simulator')) as unknown as [string, string];
  return {
    url,
    pid: child.pid!,
    async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}/__sim/${path.replace(/^\//, '')}`, {
        method,
        ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`simulator admin ${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    close: () => stopChild(child),
  };
}

/** INFO commandstats as command → calls. */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

export function statsDelta(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cmd, n] of after) {
    const d = n - (before.get(cmd) ?? 0);
    if (d > 0) out[cmd] = d;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.del(...found);
  } while (cursor !== '0');
}

export function writeResult(name: string, result: Record<string, unknown>): void {
  const dir = join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
}

/** Percentile (nearest rank) of an unsorted list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
