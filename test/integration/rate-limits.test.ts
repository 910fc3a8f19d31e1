import { expect } from 'chai';
import { startWeb, type WebHandle } from '../../api/main.js';
import { createLogger } from '../../shared/logger.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { LogCapture } from '../support/log-capture.js';
import { eventually } from '../support/eventually.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';

describe('rate limits across API instances', function () {
  this.timeout(20000);
  let relay: Relay;
  let second: WebHandle;
  let pbx: HttpPbxDouble;

  before(async () => {
    relay = await startRelay({ UNAUTHENTICATED_PER_MINUTE: '3' });
    second = await startWeb({ ...relay.config, port: 0 }, createLogger({ level: 'silent', name: 'second' }, new LogCapture()));
    pbx = await startHttpPbxDouble();
  });
  after(async () => {
    await second.shutdown.run();
    await relay.stop();
    await pbx.close();
  });

  async function call(port: number, query: string): Promise<{ retryAfter: string | null; body: any }> {
    const response = await fetch(`http://127.0.0.1:${port}/v1/click2call?${query}`);
    return { retryAfter: response.headers.get('retry-after'), body: ((await response.json()) as any).response };
  }

  it('when an account exceeds rate_per_minute on two instances together, then rate_limited with Retry-After', async () => {
    const { apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}`, timeout_ms: 2000 }, { default_pbx: 'other', rate_per_minute: 3 });
    const query = `api_key=${apiKey}&dial_first=1001&dial_second=5550100&wait=0`;
    const ports = [relay.web.httpPort, second.httpPort, relay.web.httpPort];
    for (const port of ports) expect((await call(port, query)).body.status).to.equal('success');
    const limited = await call(second.httpPort, query);
    expect(limited.body.status).to.equal('fail');
    expect(limited.body.errors[0].error.code).to.equal('rate_limited');
    expect(limited.body.errors[0].error.message).to.match(/retry in \d+ s/);
    expect(Number(limited.retryAfter)).to.be.within(1, 60);
  });

  it('when one address keeps sending bad keys, then it is rate limited per address', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const port = i % 2 === 0 ? relay.web.httpPort : second.httpPort;
      codes.push((await call(port, 'api_key=wrong&dial_first=1&dial_second=2')).body.errors[0].error.code);
    }
    expect(codes).to.deep.equal(['invalid_api_key', 'invalid_api_key', 'invalid_api_key', 'rate_limited', 'rate_limited']);
  });
});

describe('max_concurrent', function () {
  this.timeout(20000);
  it('when an account has max_concurrent calls in progress, then the next is refused until one ends', async () => {
    const relay = await startRelay();
    const pbx = await startHttpPbxDouble({ outcomes: { '5550198': { kind: 'slow', delayMs: 1500 } } });
    try {
      const { apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}`, timeout_ms: 5000 }, { default_pbx: 'other', max_concurrent: 1 });
      const slow = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550198', wait: '0' });
      expect(slow.status).to.equal('success');
      const response = await fetch(`${relay.base}/v1/click2call?api_key=${apiKey}&dial_first=1001&dial_second=5550100`);
      const refused = ((await response.json()) as any).response;
      expect(refused.errors[0].error.code).to.equal('rate_limited');
      expect(refused.errors[0].error.message).to.contain('At most 1 calls may be in progress');
      expect(response.headers.get('retry-after')).to.equal('5');
      await eventually(async () => expect((await statusOf(slow.status_url)).body.c2c_status.state).to.equal('accepted'), { timeoutMs: 5000 });
      await eventually(async () => expect((await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' })).status).to.equal('success'), { timeoutMs: 3000 });
    } finally {
      await relay.stop();
      await pbx.close();
    }
  });
});
