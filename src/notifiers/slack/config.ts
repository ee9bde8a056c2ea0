// A Slack receiver in the config file (schema only): Web API (token + channel) or incoming webhook.
import { z } from 'zod';
import { httpUrl, secret, text, WHEN_OBJECT } from '../../fields/fields.ts';

const SLACK_MODES = 'use either token + channel (Web API) or webhookUrl (incoming webhook)';

export type SlackReceiverConfig = { token: string; channel: string; apiUrl?: string } | { webhookUrl: string };

export const slackReceiverConfig = z
  .strictObject({
    token: secret.optional(),
    channel: text.optional(),
    /** Another Web API endpoint: a proxy or a test double. */
    apiUrl: httpUrl.optional(),
    /** Incoming-webhook mode: no threads, no updates. */
    webhookUrl: httpUrl.optional(),
  })
  .superRefine((slack, ctx) => {
    const webApi = slack.token !== undefined || slack.channel !== undefined || slack.apiUrl !== undefined;
    if (webApi && slack.webhookUrl !== undefined) {
      ctx.addIssue({ code: 'custom', message: `${SLACK_MODES}, not both` });
    } else if (!webApi && slack.webhookUrl === undefined) {
      ctx.addIssue({ code: 'custom', message: `needs a mode: ${SLACK_MODES}` });
    } else if (webApi) {
      for (const key of ['token', 'channel'] as const) {
        if (slack[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'required' });
      }
    }
  }, WHEN_OBJECT)
  .transform((slack): SlackReceiverConfig =>
    slack.webhookUrl !== undefined
      ? { webhookUrl: slack.webhookUrl }
      : { token: slack.token!, channel: slack.channel!, ...(slack.apiUrl !== undefined && { apiUrl: slack.apiUrl }) },
  )
  .meta({
    oneOf: [{ required: ['token', 'channel'] }, { required: ['webhookUrl'] }],
    dependentRequired: { token: ['channel'], channel: ['token'], apiUrl: ['token'] },
  });
