import { expect } from 'chai';
import { createSwitchvoxDriver } from '../../worker/pbx/switchvox/switchvox-driver.js';
import { startSwitchvoxDouble, type Fault } from '../doubles/switchvox/switchvox-double.js';
import { BASE_DOUBLE, failureOf, pairTracker, settingsFor, silent } from '../doubles/switchvox/switchvox-driver-fixtures.js';
import { call, recordingObserver } from '../support/driver-conformance.js';
import { eventually } from '../support/eventually.js';
import { startCountingServer, withEnv } from '../support/network-fixtures.js';

describe('switchvox driver: a call the box may have is never a definite failure', () => {
  const pairs = pairTracker();
  afterEach(() => pairs.closeAll());

  const afterSend: [string, Fault, string, string][] = [
    ['answers with more than the 1 MB cap', { kind: 'oversize', bytes: 2 * 1024 * 1024 }, 'pbx_unreachable', 'larger than 1048576 bytes'],
    ['drops the connection in the middle of its answer', { kind: 'break_off' }, 'pbx_unreachable', 'broke off'],
    ['is behind a proxy that answers 502', { kind: 'gateway', status: 502 }, 'pbx_unreachable', 'HTTP 502'],
    ['is behind a proxy that answers 503', { kind: 'gateway', status: 503 }, 'pbx_unreachable', 'HTTP 503'],
    ['is behind a proxy that answers 504', { kind: 'gateway', status: 504 }, 'pbx_timeout', 'HTTP 504'],
  ];
  for (const [what, fault, code, reason] of afterSend) {
    it(`when the box ${what} after switchvox.call arrived, then outcome-unknown ${code}, sent once`, async () => {
      const t = await pairs.start();
      t.double.injectFault(fault, 'switchvox.call');
      const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(failure.code).to.equal(code);
      expect(failure.outcomeUnknown, failure.message).to.equal(true);
      expect(failure.message).to.contain(reason).and.contain('may have been placed').and.contain('not retried');
      expect(t.double.calls()).to.have.length(1);
    });
  }

  it('when a proxy answers 502 to the dial_as lookup, then it is a definite pbx_error: no call was sent', async () => {
    const t = await pairs.start();
    t.double.injectFault({ kind: 'gateway', status: 502 }, 'switchvox.extensions.getInfo');
    const observer = recordingObserver();
    const failure = await failureOf(t.driver.placeCall(call(), observer));
    expect(failure).to.deep.include({ code: 'pbx_error', outcomeUnknown: false });
    expect(observer.dispatched).to.have.length(0);
    expect(t.double.calls()).to.have.length(0);
  });

  it('when the certificate is not trusted, then the failure is definite: the TLS handshake came before any byte', async () => {
    const t = await pairs.start({ settings: { ca_pem: undefined } });
    const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
    expect(failure).to.deep.include({ code: 'pbx_unreachable', outcomeUnknown: false });
    expect(t.double.requests()).to.have.length(0);
  });

  it('when HTTP_PROXY is set in the environment, then requests still go straight to the box', async () => {
    const proxy = await startCountingServer();
    try {
      const t = await pairs.start({ double: { protocol: 'http' } });
      await withEnv({ HTTP_PROXY: `http://127.0.0.1:${proxy.port}`, http_proxy: `http://127.0.0.1:${proxy.port}`, NO_PROXY: '', no_proxy: '' }, async () => {
        await t.driver.placeCall(call(), recordingObserver());
      });
      expect(proxy.connections()).to.equal(0);
      expect(t.double.calls()).to.have.length(1);
    } finally {
      await proxy.close();
    }
  });
});

describe('switchvox driver: address guard', () => {
  for (const host of ['127.0.0.1', 'localhost']) {
    it(`when the url names ${host} and private addresses are not allowed, then pbx_unreachable names the setting and nothing is sent`, async () => {
      const double = await startSwitchvoxDouble(BASE_DOUBLE);
      const settings = settingsFor(double, { url: double.url.replace('127.0.0.1', host) });
      const driver = createSwitchvoxDriver(settings, { logger: silent, allowPrivateAddresses: false });
      try {
        const failure = await failureOf(driver.placeCall(call(), recordingObserver()));
        expect(failure).to.deep.include({ code: 'pbx_unreachable', outcomeUnknown: false });
        expect(failure.message).to.contain('ALLOW_PRIVATE_PBX_ADDRESSES');
        expect((await driver.test()).detail).to.contain('ALLOW_PRIVATE_PBX_ADDRESSES');
        expect(double.requests()).to.have.length(0);
      } finally {
        await driver.close();
        await double.close();
      }
    });
  }
});

describe('switchvox driver: Digest nonce expiry', () => {
  const pairs = pairTracker();
  afterEach(() => pairs.closeAll());

  it('when a reused nonce has gone stale, then the 401 stale=true is answered once with the fresh nonce and the call is placed once', async () => {
    const lifetimeMs = 500;
    const t = await pairs.start({ double: { auth: 'digest', nonceLifetimeMs: lifetimeMs }, settings: { auth: 'digest' } });
    await t.driver.placeCall(call({ dialFirst: '1001' }), recordingObserver());
    const issued = t.double.requests()[0]!.receivedAt;
    await eventually(() => expect(Date.now() - issued).to.be.above(lifetimeMs + 5));
    const observer = recordingObserver();
    await t.driver.placeCall(call({ dialFirst: '1001', dialSecond: '5557777' }), observer);
    expect(observer.dispatched).to.have.length(1);
    expect(t.double.requests().map((r) => [r.authScheme, r.status])).to.deep.equal([
      ['none', 401],
      ['digest', 200],
      ['digest', 200],
      ['digest', 401],
      ['digest', 200],
    ]);
    // The refused attempt never reached the API: the box placed exactly one call per placeCall.
    expect(t.double.calls().map((c) => c.parameters?.dial_second)).to.deep.equal(['5551234', '5557777']);
  });
});
