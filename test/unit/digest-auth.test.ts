import { expect } from 'chai';
import {
  digestAuthorization,
  digestResponse,
  findDigestChallenge,
  parseAuthenticate,
  unsupportedDigest,
  type DigestChallenge,
} from '../../worker/pbx/http-auth/digest-auth.js';

function challengeOf(header: string): DigestChallenge {
  const challenge = findDigestChallenge(parseAuthenticate(header));
  if (challenge === undefined) throw new Error(`no digest challenge in ${header}`);
  return challenge;
}

describe('digest-auth', () => {
  it('when given the RFC 2617 §3.5 example, then the response matches the RFC', () => {
    const challenge = challengeOf(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    const answer = { challenge, username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: '0a4f113b' };
    expect(digestResponse(answer)).to.equal('6629fae49393a05397450978507c4ef1');
    const header = digestAuthorization(answer);
    expect(header).to.match(/^Digest /);
    expect(header).to.contain('qop=auth, nc=00000001, cnonce="0a4f113b"');
    expect(header).to.contain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    expect(header).to.contain('response="6629fae49393a05397450978507c4ef1"');
  });

  it('when given the RFC 7616 §3.9.1 MD5 example, then the response matches the RFC', () => {
    const challenge = challengeOf(
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
    const answer = {
      challenge,
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    };
    expect(digestResponse(answer)).to.equal('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('when the challenge offers no qop, then the RFC 2069 form is used (value from the RFC 2069 erratum)', () => {
    const challenge = challengeOf('Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"');
    const answer = { challenge, username: 'Mufasa', password: 'CircleOfLife', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: 'ignored' };
    const header = digestAuthorization(answer);
    expect(header).to.contain('response="1949323746fe6a43ef61f9606e7febea"');
    expect(header).to.not.match(/qop=|nc=|cnonce=/);
  });

  it('when the nonce count grows, then it is sent as 8 hex digits', () => {
    const challenge = challengeOf('Digest realm="switchvox_api_auth", nonce="abc", qop="auth"');
    const header = digestAuthorization({ challenge, username: 'admin', password: 'x', method: 'POST', uri: '/json', nc: 26, cnonce: 'c' });
    expect(header).to.contain('nc=0000001a');
  });

  it('when several challenges are folded into one header, then each keeps its own parameters', () => {
    const challenges = parseAuthenticate('Basic realm="Switchvox API", Digest realm="switchvox_api_auth", nonce="n1", stale=TRUE');
    expect(challenges.map((c) => c.scheme)).to.deep.equal(['basic', 'digest']);
    expect(challenges[0]?.params.realm).to.equal('Switchvox API');
    const digest = findDigestChallenge(challenges);
    expect(digest).to.include({ realm: 'switchvox_api_auth', nonce: 'n1', stale: true, algorithm: 'MD5' });
  });

  it('when a quoted value holds commas and escaped quotes, then it is read whole', () => {
    const [challenge] = parseAuthenticate('Digest realm="a, \\"b\\"", nonce="x"');
    expect(challenge?.params.realm).to.equal('a, "b"');
  });

  it('when a user name contains a quote, then the header escapes it', () => {
    const challenge = challengeOf('Digest realm="r", nonce="n"');
    const header = digestAuthorization({ challenge, username: 'a"b', password: 'p', method: 'POST', uri: '/json', nc: 1, cnonce: 'c' });
    expect(header).to.contain('username="a\\"b"');
  });

  it('when the challenge is Basic only or lacks a nonce, then there is no digest challenge', () => {
    expect(findDigestChallenge(parseAuthenticate('Basic realm="x"'))).to.equal(undefined);
    expect(findDigestChallenge(parseAuthenticate('Digest realm="x"'))).to.equal(undefined);
    expect(findDigestChallenge(parseAuthenticate(''))).to.equal(undefined);
  });

  it('when the challenge asks for SHA-256 or only auth-int, then it is refused as unsupported', () => {
    const sha = challengeOf('Digest realm="r", nonce="n", algorithm=SHA-256');
    expect(unsupportedDigest(sha)).to.contain('SHA-256');
    expect(() => digestAuthorization({ challenge: sha, username: 'u', password: 'p', method: 'POST', uri: '/', nc: 1, cnonce: 'c' })).to.throw(
      /SHA-256/,
    );
    expect(unsupportedDigest(challengeOf('Digest realm="r", nonce="n", qop="auth-int"'))).to.contain('auth-int');
  });
});
