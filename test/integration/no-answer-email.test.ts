import type { RedisClient } from '../../shared/redis.js';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { AccountStore } from '../../shared/accounts/account-store.js';
import { createLogger } from '../../shared/logger.js';
import type { NoAnswerReport } from '../../shared/findme/no-answer-report.js';
import { DailyCaps } from '../../worker/fallbacks/daily-caps.js';
import { createMailer, type Mailer } from '../../worker/fallbacks/mailer.js';
import { sendNoAnswerEmail, type EmailFallbackDeps } from '../../worker/fallbacks/no-answer-email.js';
import { LogCapture } from '../support/log-capture.js';
import { freshPrefix, testRedis, testShards } from '../support/redis-url.js';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.js';

const SMTP_USER = 'relay';
const SMTP_PASSWORD = 'smtp-Pa55-do-not-leak';
const SMTP_FROM = 'c2c-relay@relay.example';
const AT = new Date('2030-05-06T07:08:09.000Z');

const report = (overrides: Partial<NoAnswerReport> = {}): NoAnswerReport => ({
  requestId: '00000000-0000-4000-8000-0000000000aa',
  accountId: '',
  phoneToCall: '5551112222',
  page: 'LeadResponse.html',
  attempts: [{ called_number: '5558688950', call_result: 'No Answer', 'utc.time': '1700000000' }],
  ...overrides,
});

