/** SPEC §9 account resources: agent queues and FindMe lists through the admin API and c2c-admin, validated when saved. */
import { expect } from 'chai';
import { run } from '../../api/cli/c2c-admin.js';
import { AccountStore } from '../../shared/accounts/account-store.js';
import { agentOkPauseReasons, type AsteriskSettings } from '../../shared/accounts/pbx-settings.js';
import { AgentQueueStore } from '../../shared/agents/agent-queue-store.js';
import { ADMIN_TOKEN, provision, startRelay, type Relay } from '../support/relay.js';
import { testRedis } from '../support/redis-url.js';

const ASTERISK = { host: '127.0.0.1', username: 'c2c-relay', secret: 'not-used-here' };
const SWITCHVOX = { url: 'https://127.0.0.1:9', username: 'admin', password: 'not-used-here' };
const OTHER = { url: 'http://127.0.0.1:9/c2c?to={dial_second}' };
const QUEUE = { name: 'Sales desk', pbx_queue: 'sales', agents: { ann: { number: '1001', interface: 'PJSIP/1001' }, bob: { number: '1002', interface: 'Local/1002@from-queue/n' } } };
const LIST = { name: 'Front desk', numbers: ['1001', '5551234'], strategy: 'ordered' };

describe('agent queues and FindMe lists (admin)', function () {
  this.timeout(20000);
  let relay: Relay;
  let accountId: string;
  let otherAccountId: string;

  before(async () => {
    relay = await startRelay({}, { worker: false });
    ({ accountId } = await provision(relay, 'asterisk', ASTERISK));
    ({ accountId: otherAccountId } = await provision(relay, 'asterisk', ASTERISK));
  });
  after(() => relay.stop());

  const queues = (account = accountId) => `/admin/v1/accounts/${account}/agent-queues`;
  const lists = (account = accountId) => `/admin/v1/accounts/${account}/findme`;
  /** An account with these PBX connections and policy, and nothing else. */
  const accountWith = async (connections: [string, unknown][], policy?: unknown) => {
    const id = (await relay.admin('POST', '/admin/v1/accounts', { name: 'Mixed Co' })).body.account.id as string;
    for (const [kind, settings] of connections) expect((await relay.admin('PUT', `/admin/v1/accounts/${id}/pbx/${kind}`, settings)).status).to.equal(200);
    if (policy !== undefined) expect((await relay.admin('PUT', `/admin/v1/accounts/${id}/policy`, policy)).status).to.equal(200);
    return id;
  };

  it('when an agent queue is created, read, listed, replaced and deleted, then each answers 201/200/200/200/204 and the audit log has each change', async () => {
    const created = await relay.admin('PUT', `${queues()}/sales`, QUEUE);
    expect(created.status).to.equal(201);
    expect(created.body.agent_queue).to.deep.include({ ...QUEUE, id: 'sales', pbx: 'asterisk' });
    expect(created.body.agent_queue).to.not.have.property('account_id');
    expect((await relay.admin('GET', `${queues()}/sales`)).body.agent_queue).to.deep.equal(created.body.agent_queue);
    const replaced = await relay.admin('PUT', `${queues()}/sales`, { ...QUEUE, name: 'Sales', agents: { cy: { number: '+15551230000', interface: 'IAX2/cy' } } });
    expect(replaced.status).to.equal(200);
    expect(replaced.body.agent_queue.name).to.equal('Sales');
    expect(replaced.body.agent_queue.agents).to.deep.equal({ cy: { number: '+15551230000', interface: 'IAX2/cy' } });
    expect(replaced.body.agent_queue.created_at).to.equal(created.body.agent_queue.created_at);
    expect((await relay.admin('GET', queues())).body.agent_queues).to.deep.equal([replaced.body.agent_queue]);
    expect((await relay.admin('DELETE', `${queues()}/sales`)).status).to.equal(204);
    expect((await relay.admin('GET', `${queues()}/sales`)).status).to.equal(404);
    expect((await relay.admin('DELETE', `${queues()}/sales`)).body.error.code).to.equal('not_found');
    expect((await relay.admin('GET', queues())).body.agent_queues).to.deep.equal([]);
    const audit = relay.logs.parsed().filter((line) => line.audit === true && line.queue_id === 'sales');
    expect(audit.map((line) => line.action)).to.deep.equal(['agent_queue.create', 'agent_queue.replace', 'agent_queue.delete']);
    expect(audit[0]).to.include({ account_id: accountId, actor: 'admin' });
  });

  it('when a FindMe list is created, read, listed, replaced and deleted, then ring_seconds defaults to 20 and each verb answers as usual', async () => {
    const created = await relay.admin('PUT', `${lists()}/front`, LIST);
    expect(created.status).to.equal(201);
    expect(created.body.findme_list).to.deep.include({ ...LIST, id: 'front', pbx: 'asterisk', ring_seconds: 20 });
    const replaced = await relay.admin('PUT', `${lists()}/front`, { ...LIST, strategy: 'simultaneous', ring_seconds: 45 });
    expect(replaced.status).to.equal(200);
    expect(replaced.body.findme_list).to.deep.include({ strategy: 'simultaneous', ring_seconds: 45, created_at: created.body.findme_list.created_at });
    expect((await relay.admin('GET', `${lists()}/front`)).body.findme_list).to.deep.equal(replaced.body.findme_list);
    expect((await relay.admin('GET', lists())).body.findme_lists.map((row: { id: string }) => row.id)).to.deep.equal(['front']);
    expect((await relay.admin('DELETE', `${lists()}/front`)).status).to.equal(204);
    expect((await relay.admin('GET', `${lists()}/front`)).status).to.equal(404);
  });

  it('when another account asks for a queue or list by id, then 404 as for an unknown one, and its own PUT touches only its own', async () => {
    await relay.admin('PUT', `${queues()}/shared-name`, QUEUE);
    await relay.admin('PUT', `${lists()}/shared-name`, LIST);
    for (const path of [`${queues(otherAccountId)}/shared-name`, `${lists(otherAccountId)}/shared-name`]) {
      const foreign = await relay.admin('GET', path);
      const unknown = await relay.admin('GET', path.replace('shared-name', 'never-made'));
      expect(foreign.status).to.equal(404);
      expect(foreign.body.error.code).to.equal(unknown.body.error.code);
      expect(foreign.body.error.message.replace('shared-name', 'ID')).to.equal(unknown.body.error.message.replace('never-made', 'ID'));
      expect((await relay.admin('DELETE', path)).status).to.equal(404);
    }
    expect((await relay.admin('GET', queues(otherAccountId))).body.agent_queues).to.deep.equal([]);
    expect((await relay.admin('PUT', `${queues(otherAccountId)}/shared-name`, { ...QUEUE, name: 'Theirs' })).status).to.equal(201);
    expect((await relay.admin('GET', `${queues()}/shared-name`)).body.agent_queue.name).to.equal(QUEUE.name);
    expect((await relay.admin('GET', '/admin/v1/accounts/acct_nope/agent-queues')).status).to.equal(404);
    expect((await relay.admin('GET', `${lists()}/shared-name`)).status).to.equal(200);
  });

  it('when the hot path looks a queue up in the store, then find() answers the account\'s own and undefined otherwise', async () => {
    await relay.admin('PUT', `${queues()}/hot`, QUEUE);
    const redis = testRedis();
    try {
      const store = new AgentQueueStore(redis, relay.config.redisPrefix);
      expect((await store.find(accountId, 'hot'))?.pbx_queue).to.equal('sales');
      expect(await store.find(otherAccountId, 'hot')).to.equal(undefined);
      expect(await store.find(accountId, 'nope')).to.equal(undefined);
      expect(await store.find(accountId, '../hot')).to.equal(undefined);
    } finally {
      redis.disconnect();
    }
  });

  it('when an agent queue is invalid, then saving it is refused naming the field, and nothing is stored', async () => {
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, n) => [`a${n}`, { number: '1001', interface: 'PJSIP/1001' }]));
    const refusals: [string, unknown, string][] = [
      ['bad id!', QUEUE, '/queue_id must match pattern'],
      ['q', { ...QUEUE, name: '' }, '/name must NOT have fewer than 1 characters'],
      ['q', { ...QUEUE, name: 'x'.repeat(201) }, '/name must NOT have more than 200 characters'],
      ['q', { ...QUEUE, name: 'Sales\nAction: Originate' }, '/name must match pattern'],
      ['q', { ...QUEUE, pbx_queue: 'sales\r\nAction: Originate' }, '/pbx_queue must match pattern'],
      ['q', { ...QUEUE, pbx_queue: 'sales desk' }, '/pbx_queue must match pattern'],
      ['q', { ...QUEUE, agents: { ann: { number: '1001', interface: 'PJSIP/1001\r\nAction: Originate' } } }, '/agents/ann/interface must match pattern'],
      ['q', { ...QUEUE, agents: { ann: { number: '1001', interface: '1001' } } }, '/agents/ann/interface must match pattern'],
      ['q', { ...QUEUE, agents: { ann: { number: '555-1234', interface: 'PJSIP/1001' } } }, '/agents/ann/number must match pattern'],
      ['q', { ...QUEUE, agents: { ann: { number: '1001' } } }, '/agents/ann/interface is required'],
      ['q', { ...QUEUE, agents: { 'ann smith': { number: '1001', interface: 'PJSIP/1001' } } }, '/agents key "ann smith" must match pattern'],
      ['q', { ...QUEUE, agents: {} }, '/agents must NOT have fewer than 1 properties'],
      ['q', { ...QUEUE, agents: many }, '/agents must NOT have more than 200 properties'],
      ['q', { name: 'No queue', agents: QUEUE.agents }, '/pbx_queue is required'],
      ['q', { ...QUEUE, priority: 1 }, '/priority is not a known field'],
      ['q', { ...QUEUE, pbx: 'freeswitch' }, '/pbx must be equal to one of the allowed values'],
    ];
    for (const [id, body, words] of refusals) {
      const answer = await relay.admin('PUT', `${queues()}/${encodeURIComponent(id)}`, body);
      expect(answer.status, words).to.equal(400);
      expect(answer.body.error.code, words).to.equal('invalid_request');
      expect(answer.body.error.message, words).to.contain(words);
    }
    const badKey = await relay.admin('PUT', `${queues()}/q`, { ...QUEUE, agents: { 'ann\r\nAction: Originate': { number: '1001', interface: 'PJSIP/1001' } } });
    expect(badKey.body.error.message).to.equal('Invalid agent queue: /agents key "ann\\r\\nAction: Originate" must match pattern "^[A-Za-z0-9_-]{1,64}$"');
    const notConfigured = await relay.admin('PUT', `${queues()}/q`, { ...QUEUE, pbx: 'switchvox' });
    expect(notConfigured.status).to.equal(409);
    expect(notConfigured.body.error).to.deep.equal({ code: 'pbx_not_configured', message: '/pbx "switchvox" is not one of the account\'s PBX connections (asterisk).' });
    expect((await relay.admin('GET', `${queues()}/q`)).status).to.equal(404);
  });

  it('when a FindMe list is invalid, then saving it is refused naming the field', async () => {
    const refusals: [unknown, string][] = [
      [{ ...LIST, numbers: [] }, '/numbers must NOT have fewer than 1 items'],
      [{ ...LIST, numbers: Array.from({ length: 11 }, (_, n) => `100${n}`) }, '/numbers must NOT have more than 10 items'],
      [{ ...LIST, numbers: ['1001', '1001'] }, '/numbers must NOT have duplicate items'],
      [{ ...LIST, numbers: ['1001', '555 1234'] }, '/numbers/1 must match pattern'],
      [{ ...LIST, numbers: ['1001\r\nAction: Originate'] }, '/numbers/0 must match pattern'],
      [{ ...LIST, strategy: 'random' }, '/strategy must be equal to one of the allowed values'],
      [{ name: LIST.name, numbers: LIST.numbers }, '/strategy is required'],
      [{ ...LIST, ring_seconds: 4 }, '/ring_seconds must be >= 5'],
      [{ ...LIST, ring_seconds: 121 }, '/ring_seconds must be <= 120'],
      [{ ...LIST, ring_seconds: 20.5 }, '/ring_seconds must be integer'],
      [{ ...LIST, name: 'Desk\u0085' }, '/name must match pattern'],
    ];
    for (const [body, words] of refusals) {
      const answer = await relay.admin('PUT', `${lists()}/f`, body);
      expect(answer.status, words).to.equal(400);
      expect(answer.body.error.message, words).to.contain(words);
    }
    const answer = await relay.admin('PUT', `${lists()}/f`, 'not an object');
    expect(answer.status).to.equal(400);
    expect((await relay.admin('GET', `${lists()}/f`)).status).to.equal(404);
  });

  it('when a PBX cannot run a resource, then saving it is refused with unsupported_option naming the option and the PBX', async () => {
    const switchvox = await accountWith([['switchvox', SWITCHVOX]]);
    const other = await accountWith([['other', OTHER]]);
    const refusals: [string, unknown, string][] = [
      [`${queues(switchvox)}/q`, QUEUE, 'agent queues cannot be used with the switchvox PBX'],
      [`${queues(other)}/q`, QUEUE, 'agent queues cannot be used with the other PBX'],
      [`${lists(switchvox)}/f`, { ...LIST, strategy: 'simultaneous' }, 'strategy "simultaneous" cannot be used with the switchvox PBX'],
      [`${lists(other)}/f`, LIST, 'FindMe lists cannot be used with the other PBX: an HTTP template reports no call progress'],
      [`${lists(other)}/f`, { ...LIST, strategy: 'simultaneous' }, 'FindMe lists cannot be used with the other PBX'],
    ];
    for (const [path, body, words] of refusals) {
      const answer = await relay.admin('PUT', path, body);
      expect(answer.status, words).to.equal(422);
      expect(answer.body.error.code, words).to.equal('unsupported_option');
      expect(answer.body.error.message, words).to.contain(words);
    }
    const ordered = await relay.admin('PUT', `${lists(switchvox)}/f`, LIST);
    expect(ordered.status).to.equal(201);
    expect(ordered.body.findme_list.pbx).to.equal('switchvox');
  });

  it('when pbx is left out, then the policy\'s default_pbx or the only connection is used, and without either the save is refused', async () => {
    const both = await accountWith([['asterisk', ASTERISK], ['switchvox', SWITCHVOX]]);
    const several = await relay.admin('PUT', `${lists(both)}/f`, LIST);
    expect(several.status).to.equal(409);
    expect(several.body.error.code).to.equal('pbx_not_configured');
    expect(several.body.error.message).to.contain('/pbx is required').and.contain('asterisk, switchvox');
    expect((await relay.admin('PUT', `${queues(both)}/q`, { ...QUEUE, pbx: 'asterisk' })).status).to.equal(201);
    await relay.admin('PUT', `/admin/v1/accounts/${both}/policy`, { default_pbx: 'switchvox' });
    expect((await relay.admin('PUT', `${lists(both)}/f`, LIST)).body.findme_list.pbx).to.equal('switchvox');
    expect((await relay.admin('PUT', `${queues(both)}/q2`, QUEUE)).body.error.code).to.equal('unsupported_option');
    const misdefaulted = await accountWith([['asterisk', ASTERISK]], { default_pbx: 'switchvox' });
    expect((await relay.admin('PUT', `${lists(misdefaulted)}/f`, LIST)).body.error.message).to.equal('/pbx "switchvox" is not one of the account\'s PBX connections (asterisk).');
    const none = await accountWith([]);
    const empty = await relay.admin('PUT', `${lists(none)}/f`, LIST);
    expect(empty.status).to.equal(409);
    expect(empty.body.error.message).to.contain('no PBX connection');
  });

  it('when an Asterisk connection is saved, then agent_ok_pause_reasons defaults to Outbound and Work, takes a list, and is refused when malformed', async () => {
    const pbx = `/admin/v1/accounts/${otherAccountId}/pbx/asterisk`;
    expect((await relay.admin('PUT', pbx, ASTERISK)).body.settings.agent_ok_pause_reasons).to.deep.equal(['Outbound', 'Work']);
    const refusals: [unknown, string][] = [
      [Array.from({ length: 21 }, (_, n) => `Reason ${n}`), '/agent_ok_pause_reasons must NOT have more than 20 items'],
      [[''], '/agent_ok_pause_reasons/0 must NOT have fewer than 1 characters'],
      [['x'.repeat(65)], '/agent_ok_pause_reasons/0 must NOT have more than 64 characters'],
      [['Lunch\r\nAction: Originate'], '/agent_ok_pause_reasons/0 must match pattern'],
      ['Outbound', '/agent_ok_pause_reasons must be array'],
    ];
    for (const [reasons, words] of refusals) {
      const answer = await relay.admin('PUT', pbx, { ...ASTERISK, agent_ok_pause_reasons: reasons });
      expect(answer.status, words).to.equal(400);
      expect(answer.body.error.message, words).to.contain(words);
    }
    expect((await relay.admin('PUT', pbx, { ...ASTERISK, agent_ok_pause_reasons: ['Outbound', 'Back office'] })).status).to.equal(200);
    // What the worker reads: the opened (decrypted) connection.
    const redis = testRedis();
    try {
      const stored = await new AccountStore(redis, relay.config.redisPrefix, relay.config.masterKey).loadPbx(otherAccountId, 'asterisk');
      const connection = stored?.open();
      expect(connection?.kind).to.equal('asterisk');
      expect(agentOkPauseReasons(connection?.settings as AsteriskSettings)).to.deep.equal(['Outbound', 'Back office']);
    } finally {
      redis.disconnect();
    }
  });

  it('when c2c-admin manages queues and lists, then put, get, list and delete go through the admin API', async () => {
    const cli = async (...argv: string[]) => {
      let output = '';
      const code = await run(argv, { ADMIN_TOKEN, C2C_ADMIN_URL: relay.base }, (text) => (output += text));
      return { code, json: JSON.parse(output) };
    };
    expect((await cli('agent-queue', 'put', accountId, 'cli-q', '--json', JSON.stringify(QUEUE))).json.agent_queue.id).to.equal('cli-q');
    expect((await cli('agent-queue', 'get', accountId, 'cli-q')).json.agent_queue.pbx_queue).to.equal('sales');
    expect((await cli('agent-queue', 'list', accountId)).json.agent_queues.map((row: { id: string }) => row.id)).to.include('cli-q');
    expect((await cli('agent-queue', 'delete', accountId, 'cli-q')).code).to.equal(0);
    expect((await cli('agent-queue', 'get', accountId, 'cli-q')).code).to.equal(1);
    expect((await cli('findme', 'put', accountId, 'cli-f', '--json', JSON.stringify(LIST))).json.findme_list.ring_seconds).to.equal(20);
    expect((await cli('findme', 'list', accountId)).json.findme_lists.map((row: { id: string }) => row.id)).to.include('cli-f');
    const refused = await cli('findme', 'put', accountId, 'cli-f', '--json', JSON.stringify({ ...LIST, strategy: 'random' }));
    expect(refused.code).to.equal(1);
    expect(refused.json.error.message).to.contain('/strategy');
    expect((await cli('findme', 'delete', accountId, 'cli-f')).code).to.equal(0);
  });
});
