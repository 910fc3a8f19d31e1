/** SPEC §10 saved click-to-call endpoints: Kazoo's CRUD, validation at save time, and the public connect with its guards. */
import { expect } from 'chai';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { startSwitchvoxDouble } from '../doubles/switchvox/switchvox-double.js';
import { run } from '../../api/cli/c2c-admin.js';
import { ADMIN_TOKEN, provision, startRelay, statusOf, type Relay } from '../support/relay.js';

describe('saved click-to-call endpoints', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: HttpPbxDouble;
  let accountId: string;
  let apiKey: string;
  let otherAccount: { accountId: string; apiKey: string };

  before(async () => {
    relay = await startRelay();
    pbx = await startHttpPbxDouble();
    const template = { url: `${pbx.url}/c2c?from={dial_first}&to={dial_second}&id={request_id}&cid={second_callerid}` };
    ({ accountId, apiKey } = await provision(relay, 'other', template, { default_pbx: 'other', caller_ids: ['5559000'] }));
    otherAccount = await provision(relay, 'other', template, { default_pbx: 'other' });
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  const base = () => `/admin/v1/accounts/${accountId}/clicktocall`;
  const create = async (data: Record<string, unknown>) => relay.admin('PUT', base(), { data });
  const connect = async (id: string, params: Record<string, string>, init: RequestInit = {}) => {
    const response = await fetch(`${relay.base}/v1/clicktocall/${id}/connect?${new URLSearchParams(params)}`, init);
    return { http: response.status, headers: response.headers, body: ((await response.json()) as { response: any }).response };
  };
  const tokenFor = async (id: string) => ((await (await fetch(`${relay.base}/v1/clicktocall/${id}/token`)).json()) as { token: string }).token;
  const dialsTo = (number: string) => pbx.requests.filter((request) => request.url.includes(`to=${number}`) || request.url.includes(`from=${number}`)).length;

  it('when an endpoint is created, read, listed, replaced, patched and deleted, then each verb answers as Kazoo does', async () => {
    const created = await create({ name: 'Sales line', extension: '1001', timeout: 25 });
    expect(created.status).to.equal(201);
    const id = created.body.data.id as string;
    expect(created.body.data).to.include({ name: 'Sales line', extension: '1001', dial_first: 'extension', auth_required: true, timeout: 25, blocking: false });
    expect(created.body.data).to.not.have.property('account_id');
    expect((await relay.admin('GET', `${base()}/${id}`)).body.data.name).to.equal('Sales line');
    expect((await relay.admin('GET', base())).body.data.map((row: { id: string }) => row.id)).to.include(id);
    const replaced = await relay.admin('POST', `${base()}/${id}`, { data: { name: 'Support', extension: '1002' } });
    expect(replaced.body.data).to.include({ name: 'Support', extension: '1002' });
    expect(replaced.body.data).to.not.have.property('timeout');
    const patched = await relay.admin('PATCH', `${base()}/${id}`, { data: { timeout: 40 } });
    expect(patched.body.data).to.include({ name: 'Support', extension: '1002', timeout: 40 });
    const cleared = await relay.admin('PATCH', `${base()}/${id}`, { timeout: null });
    expect(cleared.body.data).to.not.have.property('timeout');
    expect((await relay.admin('DELETE', `${base()}/${id}`)).status).to.equal(204);
    expect((await relay.admin('GET', `${base()}/${id}`)).status).to.equal(404);
  });

  it('when c2c-admin manages endpoints, then create, list, patch, history and delete go through the admin API', async () => {
    const cli = async (...argv: string[]) => {
      let output = '';
      const code = await run(argv, { ADMIN_TOKEN, C2C_ADMIN_URL: relay.base }, (text) => (output += text));
      return { code, json: output === '' ? undefined : JSON.parse(output) };
    };
    const created = await cli('clicktocall', 'create', accountId, '--json', JSON.stringify({ name: 'From the CLI', extension: '1003' }));
    expect(created.code).to.equal(0);
    const id = created.json.data.id as string;
    expect((await cli('clicktocall', 'list', accountId)).json.data.map((row: { id: string }) => row.id)).to.include(id);
    expect((await cli('clicktocall', 'patch', accountId, id, '--json', '{"timeout":15}')).json.data.timeout).to.equal(15);
    expect((await cli('clicktocall', 'history', accountId, id)).json.requests).to.deep.equal([]);
    expect((await cli('clicktocall', 'delete', accountId, id)).code).to.equal(0);
    expect((await cli('clicktocall', 'get', accountId, id)).code).to.equal(1);
  });

  it('when another account asks for an endpoint, then 404, as for an unknown one', async () => {
    const id = (await create({ name: 'Mine', extension: '1001' })).body.data.id as string;
    const foreign = await relay.admin('GET', `/admin/v1/accounts/${otherAccount.accountId}/clicktocall/${id}`);
    expect(foreign.status).to.equal(404);
    expect(foreign.body.error.code).to.equal('not_found');
    expect((await relay.admin('DELETE', `/admin/v1/accounts/${otherAccount.accountId}/clicktocall/${id}`)).status).to.equal(404);
    expect((await relay.admin('GET', `${base()}/${id}`)).status).to.equal(200);
  });

  it('when an endpoint is unsafe or asks what its PBX cannot do, then saving it is refused with a clear message', async () => {
    const refusals: [Record<string, unknown>, number, string][] = [
      [{ name: 'Public, unbounded', extension: '1001', auth_required: false }, 400, 'needs a non-empty whitelist and a throttle'],
      [{ name: 'Public, no throttle', extension: '1001', auth_required: false, whitelist: ['555[0-9]{4}'] }, 400, 'throttle'],
      [{ name: 'ReDoS', extension: '1001', whitelist: ['(1|11)+'] }, 400, '/whitelist/0'],
      [{ name: 'Bad var', extension: '1001', custom_application_vars: { 'bad name!': 'x' } }, 400, 'custom_application_vars'],
      [{ name: 'CRLF header', extension: '1001', custom_sip_headers: { out: { 'X-Ok': 'a\r\nInjected: 1' } } }, 400, 'custom_sip_headers'],
      [{ name: 'MOH on other', extension: '1001', music_on_hold: { media_id: 'jazz' } }, 422, 'music_on_hold'],
      [{ name: 'Headers on other', extension: '1001', custom_sip_headers: { out: { 'X-Campaign': 'spring' } } }, 422, 'custom_sip_headers'],
      [{ name: 'No such PBX', extension: '1001', pbx: 'switchvox' }, 409, 'switchvox'],
      [{ name: '', extension: '1001' }, 400, 'name'],
    ];
    for (const [data, status, words] of refusals) {
      const answer = await create(data);
      expect(answer.status, JSON.stringify(data)).to.equal(status);
      expect(answer.body.error.message, JSON.stringify(data)).to.contain(words);
    }
  });

  it('when an endpoint needs a key, then connect works with one of its account keys only, and rings extension then contact', async () => {
    const id = (await create({ name: 'Keyed', extension: '1001', caller_id_number: '5559000' })).body.data.id as string;
    expect((await connect(id, { contact: '5550100' })).body.errors[0].error.code).to.equal('invalid_api_key');
    expect((await connect(id, { contact: '5550100' }, { headers: { 'x-api-key': otherAccount.apiKey } })).body.errors[0].error.code).to.equal('invalid_api_key');
    const answer = await connect(id, { contact: '(555) 010-0' }, { headers: { 'x-api-key': apiKey } });
    expect(answer.body.status, JSON.stringify(answer.body.errors)).to.equal('success');
    const sent = pbx.requests.find((request) => request.url.includes(answer.body.request_id));
    expect(sent?.url).to.contain('from=1001&to=5550100').and.contain('cid=5559000');
    const doc = (await statusOf(answer.body.status_url)).body.c2c_status;
    expect(doc.request.request_data).to.include({ c2c_id: id, dial_first: '1001', dial_second: '5550100', dial_as: '1001' });
    const history = await relay.admin('GET', `${base()}/${id}/history`);
    expect(history.body.requests.map((row: { request_id: string }) => row.request_id)).to.deep.equal([answer.body.request_id]);
  });

  it('when dial_first is contact, then the visitor rings first', async () => {
    const id = (await create({ name: 'Callback first', extension: '1001', dial_first: 'contact' })).body.data.id as string;
    // The policy must let an outside number ring first.
    await relay.admin('PUT', `/admin/v1/accounts/${accountId}/policy`, { allow_first: ['^555[0-9]{4}$'] });
    try {
      const answer = await connect(id, { contact: '5550123' }, { headers: { 'x-api-key': apiKey } });
      expect(answer.body.status, JSON.stringify(answer.body.errors)).to.equal('success');
      expect(pbx.requests.find((request) => request.url.includes(answer.body.request_id))?.url).to.contain('from=5550123&to=1001');
    } finally {
      await relay.admin('PUT', `/admin/v1/accounts/${accountId}/policy`, { allow_first: [] });
    }
  });

  it('when the account\'s PBX is Switchvox, then connect places the call there, and Asterisk-only fields are refused when saved', async () => {
    const switchvox = await startSwitchvoxDouble({ timeScale: 0.01 });
    try {
      const owner = await provision(relay, 'switchvox', { url: switchvox.url, username: 'admin', password: 'admin-secret', ca_pem: switchvox.caPem }, { default_pbx: 'switchvox' });
      const put = (data: Record<string, unknown>) => relay.admin('PUT', `/admin/v1/accounts/${owner.accountId}/clicktocall`, { data });
      expect((await put({ name: 'Vars', extension: '1001', custom_application_vars: { campaign: 'x' } })).status).to.equal(422);
      expect((await put({ name: 'Caller ID', extension: '1001', caller_id_number: '1001' })).body.error.code).to.equal('unsupported_option');
      const id = (await put({ name: 'Switchvox line', extension: '1001' })).body.data.id as string;
      const response = await fetch(`${relay.base}/v1/clicktocall/${id}/connect?contact=5551234&page=https%3A%2F%2Fshop.example`, { headers: { 'x-api-key': owner.apiKey } });
      const answer = ((await response.json()) as { response: any }).response;
      expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
      expect(switchvox.calls().at(-1)?.parameters).to.deep.include({ dial_first: '1001', dial_second: '5551234' });
    } finally {
      await switchvox.close();
    }
  });

  describe('a public endpoint', () => {
    let id: string;
    before(async () => {
      const created = await create({ name: 'Website', extension: '1001', auth_required: false, whitelist: ['555[0-9]{4}'], throttle: 4, allowed_origins: ['https://shop.example'] });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      id = created.body.data.id as string;
    });

    it('when the contact matches the anchored whitelist and a fresh token comes with it, then the call is placed without a key', async () => {
      const answer = await connect(id, { contact: '5551234', token: await tokenFor(id) });
      expect(answer.body.status, JSON.stringify(answer.body.errors)).to.equal('success');
      expect(answer.body.status_url).to.contain('/v1/status/');
    });

    it('when the contact only contains a whitelisted number (Kazoo would search), then number_not_allowed and nothing rings', async () => {
      const before = dialsTo('9005551234');
      const answer = await connect(id, { contact: '9005551234', token: await tokenFor(id) });
      expect(answer.body.errors[0].error.code).to.equal('number_not_allowed');
      expect(answer.body.errors[0].error.message).to.contain('whitelist');
      expect(dialsTo('9005551234')).to.equal(before);
    });

    it('when the token is missing, forged or for another endpoint, then nothing is placed', async () => {
      const other = (await create({ name: 'Other site', extension: '1002', auth_required: false, whitelist: ['555[0-9]{4}'], throttle: 4 })).body.data.id as string;
      for (const token of [undefined, '9999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', await tokenFor(other)]) {
        const answer = await connect(id, { contact: '5551235', ...(token ? { token } : {}) });
        expect(answer.body.status).to.equal('fail');
        expect(answer.body.errors[0].error.message).to.contain('token');
      }
    });

    it('when a browser page from another origin calls, then it is refused and CORS does not let it read the answer', async () => {
      const foreign = await connect(id, { contact: '5551236', token: await tokenFor(id) }, { headers: { origin: 'https://evil.example' } });
      expect(foreign.body.errors[0].error.message).to.contain('allowed_origins');
      expect(foreign.headers.get('access-control-allow-origin')).to.equal(null);
      const preflight = await fetch(`${relay.base}/v1/clicktocall/${id}/connect`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get('access-control-allow-origin')).to.equal('https://shop.example');
      expect(preflight.headers.get('access-control-allow-methods')).to.contain('POST');
      const allowed = await connect(id, { contact: '5551237', token: await tokenFor(id) }, { headers: { origin: 'https://shop.example' } });
      expect(allowed.body.status, JSON.stringify(allowed.body.errors)).to.equal('success');
      expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://shop.example');
      // A preflight's own headers go with the preflight only.
      expect(allowed.headers.get('access-control-allow-methods')).to.equal(null);
    });

    it('when connects come through two API instances, then the throttle holds across both', async () => {
      const throttled = (await create({ name: 'Throttled', extension: '1001', auth_required: false, whitelist: ['555[0-9]{4}'], throttle: 2 })).body.data.id as string;
      const second = await startRelay({ REDIS_PREFIX: relay.config.redisPrefix, C2C_MASTER_KEY: relay.config.masterKey.toString('base64') }, { worker: false });
      try {
        const outcomes: string[] = [];
        for (const [i, instance] of [relay, second, relay].entries()) {
          const token = ((await (await fetch(`${instance.base}/v1/clicktocall/${throttled}/token`)).json()) as { token: string }).token;
          const response = await fetch(`${instance.base}/v1/clicktocall/${throttled}/connect?contact=555130${i}&token=${token}&wait=0`);
          const answer = ((await response.json()) as { response: any }).response;
          outcomes.push(answer.status === 'success' ? 'ok' : `${answer.errors[0].error.code}: ${answer.errors[0].error.message}`);
        }
        expect(outcomes.slice(0, 2)).to.deep.equal(['ok', 'ok']);
        expect(outcomes[2]).to.match(/^rate_limited: Too many requests from this click-to-call endpoint/);
      } finally {
        await second.stop();
      }
    });

    it('when one address keeps connecting, then the per-address limit stops it before a generous throttle', async () => {
      const generous = (await create({ name: 'Generous', extension: '1001', auth_required: false, whitelist: ['555[0-9]{4}'], throttle: 100 })).body.data.id as string;
      const codes: string[] = [];
      for (let i = 0; i < 4; i++) {
        const answer = await connect(generous, { contact: `555140${i}`, token: await tokenFor(generous), wait: '0' });
        codes.push(answer.body.status === 'success' ? 'ok' : answer.body.errors[0].error.message);
      }
      expect(codes.slice(0, 3)).to.deep.equal(['ok', 'ok', 'ok']);
      expect(codes[3]).to.contain('Too many requests from this address');
    });

    it('when the endpoint is unknown, then not_found, with no status URL', async () => {
      const answer = await connect('c2c_doesnotexist', { contact: '5551234' });
      expect(answer.body.errors[0].error.code).to.equal('not_found');
      expect(answer.body.status_url).to.equal('');
    });
  });
});
