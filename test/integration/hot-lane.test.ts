import { expect } from 'chai';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { provision, startRelay, type Relay } from '../support/relay.js';

/** Headers that differ between any two answers (time, size, connection handling). */
const VARYING = new Set(['date', 'content-length', 'connection', 'keep-alive']);

function headersOf(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => !VARYING.has(name)));
}

/** GET click2calls and JSON status reads are answered by the hot lane (api/hot-lane.ts); the same requests by other methods by Express. */
describe('the hot lane answers as Express does', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: HttpPbxDouble;
  let apiKey: string;

  before(async () => {
    relay = await startRelay();
    pbx = await startHttpPbxDouble();
    ({ apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}&id={request_id}` }, { default_pbx: 'other' }));
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  it('when the same call is placed by GET (the lane) and by POST (Express), then both are placed and answered with the same headers', async () => {
    const get = await fetch(`${relay.base}/v1/click2call?dial_first=1001&dial_second=5550131`, { headers: { 'x-api-key': apiKey, 'idempotency-key': 'lane-1' } });
    const post = await fetch(`${relay.base}/v1/click2call`, { method: 'POST', headers: { 'x-api-key': apiKey, 'idempotency-key': 'lane-2', 'content-type': 'application/json' }, body: JSON.stringify({ dial_first: '1001', dial_second: '5550132' }) });
    const [byLane, byExpress] = [(await get.json()) as { response: any }, (await post.json()) as { response: any }];
    expect([byLane.response.state, byExpress.response.state]).to.deep.equal(['accepted', 'accepted']);
    expect(Object.keys(byLane.response)).to.deep.equal(Object.keys(byExpress.response));
    expect(headersOf(get)).to.deep.equal(headersOf(post));
    expect(headersOf(get)).to.include({ 'cache-control': 'no-store', 'access-control-allow-origin': '*', 'x-frame-options': 'DENY', 'content-type': 'application/json; charset=utf-8' });
    // The Idempotency-Key header reached the use case through the lane: the same key is the same request.
    const repeat = await fetch(`${relay.base}/v1/click2call?dial_first=1001&dial_second=5550131`, { headers: { 'x-api-key': apiKey, 'idempotency-key': 'lane-1' } });
    expect(((await repeat.json()) as { response: any }).response.request_id).to.equal(byLane.response.request_id);
  });

  it('when a status document is read as JSON (the lane) and by HEAD (Express), then the headers are the same; a wrong token is the same 404 by both', async () => {
    const placed = ((await (await fetch(`${relay.base}/v1/click2call?dial_first=1001&dial_second=5550133`, { headers: { 'x-api-key': apiKey } })).json()) as { response: any }).response;
    const get = await fetch(placed.status_url);
    const head = await fetch(placed.status_url, { method: 'HEAD' });
    expect(get.status).to.equal(200);
    expect(head.status).to.equal(200);
    expect(headersOf(get)).to.deep.equal(headersOf(head));
    expect(headersOf(get)).to.include({ 'cache-control': 'no-cache', 'access-control-allow-origin': '*' });
    const etag = get.headers.get('etag') ?? '';
    expect(etag).to.match(/^"[0-9]+"$/);
    expect(((await get.json()) as { c2c_status: { request_id: string } }).c2c_status.request_id).to.equal(placed.request_id);
    const again = await fetch(placed.status_url, { headers: { 'if-none-match': etag } });
    expect(again.status).to.equal(304);
    const wrong = placed.status_url.replace(/token=[^&]+/, 'token=wrong');
    const [wrongGet, wrongHead] = await Promise.all([fetch(wrong), fetch(wrong, { method: 'HEAD' })]);
    expect([wrongGet.status, wrongHead.status]).to.deep.equal([404, 404]);
    expect(headersOf(wrongGet)).to.deep.equal(headersOf(wrongHead));
    // By the owner's key instead of the token: the lane reads the header key too.
    const byKey = await fetch(`${relay.base}/v1/status/${placed.request_id}`, { headers: { 'x-api-key': apiKey } });
    expect(byKey.status).to.equal(200);
  });

  it('when the lane answers, then /metrics counts its requests under their routes', async () => {
    const count = async (route: string, status: string) => {
      const metrics = await (await fetch(`${relay.base}/metrics`)).text();
      return Number(new RegExp(`c2c_http_request_duration_seconds_count\\{route="${route.replaceAll('/', '\\/')}",status="${status}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    };
    const [calls, reads] = [await count('/v1/click2call', '200'), await count('/v1/status', '404')];
    await fetch(`${relay.base}/v1/click2call?dial_first=1001&dial_second=5550134`, { headers: { 'x-api-key': apiKey } });
    await fetch(`${relay.base}/v1/status/2c4f781a-4825-4d09-a573-2d8689e5682b?token=nope`);
    expect(await count('/v1/click2call', '200')).to.equal(calls + 1);
    expect(await count('/v1/status', '404')).to.equal(reads + 1);
  });
});
