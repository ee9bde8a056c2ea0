import { pino, type Logger } from 'pino';

// Paths pino must never print. Secrets also never reach messages: code passes ids, not configs.
export const REDACT_PATHS = [
  'token',
  'apiKey',
  'password',
  'pass',
  'hmacSecret',
  'bearerToken',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.token',
  '*.apiKey',
  '*.pass',
  '*.password',
  '*.hmacSecret',
  '*.bearerToken',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'req.headers.authorization',
];

export function createLogger(options: { level?: string; name?: string } = {}, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: options.name ?? 'syncwatch',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
