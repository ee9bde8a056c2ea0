// A local Slack Web API: chat.postMessage and chat.update (form or JSON bodies, as
// @slack/web-api sends them; an update changes the kept message), conversations.history and conversations.replies (with message metadata when
// `include_all_metadata`), usergroups.users.list (groups set by the test), plus an incoming-webhook
// path and a response_url endpoint (`responseUrl(…)`) that records the ephemeral answers to clicks. Records every call with its
// parsed body and every message posted in each channel (`#name` is answered as the channel ID
// `C` + NAME); answers can be scripted: ok:false errors, 429 with Retry-After, 503 for a while, a
// token without the history scope, and posts that are accepted but never answered.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  /** Parsed body; `blocks` decoded from JSON. */
  body: Record<string, unknown> & { channel?: string; text?: string; ts?: string; thread_ts?: string; blocks?: Array<Record<string, any>> };
  headers: IncomingMessage['headers'];
  /** What the fake answered. */
  status: number;
  answer: Record<string, unknown>;
}

type Script = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

/** A message as Slack keeps it in a channel. */
export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  thread_ts?: string;
  blocks?: Array<Record<string, any>>;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** What a click's response_url received. */
export interface EphemeralAnswer {
  /** The name given to `responseUrl(name)`: which click it answers. */
  click: string;
  body: { response_type?: string; text?: string; replace_original?: boolean };
}

