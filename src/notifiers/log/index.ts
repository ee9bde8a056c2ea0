// The simplest receiver: one structured log line per alert transition. It makes the watch loop
// visible end to end, and is the demo's receiver.
import type { Logger } from 'pino';
import type { Notifier } from '../types.ts';

export function createLogNotifier(logger: Logger): Notifier {
  const log = logger.child({ receiver: 'log' });
  return {
    name: 'log',
    async send(event) {
      const { labels, annotations } = event;
      const state = event.status === 'resolved' ? 'RESOLVED' : event.update ? 'FIRING (update)' : 'FIRING';
      log.info(
        {
          alert: {
            fingerprint: event.fingerprint,
            status: event.status,
            update: event.update ?? false,
            labels,
            annotations,
            startsAt: event.startsAt,
            ...(event.endsAt ? { endsAt: event.endsAt } : {}),
          },
        },
        `[${state}] ${labels.kind} ${labels.target}: ${annotations.summary}`,
      );
    },
  };
}
