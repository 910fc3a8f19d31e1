import { pino, type Logger, type DestinationStream } from 'pino';

/** Paths pino replaces with REDACTED wherever they appear in a log line. */
export const REDACT_PATHS = [
  'api_key',
  '*.api_key',
  '*.*.api_key',
  'secret',
  '*.secret',
  '*.*.secret',
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-api-key"]',
];

export interface LoggerOptions {
  level: string;
  name: string;
}

/**
 * The one root logger of a process (created only by a composition root). Lines go to stdout
 * asynchronously: under load, lines written while a write is in flight leave in one syscall instead
 * of one each; pino flushes what is left when the process exits.
 */
export function createLogger(options: LoggerOptions, destination: DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: 'REDACTED' },
      base: { pid: process.pid },
    },
    destination,
  );
}
