/** What the relay accepts as a webhook URL, a subscription list, callback hosts and a status_callback. */
import { expect } from 'chai';
import { parseClick2Call } from '../../api/click2call/parse-request.js';
import { AppError } from '../../shared/errors.js';
import { displayUrl, isWebhookUrl, parseCallbackHosts, parseSubscriptions } from '../../shared/webhooks/webhook-settings.js';
import { isCallbackHostAllowed } from '../../shared/webhooks/webhook-store.js';

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('invalid_request');
    return (err as AppError).message;
  }
  throw new Error('expected invalid_request');
}

describe('webhook settings', () => {
  it('when a URL is http(s), printable and without user info, then it is a webhook URL', () => {
    for (const url of ['https://crm.example.com/hooks', 'http://10.0.0.5:8080/x?token=a%20b#frag', 'https://[2001:db8::1]/h', 'https://xn--bcher-kva.example/']) {
      expect(isWebhookUrl(url), url).to.equal(true);
    }
    for (const url of ['ftp://crm.example.com/', 'https://user:pw@crm.example.com/', 'https://@crm.example.com/', 'https://crm.example.com/a b', 'https://bücher.example/', 'https://crm.example.com/\r\nX: 1', 'javascript:alert(1)', `https://crm.example.com/${'a'.repeat(2048)}`, 'https://[::1/']) {
      expect(isWebhookUrl(url), url).to.equal(false);
    }
  });

  it('when a URL is listed, then its query is hidden', () => {
    expect(displayUrl('https://crm.example.com/h?token=secret')).to.equal('https://crm.example.com/h?…');
    expect(displayUrl('https://crm.example.com/h')).to.equal('https://crm.example.com/h');
  });

  it('when a subscription list is valid, then it is returned; a URL listed twice or an unknown field is refused', () => {
    expect(parseSubscriptions([{ url: 'https://a.example/h', events: ['state_changed'] }])).to.have.length(1);
    expect(parseSubscriptions([])).to.deep.equal([]);
    expect(refusal(() => parseSubscriptions({ url: 'https://a.example/h' }))).to.contain('Send a JSON array');
    expect(refusal(() => parseSubscriptions([{ url: 'https://a.example/h', events: ['state_changed'] }, { url: 'https://A.example/h', events: ['state_changed'] }]))).to.contain('subscribed once');
    expect(refusal(() => parseSubscriptions([{ url: 'https://a.example/h', events: ['state_changed'], extra: 1 }]))).to.contain('unknown field extra');
    expect(refusal(() => parseSubscriptions([{ url: 'https://a.example/h', events: [] }]))).to.contain('events must list');
    expect(refusal(() => parseSubscriptions(Array(11).fill({ url: 'https://a.example/h', events: ['state_changed'] })))).to.contain('must NOT have more than 10 items');
  });

  it('when callback hosts are set, then they are lower-cased host names without ports; a listed host does not admit subdomains', () => {
    expect(parseCallbackHosts({ hosts: ['CRM.Example.com', '[2001:db8::1]'] }).hosts).to.deep.equal(['crm.example.com', '[2001:db8::1]']);
    expect(refusal(() => parseCallbackHosts({ hosts: ['crm.example.com:443'] }))).to.contain('each host must be');
    expect(refusal(() => parseCallbackHosts({ hosts: ['https://crm.example.com'] }))).to.contain('each host must be');
    expect(refusal(() => parseCallbackHosts({}))).to.contain('hosts is required');
    expect(isCallbackHostAllowed(['crm.example.com'], 'https://CRM.example.com:8443/h')).to.equal(true);
    expect(isCallbackHostAllowed(['crm.example.com'], 'https://api.crm.example.com/h')).to.equal(false);
    expect(isCallbackHostAllowed(['crm.example.com'], 'https://crm.example.com.evil.net/h')).to.equal(false);
  });

  it('when a call asks for a status_callback, then the shared call-options parser keeps a valid one and names a bad one', () => {
    const base = { dial_first: '1001', dial_second: '5550100' };
    expect(parseClick2Call({ ...base, status_callback: 'https://crm.example.com/h?ref=1' }).options.statusCallback).to.equal('https://crm.example.com/h?ref=1');
    expect(parseClick2Call(base).options).to.not.have.property('statusCallback');
    for (const bad of ['https://u:p@crm.example.com/', 'gopher://crm.example.com/', `https://crm.example.com/${'a'.repeat(2048)}`]) {
      expect(refusal(() => parseClick2Call({ ...base, status_callback: bad })), bad).to.equal('status_callback must be an http:// or https:// URL of at most 2048 printable ASCII characters, without user:password@');
    }
  });
});
