// Config key → receiver implementation. Adding a receiver kind is one folder, one line here and
// one in ./configs.ts (its config schema).
import type { ReceiverConfig } from './configs.ts';
import { createEmailNotifier, EMAIL_GUARANTEE } from './email/index.ts';
import { createLogNotifier } from './log/index.ts';
import { createPagerDutyNotifier, PAGERDUTY_GUARANTEE } from './pagerduty/index.ts';
import { createSlackNotifier, slackStaticGuarantee } from './slack/index.ts';
import { createTeamsNotifier, TEAMS_GUARANTEE } from './teams/index.ts';
import type { DeliveryGuarantee, Notifier, NotifierDeps } from './types.ts';
import { createWebhookNotifier, WEBHOOK_GUARANTEE } from './webhook/index.ts';

type KindConfig<K extends string> = Extract<ReceiverConfig, { [P in K]: object }>[K & keyof Extract<ReceiverConfig, { [P in K]: object }>];

export const notifierKinds = {
  slack: (config: KindConfig<'slack'>, deps: NotifierDeps) => createSlackNotifier(config, deps),
  email: (config: KindConfig<'email'>, deps: NotifierDeps) => createEmailNotifier(config, deps),
  webhook: (config: KindConfig<'webhook'>, deps: NotifierDeps) => createWebhookNotifier(config, deps),
  pagerduty: (config: KindConfig<'pagerduty'>, deps: NotifierDeps) => createPagerDutyNotifier(config, deps),
  teams: (config: KindConfig<'teams'>, deps: NotifierDeps) => createTeamsNotifier(config, deps),
  log: (config: KindConfig<'log'>, deps: NotifierDeps) => createLogNotifier(deps.logger, config, deps.name),
} as const;

export type NotifierKind = keyof typeof notifierKinds;

/** A notifier registry: the one above, or a test's with more kinds. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each factory narrows its own config
export type NotifierKinds = Record<string, (config: any, deps: NotifierDeps) => Notifier>;

export function receiverKind(receiver: ReceiverConfig, kinds: NotifierKinds = notifierKinds): NotifierKind {
  const kind = Object.keys(kinds).find((k) => (receiver as Record<string, unknown>)[k] !== undefined);
  if (!kind) throw new Error(`receiver "${receiver.name}" has no known kind`);
  return kind as NotifierKind;
}

export function createNotifier(receiver: ReceiverConfig, deps: Omit<NotifierDeps, 'name'>, kinds: NotifierKinds = notifierKinds): Notifier {
  const kind = receiverKind(receiver, kinds);
  const factory = kinds[kind] as (config: unknown, deps: NotifierDeps) => Notifier;
  return factory((receiver as Record<string, unknown>)[kind], { ...deps, name: receiver.name });
}

/** One notifier per configured receiver, by name. */
export function createNotifiers(
  receivers: readonly ReceiverConfig[],
  deps: Omit<NotifierDeps, 'name'>,
  kinds: NotifierKinds = notifierKinds,
): Map<string, Notifier> {
  return new Map(receivers.map((r) => [r.name, createNotifier(r, deps, kinds)]));
}

/**
 * What a receiver's configuration alone says about its delivery guarantee (for `validate`, which
 * makes no network call); undefined when only the receiver can tell (`test-alert` asks it).
 */
export function staticGuarantee(receiver: ReceiverConfig): DeliveryGuarantee | undefined {
  if (receiver.slack) return slackStaticGuarantee(receiver.slack);
  if (receiver.email) return EMAIL_GUARANTEE;
  if (receiver.webhook) return WEBHOOK_GUARANTEE;
  if (receiver.pagerduty) return PAGERDUTY_GUARANTEE;
  if (receiver.teams) return TEAMS_GUARANTEE;
  return undefined;
}
