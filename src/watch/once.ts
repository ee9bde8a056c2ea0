// `syncwatch once`: one cycle of every target against the current state; prints what it saw and
// the events it would raise. Sends nothing and changes no alert state.
import type { Logger } from 'pino';
import type { AlertEvent } from '../alerting/types.ts';
import type { Config } from '../config/index.ts';
import type { Run, StepErrors } from '../model.ts';
import { keyspace } from '../state/keys.ts';
import { createRedis } from '../state/redis.ts';
import { StateStore } from '../state/store.ts';
import { Watch } from './watch.ts';

export interface OnceResult {
  targets: Array<{ target: string; provider: string; runs: Run[]; stepErrors: StepErrors[]; events: AlertEvent[] }>;
}

export async function runOnce(config: Config, logger: Logger, now: () => number = Date.now): Promise<OnceResult> {
  const redis = createRedis(config.redis, { maxRetriesPerRequest: 2, lazyConnect: true });
  redis.on('error', () => {});
  const keys = keyspace(config.redis.prefix);
  const watch = new Watch({ targets: config.targets, redis, keys, store: new StateStore(redis, keys), logger, now, save: false });
  const result: OnceResult = { targets: [] };
  try {
    await redis.connect();
    for (const target of config.targets) {
      const entry = { target: target.name, provider: target.provider, runs: [] as Run[], stepErrors: [] as StepErrors[], events: [] as AlertEvent[] };
      await watch.cycle(target.name, `once-${now()}`, {
        chunks: async () => {},
        events: async (events) => void entry.events.push(...events),
        observation: (o) => {
          entry.runs.push(...o.runs);
          entry.stepErrors.push(...o.stepErrors);
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
    const open = t.stepErrors.reduce((n, s) => n + s.openErrors, 0);
    lines.push(`${t.target} (${t.provider}): ${t.runs.length} run(s), ${t.stepErrors.length} step(s) with ${open} open error(s)`);
    for (const r of t.runs) lines.push(`  run   ${r.status.padEnd(9)} ${r.kind} ${r.name} (run ${r.runId}${r.endedAt ? `, ended ${r.endedAt}` : r.startedAt ? `, started ${r.startedAt}` : ''})`);
    for (const e of t.events) {
      lines.push(`  event ${e.status === 'resolved' ? 'RESOLVED' : e.update ? 'UPDATE  ' : 'FIRING  '} ${e.labels.kind} ${e.annotations.summary}`);
      // Where a failed or partial run's records failed (tables and first messages), one per line.
      if (e.status === 'firing' && (e.labels.kind === 'SyncFailed' || e.labels.kind === 'SyncPartial') && e.annotations.error) {
        for (const line of e.annotations.error.split('\n')) lines.push(`        ${line}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
