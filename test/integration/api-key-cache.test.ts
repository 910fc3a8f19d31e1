import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ApiKeyAuth } from '../../api/auth/api-key-auth.js';
import { AccountStore } from '../../shared/accounts/account-store.js';
import type { RedisClient } from '../../shared/redis.js';
import { freshPrefix, testRedis, testShards } from '../support/redis-url.js';

/** The API's key cache on a real Redis, with no change feed: only what this process itself changed can reach it. */
describe('the API key cache and this instance\'s own changes', () => {
  let redis: RedisClient;
  let accounts: AccountStore;
  let auth: ApiKeyAuth;

  beforeEach(() => {
    redis = testRedis();
    const prefix = freshPrefix();
    accounts = new AccountStore(redis, prefix, randomBytes(32), testShards(prefix));
    auth = new ApiKeyAuth(accounts);
    accounts.onLocalChange((change) => auth.onChange(change));
  });
  afterEach(() => {
    redis.disconnect();
  });

  it('when this instance changes a policy or revokes a key, then its very next request sees it, before any channel message', async () => {
    const account = await accounts.createAccount('Local Co');
    const key = await accounts.createKey(account.id, 'k');
    const cached = await auth.authenticate(key.api_key);
    expect(cached?.account.policy.rate_per_minute).to.not.equal(7);
    await accounts.setPolicy(account.id, { rate_per_minute: 7 });
    expect((await auth.authenticate(key.api_key))?.account.policy.rate_per_minute, 'the new policy').to.equal(7);
    await accounts.revokeKey(account.id, key.id);
    expect(await auth.authenticate(key.api_key), 'the revoked key').to.equal(undefined);
  });
});
