// What the server hands the route modules (Alertmanager API, console) and what they answer: a
// small request/reply pair, so the modules stay free of node:http and are easy to test.
import type { IncomingHttpHeaders } from 'node:http';

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as text (at most MAX_BODY_BYTES). */
  text(): Promise<string>;
  /** Set by the gate (src/console/auth.ts): who asks, and the CSRF token pages embed for them. */
  user?: string;
  csrf?: string;
}

export interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A route module: a reply, or undefined when the path is not its own. */
export type Routes = (req: Request) => Promise<Reply | undefined>;

export const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value), contentType: 'application/json' });
