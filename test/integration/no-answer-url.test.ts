/**
 * A FindMe's no_answer_url (SPEC §9): the reference's XML, POSTed through the webhook machinery
 * (signature, SSRF guard, retries), each attempt reported back for the status document.
 */
import { expect } from 'chai';
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { parseConfig, type Config } from '../../shared/config.js';
import type { NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import { createLogger } from '../../shared/logger.js';
import { createRedis, type RedisClient } from '../../shared/redis.js';
import { Shards } from '../../shared/shards.js';
import { StatusStore } from '../../shared/status/status-store.js';
import { DeliveryLog } from '../../shared/webhooks/delivery-log.js';
import { WebhookStore } from '../../shared/webhooks/webhook-store.js';
import { xmlSafeText } from '../../worker/fallbacks/no-answer-xml.js';
import type { NoAnswerUrlOutcome } from '../../worker/fallbacks/no-answer-url.js';
import { startWebhookDelivery, type WebhookDeliveryHandle } from '../../worker/webhooks/webhook-delivery.js';
import { eventually } from '../support/eventually.js';
import { LogCapture } from '../support/log-capture.js';
import { readNoAnswerXml } from '../support/no-answer-xml-reader.js';
import { freshPrefix, TEST_REDIS_ENV } from '../support/redis-url.js';
import { startWebhookReceiver, type ReceivedDelivery } from '../support/webhook-receiver.js';

const SECRET = 'whsec_no-answer-test-secret-0123456789';
const BASE_MS = 100;
const REFERENCE_EXAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<response>
\t<phone_to_call>5551112222</phone_to_call>
\t<attempts>
\t\t<attempt>
\t\t\t<called_number>5558688950</called_number>
\t\t\t<call_result>No Answer</call_result>
\t\t</attempt>
\t</attempts>
</response>`;

/** The README's `verify` of its receiver.mjs, run as written: a delivery is genuine only if it passes. */
function readmeVerify(secret: string): (signature: unknown, rawBody: string) => boolean {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const source = /```js\n\/\/ receiver\.mjs[\s\S]*?(function verify\([\s\S]*?\n\})/.exec(readme)?.[1];
  if (source === undefined) throw new Error('README has no verify() in its receiver.mjs snippet');
  return new Function('createHmac', 'timingSafeEqual', 'SECRET', 'TOLERANCE_SECONDS', `${source}\nreturn verify;`)(createHmac, timingSafeEqual, secret, 300);
}

interface Rig {
  config: Config;
  delivery: WebhookDeliveryHandle;
  deliveries: DeliveryLog;
  outcomes: { requestId: string; outcome: NoAnswerUrlOutcome }[];
  /** A new account whose callback_hosts are `hosts`, signed with SECRET. */
  account(hosts: string[]): Promise<string>;
  close(): Promise<void>;
}

/** The worker's webhook side as worker/main.ts starts it, on the test Redis with a fresh prefix, reporting outcomes to a list. */
async function startRig(env: Record<string, string>): Promise<Rig> {
  const config = parseConfig({
    ...TEST_REDIS_ENV,
    REDIS_PREFIX: freshPrefix(),
    C2C_MASTER_KEY: randomBytes(32).toString('base64'),
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    SERVER_ID: 'test-relay',
    WEBHOOK_RETRY_BASE_MS: String(BASE_MS),
    WEBHOOK_TIMEOUT_MS: '2000',
    ...env,
  });
  const logger: Logger = createLogger({ level: 'info', name: 'test' }, new LogCapture());
  const redis: RedisClient = createRedis(config, 'worker', logger);
  const shards = new Shards(config.redisPrefix, config.queueShards, config.redisCluster);
  const statusStore = new StatusStore(redis, config.redisPrefix, config.statusTtlSeconds, 0, shards);
  const webhooks = new WebhookStore(redis, config.redisPrefix, config.masterKey, shards);
  const outcomes: Rig['outcomes'] = [];
  const delivery = await startWebhookDelivery(config, {
    redis,
    statusStore,
    logger,
    shards,
    connect: () => createRedis(config, 'worker', logger),
    onNoAnswerOutcome: async (requestId, outcome) => {
      outcomes.push({ requestId, outcome });
    },
  });
  return {
    config,
    delivery,
    deliveries: new DeliveryLog(redis, config.redisPrefix),
    outcomes,
    async account(hosts) {
      const accountId = shards.newAccountId(`acct_${randomBytes(6).toString('hex')}`);
      await webhooks.putCallbackHosts(accountId, { hosts, secret: SECRET });
      return accountId;
    },
    async close() {
      await delivery.close();
      await redis.quit();
    },
  };
}

function reportFor(accountId: string, overrides: Partial<NoAnswerReport> = {}): NoAnswerReport {
  return {
    requestId: randomUUID(),
    accountId,
    phoneToCall: '5551112222',
    page: 'LeadResponse.html',
    attempts: [{ called_number: '5558688950', call_result: 'No Answer', 'utc.time': '1435628940' }],
    ...overrides,
  };
}

