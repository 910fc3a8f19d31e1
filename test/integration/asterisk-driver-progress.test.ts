/** Call progress reported by the Asterisk driver, for every leg-1 and leg-2 outcome the double scripts, in any event order. */
import { expect } from 'chai';
import type { AsteriskSettings } from '../../shared/accounts/pbx-settings.js';
import { LEG1_GAVE_UP } from '../../worker/pbx/asterisk/call-verdict.js';
import type { CallEvent, PlaceCall } from '../../worker/pbx/pbx-driver.js';
import { type AmiDoubleOptions, RECOMMENDED_EVENT_FILTERS } from '../doubles/ami/ami-double-options.js';
import { doubleOptions, FAST, type Rig, startRig } from '../doubles/ami/driver-fixture.js';
import { call, recordingObserver } from '../support/driver-conformance.js';
import { eventually } from '../support/eventually.js';

const TERMINAL = new Set(['completed', 'no_answer', 'busy', 'failed']);

const options = doubleOptions({
  leg1Outcomes: {
    '2001': { kind: 'answer' },
    '2002': { kind: 'busy' },
    '2003': { kind: 'noanswer' },
    '2004': { kind: 'congestion' },
    '2005': { kind: 'rejected' },
    '2006': { kind: 'unavailable' },
    // Answers, then hangs up 100 ms later whatever leg 2 is doing.
    '2007': { kind: 'answer', holdMs: 100 },
  },
  leg2Outcomes: {
    '5550100': { kind: 'answer', holdMs: 50 },
    '5550101': { kind: 'noanswer' },
    '5550102': { kind: 'busy' },
    '5550103': { kind: 'congestion' },
    '5550104': { kind: 'unavailable' },
    '5550105': { kind: 'rejected' },
    '5550106': { kind: 'answer', holdMs: 800 },
    // Answers at once: its DialEnd ANSWER shares leg 1's burst, so the OriginateResponse may come after it.
    '5550107': { kind: 'answer', ringMs: 0, holdMs: 50 },
  },
});

async function progressOf(rig: Rig, placed: PlaceCall): Promise<CallEvent[]> {
  const observer = recordingObserver();
  await rig.driver.placeCall(placed, observer);
  await eventually(() => observer.events.some((e) => TERMINAL.has(e.event)), { timeoutMs: 4000 });
  return observer.events;
}

