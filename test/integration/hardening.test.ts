import { expect } from 'chai';
import { startWeb, type WebHandle } from '../../api/main.js';
import { createLogger } from '../../shared/logger.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { eventually } from '../support/eventually.js';
import { LogCapture } from '../support/log-capture.js';
import { ADMIN_TOKEN, click2call, provision, startRelay, type Relay } from '../support/relay.js';

describe('hardening', function () {
  this.timeout(20000);
  let pbx: HttpPbxDouble;
  before(async () => {
    pbx = await startHttpPbxDouble();
  });
  after(async () => pbx.close());

  it('when the other driver points at a loopback address, then it is refused unless the operator allows it', async () => {
    const relay = await startRelay({ ALLOW_PRIVATE_PBX_ADDRESSES: 'false' });
    try {
      const { apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}` }, { default_pbx: 'other' });
      const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
      expect(answer.status).to.equal('fail');
      expect(answer.errors[0].error.code).to.equal('pbx_unreachable');
      expect(answer.errors[0].error.message).to.contain('ALLOW_PRIVATE_PBX_ADDRESSES');
      const viaName = await provision(relay, 'other', { url: `http://localhost:${pbx.port}/c2c?to={dial_second}` }, { default_pbx: 'other' });
      const named = await click2call(relay, { api_key: viaName.apiKey, dial_first: '1001', dial_second: '5550100' });
      expect(named.errors[0].error.code).to.equal('pbx_unreachable');
      expect(pbx.requests).to.have.length(0);
    } finally {
      await relay.stop();
    }
  });

  it('when any response is sent, then it carries the security headers', async () => {
    const relay = await startRelay({}, { worker: false });
    try {
      for (const path of ['/v1/click2call', '/v1/status/x', '/healthz', '/nope']) {
        const response = await fetch(`${relay.base}${path}`);
        expect(response.headers.get('x-content-type-options'), path).to.equal('nosniff');
        expect(response.headers.get('x-frame-options'), path).to.equal('DENY');
        expect(response.headers.get('content-security-policy'), path).to.contain("default-src 'none'");
        expect(response.headers.get('x-powered-by'), path).to.equal(null);
      }
    } finally {
      await relay.stop();
    }
  });

  it('when ADMIN_PORT is set, then the admin API answers only there', async () => {
    const relay = await startRelay({ ADMIN_PORT: '0' }, { worker: false });
    try {
      expect(relay.web.adminPort).to.be.a('number').and.not.equal(relay.web.httpPort);
      const onPublic = await fetch(`${relay.base}/admin/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(onPublic.status).to.equal(404);
      const created = await relay.admin('POST', '/admin/v1/accounts', { name: 'on the admin port' });
      expect(created.status).to.equal(201);
    } finally {
      await relay.stop();
    }
  });

  it('when ADMIN_PORT is set, then it listens on 127.0.0.1 unless ADMIN_HOST names another interface', async () => {
    const reachable = (url: string) => fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then((response) => response.status, () => 'refused' as const);
    const loopbackOnly = await startRelay({ ADMIN_PORT: '0' }, { worker: false });
    try {
      expect(await reachable(`http://127.0.0.1:${loopbackOnly.web.adminPort}/admin/v1/accounts/acct_none`)).to.equal(404);
      expect(await reachable(`http://127.0.0.2:${loopbackOnly.web.adminPort}/admin/v1/accounts/acct_none`)).to.equal('refused');
    } finally {
      await loopbackOnly.stop();
    }
    const named = await startRelay({ ADMIN_PORT: '0', ADMIN_HOST: '127.0.0.2' }, { worker: false });
    try {
      expect(await reachable(`http://127.0.0.2:${named.web.adminPort}/admin/v1/accounts/acct_none`)).to.equal(404);
      expect(await reachable(`http://127.0.0.1:${named.web.adminPort}/admin/v1/accounts/acct_none`)).to.equal('refused');
    } finally {
      await named.stop();
    }
  });

  it('when METRICS_ON_ADMIN_PORT is set, then /metrics answers only on the admin port, with or without the admin API, and health stays public', async () => {
    for (const adminToken of [ADMIN_TOKEN, '']) {
      const relay = await startRelay({ ADMIN_PORT: '0', METRICS_ON_ADMIN_PORT: 'true', ADMIN_TOKEN: adminToken }, { worker: false });
      try {
        const admin = `http://127.0.0.1:${relay.web.adminPort}`;
        await fetch(`${relay.base}/healthz`);
        expect((await fetch(`${relay.base}/metrics`)).status, 'public /metrics').to.equal(404);
        // Ready once its Redis connection is (on a Cluster, once the slot map is loaded).
        await eventually(async () => expect((await fetch(`${relay.base}/readyz`)).status).to.equal(200));
        const metrics = await fetch(`${admin}/metrics`);
        expect(metrics.status).to.equal(200);
        expect(await metrics.text()).to.contain('c2c_http_request_duration_seconds_count{route="/healthz",status="200"}');
        const adminApi = await fetch(`${admin}/admin/v1/accounts/acct_none`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect(adminApi.status).to.equal(404);
        const { message } = ((await adminApi.json()) as { error: { message: string } }).error;
        expect(message, `admin API with ADMIN_TOKEN=${JSON.stringify(adminToken)}`).to.match(adminToken === '' ? /^No route/ : /acct_none not found/);
      } finally {
        await relay.stop();
      }
    }
  });

  it('when clients send X-Forwarded-For, then it sets the address of the unauthenticated limit only if it came through a proxy named in TRUST_PROXY', async () => {
    /** Three requests with a wrong key, each claiming another address; the limit allows two per address. */
    const codesWith = async (env: Record<string, string>) => {
      const relay = await startRelay({ UNAUTHENTICATED_PER_MINUTE: '2', ...env }, { worker: false });
      try {
        const codes: string[] = [];
        for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
          const response = await fetch(`${relay.base}/v1/click2call?api_key=wrong&dial_first=1001&dial_second=5550100`, { headers: { 'x-forwarded-for': address } });
          codes.push(((await response.json()) as { response: { errors: { error: { code: string } }[] } }).response.errors[0]?.error.code ?? '');
        }
        return codes;
      } finally {
        await relay.stop();
      }
    };
    const oneAddress = ['invalid_api_key', 'invalid_api_key', 'rate_limited'];
    expect(await codesWith({}), 'no proxy trusted').to.deep.equal(oneAddress);
    expect(await codesWith({ TRUST_PROXY: '10.0.0.0/8' }), 'the client is not the named proxy').to.deep.equal(oneAddress);
    expect(await codesWith({ TRUST_PROXY: 'loopback' }), 'the client is the named proxy').to.deep.equal(['invalid_api_key', 'invalid_api_key', 'invalid_api_key']);
    expect(await codesWith({ TRUST_PROXY: '1' }), 'one hop trusted').to.deep.equal(['invalid_api_key', 'invalid_api_key', 'invalid_api_key']);
  });

  it('when a key is revoked on one instance, then another instance refuses it within a second; last_used_at and the audit line are kept', async () => {
    const relay: Relay = await startRelay();
    const logs = new LogCapture();
    const second: WebHandle = await startWeb({ ...relay.config, port: 0 }, createLogger({ level: 'info', name: 'second' }, logs));
    try {
      const { apiKey, accountId } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}` }, { default_pbx: 'other' });
      const secondUrl = (query: string) => `http://127.0.0.1:${second.httpPort}/v1/click2call?${query}`;
      const call = async () => ((await (await fetch(secondUrl(`api_key=${apiKey}&dial_first=1001&dial_second=5550100&wait=0`))).json()) as any).response;
      expect((await call()).status).to.equal('success');
      const keys = await relay.admin('GET', `/admin/v1/accounts/${accountId}/keys`);
      expect(Date.parse(keys.body.keys[0].last_used_at)).to.be.closeTo(Date.now(), 60_000);
      const revokedAt = Date.now();
      expect((await relay.admin('DELETE', `/admin/v1/accounts/${accountId}/keys/${keys.body.keys[0].id}`)).status).to.equal(204);
      await eventually(async () => expect((await call()).errors[0]?.error.code).to.equal('invalid_api_key'), { timeoutMs: 1000, intervalMs: 20 });
      expect(Date.now() - revokedAt).to.be.below(1000);
      const audit = relay.logs.parsed().filter((line) => line.audit === true);
      expect(audit.map((line) => line.action)).to.include.members(['account.create', 'key.create', 'pbx.put', 'key.revoke']);
      expect(relay.logs.text).to.not.contain(apiKey);
    } finally {
      await second.shutdown.run();
      await relay.stop();
    }
  });

  it('when a client sends an oversized body, then it is refused with the documented JSON', async () => {
    const relay = await startRelay({}, { worker: false });
    try {
      const response = await fetch(`${relay.base}/v1/click2call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dial_first: '1'.repeat(40_000) }) });
      expect(response.status).to.equal(200);
      const body = (await response.json()) as any;
      expect(body.response.errors[0].error).to.include({ code: 'invalid_request', message: 'The request body is too large.' });
    } finally {
      await relay.stop();
    }
  });
});
