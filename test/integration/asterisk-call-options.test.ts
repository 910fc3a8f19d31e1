/**
 * SPEC §8 call options through the Asterisk driver to the AMI double, judged by what each leg
 * received the way the PBX would have it: caller IDs per leg (and whom FreePBX takes as the
 * caller), C2C_PAGE/C2C_REF, the warning prompts and the recording, and leg 2's ring bound.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { PlaceCall } from '../../worker/pbx/pbx-driver.js';
import type { ReceivedCall } from '../doubles/ami/ami-double.js';
import { type AmiDoubleOptions, sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { doubleOptions, type Rig, startRig } from '../doubles/ami/driver-fixture.js';
import { call, recordingObserver } from '../support/driver-conformance.js';
import { eventually } from '../support/eventually.js';
import { failureOf } from '../support/failure-of.js';

const HOSTILE_PAGE = 'https://shop.example/a,b?x="1"\\y(z)${EXTEN}';

/** The sandbox's FreePBX users, Alice (1001) with an Outbound CID. */
const EXTENSIONS = { ...sandboxAmiOptions().extensions, '1001': { name: 'Alice Example', context: 'from-internal', outboundCid: '"Acme" <+15550009999>' } };

/** A plain Asterisk (no FreePBX): endpoint 2001 places calls in a context whose dialplan rings for a minute. */
const PLAIN: AmiDoubleOptions = doubleOptions({
  extensions: { '2001': { name: 'Pat Plain', context: 'custom-out', freepbx: false } },
  dialplan: { 'custom-out': ['_X.'], 'c2c-relay-record': ['s'] },
  contextRingMs: { 'custom-out': 60_000 },
});

async function placed(rig: Rig, asked: Partial<PlaceCall>) {
  const observer = recordingObserver();
  const accepted = await rig.driver.placeCall(call({ dialSecond: '5550100', timeoutSeconds: 5, ...asked }), observer);
  const actionId = observer.dispatched[0]?.ActionID;
  const received = await eventually(() => {
    const ours = rig.double.calls().find((c) => c.actionId === actionId);
    if (!ours?.leg2) throw new Error('leg 2 not dialed yet');
    return ours as ReceivedCall & { leg2: NonNullable<ReceivedCall['leg2']> };
  });
  return { accepted, observer, received };
}

