// E-mail over SMTP with nodemailer: STARTTLS (secure: false, required on 587) or implicit TLS
// (secure: true), optional auth. One mail per group notification; later mails of the same group
// reply to the first (In-Reply-To/References), so mail clients thread them.
import nodemailer from 'nodemailer';
import type { EmailReceiverConfig } from './config.ts';
import type { DeliveryRecord } from '../types.ts';
import { NotifyError, type DeliveryGuarantee, type Notifier, type NotifierDeps } from '../types.ts';
import { renderEmail } from './render.ts';

export { renderEmail } from './render.ts';

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH']);

export function emailError(e: unknown): NotifyError {
  if (e instanceof NotifyError) return e;
  const err = e as { code?: string; responseCode?: number; message?: string };
  const message = `smtp: ${err.message ?? String(e)}`;
  if (err.code === 'EAUTH') return new NotifyError(message, { retryable: false, code: 'EAUTH', cause: e });
  if (typeof err.responseCode === 'number') {
    // 4xx: try again later; 5xx: the server refuses for good.
    return new NotifyError(message, { retryable: err.responseCode < 500, code: String(err.responseCode), cause: e });
  }
  // No SMTP answer: the server may have accepted the mail before the connection broke.
  return new NotifyError(message, {
    retryable: true,
    code: err.code && CONNECTION_CODES.has(err.code) ? err.code : (err.code ?? 'smtp'),
    outcomeUnknown: true,
    cause: e,
  });
}

export const EMAIL_GUARANTEE: DeliveryGuarantee = {
  guarantee: 'at-least-once',
  why:
    'SMTP cannot be asked what it already accepted: a mail interrupted after acceptance is sent again ' +
    'with the same Message-ID, which mail clients show once',
};

/** E-mail's part of a group's delivery record: the first message's id and the thread's references. */
interface EmailThread {
  messageId: string;
  references: string[];
}

function emailThreadOf(record: DeliveryRecord | undefined): EmailThread | undefined {
  const t = record?.email as Partial<EmailThread> | undefined;
  return typeof t?.messageId === 'string' && Array.isArray(t.references)
    ? { messageId: t.messageId, references: t.references.filter((r): r is string => typeof r === 'string') }
    : undefined;
}

export function createEmailNotifier(config: EmailReceiverConfig, deps: NotifierDeps): Notifier {
  const { smtp } = config;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.port === 587,
    ...(smtp.user !== undefined && smtp.pass !== undefined ? { auth: { user: smtp.user, pass: smtp.pass } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  const domain = (/@([^>\s]+)>?$/.exec(config.from)?.[1] ?? 'syncwatch').toLowerCase();
  return {
    name: deps.name,
    guarantee: async () => EMAIL_GUARANTEE,
    async send(n, previous): Promise<DeliveryRecord> {
      const mail = renderEmail(n);
      const messageId = `<syncwatch.${n.groupId}.${n.seq}.${n.reason}@${domain}>`;
      const thread = emailThreadOf(previous);
      try {
        await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId,
          ...(thread ? { inReplyTo: thread.messageId, references: [...thread.references, thread.messageId].slice(-20) } : {}),
          headers: { 'X-Syncwatch-Group': n.groupId },
        });
      } catch (e) {
        throw emailError(e);
      }
      if (n.status === 'resolved') return { ...previous, email: undefined };
      return { ...previous, email: thread ?? { messageId, references: [] } };
    },
  };
}
