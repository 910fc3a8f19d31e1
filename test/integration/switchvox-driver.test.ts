import { expect } from 'chai';
import { createSwitchvoxDriver } from '../../worker/pbx/switchvox/switchvox-driver.js';
import { startSwitchvoxDouble } from '../doubles/switchvox/switchvox-double.js';
import {
  BASE_DOUBLE,
  NUMBERS,
  ORIGINATE_FAILED,
  failureOf,
  freePort,
  pairTracker,
  settingsFor,
  silent,
} from '../doubles/switchvox/switchvox-driver-fixtures.js';
import { call, recordingObserver, runDriverConformance, type ConformanceTarget } from '../support/driver-conformance.js';
import { eventually } from '../support/eventually.js';

async function conformanceTarget(password: string): Promise<ConformanceTarget> {
  const double = await startSwitchvoxDouble(BASE_DOUBLE);
  return {
    driver: createSwitchvoxDriver(settingsFor(double, { password }), { logger: silent, allowPrivateAddresses: true }),
    callRequestsReceived: () => double.calls().length,
    stop: () => double.close(),
  };
}

runDriverConformance('switchvox', {
  start: () => conformanceTarget('admin-secret'),
  startWithBadCredentials: () => conformanceTarget('wrong'),
  startUnreachable: async () => ({
    driver: createSwitchvoxDriver(
      { url: `https://127.0.0.1:${await freePort()}`, username: 'admin', password: 'x', tls_verify: true, auth: 'auto' },
      { logger: silent, allowPrivateAddresses: true },
    ),
    callRequestsReceived: () => 0,
    stop: async () => undefined,
  }),
  numbers: { extension: '1001', answers: '5551234', refused: NUMBERS.refused, refusedMessage: ORIGINATE_FAILED },
  unknownExtension: '7777',
});

