import { expect } from 'chai';
import { pino } from 'pino';
import { parsePbxSettings, type OtherSettings } from '../../shared/accounts/pbx-settings.js';
import { createHttpDriver } from '../../worker/pbx/other/http-driver.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { freePort } from '../doubles/switchvox/switchvox-driver-fixtures.js';
import { call, recordingObserver, runDriverConformance, type ConformanceTarget } from '../support/driver-conformance.js';
import { failureOf } from '../support/failure-of.js';
import { startCountingServer, withEnv } from '../support/network-fixtures.js';

const silent = pino({ level: 'silent' });
const CREDENTIALS = { username: 'relay', password: 'pbx-pass-1' };

function settingsFor(base: string, overrides: Record<string, unknown> = {}): OtherSettings {
  return parsePbxSettings('other', {
    url: `${base}/c2c?from={dial_first}&to={dial_second}&id={request_id}`,
    auth: { type: 'basic', ...CREDENTIALS },
    timeout_ms: 1500,
    ...overrides,
  });
}

async function conformanceTarget(password: string): Promise<ConformanceTarget> {
  const double = await startHttpPbxDouble({ basic: CREDENTIALS });
  return {
    driver: createHttpDriver(settingsFor(double.url, { auth: { type: 'basic', username: 'relay', password } }), { logger: silent, allowPrivateAddresses: true }),
    callRequestsReceived: () => double.requests.length,
    stop: () => double.close(),
  };
}

runDriverConformance('other (HTTP)', {
  start: () => conformanceTarget(CREDENTIALS.password),
  startWithBadCredentials: () => conformanceTarget('wrong'),
  startUnreachable: async () => ({
    driver: createHttpDriver(settingsFor(`http://127.0.0.1:${await freePort()}`), { logger: silent, allowPrivateAddresses: true }),
    callRequestsReceived: () => 0,
    stop: async () => undefined,
  }),
  numbers: { extension: '1001', answers: '5550100', refused: '5550199', refusedMessage: 'ERR 4711: destination barred by PBX' },
});

