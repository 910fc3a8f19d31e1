import { pino, type Bindings, type Logger, type DestinationStream } from 'pino';

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

/** Longest a log line waits in the buffer before it is written out. */
const FLUSH_INTERVAL_MS = 1000;

/**
 * Standard output, written synchronously but in blocks: lines gather in a buffer that is written
 * once it holds 4 KB, at the latest a second later, and on exit. Under load that is one write per
 * dozens of lines instead of one each (a worker thread per write, pino's asynchronous mode, measured
 * slower still on two cores).
 */
export function bufferedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: true, minLength: 4096 });
  setInterval(() => destination.flush(), FLUSH_INTERVAL_MS).unref();
  process.once('exit', () => destination.flushSync());
  return destination;
}

/** The one root logger of a process (created only by a composition root). */
export function createLogger(options: LoggerOptions, destination: DestinationStream = bufferedStdout()): Logger {
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

/**
 * A request's child logger, made on first use: pino redacts a child's bindings when it is made, and
 * a call that goes well logs one line or none in the web process (three children per call cost
 * more than the call's own logging).
 */
export function lazyChild(logger: Logger, bindings: Bindings): () => Logger {
  let child: Logger | undefined;
  return () => (child ??= logger.child(bindings));
}
