// Small clients for the simulator's API and admin API, and a clock tests move by hand.

import type { Simulator, WorldSummary } from '../../src/simulator/index.ts';

export const TOKEN = 'sim-token';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; undefined when the body is empty. */
  body: unknown;
}

export async function api(
  sim: Simulator,
  path: string,
  options: { method?: string; body?: unknown; token?: string | null; signal?: AbortSignal } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.Authorization = `Bearer ${options.token ?? TOKEN}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const init: RequestInit = { method: options.method ?? 'GET', headers };
  if (options.body !== undefined) init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  if (options.signal !== undefined) init.signal = options.signal;
  const res = await fetch(new URL(path, sim.url), init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Calls the admin API; throws on a non-2xx answer so a test's setup mistake is loud. */
export async function admin<T = unknown>(sim: Simulator, method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json' };
  }
  const res = await fetch(new URL(path, sim.url), init);
  const text = await res.text();
  if (!res.ok) throw new Error(`admin ${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export function worldOf(sim: Simulator): Promise<WorldSummary> {
  return admin<WorldSummary>(sim, 'GET', '/__sim/world');
}

/** A clock that only moves when the test says so. */
export function manualClock(startIso = '2025-03-01T12:00:00.000Z'): { now: () => number; advance(ms: number): void } {
  let current = Date.parse(startIso);
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
  };
}

export function first<T>(items: readonly T[], what = 'item'): T {
  const item = items[0];
  if (item === undefined) throw new Error(`expected at least one ${what}`);
  return item;
}
