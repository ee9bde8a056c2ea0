// Parsing a platform's answer at the boundary: a shape we do not expect is an upstream error that
// says where, never a crash deeper in.
import type { z } from 'zod';
import { SyncwatchError } from '../errors.ts';

export function parseWire<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid';
    throw new SyncwatchError('upstream', `unexpected ${what} response (${where})`, { unreadable: 'malformed' });
  }
  return result.data;
}
