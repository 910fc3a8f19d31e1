/** SPEC §8 `wait_for`: the answer waits for leg 1 answered or both legs connected (or a failure), bounded by `wait`. */
import { expect } from 'chai';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { click2call, provision, startRelay, type Relay } from '../support/relay.js';

describe('blocking answers (wait_for) with Asterisk', function () {
  this.timeout(20000);
  let relay: Relay;
  let ami: AmiDouble;
  let apiKey: string;

  before(async () => {
    relay = await startRelay();
    const options = sandboxAmiOptions();
    // Leg 1 rings 300 ms, leg 2 answers and talks for 3 s: every state is reached at a distinct time.
    const leg2Outcomes = { ...options.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 3000 }, '5550111': { kind: 'answer', ringMs: 4000, holdMs: 500 } } as const;
    ami = await startAmiDouble({ ...options, leg2Outcomes, timing: { ringMs: 300, holdMs: 3000 } });
    ({ apiKey } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' }));
  });
  after(async () => {
    await relay.stop();
    await ami.close();
  });

  it('when no wait_for is given, then the answer is the PBX verdict (accepted) while leg 1 still rings', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
    expect(answer).to.include({ status: 'success', state: 'accepted' });
  });

  it('when wait_for=answered, then the answer comes once leg 1 has answered', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', wait_for: 'answered' });
    expect(answer.status).to.equal('success');
    expect(answer.state).to.be.oneOf(['first_answered', 'connected']);
  });

  it('when wait_for=connected, then the answer comes once both legs are up', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', wait_for: 'connected' });
    expect(answer).to.include({ status: 'success', state: 'connected' });
  });

  it('when the awaited state cannot come (leg 2 busy), then the answer is the failure, on its leg', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550102', wait_for: 'connected' });
    expect(answer.state).to.equal('busy');
    // The PBX accepted the call request: busy is the call's outcome, not a failed request.
    expect(answer.status).to.equal('success');
  });

  it('when the bound passes before the awaited state, then the answer says where the call is, never fail', async () => {
    // Leg 2 rings for 4 s: past the 1 s bound, leg 1 has answered and leg 2 still rings.
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550111', wait_for: 'connected', wait: '1' });
    expect(answer).to.include({ status: 'success', state: 'first_answered' });
  });
});
