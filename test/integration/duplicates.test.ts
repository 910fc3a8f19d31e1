import { expect } from 'chai';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { startWeb } from '../../api/main.js';
import { createLogger } from '../../shared/logger.js';
import { LogCapture } from '../support/log-capture.js';
import { click2call, provision, startRelay, type Relay } from '../support/relay.js';

describe('never ring twice by accident', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: HttpPbxDouble;
  let apiKey: string;

  before(async () => {
    relay = await startRelay({ RELOAD_WINDOW_SECONDS: '10' });
    pbx = await startHttpPbxDouble();
    ({ apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}&id={request_id}`, timeout_ms: 2000 }, { default_pbx: 'other' }));
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  it('when a pasted URL is reloaded within the window, then the original answer and request_id come back and the PBX is asked once', async () => {
    const params = { api_key: apiKey, dial_first: '1001', dial_second: '5550111' };
    const first = await click2call(relay, params);
    const reload = await click2call(relay, params);
    expect(first.status).to.equal('success');
    expect(reload.request_id).to.equal(first.request_id);
    expect(reload.status_url).to.equal(first.status_url);
    expect(reload.state).to.equal('accepted');
    expect(pbx.requests.filter((r) => r.url.includes('to=5550111'))).to.have.length(1);
    const different = await click2call(relay, { ...params, dial_second: '5550112' });
    expect(different.request_id).to.not.equal(first.request_id);
  });

  it('when an Idempotency-Key repeats, then the original answer comes back; a new key places a new call', async () => {
    const params = { api_key: apiKey, dial_first: '1002', dial_second: '5550113' };
    const first = await click2call(relay, params, { headers: { 'idempotency-key': 'order-42' } });
    const repeat = await click2call(relay, params, { headers: { 'idempotency-key': 'order-42' } });
    expect(repeat.request_id).to.equal(first.request_id);
    const viaParam = await click2call(relay, { ...params, dial_second: '5550114', idempotency_key: 'order-42' });
    expect(viaParam.request_id, 'the key alone identifies the request').to.equal(first.request_id);
    const fresh = await click2call(relay, { ...params, dial_second: '5550115' }, { headers: { 'idempotency-key': 'order-43' } });
    expect(fresh.request_id).to.not.equal(first.request_id);
    expect(pbx.requests.filter((r) => r.url.includes('to=5550113'))).to.have.length(1);
    expect(pbx.requests.filter((r) => r.url.includes('to=5550114'))).to.have.length(0);
  });

  it('when the repeat reaches another API instance, then it still gets the original request', async () => {
    const second = await startWeb({ ...relay.config, port: 0 }, createLogger({ level: 'silent', name: 'second' }, new LogCapture()));
    try {
      const params = new URLSearchParams({ api_key: apiKey, dial_first: '1003', dial_second: '5550116' });
      const first = await click2call(relay, Object.fromEntries(params), { headers: { 'idempotency-key': 'order-77' } });
      const response = await fetch(`http://127.0.0.1:${second.httpPort}/v1/click2call?${params}`, { headers: { 'idempotency-key': 'order-77' } });
      const repeat = ((await response.json()) as any).response;
      expect(repeat.request_id).to.equal(first.request_id);
      expect(pbx.requests.filter((r) => r.url.includes('to=5550116'))).to.have.length(1);
      const pasted = { api_key: apiKey, dial_first: '1003', dial_second: '5550117' };
      const original = await click2call(relay, pasted);
      const reload = await fetch(`http://127.0.0.1:${second.httpPort}/v1/click2call?${new URLSearchParams(pasted)}`);
      expect((((await reload.json()) as any).response).request_id, 'reload window across instances').to.equal(original.request_id);
      expect(pbx.requests.filter((r) => r.url.includes('to=5550117'))).to.have.length(1);
    } finally {
      await second.shutdown.run();
    }
  });
});
