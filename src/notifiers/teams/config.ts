// A Microsoft Teams receiver in the config file (schema only): a Workflows ("When a Teams webhook
// request is received") or incoming-webhook URL. The URL is its own credential: never logged whole.
import { z } from 'zod';
import { httpUrl } from '../../fields/fields.ts';

export const teamsReceiverConfig = z.strictObject({
  webhookUrl: httpUrl,
});

export type TeamsReceiverConfig = z.output<typeof teamsReceiverConfig>;
