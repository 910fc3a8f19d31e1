import type { RedisClient } from '../redis.js';
import { AppError } from '../errors.js';
import { open, seal } from '../security/secret-box.js';
import { Shards } from '../shards.js';
import { API_KEY_PREFIX, generateApiKey, hashApiKey, randomId } from '../security/tokens.js';
import { connectionFacts, maskPbxSettings, parsePbxSettings, type ConnectionFacts, type PbxConnection, type PbxKind } from './pbx-settings.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from './policy.js';

export interface Account {
  id: string;
  name: string;
  created_at: string;
  policy: Policy;
  /** Which PBX connections exist, kept on the account so one read answers the hot path. */
  pbx_kinds: PbxKind[];
  /** What the hot path needs of each connection (outside-line prefix, caller-ID support), without decrypting it. */
  pbx_facts?: Partial<Record<PbxKind, ConnectionFacts>>;
  /** Bumped on every change, so caches and drivers know when to rebuild. */
  version: number;
}

export interface ApiKeyInfo {
  id: string;
  label: string;
  /** The first characters of the key, enough to recognise it, never enough to use it. */
  hint: string;
  created_at: string;
  last_used_at?: string;
}

interface StoredKey extends ApiKeyInfo {
  hash: string;
}

interface StoredPbx {
  kind: PbxKind;
  masked: Record<string, unknown>;
  sealed: string;
  updated_at: string;
}

/** Messages on the auth channel: caches drop what they name. */
export type AuthChange = { type: 'key-revoked'; keyHash: string } | { type: 'account-changed'; accountId: string };

