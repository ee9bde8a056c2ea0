import { STATUS_CODES } from 'node:http';
import type { ErrorKind } from '../errors.ts';
import { isRecord } from '../json.ts';

// The error envelopes of the platforms we talk to, reduced to one code + message:
//   Celigo          {"errors":[{"code":"invalid_ref","message":"…"}]}
//   Celigo 401      {"message":"Bearer Authentication Failed"}   (bare, produced before the handler)
//   Neo             {"error":{"code":"not_found","message":"…"}}
//   Airweave/FastAPI {"detail":"…"}  or  {"detail":[{"loc":[…],"msg":"…","type":"…"}]}

export interface UpstreamErrorInfo {
  code?: string;
  message?: string;
}

const MAX_MESSAGE_LENGTH = 300;

export function extractErrorInfo(body: unknown): UpstreamErrorInfo {
  if (!isRecord(body)) return {};

  if (Array.isArray(body.errors) && body.errors.length > 0) {
    const first = body.errors[0];
    if (isRecord(first)) return compact(asCode(first.code), asText(first.message));
    return compact(undefined, asText(first));
  }

  if (isRecord(body.error)) return compact(asCode(body.error.code), asText(body.error.message));
  if (typeof body.error === 'string') return compact(asCode(body.code), body.error);

  if (typeof body.detail === 'string') return compact(asCode(body.code), body.detail);
  if (Array.isArray(body.detail)) {
    const parts = body.detail.map((item) => {
      if (!isRecord(item)) return String(item);
      const location = Array.isArray(item.loc) ? item.loc.join('.') : undefined;
      const text = asText(item.msg) ?? asText(item.message) ?? '';
      return location ? `${location}: ${text}` : text;
    });
    const first = body.detail[0];
    return compact(isRecord(first) ? asCode(first.type) : undefined, parts.join('; '));
  }

  return compact(asCode(body.code), asText(body.message));
}

/** Which kind of failure a non-2xx status is (429 is decided by the retry loop). */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status >= 400 && status < 500) return 'conflict'; // our request was refused: retrying will not help
  return 'upstream';
}

/** A short human message for a body that was not a JSON envelope (proxies answer with HTML). */
export function fallbackMessage(status: number, text: string): string {
  const trimmed = text.trim();
  if (trimmed && trimmed.length <= 200 && !trimmed.startsWith('<')) return trimmed;
  return STATUS_CODES[status] ?? 'HTTP error';
}

export function truncate(text: string, max = MAX_MESSAGE_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function compact(code: string | undefined, message: string | undefined): UpstreamErrorInfo {
  const info: UpstreamErrorInfo = {};
  if (code) info.code = code;
  if (message) info.message = message;
  return info;
}

function asCode(value: unknown): string | undefined {
  if (typeof value === 'string' && value) return value;
  if (typeof value === 'number') return String(value); // Celigo mirrors upstream statuses as integers
  return undefined;
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
