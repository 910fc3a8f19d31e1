import { expect } from 'chai';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { eventually } from '../support/eventually.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';

const HOSTILE_PAGE = 'https://shop.example/a,b?x="1"\\y(z)${EXTEN}';

describe('click2call end to end with Asterisk (AMI double)', function () {
  this.timeout(20000);
  let relay: Relay;
  let ami: AmiDouble;
  let apiKey: string;
  let accountId: string;
  /** An account on a PBX whose user 1001 has an Outbound CID, with a verified caller ID in its policy. */
  let optionsKey: string;

  before(async () => {
    relay = await startRelay();
    const options = sandboxAmiOptions();
    const extensions = { ...options.extensions, '1001': { name: 'Alice Example', context: 'from-internal', outboundCid: '"Acme" <+15550009999>' } };
    ami = await startAmiDouble({ ...options, extensions, leg2Outcomes: { ...options.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 300 } }, timing: { ringMs: 20, holdMs: 300 } });
    ({ apiKey, accountId } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' }));
    ({ apiKey: optionsKey } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' }, { caller_ids: ['+15550001111'] }));
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

  it('when every call option is asked for, then leg 1 shows first_callerid, FreePBX sends second_callerid as dial_as, both legs read page and ref, and the call is recorded after the warning', async () => {
    const answer = await click2call(relay, {
      api_key: optionsKey, dial_first: '1002', dial_second: '5550100', dial_as: '1001', first_callerid: '5550100',
      second_callerid: '+15550001111', page: HOSTILE_PAGE, ref: 'crm,"42"', record: '1', timeout: '20',
    });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    const id = answer.request_id as string;
    const path = `/var/spool/asterisk/monitor/c2c-${id}.wav`;
    await eventually(async () => expect((await states(answer.status_url)).state).to.equal('completed'), { timeoutMs: 8000 });
    const doc = await states(answer.status_url);
    expect(doc.request.request_data).to.include({ first_callerid: '5550100', second_callerid: '+15550001111', page: HOSTILE_PAGE, ref: 'crm,"42"', record: 1, warning: 1 });
    expect(doc.pbx_request.pbx_data).to.include({ Application: 'Dial', CallerID: '"Alice Example" <5550100>' });
    expect(doc.pbx_request.pbx_data.Data).to.equal(`Local/5550100@from-internal,20,f(1001)A(conf-now-recording:conf-now-recording)U(c2c-relay-record^${id}^wav)`);
    expect(doc.response.response_data.recording).to.deep.equal({ path, state: 'requested' });
    expect(doc.events.map((e: { event: string }) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']);
    const call = ami.calls().find((c) => c.leg1.variables.C2C_ID === id);
    expect(call?.leg1.freepbx?.callerIdNum, "leg 1's phone").to.equal('5550100');
    expect(call?.leg2?.freepbx).to.deep.equal({ user: '1001', callerIdNum: '+15550001111' });
    for (const leg of [call?.leg1, call?.leg2]) {
      // The page sets no variable of its own; FreePBX's outbound caller ID is the relay's fourth.
      expect(leg?.variables).to.deep.equal({ C2C_ID: id, C2C_PAGE: HOSTILE_PAGE, C2C_REF: 'crm,"42"', TRUNKCIDOVERRIDE: '+15550001111' });
      expect(leg?.prompts).to.deep.equal(['conf-now-recording']);
    }
    expect(call?.recording).to.deep.include({ file: path, state: 'stopped' });
  });

  it('when record=1 asks for the warning on the second leg only, then only the third party hears it', async () => {
    const answer = await click2call(relay, { api_key: optionsKey, dial_first: '1001', dial_second: '5550100', record: '1', warning: '3' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    const call = await eventually(() => ami.calls().find((c) => c.leg1.variables.C2C_ID === answer.request_id && c.recording) ?? Promise.reject(new Error('not recorded yet')));
    expect([call.leg1.prompts, call.leg2?.prompts]).to.deep.equal([[], ['conf-now-recording']]);
  });

  it('when leg 2 never answers on a PBX whose trunks ring 300 s, then the status ends no_answer on leg 2 after timeout', async () => {
    const started = Date.now();
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550101', timeout: '1' });
    expect(answer.status).to.equal('success');
    await eventually(async () => expect((await states(answer.status_url)).state).to.equal('no_answer'), { timeoutMs: 6000 });
    expect(Date.now() - started).to.be.below(5000);
    expect((await states(answer.status_url)).events.at(-1)).to.include({ event: 'no_answer', leg: 2 });
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
