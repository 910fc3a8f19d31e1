import { expect } from 'chai';
import { createAsteriskDriver } from '../../worker/pbx/asterisk/asterisk-driver.js';
import { startAmiDouble } from '../doubles/ami/ami-double.js';
import {
  captureLogs,
  doubleOptions,
  FAST,
  type Rig,
  settingsFor,
  startRig,
  unusedPort,
} from '../doubles/ami/driver-fixture.js';
import { call, type ConformanceTarget, recordingObserver, runDriverConformance } from '../support/driver-conformance.js';
import { eventually } from '../support/eventually.js';
import { failureOf } from '../support/failure-of.js';

async function target(secret = 'relaysecret'): Promise<ConformanceTarget> {
  const rig = await startRig(doubleOptions(), { secret });
  return { driver: rig.driver, callRequestsReceived: () => rig.double.originates().length, stop: () => rig.double.close() };
}

runDriverConformance('asterisk', {
  start: () => target(),
  startWithBadCredentials: () => target('wrong-secret'),
  async startUnreachable() {
    const driver = createAsteriskDriver(settingsFor(await unusedPort()), { logger: captureLogs().logger, allowPrivateAddresses: true }, FAST);
    return { driver, callRequestsReceived: () => 0, stop: async () => undefined };
  },
  // `*999` matches no pattern of the double's from-internal context, so Asterisk refuses it.
  numbers: { extension: '1001', answers: '5550199', refused: '*999', refusedMessage: 'Extension does not exist.' },
  unknownExtension: '1999',
});

