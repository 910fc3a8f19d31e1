/** The calls the AMI double plays send what real Asterisk 22 sends (asterisk-transcripts.md a, b, c, d, e). */
import { expect } from 'chai';
import { type AmiMessage, headerValue } from '../../worker/pbx/asterisk/ami-codec.js';
import { startAmiDouble } from '../doubles/ami/ami-double.js';
import { type AmiDoubleOptions, sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { connectRaw } from '../doubles/ami/raw-ami-client.js';
import { eventually } from '../support/eventually.js';

const LEG1 = 'c2c-t-1';
const LEG2 = 'c2c-t-2';

function options(overrides: AmiDoubleOptions = {}): AmiDoubleOptions {
  return {
    ...sandboxAmiOptions(),
    leg1Outcomes: {
      '2001': { kind: 'answer' },
      '2002': { kind: 'busy' },
      '2003': { kind: 'noanswer' },
      '2004': { kind: 'congestion' },
      '2007': { kind: 'answer', holdMs: 20 },
    },
    leg2Outcomes: { '5550100': { kind: 'answer', holdMs: 10 }, '5550101': { kind: 'noanswer' }, '5550102': { kind: 'busy' } },
    timing: { ringMs: 5, holdMs: 10 },
    ...overrides,
  };
}

const ORIGINATE = (dialFirst: string, dialSecond: string) =>
  `Action: Originate\r\nActionID: t1\r\nChannel: Local/${dialFirst}@originate-skipvm\r\nContext: from-internal\r\n` +
  `Exten: ${dialSecond}\r\nPriority: 1\r\nTimeout: 300\r\nCallerID: "Call" <1001>\r\nVariable: C2C_ID=t1,TRUNK_RING_TIMER=1\r\n` +
  `Async: true\r\nChannelId: ${LEG1}\r\nOtherChannelId: ${LEG2}\r\n\r\n`;

/** Places one call and returns its events once `hangups` channels have hung up (and the bridge, if any, is gone). */
async function callEvents(opts: AmiDoubleOptions, dialFirst: string, dialSecond: string, hangups: number): Promise<AmiMessage[]> {
  const double = await startAmiDouble(opts);
  const client = await connectRaw(double.port);
  try {
    await client.login('relay', 'relaysecret', 'call');
    client.send(ORIGINATE(dialFirst, dialSecond));
    const ours = () => client.messages().filter((m) => headerValue(m, 'Event') !== undefined && isOurs(m));
    await eventually(() => {
      const events = ours();
      const bridged = events.some((m) => headerValue(m, 'Event') === 'BridgeCreate');
      return (
        events.filter((m) => headerValue(m, 'Event') === 'Hangup').length === hangups &&
        events.some((m) => headerValue(m, 'Event') === 'OriginateResponse') &&
        (!bridged || events.some((m) => headerValue(m, 'Event') === 'BridgeDestroy'))
      );
    });
    return ours();
  } finally {
    client.close();
    await double.close();
  }
}

const bridges = new Set<string>();
function isOurs(m: AmiMessage): boolean {
  const ids = ['ActionID', 'Linkedid', 'DestLinkedid', 'LocalOneLinkedid'].map((name) => headerValue(m, name));
  if (ids.includes(LEG1) || ids.includes('t1')) {
    const bridge = headerValue(m, 'BridgeUniqueid');
    if (bridge) bridges.add(bridge);
    return true;
  }
  return bridges.has(headerValue(m, 'BridgeUniqueid') ?? '');
}

/** `L1;1`, `L1;2` (the Originate's halves), `L2;1`, `L2;2` (leg 2's Local pair). */
function who(m: AmiMessage, prefix = ''): string {
  const id = headerValue(m, `${prefix}Uniqueid`);
  if (id === LEG1) return 'L1;1';
  if (id === LEG2) return 'L1;2';
  return `L2${(headerValue(m, `${prefix}Channel`) ?? '').slice(-2)}`;
}

/** The events the relay reads, in order, in a short form. */
function keyEvents(events: AmiMessage[]): string[] {
  return events.flatMap((m) => {
    const get = (name: string) => headerValue(m, name) ?? '';
    switch (get('Event')) {
      case 'OriginateResponse':
        return [`OriginateResponse ${get('Response')} ${get('Reason')}`];
      case 'DialEnd':
        return [`DialEnd ${get('Uniqueid') ? `${who(m)}→` : ''}${who(m, 'Dest')} ${get('DialStatus')}`];
      case 'Hangup':
        return [`Hangup ${who(m)} ${get('Cause')}`];
      default:
        return [];
    }
  });
}

const names = (events: AmiMessage[]) => events.map((m) => headerValue(m, 'Event'));
/** Event and channel, e.g. `Hangup L1;2`; a dial is named by the channel it dials. */
const label = (m: AmiMessage) => `${headerValue(m, 'Event')} ${headerValue(m, 'DestUniqueid') ? who(m, 'Dest') : who(m)}`;

describe('AMI double calls (as the live transcripts)', () => {
  it('when leg 1 is busy, then transcript c: DialEnd, OriginateResponse, Hangup ;1 cause 0, Hangup ;2 cause 17', async () => {
    const events = await callEvents(options(), '2002', '5550100', 2);
    expect(names(events)).to.deep.equal([
      'Newchannel', 'Newchannel', 'NewCallerid', 'NewConnectedLine', 'NewCallerid', 'NewConnectedLine', 'LocalBridge',
      'DialBegin', 'Newstate', 'DialEnd', 'HangupRequest', 'OriginateResponse', 'Hangup', 'SoftHangupRequest', 'Hangup',
    ]);
    expect(keyEvents(events)).to.deep.equal(['DialEnd L1;1 BUSY', 'OriginateResponse Failure 5', 'Hangup L1;1 0', 'Hangup L1;2 17']);
    expect(headerValue(events.find((m) => headerValue(m, 'Event') === 'OriginateResponse')!, 'Uniqueid')).to.equal(LEG1);
  });

  it('when leg 1 is congested, then transcript d: the same shape with CONGESTION, Reason 8 and cause 34 on ;2', async () => {
    const events = await callEvents(options(), '2004', '5550100', 2);
    expect(keyEvents(events)).to.deep.equal(['DialEnd L1;1 CONGESTION', 'OriginateResponse Failure 8', 'Hangup L1;1 0', 'Hangup L1;2 34']);
    const busy = events.find((m) => headerValue(m, 'Event') === 'Newstate');
    expect(headerValue(busy!, 'ChannelStateDesc')).to.equal('Busy');
  });

  it('when leg 1 never answers, then transcript b: Ringing and DialState, no DialEnd, cause 19 on both halves', async () => {
    const events = await callEvents(options(), '2003', '5550100', 2);
    expect(names(events).slice(7, 10)).to.deep.equal(['DialBegin', 'Newstate', 'DialState']);
    expect(keyEvents(events)).to.deep.equal(['OriginateResponse Failure 3', 'Hangup L1;1 19', 'Hangup L1;2 19']);
  });

  it('when both legs answer, then every event of transcript a comes, with ChanVariable lines and bridge counts', async () => {
    const events = await callEvents(options(), '2001', '5550100', 4);
    expect(new Set(names(events))).to.have.keys(
      'Newchannel', 'NewCallerid', 'NewConnectedLine', 'LocalBridge', 'DialBegin', 'Newstate', 'DialEnd', 'OriginateResponse',
      'BridgeCreate', 'BridgeEnter', 'BridgeLeave', 'BridgeDestroy', 'SoftHangupRequest', 'HangupRequest', 'Hangup',
    );
    expect(keyEvents(events)).to.deep.equal([
      'DialEnd L1;1 ANSWER', 'OriginateResponse Success 4', 'DialEnd L1;1→L2;1 ANSWER',
      'Hangup L1;2 16', 'Hangup L2;2 16', 'Hangup L1;1 16', 'Hangup L2;1 16',
    ]);
    const first = (event: string, half: string) => events.find((m) => headerValue(m, 'Event') === event && who(m) === half)!;
    // Variables are applied after the channel exists; channels leg 1 dials do not inherit them.
    expect(headerValue(first('Newchannel', 'L1;1'), 'ChanVariable')).to.equal('C2C_ID=');
    expect(headerValue(first('NewCallerid', 'L1;1'), 'ChanVariable')).to.equal('C2C_ID=t1');
    expect(headerValue(first('NewCallerid', 'L2;1'), 'ChanVariable')).to.equal('C2C_ID=');
    const originate = events.find((m) => headerValue(m, 'Event') === 'OriginateResponse')!;
    expect(originate.headers.at(-1)).to.deep.equal([`ChanVariable(${headerValue(originate, 'Channel')})`, 'C2C_ID=t1']);
    expect(headerValue(events.find((m) => headerValue(m, 'Event') === 'LocalBridge')!, 'LocalOneUniqueid')).to.equal(LEG1);
    const bridgeCounts = events.filter((m) => /^Bridge(Enter|Leave)$/.test(headerValue(m, 'Event') ?? '')).map((m) => headerValue(m, 'BridgeNumChannels'));
    expect(bridgeCounts).to.deep.equal(['1', '2', '1', '0']);
    expect(names(events).at(-1)).to.equal('BridgeDestroy');
  });

  it('when leg 2 is busy, then transcript e: DialEnd BUSY on leg 1, leg 2 hangs up 0 and 17, then leg 1 with 16', async () => {
    const events = await callEvents(options(), '2001', '5550102', 4);
    expect(keyEvents(events).slice(2)).to.deep.equal([
      'DialEnd L1;1→L2;1 BUSY', 'Hangup L2;1 0', 'Hangup L2;2 17', 'Hangup L1;1 16', 'Hangup L1;2 16',
    ]);
  });

  it('when leg 1 hangs up while leg 2 rings, then leg 1 dial to leg 2 ends CANCEL and every half clears with 16', async () => {
    const events = await callEvents(options(), '2007', '5550101', 4);
    expect(keyEvents(events).slice(2)).to.deep.equal([
      'Hangup L1;2 16', 'DialEnd L1;1→L2;1 CANCEL', 'Hangup L2;2 16', 'Hangup L2;1 16', 'Hangup L1;1 16',
    ]);
  });

  it('when eventOrder has a seed, then orders vary by seed, replay by seed, and each channel keeps its own order', async () => {
    const transcript = names(await callEvents(options(), '2002', '5550100', 2));
    const orders = new Map<number, string[]>();
    for (let seed = 1; seed <= 20; seed++) {
      const events = await callEvents(options({ eventOrder: { seed } }), '2002', '5550100', 2);
      orders.set(seed, events.map(label));
      expect([...names(events)].sort(), `seed ${seed}`).to.deep.equal([...transcript].sort());
      // The setup never varies; a half's HangupRequest and SoftHangupRequest stay before its Hangup.
      expect(names(events).slice(0, 8), `seed ${seed}`).to.deep.equal(transcript.slice(0, 8));
      const ofTwo = orders.get(seed)!.filter((e) => e.endsWith('L1;2') && /Hangup/.test(e));
      expect(ofTwo, `seed ${seed}`).to.deep.equal(['HangupRequest L1;2', 'SoftHangupRequest L1;2', 'Hangup L1;2']);
    }
    const replay = await callEvents(options({ eventOrder: { seed: 7 } }), '2002', '5550100', 2);
    expect(replay.map(label)).to.deep.equal(orders.get(7));
    expect(new Set([...orders.values()].map((order) => order.join('|'))).size).to.be.at.least(10);
    const before = (order: string[], x: string, y: string) => order.indexOf(x) < order.indexOf(y);
    const all = [...orders.values()];
    // Both ways round, as the live PBX was seen to do (asterisk-ami.md §5.6).
    for (const [x, y] of [['OriginateResponse L1;1', 'DialEnd L1;1'], ['Hangup L1;1', 'Hangup L1;2'], ['OriginateResponse L1;1', 'Hangup L1;1']]) {
      expect(all.some((order) => before(order, x!, y!)), `${x} before ${y}`).to.equal(true);
      expect(all.some((order) => before(order, y!, x!)), `${y} before ${x}`).to.equal(true);
    }
  });

  it('when the double refuses MD5 challenges, then Challenge gets the Asterisk error and a plain login still works', async () => {
    const double = await startAmiDouble(options({ refuseMd5Challenge: true }));
    const client = await connectRaw(double.port);
    try {
      client.send('Action: Challenge\r\nActionID: ch1\r\nAuthType: MD5\r\n\r\n');
      expect((await client.waitFor('ch1')).headers).to.deep.equal([['Response', 'Error'], ['ActionID', 'ch1'], ['Message', 'Must specify AuthType']]);
      expect(headerValue(await client.login('relay', 'relaysecret'), 'Message')).to.equal('Authentication accepted');
    } finally {
      client.close();
      await double.close();
    }
  });
});

describe('AMI double without records (the benchmark PBX)', () => {
  it('when keepRecords is false, then a call plays out as before but nothing it received is kept', async () => {
    const double = await startAmiDouble(options({ keepRecords: false }));
    const client = await connectRaw(double.port);
    try {
      await client.login('relay', 'relaysecret', 'call');
      client.send(ORIGINATE('2001', '5550100'));
      await eventually(() => {
        const events = client.messages().filter((m) => headerValue(m, 'Linkedid') === LEG1 || headerValue(m, 'ActionID') === 't1');
        return events.some((m) => headerValue(m, 'Event') === 'OriginateResponse') && events.filter((m) => headerValue(m, 'Event') === 'Hangup').length === 4;
      });
      expect(double.originates()).to.deep.equal([]);
      expect(double.calls()).to.deep.equal([]);
      expect(double.actions()).to.deep.equal([]);
      expect(double.received().join('')).to.equal('');
    } finally {
      client.close();
      await double.close();
    }
  });
});
