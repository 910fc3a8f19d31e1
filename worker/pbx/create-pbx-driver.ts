import type { PbxConnection } from '../../shared/accounts/pbx-settings.js';
import { createAsteriskDriver } from './asterisk/asterisk-driver.js';
import { createHttpDriver } from './other/http-driver.js';
import type { DriverDeps, PbxDriver } from './pbx-driver.js';
import { createSwitchvoxDriver } from './switchvox/switchvox-driver.js';

export interface DriverOptions {
  /** Lets every driver reach loopback, link-local and private addresses (off by default). */
  allowPrivateAddresses: boolean;
}

/** The one place that chooses a PBX driver. */
export function createPbxDriver(connection: PbxConnection, deps: DriverDeps & DriverOptions): PbxDriver {
  switch (connection.kind) {
    case 'asterisk':
      return createAsteriskDriver(connection.settings, deps);
    case 'switchvox':
      return createSwitchvoxDriver(connection.settings, deps);
    case 'other':
      return createHttpDriver(connection.settings, deps);
  }
}
