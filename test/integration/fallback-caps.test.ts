import type { RedisClient } from '../../shared/redis.js';
import { expect } from 'chai';
import { Shards } from '../../shared/shards.js';
import { DailyCaps, PER_RECIPIENT_DAILY_CAP } from '../../worker/fallbacks/daily-caps.js';
import { freshPrefix, keysEverywhere, testRedis } from '../support/redis-url.js';

describe('daily caps of no-answer fallbacks (real Redis)', () => {
  let redis: RedisClient;
  let prefix: string;
  let caps: DailyCaps;
  const at = new Date('2030-05-06T23:59:59.000Z');

  before(() => {
    redis = testRedis();
  });
  after(() => redis.quit());
  beforeEach(() => {
    prefix = freshPrefix();
    caps = new DailyCaps(redis, new Shards(prefix, 4, true));
  });

  it('when a message is counted, then both counters live under the account\'s shard prefix, expire, and name no address', async () => {
    expect(await caps.take('acct_1_s2', 'sms', '5554443333', 10, at)).to.deep.equal({ allowed: true });
    const keys = (await keysEverywhere(redis, `${prefix}:*`)).sort();
    expect(keys).to.have.length(2);
    for (const key of keys) {
      expect(key).to.match(new RegExp(`^${prefix}:\\{[^}]+\\}:acct:acct_1_s2:fallback-cap:sms:2030-05-06`));
      expect(key).to.not.contain('5554443333');
      expect(await redis.ttl(key)).to.be.within(1, 2 * 24 * 3600);
    }
  });

  it('when the recipient cap refuses, then the refused message does not use up the account\'s cap', async () => {
    for (let n = 0; n < PER_RECIPIENT_DAILY_CAP + 3; n += 1) await caps.take('acct_2', 'email', 'x@shop.example', 6, at);
    expect(await caps.take('acct_2', 'email', 'y@shop.example', 6, at)).to.deep.equal({ allowed: true });
    const refused = await caps.take('acct_2', 'email', 'z@shop.example', 6, at);
    expect(refused).to.deep.include({ allowed: false });
    expect(refused.allowed ? '' : refused.message).to.contain("daily cap of 6 no-answer emails");
  });

  it('when channels and accounts differ, then their counts are separate; a cap of 0 turns the channel off', async () => {
    for (let n = 0; n < 2; n += 1) await caps.take('acct_3', 'email', 'x@shop.example', 2, at);
    expect((await caps.take('acct_3', 'email', 'y@shop.example', 2, at)).allowed).to.equal(false);
    expect((await caps.take('acct_3', 'sms', '5554443333', 2, at)).allowed).to.equal(true);
    expect((await caps.take('acct_4', 'email', 'x@shop.example', 2, at)).allowed).to.equal(true);
    expect((await caps.take('acct_5', 'sms', '5554443333', 0, at)).allowed).to.equal(false);
  });

  it('when many messages race for the last places, then exactly the cap is let through', async () => {
    const verdicts = await Promise.all(Array.from({ length: 40 }, (_, n) => caps.take('acct_6', 'sms', `55544433${String(n).padStart(2, '0')}`, 25, at)));
    expect(verdicts.filter((verdict) => verdict.allowed)).to.have.length(25);
  });
});
