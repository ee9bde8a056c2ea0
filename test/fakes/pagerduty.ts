// A local PagerDuty Events API v2 (POST /v2/enqueue) that validates events as documented: a
// 32-character routing_key, event_action trigger/acknowledge/resolve, dedup_key at most 255
// characters (required to acknowledge or resolve), and for a trigger a payload with summary (at
// most 1024), source and severity (critical/error/warning/info); at most 512 KB. Valid → 202
// {"status":"success","message":"Event processed","dedup_key":…}; invalid → 400
// {"status":"invalid event","message":"Event object is invalid","errors":[…]}. It keeps PagerDuty's
// alerts by dedup_key: a trigger on an open alert is folded into it (no new page). On demand: 429
// with Retry-After, 5xx, or "down" (503 on everything until `recover()`).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface PagerDutyCall {
  body: any;
  raw: string;
  status: number;
  answer: unknown;
}

export interface FakePagerDuty {
  /** The `url` for the receiver config. */
  url: string;
  calls: PagerDutyCall[];
  /** Events answered 202. */
  accepted(action?: 'trigger' | 'resolve' | 'acknowledge'): PagerDutyCall[];
  /** Pages: triggers that opened an alert (its dedup_key was not open). */
  pages: string[];
  /** dedup_key → open or resolved. */
  alerts: Map<string, 'triggered' | 'resolved'>;
  /** The next `times` events (after `after` answered normally) get this answer. */
  failNext(times: number, answer: { status: number; retryAfter?: number }, after?: number): void;
  down(): void;
  recover(): void;
  close(): Promise<void>;
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
export const PAGERDUTY_MAX_BYTES = 512 * 1024;

/** The documented checks; an empty list means the event is valid. */
export function validateEvent(raw: string): string[] {
  if (Buffer.byteLength(raw) > PAGERDUTY_MAX_BYTES) return ['Event is too large (should be at most 512 KB)'];
  let e: any;
  try {
    e = JSON.parse(raw);
  } catch {
    return ['Event object is not valid JSON'];
  }
  const errors: string[] = [];
  if (typeof e?.routing_key !== 'string' || e.routing_key.length !== 32)
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  if (!ACTIONS.has(e?.event_action))
    errors.push("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')");
  if (e?.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255))
    errors.push("'dedup_key' is invalid (must be a string of at most 255 characters)");
  if ((e?.event_action === 'acknowledge' || e?.event_action === 'resolve') && !e.dedup_key) errors.push("'dedup_key' is missing or blank");
  if (e?.event_action === 'trigger') {
    const p = e.payload;
    if (typeof p !== 'object' || p === null) errors.push("'payload' is missing or blank");
    else {
      if (typeof p.summary !== 'string' || p.summary === '') errors.push("'payload.summary' is missing or blank");
      else if (p.summary.length > 1024) errors.push("'payload.summary' is too long (should be at most 1024 characters)");
      if (typeof p.source !== 'string' || p.source === '') errors.push("'payload.source' is missing or blank");
      if (!SEVERITIES.has(p.severity))
        errors.push("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')");
    }
  }
  return errors;
}

export async function startFakePagerDuty(): Promise<FakePagerDuty> {
  const calls: PagerDutyCall[] = [];
  const scripted: Array<{ status: number; retryAfter?: number } | null> = [];
  const alerts = new Map<string, 'triggered' | 'resolved'>();
  const pages: string[] = [];
  let isDown = false;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      calls.push({ body, raw, status, answer: json });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(json === undefined ? '' : JSON.stringify(json));
    };
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return answer(404, { status: 'not found' });
    if (isDown) return answer(503, undefined);
    const script = scripted.shift();
    if (script) {
      const headers: Record<string, string> = script.retryAfter !== undefined ? { 'retry-after': String(script.retryAfter) } : {};
      const bodies: Record<number, unknown> = {
        400: { status: 'invalid event', message: 'Event object is invalid', errors: ["'payload.summary' is missing or blank"] },
        429: undefined,
      };
      return answer(
        script.status,
        script.status in bodies ? bodies[script.status] : { status: 'error', message: 'Internal Server Error' },
        headers,
      );
    }
    const errors = validateEvent(raw);
    if (errors.length > 0) return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors });
    const e = body as { event_action: string; dedup_key?: string };
    const key = e.dedup_key ?? randomUUID().replace(/-/g, '');
    if (e.event_action === 'trigger' && alerts.get(key) !== 'triggered') {
      alerts.set(key, 'triggered');
      pages.push(key);
    }
    if (e.event_action === 'resolve' && alerts.has(key)) alerts.set(key, 'resolved');
    answer(202, { status: 'success', message: 'Event processed', dedup_key: key });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    calls,
    accepted: (action) => calls.filter((c) => c.status === 202 && (action === undefined || c.body?.event_action === action)),
    pages,
    alerts,
    failNext(times, a, after = 0) {
      for (let i = 0; i < after; i++) scripted.push(null);
      for (let i = 0; i < times; i++) scripted.push(a);
    },
    down: () => void (isDown = true),
    recover: () => void (isDown = false),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
