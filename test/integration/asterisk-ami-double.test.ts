/** The AMI double answers like the live Asterisk 22 transcripts, so driver tests against it mean something. */
import { expect } from 'chai';
import { headerValue } from '../../worker/pbx/asterisk/ami-codec.js';
import { type AmiDouble, startAmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { connectRaw, type RawAmiClient } from '../doubles/ami/raw-ami-client.js';
import { eventually } from '../support/eventually.js';

const ORIGINATE = (id: string, extra = '') =>
  `Action: Originate\r\nActionID: ${id}\r\nChannel: Local/1001@originate-skipvm\r\nContext: from-internal\r\n` +
  `Exten: 5551234\r\nPriority: 1\r\nTimeout: 5000\r\nCallerID: "Call" <1001>\r\nAsync: true\r\n${extra}\r\n`;

describe('AMI double (wire behaviour)', () => {
  let double: AmiDouble;
  let clients: RawAmiClient[] = [];
  const connect = async () => {
    const client = await connectRaw(double.port);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    double = await startAmiDouble({
      ...sandboxAmiOptions(),
      users: {
        relay: { secret: 'relaysecret', read: ['call'], write: ['originate', 'call', 'reporting'] },
        admin: { secret: 'adminsecret', read: ['all'], write: ['all'] },
      },
      loginFailureDelayMs: 150,
      timing: { ringMs: 5, holdMs: 50 },
    });
  });
  afterEach(async () => {
    for (const client of clients) client.close();
    clients = [];
    await double.close();
  });

  it('when a client connects, then the banner comes first and alone, before anything is sent', async () => {
    const client = await connect();
    await eventually(() => client.text() === 'Asterisk Call Manager/11.0.0\r\n');
  });

  it('when an action other than Login comes before login, then Permission denied and the connection stays open', async () => {
    const client = await connect();
    client.send('Action: Ping\r\nActionID: p1\r\n\r\n');
    expect(headerValue(await client.waitFor('p1'), 'Message')).to.equal('Permission denied');
    expect((await client.login('relay', 'relaysecret')).headers[0]).to.deep.equal(['Response', 'Success']);
  });

  it('when the secret is wrong, then the answer waits the configured delay, says Authentication failed and closes', async () => {
    const client = await connect();
    const started = Date.now();
    const reply = await client.login('relay', 'wrong');
    expect(Date.now() - started).to.be.at.least(140);
    expect(reply.headers).to.deep.equal([['Response', 'Error'], ['ActionID', 'raw-login-1'], ['Message', 'Authentication failed']]);
    await eventually(() => client.closed());
  });

  it('when the client logs in with an MD5 challenge, then the login is accepted', async () => {
    const { createHash } = await import('node:crypto');
    const client = await connect();
    client.send('Action: Challenge\r\nActionID: c1\r\nAuthType: MD5\r\n\r\n');
    const challenge = headerValue(await client.waitFor('c1'), 'Challenge') ?? '';
    const key = createHash('md5').update(`${challenge}relaysecret`).digest('hex');
    client.send(`Action: Login\r\nActionID: c2\r\nAuthType: MD5\r\nUsername: relay\r\nKey: ${key}\r\n\r\n`);
    expect(headerValue(await client.waitFor('c2'), 'Message')).to.equal('Authentication accepted');
  });

  it('when input uses bare LF, lower-case names, duplicates and a stray empty line, then Asterisk parsing rules apply', async () => {
    const client = await connect();
    await client.login('relay', 'relaysecret');
    client.send('action:ping\nactionid:lf-1\n\n');
    expect(headerValue(await client.waitFor('lf-1'), 'Ping')).to.equal('Pong');
    client.send('Action: Frobnicate\r\nActionID: d1\r\nActionID: d2\r\n\r\n');
    expect(headerValue(await client.waitFor('d1'), 'Message')).to.equal(
      'Invalid/unknown command: Frobnicate. Use Action: ListCommands to show available commands.',
    );
    client.send('\r\n');
    await eventually(() => client.text().includes('Response: Error\r\nMessage: Missing action in request\r\n\r\n'));
  });

  it('when a line is too long or there are too many lines, then the documented parse errors come back', async () => {
    const client = await connect();
    await client.login('relay', 'relaysecret');
    client.send(`Action: Ping\r\nActionID: long\r\nX: ${'a'.repeat(1100)}\r\n\r\n`);
    expect(headerValue(await client.waitFor('long'), 'Message')).to.equal('Failed to parse message: line too long');
    client.send(`Action: Ping\r\nActionID: many\r\n${'X: y\r\n'.repeat(140)}\r\n`);
    expect(headerValue(await client.waitFor('many'), 'Message')).to.equal('Too many lines in message or allocation failure');
  });

  it('when Originates are invalid, then the exact Asterisk error strings come back, the 149-char one with its bare LF', async () => {
    const client = await connect();
    await client.login('relay', 'relaysecret');
    const cases: [string, string, string][] = [
      ['o1', ORIGINATE('o1').replace('Local/1001@originate-skipvm', '1001'), 'Invalid channel'],
      ['o2', ORIGINATE('o2').replace('Exten: 5551234', 'Exten: abc'), 'Extension does not exist.'],
      ['o3', ORIGINATE('o3').replace('Timeout: 5000', 'Timeout: ten'), 'Invalid timeout'],
      ['o4', ORIGINATE('o4', 'Application: System\r\nData: touch /tmp/x\r\n').replace(/Context.*\r\nExten.*\r\nPriority.*\r\n/, ''), 'Originate Access Forbidden: app or data blacklisted'],
      ['o5', ORIGINATE('o5').replace('Async: true\r\n', '').replace('Priority: 1\r\n', ''), "Originate with 'Exten' requires 'Context' and 'Priority'"],
      ['o6', ORIGINATE('o6', `ChannelId: ${'u'.repeat(150)}\r\n`), 'Uniqueid length exceeds maximum of 149'],
    ];
    for (const [id, text, message] of cases) {
      client.send(text);
      expect(headerValue(await client.waitFor(id), 'Message'), id).to.equal(message);
    }
    expect(client.text()).to.contain('Message: Uniqueid length exceeds maximum of 149\n\r\n\r\n');
    expect(double.originates().map((o) => o.result)).to.have.length(6);
  });

  it('when an Async Originate succeeds, then the reply precedes an OriginateResponse laid out as in §3.3', async () => {
    const client = await connect();
    await client.login('relay', 'relaysecret', 'call');
    client.send(ORIGINATE('a1', 'ChannelId: c2c-x-1\r\nOtherChannelId: c2c-x-2\r\n'));
    const event = await client.waitFor('a1', 'OriginateResponse');
    // channelvars = C2C_ID: a success lists the answered channel's variables, as in transcript a.
    const channel = headerValue(event, 'Channel');
    expect(event.headers.map(([name]) => name)).to.deep.equal([
      'Event', 'Privilege', 'ActionID', 'Response', 'Channel', 'Context', 'Exten', 'Reason', 'Uniqueid', 'CallerIDNum', 'CallerIDName',
      `ChanVariable(${channel})`,
    ]);
    expect(channel).to.match(/^Local\/1001@originate-skipvm-[0-9a-f]{8};1$/);
    expect(headerValue(event, 'Uniqueid')).to.equal('c2c-x-1');
    const all = client.messages();
    const replyIndex = all.findIndex((m) => headerValue(m, 'Message') === 'Originate successfully queued');
    expect(replyIndex).to.be.lessThan(all.indexOf(event));
    await eventually(() => client.messages().some((m) => headerValue(m, 'Event') === 'Hangup' && headerValue(m, 'Linkedid') === 'c2c-x-1'));
  });

  it('when an Originate is synchronous, then the session is blocked until leg 1 fails and no OriginateResponse follows', async () => {
    await double.close();
    double = await startAmiDouble({ ...sandboxAmiOptions(), timing: { ringMs: 100 }, leg1Outcomes: { '1001': { kind: 'busy' } } });
    const client = await connect();
    await client.login('relay', 'relaysecret', 'call');
    client.send(ORIGINATE('s1').replace('Async: true\r\n', '') + 'Action: Ping\r\nActionID: s2\r\n\r\n');
    expect(headerValue(await client.waitFor('s1'), 'Message')).to.equal('Originate failed');
    const ping = await client.waitFor('s2');
    const order = client.messages().map((m) => headerValue(m, 'ActionID') ?? headerValue(m, 'Event'));
    // The Ping sent right behind the Originate is only answered after it, and events wait for the reply.
    expect(order.indexOf('s1')).to.be.lessThan(client.messages().indexOf(ping));
    expect(order.slice(order.indexOf('s1') + 1, order.indexOf('s2'))).to.include('Hangup');
    expect(order).to.not.include('OriginateResponse');
  });

  it('when the user has eventfilter lines, then only matching events reach it, and "!" filters exclude', async () => {
    await double.close();
    double = await startAmiDouble({
      ...sandboxAmiOptions(),
      users: {
        relay: { secret: 'relaysecret', read: ['call'], write: ['originate'], eventFilters: ['Event: OriginateResponse', 'Event: Hangup', 'Event: DialEnd', '!DialStatus: ANSWER'] },
      },
      timing: { ringMs: 5, holdMs: 20 },
    });
    const client = await connect();
    await client.login('relay', 'relaysecret', 'call');
    client.send(ORIGINATE('f1', 'ChannelId: c2c-f-1\r\n'));
    await client.waitFor('f1', 'OriginateResponse');
    await eventually(() => client.messages().filter((m) => headerValue(m, 'Event') === 'Hangup').length >= 3);
    const events = client.messages().map((m) => headerValue(m, 'Event')).filter((e) => e !== undefined);
    // Legacy filters are unanchored regular expressions: `Event: Hangup` lets HangupRequest through too.
    expect([...new Set(events)].sort()).to.deep.equal(['Hangup', 'HangupRequest', 'OriginateResponse']);
  });

  it('when a session logged in with Events: off, then it receives no call events', async () => {
    const quiet = await connect();
    const loud = await connect();
    await quiet.login('relay', 'relaysecret', 'off');
    await loud.login('relay', 'relaysecret', 'call');
    quiet.send(ORIGINATE('q1'));
    await loud.waitFor('q1', 'OriginateResponse');
    expect(quiet.messages().some((m) => headerValue(m, 'Event') !== undefined)).to.equal(false);
  });

  it('when lookups run, then DBGet puts ActionID last and PJSIPShowEndpoint needs system and leaks an AuthDetail password', async () => {
    const relay = await connect();
    await relay.login('relay', 'relaysecret');
    relay.send('Action: DBGet\r\nActionID: g1\r\nFamily: AMPUSER\r\nKey: 1001/cidname\r\n\r\n');
    const item = await relay.waitFor('g1', 'DBGetResponse');
    expect(item.headers.at(-1)).to.deep.equal(['ActionID', 'g1']);
    expect(headerValue(item, 'Val')).to.equal('Alice Example');
    relay.send('Action: PJSIPShowEndpoint\r\nActionID: e1\r\nEndpoint: 1001\r\n\r\n');
    expect(headerValue(await relay.waitFor('e1'), 'Message')).to.equal('Permission denied');

    const admin = await connect();
    await admin.login('admin', 'adminsecret', 'off');
    admin.send('Action: PJSIPShowEndpoint\r\nActionID: e2\r\nEndpoint: 1001\r\n\r\n');
    expect(headerValue(await admin.waitFor('e2', 'AuthDetail'), 'Password')).to.equal('sip-secret-1001');
    admin.send('Action: PJSIPShowEndpoint\r\nActionID: e3\r\nEndpoint: 9999\r\n\r\n');
    await admin.waitFor('e3');
    expect(admin.text()).to.contain('Message: Unable to retrieve endpoint 9999\n\r\n\r\n');
    admin.send('Action: Getvar\r\nActionID: v1\r\nVariable: PJSIP_ENDPOINT(1002,context)\r\n\r\n');
    expect(headerValue(await admin.waitFor('v1'), 'Value')).to.equal('from-internal');
    relay.send('Action: Getvar\r\nActionID: v2\r\nVariable: DB_EXISTS(AMPUSER/9999/cidname)\r\n\r\n');
    expect(headerValue(await relay.waitFor('v2'), 'Value')).to.equal('0');
    relay.send('Action: DBGet\r\nActionID: g2\r\nFamily: AMPUSER\r\nKey: 9999/cidname\r\n\r\n');
    expect(headerValue(await relay.waitFor('g2'), 'Message')).to.equal('Database entry not found');
    relay.send('Action: ExtensionState\r\nActionID: x1\r\nExten: 1001\r\nContext: ext-local\r\n\r\n');
    expect(headerValue(await relay.waitFor('x1'), 'StatusText')).to.equal('Idle');
  });
});
