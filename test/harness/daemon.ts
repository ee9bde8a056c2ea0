// syncwatch as child processes for integration tests: spawn `syncwatch run|once`, collect stdout as
// parsed pino lines, wait for a line (or any condition) with a deadline that fails with a clear
// message, and stop (SIGTERM) or kill (SIGKILL) them. Every child started here is tracked, so
// `killAll()` in afterAll/afterEach leaves nothing running.
import { testRedis } from './redis.ts';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(REPO_ROOT, 'bin/syncwatch.js');

/** Generous: a deadline exists only so a broken test fails with a message instead of hanging. */
export const DEFAULT_DEADLINE_MS = 60_000;

/** One stdout line of the daemon: pino JSON when it parses, else `{ raw }`. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number; raw?: string };

/** The `alert` object the log notifier prints with each `[FIRING]`/`[RESOLVED]` line. */
export interface AlertLine {
  fingerprint: string;
  status: 'firing' | 'resolved';
  update: boolean;
  labels: Record<string, string>;
  annotations: Record<string, unknown> & { runId?: string; summary?: string };
  startsAt: string;
  endsAt?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns something other than undefined/false, then returns it. Fails after
 * `timeoutMs` with `what` and, when given, `context()` (e.g. the daemons' last log lines).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; everyMs?: number; context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_DEADLINE_MS);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const context = options.context ? `\n${options.context()}` : '';
      throw new Error(`timed out after ${options.timeoutMs ?? DEFAULT_DEADLINE_MS} ms waiting for ${what}${cause}${context}`);
    }
    await sleep(options.everyMs ?? 100);
  }
}

/** Writes a config (YAML text, or an object written as JSON, which is YAML) into a fresh temp dir; `remove()` deletes the dir. */
export function writeConfig(config: unknown, name = 'syncwatch.yaml'): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'syncwatch-test-'));
  const file = join(dir, name);
  writeFileSync(file, typeof config === 'string' ? config : `${JSON.stringify(config, null, 2)}\n`);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<DaemonProcess>();

export class DaemonProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  /** Everything the process wrote to stdout, as is. */
  stdout = '';
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private partial = '';

  constructor(
    readonly label: string,
    args: string[],
    env: Record<string, string | undefined> = {},
  ) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr.push(chunk);
      this.notify();
    });
    this.exited = new Promise<Exit>((resolvePromise) => {
      this.child.once('exit', (code, signal) => {
        if (this.partial) this.pushLine(this.partial);
        this.partial = '';
        this.exit = { code, signal };
        running.delete(this);
        this.notify();
        resolvePromise(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private onStdout(chunk: string): void {
    this.stdout += chunk;
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) this.pushLine(line);
    this.notify();
  }

  private pushLine(line: string): void {
    try {
      const parsed = JSON.parse(line) as unknown;
      this.lines.push(typeof parsed === 'object' && parsed !== null ? (parsed as LogLine) : { raw: line });
    } catch {
      this.lines.push({ raw: line });
    }
  }

  private notify(): void {
    for (const w of Array.from(this.waiters)) w();
  }

  /** The last lines of stdout and stderr, for failure messages. */
  tail(n = 15): string {
    const out = this.lines.slice(-n).map((l) => (l.raw !== undefined ? l.raw : JSON.stringify(l)));
    const err = this.stderr.join('').split('\n').filter(Boolean).slice(-n);
    return `--- ${this.label} (pid ${this.pid}${this.exit ? `, exited ${JSON.stringify(this.exit)}` : ''}) stdout:\n${out.join('\n')}${err.length ? `\n--- stderr:\n${err.join('\n')}` : ''}`;
  }

  /** The first line (already seen or still to come) that matches; fails after the deadline or on exit. */
  waitFor(what: string, predicate: (line: LogLine) => boolean, timeoutMs = DEFAULT_DEADLINE_MS): Promise<LogLine> {
    return new Promise<LogLine>((resolvePromise, reject) => {
      const check = () => {
        const hit = this.lines.find(predicate);
        if (hit) {
          done();
          resolvePromise(hit);
        } else if (this.exit) {
          done();
          reject(new Error(`${this.label} exited before logging ${what}\n${this.tail()}`));
        }
      };
      const done = () => {
        this.waiters.delete(check);
        clearTimeout(timer);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${this.label} to log ${what}\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Alert transitions this process notified (the log receiver's lines). */
  alerts(): AlertLine[] {
    return this.lines.flatMap((l) => (l.alert && typeof l.alert === 'object' ? [l.alert as AlertLine] : []));
  }

  /** SIGTERM, then the exit (and how long it took from the signal). */
  async stop(): Promise<Exit & { ms: number }> {
    const started = Date.now();
    if (!this.exit) this.child.kill('SIGTERM');
    const exit = await this.exited;
    return { ...exit, ms: Date.now() - started };
  }

  /** SIGKILL: no chance to finish anything. */
  async kill(): Promise<Exit> {
    if (!this.exit) this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** A `syncwatch run` daemon; `url` is its HTTP server, from the "syncwatch running" line. */
export class Daemon extends DaemonProcess {
  url = '';

  static async start(label: string, configFile: string, env: Record<string, string | undefined> = {}): Promise<Daemon> {
    const daemon = new Daemon(label, ['run', '--config', configFile], env);
    const line = await daemon.waitFor('"syncwatch running"', (l) => l.msg === 'syncwatch running' && typeof l.url === 'string');
    daemon.url = line.url as string;
    return daemon;
  }

  async status(): Promise<DaemonStatus> {
    const res = await fetch(`${this.url}/status`);
    if (!res.ok) throw new Error(`${this.label} /status answered ${res.status}`);
    return (await res.json()) as DaemonStatus;
  }
}

export interface DaemonStatus {
  targets: Array<{ name: string; lastPollAt: string | null; lastOutcome: 'success' | 'failure' | null; consecutiveFailures: number }>;
  alerts: Array<{ fingerprint: string; lastTransitionId: string }>;
}

/** Runs a one-shot command (`once`, `validate`) to completion: exit, stdout text, stderr text. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = DEFAULT_DEADLINE_MS,
): Promise<Exit & { stdout: string; stderr: string }> {
  const proc = new DaemonProcess(`syncwatch ${args[0]}`, args, env);
  const timer = setTimeout(() => void proc.kill(), timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { ...exit, stdout: proc.stdout, stderr: proc.stderr.join('') };
}

/** SIGKILLs every child still running (afterEach/afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill()));
}

/**
 * The hooks every multi-process test file needs: a Redis and a key prefix for the file, a list of
 * things to close after each test, and no daemon left running after a test or the file.
 */
export function useDaemonSuite(tag: string): DaemonSuite {
  const suite = { closers: [] as DaemonSuite['closers'] } as DaemonSuite;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const r = await testRedis(tag);
    suite.redis = r.redis;
    suite.filePrefix = r.prefix;
    suite.redisUrl = r.url;
    cleanup = r.cleanup;
  });
  afterEach(async () => {
    await killAll();
    for (const close of suite.closers.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    await killAll();
    await cleanup?.(); // every key of every test's prefix (they all contain the file's prefix)
  });
  return suite;
}

export interface DaemonSuite {
  redis: Awaited<ReturnType<typeof testRedis>>['redis'];
  /** Unique to the file; a test's own prefixes start with it, so cleanup finds them. */
  filePrefix: string;
  redisUrl: string;
  closers: Array<() => Promise<void> | void>;
}
