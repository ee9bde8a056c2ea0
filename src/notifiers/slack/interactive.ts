// Slack interactivity, Slack's side of it: the buttons on a firing alert (Acknowledge, Silence 1h,
// Silence 1d, Retry now), the value they carry (which alert: fingerprint, episode, group — never a
// secret), the request signature Slack puts on each click (v0 HMAC-SHA256 over `v0:<timestamp>:<raw
// body>`), the block_actions payload (parsed with zod at the boundary), and the Web API calls that
// show the outcome (chat.update, a thread reply, an ephemeral answer to response_url). What a click
// does to syncwatch (acks, silences, retries) is src/interact/, which knows Redis and the pipelines.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { AlertEvent } from '../../alert/model.ts';
import { parseJson } from '../../json.ts';

export const SLACK_ACTIONS = {
  ack: 'syncwatch_ack',
  silence1h: 'syncwatch_silence_1h',
  silence1d: 'syncwatch_silence_1d',
  retry: 'syncwatch_retry',
} as const;
export type SlackAction = keyof typeof SLACK_ACTIONS;

const ACTION_OF = new Map(Object.entries(SLACK_ACTIONS).map(([k, v]) => [v, k as SlackAction]));

/** Slack's limit on a button's value. */
export const MAX_BUTTON_VALUE = 2000;
/** Slack signs with a timestamp; older (or newer) than this, a request is refused (Slack's advice: 5 minutes). */
export const SIGNATURE_MAX_AGE_SECONDS = 300;

/** What a button carries: the alert's fingerprint, its episode (startsAt) and the group it was sent in. */
export interface ButtonValue {
  fp: string;
  ep: string;
  g?: string;
}

export function buttonValue(event: Pick<AlertEvent, 'fingerprint' | 'startsAt'>, groupId?: string): string {
  return JSON.stringify({ fp: event.fingerprint, ep: event.startsAt, ...(groupId !== undefined ? { g: groupId } : {}) });
}

const buttonValueSchema = z.object({ fp: z.string().min(1), ep: z.string().min(1), g: z.string().optional() });

export function parseButtonValue(value: string | undefined): ButtonValue | undefined {
  const parsed = buttonValueSchema.safeParse(parseJson(value ?? ''));
  return parsed.success
    ? { fp: parsed.data.fp, ep: parsed.data.ep, ...(parsed.data.g !== undefined ? { g: parsed.data.g } : {}) }
    : undefined;
}

/** The actions block of one alert is found again by this id when its message is updated. */
export const alertBlockId = (fingerprint: string) => `syncwatch:${createHash('sha1').update(fingerprint).digest('hex').slice(0, 20)}`;

const button = (text: string, action: SlackAction, value: string, style?: 'primary' | 'danger') => ({
  type: 'button',
  text: { type: 'plain_text', text },
  action_id: SLACK_ACTIONS[action],
  value,
  ...(style ? { style } : {}),
});

/** The interactive buttons of one firing alert (none when its value would not fit). */
export function actionButtons(event: AlertEvent, retry: boolean, groupId?: string): Array<{ type: string; [k: string]: unknown }> {
  const value = buttonValue(event, groupId);
  if (value.length > MAX_BUTTON_VALUE) return [];
  return [
    button('Acknowledge', 'ack', value, 'primary'),
    button('Silence 1h', 'silence1h', value),
    button('Silence 1d', 'silence1d', value),
    ...(retry ? [button('Retry now', 'retry', value)] : []),
  ];
}

export type SignatureCheck = 'ok' | 'stale' | 'bad';

/**
 * Slack's request signing: `X-Slack-Signature` is `v0=` + hex HMAC-SHA256, keyed with the app's
 * signing secret, of `v0:<X-Slack-Request-Timestamp>:<raw body>`; compared in constant time.
 */
export function checkSlackSignature(
  secrets: readonly string[],
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: string,
  nowMs: number,
): { check: SignatureCheck; index?: number } {
  const ts = Number(headers.timestamp);
  if (!headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp) || !headers.signature) return { check: 'bad' };
  if (Math.abs(nowMs / 1000 - ts) > SIGNATURE_MAX_AGE_SECONDS) return { check: 'stale' };
  const given = Buffer.from(headers.signature, 'utf8');
  for (const [index, secret] of secrets.entries()) {
    const wanted = Buffer.from(slackSignature(secret, headers.timestamp, rawBody), 'utf8');
    if (given.length === wanted.length && timingSafeEqual(given, wanted)) return { check: 'ok', index };
  }
  return { check: 'bad' };
}

export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

const slackId = z.string().regex(/^[A-Z0-9]{2,40}$/);

const payloadSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: slackId, username: z.string().optional(), name: z.string().optional(), team_id: z.string().optional() }),
  actions: z
    .array(
      z.object({
        action_id: z.string(),
        block_id: z.string().optional(),
        value: z.string().max(MAX_BUTTON_VALUE).optional(),
        type: z.string(),
        action_ts: z.string().optional(),
      }),
    )
    .min(1),
  container: z.object({ message_ts: z.string().optional(), channel_id: z.string().optional() }).optional(),
  channel: z.object({ id: z.string() }).optional(),
  message: z
    .object({
      ts: z.string().optional(),
      text: z.string().optional(),
      thread_ts: z.string().optional(),
      blocks: z.array(z.record(z.string(), z.unknown())).optional(),
    })
    .optional(),
  response_url: z.url({ protocol: /^https?$/ }).optional(),
});

/** One click, as syncwatch reads it. */
export interface SlackClick {
  action: SlackAction;
  target: ButtonValue;
  user: { id: string; name: string };
  channel: string;
  messageTs: string;
  /** The thread the message is in, if it is a reply (replies go there). */
  threadTs?: string;
  blockId?: string;
  blocks: Array<Record<string, unknown>>;
  text: string;
  responseUrl?: string;
}

/** The form body's `payload=` → a click on one of our buttons, or why not. */
export function parseSlackClick(rawBody: string): { click: SlackClick } | { ignored: string } {
  const payload = parseJson(new URLSearchParams(rawBody).get('payload') ?? '');
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return { ignored: 'not a block_actions payload' };
  const p = parsed.data;
  const a = p.actions[0]!;
  const action = ACTION_OF.get(a.action_id as (typeof SLACK_ACTIONS)[SlackAction]);
  if (!action) return { ignored: `not one of syncwatch's buttons (${a.action_id.slice(0, 60)})` };
  const target = parseButtonValue(a.value);
  const channel = p.container?.channel_id ?? p.channel?.id;
  const messageTs = p.container?.message_ts ?? p.message?.ts;
  if (!target || !channel || !messageTs) return { ignored: 'the click names no alert or no message' };
  return {
    click: {
      action,
      target,
      user: { id: p.user.id, name: p.user.username ?? p.user.name ?? p.user.id },
      channel,
      messageTs,
      ...(p.message?.thread_ts && p.message.thread_ts !== messageTs ? { threadTs: p.message.thread_ts } : {}),
      ...(a.block_id !== undefined ? { blockId: a.block_id } : {}),
      blocks: p.message?.blocks ?? [],
      text: p.message?.text ?? '',
      ...(p.response_url !== undefined ? { responseUrl: p.response_url } : {}),
    },
  };
}

/** Slack's user mention (the id is checked to be an id, so nothing else can be injected). */
export const mention = (userId: string) => (/^[A-Z0-9]+$/.test(userId) ? `<@${userId}>` : 'someone');

/**
 * The message's blocks after an outcome: the buttons in `drop` removed from the alert's actions
 * block, and a context line under it (or at the end when the block is not found). At most 50 blocks.
 */
export function blocksWithOutcome(
  blocks: ReadonlyArray<Record<string, unknown>>,
  blockId: string | undefined,
  line: string,
  drop: readonly SlackAction[],
): Array<Record<string, unknown>> {
  const dropIds = new Set(drop.map((d) => SLACK_ACTIONS[d]));
  const context = { type: 'context', elements: [{ type: 'mrkdwn', text: line.slice(0, 3000) }] };
  const out: Array<Record<string, unknown>> = [];
  let placed = false;
  for (const b of blocks) {
    if (blockId !== undefined && b.block_id === blockId && b.type === 'actions' && Array.isArray(b.elements)) {
      const elements = (b.elements as Array<Record<string, unknown>>).filter((e) => !dropIds.has(e.action_id as never));
      if (elements.length > 0) out.push({ ...b, elements });
      out.push(context);
      placed = true;
    } else out.push(b);
  }
  if (!placed) out.push(context);
  return out.slice(0, 50);
}

export interface SlackInteractionApi {
  update(channel: string, ts: string, text: string, blocks: ReadonlyArray<Record<string, unknown>>): Promise<void>;
  reply(channel: string, threadTs: string, text: string): Promise<void>;
  /** The members of a user group (usergroups.users.list). */
  groupMembers(groupId: string): Promise<string[]>;
}

export function slackInteractionApi(config: { token: string; apiUrl?: string }): SlackInteractionApi {
  const client = new WebClient(config.token, {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` } : {}),
    retryConfig: { retries: 2 },
    timeout: 10_000,
    allowAbsoluteUrls: false,
  });
  return {
    async update(channel, ts, text, blocks) {
      await client.chat.update({ channel, ts, text, blocks: blocks as never });
    },
    async reply(channel, threadTs, text) {
      await client.chat.postMessage({ channel, thread_ts: threadTs, text, unfurl_links: false, unfurl_media: false });
    },
    async groupMembers(groupId) {
      const res = await client.usergroups.users.list({ usergroup: groupId });
      return (res.users ?? []).filter((u): u is string => typeof u === 'string');
    },
  };
}

/** Answer only the user who clicked (the payload's response_url, `response_type: ephemeral`). */
export async function answerEphemeral(responseUrl: string, text: string): Promise<void> {
  const res = await fetch(responseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
    redirect: 'error',
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
}
