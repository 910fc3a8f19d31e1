/**
 * SPEC §9 no-answer fallbacks end to end: a type-2 hunt nobody answers sends the reference's email
 * (real SMTP server), SMS (the account's gateway, a real HTTP server) and signed XML (a real HTTP
 * receiver), and records each outcome in the status document.
 */
import { expect } from 'chai';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { eventually } from '../support/eventually.js';
import { provision, startRelay, statusOf, type Relay } from '../support/relay.js';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('clicktofindme no-answer fallbacks end to end', function () {
  this.timeout(30000);
  let relay: Relay;
  let ami: AmiDouble;
  let smtp: SmtpReceiver;
  let gateway: HttpPbxDouble;
  let receiver: WebhookReceiver;
  let apiKey: string;
  let accountId: string;

  before(async () => {
    smtp = await startSmtpReceiver();
    gateway = await startHttpPbxDouble();
    receiver = await startWebhookReceiver();
    relay = await startRelay({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_FROM: 'relay@example.com', ALLOW_PRIVATE_WEBHOOK_ADDRESSES: 'true' });
    ami = await startAmiDouble({ ...sandboxAmiOptions(), leg1Outcomes: { '1002': { kind: 'busy' }, '1003': { kind: 'rejected' } }, timing: { ringMs: 20, holdMs: 300 } });
    ({ apiKey, accountId } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' }, { sms_from: ['5557585902'], email_from: 'leads@shop.example' }));
    expect((await relay.admin('PUT', `/admin/v1/accounts/${accountId}/findme/closed`, { name: 'Closed', numbers: ['1002', '1003'], strategy: 'ordered', ring_seconds: 5 })).status).to.equal(201);
    const sms = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/sms-gateway`, { url: `${gateway.url}/sms`, body: '{"to":"{to}","from":"{from}","text":"{text}"}' });
    expect(sms.status, JSON.stringify(sms.body)).to.equal(200);
    expect((await relay.admin('PUT', `/admin/v1/accounts/${accountId}/webhooks/callback-hosts`, { hosts: ['127.0.0.1'] })).status).to.equal(200);
  });
  after(async () => {
    await relay.stop();
    await Promise.all([ami.close(), smtp.close(), gateway.close(), receiver.close()]);
  });

  const findMe = async (params: Record<string, string>) => {
    const response = await fetch(`${relay.base}/v1/clicktofindme?${new URLSearchParams({ api_key: apiKey, findme_id: 'closed', phone_to_call: '5551112222', type: '2', ...params })}`);
    return ((await response.json()) as { response: any }).response;
  };

  it('when nobody on the list answers, then the email, SMS and signed XML of the reference go out and each outcome is in the status document', async () => {
    const answer = await findMe({ page: 'https://shop.example/LeadResponse.html', no_answer_email: 'sales@shop.example', no_answer_sms: '5554443333', no_answer_url: `${receiver.url}/no-answer?t=secret-token` });
    expect(answer.status, JSON.stringify(answer.errors)).to.equal('success');
    await eventually(() => expect(smtp.mails).to.have.length(1), { timeoutMs: 10000 });
    const mail = smtp.mails[0];
    expect(smtp.header(mail!, 'subject')).to.deep.equal(['LeadResponse unsuccessful for (555) 111-2222']);
    expect(smtp.header(mail!, 'from')[0]).to.contain('leads@shop.example');
    expect(mail?.envelope.to).to.deep.equal(['sales@shop.example']);
    expect(mail?.text).to.contain('Attempts to connect an agent to (555) 111-2222 were unsuccessful, with the following activity breakdown:');
    expect(mail?.text).to.match(/1002 Busy/).and.match(/1003 Failed/);

    await eventually(() => expect(gateway.requests.filter((r) => r.url.startsWith('/sms'))).to.have.length(1), { timeoutMs: 10000 });
    const sms = JSON.parse(gateway.requests.find((r) => r.url.startsWith('/sms'))?.body ?? '{}');
    expect(sms).to.deep.equal({ to: '5554443333', from: '5557585902', text: 'LeadResponse unsuccessful for (555) 111-2222' });

    await eventually(() => expect(receiver.received).to.have.length(1), { timeoutMs: 10000 });
    const xml = receiver.received[0]?.body ?? '';
    expect(receiver.received[0]?.headers['content-type']).to.contain('application/xml');
    expect(xml).to.contain('<phone_to_call>5551112222</phone_to_call>');
    expect(xml).to.match(/<called_number>1002<\/called_number>\s*<call_result>Busy<\/call_result>/);

    await eventually(async () => {
      const doc = (await statusOf(answer.status_url)).body.c2c_status;
      expect(doc.state).to.equal('no_answer');
      const outcomes = Object.fromEntries((doc.fallbacks ?? []).map((f: { channel: string; result: string }) => [f.channel, f.result]));
      expect(outcomes).to.deep.equal({ email: 'sent', sms: 'sent', url: 'sent' });
      // The receiver's token in the URL's query is not repeated in the outcome (the request itself keeps what the caller sent).
      expect(JSON.stringify(doc.fallbacks)).to.not.contain('secret-token');
    }, { timeoutMs: 10000 });
  });

  it('when a fallback cannot be used by the account, then the request is refused before anything rings', async () => {
    const before = ami.originates().length;
    const url = await findMe({ no_answer_url: 'https://elsewhere.example/hook' });
    expect(url.errors[0].error.message).to.match(/no_answer_url.*callback_hosts/);
    const email = await findMe({ no_answer_email: 'root@localhost' });
    expect(email.errors[0].error.message).to.match(/no_answer_email/);
    expect(ami.originates().length).to.equal(before);
  });
});