describe('Asterisk driver over AMI', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('when many calls are placed at once, then they share one login and every ActionID is unique', async () => {
    rig = await startRig();
    const calls = Array.from({ length: 12 }, (_, i) => call({ dialSecond: `555010${i % 10}9` }));
    const results = await Promise.all(calls.map((c) => rig!.driver.placeCall(c, recordingObserver())));
    expect(results).to.have.length(12);
    expect(rig.double.logins()).to.equal(1);
    const ids = rig.double.actions().map((a) => a.headers.find(([n]) => n === 'ActionID')?.[1]);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(rig.double.originates().map((o) => o.actionId)).to.have.length(12);
  });

  it('when a call is sent, then Priority is 1, Timeout is in ms, leg 2 is a Dial of the context, ids derive from the request and pbxData holds no secret', async () => {
    rig = await startRig();
    const observer = recordingObserver();
    const c = call({ dialSecond: '5550100', timeoutSeconds: 17 });
    const accepted = await rig.driver.placeCall(c, observer);
    const [sent] = rig.double.originates();
    expect(sent).to.deep.include({
      priority: '1',
      timeout: '17000',
      async: true,
      context: 'from-internal',
      channel: 'Local/1001@originate-skipvm',
      callerId: '"Alice Example" <1001>',
      channelId: `c2c-${c.requestId}-1`,
      otherChannelId: `c2c-${c.requestId}-2`,
    });
    expect(sent!.variables).to.deep.equal({ __C2C_ID: c.requestId });
    expect(sent).to.deep.include({ application: 'Dial', data: 'Local/5550100@from-internal,17' });
    expect(observer.dispatched[0]).to.include({ Priority: '1', Timeout: '17000', ActionID: sent!.actionId });
    expect(JSON.stringify(observer.dispatched)).to.not.contain('relaysecret');
    expect(accepted.responseData).to.deep.include({ Response: 'Success', Message: 'Originate successfully queued' });
  });

  it('when logging in over plain TCP, then the MD5 challenge keeps the secret off the wire and out of the logs', async () => {
    rig = await startRig();
    expect((await rig.driver.test()).ok).to.equal(true);
    expect(rig.double.received().join('')).to.contain('AuthType: MD5').and.not.contain('relaysecret');
    expect(rig.logs.text()).to.not.contain('relaysecret');
  });

  for (const [field, value] of [
    ['dialSecond', '5551234\r\nAction: Command\r\nCommand: core stop now'],
    ['dialFirst', '1001@evil-context'],
    ['dialAs', '1001,callerid'],
    ['dialSecond', '555\u0000123'],
  ] as const) {
    it(`when ${field} carries ${JSON.stringify(value).slice(0, 24)}…, then the call is refused before any byte is sent`, async () => {
      rig = await startRig();
      const observer = recordingObserver();
      const failure = await failureOf(rig.driver.placeCall(call({ [field]: value }), observer));
      expect(failure.code).to.equal('invalid_request');
      expect(observer.dispatched).to.have.length(0);
      expect(rig.double.received().join('')).to.equal('');
    });
  }

  it('when the PBX hands back a display name with quotes and control characters, then the CallerID stays well-formed', async () => {
    rig = await startRig(doubleOptions({ extensions: { '1001': { name: 'Eve "Boss" <666>\t\\' } } }));
    await rig.driver.placeCall(call(), recordingObserver());
    expect(rig.double.originates()[0]!.callerId).to.equal('"Eve Boss 666" <1001>');
  });

  it('when dial_as is a FreePBX user, then AstDB is asked, the call runs in from-internal as that extension, and the lookup is cached', async () => {
    rig = await startRig(doubleOptions(), { dial_as_lookup: 'freepbx' });
    await rig.driver.placeCall(call({ dialFirst: '1002', dialAs: '1003' }), recordingObserver());
    await rig.driver.placeCall(call({ dialFirst: '1002', dialAs: '1003' }), recordingObserver());
    const lookups = rig.double.actions().filter((a) => !['Originate', 'Login', 'Challenge'].includes(a.headers[0]?.[1] ?? ''));
    expect(lookups.map((a) => a.headers.filter(([n]) => n !== 'ActionID').map(([n, v]) => `${n}: ${v}`))).to.deep.equal([['Action: DBGet', 'Family: AMPUSER', 'Key: 1003/cidname']]);
    expect(rig.double.originates()[1]).to.deep.include({ context: 'from-internal', callerId: '"Carol Example" <1003>', channel: 'Local/1002@originate-skipvm' });
  });

  it('when dial_as is only a plain PJSIP endpoint, then its context and caller ID are used and no FreePBX variable is sent', async () => {
    const options = doubleOptions({
      extensions: { '2001': { name: 'Pat Plain', context: 'internal-pjsip', freepbx: false } },
      dialplan: { 'internal-pjsip': ['_X.'] },
    });
    for (const mode of ['pjsip', 'auto'] as const) {
      rig = await startRig(options, { dial_as_lookup: mode, channel: 'PJSIP/{dial_first}' });
      await rig.driver.placeCall(call({ dialFirst: '2001', dialSecond: '5550100' }), recordingObserver());
      const [sent] = rig.double.originates();
      expect(sent, mode).to.deep.include({ context: 'internal-pjsip', callerId: '"Pat Plain" <2001>', channel: 'PJSIP/2001' });
      expect(sent!.variables, mode).to.deep.equal({ __C2C_ID: sent!.variables.__C2C_ID });
      expect(sent!.data, mode).to.equal('Local/5550100@internal-pjsip,5');
      await rig.stop();
      rig = undefined;
    }
  });

  it('when dial_as lookup is none, then nothing is looked up and the configured context and dial_as are used', async () => {
    rig = await startRig(doubleOptions(), { dial_as_lookup: 'none', caller_id_name: 'Sales' });
    await rig.driver.placeCall(call({ dialAs: '7777' }), recordingObserver());
    expect(rig.double.actions().map((a) => a.headers[0]?.[1])).to.deep.equal(['Challenge', 'Login', 'Originate']);
    expect(rig.double.originates()[0]).to.deep.include({ context: 'from-internal', callerId: '"Sales" <7777>' });
  });

  it('when the AMI user may not run any lookup, then pbx_error names the refusal and nothing is dialed', async () => {
    rig = await startRig(doubleOptions({ users: { relay: { secret: 'relaysecret', read: ['call'], write: ['originate'] } } }));
    const failure = await failureOf(rig.driver.placeCall(call(), recordingObserver()));
    expect(failure.code).to.equal('pbx_error');
    expect(failure.message).to.equal('DBGet: Permission denied');
    expect(rig.double.originates()).to.have.length(0);
    const result = await rig.driver.test();
    expect(result.ok).to.equal(false);
    expect(result.detail).to.contain('Permission denied');
  });

  it('when close() is called, then Logoff is sent and the session ends', async () => {
    rig = await startRig();
    await rig.driver.test();
    await rig.driver.close();
    await eventually(() => rig!.double.openSessions() === 0);
    expect(rig.double.received()[0]).to.match(/Action: Logoff\r\nActionID: c2c-[0-9a-f-]{36}\r\n\r\n$/);
  });

  it('when test() runs against a healthy PBX, then it reports the banner and the lookups it can use', async () => {
    const double = await startAmiDouble(doubleOptions({ bannerVersion: '9.0.0' }));
    const driver = createAsteriskDriver(settingsFor(double.port), { logger: captureLogs().logger, allowPrivateAddresses: true }, FAST);
    try {
      const result = await driver.test();
      expect(result.ok).to.equal(true);
      expect(result.detail).to.contain('Asterisk Call Manager/9.0.0').and.contain('DBGet): ok');
      expect(double.originates()).to.have.length(0);
    } finally {
      await driver.close();
      await double.close();
    }
  });
});
