import type { RedisClient } from '../redis.js';
import { AppError } from '../errors.js';
import { isResourceId } from './account-resource.js';

/** A saved account resource: its settings, the id the admin chose, and when it was made and last replaced. */
export type Saved<S> = S & { id: string; created_at: string; updated_at: string };

/**
 * Where one type of account resource lives: one hash per account (`<prefix>:acct:<account>:<type>`,
 * field = the resource id), so an id is only ever looked up inside its own account and another
 * account's id answers exactly like an unknown one.
 */
export class AccountResourceStore<S extends object> {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** The key's last part, e.g. `agent-queues`. */
    private readonly type: string,
    /** What `not_found` calls it, e.g. `agent queue`. */
    private readonly label: string,
  ) {}

  private key(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:${this.type}`;
  }

  /** The account's resource, or undefined when unknown (also for an id that could not exist). */
  async find(accountId: string, id: string): Promise<Saved<S> | undefined> {
    if (!isResourceId(id)) return undefined;
    const json = await this.redis.hget(this.key(accountId), id);
    return json === null ? undefined : (JSON.parse(json) as Saved<S>);
  }

  /** The account's resource, or `not_found`. */
  async require(accountId: string, id: string): Promise<Saved<S>> {
    const found = await this.find(accountId, id);
    if (found === undefined) throw new AppError('not_found', `${this.label} ${id} not found`);
    return found;
  }

  /** Creates or replaces (PUT); `created` says which. The id must already be valid (checkResourceId in account-resource.ts). */
  async put(accountId: string, id: string, settings: S, now = new Date()): Promise<{ created: boolean; saved: Saved<S> }> {
    const at = now.toISOString();
    const fresh: Saved<S> = { ...settings, id, created_at: at, updated_at: at };
    if ((await this.redis.hsetnx(this.key(accountId), id, JSON.stringify(fresh))) === 1) return { created: true, saved: fresh };
    // A replace keeps the creation time. A delete racing this replace can leave the resource
    // recreated under a 200: the admin's last word (this PUT) still holds.
    const current = await this.find(accountId, id);
    const saved: Saved<S> = { ...fresh, created_at: current?.created_at ?? at };
    await this.redis.hset(this.key(accountId), id, JSON.stringify(saved));
    return { created: false, saved };
  }

  /** The account's resources, oldest first. */
  async list(accountId: string): Promise<Saved<S>[]> {
    const all = await this.redis.hgetall(this.key(accountId));
    return Object.values(all)
      .map((json) => JSON.parse(json) as Saved<S>)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  /** Removes the account's resource, or `not_found`. */
  async remove(accountId: string, id: string): Promise<void> {
    const removed = isResourceId(id) ? await this.redis.hdel(this.key(accountId), id) : 0;
    if (removed === 0) throw new AppError('not_found', `${this.label} ${id} not found`);
  }
}
