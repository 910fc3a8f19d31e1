import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { ConfigError, parseConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { exitOnSignals, type Shutdown } from './shutdown.js';

/** True when the module at `moduleUrl` is the script node was started with (not imported by a test). */
export function isEntryPoint(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/**
 * The shared tail of both composition roots: parse the environment once (exit 2 naming every bad
 * variable), create the process's one logger, start, and wire signals to the graceful shutdown.
 */
export function runProcess(name: string, start: (config: Config, logger: Logger) => Promise<{ shutdown: Shutdown }>): void {
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel, name });
  start(config, logger)
    .then(({ shutdown }) => exitOnSignals(shutdown))
    .catch((err: unknown) => {
      logger.fatal({ err }, `${name} failed to start`);
      process.exit(1);
    });
}
