// The Adaptive Card of one notification: the facts the Slack message shows (title, severity,
// target, resource, error text, samples, links as Action.OpenUrl). Free text from outside goes in
// RichTextBlock/TextRun (no markdown at all); what has to be a TextBlock or a Fact (markdown) is
// escaped, so `**`, `[x](y)`, `<at>` or `{{DATE()}}` in an error arrive as text. Bounded to Teams'
// message size (about 28 KB).
import type { AlertEvent, Notification } from '../../alert/model.ts';
import {
  alertsOf,
  errorText,
  facts,
  kindsOf,
  notificationState,
  resourceName,
  safeLink,
  TEST_NOTICE,
  topErrors,
  transitionState,
} from '../format.ts';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export const TEAMS_LIMITS = {
  /** Our cap for the whole payload; Teams refuses messages over about 28 KB. */
  payloadBytes: 24_000,
  error: 2_000,
  samples: 3,
  sampleMessage: 300,
  text: 1_000,
  factValue: 500,
  actions: 6,
} as const;

export type CardElement = { type: string; [key: string]: unknown };

export interface TeamsMessage {
  type: 'message';
  attachments: Array<{
    contentType: typeof ADAPTIVE_CARD;
    contentUrl: null;
    content: {
      $schema: string;
      type: 'AdaptiveCard';
      version: string;
      msteams: { width: 'Full' };
      body: CardElement[];
      actions: CardElement[];
    };
  }>;
}

const CUT = '…';
export function cutText(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = s.slice(0, Math.max(0, max - CUT.length));
  if (/[\uD800-\uDBFF]$/.test(out)) out = out.slice(0, -1);
  return out + CUT;
}

/** Date/time functions (`{{DATE(…)}}`) are expanded in any text: a zero-width space keeps the braces apart. */
const noFunctions = (s: string) => s.replace(/\{\{/g, '{\u200B{').replace(/\}\}/g, '}\u200B}');

/**
 * Text for a TextBlock or a Fact (Teams' markdown subset: bold, italic, lists, links): the
 * characters that open those (`* _ ~ \` [ ] #`, and `\` itself) are backslash-escaped, a line that
 * would start a list is escaped too, and `<`/`>` so nothing reads as a tag or an `<at>` mention.
 * Parentheses stay: with `[`/`]` escaped they cannot make a link.
 */
export function escapeTeams(s: string): string {
  return noFunctions(
    s
      .replace(/[\\`*_~[\]<>#]/g, '\\$&')
      .replace(/^(\s*)([-+])(?=\s)/gm, '$1\\$2')
      .replace(/^(\s*\d+)\.(?=\s)/gm, '$1\\.'),
  );
}

/** Cut, then escape (so an escape is never split). */
const safe = (s: string, max: number) => escapeTeams(cutText(s, max));

/** Plain text, shown as it is (RichTextBlock → TextRun takes no markdown). */
function plain(text: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: noFunctions(text), ...extra }] };
}

const COLOR = { firing: 'Attention', resolved: 'Good', test: 'Accent' } as const;

function header(n: Notification, alerts: readonly AlertEvent[]): CardElement {
  const count = n.status === 'firing' && alerts.length > 1 ? `:${alerts.length}` : '';
  return {
    type: 'TextBlock',
    text: safe(`[${notificationState(n)}${count}] ${kindsOf(alerts)}`, 150),
    size: 'Large',
    weight: 'Bolder',
    wrap: true,
    color: n.reason === 'test' ? COLOR.test : COLOR[n.status],
  };
}

/** One alert: its line, summary, facts, top errors, error text and samples. */
export function alertElements(event: AlertEvent): CardElement[] {
  const items: CardElement[] = [
    {
      type: 'TextBlock',
      text: `**${transitionState(event)}** · **${safe(event.labels.kind, 100)}** · **${safe(resourceName(event), 300)}**`,
      wrap: true,
      weight: 'Default',
    },
    plain(cutText(event.annotations.summary, TEAMS_LIMITS.text)),
    {
      type: 'FactSet',
      facts: [['Severity', event.labels.severity] as [string, string], ...facts(event)].map(([t, v]) => ({
        title: escapeTeams(t),
        value: safe(v, TEAMS_LIMITS.factValue),
      })),
    },
  ];
  const top = topErrors(event);
  if (top) {
    const list = (pairs: Array<[string, number]>) => pairs.map(([v, c]) => `${cutText(v, 60)} ×${c}`).join(', ');
    if (top.classifications.length > 0) items.push(plain(`Top classifications: ${list(top.classifications)}`, { isSubtle: true }));
    if (top.codes.length > 0) items.push(plain(`Top codes: ${list(top.codes)}`, { isSubtle: true }));
  }
  const error = errorText(event);
  if (error) items.push(plain(cutText(error, TEAMS_LIMITS.error), { fontType: 'Monospace' }));
  // Without an error text the newest sample is the error text above: the samples start after it.
  const from = event.annotations.error ? 0 : 1;
  for (const s of (event.annotations.samples ?? []).slice(from, from + TEAMS_LIMITS.samples)) {
    items.push(
      plain(`${s.code ? `[${s.code}] ` : ''}${cutText(s.message, TEAMS_LIMITS.sampleMessage)}`, { fontType: 'Monospace', isSubtle: true }),
    );
  }
  return items;
}

function note(text: string): CardElement {
  return { type: 'TextBlock', text: escapeTeams(text), wrap: true, isSubtle: true, size: 'Small' };
}

/** The alerts a card shows: the change for an update, else the group's view; each alert once, as it is now. */
function shownAlerts(n: Notification): AlertEvent[] {
  const source = n.reason === 'update' && n.transitions.length > 0 ? n.transitions : alertsOf(n);
  const byFp = new Map<string, AlertEvent>();
  for (const e of source) byFp.set(e.fingerprint, e);
  return [...byFp.values()];
}

export function renderTeams(n: Notification): TeamsMessage {
  const alerts = shownAlerts(n);
  const body: CardElement[] = [header(n, alerts)];
  const actions: CardElement[] = [];
  const message = (): TeamsMessage => ({
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD,
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          actions,
        },
      },
    ],
  });
  const size = () => Buffer.byteLength(JSON.stringify(message()));
  let shown = 0;
  for (const alert of alerts) {
    const container: CardElement = { type: 'Container', separator: shown > 0, spacing: 'Medium', items: alertElements(alert) };
    body.push(container);
    const link = safeLink(alert.annotations.link);
    const action =
      link && actions.length < TEAMS_LIMITS.actions - 1
        ? { type: 'Action.OpenUrl', title: cutText(`Open ${resourceName(alert)}`, 60), url: link }
        : undefined;
    if (action) actions.push(action);
    if (size() > TEAMS_LIMITS.payloadBytes - 1_000) {
      body.pop();
      if (action) actions.pop();
      break;
    }
    shown++;
  }
  if (shown < alerts.length) body.push(note(`…and ${alerts.length - shown} more alert(s) in this group.`));
  if (n.reason === 'test') body.push(note(TEST_NOTICE));
  if (n.reason === 'repeat') body.push(note('Reminder: these alerts are still firing.'));
  const consoleUrl = safeLink(n.externalURL);
  if (consoleUrl) actions.push({ type: 'Action.OpenUrl', title: 'syncwatch console', url: consoleUrl });
  return message();
}
