import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { open, seal } from '../../shared/security/secret-box.js';
import {
  deriveKey,
  generateApiKey,
  hashApiKey,
  looksLikeApiKey,
  safeEqual,
  signStatusToken,
  verifyStatusToken,
} from '../../shared/security/tokens.js';

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

  it('when a status token is checked, then it is bound to its request id', () => {
    const key = deriveKey(master, 'status-token');
    const token = signStatusToken(key, 'id-1');
    expect(verifyStatusToken(key, 'id-1', token)).to.equal(true);
    expect(verifyStatusToken(key, 'id-2', token)).to.equal(false);
    expect(verifyStatusToken(deriveKey(master, 'other'), 'id-1', token)).to.equal(false);
    expect(verifyStatusToken(key, 'id-1', '')).to.equal(false);
  });

  it('when strings are compared, then only identical ones are equal', () => {
    expect(safeEqual('abc', 'abc')).to.equal(true);
    expect(safeEqual('abc', 'abd')).to.equal(false);
    expect(safeEqual('abc', 'abcd')).to.equal(false);
  });
});
