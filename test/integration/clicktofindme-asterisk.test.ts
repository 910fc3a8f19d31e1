/** SPEC §9 Click-to-FindMe end to end: the relay hunts the list on the AMI double, attempt by attempt. */
import { expect } from 'chai';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { eventually } from '../support/eventually.js';
import { provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { LogCapture } from '../support/log-capture.js';
import { createLogger } from '../../shared/logger.js';
import { startWorker, type WorkerHandle } from '../../worker/main.js';

type Doc = { state: string; events: { event: string }[]; attempts?: { called_number: string; call_result: string; 'utc.time': string }[]; fallbacks?: { channel: string; to: string; result: string }[] };

describe('clicktofindme end to end with Asterisk (AMI double)', function () {
  this.timeout(30000);
  let relay: Relay;
  let ami: AmiDouble;
  let apiKey: string;
  let accountId: string;
  let restarted: WorkerHandle | undefined;

  before(async () => {
    relay = await startRelay();
    const options = sandboxAmiOptions();
    ami = await startAmiDouble({
      ...options,
      // The list, rung first (type 2): 1002 never answers, 1003 is busy, 1004 and 1005 answer.
      leg1Outcomes: { '1002': { kind: 'noanswer' }, '1003': { kind: 'busy' } },
      // The same numbers rung after phone_to_call (type 1): 1002 never answers, 1003 is busy, 1004 answers.
      leg2Outcomes: { ...options.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 300 }, '5550104': { kind: 'answer', ringMs: 200, holdMs: 300 }, '1002': { kind: 'noanswer' }, '1003': { kind: 'busy' } },
      timing: { ringMs: 20, holdMs: 300 },
    });
    ({ apiKey, accountId } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' }, { allow_first: ['^55501'] }));
    const put = async (id: string, body: unknown) => expect((await relay.admin('PUT', `/admin/v1/accounts/${accountId}/findme/${id}`, body)).status).to.equal(201);
    await put('hunt', { name: 'Front desk', numbers: ['1002', '1003', '1004'], strategy: 'ordered', ring_seconds: 5 });
    await put('nobody', { name: 'Closed', numbers: ['1003'], strategy: 'ordered', ring_seconds: 5 });
    await put('desk-all', { name: 'Desk, all at once', numbers: ['1002', '1003', '1004'], strategy: 'simultaneous', ring_seconds: 5 });
    await put('nobody-all', { name: 'Closed, all at once', numbers: ['1002', '1003'], strategy: 'simultaneous', ring_seconds: 5 });
    await put('outside', { name: 'Mobiles', numbers: ['5550101', '5550102'], strategy: 'ordered', ring_seconds: 5 });
    await put('ringall', { name: 'Everyone', numbers: ['5550101', '5550102', '5550104'], strategy: 'simultaneous', ring_seconds: 5 });
  });
  after(async () => {
    await restarted?.shutdown.run();
    await relay.stop();
    await ami.close();
  });

  const findMe = async (params: Record<string, string>) => {
    const response = await fetch(`${relay.base}/v1/clicktofindme?${new URLSearchParams({ api_key: apiKey, ...params })}`);
    expect(response.status).to.equal(200);
    return ((await response.json()) as { response: any }).response;
  };
  const doc = async (url: string): Promise<Doc> => (await statusOf(url)).body.c2c_status;
  const originatesTo = (id: string, number: string) => ami.originates().filter((o) => JSON.stringify(o).includes(id) && JSON.stringify(o).includes(`Local/${number}@`));

  it('when type=2 hunts an ordered list, then each number rings once in turn, the first to answer is connected to phone_to_call, and every attempt is in the status document', async () => {
    const answer = await findMe({ findme_id: 'hunt', phone_to_call: '5550100', type: '2', wait_for: 'answered' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    // wait_for=answered: the answer comes once someone on the list picked up, after 1002 rang out its 5 s
    // (phone_to_call answers at once, so the same write may already say connected).
    expect(answer.state).to.be.oneOf(['first_answered', 'connected']);
    await eventually(async () => expect((await doc(answer.status_url)).state).to.equal('completed'), { timeoutMs: 10000 });
    const final = await doc(answer.status_url);
    expect(final.attempts?.map((a) => [a.called_number, a.call_result])).to.deep.equal([['1002', 'No Answer'], ['1003', 'Busy'], ['1004', 'Answered']]);
    expect(final.attempts?.every((a) => /^\d{10}$/.test(a['utc.time']))).to.equal(true);
    expect(final.events.map((e) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']);
    for (const number of ['1002', '1003', '1004']) expect(originatesTo(answer.request_id, number), number).to.have.length(1);
    const connected = ami.calls().find((c) => c.leg1.variables.C2C_ID === answer.request_id && c.leg2 !== undefined && /1004/.test(JSON.stringify(c.leg1)));
    expect(connected, 'the answering number was connected to phone_to_call').to.not.equal(undefined);
  });

  it('when nobody on the list answers and no_answer_phone is given, then the no-answer phone is called in the list\'s place and connected to phone_to_call', async () => {
    const answer = await findMe({ findme_id: 'nobody', phone_to_call: '5550100', type: '2', no_answer_phone: '1005' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(async () => expect((await doc(answer.status_url)).state).to.equal('completed'), { timeoutMs: 10000 });
    const final = await doc(answer.status_url);
    expect(final.attempts?.map((a) => [a.called_number, a.call_result])).to.deep.equal([['1003', 'Busy'], ['1005', 'Answered']]);
    expect(final.fallbacks).to.deep.include.members([{ ...final.fallbacks?.find((f) => f.channel === 'phone'), channel: 'phone', to: '1005', result: 'sent' }]);
    expect(originatesTo(answer.request_id, '1005')).to.have.length(1);
  });

  it('when nobody answers and there is no fallback phone, then the request ends no_answer with the attempts', async () => {
    const answer = await findMe({ findme_id: 'nobody', phone_to_call: '5550100', type: '2' });
    await eventually(async () => expect((await doc(answer.status_url)).state).to.equal('no_answer'), { timeoutMs: 10000 });
    const final = await doc(answer.status_url);
    expect(final.attempts?.map((a) => a.call_result)).to.deep.equal(['Busy']);
    expect(final.fallbacks ?? []).to.deep.equal([]);
  });

  it('when type=2 rings a simultaneous list, then one Originate rings every number at once through the ring-all context, the first to answer hears phone_to_call, and each number is an attempt', async () => {
    const answer = await findMe({ findme_id: 'desk-all', phone_to_call: '5550100', type: '2' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(async () => expect((await doc(answer.status_url)).state).to.equal('completed'), { timeoutMs: 10000 });
    const final = await doc(answer.status_url);
    const sent = ami.originates().filter((o) => JSON.stringify(o).includes(answer.request_id));
    expect(sent, 'one Originate for the whole list').to.have.length(1);
    expect(JSON.stringify(sent[0])).to.contain('Local/s@c2c-relay-ringall').and.contain('C2C_RINGALL=Local/1002@originate-skipvm&Local/1003@originate-skipvm&Local/1004@originate-skipvm');
    expect(Object.fromEntries((final.attempts ?? []).map((a) => [a.called_number, a.call_result]))).to.deep.equal({ '1002': 'No Answer', '1003': 'Busy', '1004': 'Answered' });
    expect(final.events.map((e) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']);
  });

  it('when nobody on a simultaneous list answers, then each number is an attempt with its own end and no_answer_phone takes the list\'s place', async () => {
    const answer = await findMe({ findme_id: 'nobody-all', phone_to_call: '5550100', type: '2', no_answer_phone: '1005' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(async () => expect((await doc(answer.status_url)).state).to.equal('completed'), { timeoutMs: 12000 });
    const final = await doc(answer.status_url);
    expect(final.attempts?.map((a) => [a.called_number, a.call_result])).to.deep.equal([['1002', 'No Answer'], ['1003', 'Busy'], ['1005', 'Answered']]);
    expect(originatesTo(answer.request_id, '1005')).to.have.length(1);
  });

  it('when type=1 rings a simultaneous list, then phone_to_call rings first, then every number at once, the first to answer wins and each outcome is an attempt', async () => {
    const answer = await findMe({ findme_id: 'ringall', phone_to_call: '1001', type: '1' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(async () => expect((await doc(answer.status_url)).state).to.equal('completed'), { timeoutMs: 10000 });
    const final = await doc(answer.status_url);
    const originate = ami.originates().find((o) => JSON.stringify(o).includes(answer.request_id));
    expect(JSON.stringify(originate)).to.contain('Local/1001@').and.contain('Local/5550101@from-internal&Local/5550102@from-internal&Local/5550104@from-internal,5');
    expect(Object.fromEntries((final.attempts ?? []).map((a) => [a.called_number, a.call_result]))).to.deep.equal({ '5550101': 'No Answer', '5550102': 'Busy', '5550104': 'Answered' });
    expect(final.events.map((e) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']);
  });

  it('when type=1 hunts an ordered list, then phone_to_call rings first, then each number in turn through the hunt context, and each is an attempt', async () => {
    const answer = await findMe({ findme_id: 'hunt', phone_to_call: '5550100', type: '1' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(async () => expect((await doc(answer.status_url)).state).to.equal('completed'), { timeoutMs: 12000 });
    const final = await doc(answer.status_url);
    const sent = ami.originates().filter((o) => JSON.stringify(o).includes(answer.request_id));
    expect(sent, 'one Originate for the whole hunt').to.have.length(1);
    const wire = JSON.stringify(sent[0]);
    expect(wire).to.contain('Local/5550100@').and.contain('Local/s@c2c-relay-hunt,20');
    expect(wire).to.contain('__C2C_HUNT_COUNT=3').and.contain('__C2C_HUNT_1=Local/1002@from-internal').and.contain('__C2C_HUNT_3=Local/1004@from-internal').and.contain('__C2C_RING=5');
    expect(final.attempts?.map((a) => [a.called_number, a.call_result])).to.deep.equal([['1002', 'No Answer'], ['1003', 'Busy'], ['1004', 'Answered']]);
    expect(final.events.map((e) => e.event)).to.deep.equal(['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed']);
  });

  it('when the parameters are wrong, then each is refused clearly and nothing is dialed', async () => {
    const before = ami.originates().length;
    const cases: [Record<string, string>, RegExp][] = [
      [{ findme_id: 'nope', phone_to_call: '5550100' }, /findme_id nope is not one of the account's FindMe lists/],
      [{ findme_id: 'hunt', phone_to_call: '5550100', type: '1', no_answer_email: 'a@example.com' }, /no_answer_email need type=2/],
      [{ findme_id: 'hunt', phone_to_call: '5550100', type: '3' }, /type must be 1/],
      [{ findme_id: 'hunt', phone_to_call: '5550100', type: '2', no_answer_email: 'a@example.com\r\nBcc: x@example.com' }, /no_answer_email must be one email address/],
      [{ findme_id: 'hunt', phone_to_call: '911', type: '2' }, /not allowed/],
      [{ findme_id: 'outside', phone_to_call: '5550100', type: '2' }, /dial_as is required/],
      // Not an extension of the PBX: found out by the worker before the first number is rung, and the hunt goes no further.
      [{ findme_id: 'hunt', phone_to_call: '5550100', type: '2', dial_as: '1999', no_answer_phone: '1005' }, /dial_as extension does not exist/],
    ];
    for (const [params, message] of cases) {
      const answer = await findMe(params);
      expect(answer.status, JSON.stringify(params)).to.equal('fail');
      expect(answer.errors[0].error.message, JSON.stringify(params)).to.match(message);
    }
    expect(ami.originates().length).to.equal(before);
  });

  it('when the worker restarts during a hunt, then the number being rung is not rung again, the hunt does not go on elsewhere, and the document says it stopped', async () => {
    const answer = await findMe({ findme_id: 'hunt', phone_to_call: '5550100', type: '2' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(() => expect(originatesTo(answer.request_id, '1002')).to.have.length(1));
    await relay.worker?.shutdown.run();
    restarted = await startWorker(relay.config, createLogger({ level: 'info', name: 'restarted' }, new LogCapture()));
    await eventually(async () => expect((await doc(answer.status_url)).state).to.equal('failed'), { timeoutMs: 10000 });
    const final = await doc(answer.status_url);
    expect(final.attempts?.map((a) => [a.called_number, a.call_result])).to.deep.equal([['1002', 'Failed']]);
    expect(JSON.stringify(final.events.at(-1))).to.contain('hunt stopped');
    // Long enough for 1002 to have rung out and the next number to have been tried, had the hunt gone on.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(originatesTo(answer.request_id, '1002')).to.have.length(1);
    expect(originatesTo(answer.request_id, '1003')).to.have.length(0);
    expect(originatesTo(answer.request_id, '1004')).to.have.length(0);
  });
});
