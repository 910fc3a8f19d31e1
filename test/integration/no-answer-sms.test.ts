import type { RedisClient } from '../../shared/redis.js';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { AccountStore } from '../../shared/accounts/account-store.js';
import { SmsGatewayStore } from '../../shared/accounts/sms-gateway-store.js';
import type { NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import { createLogger } from '../../shared/logger.js';
import { DailyCaps } from '../../worker/fallbacks/daily-caps.js';
import { sendNoAnswerSms, type SmsFallbackDeps } from '../../worker/fallbacks/no-answer-sms.js';
import { SmsGatewayClient } from '../../worker/fallbacks/sms-gateway-client.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { LogCapture } from '../support/log-capture.js';
import { freshPrefix, testRedis, testShards } from '../support/redis-url.js';

const API_KEY = 'sk_gateway_do-not-leak_42';
const GATEWAY_PASSWORD = 'gw-basic-pass-77';
const AT = new Date('2030-05-06T07:08:09.000Z');
// Numbers the HTTP double answers specially (it reads `to` from the body).
const FAILS_WITH_500 = '5550500';
const SLOW = '5550198';

const report = (accountId: string, overrides: Partial<NoAnswerReport> = {}): NoAnswerReport => ({
  requestId: '00000000-0000-4000-8000-0000000000bb',
  accountId,
  phoneToCall: '5551112222',
  page: 'LeadResponse.html',
  attempts: [{ called_number: '5558688950', call_result: 'No Answer', 'utc.time': '1700000000' }],
  ...overrides,
});

describe('no_answer_sms through the account\'s SMS gateway (a real HTTP server)', function () {
  this.timeout(15000);
  let redis: RedisClient;
  let double: HttpPbxDouble;
  const allowed = new SmsGatewayClient({ allowPrivateAddresses: true });
  const guarded = new SmsGatewayClient({ allowPrivateAddresses: false });
  let accounts: AccountStore;
  let gateways: SmsGatewayStore;
  let logs: LogCapture;
  let deps: SmsFallbackDeps;
  let accountId: string;

  const gatewaySettings = (base: string, overrides: Record<string, unknown> = {}) => ({
    url: `${base}/v1/messages?key={secret:api_key}`,
    body: '{"to":"{to}","from":"{from}","text":"{text}","ref":"{request_id}"}',
    secrets: { api_key: API_KEY },
    auth: { type: 'basic', username: 'shop', password: GATEWAY_PASSWORD },
    timeout_ms: 1000,
    ...overrides,
  });

  before(async () => {
    redis = testRedis();
    double = await startHttpPbxDouble({
      basic: { username: 'shop', password: GATEWAY_PASSWORD },
      outcomes: { [FAILS_WITH_500]: { kind: 'refuse', status: 500, body: `internal error\r\nwhile sending with key ${API_KEY}` } },
    });
  });
  after(async () => {
    allowed.close();
    guarded.close();
    await double.close();
    await redis.quit();
  });

  beforeEach(async () => {
    const prefix = freshPrefix();
    const masterKey = randomBytes(32);
    const shards = testShards(prefix);
    accounts = new AccountStore(redis, prefix, masterKey, shards);
    gateways = new SmsGatewayStore(redis, prefix, masterKey);
    accountId = (await accounts.createAccount('Shop')).id;
    await accounts.setPolicy(accountId, { sms_from: ['5557585902', '5557585903'] });
    await gateways.put(accountId, gatewaySettings(double.url));
    logs = new LogCapture();
    double.requests.length = 0;
    deps = { gateways, gatewayClient: allowed, accounts, caps: new DailyCaps(redis, shards), logger: createLogger({ level: 'debug', name: 'test' }, logs), now: () => AT };
  });

  it('when nobody answered, then the gateway gets the reference\'s text to the number, from the first sms_from, with its secrets', async () => {
    const outcome = await sendNoAnswerSms(report(accountId), '5554443333', deps);
    expect(outcome).to.deep.equal({ channel: 'sms', to: '5554443333', result: 'sent', at: AT.toISOString() });
    expect(double.requests).to.have.length(1);
    const [request] = double.requests;
    expect(request?.method).to.equal('POST');
    expect(request?.url).to.equal(`/v1/messages?key=${API_KEY}`);
    expect(request?.headers['content-type']).to.equal('application/json');
    expect(request?.headers.authorization).to.equal(`Basic ${Buffer.from(`shop:${GATEWAY_PASSWORD}`).toString('base64')}`);
    expect(JSON.parse(request?.body ?? '')).to.deep.equal({ to: '5554443333', from: '5557585902', text: 'LeadResponse unsuccessful for (555) 111-2222', ref: '00000000-0000-4000-8000-0000000000bb' });
  });

  it('when the message is sent, then neither the outcome nor any log line holds a secret; the logged request shows REDACTED', async () => {
    const outcome = await sendNoAnswerSms(report(accountId), '5554443333', deps);
    for (const text of [JSON.stringify(outcome), logs.text]) expect(text).to.not.contain(API_KEY).and.not.contain(GATEWAY_PASSWORD);
    const logged = logs.parsed().find((line) => line.msg === 'no-answer sms request') as { sms_request: { url: string; headers: Record<string, string> } } | undefined;
    expect(logged?.sms_request.url).to.equal(`${double.url}/v1/messages?key=REDACTED`);
    expect(logged?.sms_request.headers.Authorization).to.equal('REDACTED');
    expect(JSON.stringify(await gateways.view(accountId))).to.not.contain(API_KEY).and.not.contain(GATEWAY_PASSWORD);
  });

  it('when another sms_from number is asked for, then it is the sender; a number not in sms_from is refused', async () => {
    expect((await sendNoAnswerSms(report(accountId), '5554443333', deps, { from: '5557585903' })).result).to.equal('sent');
    expect(JSON.parse(double.requests[0]?.body ?? '{}').from).to.equal('5557585903');
    const outcome = await sendNoAnswerSms(report(accountId), '5554443333', deps, { from: '5550000000' });
    expect(outcome).to.deep.include({ result: 'refused', message: "5550000000 is not one of the policy's sms_from numbers." });
    expect(double.requests).to.have.length(1);
  });

  it('when the account has no gateway, or no sms_from, then the SMS is refused saying what is missing', async () => {
    await gateways.remove(accountId);
    expect((await sendNoAnswerSms(report(accountId), '5554443333', deps)).message).to.match(/needs an SMS gateway/);
    await gateways.put(accountId, gatewaySettings(double.url));
    await accounts.setPolicy(accountId, { sms_from: [] });
    expect((await sendNoAnswerSms(report(accountId), '5554443333', deps)).message).to.match(/sms_from/);
    expect(double.requests).to.have.length(0);
  });

  it('when no_answer_sms is not a phone number, then it is refused', async () => {
    const outcome = await sendNoAnswerSms(report(accountId), '555-444-3333', deps);
    expect(outcome).to.deep.include({ result: 'refused', message: 'no_answer_sms must be a phone number of 3 to 15 digits, optionally after a +' });
  });

  it('when the gateway is on a private address and private addresses are not allowed, then the SMS is refused and nothing is sent', async () => {
    const outcome = await sendNoAnswerSms(report(accountId), '5554443333', { ...deps, gatewayClient: guarded });
    expect(outcome.result).to.equal('refused');
    expect(outcome.message).to.equal('The SMS gateway address 127.0.0.1 is loopback, link-local or private; the operator must set ALLOW_PRIVATE_PBX_ADDRESSES=true to allow it.');
    await gateways.put(accountId, gatewaySettings(`http://localhost:${double.port}`));
    const byName = await sendNoAnswerSms(report(accountId), '5554443334', { ...deps, gatewayClient: guarded });
    expect(byName.result, byName.message).to.equal('refused');
    expect(byName.message).to.match(/is loopback, link-local or private/);
    expect(double.requests).to.have.length(0);
  });

  it('when the gateway answers 500, then the outcome is failed with its words, its secrets REDACTED', async () => {
    const outcome = await sendNoAnswerSms(report(accountId), FAILS_WITH_500, deps);
    expect(outcome).to.deep.include({ result: 'failed', message: 'The SMS gateway answered HTTP 500: internal error while sending with key REDACTED' });
  });

  it('when the gateway answers 200 without the success_match, or too late, then the outcome is failed', async () => {
    await gateways.put(accountId, gatewaySettings(double.url, { success_match: '"status":"accepted"' }));
    expect(await sendNoAnswerSms(report(accountId), '5554443333', deps)).to.deep.include({ result: 'failed', message: `The SMS gateway answered HTTP 200: {"result":"queued","to":"5554443333"}` });
    await gateways.put(accountId, gatewaySettings(double.url, { timeout_ms: 300 }));
    const late = await sendNoAnswerSms(report(accountId), SLOW, deps);
    expect(late.result).to.equal('failed');
    expect(late.message).to.equal('The SMS gateway did not answer within 300 ms.');
  });

  it('when the account\'s daily SMS cap is reached, then further SMS are refused and not sent', async () => {
    await accounts.setPolicy(accountId, { daily_sms_cap: 1 });
    expect((await sendNoAnswerSms(report(accountId), '5554443333', deps)).result).to.equal('sent');
    const second = await sendNoAnswerSms(report(accountId), '5554443334', deps);
    expect(second.result).to.equal('refused');
    expect(second.message).to.contain('daily cap of 1 no-answer SMS');
    expect(double.requests).to.have.length(1);
  });
});
