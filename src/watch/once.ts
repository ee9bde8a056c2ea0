// `syncwatch once`: one cycle of every target against the current state; prints what it saw and
// the events it would raise. Sends nothing and changes no alert state.
import type { Logger } from 'pino';
import type { AlertEvent } from '../alert/model.ts';
import type { Config } from '../config/index.ts';
import type { ErrorFields } from '../errors.ts';
import type { Run, StepErrors } from '../model.ts';
import { keyspace } from '../state/keys.ts';
import { connectRedis } from '../state/redis.ts';
import { ReadOnlyStateStore } from '../state/read-only-store.ts';
import { Watch } from './watch.ts';

export interface OnceTarget {
  target: string;
  provider: string;
  runs: Run[];
  stepErrors: StepErrors[];
  events: AlertEvent[];
  /** Set when the poll failed: kind, message, HTTP status and the platform's code (never a secret). */
  error?: ErrorFields;
}

export interface OnceResult {
  targets: OnceTarget[];
}

/** `once` exits 1 when any target's poll failed. */
export const anyFailed = (result: OnceResult): boolean => result.targets.some((t) => t.error !== undefined);

export async function runOnce(config: Config, logger: Logger, now: () => number = Date.now): Promise<OnceResult> {
  const redis = await connectRedis(config.redis, { maxRetriesPerRequest: 2 });
  const keys = keyspace(config.redis.prefix);
  const watch = new Watch({ targets: config.targets, redis, keys, store: new ReadOnlyStateStore(redis, keys), logger, now });
  const result: OnceResult = { targets: [] };
  try {
    for (const target of config.targets) {
      const entry: OnceTarget = { target: target.name, provider: target.provider, runs: [], stepErrors: [], events: [] };
      await watch.cycle(target.name, `once-${now()}`, {
        chunks: async () => {},
        events: async (events) => void entry.events.push(...events),
        observation: (o) => {
          entry.runs.push(...o.runs);
          entry.stepErrors.push(...o.stepErrors);
        },
        pollFinished: (outcome) => {
          if (!outcome.ok) entry.error = outcome.error as ErrorFields;
        },
      });
      result.targets.push(entry);
    }
  } finally {
    await watch.close();
    redis.disconnect();
  }
  return result;
}

export function formatOnce(result: OnceResult): string {
  const lines: string[] = [];
  for (const t of result.targets) {
    if (t.error) {
      const { kind, status, code, message } = t.error;
      lines.push(
        `${t.target} (${t.provider}): poll failed: ${kind} error` +
          `${status !== undefined ? `, HTTP ${status}` : ''}${code ? `, code ${code}` : ''}: ${message}`,
      );
    }
    const open = t.stepErrors.reduce((n, s) => n + s.openErrors, 0);
    if (!t.error || t.runs.length + t.stepErrors.length > 0)
      lines.push(`${t.target} (${t.provider}): ${t.runs.length} run(s), ${t.stepErrors.length} step(s) with ${open} open error(s)`);
    for (const r of t.runs)
      lines.push(
        `  run   ${r.status.padEnd(9)} ${r.kind} ${r.name} ` +
          `(run ${r.runId}${r.endedAt ? `, ended ${r.endedAt}` : r.startedAt ? `, started ${r.startedAt}` : ''})`,
      );
    for (const e of t.events) {
      lines.push(
        `  event ${e.status === 'resolved' ? 'RESOLVED' : e.update ? 'UPDATE  ' : 'FIRING  '} ${e.labels.kind} ${e.annotations.summary}`,
      );
      // Where a failed or partial run's records failed (tables and first messages), one per line.
      if (e.status === 'firing' && (e.labels.kind === 'SyncFailed' || e.labels.kind === 'SyncPartial') && e.annotations.error) {
        for (const line of e.annotations.error.split('\n')) lines.push(`        ${line}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
