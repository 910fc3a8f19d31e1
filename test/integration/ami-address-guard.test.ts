import { expect } from 'chai';
import { pino } from 'pino';
import { parsePbxSettings } from '../../shared/accounts/pbx-settings.js';
import { createAsteriskDriver } from '../../worker/pbx/asterisk/asterisk-driver.js';
import { call, recordingObserver } from '../support/driver-conformance.js';
import { eventually } from '../support/eventually.js';
import { failureOf } from '../support/failure-of.js';
import { startCountingServer, type CountingServer } from '../support/network-fixtures.js';

const silent = pino({ level: 'silent' });
const FAST = { connectTimeoutMs: 500, actionTimeoutMs: 500, reconnectInitialMs: 20, reconnectMaxMs: 100 };

describe('asterisk driver: address guard on the AMI host', () => {
  let listener: CountingServer;
  beforeEach(async () => {
    listener = await startCountingServer();
  });
  afterEach(() => listener.close());

  const driverFor = (host: string, allowPrivateAddresses: boolean) =>
    createAsteriskDriver(parsePbxSettings('asterisk', { host, port: listener.port, username: 'relay', secret: 'relaysecret' }), { logger: silent, allowPrivateAddresses }, FAST);

  for (const host of ['127.0.0.1', 'localhost']) {
    it(`when the host is ${host} and private addresses are not allowed, then pbx_unreachable names the setting and nothing connects`, async () => {
      const driver = driverFor(host, false);
      try {
        const failure = await failureOf(driver.placeCall(call(), recordingObserver()));
        expect(failure).to.deep.include({ code: 'pbx_unreachable', outcomeUnknown: false });
        expect(failure.message).to.contain('ALLOW_PRIVATE_PBX_ADDRESSES');
        const check = await driver.test();
        expect(check.ok).to.equal(false);
        expect(check.detail).to.contain('ALLOW_PRIVATE_PBX_ADDRESSES');
        expect(listener.connections()).to.equal(0);
      } finally {
        await driver.close();
      }
    });
  }

  it('when private addresses are allowed, then the driver connects to the same host', async () => {
    const driver = driverFor('127.0.0.1', true);
    try {
      void driver.test();
      await eventually(() => expect(listener.connections()).to.equal(1));
    } finally {
      await driver.close();
    }
  });
});