describe('Asterisk driver call progress', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig(options);
  });
  afterEach(async () => {
    await rig.stop();
  });

  const leg1Cases: [string, string, CallEvent[]][] = [
    ['4 (answered)', '2001', [{ event: 'first_answered', leg: 1 }, { event: 'connected', leg: 2 }, { event: 'completed', cause: '16 Normal Clearing' }]],
    ['5 (busy)', '2002', [{ event: 'busy', leg: 1, cause: '17 User busy' }]],
    ['8 (congestion)', '2004', [{ event: 'failed', leg: 1, cause: '34 Circuit/channel congestion' }]],
    ['0 (rejected, cause 21)', '2005', [{ event: 'failed', leg: 1, cause: '21 Call Rejected' }]],
    ['0 (channel unavailable)', '2006', [{ event: 'failed', leg: 1 }]],
  ];
  for (const [reason, dialFirst, expected] of leg1Cases) {
    it(`when OriginateResponse has Reason ${reason}, then the observer gets ${expected.map((e) => e.event).join(', ')}`, async () => {
      const events = await progressOf(rig, call({ dialFirst, dialAs: '1001', dialSecond: '5550100' }));
      expect(events).to.deep.equal(expected);
    });
  }

  it('when leg 1 never answers, then no_answer (Reason 3) comes after the Timeout the driver sent in ms', async () => {
    const started = Date.now();
    const events = await progressOf(rig, call({ dialFirst: '2003', dialAs: '1001', timeoutSeconds: 1 }));
    expect(Date.now() - started).to.be.at.least(900);
    expect(events).to.deep.equal([{ event: 'no_answer', leg: 1, cause: '19 User alerting, no answer' }]);
    expect(rig.double.originates()[0]!.timeout).to.equal('1000');
  });

  const leg2Cases: [string, CallEvent][] = [
    ['5550101', { event: 'no_answer', leg: 2, cause: '19 User alerting, no answer' }],
    ['5550102', { event: 'busy', leg: 2, cause: '17 User busy' }],
    ['5550103', { event: 'failed', leg: 2, cause: '34 Circuit/channel congestion' }],
    ['5550104', { event: 'failed', leg: 2, cause: '20 Subscriber absent' }],
    ['5550105', { event: 'failed', leg: 2, cause: '21 Call Rejected' }],
  ];
  for (const [dialSecond, expected] of leg2Cases) {
    it(`when leg 2 (${dialSecond}) ends as ${expected.event}, then it is reported on leg 2 with the cause`, async () => {
      const events = await progressOf(rig, call({ dialSecond, timeoutSeconds: 1 }));
      expect(events).to.deep.equal([{ event: 'first_answered', leg: 1 }, expected]);
    });
  }

  it('when a direct PJSIP leg 1 is busy (Reason 0 with cause 17), then busy is reported, not failed', async () => {
    await rig.stop();
    rig = await startRig(options, { channel: 'PJSIP/{dial_first}' });
    const events = await progressOf(rig, call({ dialFirst: '2002', dialAs: '1001' }));
    expect(events).to.deep.equal([{ event: 'busy', leg: 1, cause: '17 User busy' }]);
  });

  it('when output is split byte by byte with foreign events and stray empty lines, then each event is reported once', async () => {
    rig.double.setOutput({ chunkSize: 1, noise: true, strayEmptyLine: true });
    const events = await progressOf(rig, call({ dialSecond: '5550100' }));
    expect(events.map((e) => e.event)).to.deep.equal(['first_answered', 'connected', 'completed']);
  });

  it('when output is coalesced and unsolicited replies and quirks are injected, then the call still completes', async () => {
    rig.double.setOutput({ coalesce: true, noise: true });
    await rig.driver.test();
    rig.double.injectRaw('Response: Error\r\nMessage: Missing action in request\r\n\r\n');
    rig.double.injectRaw('Response: Error\r\nActionID: nobody\r\nMessage: Unable to retrieve endpoint 9\n\r\n\r\n\r\n');
    const events = await progressOf(rig, call({ dialSecond: '5550100' }));
    expect(events.map((e) => e.event)).to.deep.equal(['first_answered', 'connected', 'completed']);
  });

  it('when the connection drops mid-call, then the driver reconnects and still reports the end of the call', async () => {
    const observer = recordingObserver();
    await rig.driver.placeCall(call({ dialSecond: '5550106' }), observer);
    await eventually(() => observer.events.some((e) => e.event === 'connected'));
    rig.double.dropConnections();
    await eventually(() => rig.double.logins() === 2);
    await eventually(() => observer.events.some((e) => e.event === 'completed'), { timeoutMs: 4000 });
    expect(observer.events.map((e) => e.event)).to.deep.equal(['first_answered', 'connected', 'completed']);
  });
});

describe('Asterisk driver call progress with the recommended eventfilter', () => {
  let rig: Rig;
  beforeEach(async () => {
    const sandbox = doubleOptions(options);
    rig = await startRig({ ...sandbox, users: { relay: { ...sandbox.users?.relay, secret: 'relaysecret', eventFilters: RECOMMENDED_EVENT_FILTERS } } });
  });
  afterEach(async () => {
    await rig.stop();
  });

  const cases: [string, string, CallEvent[]][] = [
    ['2001', '5550100', [{ event: 'first_answered', leg: 1 }, { event: 'connected', leg: 2 }, { event: 'completed', cause: '16 Normal Clearing' }]],
    ['2002', '5550100', [{ event: 'busy', leg: 1, cause: '17 User busy' }]],
    ['2004', '5550100', [{ event: 'failed', leg: 1, cause: '34 Circuit/channel congestion' }]],
    ['2001', '5550102', [{ event: 'first_answered', leg: 1 }, { event: 'busy', leg: 2, cause: '17 User busy' }]],
  ];
  for (const [dialFirst, dialSecond, expected] of cases) {
    it(`when ${dialFirst} calls ${dialSecond}, then the filtered events still give ${expected.map((e) => e.event).join(', ')}`, async () => {
      const events = await progressOf(rig, call({ dialFirst, dialAs: '1001', dialSecond, timeoutSeconds: 1 }));
      expect(events).to.deep.equal(expected);
    });
  }
});

/** The double's options with a recommended-eventfilter user, or not, and a seeded event order. */
function shuffled(seed: number, filtered: boolean): AmiDoubleOptions {
  const base = doubleOptions(options);
  const relay = { ...base.users?.relay, secret: 'relaysecret', ...(filtered ? { eventFilters: RECOMMENDED_EVENT_FILTERS } : {}) };
  return { ...base, users: { relay }, eventOrder: { seed } };
}

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

