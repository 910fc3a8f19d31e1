import type { Logger } from 'pino';
import type { AccountStore, AuthChange } from '../../shared/accounts/account-store.js';
import type { PbxKind } from '../../shared/accounts/pbx-settings.js';
import type { RedisClient } from '../../shared/redis.js';

/** A PBX connection as the account store loads it: still sealed, with the revision drivers are keyed by. */
export type LoadedPbx = NonNullable<Awaited<ReturnType<AccountStore['loadPbx']>>>;

/**
 * The worker's copy of the accounts' sealed PBX connections, so that a call reads nothing before its
 * claim. An account's entries are dropped when it changes (every PBX connection write publishes
 * `account-changed` on the auth channel: `forget`), all of them when that subscription reconnects (a
 * message may have been missed: `clear`), and each at the latest `ttlMs` after it was read. A read
 * that was under way when its account changed is not kept: it may hold the old settings.
 */
export class PbxConnectionCache {
  private readonly entries = new Map<string, { loaded: LoadedPbx; until: number }>();
  /** Bumped by every `forget` and `clear`: a read started before a bump is not stored. */
  private readonly changes = new Map<string, number>();
  private cleared = 0;

  constructor(
    private readonly accounts: Pick<AccountStore, 'loadPbx'>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async loadPbx(accountId: string, kind: PbxKind): Promise<LoadedPbx | undefined> {
    const key = `${accountId}\n${kind}`;
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.loaded;
    const before = this.versionOf(accountId);
    const loaded = await this.accounts.loadPbx(accountId, kind);
    // Nothing is remembered of an account without the connection: the call fails, and the next one reads again.
    if (loaded && this.versionOf(accountId) === before) this.entries.set(key, { loaded, until: this.now() + this.ttlMs });
    else this.entries.delete(key);
    return loaded;
  }

  forget(accountId: string): void {
    this.changes.set(accountId, (this.changes.get(accountId) ?? 0) + 1);
    for (const key of this.entries.keys()) if (key.startsWith(`${accountId}\n`)) this.entries.delete(key);
  }

  clear(): void {
    this.cleared += 1;
    this.changes.clear();
    this.entries.clear();
  }

  private versionOf(accountId: string): string {
    return `${this.cleared}:${this.changes.get(accountId) ?? 0}`;
  }
}

/**
 * Keeps the cache honest: `subscriber` (a connection of its own) follows the auth channel, on which
 * every account write, PBX connections included, is announced. After a reconnect, what was
 * announced meanwhile is lost, so the whole cache goes.
 */
export async function followAccountChanges(subscriber: RedisClient, channel: string, cache: PbxConnectionCache, logger: Logger): Promise<void> {
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    try {
      const change = JSON.parse(message) as AuthChange;
      if (change.type === 'account-changed') cache.forget(change.accountId);
    } catch (err) {
      logger.warn({ err }, 'unreadable account change message');
    }
  });
  subscriber.on('ready', () => cache.clear());
  await subscriber.subscribe(channel);
}