describe('other driver: a call the PBX may have is never a definite failure', () => {
  let double: HttpPbxDouble;
  beforeEach(async () => {
    double = await startHttpPbxDouble({ basic: CREDENTIALS });
  });
  afterEach(() => double.close());

  const driverFor = (base = double.url, allowPrivateAddresses = true) =>
    createHttpDriver(settingsFor(base), { logger: silent, allowPrivateAddresses });

  const afterSend: [string, string, string][] = [
    ['5550196', 'answers with more than the 64 KB cap', 'larger than 65536 bytes'],
    ['5550195', 'drops the connection in the middle of its answer', 'broke off'],
    ['5550197', 'resets the connection after the request arrived', 'closed the connection'],
  ];
  for (const [number, what, reason] of afterSend) {
    it(`when the PBX ${what}, then outcome-unknown pbx_unreachable, sent once`, async () => {
      const driver = driverFor();
      try {
        const failure = await failureOf(driver.placeCall(call({ dialSecond: number }), recordingObserver()));
        expect(failure.code).to.equal('pbx_unreachable');
        expect(failure.outcomeUnknown, failure.message).to.equal(true);
        expect(failure.message).to.contain(reason).and.contain('may have been placed').and.contain('not retried');
        expect(double.requests.filter((r) => r.url.includes(`to=${number}`))).to.have.length(1);
      } finally {
        await driver.close();
      }
    });
  }

  it('when the PBX answers after timeout_ms, then outcome-unknown pbx_timeout', async () => {
    const driver = driverFor();
    try {
      const failure = await failureOf(driver.placeCall(call({ dialSecond: '5550198' }), recordingObserver()));
      expect(failure).to.deep.include({ code: 'pbx_timeout', outcomeUnknown: true });
    } finally {
      await driver.close();
    }
  });

  it('when a TLS server never finishes the handshake, then the timeout is definite: nothing was written', async () => {
    // Accepts TCP and stays silent: the TLS handshake (and so the request's first byte) never happens.
    const silentServer = await startCountingServer();
    const driver = createHttpDriver(settingsFor(`https://127.0.0.1:${silentServer.port}`, { timeout_ms: 300 }), { logger: silent, allowPrivateAddresses: true });
    try {
      const failure = await failureOf(driver.placeCall(call(), recordingObserver()));
      expect(failure).to.deep.include({ code: 'pbx_unreachable', outcomeUnknown: false });
      expect(failure.message).to.contain('no connection within 300 ms');
      expect(silentServer.connections()).to.equal(1);
    } finally {
      await driver.close();
      await silentServer.close();
    }
  });

  it('when HTTP_PROXY is set in the environment, then the call still goes straight to the PBX', async () => {
    const proxy = await startCountingServer();
    const driver = driverFor();
    try {
      await withEnv({ HTTP_PROXY: `http://127.0.0.1:${proxy.port}`, http_proxy: `http://127.0.0.1:${proxy.port}`, NO_PROXY: '', no_proxy: '' }, async () => {
        await driver.placeCall(call({ dialSecond: '5550100' }), recordingObserver());
      });
      expect(proxy.connections()).to.equal(0);
      expect(double.requests).to.have.length(1);
    } finally {
      await driver.close();
      await proxy.close();
    }
  });

  for (const host of ['127.0.0.1', 'localhost']) {
    it(`when the URL names ${host} and private addresses are not allowed, then pbx_unreachable names the setting and nothing is sent`, async () => {
      const driver = driverFor(`http://${host}:${double.port}`, false);
      try {
        const failure = await failureOf(driver.placeCall(call(), recordingObserver()));
        expect(failure).to.deep.include({ code: 'pbx_unreachable', outcomeUnknown: false });
        expect(failure.message).to.contain('ALLOW_PRIVATE_PBX_ADDRESSES');
        expect((await driver.test()).detail).to.contain('ALLOW_PRIVATE_PBX_ADDRESSES');
        expect(double.requests).to.have.length(0);
      } finally {
        await driver.close();
      }
    });
  }
});

describe('other driver: secrets', () => {
  it('when templates use secret slots, then the PBX gets the values and the recorded request shows REDACTED in each slot', async () => {
    const double = await startHttpPbxDouble({ basic: CREDENTIALS });
    const settings = settingsFor(double.url, {
      method: 'POST',
      url: `${double.url}/t/{secret:path_token}/c2c?to={dial_second}&pwd={secret:pwd}`,
      headers: { 'X-Pin': '{secret:pin}' },
      body: '{"to":"{dial_second}","pin":"{secret:pin}"}',
      secrets: { path_token: 'tok-in-path-77', pwd: 'pwd-secret-88', pin: '990011' },
    });
    const driver = createHttpDriver(settings, { logger: silent, allowPrivateAddresses: true });
    try {
      const observer = recordingObserver();
      await driver.placeCall(call({ dialSecond: '5550100' }), observer);
      const [sent] = double.requests;
      expect(sent?.url).to.equal('/t/tok-in-path-77/c2c?to=5550100&pwd=pwd-secret-88');
      expect(sent?.headers['x-pin']).to.equal('990011');
      expect(JSON.parse(sent?.body ?? '')).to.deep.equal({ to: '5550100', pin: '990011' });
      expect(observer.dispatched).to.deep.equal([
        {
          method: 'POST',
          url: `${double.url}/t/REDACTED/c2c?to=5550100&pwd=REDACTED`,
          headers: { 'X-Pin': 'REDACTED', 'Content-Type': 'application/json', Authorization: 'REDACTED' },
          body: '{"to":"5550100","pin":"REDACTED"}',
        },
      ]);
    } finally {
      await driver.close();
      await double.close();
    }
  });
});
