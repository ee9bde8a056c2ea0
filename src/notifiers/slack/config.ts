// A Slack receiver in the config file (schema only): Web API (token + channel) or incoming webhook,
// optionally with buttons (Acknowledge, Silence 1h/1d, Retry now) that Slack's interactivity sends back.
import { z } from 'zod';
import { httpUrl, secret, text, WHEN_OBJECT } from '../../fields/fields.ts';

const SLACK_MODES = 'use either token + channel (Web API) or webhookUrl (incoming webhook)';

/** Where the signing secret is, said where it is missing. */
export const SIGNING_SECRET_HELP =
  "buttons need the Slack app's signing secret to verify each click: find it at api.slack.com/apps → your app → " +
  '"Basic Information" → "App Credentials" → "Signing Secret" (put it in an environment variable, e.g. ${SLACK_SIGNING_SECRET})';

/** Buttons on each firing alert; clicks arrive at `<externalUrl>/slack/interactions`. */
export interface SlackInteractiveConfig {
  signingSecret: string;
  /** Slack user ids (`U…`) allowed to click; with `allowedUserGroups`, none given: everyone in the channel. */
  allowedUsers?: string[];
  /** Slack user group ids (`S…`) whose members may click. */
  allowedUserGroups?: string[];
}

export type SlackReceiverConfig =
  { token: string; channel: string; apiUrl?: string; interactive?: SlackInteractiveConfig } | { webhookUrl: string };

const interactive = z
  .strictObject({
    /** The Slack app's signing secret (Basic Information → App Credentials → Signing Secret). */
    signingSecret: secret.optional(),
    allowedUsers: z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id (U…)')).optional(),
    allowedUserGroups: z.array(z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group id (S…)')).optional(),
  })
  .superRefine((i, ctx) => {
    if (i.signingSecret === undefined)
      ctx.addIssue({ code: 'custom', path: ['signingSecret'], message: `required: ${SIGNING_SECRET_HELP}` });
  }, WHEN_OBJECT)
  .meta({ required: ['signingSecret'] });

export const slackReceiverConfig = z
  .strictObject({
    token: secret.optional(),
    channel: text.optional(),
    /** Another Web API endpoint: a proxy or a test double. */
    apiUrl: httpUrl.optional(),
    /** Incoming-webhook mode: no threads, no updates. */
    webhookUrl: httpUrl.optional(),
    /** Buttons on each firing alert (Web API mode only): set the app's Interactivity Request URL to <externalUrl>/slack/interactions. */
    interactive: interactive.optional(),
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
    if (slack.webhookUrl !== undefined && slack.interactive !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['interactive'],
        message: 'buttons need the Web API (token + channel): an incoming webhook cannot update the message a click came from',
      });
    }
  }, WHEN_OBJECT)
  .transform((slack): SlackReceiverConfig => {
    if (slack.webhookUrl !== undefined) return { webhookUrl: slack.webhookUrl };
    const i = slack.interactive;
    return {
      token: slack.token!,
      channel: slack.channel!,
      ...(slack.apiUrl !== undefined && { apiUrl: slack.apiUrl }),
      ...(i?.signingSecret !== undefined && {
        interactive: {
          signingSecret: i.signingSecret,
          ...(i.allowedUsers !== undefined && { allowedUsers: i.allowedUsers }),
          ...(i.allowedUserGroups !== undefined && { allowedUserGroups: i.allowedUserGroups }),
        },
      }),
    };
  })
  .meta({
    oneOf: [{ required: ['token', 'channel'] }, { required: ['webhookUrl'] }],
    dependentRequired: { token: ['channel'], channel: ['token'], apiUrl: ['token'], interactive: ['token'] },
  });
