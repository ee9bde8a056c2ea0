// Config key → receiver implementation. Adding a receiver kind is one folder and one line here.
import type { ReceiverConfig } from '../config/index.ts';
import { createEmailNotifier, EMAIL_GUARANTEE } from './email/index.ts';
import { createLogNotifier } from './log/index.ts';
import { createSlackNotifier, slackStaticGuarantee } from './slack/index.ts';
import type { DeliveryGuarantee, Notifier, NotifierDeps } from './types.ts';
import { createWebhookNotifier, WEBHOOK_GUARANTEE } from './webhook/index.ts';

type KindConfig<K extends string> = Extract<ReceiverConfig, { [P in K]: object }>[K & keyof Extract<ReceiverConfig, { [P in K]: object }>];

export const notifierKinds = {
  slack: (config: KindConfig<'slack'>, deps: NotifierDeps) => createSlackNotifier(config, deps),
  email: (config: KindConfig<'email'>, deps: NotifierDeps) => createEmailNotifier(config, deps),
  webhook: (config: KindConfig<'webhook'>, deps: NotifierDeps) => createWebhookNotifier(config, deps),
  log: (config: KindConfig<'log'>, deps: NotifierDeps) => createLogNotifier(deps.logger, config, deps.name),
} as const;

export type NotifierKind = keyof typeof notifierKinds;

export function receiverKind(receiver: ReceiverConfig): NotifierKind {
  const kind = (Object.keys(notifierKinds) as NotifierKind[]).find((k) => receiver[k] !== undefined);
  if (!kind) throw new Error(`receiver "${receiver.name}" has no known kind`);
  return kind;
}

export function createNotifier(receiver: ReceiverConfig, deps: Omit<NotifierDeps, 'name'>): Notifier {
  const kind = receiverKind(receiver);
  const factory = notifierKinds[kind] as (config: unknown, deps: NotifierDeps) => Notifier;
  return factory(receiver[kind], { ...deps, name: receiver.name });
}

/** One notifier per configured receiver, by name. */
export function createNotifiers(receivers: readonly ReceiverConfig[], deps: Omit<NotifierDeps, 'name'>): Map<string, Notifier> {
  return new Map(receivers.map((r) => [r.name, createNotifier(r, deps)]));
}

/**
 * What a receiver's configuration alone says about its delivery guarantee (for `validate`, which
 * makes no network call); undefined when only the receiver can tell (`test-alert` asks it).
 */
export function staticGuarantee(receiver: ReceiverConfig): DeliveryGuarantee | undefined {
  if (receiver.slack) return slackStaticGuarantee(receiver.slack);
  if (receiver.email) return EMAIL_GUARANTEE;
  if (receiver.webhook) return WEBHOOK_GUARANTEE;
  return undefined;
}
