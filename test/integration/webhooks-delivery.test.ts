/** How webhooks are delivered: retries with a stable id, bounded time and size, no redirects, no proxy, the SSRF guard. */
import { expect } from 'chai';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { eventually } from '../support/eventually.js';
import { startCountingServer, withEnv } from '../support/network-fixtures.js';
import { click2call, provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'receiver-secret-0123456789';
const TIMEOUT_MS = 1500;
const BASE_MS = 100;

describe('webhook delivery', function () {
  this.timeout(20000);
  let ami: AmiDouble;

  before(async () => {
    const options = sandboxAmiOptions();
    ami = await startAmiDouble({ ...options, leg2Outcomes: { ...options.leg2Outcomes, '5550100': { kind: 'answer', holdMs: 100 } }, timing: { ringMs: 10, holdMs: 100 } });
  });
  after(() => ami.close());

  /** An account subscribed to `url`; returns a function placing a call and one listing its deliveries. */
  async function subscribed(relay: Relay, urls: string[]) {
    const { accountId, apiKey } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' });
    const put = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks`, urls.map((url) => ({ url, secret: SECRET, events: ['state_changed'] })));
    expect(put.status).to.equal(200);
    return {
      call: (dialSecond = '5550100') => click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: dialSecond }),
      deliveries: async (): Promise<any[]> => (await relay.admin('GET', `/admin/v1/accounts/${accountId}/webhooks/deliveries?limit=200`)).body.deliveries,
    };
  }

  describe('to receivers the operator allows', () => {
    let relay: Relay;
    before(async () => {
      relay = await startRelay({ ALLOW_PRIVATE_WEBHOOK_ADDRESSES: 'true', WEBHOOK_RETRY_BASE_MS: String(BASE_MS), WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) });
    });
    after(() => relay.stop());

    it('when a receiver fails twice and then succeeds, then it gets the same C2C-Webhook-Id each time, with backoff between attempts', async () => {
      const attemptsOfQueued: number[] = [];
      const receiver = await startWebhookReceiver((delivery) => {
        if (JSON.parse(delivery.body).state !== 'queued') return { status: 204 };
        attemptsOfQueued.push(delivery.atMs);
        return attemptsOfQueued.length <= 2 ? { status: 503 } : { status: 200 };
      });
      try {
        const account = await subscribed(relay, [receiver.url]);
        const answer = await account.call();
        const queuedId = `evt_${answer.request_id}_0`;
        await eventually(async () => expect((await account.deliveries()).find((d) => d.event_id === queuedId)).to.deep.include({ status: 'retrying', attempts: 1, http_status: 503, error: 'HTTP 503' }), { timeoutMs: 5000 });
        const retrying = (await account.deliveries()).find((d) => d.event_id === queuedId);
        expect(Date.parse(retrying.next_retry_at)).to.be.greaterThan(Date.parse(retrying.last_attempt_at));
        await eventually(async () => expect((await account.deliveries()).find((d) => d.event_id === queuedId)).to.deep.include({ status: 'succeeded', attempts: 3, http_status: 200 }), { timeoutMs: 8000 });
        const ids = receiver.received.filter((delivery) => JSON.parse(delivery.body).state === 'queued').map((delivery) => delivery.headers['c2c-webhook-id']);
        expect(ids).to.deep.equal([queuedId, queuedId, queuedId]);
        const [first = 0, second = 0, third = 0] = attemptsOfQueued;
        expect(second - first, 'first retry after the base').to.be.at.least(BASE_MS - 10);
        expect(third - second, 'second retry after twice the base').to.be.at.least(2 * BASE_MS - 10);
      } finally {
        await receiver.close();
      }
    });

    it('when a receiver never answers, then the call is answered and completes as fast as ever, and the attempt is cut at WEBHOOK_TIMEOUT_MS', async () => {
      const receiver = await startWebhookReceiver(() => 'hang');
      try {
        const account = await subscribed(relay, [receiver.url]);
        const started = Date.now();
        const answer = await account.call();
        expect(answer.status).to.equal('success');
        expect(Date.now() - started, 'the answer does not wait for the receiver').to.be.below(TIMEOUT_MS);
        await eventually(async () => expect((await statusOf(answer.status_url)).body.c2c_status.state).to.equal('completed'), { timeoutMs: TIMEOUT_MS });
        expect(receiver.received.length, 'the receiver was still hanging on the first event').to.equal(1);
        await eventually(async () => expect((await account.deliveries()).find((d) => d.state === 'queued')).to.deep.include({ status: 'retrying', error: `no answer within ${TIMEOUT_MS} ms` }), { timeoutMs: TIMEOUT_MS + 3000 });
      } finally {
        await receiver.close();
      }
    });

    it('when a receiver answers with a body that never ends, then only its status counts and the delivery succeeds', async () => {
      const receiver = await startWebhookReceiver(() => 'endless');
      try {
        const account = await subscribed(relay, [receiver.url]);
        await account.call();
        await eventually(async () => expect((await account.deliveries()).map((d) => d.status)).to.deep.equal(Array(6).fill('succeeded')), { timeoutMs: 8000 });
      } finally {
        await receiver.close();
      }
    });

    it('when a receiver redirects, then the redirect is not followed, and no HTTP proxy is used', async () => {
      const elsewhere = await startWebhookReceiver();
      const redirecting = await startWebhookReceiver(() => ({ status: 302, location: elsewhere.url }));
      const proxy = await startCountingServer();
      try {
        await withEnv({ HTTP_PROXY: `http://127.0.0.1:${proxy.port}`, http_proxy: `http://127.0.0.1:${proxy.port}` }, async () => {
          const account = await subscribed(relay, [redirecting.url]);
          await account.call();
          await eventually(async () => expect((await account.deliveries()).find((d) => d.state === 'queued')).to.deep.include({ status: 'retrying', http_status: 302, error: 'HTTP 302: redirects are not followed' }), { timeoutMs: 5000 });
        });
        expect(redirecting.received.length).to.be.at.least(1);
        expect(elsewhere.received).to.deep.equal([]);
        expect(proxy.connections()).to.equal(0);
      } finally {
        await Promise.all([elsewhere.close(), redirecting.close(), proxy.close()]);
      }
    });
  });

  describe('without ALLOW_PRIVATE_WEBHOOK_ADDRESSES', () => {
    let relay: Relay;
    before(async () => {
      // The PBX double is on loopback, so the PBX switch stays on: the two switches are independent.
      relay = await startRelay({ ALLOW_PRIVATE_PBX_ADDRESSES: 'true', WEBHOOK_RETRY_BASE_MS: String(BASE_MS) });
    });
    after(() => relay.stop());

    it('when a subscription points at a loopback address, written as an IP or a name, then nothing is sent and the delivery fails at once, naming the switch', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const account = await subscribed(relay, [receiver.url, `http://localhost:${receiver.port}/by-name`]);
        const answer = await account.call();
        expect(answer.status, 'the call itself is not affected').to.equal('success');
        await eventually(async () => expect((await account.deliveries()).filter((d) => d.status === 'failed')).to.have.length(12), { timeoutMs: 8000 });
        for (const delivery of await account.deliveries()) {
          expect(delivery.attempts, 'never retried').to.equal(1);
          expect(delivery.error).to.match(/^address (127\.0\.0\.1|::1) is loopback, link-local or private; the operator must set ALLOW_PRIVATE_WEBHOOK_ADDRESSES=true/);
        }
        expect(receiver.received).to.deep.equal([]);
      } finally {
        await receiver.close();
      }
    });
  });
});
