import { expect } from 'chai';
import { pino } from 'pino';
import type { AmiMessage } from '../../worker/pbx/asterisk/ami-codec.js';
import { CallRegistry } from '../../worker/pbx/asterisk/call-registry.js';
import type { CallEvent } from '../../worker/pbx/pbx-driver.js';
import { eventually } from '../support/eventually.js';

const logger = pino({ level: 'silent' });
const ids = (n: number) => ({ actionId: `c2c-a${n}`, leg1: `c2c-r${n}-1`, leg2: `c2c-r${n}-2` });
const msg = (fields: Record<string, string>): AmiMessage => ({ headers: Object.entries(fields) });

function observer(events: CallEvent[], fail = false) {
  return {
    dispatching: async () => undefined,
    progress(event: CallEvent) {
      if (fail) throw new Error('observer broke');
      events.push(event);
    },
  };
}

describe('ami CallRegistry', () => {
  it('when a call is over, then its verdict waits the settling time, then it is forgotten and later events are ignored', async () => {
    const registry = new CallRegistry({ logger, causeGraceMs: 20 });
    const events: CallEvent[] = [];
    registry.track(ids(1), observer(events));
    // Transcript c's order: the cause of the busy half comes last, after the verdict-bearing events.
    registry.onEvent(msg({ Event: 'OriginateResponse', ActionID: 'c2c-a1', Response: 'Failure', Reason: '5', Uniqueid: 'c2c-r1-1' }));
    registry.onEvent(msg({ Event: 'Hangup', Uniqueid: 'c2c-r1-1', Linkedid: 'c2c-r1-1', Cause: '0', 'Cause-txt': 'Unknown' }));
    registry.onEvent(msg({ Event: 'Hangup', Uniqueid: 'c2c-r1-2', Linkedid: 'c2c-r1-1', Cause: '17', 'Cause-txt': 'User busy' }));
    expect(events).to.deep.equal([]);
    await eventually(() => registry.size === 0);
    registry.onEvent(msg({ Event: 'OriginateResponse', ActionID: 'c2c-a1', Response: 'Success', Reason: '4' }));
    expect(events).to.deep.equal([{ event: 'busy', leg: 1, cause: '17 User busy' }]);
  });

  it('when the Originate dial of leg 1 names it only as DestUniqueid, then the event still reaches its call', async () => {
    const registry = new CallRegistry({ logger, causeGraceMs: 20 });
    const events: CallEvent[] = [];
    registry.track(ids(6), observer(events));
    registry.onEvent(msg({ Event: 'DialEnd', DestUniqueid: 'c2c-r6-1', DestLinkedid: 'c2c-r6-1', DialStatus: 'ANSWER' }));
    expect(events).to.deep.equal([{ event: 'first_answered', leg: 1 }]);
    registry.close();
  });

  it('when a call never ends, then it is forgotten after the lifetime bound', async () => {
    const registry = new CallRegistry({ logger, maxCallMs: 30 });
    registry.track(ids(2), observer([]));
    expect(registry.size).to.equal(1);
    await eventually(() => registry.size === 0);
  });

  it('when a failure cause never arrives, then the failure is reported after the settling time', async () => {
    const registry = new CallRegistry({ logger, causeGraceMs: 20 });
    const events: CallEvent[] = [];
    registry.track(ids(3), observer(events));
    registry.onEvent(msg({ Event: 'OriginateResponse', ActionID: 'c2c-a3', Response: 'Failure', Reason: '8' }));
    expect(events).to.deep.equal([]);
    await eventually(() => events.length === 1);
    expect(events).to.deep.equal([{ event: 'failed', leg: 1 }]);
    expect(registry.size).to.equal(0);
  });

  it('when one observer throws, then other calls still get their progress', () => {
    const registry = new CallRegistry({ logger });
    const events: CallEvent[] = [];
    registry.track(ids(4), observer([], true));
    registry.track(ids(5), observer(events));
    registry.onEvent(msg({ Event: 'OriginateResponse', ActionID: 'c2c-a4', Response: 'Success', Reason: '4', Uniqueid: 'c2c-r4-1' }));
    registry.onEvent(msg({ Event: 'OriginateResponse', ActionID: 'c2c-a5', Response: 'Success', Reason: '4', Uniqueid: 'c2c-r5-1' }));
    expect(events).to.deep.equal([{ event: 'first_answered', leg: 1 }]);
    registry.close();
    expect(registry.size).to.equal(0);
  });
});
