import { expect } from 'chai';
import { startRelay, type Relay } from '../support/relay.js';

const API_KEY = 'sk_admin_gateway_secret_1';

describe('the SMS gateway admin API (/admin/v1/accounts/{id}/sms-gateway)', function () {
  this.timeout(20000);
  let relay: Relay;
  let accountId: string;
  const path = () => `/admin/v1/accounts/${accountId}/sms-gateway`;
  const settings = {
    url: 'https://sms.example/v1/messages?key={secret:api_key}',
    body: 'To={to}&From={from}&Body={text}',
    body_type: 'form',
    secrets: { api_key: API_KEY },
    auth: { type: 'bearer', token: 'tok-admin-secret-2' },
  };

  before(async () => {
    relay = await startRelay({}, { worker: false });
    accountId = (await relay.admin('POST', '/admin/v1/accounts', { name: 'Shop' })).body.account.id as string;
  });
  after(() => relay.stop());

  it('when a gateway is set, then the answer and every later read show it with its secrets REDACTED, never their values', async () => {
    const put = await relay.admin('PUT', path(), settings);
    expect(put.status).to.equal(200);
    expect(put.body.sms_gateway.settings).to.deep.include({ url: settings.url, secrets: { api_key: 'REDACTED' }, auth: { type: 'bearer', token: 'REDACTED' }, method: 'POST', timeout_ms: 10000 });
    const get = await relay.admin('GET', path());
    expect(get.status).to.equal(200);
    expect(get.body).to.deep.equal(put.body);
    expect(JSON.stringify(get.body) + relay.logs.text).to.not.contain(API_KEY).and.not.contain('tok-admin-secret-2');
    expect(relay.logs.parsed().some((line) => line.action === 'sms_gateway.put' && line.account_id === accountId)).to.equal(true);
  });

  it('when the settings are wrong, then 400 names the problem; an unknown account is 404; without the token 401', async () => {
    const bad = await relay.admin('PUT', path(), { ...settings, body: 'To={to}' });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.match(/must use \{text\}/);
    expect((await relay.admin('PUT', '/admin/v1/accounts/acct_nope/sms-gateway', settings)).status).to.equal(404);
    const anonymous = await fetch(`${relay.base}${path()}`);
    expect(anonymous.status).to.equal(401);
  });

  it('when the gateway is removed, then it is gone: GET and a second DELETE answer 404', async () => {
    await relay.admin('PUT', path(), settings);
    expect((await relay.admin('DELETE', path())).status).to.equal(204);
    expect((await relay.admin('GET', path())).status).to.equal(404);
    expect((await relay.admin('DELETE', path())).status).to.equal(404);
  });
});
