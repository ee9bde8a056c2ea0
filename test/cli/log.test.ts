// Log lines: errors as values (kind, message, status, code — never {"type":"Object","stack":""}),
// and the format chosen by LOG_FORMAT or the terminal.
import { describe, expect, it } from 'vitest';
import { SyncwatchError } from '../../src/errors.ts';
import { createLogger, logFormat, serializeErr } from '../../src/log.ts';

describe('log format', () => {
  it.each([
    [{}, true, 'pretty'],
    [{}, false, 'json'],
    [{ LOG_FORMAT: 'json' }, true, 'json'],
    [{ LOG_FORMAT: 'pretty' }, false, 'pretty'],
    [{ LOG_FORMAT: 'fancy' }, false, 'json'],
  ] as const)('env %j, TTY %s → %s', (env, tty, format) => {
    expect(logFormat(env, tty)).toBe(format);
  });
});

describe('errors in log lines', () => {
  it.each([
    [
      'a SyncwatchError',
      new SyncwatchError('auth', 'GET /v1/flows → 401 Bearer Authentication Failed', { status: 401 }),
      { kind: 'auth', message: 'GET /v1/flows → 401 Bearer Authentication Failed', status: 401 },
    ],
    [
      'a platform code',
      new SyncwatchError('conflict', 'inactive', { status: 422, code: 'inactive_flow' }),
      { kind: 'conflict', message: 'inactive', status: 422, code: 'inactive_flow' },
    ],
    ['an error already a value', { kind: 'upstream', message: 'timed out' }, { kind: 'upstream', message: 'timed out' }],
    [
      'a system error',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' },
    ],
  ])('%s', (_what, err, fields) => {
    expect(serializeErr(err)).toEqual(fields);
  });

  it('a logged error keeps its kind and status and never reads {"type":"Object"}', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    logger.warn({ err: { kind: 'auth', message: 'x' } }, 'poll failed');
    logger.warn({ err: new SyncwatchError('auth', 'y', { status: 401 }) }, 'poll failed');
    expect(lines.map((l) => JSON.parse(l).err)).toEqual([
      { kind: 'auth', message: 'x' },
      { kind: 'auth', message: 'y', status: 401 },
    ]);
  });
});
