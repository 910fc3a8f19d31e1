import type { RedisClient } from '../../shared/redis.js';
import { expect } from 'chai';
import { keysEverywhere, testRedis } from '../support/redis-url.js';
import { provision, startRelay, type Relay } from '../support/relay.js';
import { LINK_PREVIEW_AGENTS } from '../support/user-agents.js';

describe('link previews at the HTTP edge', function () {
  this.timeout(20000);
  let relay: Relay;
  let redis: RedisClient;
  let apiKey: string;
  let url: string;

  /** Every key of this relay's prefix, with the value that would change if anything were counted or stored. */
  const snapshot = async (): Promise<Record<string, string>> => {
    const keys = await keysEverywhere(redis, `${relay.config.redisPrefix}*`);
    const entries = await Promise.all(keys.map(async (key) => [key, JSON.stringify(await redis.dump(key))] as const));
    return Object.fromEntries(entries);
  };

  before(async () => {
    // No worker: a call that got through would stay queued, in plain sight.
    relay = await startRelay({}, { worker: false });
    redis = testRedis();
    ({ apiKey } = await provision(relay, 'other', { url: 'http://127.0.0.1:9/c2c?to={dial_second}' }));
    url = `${relay.base}/v1/click2call?${new URLSearchParams({ api_key: apiKey, dial_first: '1001', dial_second: '5550100', pbx: 'other', wait: '0' })}`;
  });
  after(async () => {
    redis.disconnect();
    await relay.stop();
  });

  async function expectRefusedAndNothingStored(init: RequestInit) {
    const before = await snapshot();
    const response = await fetch(url, init);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.contain('application/json');
    if (init.method !== 'HEAD') {
      const { response: answer } = (await response.json()) as { response: Record<string, unknown> };
      expect(answer).to.deep.include({ status: 'fail', state: '', status_url: '', server_id: 'test-relay' });
      expect(answer.errors).to.deep.equal([{ error: { code: 'invalid_request', message: 'not dialed: link preview', url: '' } }]);
    } else {
      expect(await response.text()).to.equal('');
    }
    expect(await snapshot(), 'Redis is untouched: no status document, no counter, no key use').to.deep.equal(before);
  }

  it('when a link is looked at with HEAD, then the answer is the link-preview refusal and nothing is stored', async () => {
    await expectRefusedAndNothingStored({ method: 'HEAD' });
  });

  for (const [name, value] of [['Purpose', 'prefetch'], ['Sec-Purpose', 'prefetch'], ['Sec-Purpose', 'prefetch;prerender'], ['X-Moz', 'prefetch']]) {
    it(`when a browser prefetches the link (${name}: ${value}), then it is refused and nothing is stored`, async () => {
      await expectRefusedAndNothingStored({ headers: { [name as string]: value as string } });
    });
  }

  for (const [who, agent] of Object.entries(LINK_PREVIEW_AGENTS)) {
    it(`when ${who} unfurls the link, then it is refused and nothing is stored`, async () => {
      await expectRefusedAndNothingStored({ headers: { 'user-agent': agent } });
    });
  }

  it('when an unfurler has no valid key, then it is refused all the same and not even the per-address counter moves', async () => {
    const before = await snapshot();
    const response = await fetch(`${relay.base}/v1/click2call?dial_first=1001&dial_second=5550100`, { headers: { 'user-agent': 'Discordbot/2.0' } });
    expect(((await response.json()) as { response: { errors: { error: { message: string } }[] } }).response.errors[0]?.error.message).to.equal('not dialed: link preview');
    expect(await snapshot()).to.deep.equal(before);
  });

  it('when a client whose name a bot list knows POSTs, then the call is placed: previews fetch links, they never POST', async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1)', 'content-type': 'application/json' }, body: JSON.stringify({ dial_first: '1002' }) });
    const { response: answer } = (await response.json()) as { response: Record<string, unknown> };
    expect(answer).to.deep.include({ status: 'success', state: 'queued' });
  });

  it('when curl asks with the same URL, then the call is placed (curl is not a link preview)', async () => {
    const before = await snapshot();
    const response = await fetch(url, { headers: { 'user-agent': 'curl/8.5.0', accept: '*/*' } });
    const { response: answer } = (await response.json()) as { response: Record<string, unknown> };
    expect(answer).to.deep.include({ status: 'success', state: 'queued' });
    expect(Object.keys(await snapshot()).length, 'the call was stored').to.be.above(Object.keys(before).length);
  });
});
