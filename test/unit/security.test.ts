import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { redactUrl } from '../../api/middleware/request-context.js';
import { open, seal } from '../../shared/security/secret-box.js';
import {
  deriveKey,
  generateApiKey,
  hashApiKey,
  looksLikeApiKey,
  safeEqual,
} from '../../shared/security/tokens.js';
import { StatusTokens } from '../../shared/security/status-tokens.js';

describe('security primitives', () => {
  const master = randomBytes(32);

  it('when a value is sealed, then it opens with the same key and not with another', () => {
    const sealed = seal(master, { secret: 'hunter2' });
    expect(sealed).to.not.contain('hunter2');
    expect(open(master, sealed)).to.deep.equal({ secret: 'hunter2' });
    expect(() => open(randomBytes(32), sealed)).to.throw();
  });

  it('when a sealed value is tampered with, then opening it fails', () => {
    const sealed = seal(master, 'x');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('y').toString('base64url');
    expect(() => open(master, parts.join('.'))).to.throw();
  });

  it('when keys are generated, then they carry the prefix, are unique and hash stably', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a).to.match(/^c2c_live_/);
    expect(looksLikeApiKey(a)).to.equal(true);
    expect(looksLikeApiKey('c2c_live_short')).to.equal(false);
    expect(a).to.not.equal(b);
    expect(hashApiKey(a)).to.equal(hashApiKey(a)).and.not.equal(hashApiKey(b));
  });

  it('when a status token is checked, then it is bound to its request id and key, remembered or not', () => {
    const key = deriveKey(master, 'status-token');
    const tokens = new StatusTokens(key);
    const token = tokens.sign('id-1');
    expect(token).to.match(/^[A-Za-z0-9_-]{32}$/);
    // Fresh instances remember nothing: the same answers when the token is computed again.
    for (const check of [tokens, new StatusTokens(key)]) {
      expect(check.verify('id-1', token)).to.equal(true);
      expect(check.verify('id-2', token)).to.equal(false);
      expect(check.verify('id-1', '')).to.equal(false);
      expect(check.verify('id-1', `${token.slice(0, 31)}${token.endsWith('A') ? 'B' : 'A'}`)).to.equal(false);
    }
    expect(new StatusTokens(deriveKey(master, 'other')).verify('id-1', token)).to.equal(false);
    expect(new StatusTokens(key).sign('id-1')).to.equal(token);
  });

  it('when many status tokens are used, then only the most recent valid ones are remembered, and the oldest is still checked right', () => {
    const key = deriveKey(master, 'status-token');
    const roomy = new StatusTokens(key, 100);
    const first = roomy.sign('id-1');
    for (let i = 0; i < 50; i += 1) expect(roomy.verify(`wrong-${i}`, first)).to.equal(false);
    expect(roomy.size).to.equal(1);
    const small = new StatusTokens(key, 2);
    small.sign('id-1');
    small.sign('id-2');
    small.sign('id-3');
    expect(small.size).to.equal(2);
    expect(small.verify('id-1', first)).to.equal(true);
    expect(small.size).to.equal(2);
  });

  it('when strings are compared, then only identical ones are equal', () => {
    expect(safeEqual('abc', 'abc')).to.equal(true);
    expect(safeEqual('abc', 'abd')).to.equal(false);
    expect(safeEqual('abc', 'abcd')).to.equal(false);
  });

  describe('redactUrl', () => {
    const key = generateApiKey();

    it('when the api_key parameter name is percent-encoded, in either case of hex, then its value is redacted as Express decodes it', () => {
      for (const name of ['api%5Fkey', 'api%5fkey', '%61pi_key', '%61%70%69%5f%6b%65%79', 'API_KEY', 'Api%5FKey', 'api%255Fkey', 'api_key%5B%5D', 'api_key[]']) {
        const redacted = redactUrl(`/v1/click2call?dial_first=1001&${name}=${key}&wait=0`);
        expect(redacted, name).to.equal(`/v1/click2call?dial_first=1001&${name}=REDACTED&wait=0`);
      }
    });

    it('when the name carries + or spaces, or the parameter repeats, then every value is redacted', () => {
      expect(redactUrl(`/v1/click2call?api_key+=${key}`)).to.equal('/v1/click2call?api_key+=REDACTED');
      expect(redactUrl(`/v1/click2call?+api%5Fkey=${key}`)).to.equal('/v1/click2call?+api%5Fkey=REDACTED');
      expect(redactUrl(`/v1/click2call?api_key=${key}&x=1&api%5Fkey=${key}&api_key=`)).to.equal('/v1/click2call?api_key=REDACTED&x=1&api%5Fkey=REDACTED&api_key=REDACTED');
    });

    it('when a key is sent under another name or as a bare parameter, then it is redacted too, and other parameters are kept byte for byte', () => {
      expect(redactUrl(`/v1/click2call?apikey=${key}&dial_second=%2B44%20207`)).to.equal('/v1/click2call?apikey=REDACTED&dial_second=%2B44%20207');
      expect(redactUrl(`/v1/click2call?${key}&wait=0`)).to.equal('/v1/click2call?REDACTED&wait=0');
      expect(redactUrl(`/v1/status/abc?token=t0k&wait=5`)).to.equal('/v1/status/abc?token=REDACTED&wait=5');
      expect(redactUrl('/v1/click2call?dial_first=1001&pbx=asterisk')).to.equal('/v1/click2call?dial_first=1001&pbx=asterisk');
    });
  });
});