describe('switchvox driver: calls', () => {
  const pairs = pairTracker();
  afterEach(() => pairs.closeAll());

  describe('dial_as', () => {
    it('when two calls share dial_as, then getInfo runs once and the account id is sent', async () => {
      const t = await pairs.start();
      await t.driver.placeCall(call({ dialFirst: '1001' }), recordingObserver());
      await t.driver.placeCall(call({ dialFirst: '1001', dialSecond: '5553333' }), recordingObserver());
      const methods = t.double.requests().filter((r) => r.authenticated).map((r) => r.method);
      expect(methods).to.deep.equal(['switchvox.extensions.getInfo', 'switchvox.call', 'switchvox.call']);
      expect(t.double.calls().map((c) => c.parameters?.dial_as_account_id)).to.deep.equal(['1107', '1107']);
    });

    it('when the cache entry has expired, then the extension is looked up again', async () => {
      const t = await pairs.start({ tuning: { accountTtlMs: 1 } });
      await t.driver.placeCall(call({ dialFirst: '1001' }), recordingObserver());
      await eventually(() => Date.now() > t.double.requests()[0]!.receivedAt + 5);
      await t.driver.placeCall(call({ dialFirst: '1001' }), recordingObserver());
      expect(t.double.requests().filter((r) => r.method === 'switchvox.extensions.getInfo')).to.have.length(2);
    });

    it('when dial_as differs from dial_first, then the dial_as account is used', async () => {
      const t = await pairs.start();
      await t.driver.placeCall(call({ dialFirst: '1001', dialAs: '101' }), recordingObserver());
      expect(t.double.calls()[0]?.parameters?.dial_as_account_id).to.equal('1106');
    });

    for (const emptyGetInfo of ['object', 'string', 'absent'] as const) {
      it(`when getInfo finds nothing (empty shape ${emptyGetInfo}), then dial_as_not_found before dispatching`, async () => {
        const t = await pairs.start({ double: { emptyGetInfo } });
        const observer = recordingObserver();
        const failure = await failureOf(t.driver.placeCall(call({ dialAs: '4040' }), observer));
        expect(failure.code).to.equal('dial_as_not_found');
        expect(failure.message).to.contain('4040');
        expect(observer.dispatched).to.have.length(0);
        expect(t.double.calls()).to.have.length(0);
      });
    }

    it('when the PBX calls the extension invalid (10010), then dial_as_not_found with its message', async () => {
      const t = await pairs.start();
      const failure = await failureOf(t.driver.placeCall(call({ dialAs: '+4040' }), recordingObserver()));
      expect(failure.code).to.equal('dial_as_not_found');
      expect(failure.message).to.equal('Invalid extension (+4040). Extensions may only contain digits or *. (code 10010)');
    });

    it('when the call fails with an account error, then the cached account id is dropped', async () => {
      const t = await pairs.start({ double: { scripts: { '5556666': { outcome: 'error', code: '84711', message: 'That account_id is invalid.' } } } });
      const failure = await failureOf(t.driver.placeCall(call({ dialFirst: '1001', dialSecond: '5556666' }), recordingObserver()));
      expect(failure.message).to.equal('That account_id is invalid. (code 84711)');
      await t.driver.placeCall(call({ dialFirst: '1001' }), recordingObserver());
      expect(t.double.requests().filter((r) => r.method === 'switchvox.extensions.getInfo')).to.have.length(2);
    });
  });

  describe('the call request', () => {
    it('when a call is dispatched, then the body sent is the recorded pbxData with exactly the documented parameters', async () => {
      const t = await pairs.start();
      const observer = recordingObserver();
      const placed = call({ dialFirst: '1001', dialSecond: '0015554578299', timeoutSeconds: 25 });
      const accepted = await t.driver.placeCall(placed, observer);
      const [sent] = t.double.calls();
      expect(JSON.parse(sent!.body)).to.deep.equal(observer.dispatched[0]);
      expect(observer.dispatched[0]).to.deep.equal({
        request: {
          method: 'switchvox.call',
          parameters: { dial_first: '1001', dial_second: '0015554578299', dial_as_account_id: '1107', timeout: '25' },
          transaction_id: placed.requestId,
        },
      });
      expect(sent!.body).to.not.contain('admin-secret');
      expect(sent!.headers['content-type']).to.equal('application/json');
      expect(accepted.responseData).to.deep.include({ response: { method: 'switchvox.call', transaction_id: placed.requestId, result: { call_info: { dialed_first: '1001', dialed_second: '0015554578299', variables: {} } } } });
    });

    it('when the first leg does not answer, then 41591 comes back after the ring timeout as pbx_error', async () => {
      const t = await pairs.start({ double: { timeScale: 0.05 } });
      const started = Date.now();
      const failure = await failureOf(t.driver.placeCall(call({ dialFirst: NUMBERS.noAnswer, dialAs: '1001', timeoutSeconds: 4 }), recordingObserver()));
      expect(Date.now() - started).to.be.at.least(180);
      expect(failure.code).to.equal('pbx_error');
      expect(failure.message).to.equal(`${ORIGINATE_FAILED} (code 41591)`);
      const response = (failure.responseData as { response: Record<string, unknown> }).response;
      expect(response.errors).to.deep.equal({ error: { code: '41591', message: ORIGINATE_FAILED } });
    });

    it('when the first leg answers late but within the ring time, then placeCall resolves and reports first_answered', async () => {
      const t = await pairs.start({ double: { timeScale: 0.01 } });
      const observer = recordingObserver();
      const started = Date.now();
      await t.driver.placeCall(call({ dialFirst: NUMBERS.slow, dialAs: '1001', timeoutSeconds: 30 }), observer);
      expect(Date.now() - started).to.be.at.least(180);
      await eventually(() => expect(observer.events).to.deep.equal([{ event: 'first_answered', leg: 1 }]));
    });

    it('when the connection is reset after the call request arrived, then it is not retried', async () => {
      const t = await pairs.start();
      t.double.injectFault({ kind: 'reset' }, 'switchvox.call');
      const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(failure.code).to.equal('pbx_unreachable');
      expect(failure.message).to.contain('may have been placed');
      expect(failure.outcomeUnknown).to.equal(true);
      expect(t.double.calls()).to.have.length(1);
      await t.driver.placeCall(call(), recordingObserver());
      expect(t.double.calls()).to.have.length(2);
    });

    it('when the PBX does not answer within timeout + margin, then pbx_timeout and no retry', async () => {
      const t = await pairs.start({ tuning: { callMarginSeconds: 0.2 } });
      t.double.injectFault({ kind: 'delay', ms: 5_000 }, 'switchvox.call');
      const failure = await failureOf(t.driver.placeCall(call({ timeoutSeconds: 1 }), recordingObserver()));
      expect(failure.code).to.equal('pbx_timeout');
      expect(failure.message).to.contain('not retried');
      expect(failure.outcomeUnknown).to.equal(true);
      expect(t.double.calls()).to.have.length(1);
    });

    it('when the answer is truncated JSON, then pbx_error says it could not be read', async () => {
      const t = await pairs.start();
      t.double.injectFault({ kind: 'truncated_json' }, 'switchvox.call');
      const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(failure.code).to.equal('pbx_error');
      expect(failure.message).to.contain('could not be read: the answer is not valid JSON');
    });

    it('when the PBX answers HTTP 500 with HTML, then pbx_error names the status', async () => {
      const t = await pairs.start();
      t.double.injectFault({ kind: 'http_500' }, 'switchvox.call');
      const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(failure.code).to.equal('pbx_error');
      expect(failure.message).to.equal('The PBX answered the call request with HTTP 500.');
      expect(failure.responseData).to.deep.include({ http_status: 500 });
    });

    it('when the box renders numbers, shuffles keys and pretty-prints, then the call still works', async () => {
      const t = await pairs.start({ double: { numericScalars: true, shuffleKeys: true, pretty: true } });
      const accepted = await t.driver.placeCall(call({ dialFirst: '101', dialSecond: '5554578299' }), recordingObserver());
      const response = (accepted.responseData as { response: Record<string, unknown> }).response;
      expect(response.result).to.deep.equal({ call_info: { dialed_first: 101, dialed_second: 95554578299, variables: {} } });
    });

    it('when the lookup answers with an unexpected API error, then pbx_error carries the PBX text', async () => {
      const t = await pairs.start({ double: { users: [{ username: 'admin', password: 'admin-secret', role: 'extension' }] } });
      const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(failure.code).to.equal('pbx_error');
      expect(failure.message).to.equal('You do not have access to this method. [invented by the double] (code 99002)');
    });
  });
});
