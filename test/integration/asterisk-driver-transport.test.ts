/** The Asterisk driver's connection: reconnects, timeouts, keep-alive, TLS pinning, secrets kept out of sight. */
import { expect } from 'chai';
import { generate } from 'selfsigned';
import { headerValue } from '../../worker/pbx/asterisk/ami-codec.js';
import { AmiConnection } from '../../worker/pbx/asterisk/ami-connection.js';
import { createAsteriskDriver } from '../../worker/pbx/asterisk/asterisk-driver.js';
import { type AmiDouble, startAmiDouble } from '../doubles/ami/ami-double.js';
import { captureLogs, doubleOptions, FAST, type Rig, settingsFor, startRig } from '../doubles/ami/driver-fixture.js';
import { call, recordingObserver } from '../support/driver-conformance.js';
import { eventually } from '../support/eventually.js';
import { failureOf } from '../support/failure-of.js';

describe('Asterisk driver transport', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('when the PBX drops every connection, then the driver logs in again by itself and the next call works', async () => {
    rig = await startRig();
    await rig.driver.placeCall(call(), recordingObserver());
    rig.double.dropConnections();
    await eventually(() => rig!.double.logins() === 2 && rig!.double.openSessions() === 1);
    await rig.driver.placeCall(call(), recordingObserver());
    expect(rig.double.originates()).to.have.length(2);
  });

  it('when the PBX stops answering, then the Originate fails with pbx_timeout after dispatching', async () => {
    rig = await startRig(doubleOptions(), {}, { ...FAST, actionTimeoutMs: 300 });
    await rig.driver.placeCall(call(), recordingObserver());
    rig.double.stopAnswering();
    const observer = recordingObserver();
    const failure = await failureOf(rig.driver.placeCall(call(), observer));
    expect(failure.code).to.equal('pbx_timeout');
    // The Originate was written: the PBX may be dialing it.
    expect(failure.outcomeUnknown).to.equal(true);
    expect(observer.dispatched).to.have.length(1);
    expect(rig.double.originates()).to.have.length(1);
    expect(rig.double.received()[0]).to.contain(String(observer.dispatched[0]?.ActionID));
  });

  it('when Pings go unanswered, then the driver abandons the session and reconnects once the PBX answers again', async () => {
    rig = await startRig(doubleOptions(), {}, { ...FAST, actionTimeoutMs: 200, pingIntervalMs: 100 });
    await rig.driver.test();
    rig.double.stopAnswering();
    await eventually(() => rig!.double.received().length >= 2);
    rig.double.resumeAnswering();
    await eventually(() => rig!.double.logins() === 2);
    expect((await rig.driver.test()).ok).to.equal(true);
  });

  it('when the credentials are refused, then pbx_auth_failed and no reconnect storm follows', async () => {
    rig = await startRig(doubleOptions(), { secret: 'wrong' });
    expect((await failureOf(rig.driver.placeCall(call(), recordingObserver()))).code).to.equal('pbx_auth_failed');
    await eventually(() => rig!.double.openSessions() === 0);
    const result = await rig.driver.test();
    expect(result).to.deep.include({ ok: false });
    expect(result.detail).to.contain('pbx_auth_failed');
    expect(rig.double.received()).to.have.length(2);
    expect(rig.logs.text()).to.not.contain('wrong');
  });

  it('when the connection user can list an endpoint, then AuthDetail (with its SIP password) never reaches the caller or the logs', async () => {
    const double = await startAmiDouble(doubleOptions({ users: { admin: { secret: 'adminsecret', read: ['all'], write: ['all'] } } }));
    const logs = captureLogs();
    const connection = new AmiConnection({ host: '127.0.0.1', port: double.port, tls: false, username: 'admin', secret: 'adminsecret', logger: logs.logger, allowPrivateAddresses: true });
    try {
      const reply = await connection.send([['Action', 'PJSIPShowEndpoint'], ['Endpoint', '1001']]);
      expect(reply.items.map((m) => headerValue(m, 'Event'))).to.deep.equal(['EndpointDetail', 'AorDetail']);
      expect(JSON.stringify(reply)).to.not.contain('sip-secret-1001');
      expect(logs.text()).to.not.contain('sip-secret-1001').and.not.contain('adminsecret');
    } finally {
      await connection.close();
      await double.close();
    }
  });

  describe('over TLS', () => {
    let ca: Awaited<ReturnType<typeof generate>>;
    let otherCa: Awaited<ReturnType<typeof generate>>;
    let server: Awaited<ReturnType<typeof generate>>;
    let selfSigned: Awaited<ReturnType<typeof generate>>;
    let double: AmiDouble | undefined;

    before(async () => {
      const caOptions = {
        keyType: 'ec' as const,
        algorithm: 'sha256',
        extensions: [
          { name: 'basicConstraints' as const, cA: true },
          { name: 'keyUsage' as const, keyCertSign: true, cRLSign: true, digitalSignature: true },
        ],
      };
      ca = await generate([{ name: 'commonName', value: 'c2c test CA' }], caOptions);
      otherCa = await generate([{ name: 'commonName', value: 'someone else' }], caOptions);
      server = await generate([{ name: 'commonName', value: 'pbx.test' }], {
        keyType: 'ec',
        algorithm: 'sha256',
        ca: { key: ca.private, cert: ca.cert },
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
      });
      // A typical PBX certificate: self-signed, naming a host the relay does not dial.
      selfSigned = await generate([{ name: 'commonName', value: 'asterisk' }], {
        keyType: 'ec',
        algorithm: 'sha256',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'asterisk.local' }] }],
      });
    });
    afterEach(async () => {
      await double?.close();
      double = undefined;
    });

    async function driverFor(keyPair: { key: string; cert: string }, caPem: string) {
      double = await startAmiDouble(doubleOptions({ tls: keyPair }));
      const settings = settingsFor(double.tlsPort ?? 0, { tls: true, ca_pem: caPem });
      return createAsteriskDriver(settings, { logger: captureLogs().logger, allowPrivateAddresses: true }, FAST);
    }

    it('when the PBX certificate chains to the pinned CA, then the driver logs in and places calls', async () => {
      const driver = await driverFor({ key: server.private, cert: server.cert }, ca.cert);
      try {
        expect((await driver.test()).ok).to.equal(true);
        await driver.placeCall(call(), recordingObserver());
        expect(double!.originates()).to.have.length(1);
      } finally {
        await driver.close();
      }
    });

    it('when the PBX certificate does not chain to the pinned CA, then pbx_unreachable and nothing is sent', async () => {
      const driver = await driverFor({ key: server.private, cert: server.cert }, otherCa.cert);
      try {
        expect((await failureOf(driver.placeCall(call(), recordingObserver()))).code).to.equal('pbx_unreachable');
        const result = await driver.test();
        expect(result.ok).to.equal(false);
        expect(result.detail).to.match(/pbx_unreachable.*\(/);
        expect(double!.received().join('')).to.equal('');
      } finally {
        await driver.close();
      }
    });

    it('when the pinned certificate is the self-signed PBX certificate itself, then its host name need not match', async () => {
      const driver = await driverFor({ key: selfSigned.private, cert: selfSigned.cert }, selfSigned.cert);
      try {
        expect((await driver.test()).ok).to.equal(true);
      } finally {
        await driver.close();
      }
    });
  });
});
