// What the change-driven polling tests share: a Celigo target on the simulator, and one watch cycle
// at a given time whose transitions go to a real alerting pipeline, with what it read (the units a
// chunk fetched, and those it asked for but could not read).
import type { AlertEvent } from '../../src/alert/model.ts';
import { createLogger } from '../../src/log.ts';
import type { Observation } from '../../src/model.ts';
import { keyspace } from '../../src/state/keys.ts';
import { StateStore } from '../../src/state/store.ts';
import { Watch, type WatchTarget } from '../../src/watch/watch.ts';
import type { testRedis } from '../harness/redis.ts';
import type { WatchAlerting } from './alerting.ts';

export type ChangeDrivenTarget = WatchTarget & { token: string; changeDriven?: boolean; sweepInterval?: number };

/** A Celigo target polled every `interval`, swept every `sweepInterval`. */
export const celigoTarget = (
  name: string,
  baseUrl: string,
  interval: number,
  sweepInterval: number,
  o: Partial<ChangeDrivenTarget> = {},
): ChangeDrivenTarget => ({
  name,
  provider: 'celigo',
  baseUrl,
  token: 'sim-token',
  interval,
  requestsPerSecond: 1000,
  failuresBeforeAlert: 3,
  sweepInterval,
  ...o,
});

/** One cycle at `now`: its transitions, and the units it read (`fetched`) or could not read (`unread`). */
export async function watchCycle(o: {
  target: ChangeDrivenTarget;
  redis: Awaited<ReturnType<typeof testRedis>>;
  alerting: WatchAlerting;
  now: number;
  retrying?: () => string[];
}): Promise<{ events: AlertEvent[]; fetched: NonNullable<Observation['fetched']> }> {
  const keys = keyspace(o.redis.prefix);
  const events: AlertEvent[] = [];
  const fetched: NonNullable<Observation['fetched']> = [];
  const watch = new Watch({
    targets: [o.target],
    redis: o.redis.redis,
    keys,
    store: new StateStore(o.redis.redis, keys),
    logger: createLogger({ level: 'silent' }),
    now: () => o.now,
    ...(o.retrying ? { retriesInFlight: async () => o.retrying!() } : {}),
  });
  try {
    await watch.cycle(o.target.name, String(o.now), {
      chunks: async () => {},
      events: async (e) => (events.push(...e), o.alerting.ingest(e)),
      observation: (observation) => fetched.push(...(observation.fetched ?? [])),
      retired: (_e, reopened) => o.alerting.alerting.reopen(reopened),
    });
  } finally {
    await watch.close();
  }
  return { events, fetched };
}
