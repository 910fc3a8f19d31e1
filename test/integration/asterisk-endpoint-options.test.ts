/**
 * SPEC §10 endpoint settings through the Asterisk driver to the AMI double, judged by what each leg
 * received the way the PBX would have it: channel variables, the SIP headers leg 2's pre-dial
 * handler adds to its INVITE, the music-on-hold class of each leg, and what leg 1 hears while leg 2
 * rings.
 */
import { expect } from 'chai';
import type { EndpointCallSettings } from '../../shared/call-job.js';
import type { PlaceCall } from '../../worker/pbx/pbx-driver.js';
import type { ReceivedCall } from '../doubles/ami/ami-double.js';
import { type AmiDoubleOptions, SIP_HEADER_SUBROUTINE } from '../doubles/ami/ami-double-options.js';
import { doubleOptions, type Rig, startRig } from '../doubles/ami/driver-fixture.js';
import { call, recordingObserver } from '../support/driver-conformance.js';
import { eventually } from '../support/eventually.js';
import { failureOf } from '../support/failure-of.js';

const HOSTILE = 'a,b "q" \\ ^x^ ${EXTEN} $[1+1] (y) ) =z [w] Zoë 😀';

const EVERYTHING: EndpointCallSettings = {
  application_vars: { campaign: 'spring', 'lead-source': HOSTILE },
  sip_headers: { 'X-Campaign': 'spring', 'X-Page': HOSTILE },
  music_on_hold: 'acme-hold',
  ringback: 'tone/ring',
};

/** A plain Asterisk (no FreePBX): endpoint 2001 places calls in `custom-out`; the subroutine is installed. */
const PLAIN: AmiDoubleOptions = doubleOptions({
  extensions: { '2001': { name: 'Pat Plain', context: 'custom-out', freepbx: false } },
  dialplan: { 'custom-out': ['_X.'], [SIP_HEADER_SUBROUTINE]: ['s'] },
});
const PLAIN_SETTINGS = { dial_as_lookup: 'pjsip', channel: 'PJSIP/{dial_first}' } as const;

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

