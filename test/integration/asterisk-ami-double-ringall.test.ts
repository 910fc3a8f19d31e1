/**
 * The AMI double when leg 1's Dial has several `&` targets (Click-to-FindMe "simultaneous"), as
 * apps/app_dial.c rings them: all at once, the first to answer wins, the others are cancelled and
 * hang up "Answered elsewhere", failures end early, Dial's timeout ends the rest, and leg 1's
 * DIALSTATUS is the best outcome. Over a raw AMI session on a real socket.
 */
import { expect } from 'chai';
import { type AmiMessage, headerValue } from '../../worker/pbx/asterisk/ami-codec.js';
import type { AmiDouble } from '../doubles/ami/ami-double.js';
import { type AmiDoubleOptions, sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import type { RawAmiClient } from '../doubles/ami/raw-ami-client.js';
import { rawDoubleEachTest, indexOfEvent } from '../doubles/ami/raw-call-events.js';
import { eventually } from '../support/eventually.js';

function options(overrides: AmiDoubleOptions = {}): AmiDoubleOptions {
  return {
    ...sandboxAmiOptions(),
    // DIALSTATUS in manager.conf `channelvars`: how the relay can read leg 1's overall result.
    channelVars: ['C2C_ID', 'DIALSTATUS'],
    leg2Outcomes: {
      '1001': { kind: 'noanswer' },
      '1002': { kind: 'answer', ringMs: 40, holdMs: 20 },
      '1003': { kind: 'busy', ringMs: 5 },
      '1004': { kind: 'congestion', ringMs: 5 },
      '1005': { kind: 'rejected', ringMs: 10 },
      '1006': { kind: 'busy', ringMs: 15 },
      '1007': { kind: 'noanswer' },
      '5550100': { kind: 'answer', ringMs: 150, holdMs: 20 },
    },
    timing: { ringMs: 5, holdMs: 20 },
    ...overrides,
  };
}

const targets = (...numbers: string[]) => numbers.map((n) => `Local/${n}@from-internal`).join('&');

/** An async Originate whose leg 1 (`Local/<dialFirst>@originate-skipvm`) runs Dial with `data`. */
const ORIGINATE = (id: string, data: string, dialFirst = '2001') =>
  `Action: Originate\r\nActionID: ${id}\r\nChannel: Local/${dialFirst}@originate-skipvm\r\nContext: from-internal\r\nExten: 1001\r\n` +
  `Priority: 1\r\nTimeout: 2000\r\nCallerID: "Call" <2001>\r\nApplication: Dial\r\nData: ${data}\r\nAsync: true\r\n` +
  `ChannelId: ${id}-1\r\nOtherChannelId: ${id}-2\r\n\r\n`;

const get = (m: AmiMessage, name: string) => headerValue(m, name) ?? '';
const chanVar = (m: AmiMessage, name: string) => m.headers.find(([key, value]) => key === 'ChanVariable' && value.startsWith(`${name}=`))?.[1];

/** `1002;1` for a target's Local half, `L1;1`/`L1;2` for leg 1's. */
function who(m: AmiMessage, prefix = ''): string {
  const channel = get(m, `${prefix}Channel`);
  const target = /^Local\/(\d+)@from-internal-[0-9a-f]{8}(;[12])$/.exec(channel);
  if (target) return `${target[1]}${target[2]}`;
  return /@originate-skipvm-/.test(channel) ? `L1${channel.slice(-2)}` : channel;
}

/** Event and channel, e.g. `Hangup 1002;2 26` or `DialEnd 1001;1 CANCEL` (a dial is named by its Dest). */
function label(m: AmiMessage): string {
  const event = get(m, 'Event');
  const detail = event === 'Hangup' ? ` ${get(m, 'Cause')}` : get(m, 'DialStatus') ? ` ${get(m, 'DialStatus')}` : '';
  return `${event} ${get(m, 'DestChannel') ? who(m, 'Dest') : who(m)}${detail}`;
}

describe('AMI double: Dial with several targets (ring-all)', () => {
  let double: AmiDouble;
  let client: RawAmiClient;
  const fixture = rawDoubleEachTest(options);
  const start = async (opts?: AmiDoubleOptions) => {
    ({ double, client } = await fixture.start(opts));
  };

  /** Places one call and returns its events once all `n` targets and leg 1 have hung up (and the bridge, if any, is gone). */
  async function call(id: string, data: string, n: number, dialFirst?: string): Promise<AmiMessage[]> {
    client.send(ORIGINATE(id, data, dialFirst));
    // Bridge events carry no Linkedid: they are ours when a channel of ours entered that bridge.
    const ours = () => {
      const events = client.messages().filter((m) => get(m, 'Event'));
      const mine = (m: AmiMessage) => get(m, 'Linkedid') === `${id}-1` || get(m, 'ActionID') === id;
      const bridges = new Set(events.filter(mine).map((m) => get(m, 'BridgeUniqueid')).filter((bridge) => bridge !== ''));
      return events.filter((m) => mine(m) || bridges.has(get(m, 'BridgeUniqueid')));
    };
    return eventually(() => {
      const events = ours();
      const bridged = events.some((m) => get(m, 'Event') === 'BridgeCreate');
      const done = events.filter((m) => get(m, 'Event') === 'Hangup').length === 2 * (n + 1) &&
        (!bridged || events.some((m) => get(m, 'Event') === 'BridgeDestroy'));
      return done ? events : Promise.reject(new Error(`call ${id} not over: ${events.map(label).join(', ')}`));
    });
  }
  const dials = (events: AmiMessage[], event: string) => events.filter((m) => get(m, 'Event') === event && get(m, 'Uniqueid').endsWith('-1'));
  const statusOf = (events: AmiMessage[]) => Object.fromEntries(dials(events, 'DialEnd').map((m) => [who(m, 'Dest'), get(m, 'DialStatus')]));
  const hangupsOf = (events: AmiMessage[], number: string) =>
    events.filter((m) => get(m, 'Event') === 'Hangup' && who(m).startsWith(`${number};`)).map((m) => `${who(m)} ${get(m, 'Cause')} ${get(m, 'Cause-txt')}`).sort();
  const at = (events: AmiMessage[], text: string) => indexOfEvent(events, text, label);

  it('when the second target answers first, then it wins: the others get DialEnd CANCEL and hang up with cause 26, and only the winner is bridged', async () => {
    await start();
    const events = await call('w', `${targets('1001', '1002', '5550100')},20,f(5559999)A(to-callee:to-caller)b(c2c-relay-sip-headers^s^1)`, 3);
    const begins = dials(events, 'DialBegin');
    expect(begins.map((m) => [who(m, 'Dest'), get(m, 'DialString')])).to.deep.equal([
      ['1001;1', '1001@from-internal'], ['1002;1', '1002@from-internal'], ['5550100;1', '5550100@from-internal'],
    ]);
    // They ring at once: every DialBegin comes before any target's outcome.
    expect(events.indexOf(begins.at(-1)!)).to.be.below(events.indexOf(dials(events, 'DialEnd')[0]!));
    expect(statusOf(events)).to.deep.equal({ '1001;1': 'CANCEL', '1002;1': 'ANSWER', '5550100;1': 'CANCEL' });
    for (const loser of ['1001', '5550100']) {
      expect(hangupsOf(events, loser)).to.deep.equal([`${loser};1 26 Answered elsewhere`, `${loser};2 26 Answered elsewhere`]);
      expect(at(events, `DialEnd ${loser};1 CANCEL`)).to.be.below(at(events, 'DialEnd 1002;1 ANSWER'));
      expect(at(events, `DialEnd ${loser};1 CANCEL`)).to.be.below(at(events, `Hangup ${loser};1 26`));
    }
    expect(hangupsOf(events, '1002')).to.deep.equal(['1002;1 16 Normal Clearing', '1002;2 16 Normal Clearing']);
    expect(events.filter((m) => get(m, 'Event') === 'BridgeEnter').map((m) => who(m))).to.deep.equal(['1002;1', 'L1;1']);
    expect(chanVar(events.find((m) => label(m) === 'Hangup L1;1 16')!, 'DIALSTATUS')).to.equal('DIALSTATUS=ANSWER');
    // What each target received: every option applies to all of them, the prompt only to the winner.
    const [received] = double.calls();
    expect(received?.dialStatus).to.equal('ANSWER');
    expect(received?.leg2?.exten).to.equal('1002');
    expect(received?.targets?.map((t) => [t.exten, t.dialStatus, t.callerIdNum, t.prompts, t.preDial?.ran])).to.deep.equal([
      ['1001', 'CANCEL', '5559999', [], true], ['1002', 'ANSWER', '5559999', ['to-callee'], true], ['5550100', 'CANCEL', '5559999', [], true],
    ]);
    expect(received?.targets?.map((t) => t.preDial?.channel)).to.deep.equal(begins.map((m) => get(m, 'DestChannel')));
    expect(received?.leg1.prompts).to.deep.equal(['to-caller']);
  });

  it('when the peers have blanks around them or an empty one, then app_dial strips and skips them', async () => {
    await start();
    const events = await call('e', 'Local/1003@from-internal & &\tLocal/1002@from-internal ,20', 2);
    expect(dials(events, 'DialBegin').map((m) => get(m, 'DialString'))).to.deep.equal(['1003@from-internal', '1002@from-internal']);
    expect(statusOf(events)).to.deep.equal({ '1003;1': 'BUSY', '1002;1': 'ANSWER' });
  });

  it('when one target is busy, then it ends early with its own DialEnd BUSY and causes 0/17 while the others keep ringing until one answers', async () => {
    await start();
    const events = await call('b', `${targets('1003', '1001', '5550100')},20`, 3);
    expect(statusOf(events)).to.deep.equal({ '1003;1': 'BUSY', '1001;1': 'CANCEL', '5550100;1': 'ANSWER' });
    expect(hangupsOf(events, '1003')).to.deep.equal(['1003;1 0 Unknown', '1003;2 17 User busy']);
    // The busy target is gone before the answer; the one that rang on is cancelled only then; leg 1 stays up.
    expect(at(events, 'Hangup 1003;2 17')).to.be.below(at(events, 'DialEnd 1001;1 CANCEL'));
    expect(at(events, 'DialState 1001;1 RINGING')).to.be.below(at(events, 'DialEnd 1003;1 BUSY'));
    expect(at(events, 'Hangup L1;1 16')).to.be.above(at(events, 'DialEnd 5550100;1 ANSWER'));
    expect(hangupsOf(events, '1001')).to.deep.equal(['1001;1 26 Answered elsewhere', '1001;2 26 Answered elsewhere']);
  });

  it('when nobody answers before Dial\'s timeout, then every target still ringing gets DialEnd NOANSWER at the timeout, hangs up with cause 19, and DIALSTATUS is NOANSWER, also when one was busy', async () => {
    await start();
    const cases: [string[], string[]][] = [
      [['1001', '1007'], ['1001 NOANSWER', '1007 NOANSWER']],
      [['1001', '1003', '1007'], ['1003 BUSY', '1001 NOANSWER', '1007 NOANSWER']],
    ];
    for (const [i, [numbers, dialEnds]] of cases.entries()) {
      const started = Date.now();
      const events = await call(`t${i}`, `${targets(...numbers)},0.3`, numbers.length);
      expect(Date.now() - started, numbers.join('&')).to.be.at.least(300);
      expect(dials(events, 'DialEnd').map((m) => `${who(m, 'Dest').slice(0, 4)} ${get(m, 'DialStatus')}`)).to.deep.equal(dialEnds);
      const ringing = events.filter((m) => /^100[17];/.test(who(m)) || /^100[17];/.test(who(m, 'Dest')));
      const lastNoAnswer = Math.max(...ringing.flatMap((m, index) => (get(m, 'DialStatus') === 'NOANSWER' ? [index] : [])));
      expect(ringing.findIndex((m) => /Hangup/.test(get(m, 'Event'))), 'all NOANSWER DialEnds before any hang-up').to.be.above(lastNoAnswer);
      expect(ringing.filter((m) => get(m, 'Event') === 'Hangup').map((m) => `${get(m, 'Cause')} ${get(m, 'Cause-txt')}`)).to.deep.equal(Array(4).fill('19 User alerting, no answer'));
      expect(chanVar(events.find((m) => label(m) === 'Hangup L1;1 16')!, 'DIALSTATUS')).to.equal('DIALSTATUS=NOANSWER');
      expect(double.calls()[i]?.dialStatus).to.equal('NOANSWER');
    }
  });

  it('when every target fails on its own, then leg 1\'s DIALSTATUS is the best status: BUSY, then CONGESTION, then CHANUNAVAIL; a target that rang out leaves NOANSWER', async () => {
    await start(options({ contextRingMs: { 'from-internal': 30 }, globals: {} }));
    const cases: [string[], string][] = [
      [['1003', '1006'], 'BUSY'],
      [['1005', '1003', '1004'], 'BUSY'],
      [['1004', '1005'], 'CONGESTION'],
      [['1005', '1005'], 'CHANUNAVAIL'],
      [['1003', '1001'], 'NOANSWER'],
    ];
    for (const [i, [numbers, overall]] of cases.entries()) {
      const events = await call(`f${i}`, `${targets(...numbers)},20`, numbers.length);
      const leg1 = events.find((m) => label(m) === 'Hangup L1;1 16')!;
      expect(chanVar(leg1, 'DIALSTATUS'), numbers.join('&')).to.equal(`DIALSTATUS=${overall}`);
      expect(double.calls()[i]?.dialStatus, numbers.join('&')).to.equal(overall);
      // Leg 1 hangs up only once its last target has.
      const targetHangups = events.flatMap((m, index) => (get(m, 'Event') === 'Hangup' && !who(m).startsWith('L1') ? [index] : []));
      expect(events.indexOf(leg1), numbers.join('&')).to.be.above(Math.max(...targetHangups.filter((index) => who(events[index]!).endsWith(';1'))));
    }
    // A rejecting target's own DialEnd says NOANSWER (ast_hangup_cause_to_dial_status) though it counts as "no channel".
    expect(double.calls()[3]?.targets?.map((t) => t.dialStatus)).to.deep.equal(['NOANSWER', 'NOANSWER']);
  });

  it('when leg 1 hangs up while all targets ring, then each gets DialEnd CANCEL, hangs up with 16 (not 26) and DIALSTATUS is CANCEL', async () => {
    await start(options({ leg1Outcomes: { '2007': { kind: 'answer', holdMs: 60 } } }));
    const events = await call('c', `${targets('1001', '5550100')},20`, 2, '2007');
    expect(statusOf(events)).to.deep.equal({ '1001;1': 'CANCEL', '5550100;1': 'CANCEL' });
    expect(hangupsOf(events, '1001')).to.deep.equal(['1001;1 16 Normal Clearing', '1001;2 16 Normal Clearing']);
    expect(chanVar(events.find((m) => label(m) === 'Hangup L1;1 16')!, 'DIALSTATUS')).to.equal('DIALSTATUS=CANCEL');
  });

  it('when eventOrder has a seed, then orders vary by seed and replay by seed, and every seed keeps the invariants of the answer, the timeout and the cancel', async () => {
    const orders = new Map<number, string>();
    for (let seed = 1; seed <= 12; seed++) {
      await start(options({ eventOrder: { seed }, leg1Outcomes: { '2007': { kind: 'answer', holdMs: 30 } } }));
      const events = await call('s', `${targets('1003', '1001', '1002', '5550100')},20`, 4);
      const timedOut = await call('z', `${targets('1001', '1003', '1001')},0.1`, 3);
      const cancelled = await call('c', `${targets('1001', '5550100')},20`, 2, '2007');
      client.close();
      await double.close();
      orders.set(seed, events.map(label).join('|'));
      for (const [list, winner] of [[events, '1002;1'], [timedOut, undefined], [cancelled, undefined]] as const) {
        // By full channel name: the timeout call dials 1001 twice.
        const begins = dials(list, 'DialBegin').map((m) => get(m, 'DestChannel'));
        const ends = dials(list, 'DialEnd');
        expect(new Set(begins).size, `seed ${seed}`).to.equal(begins.length);
        expect(ends.map((m) => get(m, 'DestChannel')).sort(), `seed ${seed}: one DialEnd per target`).to.deep.equal([...begins].sort());
        for (const end of ends) {
          const dest = get(end, 'DestChannel');
          expect(get(end, 'DialStatus') === 'ANSWER', `seed ${seed} ${dest}`).to.equal(who(end, 'Dest') === winner);
          const own = list.filter((m) => get(m, 'Channel') === dest || get(m, 'DestChannel') === dest);
          expect(own.map((m) => get(m, 'Event')).at(-1), `seed ${seed}: ${dest} hangs up last`).to.equal('Hangup');
          expect(list.indexOf(end), `seed ${seed}: ${dest} DialBegin before DialEnd`).to.be.above(list.findIndex((m) => get(m, 'Event') === 'DialBegin' && get(m, 'DestChannel') === dest));
        }
      }
      expect(statusOf(events), `seed ${seed}`).to.deep.equal({ '1003;1': 'BUSY', '1001;1': 'CANCEL', '1002;1': 'ANSWER', '5550100;1': 'CANCEL' });
      for (const loser of ['1001', '5550100']) {
        expect(at(events, `DialEnd ${loser};1 CANCEL`), `seed ${seed}`).to.be.below(at(events, 'DialEnd 1002;1 ANSWER'));
        expect(hangupsOf(events, loser), `seed ${seed}`).to.deep.equal([`${loser};1 26 Answered elsewhere`, `${loser};2 26 Answered elsewhere`]);
      }
      const lastTimeout = Math.max(...timedOut.flatMap((m, i) => (get(m, 'DialStatus') === 'NOANSWER' ? [i] : [])));
      const firstRungOut = timedOut.findIndex((m) => get(m, 'Event') === 'Hangup' && who(m).startsWith('1001;'));
      expect(firstRungOut, `seed ${seed}: NOANSWER DialEnds before the hang-ups`).to.be.above(lastTimeout);
      expect(Object.values(statusOf(cancelled)), `seed ${seed}`).to.deep.equal(['CANCEL', 'CANCEL']);
    }
    expect(new Set(orders.values()).size, 'orders vary by seed').to.be.at.least(6);
    await start(options({ eventOrder: { seed: 5 } }));
    expect((await call('s', `${targets('1003', '1001', '1002', '5550100')},20`, 4)).map(label).join('|'), 'replay').to.equal(orders.get(5));
  });
});
