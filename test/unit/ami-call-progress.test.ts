/**
 * CallProgress with plain event lists: every outcome, in the transcripts' order and in every order
 * the AMI double's shuffle produces (40 seeds each), with and without the recommended eventfilter.
 */
import { expect } from 'chai';
import type { AmiMessage } from '../../worker/pbx/asterisk/ami-codec.js';
import { CallProgress } from '../../worker/pbx/asterisk/call-progress.js';
import { causeEvent, dialStatusEvent, LEG1_GAVE_UP, reasonEvent } from '../../worker/pbx/asterisk/call-verdict.js';
import type { CallEvent } from '../../worker/pbx/pbx-driver.js';
import { interleave, seededRandom } from '../doubles/ami/event-order.js';
import { type Burst, type Chan, dial, END_OF_CALL, hangup, ids, leg1Answers, leg1Setup, leg2Setup, msg, originate, request } from '../doubles/ami/plain-call-events.js';

const A1: Chan = [ids.leg1, 'Local/2002@originate-skipvm-00000010;1'];
const A2: Chan = [ids.leg2, 'Local/2002@originate-skipvm-00000010;2'];
const B1: Chan = ['c2c-b-1', 'Local/5550102@phones-00000011;1'];
const B2: Chan = ['c2c-b-2', 'Local/5550102@phones-00000011;2'];
const PHONE: Chan = ['c2c-p-1', 'PJSIP/2002-00000012'];
const TRUNK: Chan = ['c2c-t-1', 'PJSIP/trunk-00000013'];
/** A direct `PJSIP/2002` leg 1: one channel, with the ChannelId as its uniqueid. */
const PHONE_AS_LEG1: Chan = [ids.leg1, 'PJSIP/2002-00000014'];
/** A direct `PJSIP/2002` leg 1: one channel, with the ChannelId as its uniqueid. */

/** Leg 1 hangs up after leg 2 ended (transcript e): both of its halves with 16. */
const leg1Ends: Burst = [
  ['a1', request(A1, 16, true)], ['a2', request(A2, 16)], ['a1', hangup(A1, 16)], ['a2', request(A2, 16, true)], ['a2', hangup(A2, 16)],
];
const answered = (second: Chan): Burst[] => [leg1Setup(A1, A2), [...leg1Answers(A1, A2), ...leg2Setup(A1, second, B2)]];

interface Scenario {
  name: string;
  bursts: Burst[];
  expected: CallEvent[];
}

