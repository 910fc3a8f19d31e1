import { expect } from 'chai';
import { DEFAULT_POLICY } from '../../shared/accounts/policy.js';
import { maskSmsGatewaySettings, parseSmsGatewaySettings } from '../../shared/accounts/sms-gateway-settings.js';
import { AppError } from '../../shared/errors.js';
import { smsFallbackProblem } from '../../shared/findme/sms-fallback.js';
import { buildSmsRequest, describeSmsRequest, secretValuesOf } from '../../worker/fallbacks/sms-gateway-request.js';

const API_KEY = 'sk_live_gateway_0123456789';
const VALUES = { to: '5554443333', from: '5557585902', text: 'LeadResponse unsuccessful for (555) 111-2222', request_id: '00000000-0000-4000-8000-000000000001' };

const gateway = (overrides: Record<string, unknown> = {}) =>
  parseSmsGatewaySettings({
    url: 'https://sms.example/v1/messages?key={secret:api_key}',
    body: '{"to":"{to}","from":"{from}","text":"{text}","ref":"{request_id}"}',
    secrets: { api_key: API_KEY },
    ...overrides,
  });

describe('SMS gateway settings', () => {
  it('when set like an other connection, then defaults are filled in: POST, json, 2xx, 10 s', () => {
    expect(gateway()).to.deep.include({ method: 'POST', body_type: 'json', success_status: [200, 299], timeout_ms: 10000 });
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['a placeholder the gateway does not know', { body: '{"to":"{to}","text":"{text}","n":"{dial_second}"}' }, /unknown placeholder \{dial_second\}/],
    ['no {to}', { body: '{"text":"{text}"}' }, /must use \{to\}/],
    ['no {text}', { body: '{"to":"{to}"}' }, /must use \{text\}/],
    ['a secret slot without its secret', { secrets: {} }, /not in secrets/],
    ['a placeholder in the host', { url: 'https://{to}.sms.example/send?key={secret:api_key}' }, /scheme, host and port are fixed/],
    ['user:password in the URL', { url: 'https://u:p@sms.example/send' }, /must not contain user:password@/],
    ['a credential header written out', { headers: { Authorization: 'Bearer abc' } }, /carries a credential/],
    ['a body with GET', { method: 'GET' }, /only with method POST/],
    ['basic auth without a password', { auth: { type: 'basic', username: 'u' } }, /needs username and password/],
    ['digest auth (not offered for gateways)', { auth: { type: 'digest', username: 'u', password: 'p' } }, /auth\/type/],
    ['a CR/LF in a header value', { headers: { 'X-From': 'a\r\nX-Injected: 1' } }, /headers/],
    ['a timeout above 30 s', { timeout_ms: 60000 }, /timeout_ms/],
    ['a success_match that backtracks', { success_match: '^(a+)+$' }, /success_match/],
  ];
  for (const [what, overrides, message] of refused) {
    it(`when the settings have ${what}, then they are refused, saying so`, () => {
      expect(() => gateway(overrides)).to.throw(AppError, message);
    });
  }

  it('when the settings are shown, then secrets and credentials are REDACTED and templates kept as written', () => {
    const masked = maskSmsGatewaySettings(gateway({ auth: { type: 'basic', username: 'acct-7', password: 'pw-secret-7' } }));
    expect(JSON.stringify(masked)).to.not.contain(API_KEY).and.not.contain('pw-secret-7').and.not.contain('acct-7');
    expect(masked).to.deep.include({ secrets: { api_key: 'REDACTED' }, auth: { type: 'basic', username: 'REDACTED', password: 'REDACTED' }, url: 'https://sms.example/v1/messages?key={secret:api_key}' });
  });

  it('when a message is built, then each value is escaped for where it stands and the secret is filled in', () => {
    const settings = gateway({ headers: { 'X-Sender': '{from}' } });
    const request = buildSmsRequest(settings, { ...VALUES, text: 'a "quoted" & {secret:api_key}' });
    expect(request.url).to.equal(`https://sms.example/v1/messages?key=${API_KEY}`);
    expect(JSON.parse(request.body ?? '')).to.deep.equal({ to: VALUES.to, from: VALUES.from, text: 'a "quoted" & {secret:api_key}', ref: VALUES.request_id });
    expect(request.headers).to.deep.include({ 'X-Sender': VALUES.from, 'Content-Type': 'application/json' });
    const form = buildSmsRequest(gateway({ body: 'To={to}&Body={text}', body_type: 'form' }), VALUES);
    expect(new URLSearchParams(form.body).get('Body')).to.equal(VALUES.text);
  });

  it('when a message is described for a log, then no secret is in it, only REDACTED', () => {
    const settings = gateway({ auth: { type: 'bearer', token: 'tok-secret-9' } });
    const described = describeSmsRequest(settings, VALUES);
    expect(JSON.stringify(described)).to.not.contain(API_KEY).and.not.contain('tok-secret-9');
    expect(described.url).to.equal('https://sms.example/v1/messages?key=REDACTED');
    expect(described.headers.Authorization).to.equal('REDACTED');
    expect(buildSmsRequest(settings, VALUES).headers.Authorization).to.equal('Bearer tok-secret-9');
    expect(secretValuesOf(settings)).to.include.members([API_KEY, 'tok-secret-9']);
  });

  it('when the account lacks a gateway or an sms_from number, then no_answer_sms is refused naming what is missing', () => {
    const policy = { ...DEFAULT_POLICY, sms_from: ['5557585902'] };
    expect(smsFallbackProblem({ policy }, true)).to.equal(undefined);
    expect(smsFallbackProblem({ policy }, false)).to.match(/needs an SMS gateway \(PUT \/admin\/v1\/accounts\/\{id\}\/sms-gateway\)/);
    expect(smsFallbackProblem({ policy: DEFAULT_POLICY }, true)).to.match(/sms_from/).and.not.match(/gateway/);
    expect(smsFallbackProblem({ policy: DEFAULT_POLICY }, false)).to.match(/SMS gateway .* and a number to send from/);
  });
});
