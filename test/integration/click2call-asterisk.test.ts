import { expect } from 'chai';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { eventually } from '../support/eventually.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';

describe('click2call end to end with Asterisk (AMI double)', function () {
  this.timeout(20000);
  let relay: Relay;
  let ami: AmiDouble;
  let apiKey: string;
  let accountId: string;

  before(async () => {
    relay = await startRelay();
    const options = sandboxAmiOptions();
    ami = await startAmiDouble({ ...options, leg2Outcomes: { ...options.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 300 } }, timing: { ringMs: 20, holdMs: 300 } });
    ({ apiKey, accountId } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' }));
  });
  after(async () => {
    await relay.stop();
    await ami.close();
  });

  const states = async (url: string) => (await statusOf(url)).body.c2c_status;

  it('when the call is answered on both legs, then success, the Originate the reference recommends, and progress to completed', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', timeout: '20' });
    expect(answer.status).to.equal('success');
    expect(answer.state).to.equal('accepted');
    const originate = ami.originates().find((o) => JSON.stringify(o).includes(answer.request_id));
    expect(originate, 'the double received the Originate').to.not.equal(undefined);
    const sent = JSON.stringify(originate);
    expect(sent).to.contain('Local/1001@originate-skipvm').and.contain('from-internal').and.contain('5550100').and.contain('20000');
    await eventually(async () => expect((await states(answer.status_url)).state).to.equal('completed'), { timeoutMs: 8000 });
    const doc = await states(answer.status_url);
    expect(doc.events.map((e: { event: string }) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']);
    expect(doc.pbx_request.pbx_data.Action).to.equal('Originate');
    expect(doc.pbx_request.pbx_data.Priority).to.equal('1');
    expect(doc.response.response_data.Response).to.equal('Success');
    expect(JSON.stringify(doc)).to.not.contain('relaysecret').and.not.contain('sip-secret');
    expect(relay.logs.text).to.not.contain('relaysecret').and.not.contain('sip-secret');
  });

  it('when leg 2 is busy, then the status ends busy on leg 2', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1002', dial_second: '5550102' });
    expect(answer.status).to.equal('success');
    await eventually(async () => {
      const doc = await states(answer.status_url);
      expect(doc.state).to.equal('busy');
      expect(doc.events.at(-1).leg).to.equal(2);
    }, { timeoutMs: 8000 });
  });

  it('when dial_as is not an extension of the PBX, then dial_as_not_found and nothing is originated', async () => {
    const before = ami.originates().length;
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', dial_as: '4242' });
    expect(answer.status).to.equal('fail');
    expect(answer.errors[0].error.code).to.equal('dial_as_not_found');
    expect(ami.originates().length).to.equal(before);
  });

  it('when the admin tests the connection, then a worker logs in and reports the banner without a call', async () => {
    const before = ami.originates().length;
    const result = await relay.admin('POST', `/admin/v1/accounts/${accountId}/pbx/asterisk/test`);
    expect(result.status).to.equal(200);
    expect(result.body.ok).to.equal(true);
    expect(result.body.detail).to.contain('Asterisk Call Manager');
    expect(ami.originates().length).to.equal(before);
  });

  it('when the account changes its PBX secret, then the next call uses it without a restart', async () => {
    const put = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/pbx/asterisk`, { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'wrong-secret' });
    expect(put.status).to.equal(200);
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
    expect(answer.errors[0]?.error.code).to.equal('pbx_auth_failed');
    await relay.admin('PUT', `/admin/v1/accounts/${accountId}/pbx/asterisk`, { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' });
    const again = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550104' });
    expect(again.status).to.equal('success');
  });
});
