// `syncwatch test-alert --config FILE --receiver NAME`: one clearly marked test message, sent
// straight to the receiver (no Redis, no grouping), so a new receiver can be checked at once.
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { SyncwatchError } from '../errors.ts';
import { createNotifier } from '../notifiers/registry.ts';
import type { DeliveryGuarantee, Notifier } from '../notifiers/types.ts';
import type { AlertEvent, Notification } from '../alert/model.ts';

export function testNotification(receiver: string, now = Date.now()): Notification {
  const at = new Date(now).toISOString();
  const alert: AlertEvent = {
    fingerprint: 'SyncFailed:syncwatch/test',
    status: 'firing',
    labels: { target: 'syncwatch-test', provider: 'celigo', kind: 'SyncFailed', severity: 'info', resource: 'syncwatch/test' },
    annotations: {
      summary: 'TEST: this is a test alert from syncwatch; nothing is wrong',
      name: 'syncwatch test alert',
      runStatus: 'test',
      startedAt: at,
    },
    startsAt: at,
    transitionId: `test|${now}`,
  };
  return {
    groupId: 'test',
    groupKey: `test:{receiver=${JSON.stringify(receiver)}}`,
    receiver,
    seq: 0,
    groupLabels: { receiver },
    status: 'firing',
    reason: 'test',
    alerts: [alert],
    transitions: [alert],
    createdAt: at,
  };
}

/**
 * Send a test notification to one configured receiver, and ask the receiver what delivery
 * guarantee it gives (e.g. a Slack token without the history scope: at-least-once). Throws a
 * NotifyError when the send fails.
 */
export async function sendTestAlert(
  config: Pick<Config, 'receivers'>,
  receiverName: string,
  options: { logger: Logger; now?: number; notifier?: Notifier },
): Promise<{ notification: Notification; guarantee?: DeliveryGuarantee }> {
  const receiver = config.receivers.find((r) => r.name === receiverName);
  if (!receiver) {
    const known = config.receivers.map((r) => r.name).join(', ') || 'none';
    throw new SyncwatchError('config', `receiver "${receiverName}" is not defined in receivers (defined: ${known})`);
  }
  const notifier = options.notifier ?? createNotifier(receiver, { logger: options.logger });
  const n = testNotification(receiverName, options.now);
  await notifier.send(n);
  const guarantee = await notifier.guarantee?.();
  return { notification: n, ...(guarantee ? { guarantee } : {}) };
}
