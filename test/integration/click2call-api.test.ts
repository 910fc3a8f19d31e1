import { expect } from 'chai';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { CALL_QUEUE } from '../../shared/call-job.js';
import { startWorker } from '../../worker/main.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { eventually } from '../support/eventually.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { keysEverywhere, testRedis } from '../support/redis-url.js';

function otherSettings(pbx: HttpPbxDouble, timeoutMs = 1500) {
  return { method: 'GET', url: `${pbx.url}/c2c?from={dial_first}&to={dial_second}&id={request_id}`, timeout_ms: timeoutMs };
}

describe('the public API', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: HttpPbxDouble;
  let apiKey: string;
  let accountId: string;

  before(async () => {
    relay = await startRelay();
    pbx = await startHttpPbxDouble();
    ({ apiKey, accountId } = await provision(relay, 'other', otherSettings(pbx), { default_pbx: 'other' }));
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  async function keysInRedis(): Promise<string[]> {
    const redis = testRedis();
    try {
      return (await Promise.all(relay.shards.all().map((n) => keysEverywhere(redis, `${relay.shards.keyPrefix(n)}:st:*`)))).flat();
    } finally {
      redis.disconnect();
    }
  }

  it('when the key is missing, unknown or revoked, then invalid_api_key with no status URL and nothing stored', async () => {
    const before = (await keysInRedis()).length;
    const revoked = await relay.admin('POST', `/admin/v1/accounts/${accountId}/keys`, {});
    expect((await relay.admin('DELETE', `/admin/v1/accounts/${accountId}/keys/${revoked.body.key.id}`)).status).to.equal(204);
    for (const key of [undefined, 'nonsense', 'c2c_live_' + 'A'.repeat(43), revoked.body.key.api_key as string]) {
      const answer = await click2call(relay, { ...(key === undefined ? {} : { api_key: key }), dial_first: '1001', dial_second: '5550100' });
      expect(answer.status, String(key)).to.equal('fail');
      expect(answer.errors[0].error.code).to.equal('invalid_api_key');
      expect(answer.errors[0].error.url).to.equal('');
      expect(answer.status_url).to.equal('');
    }
    expect((await keysInRedis()).length).to.equal(before);
    expect(pbx.requests.length).to.equal(0);
  });

  it('when a field is invalid, then invalid_request names it and nothing reaches the PBX', async () => {
    const cases: Record<string, string>[] = [
      { dial_first: '1001' },
      { dial_first: '1001', dial_second: '555\r\n0100' },
      { dial_first: '1001@evil', dial_second: '5550100' },
      { dial_first: '1001', dial_second: '5550100', timeout: '0' },
      { dial_first: '1001', dial_second: '5550100', timeout: '121' },
      { dial_first: '1001', dial_second: '5550100', pbx: 'sip' },
      { dial_first: '1001', dial_second: '5550100', dial_as: '10;01' },
    ];
    for (const fields of cases) {
      const answer = await click2call(relay, { api_key: apiKey, ...fields });
      expect(answer.status, JSON.stringify(fields)).to.equal('fail');
      expect(answer.errors[0].error.code).to.equal('invalid_request');
      expect(answer.errors[0].error.url).to.equal(answer.status_url).and.not.equal('');
    }
    expect(pbx.requests.length).to.equal(0);
  });

  it('when the body is not valid JSON, then the answer is still HTTP 200 with invalid_request', async () => {
    const response = await fetch(`${relay.base}/v1/click2call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"dial_first":' });
    expect(response.status).to.equal(200);
    const body = (await response.json()) as any;
    expect(body.response.errors[0].error.code).to.equal('invalid_request');
  });

  it('when the account has no connection for the asked PBX, then pbx_not_configured', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', pbx: 'asterisk' });
    expect(answer.errors[0].error.code).to.equal('pbx_not_configured');
  });

  it('when a number is outside the default policy, then number_not_allowed and nothing is dialed', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '+44 20 7946 0000' });
    expect(answer.errors[0].error.code).to.equal('number_not_allowed');
    expect(pbx.requests.length).to.equal(0);
  });

  it('when the status is read with another account key, a wrong token or an unknown id, then the same 404', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
    const other = await provision(relay, 'other', otherSettings(pbx));
    const url = new URL(answer.status_url);
    const bare = `${url.origin}${url.pathname}`;
    const wrongToken = await statusOf(`${bare}?token=AAAA`);
    const otherKey = await statusOf(bare, { headers: { 'x-api-key': other.apiKey } });
    const unknown = await statusOf(`${url.origin}/v1/status/00000000-0000-4000-8000-000000000000?token=${url.searchParams.get('token')}`);
    for (const response of [wrongToken, otherKey, unknown]) {
      expect(response.status).to.equal(404);
      expect(response.body).to.deep.equal({ error: { code: 'not_found', message: 'No such request, or no access to it.' } });
    }
    const owner = await statusOf(bare, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(owner.status).to.equal(200);
    expect(owner.body.c2c_status.request_id).to.equal(answer.request_id);
  });

  it('when the client polls with If-None-Match, then an unchanged document is a 304 and ?wait long-polls', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
    const first = await statusOf(answer.status_url);
    expect(first.etag).to.be.a('string');
    const again = await fetch(answer.status_url, { headers: { 'if-none-match': first.etag as string } });
    expect(again.status).to.equal(304);
    const started = Date.now();
    const longPoll = await fetch(`${answer.status_url}&wait=1`, { headers: { 'if-none-match': first.etag as string } });
    expect(longPoll.status).to.equal(304);
    expect(Date.now() - started).to.be.at.least(900);
  });

  it('when a browser asks for the status, then it gets a readable HTML page', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
    const response = await fetch(answer.status_url, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(response.headers.get('content-type')).to.contain('text/html');
    const html = await response.text();
    expect(html).to.contain('accepted').and.contain('5550100');
  });

  it('when an API client reads the status, then it gets JSON with its length, and HEAD gets the headers alone', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100' });
    const response = await fetch(answer.status_url, { headers: { accept: 'application/json' } });
    expect(response.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    const text = await response.text();
    expect(Number(response.headers.get('content-length'))).to.equal(Buffer.byteLength(text));
    expect(JSON.parse(text).c2c_status.request_id).to.equal(answer.request_id);
    const head = await fetch(answer.status_url, { method: 'HEAD' });
    expect(head.status).to.equal(200);
    expect(head.headers.get('etag')).to.equal(response.headers.get('etag'));
    expect(await head.text()).to.equal('');
  });

  it('when a page calls the API from another origin, then CORS allows it, and only the preflight carries what a preflight needs', async () => {
    const preflight = await fetch(`${relay.base}/v1/click2call`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).to.equal(204);
    expect(preflight.headers.get('access-control-allow-origin')).to.equal('*');
    expect(preflight.headers.get('access-control-allow-headers')).to.contain('X-Api-Key');
    expect(preflight.headers.get('access-control-allow-methods')).to.contain('POST');
    expect(preflight.headers.get('access-control-max-age')).to.equal('600');
    // The call itself (the hot lane's GET, and Express's POST): readable from any page, without the preflight's headers.
    for (const init of [{ method: 'GET' }, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }]) {
      const answer = await fetch(`${relay.base}/v1/click2call`, { ...init, headers: { ...init.headers, origin: 'https://shop.example' } });
      expect(answer.headers.get('access-control-allow-origin'), init.method).to.equal('*');
      expect(answer.headers.get('access-control-expose-headers'), init.method).to.contain('Retry-After');
      for (const name of ['access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age']) expect(answer.headers.get(name), `${init.method} ${name}`).to.equal(null);
    }
  });

  it('when health is asked, then healthz and readyz are ok and metrics are Prometheus text', async () => {
    expect((await fetch(`${relay.base}/healthz`)).status).to.equal(200);
    expect((await fetch(`${relay.base}/readyz`)).status).to.equal(200);
    const metrics = await (await fetch(`${relay.base}/metrics`)).text();
    expect(metrics).to.contain('c2c_http_request_duration_seconds');
  });

  it('when a scanner requests made-up paths, then metrics count them as "other" instead of growing a label each', async () => {
    for (const path of ['/wp-admin', '/.env', '/v1/nothing-here']) expect((await fetch(`${relay.base}${path}`)).status).to.equal(404);
    const metrics = await (await fetch(`${relay.base}/metrics`)).text();
    const counted = Number(/c2c_http_request_duration_seconds_count\{route="other",status="404"\} (\d+)/.exec(metrics)?.[1]);
    expect(counted).to.be.at.least(3);
    expect(metrics).to.not.contain('wp-admin').and.not.contain('.env').and.not.contain('nothing-here');
  });
});

describe('the wait bound', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: HttpPbxDouble;
  let apiKey: string;
  let accountId: string;

  before(async () => {
    relay = await startRelay({}, { worker: false });
    pbx = await startHttpPbxDouble();
    ({ apiKey, accountId } = await provision(relay, 'other', otherSettings(pbx, 8000), { default_pbx: 'other' }));
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  it('when no worker takes the job within wait, then pbx_timeout, state expired, and it is never dialed later', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', wait: '1' });
    expect(answer.status).to.equal('fail');
    expect(answer.state).to.equal('expired');
    expect(answer.errors[0].error.code).to.equal('pbx_timeout');
    const worker = await startWorker(relay.config, pino({ level: 'silent' }));
    const queue = new Queue(CALL_QUEUE, { connection: testRedis(), prefix: relay.shards.queuePrefix(relay.shards.ofAccount(accountId)) });
    try {
      // Completed jobs are removed at once, so a finished job reads as unknown.
      await eventually(async () => expect(await queue.getJobState(answer.request_id)).to.be.oneOf(['completed', 'unknown']), { timeoutMs: 8000 });
      expect(pbx.requests.length).to.equal(0);
      expect((await statusOf(answer.status_url)).body.c2c_status.state).to.equal('expired');
    } finally {
      await worker.shutdown.run();
      await queue.close();
    }
  });

  it('when the job cannot be queued, then the API cancels it: an honest fail with the reason, its slot freed, and it is never dialed', async () => {
    // A queue key of the wrong type makes BullMQ's own add script fail, as a broken Redis would.
    const redis = testRedis();
    const waitKey = `${relay.shards.queuePrefix(relay.shards.ofAccount(accountId))}:${CALL_QUEUE}:wait`;
    await redis.set(waitKey, 'not a list');
    try {
      const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550177', wait: '5' });
      expect(answer.status).to.equal('fail');
      expect(answer.errors[0].error.code).to.equal('service_unavailable');
      const doc = (await statusOf(answer.status_url)).body.c2c_status;
      expect(doc.state).to.equal('expired');
      expect(doc.response.error.message).to.contain('will not be dialed');
      const slots = await keysEverywhere(redis, `${relay.config.redisPrefix}:*acct:*:active`);
      for (const key of slots) expect(await redis.zscore(key, answer.request_id)).to.equal(null);
      expect(pbx.requests.filter((r) => r.url.includes(answer.request_id))).to.have.length(0);
    } finally {
      await redis.del(waitKey);
      redis.disconnect();
    }
  });

  it('when the PBX already has the request at the bound, then success/dispatching, never fail, and the verdict lands later', async () => {
    const worker = await startWorker(relay.config, pino({ level: 'silent' }));
    try {
      const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550198', wait: '1' });
      expect(answer.status).to.equal('success');
      expect(answer.state).to.equal('dispatching');
      expect(answer.errors).to.deep.equal([]);
      await eventually(async () => expect((await statusOf(answer.status_url)).body.c2c_status.state).to.equal('accepted'), { timeoutMs: 8000 });
      expect(pbx.requests.filter((r) => r.url.includes(answer.request_id))).to.have.length(1);
    } finally {
      await worker.shutdown.run();
    }
  });
});