describe('Asterisk endpoint settings (driver to AMI double)', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('when an endpoint has every field, then both legs read its variables byte for byte and nothing else, leg 2 alone gets the headers, both hold its class and leg 1 hears the tone', async () => {
    rig = await startRig();
    const { received, observer } = await placed(rig, { endpoint: EVERYTHING });
    const id = (observer.dispatched[0]?.Variable as string[])[0]?.replace('__C2C_ID=', '');
    for (const leg of [received.leg1, received.leg2]) {
      expect(leg.variables).to.deep.equal({
        C2C_ID: id,
        C2C_APP_campaign: 'spring',
        C2C_APP_lead_source: HOSTILE,
        // The hand-over to the pre-dial subroutine, and FreePBX's own music-on-hold variable.
        C2C_HDR_1_NAME: 'X-Campaign',
        C2C_HDR_1_VALUE: 'spring',
        C2C_HDR_2_NAME: 'X-Page',
        C2C_HDR_2_VALUE: HOSTILE,
        C2C_HDR_COUNT: '2',
        MOHCLASS: 'acme-hold',
      });
      expect(Buffer.from(leg.variables.C2C_APP_lead_source ?? '')).to.deep.equal(Buffer.from(HOSTILE));
      expect(leg.musicClass).to.equal('acme-hold');
    }
    expect(received.leg2.sipHeaders).to.deep.equal([['X-Campaign', 'spring'], ['X-Page', HOSTILE]]);
    expect(received.leg2.preDial).to.deep.include({ context: SIP_HEADER_SUBROUTINE, ran: true });
    expect(received.leg2.preDial?.channel).to.match(/^Local\/5550100@from-internal-[0-9a-f]{8};1$/);
    expect(received.leg1.sipHeaders).to.deep.equal([]);
    expect(received.leg1.preDial).to.equal(undefined);
    expect(received.leg1.ringback).to.deep.equal({ kind: 'tone', tone: 'ring' });
    await eventually(() => observer.events.some((e) => e.event === 'completed'), { timeoutMs: 4000 });
  });

  it('when FreePBX routes leg 2 by an outbound route with its own class, then the endpoint\'s class still holds (MOHCLASS is set)', async () => {
    rig = await startRig(doubleOptions({ freepbxRouteMusicClass: 'route-moh' }));
    const without = await placed(rig, {});
    expect([without.received.leg1.musicClass, without.received.leg2.musicClass]).to.deep.equal(['default', 'route-moh']);
    const withClass = await placed(rig, { endpoint: { music_on_hold: 'acme-hold' } });
    expect([withClass.received.leg1.musicClass, withClass.received.leg2.musicClass]).to.deep.equal(['acme-hold', 'acme-hold']);
  });

  it('when plain Asterisk places an endpoint call with a music class as ringback, then leg 1 hears it while leg 2 rings and both legs hold the endpoint\'s class', async () => {
    rig = await startRig(PLAIN, PLAIN_SETTINGS);
    const { received } = await placed(rig, { dialFirst: '2001', dialAs: '2001', endpoint: { ...EVERYTHING, ringback: 'acme-ringing' } });
    expect(received.leg1.ringback).to.deep.equal({ kind: 'music', musicClass: 'acme-ringing' });
    expect([received.leg1.musicClass, received.leg2.musicClass]).to.deep.equal(['acme-hold', 'acme-hold']);
    expect(received.leg2.sipHeaders).to.deep.equal([['X-Campaign', 'spring'], ['X-Page', HOSTILE]]);
    // Plain Asterisk has no FreePBX MOHCLASS: Asterisk itself carries CHANNEL(musicclass) to leg 2.
    expect(received.leg2.variables).to.not.have.property('MOHCLASS');
  });

  it('when the PBX lacks the SIP-header subroutine, then an endpoint with headers is unsupported_option and nothing is dialed; one without headers still calls', async () => {
    rig = await startRig(doubleOptions({ dialplan: { 'from-internal': ['_X.'], 'originate-skipvm': ['_X.'] } }));
    const observer = recordingObserver();
    const failure = await failureOf(rig.driver.placeCall(call({ endpoint: EVERYTHING }), observer));
    expect(failure.code).to.equal('unsupported_option');
    expect(failure.message).to.contain(`custom_sip_headers.out needs the "${SIP_HEADER_SUBROUTINE}" dialplan context`);
    expect(observer.dispatched).to.have.length(0);
    expect(rig.double.originates()).to.have.length(0);
    expect((await rig.driver.test()).detail).to.contain(`SIP header subroutine ${SIP_HEADER_SUBROUTINE}: absent (custom_sip_headers.out is refused)`);
    const { received } = await placed(rig, { endpoint: { application_vars: { campaign: 'spring' } } });
    expect(received.leg2.variables.C2C_APP_campaign).to.equal('spring');
  });

  it('when the AMI user has no system class, then the endpoint call works: only Getvar checks the subroutine, once a minute', async () => {
    const sandbox = doubleOptions();
    rig = await startRig({ ...sandbox, users: { relay: { secret: 'relaysecret', read: ['call'], write: ['originate', 'reporting'] } } });
    for (let i = 0; i < 2; i++) {
      const { received } = await placed(rig, { endpoint: EVERYTHING });
      expect(received.leg2.sipHeaders).to.have.length(2);
    }
    const getvars = rig.double.actions().filter((a) => a.headers[0]?.[1] === 'Getvar').map((a) => a.headers.find(([n]) => n === 'Variable')?.[1]);
    expect(getvars).to.deep.equal([`DIALPLAN_EXISTS(${SIP_HEADER_SUBROUTINE},s,1)`]);
  });

  for (const seed of [3, 11, 29]) {
    it(`when the events of an endpoint call come in shuffled order (seed ${seed}), then progress still ends completed`, async () => {
      rig = await startRig(doubleOptions({ eventOrder: { seed } }));
      const { observer } = await placed(rig, { endpoint: EVERYTHING });
      await eventually(() => observer.events.some((e) => e.event === 'completed'), { timeoutMs: 4000 });
      expect(observer.events.map((e) => e.event)).to.deep.equal(['first_answered', 'connected', 'completed']);
    });
  }
});
