import { expect } from 'chai';
import { digestAuthorization, findDigestChallenge, parseAuthenticate } from '../../worker/pbx/http-auth/digest-auth.js';
import { eventually } from '../support/eventually.js';
import { startSwitchvoxDouble, type SwitchvoxDouble, type SwitchvoxDoubleOptions } from '../doubles/switchvox/switchvox-double.js';

// The double must itself behave like the wire reference (protocols/switchvox.md §13), or the driver
// tests prove nothing. Plain HTTP here so that fetch() can talk to it without a custom CA.
const BASIC = `Basic ${Buffer.from('admin:admin-secret').toString('base64')}`;

describe('switchvox double', () => {
  let double: SwitchvoxDouble | undefined;
  afterEach(async () => {
    await double?.close();
    double = undefined;
  });

  async function start(options: SwitchvoxDoubleOptions = {}): Promise<SwitchvoxDouble> {
    double = await startSwitchvoxDouble({ protocol: 'http', ...options });
    return double;
  }

  async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string; headers: Headers }> {
    const response = await fetch(`${double!.url}/json`, {
      method: 'POST',
      headers: { Authorization: BASIC, 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text, headers: response.headers };
  }

  const getInfo = (parameters: unknown) => ({ request: { method: 'switchvox.extensions.getInfo', parameters } });

  it('when no credentials come, then 401 with a Basic challenge and an HTML body', async () => {
    await start();
    const answer = await post(getInfo({ extensions: ['101'] }), { Authorization: '' });
    expect(answer.status).to.equal(401);
    expect(answer.headers.get('www-authenticate')).to.match(/^Basic realm=/);
    expect(answer.text).to.contain('<html>');
  });

  it('when credentials are wrong, then 403; after N failures even good credentials are blocked', async () => {
    await start({ blockAfterFailedLogins: 1 });
    const wrong = `Basic ${Buffer.from('admin:nope').toString('base64')}`;
    expect((await post(getInfo({ extensions: ['101'] }), { Authorization: wrong })).status).to.equal(403);
    expect((await post(getInfo({ extensions: ['101'] }))).status).to.equal(403);
  });

  it('when the content type is legacy text/json, then 403; application/json with parameters passes', async () => {
    await start();
    expect((await post(getInfo({ extensions: ['101'] }), { 'Content-Type': 'text/json' })).status).to.equal(403);
    expect((await post(getInfo({ extensions: ['101'] }), { 'Content-Type': 'application/json; charset=utf-8' })).status).to.equal(200);
  });

  it('when the envelope is not JSON or has no method, then 74151 without a method key, echoing transaction_id', async () => {
    await start();
    const garbage = await post('not json');
    expect(garbage.status).to.equal(200);
    expect(garbage.json).to.deep.equal({
      response: { errors: { error: { code: '74151', message: 'Your json request is not structured correctly.' } } },
    });
    const noMethod = await post({ request: { parameters: {}, transaction_id: 't-1' } });
    expect(noMethod.json.response).to.deep.include({ transaction_id: 't-1' });
    expect(noMethod.json.response).to.not.have.property('method');
  });

  it('when getInfo gets a flat array, the XML-shaped object or a scalar, then unknown numbers are left out', async () => {
    await start();
    for (const extensions of [['101', '999'], { extension: ['101', '999'] }, '101']) {
      const answer = await post(getInfo({ extensions }));
      expect(answer.json.response.result.extensions.extension).to.include({ number: '101', account_id: '1106' });
    }
    const two = await post(getInfo({ extensions: ['101', '104'] }));
    expect(two.json.response.result.extensions.extension).to.be.an('array').with.length(2);
  });

  it('when getInfo parameters are missing or invalid, then 10013, and one 10010/10014 per bad value', async () => {
    await start();
    expect((await post(getInfo({}))).json.response.errors.error.code).to.equal('10013');
    const bad = await post(getInfo({ extensions: ['abc', 'def'], account_ids: ['x1'] }));
    expect(bad.json.response.errors.error.map((e: { code: string }) => e.code)).to.deep.equal(['10010', '10010', '10014']);
  });

  it('when switchvox.call misses parameters, then one 10011 per missing name and no delay', async () => {
    await start();
    const answer = await post({ request: { method: 'switchvox.call', parameters: { dial_first: '101' } } });
    expect(answer.json.response.errors.error).to.deep.equal([
      { code: '10011', message: 'Missing required parameter (dial_second)' },
      { code: '10011', message: 'Missing required parameter (dial_as_account_id)' },
    ]);
  });

  it('when numeric scalars are on, then codes and ids come as numbers like 2009 fixtures', async () => {
    await start({ numericScalars: true });
    const answer = await post({ request: { method: 'switchvox.call', parameters: { dial_first: '101', dial_second: '5551234' } } });
    expect(answer.json.response.errors.error.code).to.equal(10011);
  });

  it('when the box speaks Digest, then the challenge names switchvox_api_auth and a correct answer passes', async () => {
    await start({ auth: 'digest' });
    const first = await post(getInfo({ extensions: ['101'] }), { Authorization: BASIC });
    expect(first.status, 'a Basic answer to a digest box').to.equal(401);
    const challenge = findDigestChallenge(parseAuthenticate(first.headers.get('www-authenticate') ?? ''));
    expect(challenge).to.include({ realm: 'switchvox_api_auth' });
    const authorization = digestAuthorization({
      challenge: challenge!,
      username: 'admin',
      password: 'admin-secret',
      method: 'POST',
      uri: '/json',
      nc: 1,
      cnonce: 'abc',
    });
    expect((await post(getInfo({ extensions: ['101'] }), { Authorization: authorization })).status).to.equal(200);
  });

  it('when a Digest nonce has expired, then a right answer gets 401 stale=true with a fresh nonce and a wrong one is refused', async () => {
    const lifetimeMs = 300;
    await start({ auth: 'digest', nonceLifetimeMs: lifetimeMs });
    const first = await post(getInfo({ extensions: ['101'] }), { Authorization: '' });
    const challenge = findDigestChallenge(parseAuthenticate(first.headers.get('www-authenticate') ?? ''))!;
    const answer = (password: string, nc: number) =>
      digestAuthorization({ challenge, username: 'admin', password, method: 'POST', uri: '/json', nc, cnonce: 'abc' });
    expect((await post(getInfo({ extensions: ['101'] }), { Authorization: answer('admin-secret', 1) })).status).to.equal(200);
    const issued = double!.requests()[0]!.receivedAt;
    await eventually(() => expect(Date.now() - issued).to.be.above(lifetimeMs + 5));
    const stale = await post(getInfo({ extensions: ['101'] }), { Authorization: answer('admin-secret', 2) });
    expect(stale.status).to.equal(401);
    const fresh = findDigestChallenge(parseAuthenticate(stale.headers.get('www-authenticate') ?? ''));
    expect(fresh).to.include({ stale: true });
    expect(fresh?.nonce).to.not.equal(challenge.nonce);
    const wrong = await post(getInfo({ extensions: ['101'] }), { Authorization: answer('nope', 3) });
    expect(wrong.status).to.equal(403);
  });

  it('when a call is answered after S scaled seconds, then the answer waits that long', async () => {
    await start({ timeScale: 0.01, scripts: { '101': { outcome: 'answer', afterSeconds: 20 } } });
    const started = Date.now();
    const answer = await post({
      request: { method: 'switchvox.call', parameters: { dial_first: '101', dial_second: '15554578299', dial_as_account_id: '1106' } },
    });
    expect(Date.now() - started).to.be.at.least(190);
    expect(answer.json.response.result.call_info).to.deep.equal({ dialed_first: '101', dialed_second: '915554578299', variables: {} });
    expect(double!.calls()).to.have.length(1);
  });

  it('when the method is unknown or the request is a GET, then an invented, labelled error', async () => {
    await start();
    const unknown = await post({ request: { method: 'switchvox.nope', parameters: {} } });
    expect(unknown.json.response.errors.error.message).to.contain('[invented by the double]');
    const get = await fetch(`${double!.url}/json`, { headers: { Authorization: BASIC } });
    expect(((await get.json()) as any).response.errors.error.message).to.contain('empty');
  });
});