const SCENARIOS: Scenario[] = [
  {
    // Leg 2 answering at once shares leg 1's burst, so the OriginateResponse may even follow its DialEnd (f2).
    name: 'both legs answer and hang up (a, f2)',
    bursts: [leg1Setup(A1, A2), [...leg1Answers(A1, A2), ...leg2Setup(A1, B1, B2), ['leg', dial('DialEnd', A1, B1, 'ANSWER')]], END_OF_CALL(A1, A2, B1, B2)],
    expected: [{ event: 'first_answered', leg: 1 }, { event: 'connected', leg: 2 }, { event: 'completed', cause: '16 Normal Clearing' }],
  },
  {
    name: 'leg 1 is busy (c, k)',
    bursts: [leg1Setup(A1, A2), [
      ['two', msg('Newstate', A2)], ['dial', dial('DialEnd', undefined, A1, 'BUSY')], ['two', request(A2, 0)], ['or', originate(false, 5)],
      ['one', hangup(A1, 0)], ['two', request(A2, 16, true)], ['two', hangup(A2, 17)],
    ]],
    expected: [{ event: 'busy', leg: 1, cause: '17 User busy' }],
  },
  {
    name: 'leg 1 is congested (d)',
    bursts: [leg1Setup(A1, A2), [
      ['dial', dial('DialEnd', undefined, A1, 'CONGESTION')], ['two', request(A2, 0)], ['or', originate(false, 8)],
      ['one', hangup(A1, 0)], ['two', request(A2, 16, true)], ['two', hangup(A2, 34)],
    ]],
    expected: [{ event: 'failed', leg: 1, cause: '34 Circuit/channel congestion' }],
  },
  {
    name: 'leg 1 never answers (b)',
    bursts: [leg1Setup(A1, A2), [
      ['or', originate(false, 3)], ['two', request(A2, 19)], ['one', hangup(A1, 19)], ['two', request(A2, 16, true)], ['two', hangup(A2, 19)],
    ]],
    expected: [{ event: 'no_answer', leg: 1, cause: '19 User alerting, no answer' }],
  },
  {
    name: 'leg 1 rings, then rejects (m)',
    bursts: [leg1Setup(A1, A2), [
      ['two', request(A2, 16, true)], ['one', request(A1, 21)], ['two', hangup(A2, 21)], ['dial', dial('DialEnd', undefined, A1, 'NOANSWER')],
      ['one', hangup(A1, 21)], ['or', originate(false, 0)],
    ]],
    expected: [{ event: 'failed', leg: 1, cause: '21 Call Rejected' }],
  },
  {
    name: 'a direct PJSIP leg 1 is busy: Reason 0, DialStatus BUSY, cause 17 (§5.6)',
    bursts: [[['x', dial('DialBegin', undefined, PHONE_AS_LEG1, '')]], [
      ['dial', dial('DialEnd', undefined, PHONE_AS_LEG1, 'BUSY')], ['or', originate(false, 0)], ['one', hangup(PHONE_AS_LEG1, 17)],
    ]],
    expected: [{ event: 'busy', leg: 1, cause: '17 User busy' }],
  },
  {
    name: 'a FreePBX leg 1 whose phone answers busy while its Local half clears normally',
    bursts: [[...leg1Setup(A1, A2), ['x', dial('DialBegin', A2, PHONE, '')]], [
      ['phone', dial('DialEnd', A2, PHONE, 'BUSY')], ['phone', hangup(PHONE, 17)], ['two', request(A2, 16, true)], ['two', hangup(A2, 16)],
      ['one', hangup(A1, 16)], ['dial', dial('DialEnd', undefined, A1, 'NOANSWER')], ['or', originate(false, 0)],
    ]],
    expected: [{ event: 'busy', leg: 1, cause: '17 User busy' }],
  },
  {
    name: 'leg 2 never answers',
    bursts: [...answered(B1), [
      ['dial', dial('DialEnd', A1, B1, 'NOANSWER')], ['b2', request(B2, 19)], ['b1', hangup(B1, 19)], ['b2', request(B2, 16, true)],
      ['b2', hangup(B2, 19)], ...leg1Ends,
    ]],
    expected: [{ event: 'first_answered', leg: 1 }, { event: 'no_answer', leg: 2, cause: '19 User alerting, no answer' }],
  },
  {
    name: 'leg 2 is busy (e)',
    bursts: [...answered(B1), [
      ['b2', msg('Newstate', B2)], ['dial', dial('DialEnd', A1, B1, 'BUSY')], ['b2', request(B2, 0)], ['b1', hangup(B1, 0)],
      ['b2', request(B2, 16, true)], ['b2', hangup(B2, 17)], ...leg1Ends,
    ]],
    expected: [{ event: 'first_answered', leg: 1 }, { event: 'busy', leg: 2, cause: '17 User busy' }],
  },
  {
    name: 'leg 2 is congested',
    bursts: [...answered(B1), [
      ['dial', dial('DialEnd', A1, B1, 'CONGESTION')], ['b2', request(B2, 0)], ['b1', hangup(B1, 0)], ['b2', request(B2, 16, true)],
      ['b2', hangup(B2, 34)], ...leg1Ends,
    ]],
    expected: [{ event: 'first_answered', leg: 1 }, { event: 'failed', leg: 2, cause: '34 Circuit/channel congestion' }],
  },
  {
    name: 'leg 2 is a busy trunk channel',
    bursts: [leg1Setup(A1, A2), [...leg1Answers(A1, A2), ['leg', dial('DialBegin', A1, TRUNK, '')]], [
      ['dial', dial('DialEnd', A1, TRUNK, 'BUSY')], ['trunk', hangup(TRUNK, 17)], ...leg1Ends,
    ]],
    expected: [{ event: 'first_answered', leg: 1 }, { event: 'busy', leg: 2, cause: '17 User busy' }],
  },
  {
    name: 'leg 1 hangs up while leg 2 rings (DialEnd CANCEL)',
    bursts: [...answered(B1), [
      ['a2', request(A2, 16, true)], ['a2', hangup(A2, 16)], ['a1', request(A1, 16)], ['dial', dial('DialEnd', A1, B1, 'CANCEL')],
      ['b1', request(B1, 16)], ['b2', request(B2, 16, true)], ['b2', hangup(B2, 16)], ['b1', hangup(B1, 16)], ['a1', hangup(A1, 16)],
    ]],
    expected: [{ event: 'first_answered', leg: 1 }, { event: 'completed', leg: 1, cause: LEG1_GAVE_UP }],
  },
  {
    name: 'leg 1 answers but leg 2 is never dialed',
    bursts: [leg1Setup(A1, A2), leg1Answers(A1, A2), [['a1', hangup(A1, 16)], ['a2', hangup(A2, 16)]]],
    expected: [{ event: 'first_answered', leg: 1 }, { event: 'failed', leg: 2, cause: '16 Normal Clearing' }],
  },
];


/** What manager.conf `eventfilter = Event: OriginateResponse|Hangup|DialEnd` lets through (unanchored). */
const RECOMMENDED = (m: AmiMessage) => /^(OriginateResponse|Hangup|HangupRequest|DialEnd)$/.test(m.headers[0]?.[1] ?? '');

