// A local Slack Web API: chat.postMessage and chat.update (form or JSON bodies, as
// @slack/web-api sends them), plus an incoming-webhook path. Records every call with its parsed
// body; answers can be scripted: ok:false errors, 429 with Retry-After, 503 for a while.
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

export interface FakeSlack {
  url: string;
  /** The `apiUrl` for the receiver config. */
  apiUrl: string;
  webhookUrl: string;
  calls: SlackCall[];
  /** Calls answered with ok:true (what really "arrived"). */
  delivered(method?: string): SlackCall[];
  /** The next `times` calls answer this. */
  failNext(times: number, answer: { status?: number; error?: string; retryAfter?: number }): void;
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
  for (const key of ['blocks', 'attachments']) {
    if (typeof body[key] === 'string') body[key] = JSON.parse(body[key] as string);
  }
  return body as SlackCall['body'];
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const scripted: Script[] = [];
  let isDown = false;
  let tsCounter = 0;
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const method = (req.url ?? '/').replace(/^\/api\//, '').replace(/^\//, '').split('?')[0] ?? '';
    const body = parseBody(raw, req.headers['content-type']);
    let script = isDown ? { status: 503, body: { ok: false, error: 'service_unavailable' } } : scripted.shift();
    if (!script) {
      if (method === 'chat.postMessage') {
        tsCounter++;
        script = { status: 200, body: { ok: true, channel: body.channel ?? 'C0', ts: `1700000000.${String(tsCounter).padStart(6, '0')}`, message: { text: body.text } } };
      } else if (method === 'chat.update') {
        script = { status: 200, body: { ok: true, channel: body.channel, ts: body.ts, text: body.text } };
      } else if (method === 'webhook') {
        script = { status: 200, body: { ok: true } };
      } else {
        script = { status: 200, body: { ok: false, error: 'unknown_method' } };
      }
    }
    calls.push({ method, body, headers: req.headers, status: script.status, answer: script.body });
    const text = method === 'webhook' && script.status === 200 ? 'ok' : JSON.stringify(script.body);
    res.writeHead(script.status, { 'content-type': method === 'webhook' ? 'text/plain' : 'application/json', ...(script.headers ?? {}) });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
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
    down: () => void (isDown = true),
    recover: () => void (isDown = false),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