/** The one module that knows how accounts, keys and PBX connections are stored. */
export class AccountStore {
  readonly channel: string;
  private readonly localListeners: ((change: AuthChange) => void)[] = [];

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly masterKey: Buffer,
    private readonly shards: Shards = new Shards(prefix),
  ) {
    this.channel = `${prefix}:auth-changes`;
  }

  /**
   * Hears this process's own changes as soon as they are stored, before the channel delivers them
   * (on a Cluster the bus adds a hop): what an admin call changed holds for the next request here.
   */
  onLocalChange(listener: (change: AuthChange) => void): void {
    this.localListeners.push(listener);
  }

  private announced(change: AuthChange): void {
    for (const listener of this.localListeners) listener(change);
  }

  private accountKey(id: string) {
    return `${this.prefix}:acct:${id}`;
  }
  private keysKey(id: string) {
    return `${this.prefix}:acct:${id}:keys`;
  }
  private keyUseKey(id: string) {
    return `${this.prefix}:acct:${id}:key-used`;
  }
  private pbxKey(id: string) {
    return `${this.prefix}:acct:${id}:pbx`;
  }
  private apiKeyKey(hash: string) {
    return `${this.prefix}:apikey:${hash}`;
  }

  async createAccount(name: string, now = new Date()): Promise<Account> {
    const account: Account = { id: this.shards.newAccountId(randomId('acct')), name, created_at: now.toISOString(), policy: DEFAULT_POLICY, pbx_kinds: [], version: 1 };
    await this.redis.set(this.accountKey(account.id), JSON.stringify(account));
    return account;
  }

  async getAccount(id: string): Promise<Account | undefined> {
    const json = await this.redis.get(this.accountKey(id));
    return json == null ? undefined : (JSON.parse(json) as Account);
  }

  async requireAccount(id: string): Promise<Account> {
    const account = await this.getAccount(id);
    if (!account) throw new AppError('not_found', `account ${id} not found`);
    return account;
  }

  private async saveAccount(account: Account): Promise<Account> {
    const next = { ...account, version: account.version + 1 };
    const change: AuthChange = { type: 'account-changed', accountId: account.id };
    await this.redis.multi().set(this.accountKey(account.id), JSON.stringify(next)).publish(this.channel, JSON.stringify(change)).exec();
    this.announced(change);
    return next;
  }

  async setPolicy(accountId: string, input: unknown): Promise<Account> {
    const account = await this.requireAccount(accountId);
    return this.saveAccount({ ...account, policy: parsePolicy(input, account.policy) });
  }

  /** Creates a key; the returned `api_key` is the only time the secret is ever shown. */
  async createKey(accountId: string, label: string, now = new Date()): Promise<ApiKeyInfo & { api_key: string }> {
    await this.requireAccount(accountId);
    const apiKey = generateApiKey();
    const hash = hashApiKey(apiKey);
    const stored: StoredKey = { id: randomId('key'), label, hint: apiKey.slice(0, API_KEY_PREFIX.length + 4), created_at: now.toISOString(), hash };
    // Two slots on a Cluster, so two writes: listed first, so a key that works is always listed.
    await this.redis.hset(this.keysKey(accountId), stored.id, JSON.stringify(stored));
    await this.redis.set(this.apiKeyKey(hash), JSON.stringify({ account_id: accountId, key_id: stored.id }));
    const { hash: _hash, ...info } = stored;
    return { ...info, api_key: apiKey };
  }

  async listKeys(accountId: string): Promise<ApiKeyInfo[]> {
    await this.requireAccount(accountId);
    const [keys, used] = await Promise.all([this.redis.hgetall(this.keysKey(accountId)), this.redis.hgetall(this.keyUseKey(accountId))]);
    return Object.values(keys).map((json) => {
      const { hash: _hash, ...info } = JSON.parse(json) as StoredKey;
      const lastUsed = used[info.id];
      return lastUsed === undefined ? info : { ...info, last_used_at: new Date(Number(lastUsed)).toISOString() };
    });
  }

  /** Revokes a key everywhere: the lookup entry goes, and every instance's cache is told at once. */
  async revokeKey(accountId: string, keyId: string): Promise<boolean> {
    const json = await this.redis.hget(this.keysKey(accountId), keyId);
    if (json == null) return false;
    const { hash } = JSON.parse(json) as StoredKey;
    const change: AuthChange = { type: 'key-revoked', keyHash: hash };
    // The lookup entry goes first: from then on the key opens nothing, whatever happens next.
    await this.redis.del(this.apiKeyKey(hash));
    this.announced(change);
    await this.redis.publish(this.channel, JSON.stringify(change));
    await Promise.all([this.redis.hdel(this.keysKey(accountId), keyId), this.redis.hdel(this.keyUseKey(accountId), keyId)]);
    return true;
  }

  /** Looks a presented key up by its hash. */
  async resolveKeyHash(hash: string): Promise<{ accountId: string; keyId: string } | undefined> {
    const json = await this.redis.get(this.apiKeyKey(hash));
    if (json == null) return undefined;
    const entry = JSON.parse(json) as { account_id: string; key_id: string };
    return { accountId: entry.account_id, keyId: entry.key_id };
  }

  async touchKey(accountId: string, keyId: string, atMs: number): Promise<void> {
    await this.redis.hset(this.keyUseKey(accountId), keyId, String(atMs));
  }

  /** Validates, encrypts and stores a PBX connection; returns the masked settings. */
  async putPbx(accountId: string, kind: PbxKind, input: unknown, now = new Date()): Promise<Record<string, unknown>> {
    const account = await this.requireAccount(accountId);
    const settings = parsePbxSettings(kind, input);
    const connection = { kind, settings } as PbxConnection;
    const masked = maskPbxSettings(connection);
    const stored: StoredPbx = { kind, masked, sealed: seal(this.masterKey, settings), updated_at: now.toISOString() };
    await this.redis.hset(this.pbxKey(accountId), kind, JSON.stringify(stored));
    const kinds = account.pbx_kinds.includes(kind) ? account.pbx_kinds : [...account.pbx_kinds, kind];
    await this.saveAccount({ ...account, pbx_kinds: kinds, pbx_facts: { ...account.pbx_facts, [kind]: connectionFacts(connection) } });
    return masked;
  }

  async listPbxMasked(accountId: string): Promise<Record<string, { settings: Record<string, unknown>; updated_at: string }>> {
    const all = await this.redis.hgetall(this.pbxKey(accountId));
    return Object.fromEntries(
      Object.entries(all).map(([kind, json]) => {
        const stored = JSON.parse(json) as StoredPbx;
        return [kind, { settings: stored.masked, updated_at: stored.updated_at }];
      }),
    );
  }

  /**
   * Loads a connection, still sealed. Only the worker (and the admin `test` call) need the secrets,
   * and only when a driver is (re)built: `revision` changes whenever the settings do, and `open()`
   * decrypts them.
   */
  async loadPbx(accountId: string, kind: PbxKind): Promise<{ revision: string; open: () => PbxConnection } | undefined> {
    const json = await this.redis.hget(this.pbxKey(accountId), kind);
    if (json == null) return undefined;
    const stored = JSON.parse(json) as StoredPbx;
    return { revision: stored.sealed, open: () => ({ kind, settings: open(this.masterKey, stored.sealed) }) as PbxConnection };
  }
}
