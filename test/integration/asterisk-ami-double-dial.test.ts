/**
 * The AMI double when leg 1 runs `Dial` as the Originate's Application (asterisk-ami.md §3.7): what
 * Asterisk's manager.c and app_dial.c do with it, over a raw AMI session, and what each leg received.
 */
import { expect } from 'chai';
import { type AmiMessage, headerValue } from '../../worker/pbx/asterisk/ami-codec.js';
import type { AmiDouble } from '../doubles/ami/ami-double.js';
import { type AmiDoubleOptions, sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import type { RawAmiClient } from '../doubles/ami/raw-ami-client.js';
import { rawDoubleEachTest } from '../doubles/ami/raw-call-events.js';
import { eventually } from '../support/eventually.js';

const LEG1 = 'c2c-d-1';

function options(overrides: AmiDoubleOptions = {}): AmiDoubleOptions {
  return {
    ...sandboxAmiOptions(),
    leg2Outcomes: { '5550100': { kind: 'answer', holdMs: 10 }, '5550101': { kind: 'noanswer' } },
    timing: { ringMs: 5, holdMs: 10 },
    ...overrides,
  };
}

/** An async Originate whose leg 1 runs Dial; `extra` adds header lines. */
const ORIGINATE = (id: string, data: string, extra = '') =>
  `Action: Originate\r\nActionID: ${id}\r\nChannel: Local/1001@originate-skipvm\r\nContext: from-internal\r\nExten: 5550100\r\n` +
  `Priority: 1\r\nTimeout: 2000\r\nCallerID: "Call" <1001>\r\nApplication: Dial\r\nData: ${data}\r\n${extra}` +
  `Async: true\r\nChannelId: ${LEG1}\r\nOtherChannelId: c2c-d-2\r\n\r\n`;

describe('AMI double: Dial as the Originate Application', () => {
  let double: AmiDouble;
  let client: RawAmiClient;
  const fixture = rawDoubleEachTest(options);
  const start = async (opts?: AmiDoubleOptions) => {
    ({ double, client } = await fixture.start(opts));
  };

  const ours = () => client.messages().filter((m) => headerValue(m, 'Event') !== undefined && [headerValue(m, 'Linkedid'), headerValue(m, 'ActionID')].some((v) => v === LEG1 || v === 'o1'));
  const events = (name: string) => ours().filter((m) => headerValue(m, 'Event') === name);

  it('when the Originate has both Application and Exten, then the Exten is still checked and the OriginateResponse names Application and Data', async () => {
    await start();
    client.send(ORIGINATE('bad', 'Local/5550100@from-internal,5').replace('Exten: 5550100', 'Exten: abc'));
    expect(headerValue(await client.waitFor('bad'), 'Message')).to.equal('Extension does not exist.');
    client.send(ORIGINATE('o1', 'Local/5550100@from-internal,5'));
    const response = await client.waitFor('o1', 'OriginateResponse');
    expect(response.headers.map(([name]) => name)).to.include.members(['Application', 'Data']).and.not.include.members(['Context', 'Exten']);
    expect(headerValue(response, 'Data')).to.equal('Local/5550100@from-internal,5');
    await eventually(() => events('Hangup').length === 4);
    // Leg 2 is the Local channel Dial creates in the routing context, dialed by leg 1's `;1` half.
    const begin = events('DialBegin').find((m) => headerValue(m, 'Uniqueid') === LEG1)!;
    expect(headerValue(begin, 'DestChannel')).to.match(/^Local\/5550100@from-internal-[0-9a-f]{8};1$/);
    expect(headerValue(begin, 'DialString')).to.equal('5550100@from-internal');
  });

  it('when Data holds an upper-case blacklisted word, then a user without system is refused; the same word in lower case is not', async () => {
    await start();
    client.send(ORIGINATE('up', 'Local/5550100@from-internal,5,U(DB^x)'));
    expect(headerValue(await client.waitFor('up'), 'Message')).to.equal('Originate Access Forbidden: app or data blacklisted');
    client.send(ORIGINATE('low', 'Local/5550100@from-internal,5,U(db^x)'));
    expect(headerValue(await client.waitFor('low'), 'Message')).to.equal('Originate successfully queued');
  });

  it('when the routing context would ring for a minute, then Dial gives up at its own timeout with NOANSWER', async () => {
    await start(options({ contextRingMs: { 'from-internal': 60_000 }, globals: {} }));
    const started = Date.now();
    client.send(ORIGINATE('o1', 'Local/5550101@from-internal,1').replace('Exten: 5550100', 'Exten: 5550101'));
    const end = await eventually(() => events('DialEnd').find((m) => headerValue(m, 'Uniqueid') === LEG1) ?? Promise.reject(new Error('no DialEnd')), { timeoutMs: 3000 });
    expect(headerValue(end, 'DialStatus')).to.equal('NOANSWER');
    expect(Date.now() - started).to.be.within(900, 2500);
    expect(double.calls()[0]?.leg2?.ringLimitMs).to.equal(1000);
  });

  it('when Dial has f(), A() and the recording U(), then leg 2 gets the forced caller ID, each party its prompt, and MixMonitor starts before DialEnd ANSWER', async () => {
    await start();
    const vars = 'Variable: __C2C_PAGE=a\\,b"\r\nVariable: _ONCE=1,LEG1ONLY=2\r\n';
    client.send(ORIGINATE('o1', 'Local/5550100@from-internal,5,f(5559999)A(to-callee:to-caller)U(c2c-relay-record^abc-123^wav)', vars));
    await eventually(() => events('Hangup').length === 4);
    const [call] = double.calls();
    expect(call?.leg1).to.deep.include({ callerIdNum: '1001', prompts: ['to-caller'], variables: { C2C_PAGE: 'a,b', ONCE: '1', LEG1ONLY: '2' } });
    expect(call?.leg2).to.deep.include({ callerIdNum: '5559999', prompts: ['to-callee'], variables: { C2C_PAGE: 'a,b', ONCE: '1' }, context: 'from-internal' });
    expect(call?.recording).to.deep.equal({ channel: call?.recording?.channel, file: '/var/spool/asterisk/monitor/c2c-abc-123.wav', options: 'b', state: 'stopped' });
    const list = ours();
    const index = (event: string, test: (m: AmiMessage) => boolean = () => true) => list.findIndex((m) => headerValue(m, 'Event') === event && test(m));
    const leg2One = call?.recording?.channel;
    const answered = index('DialEnd', (m) => headerValue(m, 'Uniqueid') === LEG1 && headerValue(m, 'DialStatus') === 'ANSWER');
    expect(index('MixMonitorStart', (m) => headerValue(m, 'Channel') === leg2One)).to.be.within(0, answered - 1);
    expect(index('MixMonitorStop', (m) => headerValue(m, 'Channel') === leg2One)).to.be.within(0, index('Hangup', (m) => headerValue(m, 'Channel') === leg2One) - 1);
  });

  it('when U() names a context the PBX does not have, then the call goes on unrecorded, as Asterisk only logs the failed Gosub', async () => {
    await start();
    client.send(ORIGINATE('o1', 'Local/5550100@from-internal,5,U(no-such-sub^abc^wav)'));
    await eventually(() => events('Hangup').length === 4);
    expect(double.calls()[0]?.recording).to.equal(undefined);
    expect(events('MixMonitorStart')).to.have.length(0);
  });

  it('when Dial has b() naming the SIP-header subroutine, then it runs on leg 2\'s new channel and its INVITE carries the handed-over headers, byte for byte', async () => {
    await start();
    const vars = 'Variable: __C2C_HDR_1_NAME=X-Campaign\r\nVariable: __C2C_HDR_1_VALUE=a\\,b \\"q\\" ^x^ ${EXTEN} (y))\r\n' +
      'Variable: __C2C_HDR_2_NAME=X-Empty\r\nVariable: __C2C_HDR_2_VALUE=\r\nVariable: __C2C_HDR_COUNT=2\r\n';
    client.send(ORIGINATE('o1', 'Local/5550100@from-internal,5,b(c2c-relay-sip-headers^s^1)', vars));
    await eventually(() => events('Hangup').length === 4);
    const [call] = double.calls();
    expect(call?.leg2?.sipHeaders).to.deep.equal([['X-Campaign', 'a,b "q" ^x^ ${EXTEN} (y))'], ['X-Empty', '']]);
    expect(call?.leg2?.preDial).to.deep.include({ context: 'c2c-relay-sip-headers', exten: 's', priority: '1', ran: true });
    expect(call?.leg2?.preDial?.channel).to.match(/^Local\/5550100@from-internal-[0-9a-f]{8};1$/);
    expect(call?.leg1.sipHeaders).to.deep.equal([]);
  });

  it('when the subroutine uses PJSIP_HEADER, or b() names a missing context, then no header is added: leg 2 is a Local channel', async () => {
    await start(options({ sipHeaderFunction: 'PJSIP_HEADER' }));
    const vars = 'Variable: __C2C_HDR_1_NAME=X-A\r\nVariable: __C2C_HDR_1_VALUE=1\r\nVariable: __C2C_HDR_COUNT=1\r\n';
    client.send(ORIGINATE('o1', 'Local/5550100@from-internal,5,b(c2c-relay-sip-headers^s^1)', vars));
    await eventually(() => double.calls()[0]?.leg2 !== undefined);
    expect(double.calls()[0]?.leg2).to.deep.include({ sipHeaders: [] });
    expect(double.calls()[0]?.leg2?.preDial?.ran).to.equal(true);
    client.send(ORIGINATE('o2', 'Local/5550100@from-internal,5,b(no-such-handler^s^1)', vars).replaceAll('c2c-d-', 'c2c-e-'));
    await eventually(() => double.calls()[1]?.leg2 !== undefined);
    expect(double.calls()[1]?.leg2?.sipHeaders).to.deep.equal([]);
    expect(double.calls()[1]?.leg2?.preDial?.ran).to.equal(false);
  });

  it('when a header name were not validated, then it would rewrite the subroutine\'s Set: why the relay only passes ^[A-Za-z0-9_-]+$', async () => {
    await start();
    const vars = 'Variable: __C2C_HDR_1_NAME=X-A)=evil\r\nVariable: __C2C_HDR_1_VALUE=v\r\nVariable: __C2C_HDR_COUNT=1\r\n';
    client.send(ORIGINATE('o1', 'Local/5550100@from-internal,5,b(c2c-relay-sip-headers^s^1)', vars));
    await eventually(() => double.calls()[0]?.leg2 !== undefined);
    expect(double.calls()[0]?.leg2?.sipHeaders).to.deep.equal([['X-A', 'evil)=v']]);
  });

  it('when CHANNEL(musicclass) is written and Dial has m() or r(), then both legs hold that class and leg 1 hears the music or tone while leg 2 rings', async () => {
    await start(options({ indicationTones: ['ring', 'dialrecall'] }));
    const cases: [string, unknown][] = [
      ['m(acme-ringing)', { kind: 'music', musicClass: 'acme-ringing' }],
      ['m', { kind: 'music', musicClass: 'acme-hold' }],
      ['r(dialrecall)', { kind: 'tone', tone: 'dialrecall' }],
      ['r(no-such-tone)', { kind: 'ringing' }],
      ['r', { kind: 'ringing' }],
      ['', { kind: 'leg2' }],
    ];
    for (const [i, [option, heard]] of cases.entries()) {
      const id = `c2c-m${i}-`;
      client.send(ORIGINATE(`o${i}`, `Local/5550100@from-internal,5${option ? `,${option}` : ''}`, 'Variable: CHANNEL(musicclass)=acme-hold\r\n').replaceAll('c2c-d-', id));
      const call = await eventually(() => double.calls().find((c) => c.actionId === `o${i}` && c.leg2) ?? Promise.reject(new Error('not dialed')));
      expect(call.leg1.ringback, option).to.deep.equal(heard);
      expect([call.leg1.musicClass, call.leg2?.musicClass], option).to.deep.equal(['acme-hold', 'acme-hold']);
    }
  });
});
