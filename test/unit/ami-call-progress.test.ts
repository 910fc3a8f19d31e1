import { expect } from 'chai';
import type { AmiMessage } from '../../worker/pbx/asterisk/ami-codec.js';
import { CallProgress, dialStatusEvent, reasonEvent } from '../../worker/pbx/asterisk/call-progress.js';
import type { CallEvent } from '../../worker/pbx/pbx-driver.js';

const ids = { actionId: 'c2c-a', leg1: 'c2c-r-1', leg2: 'c2c-r-2' };

function msg(fields: Record<string, string>): AmiMessage {
  return { headers: Object.entries(fields) };
}
const originateResponse = (response: 'Success' | 'Failure', reason: number, actionId = ids.actionId) =>
  msg({ Event: 'OriginateResponse', Privilege: 'call,all', ActionID: actionId, Response: response, Reason: String(reason), Uniqueid: response === 'Success' ? ids.leg1 : '<unknown>' });
const hangup = (uniqueid: string, cause: number, text: string) =>
  msg({ Event: 'Hangup', Uniqueid: uniqueid, Linkedid: ids.leg1, Cause: String(cause), 'Cause-txt': text });
const dialEnd = (status: string) => msg({ Event: 'DialEnd', Uniqueid: ids.leg1, Linkedid: ids.leg1, DestUniqueid: 'trunk-1', DialStatus: status });

function run(progress: CallProgress, messages: AmiMessage[]): { events: CallEvent[]; finished: boolean; awaiting: boolean } {
  const events: CallEvent[] = [];
  let finished = false;
  let awaiting = false;
  for (const m of messages) {
    const step = progress.onEvent(m);
    events.push(...step.report);
    finished ||= step.finished;
    awaiting = step.awaitingCause;
  }
  return { events, finished, awaiting };
}

describe('ami call progress mapping', () => {
  it('when OriginateResponse gives each Reason, then it maps to the documented progress event', () => {
    expect(reasonEvent(4)).to.equal('first_answered');
    expect(reasonEvent(3)).to.equal('no_answer');
    expect(reasonEvent(5)).to.equal('busy');
    expect(reasonEvent(8)).to.equal('failed');
    expect(reasonEvent(0)).to.equal('failed');
    expect(reasonEvent(1)).to.equal('failed');
  });

  it('when Reason is 0 but the hangup cause says busy or no answer, then the cause refines it', () => {
    expect(reasonEvent(0, 17)).to.equal('busy');
    expect(reasonEvent(0, 19)).to.equal('no_answer');
    expect(reasonEvent(0, 21)).to.equal('failed');
  });

  it('when DialEnd reports a DialStatus, then it maps to the leg-2 event', () => {
    expect(dialStatusEvent('ANSWER')).to.equal('connected');
    expect(dialStatusEvent('BUSY')).to.equal('busy');
    expect(dialStatusEvent('NOANSWER')).to.equal('no_answer');
    expect(dialStatusEvent('CONGESTION')).to.equal('failed');
    expect(dialStatusEvent('CHANUNAVAIL')).to.equal('failed');
    expect(dialStatusEvent('CANCEL')).to.equal(undefined);
  });
});

describe('ami CallProgress', () => {
  it('when both legs answer and hang up, then first_answered, connected, completed are reported and tracking ends', () => {
    const result = run(new CallProgress(ids), [
      originateResponse('Success', 4),
      dialEnd('ANSWER'),
      hangup('trunk-1', 16, 'Normal Clearing'),
      hangup(ids.leg1, 16, 'Normal Clearing'),
    ]);
    expect(result.events).to.deep.equal([
      { event: 'first_answered', leg: 1 },
      { event: 'connected', leg: 2 },
      { event: 'completed', cause: '16 Normal Clearing' },
    ]);
    expect(result.finished).to.equal(true);
  });

  it('when the leg-1 hangup cause arrives before a failed OriginateResponse, then failed carries it at once', () => {
    const result = run(new CallProgress(ids), [hangup(ids.leg2, 34, 'Circuit/channel congestion'), originateResponse('Failure', 8)]);
    expect(result.events).to.deep.equal([{ event: 'failed', leg: 1, cause: '34 Circuit/channel congestion' }]);
    expect(result.finished).to.equal(true);
  });

  it('when the cause arrives after the failed OriginateResponse, then the failure waits for it', () => {
    const progress = new CallProgress(ids);
    const first = run(progress, [originateResponse('Failure', 5)]);
    expect(first).to.deep.include({ events: [], awaiting: true, finished: false });
    const second = run(progress, [hangup(ids.leg2, 17, 'User busy')]);
    expect(second.events).to.deep.equal([{ event: 'busy', leg: 1, cause: '17 User busy' }]);
  });

  it('when no cause ever comes, then flush reports the failure without one', () => {
    const progress = new CallProgress(ids);
    run(progress, [originateResponse('Failure', 3)]);
    expect(progress.flush()).to.deep.equal([{ event: 'no_answer', leg: 1 }]);
    expect(progress.flush()).to.deep.equal([]);
  });

  it('when a direct PJSIP leg 1 gives Reason 0 with cause 17, then busy is reported', () => {
    const result = run(new CallProgress(ids), [originateResponse('Failure', 0), hangup(ids.leg1, 17, 'User busy')]);
    expect(result.events).to.deep.equal([{ event: 'busy', leg: 1, cause: '17 User busy' }]);
  });

  it('when leg 2 is busy, then busy on leg 2 is reported with the callee hangup cause', () => {
    const result = run(new CallProgress(ids), [
      originateResponse('Success', 4),
      dialEnd('BUSY'),
      hangup('trunk-1', 17, 'User busy'),
      hangup(ids.leg1, 16, 'Normal Clearing'),
    ]);
    expect(result.events.slice(1)).to.deep.equal([{ event: 'busy', leg: 2, cause: '17 User busy' }]);
  });

  it('when leg 1 hangs up after answering and leg 2 never connected, then failed on leg 2 is reported', () => {
    const result = run(new CallProgress(ids), [originateResponse('Success', 4), hangup(ids.leg1, 16, 'Normal Clearing')]);
    expect(result.events.slice(1)).to.deep.equal([{ event: 'failed', leg: 2, cause: '16 Normal Clearing' }]);
  });

  it('when events of other calls or a foreign OriginateResponse arrive, then nothing is reported', () => {
    const result = run(new CallProgress(ids), [
      originateResponse('Failure', 0, 'foreign-1'),
      msg({ Event: 'Hangup', Uniqueid: 'x', Linkedid: 'other', Cause: '16' }),
      msg({ Event: 'DialEnd', Uniqueid: 'other', DialStatus: 'ANSWER' }),
    ]);
    expect(result.events).to.deep.equal([]);
  });

  it('when a dial inside leg 1 (a ring group member) ends, then it is not mistaken for leg 2', () => {
    const inner = msg({ Event: 'DialEnd', Uniqueid: ids.leg2, Linkedid: ids.leg1, DialStatus: 'NOANSWER' });
    const result = run(new CallProgress(ids), [inner, originateResponse('Success', 4)]);
    expect(result.events).to.deep.equal([{ event: 'first_answered', leg: 1 }]);
  });
});
