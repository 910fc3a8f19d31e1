import { expect } from 'chai';
import { maskPbxSettings, parsePbxSettings, type PbxKind } from '../../shared/accounts/pbx-settings.js';
import { AppError } from '../../shared/errors.js';

const SECRETS = { path_token: 'tok-in-path-77', pwd: 'pwd-secret-88', pin: '990011' };
const WITH_SECRETS = {
  method: 'POST',
  url: 'https://pbx.example/t/{secret:path_token}/c2c?to={dial_second}&pwd={secret:pwd}',
  headers: { 'X-Pin': '{secret:pin}', Authorization: 'Token {secret:pwd}' },
  body: '{"to":"{dial_second}","pin":"{secret:pin}"}',
  secrets: SECRETS,
};

function refusal(kind: PbxKind, input: unknown): string {
  try {
    parsePbxSettings(kind, input);
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('invalid_request');
    return (err as AppError).message;
  }
  throw new Error('expected the settings to be refused');
}

describe('PBX settings: secrets and URLs', () => {
  it('when an other connection keeps its secrets in secrets slots, then it is accepted as written', () => {
    const settings = parsePbxSettings('other', WITH_SECRETS);
    expect(settings.secrets).to.deep.equal(SECRETS);
    expect(settings.url).to.equal(WITH_SECRETS.url);
  });

  it('when a template refers to a secret that is not in secrets, or to a badly named one, then it is refused', () => {
    expect(refusal('other', { url: 'https://pbx.example/c2c?k={secret:key}' })).to.contain('/url refers to {secret:key}, which is not in secrets');
    expect(refusal('other', { url: 'https://pbx.example/c2c', headers: { 'X-Key': '{secret:key}' }, secrets: { other: 'x' } })).to.contain('/headers/X-Key refers to {secret:key}');
    expect(refusal('other', { method: 'POST', url: 'https://pbx.example/c2c', body: '{"k":"{secret:API_KEY}"}', secrets: { api_key: 'x' } })).to.contain('/body has {secret:API_KEY}');
  });

  it('when a secret has a bad name or a control character, then it is refused without echoing the value', () => {
    const message = refusal('other', { url: 'https://pbx.example/c2c', secrets: { 'Bad-Name': 'x', good: 'line\r\nbreak-secret' } });
    expect(message).to.contain('/secrets');
    expect(message).to.not.contain('break-secret');
  });

  for (const [kind, base, where] of [
    ['other', { url: 'https://relay:pw-in-url@pbx.example/c2c?to={dial_second}' }, '`auth` or `secrets`'],
    ['other', { url: 'https://token-only@pbx.example/c2c' }, '`auth` or `secrets`'],
    ['switchvox', { url: 'https://admin:pw-in-url@pbx.example', username: 'admin', password: 'x' }, '`username` and `password`'],
  ] as const) {
    it(`when the ${kind} url carries user info, then it is refused saying where credentials go`, () => {
      const message = refusal(kind, base);
      expect(message).to.contain('must not contain user:password@').and.contain(where);
      expect(message).to.not.contain('pw-in-url').and.not.contain('token-only');
    });
  }

  for (const [kind, url] of [
    ['other', 'https://pbx.example:99999/c2c'],
    ['other', 'http://[::1/c2c'],
    ['other', 'https://pbx.exa%mple/c2c'],
    ['switchvox', 'https://pbx.example:99999'],
    ['switchvox', 'https://[fe80::1'],
  ] as const) {
    it(`when the ${kind} url is not a valid URL (${url}), then it is refused without repeating it`, () => {
      const extra = kind === 'switchvox' ? { username: 'admin', password: 'x' } : {};
      const message = refusal(kind, { url, ...extra });
      expect(message).to.contain('/url is not a valid URL');
      expect(message).to.not.contain(url);
    });
  }

  it('when placeholders stand in the host or port, then the template is refused: the host is fixed', () => {
    expect(refusal('other', { url: 'https://{secret:tenant}.pbx.example/c2c', secrets: { tenant: 'acme' } })).to.contain('only in its path and query');
    expect(refusal('other', { url: 'https://pbx.example:{timeout}/c2c' })).to.contain('only in its path and query');
  });

  it('when a Switchvox url has a query, then it is refused (the relay posts to <url>/json)', () => {
    expect(refusal('switchvox', { url: 'https://pbx.example/?x=1', username: 'admin', password: 'x' })).to.contain('query');
  });

  it('when a credential header is written out, or set beside auth, then it is refused', () => {
    expect(refusal('other', { url: 'https://pbx.example/c2c', headers: { Authorization: 'Bearer literal-token' } })).to.contain('/headers/Authorization carries a credential');
    expect(refusal('other', { url: 'https://pbx.example/c2c', headers: { Cookie: 'sid=literal' } })).to.contain('/headers/Cookie carries a credential');
    expect(refusal('other', { url: 'https://pbx.example/c2c', headers: { Authorization: 'Bearer {secret:t}' }, secrets: { t: 'x' }, auth: { type: 'bearer', token: 'y' } })).to.contain('either auth or an Authorization header');
  });

  it('when settings are masked, then no secret or auth value remains, whatever the names', () => {
    const other = parsePbxSettings('other', { ...WITH_SECRETS, headers: { 'X-Pin': '{secret:pin}' }, auth: { type: 'basic', username: 'key-as-user', password: 'basic-pass' } });
    const masked = maskPbxSettings({ kind: 'other', settings: other });
    const text = JSON.stringify(masked);
    for (const secret of [...Object.values(SECRETS), 'key-as-user', 'basic-pass']) expect(text).to.not.contain(secret);
    expect(masked.secrets).to.deep.equal({ path_token: 'REDACTED', pwd: 'REDACTED', pin: 'REDACTED' });
    expect(masked.auth).to.deep.equal({ type: 'basic', username: 'REDACTED', password: 'REDACTED' });
    expect(masked.url).to.equal(WITH_SECRETS.url);
    const switchvox = parsePbxSettings('switchvox', { url: 'https://pbx.example', username: 'admin', password: 'svx-pass' });
    expect(JSON.stringify(maskPbxSettings({ kind: 'switchvox', settings: switchvox }))).to.not.contain('svx-pass');
  });

  it('when settings stored before these rules carry user info, then the masked url hides it', () => {
    const legacy = { method: 'GET', url: 'https://relay:old-pass@pbx.example/c2c', body_type: 'json', success_status: [200, 299], timeout_ms: 1000 } as const;
    const masked = maskPbxSettings({ kind: 'other', settings: { ...legacy, success_status: [...legacy.success_status] } });
    expect(masked.url).to.equal('https://REDACTED@pbx.example/c2c');
  });
});
