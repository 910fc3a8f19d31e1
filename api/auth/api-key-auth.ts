import type { AccountStore, Account, AuthChange } from '../../shared/accounts/account-store.js';
import { compilePolicy, type CompiledPolicy } from '../../shared/accounts/policy.js';
import { hashApiKey, looksLikeApiKey } from '../../shared/security/tokens.js';

export interface Caller {
  account: Account;
  keyId: string;
  policy: CompiledPolicy;
}

interface CacheEntry {
  caller: Caller | undefined;
  expiresAt: number;
}

/**
 * Resolves API keys to accounts with a small in-process cache. Revocations and account changes
 * arrive on the change feed and drop entries at once; the short TTL bounds staleness even if a
 * message were lost, so a revoked key stops within a second on every instance.
 */
export class ApiKeyAuth {
  private readonly byHash = new Map<string, CacheEntry>();
  private readonly policies = new Map<string, { version: number; policy: CompiledPolicy }>();
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly accounts: AccountStore,
    private readonly ttlMs = 1000,
    private readonly maxEntries = 100_000,
  ) {}

  onChange(change: AuthChange): void {
    if (change.type === 'key-revoked') {
      this.byHash.delete(change.keyHash);
      return;
    }
    for (const [hash, entry] of this.byHash) {
      if (entry.caller?.account.id === change.accountId) this.byHash.delete(hash);
    }
  }

  /** The caller for a presented key, or undefined when it is malformed, unknown or revoked. */
  async authenticate(apiKey: string | undefined, nowMs = Date.now()): Promise<Caller | undefined> {
    if (apiKey === undefined || !looksLikeApiKey(apiKey)) return undefined;
    const hash = hashApiKey(apiKey);
    const cached = this.byHash.get(hash);
    if (cached && cached.expiresAt > nowMs) return cached.caller;
    const caller = await this.load(hash);
    if (this.byHash.size >= this.maxEntries) this.byHash.clear();
    this.byHash.set(hash, { caller, expiresAt: nowMs + this.ttlMs });
    if (caller) this.touch(caller, nowMs);
    return caller;
  }

  /**
   * The account itself as the caller, for a public saved endpoint that needs no key (`keyId` is
   * empty): its policy and limits apply exactly as for a keyed request.
   */
  async forAccount(accountId: string): Promise<Caller | undefined> {
    const account = await this.accounts.getAccount(accountId);
    return account && { account, keyId: '', policy: this.compiled(account) };
  }

  private async load(hash: string): Promise<Caller | undefined> {
    const entry = await this.accounts.resolveKeyHash(hash);
    if (!entry) return undefined;
    const account = await this.accounts.getAccount(entry.accountId);
    if (!account) return undefined;
    return { account, keyId: entry.keyId, policy: this.compiled(account) };
  }

  private compiled(account: Account): CompiledPolicy {
    const cached = this.policies.get(account.id);
    if (cached && cached.version === account.version) return cached.policy;
    const policy = compilePolicy(account.policy);
    this.policies.set(account.id, { version: account.version, policy });
    return policy;
  }

  /** Records `last_used_at`, at most once a minute per key so it costs nothing on the hot path. */
  private touch(caller: Caller, nowMs: number): void {
    const last = this.lastTouched.get(caller.keyId) ?? 0;
    if (nowMs - last < 60_000) return;
    this.lastTouched.set(caller.keyId, nowMs);
    this.accounts.touchKey(caller.account.id, caller.keyId, nowMs).catch(() => this.lastTouched.delete(caller.keyId));
  }
}
