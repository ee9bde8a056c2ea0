import { pino, type Logger } from 'pino';
import { errorFields, isSyncwatchError } from './errors.ts';

// Paths pino must never print. Secrets also never reach messages: code passes ids, not configs.
export const REDACT_PATHS = [
  'token',
  'apiKey',
  'password',
  'pass',
  'hmacSecret',
  'signingSecret',
  'bearerToken',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.token',
  '*.apiKey',
  '*.pass',
  '*.password',
  '*.hmacSecret',
  '*.signingSecret',
  '*.bearerToken',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'req.headers.authorization',
];

/**
 * `err` in a log line: errors are values with a kind. A SyncwatchError gives kind, message, status
 * and code; a value already in that shape is kept as is; a system error gives its code. Only an
 * unexpected Error (a bug) keeps its stack.
 */
export function serializeErr(err: unknown): unknown {
  if (isSyncwatchError(err)) return errorFields(err);
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') return { type: err.name, message: err.message, code: String(code) };
  return { type: err.name, message: err.message, stack: err.stack };
}

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT=json|pretty decides; otherwise pretty on a terminal, JSON elsewhere (containers, pipes). */
export function logFormat(env: NodeJS.ProcessEnv, isTTY: boolean): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return isTTY ? 'pretty' : 'json';
}

/**
 * A logger. With a `destination` it writes JSON there (tests, benchmarks). Without one it writes to
 * stdout (or stderr: `fd: 2`), as JSON or — on a terminal or with LOG_FORMAT=pretty — through
 * pino-pretty: one line per event, the message before its fields.
 */
export function createLogger(options: { level?: string; name?: string; fd?: 1 | 2 } = {}, destination?: pino.DestinationStream): Logger {
  const base: pino.LoggerOptions = {
    name: options.name ?? 'syncwatch',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeErr },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(base, destination);
  const fd = options.fd ?? 1;
  const stream = fd === 2 ? process.stderr : process.stdout;
  // A silent logger (tests) never needs pino-pretty's worker thread.
  if (base.level === 'silent' || logFormat(process.env, stream.isTTY === true) === 'json') return pino(base, stream as never);
  return pino({
    ...base,
    transport: {
      target: 'pino-pretty',
      options: {
        destination: fd,
        colorize: stream.isTTY === true,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname,name',
        errorLikeObjectKeys: [],
      },
    },
  });
}

export type { Logger };
