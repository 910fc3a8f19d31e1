import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { run } from '../../api/cli/c2c-admin.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { ADMIN_TOKEN, click2call, provision, startRelay, type Relay } from '../support/relay.js';
import { RedisServer } from '../support/redis-server.js';

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('operations', function () {
  this.timeout(30000);
  let pbx: HttpPbxDouble;
  before(async () => {
    pbx = await startHttpPbxDouble();
  });
  after(async () => pbx.close());

  it('when HTTPS is configured, then the same API answers over TLS beside plain HTTP', async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, days: 1, extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }] } as never);
    const dir = mkdtempSync(join(tmpdir(), 'c2c-tls-'));
    writeFileSync(join(dir, 'cert.pem'), pems.cert);
    writeFileSync(join(dir, 'key.pem'), pems.private);
    const relay = await startRelay({ HTTPS_PORT: '0', TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') });
    try {
      const { apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}` }, { default_pbx: 'other' });
      const url = `https://127.0.0.1:${relay.web.httpsPort}/v1/click2call?api_key=${apiKey}&dial_first=1001&dial_second=5550100`;
      const answer = await httpsGet(url, pems.cert);
      expect(answer.status).to.equal(200);
      expect(JSON.parse(answer.body).response.status).to.equal('success');
      expect((await fetch(`${relay.base}/healthz`)).status).to.equal(200);
    } finally {
      await relay.stop();
    }
  });

  it('when Redis goes down, then the API answers service_unavailable promptly and readyz is 503, and recovers', async () => {
    const redis = await RedisServer.start();
    const relay = await startRelay({ REDIS_URL: redis.url });
    try {
      const { apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}` }, { default_pbx: 'other' });
      await redis.stop();
      // Past the key cache's second, so the API must reach Redis.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const started = Date.now();
      const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
      expect(Date.now() - started).to.be.below(3000);
      expect(answer.status).to.equal('fail');
      expect(answer.errors[0].error.code).to.equal('service_unavailable');
      expect((await fetch(`${relay.base}/readyz`)).status).to.equal(503);
      await redis.restart();
      const { eventually } = await import('../support/eventually.js');
      await eventually(async () => expect((await fetch(`${relay.base}/readyz`)).status).to.equal(200), { timeoutMs: 10000 });
      const after = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
      expect(after.status).to.equal('success');
    } finally {
      await relay.stop();
      await redis.stop();
    }
  });
});

describe('admin API and CLI', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: HttpPbxDouble;
  before(async () => {
    relay = await startRelay();
    pbx = await startHttpPbxDouble();
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  async function cli(...argv: string[]): Promise<{ code: number; json: any }> {
    let output = '';
    const code = await run(argv, { ADMIN_TOKEN, C2C_ADMIN_URL: relay.base }, (text) => (output += text));
    return { code, json: JSON.parse(output) };
  }

  it('when the token is missing or wrong, then 401 and nothing changes', async () => {
    const none = await fetch(`${relay.base}/admin/v1/accounts`, { method: 'POST' });
    expect(none.status).to.equal(401);
    const wrong = await fetch(`${relay.base}/admin/v1/accounts`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).to.equal(401);
    expect(((await wrong.json()) as any).error.code).to.equal('unauthorized');
  });

  it('when ADMIN_TOKEN is unset, then the admin API does not exist', async () => {
    const bare = await startRelay({ ADMIN_TOKEN: '' }, { worker: false });
    try {
      const response = await fetch(`${bare.base}/admin/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(response.status).to.equal(404);
    } finally {
      await bare.stop();
    }
  });

  it('when the CLI manages an account, then keys are shown once, secrets are masked, and history lists requests', async () => {
    const created = await cli('accounts', 'create', 'Acme Ltd');
    expect(created.code).to.equal(0);
    const id = created.json.account.id as string;
    const key = await cli('keys', 'create', id, '--label', 'crm');
    expect(key.json.key.api_key).to.match(/^c2c_live_/);
    const settings = JSON.stringify({ url: `${pbx.url}/c2c?to={dial_second}`, auth: { type: 'bearer', token: 'pbx-token-xyz' } });
    const put = await cli('pbx', 'set', id, 'other', '--json', settings);
    expect(put.code).to.equal(0);
    expect(put.json.settings.auth).to.deep.equal({ type: 'bearer', token: 'REDACTED' });
    const account = await cli('accounts', 'get', id);
    expect(JSON.stringify(account.json)).to.not.contain('pbx-token-xyz').and.not.contain(key.json.key.api_key);
    expect(account.json.account.keys[0]).to.include({ id: key.json.key.id, label: 'crm' });
    const list = await cli('keys', 'list', id);
    expect(list.json.keys).to.have.length(1);
    expect(list.json.keys[0]).to.not.have.property('api_key');

    const policy = await cli('policy', 'set', id, '--json', JSON.stringify({ default_pbx: 'other', allow: ['^[0-9]{4,12}$'] }));
    expect(policy.json.policy.default_pbx).to.equal('other');
    const badPolicy = await cli('policy', 'set', id, '--json', JSON.stringify({ allow: ['(a+)+'] }));
    expect(badPolicy.code).to.equal(1);
    expect(badPolicy.json.error.code).to.equal('invalid_request');

    const answer = await click2call(relay, { api_key: key.json.key.api_key, dial_first: '1001', dial_second: '5550100' });
    expect(answer.status).to.equal('success');
    const history = await cli('requests', id, '--limit', '5');
    expect(history.json.requests[0]).to.include({ request_id: answer.request_id, state: 'accepted' });

    const test = await cli('pbx', 'test', id, 'other');
    expect(test.json).to.deep.include({ ok: true });

    const revoked = await cli('keys', 'revoke', id, key.json.key.id);
    expect(revoked.code).to.equal(0);
    const refused = await click2call(relay, { api_key: key.json.key.api_key, dial_first: '1001', dial_second: '5550100' });
    expect(refused.errors[0].error.code).to.equal('invalid_api_key');
  });

  it('when PBX settings are invalid, then 400 with every problem named', async () => {
    const { body } = await relay.admin('POST', '/admin/v1/accounts', { name: 'x' });
    const put = await relay.admin('PUT', `/admin/v1/accounts/${body.account.id}/pbx/asterisk`, { host: 'pbx\r\nAction: x', port: 99999 });
    expect(put.status).to.equal(400);
    expect(put.body.error.message).to.contain('/host').and.contain('/port').and.contain('username');
  });

  it('when an unknown account is asked for, then 404 not_found', async () => {
    const response = await relay.admin('GET', '/admin/v1/accounts/acct_nope');
    expect(response.status).to.equal(404);
    expect(response.body.error.code).to.equal('not_found');
  });
});
