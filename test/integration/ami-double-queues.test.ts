/** The AMI double speaks app_queue like Asterisk 22 (apps/app_queue.c), so Click-to-Agent can be tested against it. */
import { expect } from 'chai';
import { type AmiMessage, headerValue } from '../../worker/pbx/asterisk/ami-codec.js';
import { type AmiDouble, startAmiDouble } from '../doubles/ami/ami-double.js';
import { type AmiDoubleOptions, sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { connectRaw, type RawAmiClient } from '../doubles/ami/raw-ami-client.js';
import { eventually } from '../support/eventually.js';

const MEMBER_FIELDS = [
  'Event', 'Queue', 'Name', 'Location', 'StateInterface', 'Membership', 'Penalty', 'CallsTaken', 'LastCall', 'LastPause',
  'LoginTime', 'InCall', 'Status', 'Paused', 'PausedReason', 'Wrapuptime', 'ActionID',
];
const BLOB_FIELDS = [
  'Event', 'Privilege', 'Queue', 'MemberName', 'Interface', 'StateInterface', 'Membership', 'Penalty', 'CallsTaken', 'LastCall',
  'LastPause', 'LoginTime', 'InCall', 'Status', 'Paused', 'PausedReason', 'Ringinuse', 'Wrapuptime',
];

const names = (m: AmiMessage) => m.headers.map(([name]) => name);
const value = (m: AmiMessage, name: string) => headerValue(m, name);
const event = (m: AmiMessage) => headerValue(m, 'Event');
/** For eventually(): the value once it is there. */
function present<T>(found: T | undefined): T {
  if (found === undefined) throw new Error('not there yet');
  return found;
}

describe('AMI double (app_queue: QueueStatus, QueuePause, member events)', () => {
  let double: AmiDouble;
  let clients: RawAmiClient[] = [];

  async function start(overrides: AmiDoubleOptions = {}): Promise<void> {
    double = await startAmiDouble({
      ...sandboxAmiOptions(),
      users: {
        relay: { secret: 'relaysecret', read: ['call'], write: ['originate', 'call', 'reporting'] },
        agent: { secret: 'agentsecret', read: ['call', 'agent'], write: ['agent'] },
        nobody: { secret: 'nobodysecret', read: [], write: [] },
      },
      timing: { ringMs: 5, holdMs: 10 },
      ...overrides,
    });
  }

  async function login(user: string, events?: string): Promise<RawAmiClient> {
    const client = await connectRaw(double.port);
    clients.push(client);
    await client.login(user, `${user}secret`, events);
    return client;
  }

  /** Sends an action and returns every message carrying its ActionID once the list (or the reply) is complete. */
  async function list(client: RawAmiClient, id: string, action: string): Promise<AmiMessage[]> {
    client.send(`Action: QueueStatus\r\nActionID: ${id}\r\n${action}\r\n`);
    await client.waitFor(id, 'QueueStatusComplete');
    return client.messages().filter((m) => value(m, 'ActionID') === id);
  }

  const memberEvents = (client: RawAmiClient, kind: string, iface: string) =>
    client.messages().filter((m) => event(m) === kind && value(m, 'Interface') === iface);

  afterEach(async () => {
    for (const client of clients) client.close();
    clients = [];
    await double.close();
  });

  it('when QueueStatus is asked with no write class, then a list reply: QueueParams, the logged-in members, QueueStatusComplete', async () => {
    await start();
    const client = await login('nobody');
    const reply = await list(client, 'qs1', '');
    expect(reply.map(event)).to.deep.equal([undefined, 'QueueParams', 'QueueMember', 'QueueMember', 'QueueMember', 'QueueMember', 'QueueStatusComplete']);
    expect(reply[0]?.headers).to.deep.equal([['Response', 'Success'], ['ActionID', 'qs1'], ['EventList', 'start'], ['Message', 'Queue status will follow']]);
    expect(reply[1]?.headers).to.deep.equal([
      ['Event', 'QueueParams'], ['Queue', 'sales'], ['Max', '0'], ['Strategy', 'ringall'], ['Calls', '0'], ['Holdtime', '0'],
      ['TalkTime', '0'], ['Completed', '0'], ['Abandoned', '0'], ['ServiceLevel', '0'], ['ServicelevelPerf', '0.0'],
      ['ServicelevelPerf2', '0.0'], ['Weight', '0'], ['ActionID', 'qs1'],
    ]);
    const members = reply.filter((m) => event(m) === 'QueueMember');
    for (const m of members) expect(names(m)).to.deep.equal(MEMBER_FIELDS);
    // 1005 is logged out: not listed at all.
    expect(members.map((m) => value(m, 'Location'))).to.deep.equal(['PJSIP/1001', 'PJSIP/1002', 'PJSIP/1003', 'PJSIP/1004']);
    const [alice, bob, carol, dave] = members;
    expect([value(alice!, 'Name'), value(alice!, 'Paused'), value(alice!, 'PausedReason'), value(alice!, 'Status'), value(alice!, 'InCall')])
      .to.deep.equal(['Alice Example', '0', '', '1', '0']);
    expect([value(bob!, 'Paused'), value(bob!, 'PausedReason')]).to.deep.equal(['1', 'Lunch']);
    expect([value(carol!, 'Paused'), value(carol!, 'PausedReason')]).to.deep.equal(['1', 'Work']);
    expect([value(dave!, 'InCall'), value(dave!, 'Status')]).to.deep.equal(['1', '2']);
    expect(Number(value(bob!, 'LastPause'))).to.be.greaterThan(0);
    expect(reply[6]?.headers).to.deep.equal([['Event', 'QueueStatusComplete'], ['ActionID', 'qs1'], ['EventList', 'Complete'], ['ListItems', '5']]);
    // A list reply, not events: no Privilege line, and no other session gets it.
    expect(client.text()).not.to.include('Privilege: agent');
  });

  it('when QueueStatus names a queue or a member, then only those are listed (queue name case-insensitive, member exact)', async () => {
    await start({ queues: { ...sandboxAmiOptions().queues, support: { members: { 'PJSIP/1002': { name: 'Bob Example' } } } } });
    const watcher = await login('agent', 'agent');
    const client = await login('nobody');
    expect((await list(client, 'q1', 'Queue: SALES\r\n')).map((m) => value(m, 'Queue') ?? '')).to.deep.equal(['', ...Array(5).fill('sales'), '']);
    const byMember = await list(client, 'q2', 'Member: PJSIP/1002\r\n');
    expect(byMember.map((m) => `${event(m)}:${value(m, 'Queue')}`)).to.deep.equal([
      'undefined:undefined', 'QueueParams:sales', 'QueueMember:sales', 'QueueParams:support', 'QueueMember:support', 'QueueStatusComplete:undefined',
    ]);
    const byName = await list(client, 'q3', 'Queue: sales\r\nMember: Carol Example\r\n');
    expect(byName.filter((m) => event(m) === 'QueueMember').map((m) => value(m, 'Location'))).to.deep.equal(['PJSIP/1003']);
    expect((await list(client, 'q4', 'Member: pjsip/1002\r\n')).filter((m) => event(m) === 'QueueMember')).to.have.length(0);
    const none = await list(client, 'q5', 'Queue: nosuchqueue\r\n');
    expect(none.at(-1)?.headers).to.deep.equal([['Event', 'QueueStatusComplete'], ['ActionID', 'q5'], ['EventList', 'Complete'], ['ListItems', '0']]);
    expect(watcher.messages().some((m) => event(m)?.startsWith('Queue'))).to.equal(false);
  });

  it('when QueuePause comes from a user without the agent write class, then Permission denied and nothing changes', async () => {
    await start();
    const client = await login('relay');
    client.send('Action: QueuePause\r\nActionID: p1\r\nInterface: PJSIP/1001\r\nPaused: true\r\nReason: Outbound\r\n\r\n');
    expect((await client.waitFor('p1')).headers).to.deep.equal([['Response', 'Error'], ['ActionID', 'p1'], ['Message', 'Permission denied']]);
    expect(double.queueMember('sales', 'PJSIP/1001')?.paused).to.equal(false);
  });

  it('when an agent is paused with a reason and unpaused, then the replies, the QueueMemberPause events and the state follow app_queue', async () => {
    await start();
    const watcher = await login('agent', 'agent');
    const callsOnly = await login('agent', 'call');
    const client = await login('agent', 'agent');
    client.send('Action: QueuePause\r\nActionID: p1\r\nInterface: PJSIP/1001\r\nQueue: sales\r\nPaused: true\r\nReason: Outbound\r\n\r\n');
    expect((await client.waitFor('p1')).headers).to.deep.equal([['Response', 'Success'], ['ActionID', 'p1'], ['Message', 'Interface paused successfully']]);
    const paused = await eventually(() => present(memberEvents(watcher, 'QueueMemberPause', 'PJSIP/1001')[0]));
    expect(names(paused)).to.deep.equal(BLOB_FIELDS);
    expect(paused.headers.filter(([name]) => !['LoginTime', 'LastPause'].includes(name))).to.deep.equal([
      ['Event', 'QueueMemberPause'], ['Privilege', 'agent,all'], ['Queue', 'sales'], ['MemberName', 'Alice Example'],
      ['Interface', 'PJSIP/1001'], ['StateInterface', 'PJSIP/1001'], ['Membership', 'dynamic'], ['Penalty', '0'], ['CallsTaken', '0'],
      ['LastCall', '0'], ['InCall', '0'], ['Status', '1'], ['Paused', '1'], ['PausedReason', 'Outbound'], ['Ringinuse', '1'], ['Wrapuptime', '0'],
    ]);
    // The asker's own copy of the event follows its reply (§2.5).
    await eventually(() => client.messages().some((m) => event(m) === 'QueueMemberPause'));
    expect(client.messages().map((m) => value(m, 'ActionID') ?? event(m)).slice(-2)).to.deep.equal(['p1', 'QueueMemberPause']);
    expect(double.queueMember('sales', 'PJSIP/1001')).to.include({ paused: true, pausedReason: 'Outbound' });
    expect(double.queueMember('sales', 'PJSIP/1001')?.lastPause).to.be.greaterThan(0);

    client.send('Action: QueuePause\r\nActionID: p2\r\nInterface: pjsip/1001\r\nPaused: false\r\nReason: Back\r\n\r\n');
    expect(value(await client.waitFor('p2'), 'Message')).to.equal('Interface unpaused successfully');
    const unpaused = await eventually(() => present(memberEvents(watcher, 'QueueMemberPause', 'PJSIP/1001')[1]));
    // An unpause's reason shows in its event only; the member keeps none.
    expect([value(unpaused, 'Paused'), value(unpaused, 'PausedReason')]).to.deep.equal(['0', 'Back']);
    expect(double.queueMember('sales', 'PJSIP/1001')).to.include({ paused: false, pausedReason: '' });
    const status = await list(client, 's1', 'Member: PJSIP/1001\r\n');
    expect(value(status.find((m) => event(m) === 'QueueMember')!, 'PausedReason')).to.equal('');
    expect(callsOnly.messages().some((m) => event(m) === 'QueueMemberPause')).to.equal(false);
  });

  it('when QueuePause names no queue, then the interface is paused in every queue it is in, one event per queue', async () => {
    await start({ queues: { sales: { members: { 'PJSIP/1001': {} } }, support: { members: { 'PJSIP/1001': {}, 'PJSIP/1002': {} } } } });
    const client = await login('agent', 'agent');
    client.send('Action: QueuePause\r\nActionID: p1\r\nInterface: PJSIP/1001\r\nPaused: yes\r\n\r\n');
    await client.waitFor('p1');
    await eventually(() => memberEvents(client, 'QueueMemberPause', 'PJSIP/1001').length === 2);
    expect(memberEvents(client, 'QueueMemberPause', 'PJSIP/1001').map((m) => [value(m, 'Queue'), value(m, 'PausedReason')]))
      .to.deep.equal([['sales', ''], ['support', '']]);
    expect(double.queueMember('support', 'PJSIP/1001')?.paused).to.equal(true);
    expect(double.queueMember('support', 'PJSIP/1002')?.paused).to.equal(false);
  });

  it('when QueuePause names an interface not in the queue, then Interface not found; without Paused, the parameter error', async () => {
    await start();
    const client = await login('agent', 'agent');
    const send = (id: string, rest: string) => client.send(`Action: QueuePause\r\nActionID: ${id}\r\n${rest}\r\n`);
    send('u1', 'Interface: PJSIP/9999\r\nPaused: true\r\n');
    send('u2', 'Interface: PJSIP/1005\r\nPaused: true\r\n');
    send('u3', 'Interface: PJSIP/1001\r\nQueue: support\r\nPaused: true\r\n');
    send('u4', 'Interface: PJSIP/1001\r\n');
    for (const id of ['u1', 'u2', 'u3']) {
      expect((await client.waitFor(id)).headers).to.deep.equal([['Response', 'Error'], ['ActionID', id], ['Message', 'Interface not found']]);
    }
    expect(value(await client.waitFor('u4'), 'Message')).to.equal("Need 'Interface' and 'Paused' parameters.");
    expect(client.messages().some((m) => event(m) === 'QueueMemberPause')).to.equal(false);
  });

  it('when a call rings an agent and is answered, then QueueMemberStatus shows ringing, in use, then not in use; InCall stays 0', async () => {
    await start({ leg1Outcomes: { '1001': { kind: 'answer', ringMs: 20 } }, leg2Outcomes: { '5550100': { kind: 'answer', holdMs: 20 } } });
    const watcher = await login('agent', 'call,agent');
    const client = await login('relay');
    client.send(
      'Action: Originate\r\nActionID: o1\r\nChannel: Local/1001@originate-skipvm\r\nContext: from-internal\r\nExten: 5550100\r\n' +
        'Priority: 1\r\nTimeout: 5000\r\nCallerID: "Call" <1001>\r\nAsync: true\r\n\r\n',
    );
    await eventually(() => memberEvents(watcher, 'QueueMemberStatus', 'PJSIP/1001').length >= 3);
    const seen = memberEvents(watcher, 'QueueMemberStatus', 'PJSIP/1001');
    expect(seen.map((m) => [value(m, 'Queue'), value(m, 'Status'), value(m, 'InCall')])).to.deep.equal([
      ['sales', '6', '0'], ['sales', '2', '0'], ['sales', '1', '0'],
    ]);
    expect(names(seen[0]!)).to.deep.equal(BLOB_FIELDS);
    // The ring follows leg 1's DialBegin; the end follows the last Hangup of the call.
    const order = watcher.messages().map((m) => `${event(m)}:${value(m, 'Status') ?? ''}`);
    expect(order.indexOf('QueueMemberStatus:6')).to.be.greaterThan(order.indexOf('DialBegin:'));
    expect(order.indexOf('QueueMemberStatus:1')).to.be.greaterThan(order.lastIndexOf('Hangup:'));
    expect(double.queueMember('sales', 'PJSIP/1001')).to.include({ status: 1, inCall: false, callsTaken: 0 });
    expect(memberEvents(watcher, 'QueueMemberStatus', 'PJSIP/1002')).to.have.length(0);
  });

  it('when a call to an agent is busy, then the agent never rings and no QueueMemberStatus is sent', async () => {
    await start({ leg1Outcomes: { '1001': { kind: 'busy' } } });
    const watcher = await login('agent', 'call,agent');
    const client = await login('relay');
    client.send('Action: Originate\r\nActionID: o1\r\nChannel: Local/1001@originate-skipvm\r\nContext: from-internal\r\nExten: 5550100\r\nPriority: 1\r\nAsync: true\r\n\r\n');
    await client.waitFor('o1', 'OriginateResponse');
    await eventually(() => watcher.messages().filter((m) => event(m) === 'Hangup').length === 2);
    expect(watcher.messages().some((m) => event(m) === 'QueueMemberStatus')).to.equal(false);
  });

  it('when a test logs agents in and out and ends a queue call, then QueueMemberAdded/Removed/Status and the counters follow', async () => {
    await start();
    const watcher = await login('agent', 'agent');
    double.setQueueMember('sales', 'PJSIP/1005', { loggedIn: true });
    double.setQueueMember('sales', 'PJSIP/1001', { loggedIn: false });
    double.setQueueMember('sales', 'PJSIP/1004', { status: 1 });
    double.setQueueMember('sales', 'PJSIP/1003', { paused: false });
    await eventually(() => watcher.messages().filter((m) => event(m)?.startsWith('QueueMember')).length === 4);
    expect(watcher.messages().filter((m) => event(m)?.startsWith('QueueMember')).map((m) => `${event(m)} ${value(m, 'Interface')}`)).to.deep.equal([
      'QueueMemberAdded PJSIP/1005', 'QueueMemberRemoved PJSIP/1001', 'QueueMemberStatus PJSIP/1004', 'QueueMemberPause PJSIP/1003',
    ]);
    const added = memberEvents(watcher, 'QueueMemberAdded', 'PJSIP/1005')[0]!;
    expect([value(added, 'MemberName'), value(added, 'Membership'), value(added, 'Paused')]).to.deep.equal(['Erin Example', 'dynamic', '0']);
    // The queue's call with 1004 is over: counted, and InCall drops in the same event.
    const ended = memberEvents(watcher, 'QueueMemberStatus', 'PJSIP/1004')[0]!;
    expect([value(ended, 'Status'), value(ended, 'InCall'), value(ended, 'CallsTaken')]).to.deep.equal(['1', '0', '1']);
    expect(Number(value(ended, 'LastCall'))).to.be.greaterThan(0);
    expect(double.queueMember('sales', 'PJSIP/1001')).to.equal(undefined);
    const status = await list(watcher, 's1', 'Queue: sales\r\n');
    expect(status.filter((m) => event(m) === 'QueueMember').map((m) => value(m, 'Location'))).to.deep.equal(['PJSIP/1002', 'PJSIP/1003', 'PJSIP/1004', 'PJSIP/1005']);
    expect(value(status.find((m) => event(m) === 'QueueParams')!, 'Completed')).to.equal('1');
  });
});