describe('Asterisk call options (driver to AMI double)', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  const freepbxCases: [string, Partial<PlaceCall>, string, string][] = [
    // options, the number leg 1's phone shows, the number leg 2 leaves with
    ['no caller ID option (as before)', {}, '1001', '+15550009999'],
    ['first_callerid', { firstCallerId: '5550100' }, '5550100', '+15550009999'],
    ['second_callerid', { secondCallerId: '+15550001111' }, '1001', '+15550001111'],
    ['both caller IDs', { firstCallerId: '5550100', secondCallerId: '+15550001111' }, '5550100', '+15550001111'],
  ];
  for (const [name, asked, leg1Shows, leg2Sends] of freepbxCases) {
    it(`when FreePBX places a call with ${name}, then leg 1 shows ${leg1Shows}, FreePBX takes dial_as as leg 2's caller and sends ${leg2Sends}`, async () => {
      rig = await startRig(doubleOptions({ extensions: EXTENSIONS }));
      const { received } = await placed(rig, { dialFirst: '1002', dialAs: '1001', ...asked });
      expect(received.leg1.freepbx?.callerIdNum).to.equal(leg1Shows);
      expect(received.leg2.freepbx).to.deep.equal({ user: '1001', callerIdNum: leg2Sends });
      expect(received.leg2.context).to.equal('from-internal');
    });
  }

  it('when plain Asterisk places a call with both caller IDs, then leg 1 shows first_callerid and leg 2 goes out with second_callerid from the endpoint context', async () => {
    rig = await startRig(PLAIN, { dial_as_lookup: 'pjsip', channel: 'PJSIP/{dial_first}' });
    const before = await placed(rig, { dialFirst: '2001', dialAs: '2001' });
    expect(before.received.leg1).to.include({ callerIdNum: '2001', callerIdName: 'Pat Plain' });
    expect(before.received.leg2).to.include({ callerIdNum: '2001', callerIdName: 'Pat Plain', context: 'custom-out' });
    const both = await placed(rig, { dialFirst: '2001', dialAs: '2001', firstCallerId: '5550100', secondCallerId: '+15550001111' });
    expect(both.received.leg1).to.include({ callerIdNum: '5550100' });
    expect(both.received.leg2).to.include({ callerIdNum: '+15550001111', context: 'custom-out', exten: '5550100' });
    expect(both.received.leg2.freepbx).to.equal(undefined);
  });

  it('when page and ref carry commas, quotes, backslashes, parentheses and ${…}, then both legs read them byte for byte and no other variable', async () => {
    rig = await startRig();
    for (const [page, ref] of [[HOSTILE_PAGE, 'crm,"42"\\(x)'], ['Zoë, ü "😀" \\', ' ']]) {
      const { received, observer } = await placed(rig, { page, ref });
      const id = (observer.dispatched[0]?.Variable as string[])[0]?.replace('__C2C_ID=', '');
      for (const leg of [received.leg1, received.leg2]) {
        expect(leg.variables).to.deep.equal({ C2C_ID: id, C2C_PAGE: page, C2C_REF: ref });
        expect(Buffer.from(leg.variables.C2C_PAGE ?? '')).to.deep.equal(Buffer.from(page as string));
      }
    }
  });

  it('when the call is recorded with each warning, then the prompt reaches the chosen parties before the bridge and MixMonitor records the answered leg 2', async () => {
    rig = await startRig();
    const cases: [0 | 1 | 2 | 3, string[], string[]][] = [
      [0, [], []],
      [1, ['conf-now-recording'], ['conf-now-recording']],
      [2, ['conf-now-recording'], []],
      [3, [], ['conf-now-recording']],
    ];
    for (const [warning, leg1, leg2] of cases) {
      const requestId = randomUUID();
      const { accepted, observer } = await placed(rig, { requestId, record: { warning } });
      const path = `/var/spool/asterisk/monitor/c2c-${requestId}.wav`;
      expect(accepted.responseData).to.deep.include({ Response: 'Success', recording: { path, state: 'requested' } });
      const received = await eventually(() => rig!.double.calls().find((c) => c.recording && c.recording.file === path) ?? Promise.reject(new Error('no recording')));
      expect(received.leg1.prompts, `warning ${warning}, leg 1`).to.deep.equal(leg1);
      expect(received.leg2?.prompts, `warning ${warning}, leg 2`).to.deep.equal(leg2);
      // MixMonitor runs on leg 2's answered channel and records only while the parties are bridged.
      expect(received.recording?.options).to.equal('b');
      expect(received.recording?.channel).to.match(/^Local\/5550100@from-internal-[0-9a-f]{8};1$/);
      await eventually(() => observer.events.some((e) => e.event === 'completed'), { timeoutMs: 4000 });
      expect(received.recording?.state).to.equal('stopped');
    }
  });

  it('when the AMI user has no system class, then recording still works: only Getvar checks the subroutine', async () => {
    const sandbox = doubleOptions();
    rig = await startRig({ ...sandbox, users: { relay: { secret: 'relaysecret', read: ['call'], write: ['originate', 'reporting'] } } });
    const { received } = await placed(rig, { record: { warning: 1 } });
    await eventually(() => received.recording?.state === 'recording' || received.recording?.state === 'stopped');
    const getvars = rig.double.actions().filter((a) => a.headers[0]?.[1] === 'Getvar').map((a) => a.headers.find(([n]) => n === 'Variable')?.[1]);
    expect(getvars).to.deep.equal(['DIALPLAN_EXISTS(c2c-relay-record,s,1)']);
  });

  it('when the PBX lacks the recording subroutine, then record is unsupported_option and nothing is dialed; test() says so', async () => {
    const sandbox = doubleOptions();
    rig = await startRig({ ...sandbox, recordingSubroutine: undefined, dialplan: { 'from-internal': ['_X.'], 'originate-skipvm': ['_X.'] } });
    const observer = recordingObserver();
    const failure = await failureOf(rig.driver.placeCall(call({ record: { warning: 1 } }), observer));
    expect(failure.code).to.equal('unsupported_option');
    expect(failure.message).to.contain('"c2c-relay-record" dialplan context');
    expect(observer.dispatched).to.have.length(0);
    expect(rig.double.originates()).to.have.length(0);
    expect((await rig.driver.test()).detail).to.contain('recording subroutine c2c-relay-record: absent');
  });

  it('when the connection names its own recording directory, format and prompt, then the Originate and the reported path follow them', async () => {
    rig = await startRig(doubleOptions(), { recording_dir: '/srv/calls', recording_format: 'gsm', recording_warning: 'custom/rec-notice' });
    expect((await rig.driver.test()).detail).to.contain('recording subroutine c2c-relay-record: present');
    const requestId = randomUUID();
    const { accepted, received } = await placed(rig, { requestId, record: { warning: 3 } });
    expect(accepted.responseData).to.deep.include({ recording: { path: `/srv/calls/c2c-${requestId}.gsm`, state: 'requested' } });
    await eventually(() => received.recording !== undefined);
    expect(received.leg2.prompts).to.deep.equal(['custom/rec-notice']);
    // The subroutine picks the directory: the double's is Asterisk's default monitor directory.
    expect(received.recording?.file).to.equal(`/var/spool/asterisk/monitor/c2c-${requestId}.gsm`);
  });

  for (const [name, options, settings] of [
    ['a plain Asterisk context that rings for a minute', PLAIN, { dial_as_lookup: 'pjsip', channel: 'PJSIP/{dial_first}' }],
    ['FreePBX, whose trunks ring TRUNK_RING_TIMER = 300 s', doubleOptions(), {}],
  ] as const) {
    it(`when leg 2 never answers on ${name}, then it gives up after timeout`, async () => {
      rig = await startRig({ ...options, leg2Outcomes: { '5550101': { kind: 'noanswer' } } }, settings);
      const started = Date.now();
      const dialFirst = options === PLAIN ? '2001' : '1001';
      const { received, observer } = await placed(rig, { dialFirst, dialAs: dialFirst, dialSecond: '5550101', timeoutSeconds: 1 });
      expect(received.leg2.ringLimitMs).to.equal(1000);
      await eventually(() => observer.events.some((e) => e.event === 'no_answer'), { timeoutMs: 4000 });
      expect(Date.now() - started).to.be.within(900, 3000);
      expect(observer.events).to.deep.equal([{ event: 'first_answered', leg: 1 }, { event: 'no_answer', leg: 2, cause: '19 User alerting, no answer' }]);
    });
  }
});
