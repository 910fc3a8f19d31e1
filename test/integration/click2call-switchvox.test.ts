import { expect } from 'chai';
import { startSwitchvoxDouble, type SwitchvoxDouble } from '../doubles/switchvox/switchvox-double.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';

describe('click2call end to end with Switchvox (HTTPS double)', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: SwitchvoxDouble;
  let apiKey: string;

  before(async () => {
    // A 1 s default wait for other PBXes proves Switchvox gets its own (timeout + 10 s).
    relay = await startRelay({ DEFAULT_WAIT_SECONDS: '1' });
    // 0.1: a simulated second lasts 100 ms.
    pbx = await startSwitchvoxDouble({
      timeScale: 0.1,
      scripts: { '5552222': { outcome: 'answer', afterSeconds: 15 }, '5550000': { outcome: 'no_answer' } },
    });
    ({ apiKey } = await provision(relay, 'switchvox', { url: pbx.url, username: 'admin', password: 'admin-secret', ca_pem: pbx.caPem }, { default_pbx: 'switchvox' }));
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  it('when Switchvox answers, then success and the status shows the request body sent and the answer', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5551234', timeout: '20' });
    expect(answer.status).to.equal('success');
    const call = pbx.calls().at(-1);
    expect(call?.parameters).to.deep.equal({ dial_first: '1001', dial_second: '5551234', dial_as_account_id: '1107', timeout: '20' });
    const doc = (await statusOf(answer.status_url)).body.c2c_status;
    expect(doc.pbx_request.pbx).to.equal('switchvox');
    expect(doc.pbx_request.pbx_data.request.method).to.equal('switchvox.call');
    expect(JSON.stringify(doc)).to.not.contain('admin-secret');
    expect(doc.response.response_data).to.not.equal(undefined);
    expect(doc.request.request_data.wait).to.equal(30);
  });

  it('when the first leg answers later than the general default wait, then the Switchvox default (timeout + 10) still gets success', async () => {
    // 15 simulated seconds = 1.5 s here: past DEFAULT_WAIT_SECONDS (1 s), within timeout + 10.
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5552222', timeout: '20' });
    expect(answer.status).to.equal('success');
    expect(answer.state).to.equal('accepted');
  });

  it('when the first leg is slower than wait, then success/dispatching: a call that may still ring is never fail', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5552222', wait: '1' });
    expect(answer.status).to.equal('success');
    expect(answer.state).to.equal('dispatching');
  });

  it('when the connection drops after switchvox.call arrived, then success/dispatching and the status says the outcome is unknown', async () => {
    pbx.injectFault({ kind: 'reset' }, 'switchvox.call');
    const before = pbx.calls().length;
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5551234', timeout: '20' });
    expect(answer.status).to.equal('success');
    expect(answer.state).to.equal('dispatching');
    expect(pbx.calls()).to.have.length(before + 1);
    const doc = (await statusOf(answer.status_url)).body.c2c_status;
    expect(doc.state).to.equal('dispatching');
    expect(doc.response.error).to.include({ code: 'pbx_unreachable' });
    expect(doc.response.error.message).to.contain('may have been placed');
  });

  it('when nobody answers, then pbx_error 41591 with the Switchvox text verbatim', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550000', timeout: '3' });
    expect(answer.status).to.equal('fail');
    expect(answer.errors[0].error.code).to.equal('pbx_error');
    expect(answer.errors[0].error.message).to.contain('Your call failed to connect (Originate failed).').and.contain('41591');
  });

  it('when dial_as is unknown to Switchvox, then dial_as_not_found and no call attempt', async () => {
    const before = pbx.calls().length;
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5551234', dial_as: '4242' });
    expect(answer.errors[0].error.code).to.equal('dial_as_not_found');
    expect(pbx.calls().length).to.equal(before);
  });
});
