// Block Kit for one notification. Everything that comes from outside (error texts, names) is
// escaped for mrkdwn — `&`, `<`, `>` — so `<!channel>` or `<@U123>` arrive as text, never as a
// mention, and everything is cut to Slack's limits.
import type { AlertEvent, Notification } from '../../alert/model.ts';
import { actionButtons, alertBlockId } from './interactive.ts';
import {
  errorText,
  facts,
  kindsOf,
  notificationState,
  resourceName,
  safeLink,
  TEST_NOTICE,
  title,
  topErrors,
  transitionState,
} from '../format.ts';

export const SLACK_LIMITS = {
  header: 150,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  blocks: 50,
  buttonText: 75,
  url: 3000,
  /** Our own cap for the notification fallback text (Slack's is 40 000). */
  fallbackText: 3000,
} as const;

export type Block = { type: string; [key: string]: unknown };
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const CUT = '…';

/** Cut plain text to `max` characters (code points are not split), marking the cut. */
export function cutText(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - CUT.length));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut + CUT;
}

/** Escape, then cut to `max` without splitting an entity such as `&amp;`. */
export function escapeAndCut(s: string, max: number): string {
  const escaped = escapeMrkdwn(s);
  if (escaped.length <= max) return escaped;
  let cut = escaped.slice(0, Math.max(0, max - CUT.length));
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut + CUT;
}

/** Inside a code block: escaped, and backticks replaced so the text cannot close the block. */
function codeBlock(s: string, max: number): string {
  const inner = max - 8; // ``` + \n … \n ```
  return '```\n' + escapeAndCut(s.replace(/`/g, "'"), inner) + '\n```';
}

const EMOJI = { firing: ':red_circle:', resolved: ':large_green_circle:', test: ':test_tube:' } as const;

function headerText(n: Notification, alerts: readonly AlertEvent[]): string {
  const state = notificationState(n);
  const count = n.status === 'firing' && alerts.length > 1 ? `:${alerts.length}` : '';
  const emoji = n.reason === 'test' ? EMOJI.test : EMOJI[n.status];
  return cutText(`${emoji} [${state}${count}] ${kindsOf(alerts)}`, SLACK_LIMITS.header);
}

/** Which buttons an alert gets: none (undefined), or Acknowledge and Silence, and Retry now when `retry`. */
export type ButtonsFor = (event: AlertEvent) => { retry: boolean } | undefined;

/** The blocks of one alert: text, fields, and buttons: a link, and the interactive ones when `buttons` says so. */
export function alertBlocks(event: AlertEvent, buttons?: ButtonsFor, groupId?: string): Block[] {
  const head =
    `*${transitionState(event)}* · *${escapeAndCut(event.labels.kind, 100)}* · *${escapeAndCut(resourceName(event), 300)}*\n` +
    escapeAndCut(event.annotations.summary, 1000);
  let body = head;
  const top = topErrors(event);
  if (top) {
    const list = (pairs: Array<[string, number]>) =>
      pairs.map(([v, n]) => `\`${escapeAndCut(v.replace(/`/g, "'"), 60)}\` ×${n}`).join(', ');
    if (top.classifications.length > 0) body += `\n*Top classifications:* ${list(top.classifications)}`;
    if (top.codes.length > 0) body += `\n*Top codes:* ${list(top.codes)}`;
  }
  const error = errorText(event);
  if (error) {
    const room = SLACK_LIMITS.sectionText - body.length - 1;
    if (room > 20) body += `\n${codeBlock(error, room)}`;
  }
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: cutText(body, SLACK_LIMITS.sectionText) } }];
  const fields = facts(event)
    .slice(0, SLACK_LIMITS.fields)
    .map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${escapeAndCut(value, SLACK_LIMITS.field - label.length - 3)}` }));
  blocks.push({ type: 'section', fields });
  const elements: Block[] = [];
  const link = safeLink(event.annotations.link);
  if (link && link.length <= SLACK_LIMITS.url) {
    elements.push({ type: 'button', text: { type: 'plain_text', text: 'Open in the platform' }, url: link });
  }
  const wanted = event.status === 'firing' ? buttons?.(event) : undefined;
  if (wanted) elements.push(...actionButtons(event, wanted.retry, groupId));
  if (elements.length > 0) blocks.push({ type: 'actions', ...(wanted ? { block_id: alertBlockId(event.fingerprint) } : {}), elements });
  return blocks;
}

/**
 * The message for a notification. `show` picks what it is about: the group's alerts (a new
 * message, a reminder, the final update) or only what changed (a thread reply).
 */
export function renderSlack(n: Notification, show: 'alerts' | 'transitions' = 'alerts', buttons?: ButtonsFor): SlackMessage {
  const alerts = latestPerAlert(
    show === 'transitions' && n.transitions.length > 0 ? n.transitions : n.alerts.length > 0 ? n.alerts : n.transitions,
  );
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: headerText(n, alerts), emoji: true } }];
  const trailer: Block[] = [];
  if (n.reason === 'test') trailer.push(context(TEST_NOTICE));
  if (n.reason === 'repeat') trailer.push(context('Reminder: these alerts are still firing.'));
  const room = SLACK_LIMITS.blocks - blocks.length - trailer.length - 1; // one for "and N more"
  let shown = 0;
  for (const alert of alerts) {
    const next = [...(shown > 0 ? [{ type: 'divider' }] : []), ...alertBlocks(alert, n.reason === 'test' ? undefined : buttons, n.groupId)];
    if (blocks.length - 1 + next.length > room) break;
    blocks.push(...next);
    shown++;
  }
  if (shown < alerts.length) trailer.unshift(context(`…and ${alerts.length - shown} more alert(s) in this group.`));
  blocks.push(...trailer);
  return { text: cutText(escapeMrkdwn(title(n)), SLACK_LIMITS.fallbackText), blocks };
}

function context(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: escapeAndCut(text, SLACK_LIMITS.sectionText) }] };
}

/** Several transitions of one alert in a batch: show it once, as it is now. */
function latestPerAlert(events: readonly AlertEvent[]): AlertEvent[] {
  const byFp = new Map<string, AlertEvent>();
  for (const e of events) byFp.set(e.fingerprint, e); // keeps the first position, the latest state
  return [...byFp.values()];
}
