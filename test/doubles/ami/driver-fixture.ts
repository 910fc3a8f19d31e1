/** Shared set-up for the Asterisk driver tests: a double, a driver pointed at it, a log capture. */
import net from 'node:net';
import { pino, type Logger } from 'pino';
import type { AsteriskSettings } from '../../../shared/accounts/pbx-settings.js';
import { type AsteriskDriverTuning, createAsteriskDriver } from '../../../worker/pbx/asterisk/asterisk-driver.js';
import type { PbxDriver } from '../../../worker/pbx/pbx-driver.js';
import { type AmiDouble, startAmiDouble } from './ami-double.js';
import { type AmiDoubleOptions, sandboxAmiOptions } from './ami-double-options.js';

/** Short timers so failures show up in milliseconds, not the production seconds. */
export const FAST: AsteriskDriverTuning = {
  actionTimeoutMs: 1500,
  connectTimeoutMs: 1500,
  reconnectInitialMs: 20,
  reconnectMaxMs: 200,
  causeGraceMs: 200,
};

export function doubleOptions(overrides: AmiDoubleOptions = {}): AmiDoubleOptions {
  const sandbox = sandboxAmiOptions();
  return {
    ...sandbox,
    loginFailureDelayMs: 50,
    timing: { ringMs: 5, holdMs: 50 },
    leg2Outcomes: { ...sandbox.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 50 } },
    ...overrides,
  };
}

export function settingsFor(port: number, overrides: Partial<AsteriskSettings> = {}): AsteriskSettings {
  return {
    host: '127.0.0.1',
    port,
    username: 'relay',
    secret: 'relaysecret',
    tls: false,
    dial_as_lookup: 'auto',
    context: 'from-internal',
    channel: 'Local/{dial_first}@originate-skipvm',
    ...overrides,
  };
}

export interface LogCapture {
  logger: Logger;
  text(): string;
}

/** A debug-level logger whose output tests can search for leaked secrets. */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, text: () => lines.join('') };
}

export interface Rig {
  double: AmiDouble;
  driver: PbxDriver;
  logs: LogCapture;
  stop(): Promise<void>;
}

export async function startRig(
  options: AmiDoubleOptions = doubleOptions(),
  settings: Partial<AsteriskSettings> = {},
  tuning: AsteriskDriverTuning = FAST,
): Promise<Rig> {
  const double = await startAmiDouble(options);
  const logs = captureLogs();
  const driver = createAsteriskDriver(settingsFor(double.port, settings), { logger: logs.logger, allowPrivateAddresses: true }, tuning);
  return {
    double,
    driver,
    logs,
    async stop() {
      await driver.close();
      await double.close();
    },
  };
}

/** A port on which nothing listens (bound once, then released). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
