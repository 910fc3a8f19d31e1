/** Several call shards on one Redis (the layout a Cluster uses): calls, status reads and history find their shard. */
import { expect } from 'chai';
import { Shards } from '../../shared/shards.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { keysEverywhere, testRedis } from '../support/redis-url.js';

describe('sharded calls', function () {
  this.timeout(30000);
  let relay: Relay;
  let pbx: HttpPbxDouble;

  before(async () => {
    relay = await startRelay({ QUEUE_SHARDS: '3' });
    pbx = await startHttpPbxDouble();
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  it('when accounts place calls, then each lands in its account\'s shard, reads and history find it, and every shard is used', async () => {
    const redis = testRedis();
    const prefix = relay.config.redisPrefix;
    const shardsUsed = new Set<string>();
    try {
      for (let i = 0; i < 9; i++) {
        const { accountId, apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}&id={request_id}` }, { default_pbx: 'other' });
        const shard = /_s([0-9]+)$/.exec(accountId)?.[1];
        expect(shard, accountId).to.not.equal(undefined);
        shardsUsed.add(shard as string);
        const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
        expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
        expect(answer.state).to.equal('accepted');
        expect(Number.parseInt(answer.request_id.slice(-2), 16)).to.equal(Number(shard));
        const tag = new Shards(prefix, 3, relay.config.redisCluster).keyPrefix(Number(shard));
        expect(await redis.exists(`${tag}:st:${answer.request_id}`)).to.equal(1);
        expect(await redis.zscore(`${tag}:acct:${accountId}:history`, answer.request_id)).to.not.equal(null);
        expect((await statusOf(answer.status_url)).body.c2c_status.state).to.equal('accepted');
        const history = await relay.admin('GET', `/admin/v1/accounts/${accountId}/requests`);
        expect(history.body.requests.map((row: { request_id: string }) => row.request_id)).to.deep.equal([answer.request_id]);
      }
      expect(shardsUsed.size, 'nine accounts use more than one shard').to.be.greaterThan(1);
      expect(await keysEverywhere(redis, `${prefix}:st:*`), 'no untagged status document').to.deep.equal([]);
    } finally {
      redis.disconnect();
    }
  });
});
