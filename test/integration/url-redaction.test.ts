import { expect } from 'chai';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { provision, startRelay, statusOf, type Relay } from '../support/relay.js';

/** The API key must not survive in any stored or logged URL, however the client spelt `api_key`. */
describe('API key redaction through the real API', function () {
  this.timeout(20000);
  let relay: Relay;
  let pbx: HttpPbxDouble;
  let apiKey: string;
  let accountId: string;

  before(async () => {
    pbx = await startHttpPbxDouble();
    relay = await startRelay({}, { worker: false });
    ({ apiKey, accountId } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}` }, { default_pbx: 'other' }));
  });
  after(async () => {
    await relay.stop();
    await pbx.close();
  });

  /** Sends the query as written: fetch keeps percent-encodings in a query byte for byte. */
  async function call(query: string): Promise<{ status: string; status_url: string; errors: { error: { code: string } }[] }> {
    const response = await fetch(`${relay.base}/v1/click2call?${query}`);
    return ((await response.json()) as { response: { status: string; status_url: string; errors: { error: { code: string } }[] } }).response;
  }

  it('when the key comes as api%5Fkey, %61pi_key, lower-case hex or twice, then it authenticates and the stored request_url, history and logs never hold it', async () => {
    const spellings = [`api%5Fkey=${apiKey}`, `api%5fkey=${apiKey}`, `%61pi_key=${apiKey}`, `api_key=${apiKey}&api%5Fkey=${apiKey}`];
    for (const spelling of spellings) {
      const answer = await call(`dial_first=1001&${spelling}&dial_second=5550100&wait=0`);
      expect(answer.status, spelling).to.equal('success');
      const doc = (await statusOf(answer.status_url)).body.c2c_status;
      expect(doc.request.request_url, spelling).to.contain('=REDACTED').and.not.contain(apiKey);
    }
    const refused = await call(`api%5Fkey=${apiKey}&dial_first=1001&dial_second=911&wait=0`);
    expect(refused.errors[0]?.error.code).to.equal('number_not_allowed');
    expect((await statusOf(refused.status_url)).body.c2c_status.request.request_url).to.not.contain(apiKey);

    const history = await relay.admin('GET', `/admin/v1/accounts/${accountId}/requests?limit=50`);
    expect(history.status).to.equal(200);
    expect(JSON.stringify(history.body)).to.not.contain(apiKey);
    expect(relay.logs.text).to.not.contain(apiKey);
  });
});
