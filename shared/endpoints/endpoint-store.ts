import type { RedisClient } from '../redis.js';
import { AppError } from '../errors.js';
import { randomId } from '../security/tokens.js';
import { Shards } from '../shards.js';
import type { Endpoint, EndpointSettings } from './endpoint-settings.js';

/**
 * Where saved click-to-call endpoints live: one key per endpoint (the public connect URL names only
 * the endpoint's id, so it is found without knowing the account), and a set of ids per account for
 * listing. Another account's id answers exactly like an unknown one.
 */
export class EndpointStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly shards: Shards = new Shards(prefix),
  ) {}

  private key(id: string): string {
    return `${this.prefix}:c2c:${id}`;
  }

  private listKey(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:c2c`;
  }

  /** The endpoint's request ids by time (its history), written by admission with the account's history, in the account's shard. */
  historyKey(endpoint: Pick<Endpoint, 'id' | 'account_id'>): string {
    return `${this.shards.accountPrefix(endpoint.account_id)}:c2c:${endpoint.id}:history`;
  }

  /** The per-minute connect counter of an endpoint (its throttle). */
  throttleScope(id: string): string {
    return `c2c:${id}`;
  }

  async create(accountId: string, settings: EndpointSettings, now = new Date()): Promise<Endpoint> {
    const at = now.toISOString();
    const endpoint: Endpoint = { ...settings, id: randomId('c2c'), account_id: accountId, created_at: at, updated_at: at };
    // Two slots on a Cluster: two writes (an endpoint not yet listed is only missing from the list).
    await this.redis.set(this.key(endpoint.id), JSON.stringify(endpoint));
    await this.redis.sadd(this.listKey(accountId), endpoint.id);
    return endpoint;
  }

  /** The endpoint by id alone (public connect); undefined when unknown. */
  async find(id: string): Promise<Endpoint | undefined> {
    if (!/^c2c_[A-Za-z0-9]{1,64}$/.test(id)) return undefined;
    const json = await this.redis.get(this.key(id));
    return json === null ? undefined : (JSON.parse(json) as Endpoint);
  }

  /** The account's endpoint, or `not_found` for an unknown id and for another account's alike. */
  async require(accountId: string, id: string): Promise<Endpoint> {
    const endpoint = await this.find(id);
    if (!endpoint || endpoint.account_id !== accountId) throw new AppError('not_found', `click-to-call endpoint ${id} not found`);
    return endpoint;
  }

  async replace(accountId: string, id: string, settings: EndpointSettings, now = new Date()): Promise<Endpoint> {
    const current = await this.require(accountId, id);
    const endpoint: Endpoint = { ...settings, id, account_id: accountId, created_at: current.created_at, updated_at: now.toISOString() };
    await this.redis.set(this.key(id), JSON.stringify(endpoint));
    return endpoint;
  }

  async list(accountId: string): Promise<Endpoint[]> {
    const ids = await this.redis.smembers(this.listKey(accountId));
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.key(id)));
    return values.flatMap((json) => (json === null ? [] : [JSON.parse(json) as Endpoint])).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  async remove(accountId: string, id: string): Promise<void> {
    await this.require(accountId, id);
    await this.redis.del(this.key(id));
    await this.redis.srem(this.listKey(accountId), id);
  }
}

/** What GET shows of an endpoint: everything saved (endpoints hold no secrets) but its account. */
export function presentEndpoint(endpoint: Endpoint): Omit<Endpoint, 'account_id'> {
  const { account_id: _account, ...shown } = endpoint;
  return shown;
}
