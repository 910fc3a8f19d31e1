/** Signed webhooks (SPEC §11): subscriptions, status_callback, one event per state change, the admin API. */
import type { RedisClient } from '../../shared/redis.js';
import { expect } from 'chai';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { eventually } from '../support/eventually.js';
import { testRedis } from '../support/redis-url.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { startWebhookReceiver, type ReceivedDelivery } from '../support/webhook-receiver.js';

const LIFE = ['queued', 'dispatching', 'accepted', 'first_answered', 'connected', 'completed'];
/** 5550102 is busy: leg 1 answers, leg 2 is busy. */
const BUSY_LIFE = ['queued', 'dispatching', 'accepted', 'first_answered', 'busy'];
const SECRET = 'receiver-secret-0123456789';

/** What a receiver does (as the README shows): recompute the HMAC, compare in constant time, refuse stale timestamps. */
function verifiedAsReceiver(delivery: ReceivedDelivery, secret: string, nowMs = Date.now()): boolean {
  const fields = Object.fromEntries(String(delivery.headers['c2c-signature']).split(',').map((part) => part.split('=', 2)));
  const t = Number(fields.t);
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest();
  const given = Buffer.from(fields.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhooks', function () {
  this.timeout(20000);
  let relay: Relay;
  let ami: AmiDouble;
  let redis: RedisClient;

  before(async () => {
    relay = await startRelay({ ALLOW_PRIVATE_WEBHOOK_ADDRESSES: 'true', WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_TIMEOUT_MS: '1000' });
    const options = sandboxAmiOptions();
    ami = await startAmiDouble({ ...options, leg2Outcomes: { ...options.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 100 } }, timing: { ringMs: 10, holdMs: 100 } });
    redis = testRedis();
  });
  after(async () => {
    await relay.stop();
    await ami.close();
    redis.disconnect();
  });

  const newAccount = () => provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' });
  const call = (apiKey: string, extra: Record<string, string> = {}) => click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', ...extra });

  it('when an account subscribes without a secret, then one is generated, shown once, stored encrypted and listed masked', async () => {
    const { accountId } = await newAccount();
    const put = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks`, [{ url: 'https://crm.example.com/hooks?token=abc', events: ['state_changed'] }]);
    expect(put.status).to.equal(200);
    const [created] = put.body.webhooks;
    expect(created.secret).to.match(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.secret_hint).to.equal(`…${created.secret.slice(-4)}`);
    const got = await relay.admin('GET', `/admin/v1/accounts/${accountId}/webhooks`);
    expect(got.body.webhooks).to.deep.equal([{ id: created.id, url: 'https://crm.example.com/hooks?token=abc', events: ['state_changed'], secret_hint: created.secret_hint, created_at: created.created_at }]);
    const stored = await redis.hgetall(`${relay.config.redisPrefix}:acct:${accountId}:webhooks`);
    expect(JSON.stringify(stored)).to.not.contain(created.secret);

    const again = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks`, [{ url: 'https://crm.example.com/hooks?token=abc', events: ['state_changed'] }]);
    expect(again.body.webhooks[0]).to.not.have.property('secret');
    expect(again.body.webhooks[0].id, 'the same URL keeps its id and secret').to.equal(created.id);
    expect(again.body.webhooks[0].secret_hint).to.equal(created.secret_hint);
    expect(relay.logs.text).to.not.contain(created.secret);
  });

  it('when neither the account subscribes nor the request names a status_callback, then its status writes append nothing for webhooks', async () => {
    const { accountId, apiKey } = await newAccount();
    const answer = await call(apiKey);
    await eventually(async () => expect((await statusOf(answer.status_url)).body.c2c_status.state).to.equal('completed'), { timeoutMs: 8000 });
    const stream = `${relay.shards.requestPrefix(answer.request_id)}:wh:changes`;
    const entries = (await redis.xrange(stream, '-', '+')).filter(([, fields]) => fields.includes(accountId));
    expect(entries).to.deep.equal([]);
    expect(await redis.exists(`${relay.shards.accountPrefix(accountId)}:acct:${accountId}:wh-on`)).to.equal(0);
    expect((await relay.admin('GET', `/admin/v1/accounts/${accountId}/webhooks/deliveries`)).body.deliveries).to.deep.equal([]);
  });

  it('when a subscription list is malformed, then 400 invalid_request names each problem', async () => {
    const { accountId } = await newAccount();
    const bad = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks`, [
      { url: 'https://user:pw@crm.example.com/', events: ['state_changed'] },
      { url: 'ftp://crm.example.com/', events: ['everything'], secret: 'short' },
    ]);
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('invalid_request');
    expect(bad.body.error.message).to.contain('without user:password@').and.contain('events must list').and.contain('secret must be');
    expect((await relay.admin('PUT', '/admin/v1/accounts/acct_nope/webhooks', [])).status).to.equal(404);
  });

  it('when a call runs its whole life, then the subscriber gets one signed event per state, in order, each with its own stable id', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const { accountId, apiKey } = await newAccount();
      await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks`, [{ url: receiver.url, secret: SECRET, events: ['state_changed'] }]);
      const answer = await call(apiKey);
      expect(answer.status).to.equal('success');
      await eventually(() => expect(receiver.events().map((event) => event.state)).to.deep.equal(LIFE), { timeoutMs: 8000 });
      const doc = (await statusOf(answer.status_url)).body.c2c_status;
      receiver.received.forEach((delivery, index) => {
        const event = JSON.parse(delivery.body);
        expect(Object.keys(event)).to.deep.equal(['id', 'type', 'request_id', 'state', 'event', 'utc.time']);
        expect(event).to.deep.include({ id: `evt_${answer.request_id}_${index}`, type: 'call.state_changed', request_id: answer.request_id, state: LIFE[index] });
        expect(event.event).to.deep.equal(doc.events[index]);
        expect(event['utc.time']).to.equal(doc.events[index]['utc.time']);
        expect(delivery.headers['c2c-webhook-id']).to.equal(event.id);
        expect(delivery.headers['content-type']).to.equal('application/json');
        expect(verifiedAsReceiver(delivery, SECRET), 'signature').to.equal(true);
        expect(verifiedAsReceiver(delivery, 'another-secret-0123456'), 'another secret').to.equal(false);
        expect(verifiedAsReceiver({ ...delivery, body: delivery.body.replace('call.state_changed', 'call.state_changed ') }, SECRET), 'a changed body').to.equal(false);
        expect(verifiedAsReceiver(delivery, SECRET, Date.now() + 301_000), 'a delivery replayed over 5 minutes later').to.equal(false);
      });
    } finally {
      await receiver.close();
    }
  });

  it('when the same change is announced twice, then each event is still delivered once', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const { accountId, apiKey } = await newAccount();
      await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks`, [{ url: receiver.url, secret: SECRET, events: ['state_changed'] }]);
      const answer = await call(apiKey, { dial_second: '5550102' });
      await eventually(() => expect(receiver.events().map((event) => event.state)).to.deep.equal(BUSY_LIFE), { timeoutMs: 8000 });
      // What a fan-out that died before acknowledging leaves behind: the same change, once more.
      const change = JSON.stringify({ id: answer.request_id, v: 2, state: 'accepted' });
      await redis.xadd(`${relay.shards.requestPrefix(answer.request_id)}:wh:changes`, '*', 'a', accountId, 'f', '0', 'c', change);
      const deliveries = async () => (await relay.admin('GET', `/admin/v1/accounts/${accountId}/webhooks/deliveries`)).body.deliveries;
      await eventually(async () => expect(await redis.xlen(`${relay.shards.requestPrefix(answer.request_id)}:wh:changes`)).to.equal(0));
      expect(await deliveries()).to.have.length(5);
      expect(receiver.received).to.have.length(5);
    } finally {
      await receiver.close();
    }
  });

  it('when a request names a status_callback on a listed host, then it gets the events signed with the callback secret', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const { accountId, apiKey } = await newAccount();
      const hosts = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks/callback-hosts`, { hosts: ['127.0.0.1'] });
      expect(hosts.status).to.equal(200);
      const callbackSecret = hosts.body.callback_secret as string;
      expect(callbackSecret).to.match(/^whsec_/);
      const answer = await call(apiKey, { status_callback: `${receiver.url}?crm_ref=42` });
      expect(answer.status).to.equal('success');
      await eventually(() => expect(receiver.events().map((event) => event.state)).to.deep.equal(LIFE), { timeoutMs: 8000 });
      expect(receiver.received.every((delivery) => verifiedAsReceiver(delivery, callbackSecret))).to.equal(true);
      const doc = (await statusOf(answer.status_url)).body.c2c_status;
      expect(doc.request.request_data.status_callback).to.equal(`${receiver.url}?crm_ref=42`);
      const listed = (await relay.admin('GET', `/admin/v1/accounts/${accountId}/webhooks`)).body;
      expect(listed).to.deep.include({ callback_hosts: ['127.0.0.1'], callback_secret_hint: `…${callbackSecret.slice(-4)}` });
      expect(JSON.stringify(listed)).to.not.contain(callbackSecret);
    } finally {
      await receiver.close();
    }
  });

  it('when a status_callback points outside the callback_hosts, then invalid_request at once, nothing dialed and nothing sent', async () => {
    const { accountId, apiKey } = await newAccount();
    const originates = ami.originates().length;
    const none = await call(apiKey, { status_callback: 'https://crm.example.com/hook' });
    expect(none.status).to.equal('fail');
    expect(none.errors[0].error).to.deep.include({ code: 'invalid_request', message: 'status_callback is not enabled for this account: it lists no callback_hosts.' });
    await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks/callback-hosts`, { hosts: ['crm.example.com'] });
    const other = await call(apiKey, { status_callback: 'https://evil.example.net/hook' });
    expect(other.errors[0].error).to.deep.include({ code: 'invalid_request', message: "status_callback host evil.example.net is not one of the account's callback_hosts." });
    const sub = await call(apiKey, { status_callback: 'https://api.crm.example.com/hook' });
    expect(sub.errors[0].error.code, 'a listed host does not admit its subdomains').to.equal('invalid_request');
    const malformed = await call(apiKey, { status_callback: 'https://user:pw@crm.example.com/hook' });
    expect(malformed.errors[0].error.message).to.contain('status_callback must be an http:// or https:// URL');
    expect(ami.originates().length).to.equal(originates);
    expect((await relay.admin('GET', `/admin/v1/accounts/${accountId}/webhooks/deliveries`)).body.deliveries).to.deep.equal([]);
  });

  it('when the admin lists deliveries and re-sends one, then newest come first with their outcome, and the re-send carries the same webhook id', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const { accountId, apiKey } = await newAccount();
      const put = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks`, [{ url: `${receiver.url}?token=hidden`, secret: SECRET, events: ['state_changed'] }]);
      const answer = await call(apiKey, { dial_second: '5550102' });
      const list = async () => (await relay.admin('GET', `/admin/v1/accounts/${accountId}/webhooks/deliveries?limit=10`)).body.deliveries;
      await eventually(async () => expect((await list()).map((delivery: { status: string }) => delivery.status)).to.deep.equal(BUSY_LIFE.map(() => 'succeeded')), { timeoutMs: 8000 });
      const deliveries = await list();
      expect(deliveries.map((delivery: { state: string }) => delivery.state)).to.deep.equal([...BUSY_LIFE].reverse());
      expect(deliveries[0]).to.deep.include({ request_id: answer.request_id, target: 'subscription', subscription_id: put.body.webhooks[0].id, url: `${receiver.url}?…`, attempts: 1, http_status: 204 });
      const resent = await relay.admin('POST', `/admin/v1/accounts/${accountId}/webhooks/deliveries/${deliveries[0].id}/resend`);
      expect(resent.status).to.equal(202);
      expect(resent.body.delivery).to.deep.include({ resend_of: deliveries[0].id, event_id: deliveries[0].event_id });
      await eventually(() => expect(receiver.received).to.have.length(6));
      expect(receiver.received[5]?.headers['c2c-webhook-id']).to.equal(deliveries[0].event_id);
      expect(verifiedAsReceiver(receiver.received[5] as ReceivedDelivery, SECRET)).to.equal(true);
      await eventually(async () => expect((await list())[0]).to.deep.include({ id: resent.body.delivery.id, status: 'succeeded' }));
      const unknown = await relay.admin('POST', `/admin/v1/accounts/${accountId}/webhooks/deliveries/nope/resend`);
      expect(unknown.status).to.equal(404);
      const other = await newAccount();
      const foreign = await relay.admin('POST', `/admin/v1/accounts/${other.accountId}/webhooks/deliveries/${deliveries[0].id}/resend`);
      expect(foreign.status, "another account's delivery").to.equal(404);
    } finally {
      await receiver.close();
    }
  });
});

