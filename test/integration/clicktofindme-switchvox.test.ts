/**
 * SPEC §9 Click-to-FindMe end to end on Switchvox (HTTPS double): an ordered list with type=2 is
 * hunted as one held switchvox.call per number; what Switchvox cannot do is refused before it is sent.
 */
import type { RedisClient } from '../../shared/redis.js';
import { expect } from 'chai';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { DEFAULT_EXTENSIONS, startSwitchvoxDouble, type SwitchvoxDouble } from '../doubles/switchvox/switchvox-double.js';
import { eventually } from '../support/eventually.js';
import { provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { testRedis } from '../support/redis-url.js';
import { AgentQueueStore } from '../../shared/agents/agent-queue-store.js';
import { FindMeStore } from '../../shared/findme/findme-store.js';

type Doc = {
  state: string;
  events: { event: string }[];
  attempts?: { called_number: string; call_result: string; 'utc.time': string }[];
  response: { error?: { code: string; message: string } };
};

const PHONE_TO_CALL = '5550100';
const ORIGINATE_FAILED = 'Your call failed to connect (Originate failed).';

describe('clicktofindme end to end with Switchvox (HTTPS double)', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: SwitchvoxDouble;
  let redis: RedisClient;
  let apiKey: string;
  let accountId: string;

  before(async () => {
    relay = await startRelay();
    // 0.1: a simulated second lasts 100 ms, so a 5 s ring_seconds rings out in 0.5 s.
    pbx = await startSwitchvoxDouble({
      timeScale: 0.1,
      extensions: [...DEFAULT_EXTENSIONS, { number: '1002', account_id: '1112', display: 'Walter Skinner' }, { number: '1003', account_id: '1113', display: 'John Doggett' }],
      // Looked up as dial_first: 1002 and 1004 ring out (41591 after `timeout`), 1003 answers after 2 s.
      scripts: { '1002': { outcome: 'no_answer' }, '1003': { outcome: 'answer', afterSeconds: 2 }, '1004': { outcome: 'no_answer' } },
    });
    ({ apiKey, accountId } = await provision(relay, 'switchvox', { url: pbx.url, username: 'admin', password: 'admin-secret', ca_pem: pbx.caPem }));
    const put = async (id: string, body: unknown) => expect((await relay.admin('PUT', `/admin/v1/accounts/${accountId}/findme/${id}`, body)).status).to.equal(201);
    await put('hunt', { name: 'Front desk', numbers: ['1002', '1003'], strategy: 'ordered', ring_seconds: 5 });
    await put('nobody', { name: 'Closed', numbers: ['1002', '1004'], strategy: 'ordered', ring_seconds: 5 });
    redis = testRedis();
  });
  after(async () => {
    redis.disconnect();
    await relay.stop();
    await pbx.close();
  });

  const call = async (path: string, params: Record<string, string>) => {
    const response = await fetch(`${relay.base}${path}?${new URLSearchParams({ api_key: apiKey, ...params })}`);
    expect(response.status).to.equal(200);
    return ((await response.json()) as { response: any }).response;
  };
  const doc = async (url: string): Promise<Doc> => (await statusOf(url)).body.c2c_status;
  const callsOf = (requestId: string) => pbx.calls().filter((c) => JSON.parse(c.body).request.transaction_id === requestId);
  const dialed = (requestId: string) => callsOf(requestId).map((c) => [c.parameters?.dial_first, c.parameters?.dial_second, c.parameters?.timeout]);

  it('when type=2 hunts an ordered list, then one switchvox.call per number in turn, the answering number ends the hunt accepted and every attempt is in the status document', async () => {
    const answer = await call('/v1/clicktofindme', { findme_id: 'hunt', phone_to_call: PHONE_TO_CALL, type: '2' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    expect(answer.state).to.equal('accepted');
    // Each call rings one list number first (ring_seconds as Switchvox's timeout), then phone_to_call.
    expect(dialed(answer.request_id)).to.deep.equal([['1002', PHONE_TO_CALL, '5'], ['1003', PHONE_TO_CALL, '5']]);
    const calls = callsOf(answer.request_id);
    expect((calls[1]?.receivedAt ?? 0) - (calls[0]?.receivedAt ?? 0), '1003 rang only once 1002 had rung out').to.be.at.least(450);
    // The verdict is Switchvox's answer to the last call, which came once 1003 answered; the driver
    // reports that answer once (first_answered) and Switchvox reports nothing after it.
    await eventually(async () => expect((await doc(answer.status_url)).state).to.equal('first_answered'));
    const final = await doc(answer.status_url);
    expect(final.attempts?.map((a) => [a.called_number, a.call_result])).to.deep.equal([['1002', 'No Answer'], ['1003', 'Answered']]);
    expect(final.attempts?.every((a) => /^\d{10}$/.test(a['utc.time']))).to.equal(true);
    expect(final.events.map((e) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered']);
    // Nothing follows: no late attempt, no other state, nothing more dialed.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const later = await doc(answer.status_url);
    expect(later.attempts).to.deep.equal(final.attempts);
    expect(later.state).to.equal(final.state);
    expect(callsOf(answer.request_id)).to.have.length(2);
  });

  it('when nobody on the list answers, then the request ends failed with the PBX\'s own message and every attempt recorded as No Answer', async () => {
    const answer = await call('/v1/clicktofindme', { findme_id: 'nobody', phone_to_call: PHONE_TO_CALL, type: '2' });
    expect(answer.status).to.equal('fail');
    expect(answer.errors[0].error.code).to.equal('pbx_error');
    expect(answer.errors[0].error.message).to.contain(ORIGINATE_FAILED).and.contain('41591');
    expect(dialed(answer.request_id)).to.deep.equal([['1002', PHONE_TO_CALL, '5'], ['1004', PHONE_TO_CALL, '5']]);
    await eventually(async () => expect((await doc(answer.status_url)).attempts).to.have.length(2));
    const final = await doc(answer.status_url);
    expect(final.state).to.equal('failed');
    expect(final.response.error?.message).to.contain(ORIGINATE_FAILED);
    expect(final.attempts?.map((a) => [a.called_number, a.call_result])).to.deep.equal([['1002', 'No Answer'], ['1004', 'No Answer']]);
  });

  it('when type=1 is asked, or a simultaneous list or an agent queue reaches Switchvox, then unsupported_option and nothing is sent to the PBX', async () => {
    // The admin refuses to save a simultaneous list or an agent queue for Switchvox; rows saved before
    // that rule (or by hand) are written to the stores directly, to prove the public API refuses them too.
    const saved = { name: 'Everyone', pbx: 'switchvox' as const, numbers: ['1002', '1003'], strategy: 'simultaneous' as const, ring_seconds: 5 };
    expect((await relay.admin('PUT', `/admin/v1/accounts/${accountId}/findme/ringall`, saved)).body.error.code).to.equal('unsupported_option');
    await new FindMeStore(redis, relay.config.redisPrefix).put(accountId, 'ringall', saved);
    const queue = { name: 'Sales', pbx: 'switchvox' as const, pbx_queue: 'sales', agents: { ann: { number: '1001', interface: 'PJSIP/1001' } } };
    expect((await relay.admin('PUT', `/admin/v1/accounts/${accountId}/agent-queues/sales`, queue)).body.error.code).to.equal('unsupported_option');
    await new AgentQueueStore(redis, relay.config.redisPrefix).put(accountId, 'sales', queue);

    const before = pbx.requests().length;
    const refusals: [string, Record<string, string>, RegExp][] = [
      ['/v1/clicktofindme', { findme_id: 'hunt', phone_to_call: PHONE_TO_CALL, type: '1' }, /FindMe type=1 with an ordered list is not supported on the switchvox PBX; use type=2 with a list that is ordered/],
      ['/v1/clicktofindme', { findme_id: 'hunt', phone_to_call: PHONE_TO_CALL }, /type=2 with a list that is ordered/],
      ['/v1/clicktofindme', { findme_id: 'ringall', phone_to_call: PHONE_TO_CALL, type: '2' }, /strategy "simultaneous" cannot be used with the switchvox PBX/],
      ['/v1/clicktofindme', { findme_id: 'ringall', phone_to_call: PHONE_TO_CALL, type: '1' }, /strategy "simultaneous" cannot be used with the switchvox PBX/],
      ['/v1/clicktoagent', { queue_id: 'sales', agent_id: 'ann', phone_to_call: PHONE_TO_CALL }, /agent queues cannot be used with the switchvox PBX/],
    ];
    for (const [path, params, message] of refusals) {
      const answer = await call(path, params);
      expect(answer.status, JSON.stringify(params)).to.equal('fail');
      expect(answer.errors[0].error.code, JSON.stringify(params)).to.equal('unsupported_option');
      expect(answer.errors[0].error.message, JSON.stringify(params)).to.match(message);
    }
    expect(pbx.requests().length, 'not even an extension lookup').to.equal(before);
  });
});

describe('clicktofindme with the other (HTTP) PBX', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: HttpPbxDouble;

  before(async () => {
    relay = await startRelay();
    pbx = await startHttpPbxDouble();
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  it('when a FindMe list is saved for an other PBX, then unsupported_option at save whatever the strategy, a list stored anyway is refused at call time, and nothing reaches the PBX', async () => {
    const { apiKey, accountId } = await provision(relay, 'other', { method: 'GET', url: `${pbx.url}/c2c?from={dial_first}&to={dial_second}` });
    for (const strategy of ['ordered', 'simultaneous']) {
      const saved = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/findme/front`, { name: 'Front desk', numbers: ['1002', '1003'], strategy, ring_seconds: 5 });
      expect(saved.status, strategy).to.equal(422);
      expect(saved.body.error.code, strategy).to.equal('unsupported_option');
      expect(saved.body.error.message, strategy).to.contain('FindMe lists cannot be used with the other PBX');
    }
    expect((await relay.admin('GET', `/admin/v1/accounts/${accountId}/findme/front`)).status).to.equal(404);
    // A list written to the store by hand (or before the rule) is refused by the public API as well.
    const redis = testRedis();
    try {
      await new FindMeStore(redis, relay.config.redisPrefix).put(accountId, 'front', { name: 'Front desk', pbx: 'other', numbers: ['1002', '1003'], strategy: 'ordered', ring_seconds: 5 });
    } finally {
      redis.disconnect();
    }
    const response = await fetch(`${relay.base}/v1/clicktofindme?${new URLSearchParams({ api_key: apiKey, findme_id: 'front', phone_to_call: PHONE_TO_CALL, type: '2' })}`);
    const answer = ((await response.json()) as { response: any }).response;
    expect(answer.status).to.equal('fail');
    expect(answer.errors[0].error.code).to.equal('unsupported_option');
    expect(answer.errors[0].error.message).to.contain('reports no call progress');
    expect(pbx.requests).to.have.length(0);
  });
});
