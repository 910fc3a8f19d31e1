/** SPEC §8 call options through the public API to the `other` and Switchvox doubles: delivered, stored, or refused before anything is dialed. */
import { expect } from 'chai';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { startSwitchvoxDouble, type SwitchvoxDouble } from '../doubles/switchvox/switchvox-double.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { testRedis } from '../support/redis-url.js';

const HOSTILE_PAGE = 'https://shop.example/a,b?x="1"\\y(z)${EXTEN}&api_key=nope#frag';

describe('call options end to end', function () {
  this.timeout(20000);
  let relay: Relay;
  let http: HttpPbxDouble;
  let switchvox: SwitchvoxDouble;
  let otherKey: string;
  let plainOtherKey: string;
  let switchvoxKey: string;

  before(async () => {
    relay = await startRelay();
    http = await startHttpPbxDouble();
    switchvox = await startSwitchvoxDouble({ timeScale: 0.01 });
    const template = {
      method: 'POST',
      url: `${http.url}/c2c?to={dial_second}&cid1={first_callerid}&cid2={second_callerid}`,
      body: '{"id":"{request_id}","page":"{page}","ref":"{ref}"}',
      body_type: 'json',
    };
    ({ apiKey: otherKey } = await provision(relay, 'other', template, { default_pbx: 'other', caller_ids: ['5559999'] }));
    ({ apiKey: plainOtherKey } = await provision(relay, 'other', { url: `${http.url}/c2c?to={dial_second}&id={request_id}` }, { default_pbx: 'other' }));
    ({ apiKey: switchvoxKey } = await provision(relay, 'switchvox', { url: switchvox.url, username: 'admin', password: 'admin-secret', ca_pem: switchvox.caPem }, { default_pbx: 'switchvox' }));
  });
  after(async () => {
    await relay.stop();
    await http.close();
    await switchvox.close();
  });

  const sentFor = (id: string) => http.requests.filter((request) => request.body.includes(id) || request.url.includes(id));

  it('when page, ref and caller IDs are given to an `other` PBX, then each placeholder carries its value byte for byte and the document lists them', async () => {
    const answer = await click2call(relay, { api_key: otherKey, dial_first: '1001', dial_second: '5550100', page: HOSTILE_PAGE, ref: 'crm,42"', first_callerid: '5550100', second_callerid: '555-9999' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    const [sent] = sentFor(answer.request_id);
    const url = new URL(sent?.url ?? '', http.url);
    expect(url.searchParams.get('cid1')).to.equal('5550100');
    expect(url.searchParams.get('cid2')).to.equal('5559999');
    expect(JSON.parse(sent?.body ?? '{}')).to.deep.equal({ id: answer.request_id, page: HOSTILE_PAGE, ref: 'crm,42"' });
    const data = (await statusOf(answer.status_url)).body.c2c_status.request.request_data;
    expect(data).to.include({ page: HOSTILE_PAGE, ref: 'crm,42"', first_callerid: '5550100', second_callerid: '5559999' });
  });

  it('when a caller ID is neither a number dialed nor in the policy caller_ids, then caller_id_not_allowed and nothing is dialed', async () => {
    const before = http.requests.length;
    const answer = await click2call(relay, { api_key: otherKey, dial_first: '1001', dial_second: '5550100', second_callerid: '5551111' });
    expect(answer.status).to.equal('fail');
    expect(answer.errors[0].error.code).to.equal('caller_id_not_allowed');
    expect(answer.errors[0].error.message).to.contain('second_callerid 5551111');
    expect(http.requests.length).to.equal(before);
    // The refusal is explained at its status URL; no call was queued.
    expect((await statusOf(answer.status_url)).body.c2c_status.state).to.equal('failed');
  });

  it('when a connection cannot do an option, then unsupported_option names it and the PBX, and nothing is dialed', async () => {
    const before = { http: http.requests.length, switchvox: switchvox.calls().length };
    const cases: [string, Record<string, string>, string][] = [
      [plainOtherKey, { first_callerid: '1001' }, 'first_callerid'],
      [otherKey, { record: '1' }, 'record'],
      [switchvoxKey, { second_callerid: '5550100' }, 'second_callerid'],
      [switchvoxKey, { record: '1', warning: '2' }, 'record'],
    ];
    for (const [apiKey, options, named] of cases) {
      const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', ...options });
      expect(answer.status, named).to.equal('fail');
      expect(answer.errors[0].error.code).to.equal('unsupported_option');
      expect(answer.errors[0].error.message).to.contain(named);
    }
    expect(http.requests.length).to.equal(before.http);
    expect(switchvox.calls().length).to.equal(before.switchvox);
  });

  it('when page and ref go to Switchvox, then they arrive as the IVR variables C2C_PAGE and C2C_REF', async () => {
    const answer = await click2call(relay, { api_key: switchvoxKey, dial_first: '1001', dial_second: '5551234', page: HOSTILE_PAGE, ref: 'r-1' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    expect(switchvox.calls().at(-1)?.parameters?.variables).to.deep.equal([`C2C_PAGE=${HOSTILE_PAGE}`, 'C2C_REF=r-1']);
    const doc = (await statusOf(answer.status_url)).body.c2c_status;
    expect(doc.response.response_data.response.result.call_info.variables).to.deep.equal({ C2C_PAGE: HOSTILE_PAGE, C2C_REF: 'r-1' });
  });

  it('when wait_for asks for more than a PBX without call progress can tell, then the answer comes at its verdict', async () => {
    const answer = await click2call(relay, { api_key: plainOtherKey, dial_first: '1001', dial_second: '5550100', wait_for: 'connected' });
    expect(answer).to.include({ status: 'success', state: 'accepted' });
  });

  it('when the same URL is reloaded with other options, then it is not taken for a repeat of the first call', async () => {
    const reloading = await startRelay({ RELOAD_WINDOW_SECONDS: '10' });
    try {
      const { apiKey } = await provision(reloading, 'other', { url: `${http.url}/c2c?to={dial_second}&id={request_id}` }, { default_pbx: 'other' });
      const first = await click2call(reloading, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', ref: 'a' });
      const reload = await click2call(reloading, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', ref: 'a' });
      const other = await click2call(reloading, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', ref: 'b' });
      expect(reload.request_id).to.equal(first.request_id);
      expect(other.request_id).to.not.equal(first.request_id);
    } finally {
      await reloading.stop();
    }
  });

  it('when an option is refused, then no status document of a call is left queued', async () => {
    const redis = testRedis();
    try {
      const answer = await click2call(relay, { api_key: switchvoxKey, dial_first: '1001', dial_second: '5550100', first_callerid: '1001' });
      const stored = await redis.get(`${relay.shards.requestPrefix(answer.request_id)}:st:${answer.request_id}`);
      expect(stored).to.contain('"state":"failed"');
    } finally {
      redis.disconnect();
    }
  });
});
