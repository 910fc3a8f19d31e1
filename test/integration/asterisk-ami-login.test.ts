/** The AMI login never gives the secret away, and a PBX flooding one message cannot grow the relay's memory. */
import { expect } from 'chai';
import { generate } from 'selfsigned';
import { createAsteriskDriver } from '../../worker/pbx/asterisk/asterisk-driver.js';
import { startAmiDouble } from '../doubles/ami/ami-double.js';
import { captureLogs, doubleOptions, FAST, type Rig, settingsFor, startRig } from '../doubles/ami/driver-fixture.js';
import { call, recordingObserver } from '../support/driver-conformance.js';
import { eventually } from '../support/eventually.js';
import { failureOf } from '../support/failure-of.js';

describe('Asterisk AMI login and message caps', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('when the PBX refuses the MD5 challenge over plain TCP, then pbx_auth_failed says how to fix it and the secret stays home', async () => {
    rig = await startRig(doubleOptions({ refuseMd5Challenge: true }));
    const failure = await failureOf(rig.driver.placeCall(call(), recordingObserver()));
    expect(failure.code).to.equal('pbx_auth_failed');
    expect(failure.message).to.match(/refused the MD5 challenge/).and.match(/Enable TLS/).and.match(/allow MD5/);
    const result = await rig.driver.test();
    expect(result.ok).to.equal(false);
    expect(result.detail).to.contain('pbx_auth_failed').and.contain('MD5');
    const wire = rig.double.received().join('');
    expect(wire).to.contain('Action: Challenge');
    expect(wire).to.not.contain('relaysecret').and.not.contain('Action: Login');
    expect(rig.double.originates()).to.have.length(0);
  });

  it('when the PBX refuses the MD5 challenge but the connection is TLS, then the plain Secret login over TLS works', async () => {
    const pbx = await generate([{ name: 'commonName', value: 'asterisk' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const double = await startAmiDouble(doubleOptions({ refuseMd5Challenge: true, tls: { key: pbx.private, cert: pbx.cert } }));
    const logs = captureLogs();
    const settings = settingsFor(double.tlsPort ?? 0, { tls: true, ca_pem: pbx.cert });
    const driver = createAsteriskDriver(settings, { logger: logs.logger, allowPrivateAddresses: true }, FAST);
    const stop = async () => {
      await driver.close();
      await double.close();
    };
    rig = { double, driver, logs, stop };
    expect((await rig.driver.test()).ok).to.equal(true);
    await rig.driver.placeCall(call(), recordingObserver());
    expect(rig.double.originates()).to.have.length(1);
  });

  it('when the PBX sends one message with more headers than the cap, then the driver drops that connection and logs in again', async () => {
    rig = await startRig();
    expect((await rig.driver.test()).ok).to.equal(true);
    rig.double.injectRaw(`Event: Flood\r\n${'ChanVariable: X=1\r\n'.repeat(600)}\r\n`);
    await eventually(() => rig!.double.logins() === 2);
    expect((await rig.driver.test()).ok).to.equal(true);
  });
});
