// One e-mail per group notification: subject `[FIRING] <kind>: <resource name>`, an HTML part
// (every outside value escaped) and a text part saying the same.
import type { AlertEvent, Notification } from '../../alert/model.ts';
import { alertsOf, errorText, facts, resourceName, safeLink, TEST_NOTICE, title, topErrors, transitionState } from '../format.ts';

/** Longest error text an e-mail carries per alert. */
export const EMAIL_ERROR_MAX = 10_000;

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Subjects are one line: no CR/LF from outside text. */
function oneLine(s: string): string {
  return cut(s.replace(/[\r\n]+/g, ' '), 250);
}

function errorSummary(event: AlertEvent): string[] {
  const top = topErrors(event);
  if (!top) return [];
  const list = (pairs: Array<[string, number]>) => pairs.map(([v, n]) => `${v} ×${n}`).join(', ');
  const out: string[] = [];
  if (top.classifications.length > 0) out.push(`Top classifications: ${list(top.classifications)}`);
  if (top.codes.length > 0) out.push(`Top codes: ${list(top.codes)}`);
  return out;
}

export function renderEmail(n: Notification): RenderedEmail {
  const alerts = alertsOf(n);
  const subject = oneLine(title(n));
  const textParts: string[] = [subject, ''];
  const htmlParts: string[] = [`<h2>${escapeHtml(subject)}</h2>`];
  if (n.reason === 'test') {
    textParts.push(TEST_NOTICE, '');
    htmlParts.push(`<p><strong>${escapeHtml(TEST_NOTICE)}</strong></p>`);
  }
  for (const a of alerts) {
    const heading = `${transitionState(a)} ${a.labels.kind}: ${resourceName(a)}`;
    const rows = facts(a);
    const error = errorText(a);
    const link = safeLink(a.annotations.link);
    textParts.push(heading, a.annotations.summary, ...rows.map(([k, v]) => `${k}: ${v}`), ...errorSummary(a));
    if (error) textParts.push('Error:', cut(error, EMAIL_ERROR_MAX));
    if (link) textParts.push(`Open in the platform: ${link}`);
    textParts.push('');
    htmlParts.push(
      `<h3>${escapeHtml(heading)}</h3>`,
      `<p>${escapeHtml(a.annotations.summary)}</p>`,
      `<table>${rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
      ...errorSummary(a).map((l) => `<p>${escapeHtml(l)}</p>`),
      ...(error ? [`<pre>${escapeHtml(cut(error, EMAIL_ERROR_MAX))}</pre>`] : []),
      ...(link ? [`<p><a href="${escapeHtml(link)}">Open in the platform</a></p>`] : []),
    );
  }
  textParts.push(`Group: ${n.groupKey}`);
  htmlParts.push(`<p style="color:#666">Group: ${escapeHtml(n.groupKey)}</p>`);
  return { subject, text: textParts.join('\n'), html: `<!doctype html><html><body>${htmlParts.join('\n')}</body></html>` };
}