const resultsOf = (rig: Rig, requestId: string) => rig.outcomes.filter((entry) => entry.requestId === requestId).map((entry) => entry.outcome.result);

describe('the no_answer_url POST', function () {
  this.timeout(20000);

  describe('to receivers the operator allows (ALLOW_PRIVATE_WEBHOOK_ADDRESSES, two queue shards)', () => {
    let rig: Rig;
    before(async () => {
      rig = await startRig({ ALLOW_PRIVATE_WEBHOOK_ADDRESSES: 'true', QUEUE_SHARDS: '2' });
    });
    after(() => rig.close());

    it("when nobody answered, then the receiver gets the reference's XML exactly, as application/xml, signed so that the README's check verifies it", async () => {
      const receiver = await startWebhookReceiver();
      try {
        const report = reportFor(await rig.account(['127.0.0.1']));
        const queued = await rig.delivery.queueNoAnswerPost(report, `${receiver.url}?token=abc`);
        expect(queued).to.deep.include({ channel: 'url', to: `${receiver.url}?…`, result: 'queued' });
        expect(Date.parse(queued.at)).to.be.closeTo(Date.now(), 5000);
        await eventually(() => expect(resultsOf(rig, report.requestId)).to.deep.equal(['sent']));
        expect(receiver.received).to.have.length(1);
        const [delivery] = receiver.received as [ReceivedDelivery];
        expect(delivery.body).to.equal(REFERENCE_EXAMPLE);
        expect(delivery.headers['content-type']).to.equal('application/xml');
        expect(delivery.headers['c2c-webhook-id']).to.equal(`noanswer_${report.requestId}`);
        expect(delivery.headers['c2c-request-id']).to.equal(report.requestId);
        expect(readmeVerify(SECRET)(delivery.headers['c2c-signature'], delivery.body), 'verified with the callback secret').to.equal(true);
        expect(readmeVerify(`${SECRET}x`)(delivery.headers['c2c-signature'], delivery.body), 'not with another secret').to.equal(false);
        expect(readmeVerify(SECRET)(delivery.headers['c2c-signature'], delivery.body.replace('No Answer', 'Answered')), 'not for another body').to.equal(false);
        expect(await rig.deliveries.get(`noanswer_${report.requestId}`)).to.deep.include({ status: 'succeeded', attempts: 1, http_status: 204 });
      } finally {
        await receiver.close();
      }
    });

    it('when the same report is queued twice (a replayed hunt), then it is POSTed once', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const report = reportFor(await rig.account(['127.0.0.1']));
        const first = await rig.delivery.queueNoAnswerPost(report, receiver.url);
        const second = await rig.delivery.queueNoAnswerPost(report, receiver.url);
        expect([first.result, second.result]).to.deep.equal(['queued', 'queued']);
        await eventually(() => expect(resultsOf(rig, report.requestId)).to.deep.equal(['sent']));
        expect(receiver.received).to.have.length(1);
      } finally {
        await receiver.close();
      }
    });

    it('when the receiver answers 500 and then 200, then it gets the same document again after the backoff, and each attempt is reported', async () => {
      const receiver = await startWebhookReceiver((_delivery, index) => ({ status: index === 0 ? 500 : 200 }));
      try {
        const report = reportFor(await rig.account(['127.0.0.1']));
        expect((await rig.delivery.queueNoAnswerPost(report, receiver.url)).result).to.equal('queued');
        await eventually(() => expect(resultsOf(rig, report.requestId)).to.deep.equal(['retrying', 'sent']));
        const [retrying, sent] = rig.outcomes.filter((entry) => entry.requestId === report.requestId).map((entry) => entry.outcome);
        expect(retrying?.message).to.match(/^HTTP 500 \(attempt 1\); next attempt at \d{4}-\d\d-\d\dT/);
        expect(sent).to.deep.include({ channel: 'url', to: receiver.url, result: 'sent', message: 'HTTP 200 (attempt 2)' });
        const [one, two] = receiver.received as [ReceivedDelivery, ReceivedDelivery];
        expect(receiver.received).to.have.length(2);
        expect(two.body).to.equal(one.body);
        expect(two.headers['c2c-webhook-id']).to.equal(one.headers['c2c-webhook-id']);
        expect(readmeVerify(SECRET)(two.headers['c2c-signature'], two.body)).to.equal(true);
        expect(two.atMs - one.atMs, 'the retry waited for the backoff').to.be.at.least(BASE_MS - 10);
        expect(await rig.deliveries.get(`noanswer_${report.requestId}`)).to.deep.include({ status: 'succeeded', attempts: 2, http_status: 200 });
      } finally {
        await receiver.close();
      }
    });

    it('when the number, the page and the attempts hold hostile text, then the document still parses to exactly the reference shape and the text is read back', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const hostile = '555</phone_to_call><phone_to_call>666]]><![CDATA[&#0;&foo;\u0000\u0008\uFFFE\uD800\r\n';
        const report = reportFor(await rig.account(['127.0.0.1']), {
          phoneToCall: hostile,
          page: '</response><?xml version="1.0"?><response>\u0001',
          attempts: [
            { called_number: `<attempt><called_number>1</called_number></attempt>&amp;${hostile}`, call_result: 'No Answer', 'utc.time': '1' },
            { called_number: '1002', call_result: 'Busy', 'utc.time': '2' },
          ],
        });
        expect((await rig.delivery.queueNoAnswerPost(report, receiver.url)).result).to.equal('queued');
        await eventually(() => expect(receiver.received).to.have.length(1));
        const body = (receiver.received[0] as ReceivedDelivery).body;
        expect(readNoAnswerXml(body)).to.deep.equal({
          phone_to_call: xmlSafeText(hostile),
          attempts: [
            { called_number: xmlSafeText(`<attempt><called_number>1</called_number></attempt>&amp;${hostile}`), call_result: 'No Answer' },
            { called_number: '1002', call_result: 'Busy' },
          ],
        });
        expect(xmlSafeText(hostile)).to.equal('555</phone_to_call><phone_to_call>666]]><![CDATA[&#0;&foo;\n');
        expect(body).not.to.include('LeadResponse').and.not.to.include('<?xml version="1.0"?><response>');
      } finally {
        await receiver.close();
      }
    });

    it('when the URL is not on the account\'s callback_hosts, then nothing is queued and the outcome says why', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const report = reportFor(await rig.account(['crm.example.com']));
        const outcome = await rig.delivery.queueNoAnswerPost(report, receiver.url);
        expect(outcome).to.deep.include({ channel: 'url', to: receiver.url, result: 'refused', message: "no_answer_url host 127.0.0.1 is not one of the account's callback_hosts." });
        expect(await rig.deliveries.get(`noanswer_${report.requestId}`)).to.equal(undefined);
      } finally {
        await receiver.close();
      }
    });

    it('when the report is larger than a delivery carries, then nothing is queued and the outcome says so', async () => {
      const attempts = Array.from({ length: 101 }, (_, n) => ({ called_number: String(1000 + n), call_result: 'No Answer' as const, 'utc.time': '1' }));
      const report = reportFor(await rig.account(['127.0.0.1']), { attempts });
      const outcome = await rig.delivery.queueNoAnswerPost(report, 'http://127.0.0.1:9/no_answer');
      expect(outcome).to.deep.include({ result: 'refused', message: 'the no-answer report is larger than a delivery carries (at most 100 attempts, values of at most 256 characters)' });
      expect(await rig.deliveries.get(`noanswer_${report.requestId}`)).to.equal(undefined);
    });
  });

  describe('without ALLOW_PRIVATE_WEBHOOK_ADDRESSES', () => {
    let rig: Rig;
    before(async () => {
      rig = await startRig({});
    });
    after(() => rig.close());

    it('when the URL is http, then it is refused before anything is queued', async () => {
      const report = reportFor(await rig.account(['crm.example.com']));
      const outcome = await rig.delivery.queueNoAnswerPost(report, 'http://crm.example.com/no_answer');
      expect(outcome).to.deep.include({ result: 'refused', message: 'no_answer_url must be an https:// URL of at most 2048 printable ASCII characters, without user:password@' });
    });

    it('when a listed host is a loopback address, written as an IP or a name, then the guard refuses it, nothing is sent and it is not retried', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const accountId = await rig.account(['127.0.0.1', 'localhost']);
        const byAddress = reportFor(accountId);
        const byName = reportFor(accountId);
        expect((await rig.delivery.queueNoAnswerPost(byAddress, `https://127.0.0.1:${receiver.port}/no_answer`)).result).to.equal('queued');
        expect((await rig.delivery.queueNoAnswerPost(byName, `https://localhost:${receiver.port}/no_answer`)).result).to.equal('queued');
        for (const report of [byAddress, byName]) {
          await eventually(() => expect(resultsOf(rig, report.requestId)).to.deep.equal(['refused']));
          const outcome = rig.outcomes.find((entry) => entry.requestId === report.requestId)?.outcome;
          expect(outcome?.message).to.match(/^address (127\.0\.0\.1|::1) is loopback, link-local or private; the operator must set ALLOW_PRIVATE_WEBHOOK_ADDRESSES=true/);
          expect(await rig.deliveries.get(`noanswer_${report.requestId}`)).to.deep.include({ status: 'failed', attempts: 1 });
        }
        expect(receiver.received).to.deep.equal([]);
      } finally {
        await receiver.close();
      }
    });
  });
});