describe('no_answer_email through a real SMTP server', function () {
  this.timeout(15000);
  let redis: RedisClient;
  let accounts: AccountStore;
  let receiver: SmtpReceiver;
  let mailer: Mailer;
  let logs: LogCapture;
  let deps: EmailFallbackDeps;
  let accountId: string;
  let now: Date;

  before(async () => {
    redis = testRedis();
    receiver = await startSmtpReceiver({ auth: { username: SMTP_USER, password: SMTP_PASSWORD } });
    mailer = createMailer({ host: '127.0.0.1', port: receiver.port, secure: false, username: SMTP_USER, password: SMTP_PASSWORD });
  });
  after(async () => {
    mailer.close();
    await receiver.close();
    await redis.quit();
  });

  beforeEach(async () => {
    const prefix = freshPrefix();
    const shards = testShards(prefix);
    accounts = new AccountStore(redis, prefix, randomBytes(32), shards);
    accountId = (await accounts.createAccount('Shop')).id;
    logs = new LogCapture();
    now = AT;
    receiver.mails.length = 0;
    deps = { mailer, defaultFrom: SMTP_FROM, accounts, caps: new DailyCaps(redis, shards), logger: createLogger({ level: 'debug', name: 'test' }, logs), now: () => now };
  });

  it('when nobody answered, then the reference\'s email arrives: From SMTP_FROM, To, Subject and one line per attempt', async () => {
    const outcome = await sendNoAnswerEmail(report({ accountId }), 'sales@shop.example', deps);
    expect(outcome).to.deep.equal({ channel: 'email', to: 'sales@shop.example', result: 'sent', at: AT.toISOString() });
    expect(receiver.mails).to.have.length(1);
    const [mail] = receiver.mails;
    if (mail === undefined) throw new Error('no mail');
    expect(mail.envelope).to.deep.equal({ from: SMTP_FROM, to: ['sales@shop.example'] });
    expect(receiver.header(mail, 'from')).to.deep.equal([SMTP_FROM]);
    expect(receiver.header(mail, 'to')).to.deep.equal(['sales@shop.example']);
    expect(receiver.header(mail, 'subject')).to.deep.equal(['LeadResponse unsuccessful for (555) 111-2222']);
    expect(receiver.header(mail, 'x-c2c-request-id')).to.deep.equal(['00000000-0000-4000-8000-0000000000aa']);
    expect(mail.text).to.equal('Attempts to connect an agent to (555) 111-2222 were unsuccessful, with the following activity breakdown:\n\n(555) 868-8950 No Answer\n');
    expect(receiver.logins).to.deep.equal([{ username: SMTP_USER, accepted: true }]);
  });

  it('when the account\'s policy sets email_from, then that is the From and the envelope sender', async () => {
    await accounts.setPolicy(accountId, { email_from: 'leads@shop.example' });
    expect((await sendNoAnswerEmail(report({ accountId }), 'sales@shop.example', deps)).result).to.equal('sent');
    const [mail] = receiver.mails;
    expect(mail?.envelope.from).to.equal('leads@shop.example');
    expect(mail && receiver.header(mail, 'from')).to.deep.equal(['leads@shop.example']);
  });

  it('when the page carries CR/LF and header lines, then they stay inside the one Subject: no header is added, no one else gets it', async () => {
    const page = 'Offer\r\nBcc: evil@attacker.example\r\nX-Injected: yes\r\n\r\nfake body';
    expect((await sendNoAnswerEmail(report({ accountId, page }), 'sales@shop.example', deps)).result).to.equal('sent');
    const [mail] = receiver.mails;
    if (mail === undefined) throw new Error('no mail');
    expect(mail.envelope.to).to.deep.equal(['sales@shop.example']);
    expect(receiver.header(mail, 'bcc')).to.deep.equal([]);
    expect(receiver.header(mail, 'x-injected')).to.deep.equal([]);
    expect(receiver.header(mail, 'subject')).to.deep.equal(['Offer Bcc: evil@attacker.example X-Injected: yes fake body unsuccessful for (555) 111-2222']);
    expect(mail.text.startsWith('Attempts to connect an agent')).to.equal(true);
  });

  for (const [what, to] of [
    ['a CR/LF and a Bcc header', 'sales@shop.example\r\nBcc: evil@attacker.example'],
    ['a list', 'sales@shop.example, evil@attacker.example'],
    ['a display name', 'Sales <sales@shop.example>'],
  ]) {
    it(`when no_answer_email holds ${what}, then it is refused and nothing is sent`, async () => {
      const outcome = await sendNoAnswerEmail(report({ accountId }), to as string, deps);
      expect(outcome.result).to.equal('refused');
      expect(outcome.message).to.match(/^no_answer_email must be one plain email address/);
      expect(receiver.mails).to.have.length(0);
    });
  }

  it('when the relay has no SMTP_URL, then the email is refused saying so', async () => {
    const outcome = await sendNoAnswerEmail(report({ accountId }), 'sales@shop.example', { ...deps, mailer: undefined });
    expect(outcome).to.deep.include({ result: 'refused', message: 'The relay has no SMTP server for no-answer emails (SMTP_URL is not set).' });
  });

  it('when the SMTP server refuses the login (and repeats the password), then the outcome is failed and the password is nowhere in it or in the logs', async () => {
    const echoing = await startSmtpReceiver({ auth: { username: SMTP_USER, password: 'the-right-one', refusal: `Authentication failed for ${SMTP_PASSWORD}` } });
    const wrong = createMailer({ host: '127.0.0.1', port: echoing.port, secure: false, username: SMTP_USER, password: SMTP_PASSWORD });
    try {
      const outcome = await sendNoAnswerEmail(report({ accountId }), 'sales@shop.example', { ...deps, mailer: wrong });
      expect(outcome.result).to.equal('failed');
      expect(outcome.message).to.match(/^The SMTP server did not take the message: .*535.*\(EAUTH\)$/);
      const plain = Buffer.from(`\0${SMTP_USER}\0${SMTP_PASSWORD}`).toString('base64');
      for (const text of [JSON.stringify(outcome), logs.text]) expect(text).to.not.contain(SMTP_PASSWORD).and.not.contain(plain);
      expect(outcome.message).to.contain('REDACTED');
      expect(logs.text).to.contain('no-answer fallback');
      expect(echoing.mails).to.have.length(0);
    } finally {
      wrong.close();
      await echoing.close();
    }
  });

  it('when the account\'s daily email cap is reached, then further emails are refused until the next UTC day', async () => {
    await accounts.setPolicy(accountId, { daily_email_cap: 2 });
    const results = [];
    for (const to of ['a@shop.example', 'b@shop.example', 'c@shop.example']) results.push(await sendNoAnswerEmail(report({ accountId }), to, deps));
    expect(results.map((outcome) => outcome.result)).to.deep.equal(['sent', 'sent', 'refused']);
    expect(results[2]?.message).to.contain("daily cap of 2 no-answer emails (UTC day 2030-05-06) is reached");
    expect(receiver.mails).to.have.length(2);
    now = new Date('2030-05-07T00:00:01.000Z');
    expect((await sendNoAnswerEmail(report({ accountId }), 'c@shop.example', deps)).result).to.equal('sent');
  });

  it('when one address has had 5 emails today, then a sixth is refused while others still get theirs', async () => {
    const results = [];
    for (let n = 0; n < 6; n += 1) results.push((await sendNoAnswerEmail(report({ accountId }), 'Same@Shop.example', deps)).result);
    expect(results).to.deep.equal(['sent', 'sent', 'sent', 'sent', 'sent', 'refused']);
    // The same mailbox written differently is the same recipient.
    expect((await sendNoAnswerEmail(report({ accountId }), 'same@shop.example', deps)).message).to.contain('has had 5 no-answer emails from this account today');
    expect((await sendNoAnswerEmail(report({ accountId }), 'other@shop.example', deps)).result).to.equal('sent');
  });
});
