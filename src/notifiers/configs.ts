// The receiver config registry: the config key of each receiver kind → its part of the config
// schema (its folder's config.ts, zod only). The config schema is composed from this map; adding a
// receiver kind is its folder, one line here and one in ./registry.ts.
import type { ReceiverConfigOf } from '../fields/fields.ts';
import { emailReceiverConfig } from './email/config.ts';
import { logReceiverConfig } from './log/config.ts';
import { pagerdutyReceiverConfig } from './pagerduty/config.ts';
import { slackReceiverConfig } from './slack/config.ts';
import { teamsReceiverConfig } from './teams/config.ts';
import { webhookReceiverConfig } from './webhook/config.ts';

export const receiverConfigs = {
  slack: slackReceiverConfig,
  email: emailReceiverConfig,
  webhook: webhookReceiverConfig,
  pagerduty: pagerdutyReceiverConfig,
  teams: teamsReceiverConfig,
  log: logReceiverConfig,
} as const;

export type ReceiverConfig = ReceiverConfigOf<typeof receiverConfigs>;
