import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from './types.ts';

/** Wall-clock time and real timers; the default everywhere outside tests. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0) {
      signal?.throwIfAborted();
      return;
    }
    await delay(ms, undefined, signal ? { signal } : undefined);
  },
};
