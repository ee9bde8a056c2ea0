// notify queue: one job per alert transition, delivered by the notifiers.
import type { Job } from 'bullmq';
import type { AlertEvent } from '../src/alerting/types.ts';
import type { Notifier } from '../src/notifiers/types.ts';

export function notifyProcessor(notifiers: readonly Notifier[]) {
  return async (job: Job) => {
    const event = job.data as AlertEvent;
    for (const notifier of notifiers) await notifier.send(event);
  };
}
