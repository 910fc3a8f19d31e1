import type { Logger } from 'pino';
import type { PbxConnection, PbxKind } from '../../shared/accounts/pbx-settings.js';
import { createPbxDriver, type DriverOptions } from './create-pbx-driver.js';
import type { PbxDriver } from './pbx-driver.js';

/**
 * One driver (and so one persistent PBX connection) per account PBX per worker process. A change of
 * the stored settings changes the revision, and the next call gets a fresh driver: no restart needed.
 */
export class DriverCache {
  private readonly drivers = new Map<string, { revision: string; driver: PbxDriver }>();

  constructor(
    private readonly options: DriverOptions,
    private readonly logger: Logger,
  ) {}

  /** The driver for this account's PBX at `revision`; `open` decrypts the settings only when one is built. */
  get(accountId: string, kind: PbxKind, revision: string, open: () => PbxConnection): PbxDriver {
    const key = `${accountId}:${kind}`;
    const cached = this.drivers.get(key);
    if (cached && cached.revision === revision) return cached.driver;
    if (cached) {
      // In-flight calls keep the old driver until they finish; give them a moment before closing it.
      const old = cached.driver;
      setTimeout(() => void old.close().catch(() => {}), 60_000).unref();
    }
    const driver = createPbxDriver(open(), { ...this.options, logger: this.logger.child({ account_id: accountId, pbx: kind }) });
    this.drivers.set(key, { revision, driver });
    return driver;
  }

  async closeAll(): Promise<void> {
    const drivers = [...this.drivers.values()].map((entry) => entry.driver);
    this.drivers.clear();
    await Promise.allSettled(drivers.map((driver) => driver.close()));
  }
}
