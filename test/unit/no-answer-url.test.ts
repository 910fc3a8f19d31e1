/** Where a FindMe's no-answer XML may be POSTed, and how its delivery is carried and listed. */
import { expect } from 'chai';
import { viewOf, type DeliveryRecord } from '../../shared/webhooks/delivery-log.js';
import { noAnswerUrlProblem } from '../../shared/webhooks/no-answer-delivery.js';
import { parseWebhookJob, type WebhookJob } from '../../shared/webhooks/webhook-job.js';

const CALLBACK = { hosts: ['crm.example.com', '10.0.0.7'] };
const PUBLIC = { allowHttp: false };
const SHAPE = /^no_answer_url must be an https:\/\/ URL of at most 2048 printable ASCII characters, without user:password@$/;

describe('no_answer_url: where it may point', () => {
  it('when the URL is https on a listed host, then it is accepted, query and port included', () => {
    expect(noAnswerUrlProblem('https://crm.example.com/no_answer_listener.php', CALLBACK, PUBLIC)).to.equal(undefined);
    expect(noAnswerUrlProblem('https://CRM.example.com:8443/x?token=abc', CALLBACK, PUBLIC)).to.equal(undefined);
  });

  it('when the URL is http, then it is refused unless private receivers are allowed (on-premises, tests)', () => {
    expect(noAnswerUrlProblem('http://crm.example.com/x', CALLBACK, PUBLIC)).to.match(SHAPE);
    expect(noAnswerUrlProblem('http://crm.example.com/x', CALLBACK, { allowHttp: true })).to.equal(undefined);
    expect(noAnswerUrlProblem('ftp://crm.example.com/x', CALLBACK, { allowHttp: true })).to.match(/^no_answer_url must be an https:\/\/ or http:\/\/ URL/);
  });

  it('when the URL carries user info, CR or LF, spaces, or is not a URL, then it is refused', () => {
    for (const url of [
      'https://user:pw@crm.example.com/x',
      'https://user@crm.example.com/x',
      'https://crm.example.com/x\r\nX-Injected: 1',
      'https://crm.example.com/x\nY',
      'https://crm.example.com/a b',
      'https://crm.example.com\u0000/x',
      'javascript:alert(1)',
      'crm.example.com/x',
      '',
    ]) {
      expect(noAnswerUrlProblem(url, CALLBACK, PUBLIC), JSON.stringify(url)).to.match(SHAPE);
    }
  });

  it('when the URL is longer than 2048 characters, then it is refused; at 2048 it is accepted', () => {
    const base = 'https://crm.example.com/';
    expect(noAnswerUrlProblem(base + 'a'.repeat(2048 - base.length), CALLBACK, PUBLIC)).to.equal(undefined);
    expect(noAnswerUrlProblem(base + 'a'.repeat(2049 - base.length), CALLBACK, PUBLIC)).to.match(SHAPE);
  });

  it('when the account lists no callback_hosts, then nothing is accepted, and says so', () => {
    for (const callback of [undefined, { hosts: [] }]) {
      expect(noAnswerUrlProblem('https://crm.example.com/x', callback, PUBLIC)).to.equal('no_answer_url is not enabled for this account: it lists no callback_hosts.');
    }
  });

  it('when the host is not listed exactly (another host, a subdomain, a look-alike), then it is refused naming the host', () => {
    expect(noAnswerUrlProblem('https://evil.example.net/x', CALLBACK, PUBLIC)).to.equal("no_answer_url host evil.example.net is not one of the account's callback_hosts.");
    expect(noAnswerUrlProblem('https://a.crm.example.com/x', CALLBACK, PUBLIC)).to.match(/host a\.crm\.example\.com is not one/);
    expect(noAnswerUrlProblem('https://crm.example.com.evil.net/x', CALLBACK, PUBLIC)).to.match(/host crm\.example\.com\.evil\.net is not one/);
    expect(noAnswerUrlProblem('https://crm.example.com@evil.net/x', CALLBACK, PUBLIC)).to.match(SHAPE);
  });
});

describe('no_answer_url: the delivery job and its listing', () => {
  const job: WebhookJob = {
    delivery_id: 'noanswer_2c4f781a-4825-4d09-a573-2d8689e5682b',
    account_id: 'acct_1',
    target: { kind: 'no_answer_url', url: 'https://crm.example.com/na?token=secret' },
    event: {
      id: 'noanswer_2c4f781a-4825-4d09-a573-2d8689e5682b',
      type: 'findme.no_answer',
      request_id: '2c4f781a-4825-4d09-a573-2d8689e5682b',
      phone_to_call: '5551112222',
      attempts: [{ called_number: '5558688950', call_result: 'No Answer' }],
      'utc.time': '1435628940',
    },
  };

  it('when a no-answer job is checked, then it passes; mixed with another kind of target or event, or too large, it does not', () => {
    expect(parseWebhookJob(job)).to.equal(job);
    expect(() => parseWebhookJob({ ...job, target: { kind: 'status_callback', url: 'https://crm.example.com/na' } })).to.throw(/invalid webhook job/);
    expect(() => parseWebhookJob({ ...job, event: { ...job.event, type: 'call.state_changed' } })).to.throw(/invalid webhook job/);
    expect(() => parseWebhookJob({ ...job, event: { ...job.event, attempts: Array(101).fill({ called_number: '1', call_result: 'Busy' }) } })).to.throw(/invalid webhook job/);
    expect(() => parseWebhookJob({ ...job, event: { ...job.event, phone_to_call: '5'.repeat(257) } })).to.throw(/invalid webhook job/);
  });

  it('when a no-answer delivery is listed, then it shows as target no_answer_url, state no_answer, its query hidden', () => {
    const record: DeliveryRecord = { job, url: job.target.kind === 'no_answer_url' ? job.target.url : '', status: 'retrying', attempts: 1, created_at: '2026-01-01T00:00:00.000Z', http_status: 500, error: 'HTTP 500' };
    expect(viewOf(record)).to.deep.include({ id: job.delivery_id, event_id: job.event.id, request_id: job.event.request_id, state: 'no_answer', target: 'no_answer_url', url: 'https://crm.example.com/na?…' });
  });
});
