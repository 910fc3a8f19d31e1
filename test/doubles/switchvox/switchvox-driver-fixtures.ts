/** Shared set-up for the Switchvox driver tests: a double, settings pointing at it, and small helpers. */
import net from 'node:net';
import { pino, type Logger } from 'pino';
import type { SwitchvoxSettings } from '../../../shared/accounts/pbx-settings.js';
import type { PbxDriver } from '../../../worker/pbx/pbx-driver.js';
import { createSwitchvoxDriver, type SwitchvoxDriverTuning } from '../../../worker/pbx/switchvox/switchvox-driver.js';
import { startSwitchvoxDouble, type SwitchvoxDouble, type SwitchvoxDoubleOptions } from './switchvox-double.js';

export const silent = pino({ level: 'silent' });
export const ORIGINATE_FAILED = 'Your call failed to connect (Originate failed).';
export const NUMBERS = { refused: '5559999', noAnswer: '5550000', slow: '5552222' } as const;

/** Fast simulated time, and a few scripted numbers every test can dial. */
export const BASE_DOUBLE: SwitchvoxDoubleOptions = {
  timeScale: 0.01,
  scripts: {
    [NUMBERS.refused]: { outcome: 'busy' },
    [NUMBERS.noAnswer]: { outcome: 'no_answer' },
    [NUMBERS.slow]: { outcome: 'answer', afterSeconds: 20 },
  },
};

export function settingsFor(double: SwitchvoxDouble, overrides: Partial<SwitchvoxSettings> = {}): SwitchvoxSettings {
  return {
    url: double.url,
    username: 'admin',
    password: 'admin-secret',
    tls_verify: true,
    ...(double.caPem === undefined ? {} : { ca_pem: double.caPem }),
    auth: 'auto',
    ...overrides,
  };
}

export interface DriverPair {
  double: SwitchvoxDouble;
  driver: PbxDriver;
}

export interface PairOptions {
  double?: SwitchvoxDoubleOptions;
  settings?: Partial<SwitchvoxSettings>;
  tuning?: Partial<SwitchvoxDriverTuning>;
  logger?: Logger;
}

export async function startPair(options: PairOptions = {}): Promise<DriverPair> {
  const double = await startSwitchvoxDouble({ ...BASE_DOUBLE, ...options.double });
  const driver = createSwitchvoxDriver(
    settingsFor(double, options.settings),
    { logger: options.logger ?? silent, allowPrivateAddresses: true },
    options.tuning,
  );
  return { double, driver };
}

/** Tracks the pairs a test starts and closes them afterwards (use in `afterEach`). */
export function pairTracker() {
  const pairs: DriverPair[] = [];
  return {
    async start(options: PairOptions = {}): Promise<DriverPair> {
      const pair = await startPair(options);
      pairs.push(pair);
      return pair;
    },
    async closeAll(): Promise<void> {
      for (const pair of pairs.splice(0)) {
        await pair.driver.close();
        await pair.double.close();
      }
    },
  };
}

export { failureOf } from '../../support/failure-of.js';

/** A port where nothing listens (taken from the OS, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
