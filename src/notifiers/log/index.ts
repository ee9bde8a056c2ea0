// The simplest receiver: one structured log line per alert transition in a notification (so a
// transition appears exactly once, however it was grouped). It makes the watch loop visible end
// to end, and is the demo's receiver.
import type { Logger } from 'pino';
import type { LogReceiverConfig } from './config.ts';
import type { AlertEvent } from '../../alert/model.ts';
import { transitionState } from '../format.ts';
import type { Notifier } from '../types.ts';

export function logTransition(log: Logger, event: AlertEvent, extra: Record<string, unknown> = {}): void {
  const { labels, annotations } = event;
  log.info(
    {
      ...extra,
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
    `[${transitionState(event)}] ${labels.kind} ${labels.target}: ${annotations.summary}`,
  );
}

/** `createLogNotifier(logger)` (name `log`) or, from the registry, with the receiver's config. */
export function createLogNotifier(logger: Logger, _config: LogReceiverConfig = {}, name = 'log'): Notifier {
  const log = logger.child({ receiver: name });
  return {
    name,
    async send(n, previous) {
      if (n.reason === 'test') {
        log.info({ test: true, group: n.groupKey }, `[TEST] syncwatch test alert for receiver ${name}`);
        return previous;
      }
      if (n.transitions.length === 0) {
        // A reminder: nothing changed. Not a transition, so not an info line of its own kind.
        log.debug({ group: n.groupKey, firing: n.alerts.map((a) => a.fingerprint) }, `[REMINDER] ${n.alerts.length} alert(s) still firing`);
        return previous;
      }
      for (const event of n.transitions) logTransition(log, event, { group: n.groupKey });
      return previous;
    },
  };
}
