/**
 * The AMI double when leg 1's Dial goes to the README's Click-to-FindMe "phone_to_call first, then
 * the list in turn" context (`Local/s@c2c-relay-hunt`, whose `;2` half Dials C2C_HUNT_1 …
 * C2C_HUNT_<C2C_HUNT_COUNT> one after the other, C2C_RING s each). Over a raw AMI session on a real socket.
 */
import { expect } from 'chai';
import type { AmiMessage } from '../../worker/pbx/asterisk/ami-codec.js';
import type { AmiDouble } from '../doubles/ami/ami-double.js';
import { type AmiDoubleOptions, FREEPBX_DIALPLAN, sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import type { RawAmiClient } from '../doubles/ami/raw-ami-client.js';
import { callEvents, eventLabel, field, rawDoubleEachTest, indexOfEvent } from '../doubles/ami/raw-call-events.js';
import { eventually } from '../support/eventually.js';

function options(overrides: AmiDoubleOptions = {}): AmiDoubleOptions {
  return {
    ...sandboxAmiOptions(),
    channelVars: ['C2C_ID', 'DIALSTATUS'],
    leg1Outcomes: {},
    leg2Outcomes: {
      '1002': { kind: 'busy', ringMs: 5 },
      '1003': { kind: 'noanswer' },
      '1004': { kind: 'answer', ringMs: 10, holdMs: 30 },
      '1005': { kind: 'rejected', ringMs: 5 },
      '1006': { kind: 'congestion', ringMs: 5 },
    },
    timing: { ringMs: 5, holdMs: 20 },
    ...overrides,
  };
}

interface Place {
  ring?: string;
  /** Leg 1's Dial timeout (the `<total seconds>` of Data). */
  total?: string;
  /** `__` (the relay's) or '' (plain variables, which leg 2 never gets). */
  prefix?: string;
}

const ORIGINATE = (id: string, numbers: string[], { ring = '0.1', total = '5', prefix = '__' }: Place = {}) =>
  `Action: Originate\r\nActionID: ${id}\r\nChannel: Local/5550100@originate-skipvm\r\nTimeout: 2000\r\nCallerID: "Call" <2001>\r\n` +
  `Variable: ${prefix}C2C_HUNT_COUNT=${numbers.length}\r\n` +
  numbers.map((n, i) => `Variable: ${prefix}C2C_HUNT_${i + 1}=Local/${n}@from-internal\r\n`).join('') +
  `Variable: ${prefix}C2C_RING=${ring}\r\nApplication: Dial\r\nData: Local/s@c2c-relay-hunt,${total},\r\n` +
  `Async: true\r\nChannelId: ${id}-1\r\nOtherChannelId: ${id}-2\r\n\r\n`;

const get = field;

/** `1002;1` for a target's half, `L1;n` for leg 1's, `H;n` for the hunt's Local channel. */
function who(m: AmiMessage, prefix = ''): string {
  const channel = get(m, `${prefix}Channel`);
  const local = /^Local\/(\d+)@from-internal-[0-9a-f]{8}(;[12])$/.exec(channel);
  if (local) return `${local[1]}${local[2]}`;
  if (/^Local\/s@c2c-relay-hunt-[0-9a-f]{8};[12]$/.test(channel)) return `H${channel.slice(-2)}`;
  return /^Local\/5550100@originate-skipvm-/.test(channel) ? `L1${channel.slice(-2)}` : channel;
}

const label = (m: AmiMessage) => eventLabel(m, who);

describe('AMI double: leg 2 to the README hunt context (Click-to-FindMe phone_to_call first, then the list in turn)', () => {
  let double: AmiDouble;
  let client: RawAmiClient;
  const fixture = rawDoubleEachTest(options);
  const start = async (opts?: AmiDoubleOptions) => {
    ({ double, client } = await fixture.start(opts));
  };

  /** Places one call; its events once `channels` halves have hung up. */
  async function call(id: string, numbers: string[], channels: number, place?: Place): Promise<AmiMessage[]> {
    client.send(ORIGINATE(id, numbers, place));
    return callEvents(client, id, channels, label);
  }
  const at = (events: AmiMessage[], text: string) => indexOfEvent(events, text, label);
  /** The hunt's dials: their caller is the hunt Local channel's `;2` half. */
  const huntDials = (events: AmiMessage[], event: string) => events.filter((m) => get(m, 'Event') === event && who(m).startsWith('H;2'));
  /** Leg 1's Dial (of the hunt): its caller is leg 1's `;1` half. */
  const leg1Dial = (events: AmiMessage[], event: string, id: string) => events.filter((m) => get(m, 'Event') === event && get(m, 'Uniqueid') === `${id}-1`);
  const hangupsOf = (events: AmiMessage[], name: string) =>
    events.filter((m) => get(m, 'Event') === 'Hangup' && who(m).startsWith(`${name};`)).map((m) => `${who(m)} ${get(m, 'Cause')}`).sort();

  /** What holds in any order: one Linkedid, targets dialed one at a time by `H;2`, each once, leg 1's Dial of the hunt once. */
  function invariants(events: AmiMessage[], id: string, leg1Status: string): void {
    for (const m of events.filter((e) => get(e, 'Linkedid'))) expect(get(m, 'Linkedid'), label(m)).to.equal(`${id}-1`);
    const begins = huntDials(events, 'DialBegin');
    const ends = huntDials(events, 'DialEnd');
    for (const m of [...begins, ...ends]) {
      expect(get(m, 'Channel'), label(m)).to.match(/^Local\/s@c2c-relay-hunt-[0-9a-f]{8};2$/);
      expect(get(m, 'DestChannel'), label(m)).to.match(/^Local\/\d+@from-internal-[0-9a-f]{8};1$/);
    }
    const rung = begins.map((m) => who(m, 'Dest'));
    expect(new Set(rung).size, 'no target rung twice').to.equal(rung.length);
    begins.forEach((begin, i) => {
      if (i === 0) return;
      const previousEnd = ends.find((m) => who(m, 'Dest') === rung[i - 1]);
      expect(previousEnd, `DialEnd of ${rung[i - 1]}`).to.not.equal(undefined);
      expect(events.indexOf(begin), `${rung[i]} after ${rung[i - 1]} ended`).to.be.above(events.indexOf(previousEnd!));
    });
    expect(leg1Dial(events, 'DialBegin', id).map((m) => get(m, 'DialString'))).to.deep.equal(['s@c2c-relay-hunt']);
    expect(leg1Dial(events, 'DialEnd', id).map((m) => get(m, 'DialStatus'))).to.deep.equal([leg1Status]);
  }

  it('when the first is busy, the second rings out and the third answers, then they are dialed in turn and the third is bridged', async () => {
    await start();
    const events = await call('w', ['1002', '1003', '1004'], 2 + 2 + 6);
    invariants(events, 'w', 'ANSWER');
    expect(huntDials(events, 'DialBegin').map((m) => [who(m, 'Dest'), get(m, 'DialString')])).to.deep.equal([
      ['1002;1', '1002@from-internal'], ['1003;1', '1003@from-internal'], ['1004;1', '1004@from-internal'],
    ]);
    expect(huntDials(events, 'DialEnd').map((m) => `${who(m, 'Dest')} ${get(m, 'DialStatus')}`)).to.deep.equal(['1002;1 BUSY', '1003;1 NOANSWER', '1004;1 ANSWER']);
    expect(at(events, 'DialEnd 1004;1 ANSWER')).to.be.below(at(events, 'DialEnd H;1 ANSWER'));
    expect(at(events, 'DialEnd H;1 ANSWER')).to.be.below(at(events, 'BridgeEnter L1;1'));
    expect(hangupsOf(events, '1002')).to.deep.equal(['1002;1 0', '1002;2 17']);
    expect(hangupsOf(events, '1003')).to.deep.equal(['1003;1 19', '1003;2 19']);
    expect(hangupsOf(events, '1004')).to.deep.equal(['1004;1 16', '1004;2 16']);
    const [received] = double.calls();
    expect(received?.hunt?.map((t) => [t.exten, t.channel.endsWith(';2'), t.dialStatus, t.ringLimitMs])).to.deep.equal([
      ['1002', true, 'BUSY', 100], ['1003', true, 'NOANSWER', 100], ['1004', true, 'ANSWER', 100],
    ]);
    expect(received?.dialStatus).to.equal('ANSWER');
    expect(received?.leg2?.context).to.equal('c2c-relay-hunt');
  });

  it('when nobody answers, then each is rung once, Hangup() ends the hunt and leg 1\'s Dial ends NOANSWER (CHANUNAVAIL after a rejection, cause 21)', async () => {
    await start();
    const cases: [string, string[], string, number][] = [
      ['n1', ['1002', '1003', '1006'], 'NOANSWER', 16],
      ['n2', ['1003', '1005'], 'CHANUNAVAIL', 21],
      ['n3', ['1005', '1002'], 'NOANSWER', 16],
    ];
    for (const [i, [id, numbers, status, cause]] of cases.entries()) {
      const events = await call(id, numbers, 4 + 2 * numbers.length);
      invariants(events, id, 'NOANSWER');
      expect(huntDials(events, 'DialBegin'), id).to.have.length(numbers.length);
      expect(hangupsOf(events, 'H'), id).to.deep.equal([`H;1 ${cause}`, `H;2 ${cause}`]);
      expect(at(events, 'DialEnd H;1 NOANSWER'), id).to.be.above(Math.max(...huntDials(events, 'DialEnd').map((m) => events.indexOf(m))));
      expect(double.calls()[i]?.dialStatus, id).to.equal(status);
    }
  });

  it('when leg 1\'s Dial timeout is shorter than the hunt, then leg 1\'s Dial ends NOANSWER and the target still ringing gets CANCEL', async () => {
    await start();
    const events = await call('t', ['1003', '1003', '1004'], 6, { ring: '20', total: '0.2' });
    invariants(events, 't', 'NOANSWER');
    expect(huntDials(events, 'DialEnd').map((m) => `${who(m, 'Dest')} ${get(m, 'DialStatus')}`)).to.deep.equal(['1003;1 CANCEL']);
    expect(hangupsOf(events, 'H')).to.deep.equal(['H;1 19', 'H;2 19']);
    expect(hangupsOf(events, '1003')).to.deep.equal(['1003;1 19', '1003;2 19']);
    expect(at(events, 'DialEnd H;1 NOANSWER')).to.be.below(at(events, 'DialEnd 1003;1 CANCEL'));
    expect(at(events, 'DialEnd 1003;1 CANCEL')).to.be.below(at(events, 'Hangup 1003;1 19'));
    expect(double.calls()[0]?.hunt?.map((t) => t.dialStatus)).to.deep.equal(['CANCEL']);
  });

  it('when the variables lack __, then the hunt has none of them: nobody is dialed until leg 1\'s Dial gives up (so the relay must use __)', async () => {
    await start();
    const events = await call('p', ['1004'], 4, { prefix: '', total: '0.2' });
    invariants(events, 'p', 'NOANSWER');
    expect(huntDials(events, 'DialBegin')).to.deep.equal([]);
    const [received] = double.calls();
    expect(received?.leg1.variables).to.include({ C2C_HUNT_COUNT: '1' });
    expect(received?.leg2?.variables).to.not.have.property('C2C_HUNT_COUNT');
    expect(received?.hunt).to.deep.equal([]);
    await call('i', ['1004'], 6);
    const inherited = double.calls()[1];
    expect(inherited?.leg2?.variables).to.include({ C2C_HUNT_COUNT: '1', C2C_HUNT_1: 'Local/1004@from-internal' });
    expect(inherited?.hunt?.[0]?.variables).to.include({ C2C_HUNT_1: 'Local/1004@from-internal' });
  });

  it('when the context is not installed, then Local/s@c2c-relay-hunt is not hunted', async () => {
    await start({ ...options(), dialplan: FREEPBX_DIALPLAN });
    client.send(ORIGINATE('x', ['1004']));
    await client.waitFor('x', 'OriginateResponse');
    await eventually(() => expect(double.calls()[0]?.dialStatus).to.not.equal(undefined));
    const events = client.messages().filter((m) => get(m, 'Linkedid') === 'x-1');
    expect(huntDials(events, 'DialBegin')).to.deep.equal([]);
    expect(double.calls()[0]?.hunt).to.equal(undefined);
  });

  it('when eventOrder has a seed, then every seed keeps the invariants of the answer, the failure and the timeout', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      await start(options({ eventOrder: { seed } }));
      invariants(await call(`s${seed}w`, ['1002', '1003', '1004'], 10), `s${seed}w`, 'ANSWER');
      invariants(await call(`s${seed}f`, ['1005', '1002', '1003'], 10), `s${seed}f`, 'NOANSWER');
      invariants(await call(`s${seed}t`, ['1003', '1002'], 6, { ring: '20', total: '0.1' }), `s${seed}t`, 'NOANSWER');
      client.close();
      await double.close();
    }
    await start();
  });
});