describe('Asterisk driver call progress under shuffled event orders', () => {
  const outcomes: [string, Partial<PlaceCall>, CallEvent[], Partial<AsteriskSettings>?][] = [
    ['both legs answer, then hang up', { dialFirst: '2001', dialSecond: '5550100' },
      [{ event: 'first_answered', leg: 1 }, { event: 'connected', leg: 2 }, { event: 'completed', cause: '16 Normal Clearing' }]],
    ['leg 2 answers the instant it is dialed', { dialFirst: '2001', dialSecond: '5550107' },
      [{ event: 'first_answered', leg: 1 }, { event: 'connected', leg: 2 }, { event: 'completed', cause: '16 Normal Clearing' }]],
    ['leg 1 never answers', { dialFirst: '2003', timeoutSeconds: 1 }, [{ event: 'no_answer', leg: 1, cause: '19 User alerting, no answer' }]],
    ['leg 1 is busy', { dialFirst: '2002' }, [{ event: 'busy', leg: 1, cause: '17 User busy' }]],
    ['leg 1 is congested', { dialFirst: '2004' }, [{ event: 'failed', leg: 1, cause: '34 Circuit/channel congestion' }]],
    ['leg 1 rejects the call', { dialFirst: '2005' }, [{ event: 'failed', leg: 1, cause: '21 Call Rejected' }]],
    ['leg 1 cannot be reached', { dialFirst: '2006' }, [{ event: 'failed', leg: 1 }]],
    ['a direct PJSIP leg 1 is busy', { dialFirst: '2002' }, [{ event: 'busy', leg: 1, cause: '17 User busy' }], { channel: 'PJSIP/{dial_first}' }],
    ['both legs answer a recorded call (MixMonitor events among them)', { dialFirst: '2001', dialSecond: '5550100', record: { warning: 1 } },
      [{ event: 'first_answered', leg: 1 }, { event: 'connected', leg: 2 }, { event: 'completed', cause: '16 Normal Clearing' }]],
    // Leg 2's own dialplan would ring 300 s (FreePBX's TRUNK_RING_TIMER): the Dial timeout ends it.
    ['leg 2 never answers', { dialSecond: '5550101', timeoutSeconds: 1 },
      [{ event: 'first_answered', leg: 1 }, { event: 'no_answer', leg: 2, cause: '19 User alerting, no answer' }]],
    ['leg 2 is busy', { dialSecond: '5550102' }, [{ event: 'first_answered', leg: 1 }, { event: 'busy', leg: 2, cause: '17 User busy' }]],
    ['leg 2 is congested', { dialSecond: '5550103' },
      [{ event: 'first_answered', leg: 1 }, { event: 'failed', leg: 2, cause: '34 Circuit/channel congestion' }]],
    ['leg 2 cannot be reached', { dialSecond: '5550104' }, [{ event: 'first_answered', leg: 1 }, { event: 'failed', leg: 2, cause: '20 Subscriber absent' }]],
    ['leg 2 rejects the call', { dialSecond: '5550105' }, [{ event: 'first_answered', leg: 1 }, { event: 'failed', leg: 2, cause: '21 Call Rejected' }]],
    ['leg 1 hangs up while leg 2 still rings', { dialFirst: '2007', dialAs: '1001', dialSecond: '5550101' },
      [{ event: 'first_answered', leg: 1 }, { event: 'completed', leg: 1, cause: LEG1_GAVE_UP }]],
  ];

  for (const [name, placed, expected, settings = {}] of outcomes) {
    it(`when ${name}, then all 20 seeded event orders, with or without the recommended eventfilter, give ${expected.map((e) => e.event).join(', ')}`, async () => {
      const runs = SEEDS.flatMap((seed) => [false, true].map((filtered) => ({ seed, filtered })));
      const results = await Promise.all(
        runs.map(async ({ seed, filtered }) => {
          // Every double sends a call's events within one write, so a short settling time is enough.
          const rig = await startRig(shuffled(seed, filtered), settings, { ...FAST, causeGraceMs: 100 });
          try {
            return { seed, filtered, events: await progressOf(rig, call({ dialAs: '1001', ...placed })) };
          } finally {
            await rig.stop();
          }
        }),
      );
      for (const { seed, filtered, events } of results) {
        expect(events, `eventOrder seed ${seed}${filtered ? ', recommended eventfilter' : ''}`).to.deep.equal(expected);
      }
    });
  }
});
