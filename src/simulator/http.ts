// Small HTTP plumbing shared by the API and admin routers: route templates, replies, bodies.

import type { IncomingMessage } from 'node:http';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Reply {
  status: number;
  /** JSON-serialized; absent for 204. A string is sent as it is (fault bodies). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CompiledRoute<H> {
  method: Method;
  template: string;
  pattern: RegExp;
  paramNames: string[];
  handler: H;
}

/** `/v1/flows/{_id}/errors` → a regex with one capture per `{param}`. */
export function compileRoute<H>(method: Method, template: string, handler: H): CompiledRoute<H> {
  const paramNames: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1] !== undefined) {
        paramNames.push(param[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { method, template, pattern: new RegExp(`^${source}$`), paramNames, handler };
}

/**
 * The route for a path. Literal segments beat parameters: routes are tried in the order given, so
 * list `/v1/flows/{_id}/errors` before `/v1/flows/{_id}/{_stepId}`-shaped ones of the same length.
 */
export function matchRoute<H>(
  routes: ReadonlyArray<CompiledRoute<H>>,
  method: string,
  pathname: string,
): { route: CompiledRoute<H>; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(pathname);
    if (match === null) continue;
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? '');
    });
    return { route, params };
  }
  return undefined;
}

export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** The request body as text; rejects bodies over MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parsed JSON body: `undefined` for an empty body, `{ invalid: true }` for text that is not JSON. */
export function parseJsonBody(text: string): { value: unknown } | { invalid: true } {
  if (text.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { invalid: true };
  }
}
