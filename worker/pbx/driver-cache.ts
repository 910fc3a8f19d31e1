import type { Logger } from 'pino';
import type { PbxConnection, PbxKind } from '../../shared/accounts/pbx-settings.js';
import { createPbxDriver, type DriverOptions } from './create-pbx-driver.js';
import type { PbxDriver } from './pbx-driver.js';

/** A driver lent to one call; `release()` once the call no longer needs it (its end, or its verdict when no progress follows). */
export interface DriverLease {
  driver: PbxDriver;
  release(): void;
}

interface Entry {
  revision: string;
  driver: PbxDriver;
  calls: number;
  lastUsedMs: number;
  /** Replaced by a newer revision: closed as soon as its last call ends. */
  retired: boolean;
}

export interface DriverCacheOptions extends DriverOptions {
  /** A driver unused this long is closed (its PBX connection too); the next call opens a new one. */
  idleMs?: number;
  now?: () => number;
}

const IDLE_MS = 10 * 60_000;

/**
 * One driver (and so one persistent PBX connection) per account PBX per worker process. A change of
 * the stored settings changes the revision: the next call gets a fresh driver, and the old one is
 * closed when its last call ends, never under a call. Drivers nobody used for `idleMs` are closed,
 * so a worker serving many accounts does not keep every PBX connection open forever.
 */
export class DriverCache {
  private readonly entries = new Map<string, Entry>();
  private readonly retired = new Set<Entry>();
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly options: DriverCacheOptions,
    private readonly logger: Logger,
  ) {
    this.idleMs = options.idleMs ?? IDLE_MS;
    this.now = options.now ?? Date.now;
  }

  /** The driver for this account's PBX at `revision`; `open` decrypts the settings only when one is built. */
  lease(accountId: string, kind: PbxKind, revision: string, open: () => PbxConnection): DriverLease {
    this.closeIdle();
    const key = `${accountId}:${kind}`;
    let entry = this.entries.get(key);
    if (!entry || entry.revision !== revision) {
      if (entry) this.retire(entry);
      const { idleMs: _idle, now: _now, ...driverOptions } = this.options;
      const driver = createPbxDriver(open(), { ...driverOptions, logger: this.logger.child({ account_id: accountId, pbx: kind }) });
      entry = { revision, driver, calls: 0, lastUsedMs: this.now(), retired: false };
      this.entries.set(key, entry);
    }
    const leased = entry;
    leased.calls += 1;
    leased.lastUsedMs = this.now();
    let released = false;
    return {
      driver: leased.driver,
      release: () => {
        if (released) return;
        released = true;
        leased.calls -= 1;
        leased.lastUsedMs = this.now();
        if (leased.retired && leased.calls === 0) this.close(leased);
      },
    };
  }

  /** Drivers currently open (for tests and metrics). */
  get size(): number {
    return this.entries.size + this.retired.size;
  }

  async closeAll(): Promise<void> {
    const drivers = [...this.entries.values(), ...this.retired].map((entry) => entry.driver);
    this.entries.clear();
    this.retired.clear();
    await Promise.allSettled(drivers.map((driver) => driver.close()));
  }

  private retire(entry: Entry): void {
    entry.retired = true;
    if (entry.calls === 0) this.close(entry);
    else this.retired.add(entry);
  }

  private closeIdle(): void {
    const limit = this.now() - this.idleMs;
    for (const [key, entry] of this.entries) {
      if (entry.calls === 0 && entry.lastUsedMs < limit) {
        this.entries.delete(key);
        this.close(entry);
      }
    }
  }

  private close(entry: Entry): void {
    this.retired.delete(entry);
    entry.driver.close().catch((err: unknown) => this.logger.warn({ err }, 'could not close a PBX driver'));
  }
}
