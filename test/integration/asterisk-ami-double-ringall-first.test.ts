/**
 * The AMI double when leg 1 goes to the README's Click-to-FindMe "list first, all at once" context
 * (`Local/s@c2c-relay-ringall`, whose `;2` half runs `Dial(${C2C_RINGALL},${C2C_RING})` then
 * `Hangup()`): the first target to answer answers leg 1 and phone_to_call is dialed; nobody
 * answering fails the Originate. Over a raw AMI session on a real socket.
 */
import { expect } from 'chai';
import type { AmiMessage } from '../../worker/pbx/asterisk/ami-codec.js';
import type { AmiDouble } from '../doubles/ami/ami-double.js';
import { type AmiDoubleOptions, FREEPBX_DIALPLAN, sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import type { RawAmiClient } from '../doubles/ami/raw-ami-client.js';
import { callEvents, eventLabel, field, rawDoubleEachTest, indexOfEvent } from '../doubles/ami/raw-call-events.js';

function options(overrides: AmiDoubleOptions = {}): AmiDoubleOptions {
  return {
    ...sandboxAmiOptions(),
    channelVars: ['C2C_ID', 'DIALSTATUS'],
    leg1Outcomes: {
      '1002': { kind: 'answer', ringMs: 40, holdMs: 30 },
      '1003': { kind: 'busy', ringMs: 5 },
      '1004': { kind: 'noanswer' },
      '1005': { kind: 'rejected', ringMs: 10 },
      '1006': { kind: 'congestion', ringMs: 8 },
      '1007': { kind: 'busy', ringMs: 15 },
      '1008': { kind: 'noanswer' },
    },
    leg2Outcomes: { '5550100': { kind: 'answer', ringMs: 10, holdMs: 20 } },
    timing: { ringMs: 5, holdMs: 20 },
    ...overrides,
  };
}

const targets = (...numbers: string[]) => numbers.map((n) => `Local/${n}@from-internal`).join('&');

interface Place {
  ring?: string;
  timeoutMs?: number;
  /** `C2C_RINGALL` or `__C2C_RINGALL`. */
  name?: string;
}

const ORIGINATE = (id: string, numbers: string[], { ring = '20', timeoutMs = 2000, name = 'C2C_RINGALL' }: Place = {}) =>
  `Action: Originate\r\nActionID: ${id}\r\nChannel: Local/s@c2c-relay-ringall\r\nTimeout: ${timeoutMs}\r\nCallerID: "Call" <2001>\r\n` +
  `Variable: ${name}=${targets(...numbers)}\r\nVariable: C2C_RING=${ring}\r\nApplication: Dial\r\nData: Local/5550100@from-internal,20\r\n` +
  `Async: true\r\nChannelId: ${id}-1\r\nOtherChannelId: ${id}-2\r\n\r\n`;

const get = field;

/** `1002;1` for a target's half, `L1;1`/`L1;2` for leg 1's, `5550100;1` for leg 2's. */
function who(m: AmiMessage, prefix = ''): string {
  const channel = get(m, `${prefix}Channel`);
  const local = /^Local\/(\d+)@from-internal-[0-9a-f]{8}(;[12])$/.exec(channel);
  if (local) return `${local[1]}${local[2]}`;
  return /^Local\/s@c2c-relay-ringall-/.test(channel) ? `L1${channel.slice(-2)}` : channel;
}

const label = (m: AmiMessage) => eventLabel(m, who);

describe('AMI double: leg 1 to the README ring-all context (Click-to-FindMe list first, all at once)', () => {
  let double: AmiDouble;
  let client: RawAmiClient;
  const fixture = rawDoubleEachTest(options);
  const start = async (opts?: AmiDoubleOptions) => {
    ({ double, client } = await fixture.start(opts));
  };

  /** Places one call; its events once every channel (`channels` halves) has hung up and the OriginateResponse came. */
  async function call(id: string, numbers: string[], channels: number, place?: Place): Promise<AmiMessage[]> {
    client.send(ORIGINATE(id, numbers, place));
    return callEvents(client, id, channels, label);
  }
  const at = (events: AmiMessage[], text: string) => indexOfEvent(events, text, label);
  /** DialBegin/DialEnd of the targets: their caller is leg 1's `;2` half. */
  const targetDials = (events: AmiMessage[], event: string, id: string) =>
    events.filter((m) => get(m, 'Event') === event && get(m, 'Uniqueid') === `${id}-2`);
  /** Leg 2's dial: by leg 1's `;1` half (the Originate's own dial of leg 1 has no caller). */
  const leg2Dials = (events: AmiMessage[], id: string) => events.filter((m) => get(m, 'Event') === 'DialBegin' && get(m, 'Uniqueid') === `${id}-1`);
  const statusOf = (events: AmiMessage[], id: string) =>
    Object.fromEntries(targetDials(events, 'DialEnd', id).map((m) => [who(m, 'Dest'), get(m, 'DialStatus')]));
  const hangupsOf = (events: AmiMessage[], name: string) =>
    events.filter((m) => get(m, 'Event') === 'Hangup' && who(m).startsWith(`${name};`)).map((m) => `${who(m)} ${get(m, 'Cause')}`).sort();

  /** What must hold for any order: one id per call, targets dialed by `;2`, and the answer or the failure. */
  function invariants(events: AmiMessage[], id: string, answered: boolean): void {
    for (const m of events.filter((e) => get(e, 'Linkedid'))) expect(get(m, 'Linkedid'), label(m)).to.equal(`${id}-1`);
    for (const m of [...targetDials(events, 'DialBegin', id), ...targetDials(events, 'DialEnd', id)]) {
      expect(get(m, 'Channel'), label(m)).to.match(/^Local\/s@c2c-relay-ringall-[0-9a-f]{8};2$/);
    }
    const response = events.filter((m) => get(m, 'Event') === 'OriginateResponse');
    expect(response.map((m) => get(m, 'Response'))).to.deep.equal([answered ? 'Success' : 'Failure']);
    expect(get(response[0]!, 'Uniqueid')).to.equal(`${id}-1`);
    const lastTargetEnd = Math.max(...targetDials(events, 'DialEnd', id).map((m) => events.indexOf(m)));
    if (answered) {
      expect(leg2Dials(events, id).map((m) => get(m, 'DialString'))).to.deep.equal(['5550100@from-internal']);
      expect(events.indexOf(leg2Dials(events, id)[0]!)).to.be.above(lastTargetEnd);
    } else {
      expect(leg2Dials(events, id)).to.deep.equal([]);
    }
  }

  it('when the second target answers first, then it wins: the others get DialEnd CANCEL and cause 26, the Originate succeeds and phone_to_call is dialed once', async () => {
    await start();
    const events = await call('w', ['1004', '1002', '1008'], 2 + 6 + 2);
    invariants(events, 'w', true);
    const begins = targetDials(events, 'DialBegin', 'w');
    expect(begins.map((m) => [who(m, 'Dest'), get(m, 'DialString')])).to.deep.equal([
      ['1004;1', '1004@from-internal'], ['1002;1', '1002@from-internal'], ['1008;1', '1008@from-internal'],
    ]);
    expect(statusOf(events, 'w')).to.deep.equal({ '1004;1': 'CANCEL', '1002;1': 'ANSWER', '1008;1': 'CANCEL' });
    for (const loser of ['1004', '1008']) {
      expect(hangupsOf(events, loser)).to.deep.equal([`${loser};1 26`, `${loser};2 26`]);
      expect(at(events, `DialEnd ${loser};1 CANCEL`)).to.be.below(at(events, `Hangup ${loser};1 26`));
    }
    // The answer reaches `;1` only after the winner answered; then leg 1 runs its Application.
    expect(at(events, 'DialEnd 1002;1 ANSWER')).to.be.below(at(events, 'OriginateResponse Success 4'));
    expect(at(events, 'DialEnd 1002;1 ANSWER')).to.be.below(at(events, 'DialEnd L1;1 ANSWER'));
    expect(hangupsOf(events, '1002')).to.deep.equal(['1002;1 16', '1002;2 16']);
    const [received] = double.calls();
    expect(received?.leg1Targets?.map((t) => [t.exten, t.context, t.channel.endsWith(';2'), t.dialStatus])).to.deep.equal([
      ['1004', 'from-internal', true, 'CANCEL'], ['1002', 'from-internal', true, 'ANSWER'], ['1008', 'from-internal', true, 'CANCEL'],
    ]);
    expect(received?.leg2?.exten).to.equal('5550100');
  });

  it('when a target is busy, then it ends early with its own DialEnd BUSY while the others keep ringing', async () => {
    await start();
    const events = await call('b', ['1003', '1004', '1002'], 2 + 6 + 2);
    invariants(events, 'b', true);
    expect(statusOf(events, 'b')).to.deep.equal({ '1003;1': 'BUSY', '1004;1': 'CANCEL', '1002;1': 'ANSWER' });
    expect(hangupsOf(events, '1003')).to.deep.equal(['1003;1 0', '1003;2 17']);
    expect(at(events, 'DialState 1004;1 RINGING')).to.be.below(at(events, 'DialEnd 1003;1 BUSY'));
    expect(at(events, 'Hangup 1003;2 17')).to.be.below(at(events, 'DialEnd 1004;1 CANCEL'));
    // Leg 1's `;1` shows the ringing app_dial indicates to `;2`.
    expect(at(events, 'DialState L1;1 RINGING')).to.be.below(at(events, 'OriginateResponse Success 4'));
  });

  it('when nobody answers, then each target has its DialEnd, `;2` hangs up after Dial, the Originate fails with Reason 0 and nothing dials leg 2', async () => {
    await start();
    const cases: [string, string[], Record<string, string>, number][] = [
      ['allbusy', ['1003', '1007', '1006'], { '1003;1': 'BUSY', '1007;1': 'BUSY', '1006;1': 'CONGESTION' }, 16],
      ['noanswer', ['1004', '1008'], { '1004;1': 'NOANSWER', '1008;1': 'NOANSWER' }, 16],
      ['mixed', ['1004', '1003', '1005'], { '1003;1': 'BUSY', '1005;1': 'NOANSWER', '1004;1': 'NOANSWER' }, 21],
    ];
    for (const [i, [id, numbers, statuses, cause]] of cases.entries()) {
      const started = Date.now();
      const events = await call(id, numbers, 2 + 2 * numbers.length, { ring: '0.3' });
      invariants(events, id, false);
      expect(statusOf(events, id), id).to.deep.equal(statuses);
      expect(targetDials(events, 'DialEnd', id).map((m) => who(m, 'Dest')), id).to.have.length(numbers.length);
      // A rejecting target leaves its cause 21 on `;2`; busy ones leave 0, which Hangup() turns into 16.
      expect(hangupsOf(events, 'L1'), id).to.deep.equal([`L1;1 ${cause}`, `L1;2 ${cause}`]);
      expect(at(events, 'OriginateResponse Failure 0'), id).to.be.above(Math.max(...targetDials(events, 'DialEnd', id).map((m) => events.indexOf(m))));
      expect(at(events, 'DialEnd L1;1 NOANSWER'), id).to.be.above(-1);
      if (numbers.includes('1004')) expect(Date.now() - started, id).to.be.at.least(300);
      const received = double.calls()[i];
      expect(received?.leg2, id).to.equal(undefined);
      expect(Object.fromEntries(received?.leg1Targets?.map((t) => [`${t.exten};1`, t.dialStatus]) ?? []), id).to.deep.equal(statuses);
    }
    // Every busy: Dial's DIALSTATUS BUSY on `;2`, still Reason 0 (Dial indicates no busy to its caller).
    const firstL2 = client.messages().find((m) => get(m, 'Event') === 'Hangup' && get(m, 'Uniqueid') === 'allbusy-2');
    expect(firstL2?.headers.find(([k, v]) => k === 'ChanVariable' && v.startsWith('DIALSTATUS='))?.[1]).to.equal('DIALSTATUS=BUSY');
  });

  it('when the Originate Timeout passes before C2C_RING, then leg 1 times out: Reason 3, cause 19, and `;2` cancels the targets', async () => {
    await start();
    const events = await call('t', ['1004', '1008'], 6, { ring: '20', timeoutMs: 300 });
    invariants(events, 't', false);
    expect(at(events, 'OriginateResponse Failure 3')).to.be.above(-1);
    expect(statusOf(events, 't')).to.deep.equal({ '1004;1': 'CANCEL', '1008;1': 'CANCEL' });
    expect(hangupsOf(events, 'L1')).to.deep.equal(['L1;1 19', 'L1;2 19']);
    expect(hangupsOf(events, '1004')).to.deep.equal(['1004;1 19', '1004;2 19']);
  });

  it('when C2C_RINGALL is a plain variable, then the `;2` half has it (ast_unreal_call_setup copies every variable) but the targets do not; with __ they do too', async () => {
    await start();
    await call('p', ['1002'], 6);
    await call('i', ['1002'], 6, { name: '__C2C_RINGALL' });
    const [plain, inherited] = double.calls();
    expect(plain?.leg1.variables).to.include({ C2C_RINGALL: targets('1002'), C2C_RING: '20' });
    expect(plain?.leg1Targets?.[0]?.dialStatus).to.equal('ANSWER');
    expect(plain?.leg1Targets?.[0]?.variables).to.not.have.property('C2C_RINGALL');
    expect(inherited?.leg1Targets?.[0]?.dialStatus).to.equal('ANSWER');
    expect(inherited?.leg1Targets?.[0]?.variables).to.include({ C2C_RINGALL: targets('1002') });
  });

  it('when the context is not installed, then Local/s@c2c-relay-ringall is unreachable as any missing context', async () => {
    await start({ ...options(), dialplan: FREEPBX_DIALPLAN });
    const events = await call('n', ['1002'], 2);
    expect(events.map(label).filter((l) => /^(OriginateResponse|DialBegin)/.test(l))).to.deep.equal(['OriginateResponse Failure 0']);
    expect(double.calls()[0]?.leg1Targets).to.equal(undefined);
  });

  it('when eventOrder has a seed, then every seed keeps the invariants of the answer and of the failures', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      await start(options({ eventOrder: { seed } }));
      invariants(await call(`s${seed}w`, ['1003', '1004', '1002'], 10), `s${seed}w`, true);
      invariants(await call(`s${seed}f`, ['1005', '1003', '1004'], 8, { ring: '0.1' }), `s${seed}f`, false);
      invariants(await call(`s${seed}t`, ['1004', '1003'], 6, { timeoutMs: 100 }), `s${seed}t`, false);
      client.close();
      await double.close();
    }
    await start();
  });
});
