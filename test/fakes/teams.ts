// A local Microsoft Teams Workflows webhook ("When a Teams webhook request is received"): it takes
// a message with an Adaptive Card attachment and answers 202 Accepted with no body; a request that
// is not one → 400 with the Workflows error body ({"error":{"code":"TriggerInputSchemaMismatch",…}});
// over 28 KB → 413. On demand: 429 with Retry-After, 5xx, or "down" (503 until `recover()`).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TeamsCall {
  path: string;
  body: any;
  raw: string;
  status: number;
}

export interface FakeTeams {
  /** A webhook URL with a secret in it, as Workflows hands them out. */
  url: string;
  /** The secret part of `url` (`sig=`): it must never show in logs. */
  signature: string;
  calls: TeamsCall[];
  /** The cards posted (answered 202). */
  cards(): any[];
  failNext(times: number, answer: { status: number; retryAfter?: number }): void;
  down(): void;
  recover(): void;
  close(): Promise<void>;
}

export const TEAMS_MAX_BYTES = 28 * 1024;

/** Workflows' check of the request against its trigger schema (a message with an Adaptive Card). */
export function cardProblems(body: any): string[] {
  const problems: string[] = [];
  if (body?.type !== 'message') problems.push("'type' must be 'message'");
  const attachments = body?.attachments;
  if (!Array.isArray(attachments) || attachments.length === 0) return [...problems, "'attachments' must be a non-empty array"];
  for (const [i, a] of attachments.entries()) {
    if (a?.contentType !== 'application/vnd.microsoft.card.adaptive')
      problems.push(`attachments[${i}].contentType must be an Adaptive Card`);
    const c = a?.content;
    if (c?.type !== 'AdaptiveCard') problems.push(`attachments[${i}].content.type must be 'AdaptiveCard'`);
    if (typeof c?.version !== 'string') problems.push(`attachments[${i}].content.version is required`);
    if (c?.body !== undefined && !Array.isArray(c.body)) problems.push(`attachments[${i}].content.body must be an array`);
  }
  return problems;
}

export async function startFakeTeams(): Promise<FakeTeams> {
  const calls: TeamsCall[] = [];
  const scripted: Array<{ status: number; retryAfter?: number }> = [];
  let isDown = false;
  const signature = 'S3cr3tSigDoNotLog0123456789abcdefABCDEF';
  const path = `/workflows/0a1b2c3d/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${signature}`;
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
    const answer = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      calls.push({ path: req.url ?? '', body, raw, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(json === undefined ? '' : JSON.stringify(json));
    };
    if (req.method !== 'POST' || req.url !== path)
      return answer(404, { error: { code: 'WorkflowNotFound', message: 'The workflow could not be found.' } });
    if (isDown) return answer(503);
    const script = scripted.shift();
    if (script)
      return answer(script.status, undefined, script.retryAfter !== undefined ? { 'retry-after': String(script.retryAfter) } : {});
    if (Buffer.byteLength(raw) > TEAMS_MAX_BYTES)
      return answer(413, { error: { code: 'MessageSizeTooBig', message: 'The request content is too large.' } });
    const problems = body === undefined ? ['the request body is not JSON'] : cardProblems(body);
    if (problems.length > 0)
      return answer(400, {
        error: { code: 'TriggerInputSchemaMismatch', message: `The input body does not match the trigger schema: ${problems.join('; ')}` },
      });
    answer(202);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    signature,
    calls,
    cards: () => calls.filter((c) => c.status === 202).map((c) => c.body.attachments[0].content),
    failNext(times, a) {
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