export interface FakeSlack {
  url: string;
  /** Messages in the channels, in posting order (a held post is here: Slack took it). */
  messages: SlackMessage[];
  /** chat.postMessage is accepted (the message is posted) but never answered, until `release()`. */
  holdPosts(): void;
  release(): void;
  /** Posts accepted and not answered yet. */
  held(): number;
  /** conversations.history / replies answer `missing_scope` (a token without channels:history). */
  withoutHistoryScope(): void;
  /** The `apiUrl` for the receiver config. */
  apiUrl: string;
  webhookUrl: string;
  calls: SlackCall[];
  /** Calls answered with ok:true (what really "arrived"). */
  delivered(method?: string): SlackCall[];
  /** The next `times` calls answer this. */
  failNext(times: number, answer: { status?: number; error?: string; retryAfter?: number }): void;
  /** usergroups.users.list answers these members for this group id. */
  setUserGroup(groupId: string, members: string[]): void;
  /** A response_url for one click (its answers land in `ephemeral`, named `click`). */
  responseUrl(click: string): string;
  ephemeral: EphemeralAnswer[];
  /** Replies in the thread of this message (chat.postMessage with its thread_ts). */
  threadOf(ts: string): SlackMessage[];
  /** Every call answers 503 until `recover()`. */
  down(): void;
  recover(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, contentType: string | undefined): SlackCall['body'] {
  let body: Record<string, unknown> = {};
  if (contentType?.includes('application/json')) body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  else body = Object.fromEntries(new URLSearchParams(raw));
  for (const key of ['blocks', 'attachments', 'metadata']) {
    if (typeof body[key] === 'string') body[key] = JSON.parse(body[key] as string);
  }
  return body as SlackCall['body'];
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const scripted: Script[] = [];
  const messages: SlackMessage[] = [];
  let isDown = false;
  let holding = false;
  const heldAnswers: Array<() => void> = [];
  let noHistoryScope = false;
  let tsCounter = 0;
  const userGroups = new Map<string, string[]>();
  const ephemeral: EphemeralAnswer[] = [];
  const channelId = (c: unknown) =>
    typeof c === 'string' && c.startsWith('#')
      ? `C${c
          .slice(1)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, '')}`
      : String(c ?? 'C0');
  const withMetadata = (m: SlackMessage, include: boolean) => ({
    type: 'message',
    ts: m.ts,
    text: m.text,
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    ...(include && m.metadata ? { metadata: m.metadata } : {}),
  });
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const respond = /^\/respond\/([^/?]+)$/.exec(req.url ?? '');
    if (respond && req.method === 'POST') {
      ephemeral.push({ click: decodeURIComponent(respond[1]!), body: JSON.parse(raw || '{}') as EphemeralAnswer['body'] });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    const method =
      (req.url ?? '/')
        .replace(/^\/api\//, '')
        .replace(/^\//, '')
        .split('?')[0] ?? '';
    const body = parseBody(raw, req.headers['content-type']);
    let script = isDown ? { status: 503, body: { ok: false, error: 'service_unavailable' } } : scripted.shift();
    if (!script) {
      if (method === 'chat.postMessage') {
        tsCounter++;
        const message: SlackMessage = {
          channel: channelId(body.channel),
          ts: `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`,
          ...(body.text ? { text: body.text } : {}),
          ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}),
          ...(body.blocks ? { blocks: body.blocks } : {}),
          ...(body.metadata ? { metadata: body.metadata as unknown as SlackMessage['metadata'] } : {}),
        };
        messages.push(message);
        script = { status: 200, body: { ok: true, channel: message.channel, ts: message.ts, message: { text: body.text } } };
        if (holding) {
          // Slack took the message; the answer never comes (until release): the sender cannot know.
          calls.push({ method, body, headers: req.headers, status: 0, answer: {} });
          const answer = script;
          heldAnswers.push(() => {
            res.writeHead(answer.status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(answer.body));
          });
          return;
        }
      } else if (method === 'conversations.history' || method === 'conversations.replies') {
        if (noHistoryScope) {
          script = { status: 200, body: { ok: false, error: 'missing_scope', needed: 'channels:history', provided: 'chat:write' } };
        } else {
          const include = String(body.include_all_metadata) === 'true';
          const oldest = Number(body.oldest ?? 0);
          const limit = Number(body.limit ?? 100);
          const inChannel = messages.filter((m) => m.channel === body.channel && Number(m.ts) >= oldest);
          // history: top-level messages, newest first; replies: the parent and its thread, oldest first.
          const found =
            method === 'conversations.history'
              ? inChannel.filter((m) => !m.thread_ts).reverse()
              : inChannel.filter((m) => m.ts === body.ts || m.thread_ts === body.ts);
          script = {
            status: 200,
            body: { ok: true, messages: found.slice(0, limit).map((m) => withMetadata(m, include)), has_more: found.length > limit },
          };
        }
      } else if (method === 'chat.update') {
        const kept = messages.find((m) => m.ts === body.ts);
        if (kept) {
          if (body.text !== undefined) kept.text = body.text;
          if (body.blocks) kept.blocks = body.blocks;
        }
        script = { status: 200, body: { ok: true, channel: body.channel, ts: body.ts, text: body.text } };
      } else if (method === 'usergroups.users.list') {
        const members = userGroups.get(String(body.usergroup));
        script = { status: 200, body: members ? { ok: true, users: members } : { ok: false, error: 'no_such_subteam' } };
      } else if (method === 'webhook') {
        script = { status: 200, body: { ok: true } };
      } else {
        script = { status: 200, body: { ok: false, error: 'unknown_method' } };
      }
    }
    calls.push({ method, body, headers: req.headers, status: script.status, answer: script.body });
    const text = method === 'webhook' && script.status === 200 ? 'ok' : JSON.stringify(script.body);
    res.writeHead(script.status, { 'content-type': method === 'webhook' ? 'text/plain' : 'application/json', ...script.headers });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    messages,
    holdPosts: () => void (holding = true),
    release() {
      holding = false;
      for (const answer of heldAnswers.splice(0)) answer();
    },
    held: () => heldAnswers.length,
    withoutHistoryScope: () => void (noHistoryScope = true),
    apiUrl: `${url}/api/`,
    webhookUrl: `${url}/webhook`,
    calls,
    delivered: (method) => calls.filter((c) => c.status === 200 && c.answer.ok === true && (!method || c.method === method)),
    failNext(times, answer) {
      for (let i = 0; i < times; i++) {
        const status = answer.status ?? 200;
        scripted.push({
          status,
          body: { ok: false, error: answer.error ?? (status === 429 ? 'ratelimited' : 'service_unavailable') },
          ...(answer.retryAfter !== undefined ? { headers: { 'retry-after': String(answer.retryAfter) } } : {}),
        });
      }
    },
    setUserGroup: (groupId, members) => void userGroups.set(groupId, [...members]),
    responseUrl: (click) => `${url}/respond/${encodeURIComponent(click)}`,
    ephemeral,
    threadOf: (ts) => messages.filter((m) => m.thread_ts === ts),
    down: () => void (isDown = true),
    recover: () => void (isDown = false),
    close: () =>
      new Promise<void>((resolve) => {
        heldAnswers.length = 0;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
