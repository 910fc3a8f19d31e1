/** SPEC §9 Click-to-Agent end to end: availability from QueueStatus, the Outbound pause and its restore, whatever happens. */
import { expect } from 'chai';
import { createLogger } from '../../shared/logger.js';
import { startWorker, type WorkerHandle } from '../../worker/main.js';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { eventually } from '../support/eventually.js';
import { LogCapture } from '../support/log-capture.js';
import { provision, startRelay, statusOf, type Relay } from '../support/relay.js';

describe('clicktoagent end to end with Asterisk (AMI double)', function () {
  this.timeout(30000);
  let relay: Relay;
  let ami: AmiDouble;
  let apiKey: string;
  const extraWorkers: WorkerHandle[] = [];

  before(async () => {
    relay = await startRelay({ AGENT_PAUSE_CHECK_MS: '100' });
    const options = sandboxAmiOptions();
    const extensions = { ...options.extensions };
    for (const ext of ['1006', '1007', '1008']) extensions[ext] = { name: `Agent ${ext}`, context: 'from-internal' };
    ami = await startAmiDouble({
      ...options,
      extensions,
      queues: {
        ...options.queues,
        // 1006's phone is busy when rung; 1007 and 1008 take long calls.
        support: { members: { 'PJSIP/1006': { paused: true, pausedReason: 'Outbound' }, 'PJSIP/1007': {}, 'PJSIP/1008': { paused: true, pausedReason: 'Work' } } },
      },
      leg1Outcomes: { '1006': { kind: 'busy' } },
      leg2Outcomes: { ...options.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 300 }, '5550107': { kind: 'answer', holdMs: 2500 } },
      timing: { ringMs: 20, holdMs: 300 },
    });
    let accountId: string;
    ({ apiKey, accountId } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' }));
    const agents = Object.fromEntries(['1001', '1002', '1003', '1004', '1005'].map((ext) => [`a${ext}`, { number: ext, interface: `PJSIP/${ext}` }]));
    expect((await relay.admin('PUT', `/admin/v1/accounts/${accountId}/agent-queues/sales`, { name: 'Sales', pbx_queue: 'sales', agents })).status).to.equal(201);
    const support = Object.fromEntries(['1006', '1007', '1008'].map((ext) => [`a${ext}`, { number: ext, interface: `PJSIP/${ext}` }]));
    expect((await relay.admin('PUT', `/admin/v1/accounts/${accountId}/agent-queues/support`, { name: 'Support', pbx_queue: 'support', agents: support })).status).to.equal(201);
  });
  after(async () => {
    for (const worker of extraWorkers) await worker.shutdown.run();
    await relay.stop();
    await ami.close();
  });

  const toAgent = async (queue: string, agent: string, phone = '5550100', extra: Record<string, string> = {}) => {
    const response = await fetch(`${relay.base}/v1/clicktoagent?${new URLSearchParams({ api_key: apiKey, queue_id: queue, agent_id: agent, phone_to_call: phone, ...extra })}`);
    expect(response.status).to.equal(200);
    return ((await response.json()) as { response: any }).response;
  };
  const state = async (url: string) => (await statusOf(url)).body.c2c_status.state as string;
  const member = (queue: string, ext: string) => ami.queueMember(queue, `PJSIP/${ext}`);
  const pauses = (ext: string) =>
    ami.actions().filter((a) => a.headers.some(([n, v]) => n === 'Action' && v === 'QueuePause') && a.headers.some(([n, v]) => n === 'Interface' && v === `PJSIP/${ext}`));

  it('when the agent is available, then they are rung first, paused with reason Outbound during the call, and unpaused when it ends', async () => {
    const answer = await toAgent('sales', 'a1001', '5550100', { record: '1', warning: '2' });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(() => expect(member('sales', '1001')).to.include({ paused: true, pausedReason: 'Outbound' }));
    await eventually(async () => expect(await state(answer.status_url)).to.equal('completed'), { timeoutMs: 8000 });
    await eventually(() => expect(member('sales', '1001')).to.include({ paused: false, pausedReason: '' }));
    const originate = ami.originates().find((o) => JSON.stringify(o).includes(answer.request_id));
    expect(JSON.stringify(originate)).to.contain('Local/1001@').and.contain('Local/5550100@from-internal').and.contain('A(:conf-now-recording)');
    const doc = (await statusOf(answer.status_url)).body.c2c_status;
    expect(doc.request.request_data).to.include({ queue_id: 'sales', agent_id: 'a1001', phone_to_call: '5550100' });
  });

  it('when the agent is paused with a reason that still takes calls (Work), then the call goes ahead and the agent is paused with Work again after it', async () => {
    const answer = await toAgent('sales', 'a1003');
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(async () => expect(await state(answer.status_url)).to.equal('completed'), { timeoutMs: 8000 });
    await eventually(() => expect(member('sales', '1003')).to.include({ paused: true, pausedReason: 'Work' }));
    expect(pauses('1003').map((a) => Object.fromEntries(a.headers))).to.deep.include.members([
      { Action: 'QueuePause', ActionID: pauses('1003')[0]?.headers.find(([n]) => n === 'ActionID')?.[1], Interface: 'PJSIP/1003', Paused: 'true', Queue: 'sales', Reason: 'Outbound' },
    ]);
  });

  it('when the agent is not available, then agent_unavailable names their state and nothing is dialed or paused', async () => {
    const before = ami.originates().length;
    const cases: [string, RegExp][] = [
      ['a1002', /paused \(Lunch\)/],
      ['a1004', /on a queue call/],
      ['a1005', /not logged in/],
    ];
    for (const [agent, message] of cases) {
      const answer = await toAgent('sales', agent);
      expect(answer.status, agent).to.equal('fail');
      expect(answer.errors[0].error.code, agent).to.equal('agent_unavailable');
      expect(answer.errors[0].error.message, agent).to.match(message);
      expect(pauses(agent.slice(1)), agent).to.have.length(0);
    }
    expect(ami.originates().length).to.equal(before);
    const unknown = await toAgent('sales', 'nobody');
    expect(unknown.errors[0].error.message).to.match(/agent_id nobody is not an agent of queue sales/);
  });

  it('when the agent\'s phone is busy, then the call ends busy and the agent is restored to their earlier pause (Outbound)', async () => {
    const answer = await toAgent('support', 'a1006');
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(async () => expect(await state(answer.status_url)).to.equal('busy'), { timeoutMs: 8000 });
    await eventually(() => expect(pauses('1006')).to.have.length(2));
    expect(member('support', '1006')).to.include({ paused: true, pausedReason: 'Outbound' });
  });

  it('when the worker restarts during the call, then the agent stays paused while on the phone and the new worker restores them once the call is over', async () => {
    const answer = await toAgent('support', 'a1007', '5550107');
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(async () => expect(await state(answer.status_url)).to.equal('connected'), { timeoutMs: 8000 });
    await relay.worker?.shutdown.run();
    const logs = new LogCapture();
    extraWorkers.push(await startWorker(relay.config, createLogger({ level: 'info', name: 'restarted' }, logs)));
    // Still on the phone: the pause must hold, however often the new worker's keeper looks.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(member('support', '1007')).to.include({ paused: true, pausedReason: 'Outbound', status: 2 });
    await eventually(() => expect(member('support', '1007')).to.include({ paused: false, pausedReason: '' }), { timeoutMs: 8000 });
    // The keeper logs once it has also cleared the ledger, a round trip after the PBX took the unpause.
    await eventually(() => expect(logs.text).to.contain('agent restored by the pause keeper'));
  });

  it('when the PBX connection drops during the call, then the agent is restored to their earlier pause once their phone is idle', async () => {
    const answer = await toAgent('support', 'a1008', '5550107');
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(async () => expect(await state(answer.status_url)).to.equal('connected'), { timeoutMs: 8000 });
    expect(member('support', '1008')).to.include({ paused: true, pausedReason: 'Outbound' });
    ami.dropConnections();
    await eventually(() => expect(member('support', '1008')).to.include({ status: 1 }), { timeoutMs: 8000 });
    await eventually(() => expect(member('support', '1008')).to.include({ paused: true, pausedReason: 'Work' }), { timeoutMs: 8000 });
  });
});
