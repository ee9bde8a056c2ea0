// An e-mail receiver in the config file (schema only).
import { z } from 'zod';
import { emailAddress, mailbox, secret, text, WHEN_OBJECT } from '../../fields/fields.ts';

export const emailReceiverConfig = z.strictObject({
  from: mailbox,
  to: z.array(emailAddress).min(1),
  smtp: z
    .strictObject({
      host: text,
      port: z.int().min(1).max(65_535),
      /** false: STARTTLS (587); true: implicit TLS (465). */
      secure: z.boolean().default(false),
      user: secret.optional(),
      pass: secret.optional(),
    })
    .superRefine((smtp, ctx) => {
      if (smtp.user !== undefined && smtp.pass === undefined) {
        ctx.addIssue({ code: 'custom', path: ['pass'], message: 'required when user is set' });
      }
      if (smtp.pass !== undefined && smtp.user === undefined) {
        ctx.addIssue({ code: 'custom', path: ['user'], message: 'required when pass is set' });
      }
    }, WHEN_OBJECT),
});

export type EmailReceiverConfig = z.output<typeof emailReceiverConfig>;