function play(bursts: Burst[], random: (() => number) | undefined, keep: (m: AmiMessage) => boolean = () => true): CallEvent[] {
  const progress = new CallProgress(ids);
  const report: CallEvent[] = [];
  let finished = false;
  for (const burst of bursts) {
    const steps = burst.map(([chain, event]) => ({ chain, event }));
    for (const { event } of random ? interleave(steps, random) : steps) {
      if (finished || !keep(event)) continue;
      const step = progress.onEvent(event);
      report.push(...step.report);
      finished = step.finished;
    }
  }
  if (!finished) report.push(...progress.settle().report);
  return report;
}

describe('ami CallProgress verdicts, whatever the event order', () => {
  for (const { name, bursts, expected } of SCENARIOS) {
    it(`when ${name}, then every order of its events gives ${expected.map((e) => e.event).join(', ')}`, () => {
      expect(play(bursts, undefined), 'transcript order').to.deep.equal(expected);
      for (let seed = 1; seed <= 40; seed++) {
        expect(play(bursts, seededRandom(seed)), `seed ${seed}`).to.deep.equal(expected);
        expect(play(bursts, seededRandom(seed), RECOMMENDED), `seed ${seed}, recommended eventfilter`).to.deep.equal(expected);
      }
    });
  }
});

describe('ami CallProgress steps', () => {
  it('when leg 2 answers before any sign of leg 1 answering arrives, then first_answered is still reported first', () => {
    const progress = new CallProgress(ids);
    expect(progress.onEvent(dial('DialEnd', A1, B1, 'ANSWER')).report).to.deep.equal([
      { event: 'first_answered', leg: 1 },
      { event: 'connected', leg: 2 },
    ]);
    expect(progress.onEvent(originate(true, 4)).report).to.deep.equal([]);
  });

  it('when only a failed OriginateResponse ever comes, then settle reports the Reason without a cause', () => {
    const progress = new CallProgress(ids);
    expect(progress.onEvent(originate(false, 3))).to.deep.equal({ report: [], finished: false, settling: true });
    expect(progress.settle()).to.deep.include({ report: [{ event: 'no_answer', leg: 1 }], finished: true });
    expect(progress.settle().report).to.deep.equal([]);
  });

  it('when a leg-2 attempt fails but another is answered before settling, then the call goes on', () => {
    const progress = new CallProgress(ids);
    progress.onEvent(originate(true, 4));
    expect(progress.onEvent(dial('DialEnd', A1, B1, 'BUSY')).settling).to.equal(true);
    expect(progress.onEvent(dial('DialEnd', A1, TRUNK, 'ANSWER')).report).to.deep.equal([{ event: 'connected', leg: 2 }]);
    expect(progress.settle()).to.deep.include({ report: [], finished: false });
    expect(progress.onEvent(hangup(A1, 16))).to.deep.include({ finished: true, report: [{ event: 'completed', cause: '16 Normal Clearing' }] });
  });

  it('when events of other calls or a foreign OriginateResponse arrive, then nothing is reported', () => {
    const progress = new CallProgress(ids);
    const steps = [
      progress.onEvent({ headers: [['Event', 'OriginateResponse'], ['ActionID', 'foreign-1'], ['Response', 'Failure'], ['Reason', '0']] }),
      progress.onEvent({ headers: [['Event', 'Hangup'], ['Uniqueid', 'x'], ['Linkedid', 'other'], ['Cause', '16']] }),
      progress.onEvent({ headers: [['Event', 'DialEnd'], ['Uniqueid', 'other'], ['DestUniqueid', 'y'], ['DialStatus', 'ANSWER']] }),
    ];
    expect(steps.flatMap((step) => step.report)).to.deep.equal([]);
    expect(steps.some((step) => step.settling)).to.equal(false);
  });

  it('when a dial inside leg 1 (a ring group member) ends, then it is not mistaken for leg 2', () => {
    const progress = new CallProgress(ids);
    expect(progress.onEvent(dial('DialEnd', A2, PHONE, 'NOANSWER')).report).to.deep.equal([]);
    expect(progress.onEvent(originate(true, 4)).report).to.deep.equal([{ event: 'first_answered', leg: 1 }]);
  });
});

describe('ami verdict vocabulary', () => {
  it('when a hangup cause is specific, then it names the event; 0 and 16 name nothing', () => {
    expect([17, 18, 19, 21, 34, 0, 16].map(causeEvent)).to.deep.equal(['busy', 'no_answer', 'no_answer', 'failed', 'failed', undefined, undefined]);
  });

  it('when DialEnd reports a DialStatus, then a failed dial maps to its event and ANSWER, CANCEL say nothing', () => {
    expect(['BUSY', 'NOANSWER', 'CONGESTION', 'CHANUNAVAIL', 'ANSWER', 'CANCEL'].map(dialStatusEvent)).to.deep.equal([
      'busy', 'no_answer', 'failed', 'failed', undefined, undefined,
    ]);
  });

  it('when only the OriginateResponse Reason is known, then 3 is no answer, 5 busy, anything else failed', () => {
    expect([3, 5, 8, 0, 1].map(reasonEvent)).to.deep.equal(['no_answer', 'busy', 'failed', 'failed', 'failed']);
  });
});
