// Adding a receiver kind is one folder and a registry line: the dummy receiver of
// test/fixtures/dummy-receiver (its config schema and its notifier) is added to both registries
// here, and the config loads, validates (with FILE:LINE:COL problems) and delivers to it with no
// edit to src/config/schema.ts.
import { describe, expect, it } from 'vitest';
import type { AlertEvent, Notification } from '../../src/alert/model.ts';
import { buildConfigSchema, formatProblem, loadConfigFromString, type ReceiverConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { receiverConfigs } from '../../src/notifiers/configs.ts';
import { createNotifiers, notifierKinds } from '../../src/notifiers/registry.ts';
import { providerConfigs } from '../../src/providers/configs.ts';
import { createDummyNotifier, dummyReceiverConfig, inboxes } from '../fixtures/dummy-receiver/index.ts';

// The registry lines: the config schema's and the notifier's.
const schema = buildConfigSchema({ providers: providerConfigs, receivers: { ...receiverConfigs, dummy: dummyReceiverConfig } });
const kinds = { ...notifierKinds, dummy: createDummyNotifier };

const yaml = (receiver: string) =>
  ['targets: [{ name: prod, provider: celigo, token: t }]', 'receivers:', '  - name: ops', receiver, 'route: { receiver: ops }', ''].join(
    '\n',
  );

const event: AlertEvent = {
  fingerprint: 'f1',
  status: 'firing',
  labels: { target: 'prod', provider: 'celigo', kind: 'SyncFailed', severity: 'critical', resource: 'celigo/prod/sync/s1' },
  annotations: { summary: 'sync s1 failed', name: 's1' },
  startsAt: '2025-03-01T12:00:00.000Z',
  transitionId: 'f1|firing|2025-03-01T12:00:00.000Z',
};

describe('a receiver kind added by a folder and a registry line', () => {
  it('loads a receiver of the new kind (with its defaults) and delivers to it', async () => {
    const result = await loadConfigFromString(yaml('    dummy: { inbox: pager }'), 'syncwatch.yaml', {}, { schema });
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const receiver = result.config.receivers[0] as ReceiverConfig & { dummy?: unknown };
    expect(receiver).toEqual({ name: 'ops', dummy: { inbox: 'pager', loud: false } });

    const notifiers = createNotifiers(result.config.receivers, { logger: createLogger({ level: 'silent' }) }, kinds);
    const notification: Notification = {
      groupId: 'g1',
      groupKey: '{}:{kind="SyncFailed"}',
      receiver: 'ops',
      seq: 1,
      groupLabels: { kind: 'SyncFailed' },
      status: 'firing',
      reason: 'new',
      alerts: [event],
      transitions: [event],
      createdAt: '2025-03-01T12:00:10.000Z',
    };
    await notifiers.get('ops')?.send(notification);
    expect(inboxes.get('pager')?.map((n) => n.alerts[0]?.annotations.summary)).toEqual(['sync s1 failed']);
  });

  it("reports the new kind's problems at FILE:LINE:COL, and names it among the kinds", async () => {
    const typo = await loadConfigFromString(yaml('    dummy: { inbox: pager, lowd: true }'), 'syncwatch.yaml', {}, { schema });
    expect(typo.ok ? [] : typo.problems.map(formatProblem)).toEqual([
      'syncwatch.yaml:4:28 receivers[0].dummy.lowd: unknown key "lowd" (did you mean "loud"?)',
    ]);

    const none = await loadConfigFromString(yaml(''), 'syncwatch.yaml', {}, { schema });
    expect(none.ok ? [] : none.problems.map((p) => p.message)).toContain(
      'needs exactly one of slack, email, webhook, pagerduty, teams, log, dummy',
    );
  });

  it('without the registry line the default schema refuses the kind', async () => {
    const result = await loadConfigFromString(yaml('    dummy: { inbox: pager }'), 'syncwatch.yaml', {});
    expect(result.ok ? [] : result.problems.map(formatProblem)).toContain('syncwatch.yaml:4:5 receivers[0].dummy: unknown key "dummy"');
  });
});
