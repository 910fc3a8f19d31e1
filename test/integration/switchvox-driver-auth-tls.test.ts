import { expect } from 'chai';
import { pino } from 'pino';
import { generateSwitchvoxCertificates } from '../doubles/switchvox/switchvox-certs.js';
import { failureOf, pairTracker } from '../doubles/switchvox/switchvox-driver-fixtures.js';
import { call, recordingObserver } from '../support/driver-conformance.js';

describe('switchvox driver: authentication and TLS', () => {
  const pairs = pairTracker();
  afterEach(() => pairs.closeAll());

  describe('authentication', () => {
    it('when auth is basic, then every request carries preemptive Basic credentials', async () => {
      const t = await pairs.start({ settings: { auth: 'basic' } });
      await t.driver.placeCall(call({ dialFirst: '1001' }), recordingObserver());
      expect(t.double.requests().map((r) => [r.authScheme, r.status])).to.deep.equal([
        ['basic', 200],
        ['basic', 200],
      ]);
    });

    for (const digestQop of [true, false]) {
      it(`when auth is digest (qop ${digestQop ? 'auth' : 'absent'}), then the challenge is answered once and its nonce reused`, async () => {
        const t = await pairs.start({ double: { auth: 'digest', digestQop }, settings: { auth: 'digest' } });
        await t.driver.placeCall(call({ dialFirst: '1001' }), recordingObserver());
        await t.driver.placeCall(call({ dialFirst: '1001', dialSecond: '5557777' }), recordingObserver());
        expect(t.double.requests().map((r) => [r.authScheme, r.method, r.status])).to.deep.equal([
          ['none', undefined, 401],
          ['digest', 'switchvox.extensions.getInfo', 200],
          ['digest', 'switchvox.call', 200],
          ['digest', 'switchvox.call', 200],
        ]);
      });
    }

    for (const mode of ['basic', 'digest'] as const) {
      it(`when auth is auto and the box speaks ${mode}, then the scheme is detected once and remembered`, async () => {
        const t = await pairs.start({ double: { auth: mode }, settings: { auth: 'auto' } });
        await t.driver.placeCall(call({ dialFirst: '1001' }), recordingObserver());
        await t.driver.placeCall(call({ dialFirst: '101' }), recordingObserver());
        expect(t.double.requests().map((r) => r.authScheme)).to.deep.equal(['none', mode, mode, mode, mode]);
        expect((await t.driver.test()).detail).to.contain(mode === 'basic' ? 'Basic' : 'Digest');
      });
    }

    it('when auth is basic but the box wants Digest, then pbx_auth_failed says so and no call is placed', async () => {
      const t = await pairs.start({ double: { auth: 'digest' }, settings: { auth: 'basic' } });
      const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(failure.code).to.equal('pbx_auth_failed');
      expect(failure.message).to.contain('asks for Digest').and.contain('block');
      expect(t.double.calls()).to.have.length(0);
    });

    it('when the box answers wrong credentials with 401, then pbx_auth_failed after a single answered challenge', async () => {
      const t = await pairs.start({ double: { wrongCredentialsStatus: 401 }, settings: { password: 'wrong' } });
      const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(failure.code).to.equal('pbx_auth_failed');
      expect(failure.message).to.contain('HTTP 401');
      expect(t.double.requests().map((r) => r.authScheme)).to.deep.equal(['none', 'basic']);
    });

    it('when a login was just refused, then the next call fails fast without knocking again', async () => {
      const t = await pairs.start({ double: { blockAfterFailedLogins: 2 }, settings: { password: 'wrong', auth: 'basic' } });
      await failureOf(t.driver.placeCall(call(), recordingObserver()));
      const second = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(second.code).to.equal('pbx_auth_failed');
      expect(second.message).to.contain('not trying again');
      expect(t.double.requests()).to.have.length(1);
    });

    it('when the login is an extension user, then test() says the lookup is not permitted', async () => {
      const t = await pairs.start({ settings: { username: '101', password: 'ext-secret' } });
      const result = await t.driver.test();
      expect(result.ok).to.equal(false);
      expect(result.detail).to.contain('Manage Extensions').and.contain('[invented by the double]');
    });
  });

  describe('TLS', () => {
    it('when ca_pem pins the box CA and the certificate name does not match, then calls work and test() says pinned', async () => {
      const t = await pairs.start();
      await t.driver.placeCall(call(), recordingObserver());
      const result = await t.driver.test();
      expect(result).to.deep.include({ ok: true });
      expect(result.detail).to.contain('pinned CA');
    });

    it('when ca_pem holds another box CA, then pbx_unreachable names the pinned CA and nothing is sent', async () => {
      const other = await generateSwitchvoxCertificates();
      const t = await pairs.start({ settings: { ca_pem: other.caPem } });
      const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(failure.code).to.equal('pbx_unreachable');
      expect(failure.message).to.contain('certificate not trusted: it is not signed by the CA pinned in ca_pem');
      expect(t.double.requests()).to.have.length(0);
    });

    it('when no CA is pinned, then pbx_unreachable and test() advise pinning the PBX CA', async () => {
      const t = await pairs.start({ settings: { ca_pem: undefined } });
      const failure = await failureOf(t.driver.placeCall(call(), recordingObserver()));
      expect(failure.code).to.equal('pbx_unreachable');
      expect(failure.message).to.contain('certificate not trusted: pin the PBX CA in ca_pem');
      const result = await t.driver.test();
      expect(result.ok).to.equal(false);
      expect(result.detail).to.contain('pin the PBX CA in ca_pem');
    });

    it('when tls_verify is false, then calls work and one warning is logged per driver', async () => {
      const lines: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
      const t = await pairs.start({ settings: { tls_verify: false, ca_pem: undefined }, logger });
      await t.driver.placeCall(call(), recordingObserver());
      await t.driver.placeCall(call(), recordingObserver());
      const warnings = lines
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((line) => line.msg.includes('tls_verify'));
      expect(warnings).to.have.length(1);
      expect(warnings[0]?.level).to.equal(40);
    });
  });
});
