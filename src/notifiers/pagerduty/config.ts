// A PagerDuty receiver in the config file (schema only): an Events API v2 integration.
import { z } from 'zod';
import { httpUrl, onFormat, text } from '../../fields/fields.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export const pagerdutyReceiverConfig = z.strictObject({
  /** The Events API v2 integration key of the service (32 characters). A secret: never logged. */
  routingKey: z.string().length(32, onFormat('expected a PagerDuty routing (integration) key of 32 characters')),
  /** Another Events API endpoint (a proxy, a test double). Default https://events.pagerduty.com/v2/enqueue. */
  url: httpUrl.optional(),
  /** payload.source of every event; default: the alert's target name. */
  source: text.optional(),
});

export type PagerDutyReceiverConfig = z.output<typeof pagerdutyReceiverConfig>;
