import { expect } from 'chai';
import { startHttpPbxDouble, type HttpPbxDouble } from '../doubles/http-pbx/http-pbx-double.js';
import { launchChromium, type Chromium } from '../support/chromium.js';
import { provision, startRelay, type Relay } from '../support/relay.js';

describe('a click2call URL pasted into Chromium', function () {
  this.timeout(60000);
  let relay: Relay;
  let pbx: HttpPbxDouble;
  let apiKey: string;
  let browser: Chromium;

  before(async () => {
    browser = await launchChromium();
    relay = await startRelay();
    pbx = await startHttpPbxDouble();
    ({ apiKey } = await provision(relay, 'other', { url: `${pbx.url}/c2c?to={dial_second}&id={request_id}`, timeout_ms: 1500 }));
  });
  after(async () => {
    await browser?.close();
    await relay?.stop();
    await pbx?.close();
  });

  const pastedUrl = (dialSecond: string) => `${relay.base}/v1/click2call?${new URLSearchParams({ api_key: apiKey, dial_first: '1001', dial_second: dialSecond, pbx: 'other' })}`;

  it('when a person navigates to it, then the call is placed on the PBX and the page shows the answer', async () => {
    const page = await browser.newPage({ as: 'person' });
    const response = await page.goto(pastedUrl('5550100'));
    expect(response?.status()).to.equal(200);
    expect(await response?.request().headerValue('user-agent')).to.match(/ Chrome\//);
    const answer = JSON.parse(await response!.text()).response;
    expect(answer).to.deep.include({ status: 'success', state: 'accepted' });
    expect(pbx.requests.map((r) => r.url)).to.include(`/c2c?to=5550100&id=${answer.request_id}`);
    expect(await page.locator('body').innerText()).to.contain(answer.request_id);
    await page.close();
  });

  it('when Chromium runs headless and says so (HeadlessChrome, as preview renderers do), then it is taken for a link preview and nothing is dialed', async () => {
    expect(browser.headlessAgent).to.contain('HeadlessChrome/');
    const page = await browser.newPage();
    const before = pbx.requests.length;
    const response = await page.goto(pastedUrl('5550101'));
    const answer = JSON.parse(await response!.text()).response;
    expect(answer.errors).to.deep.equal([{ error: { code: 'invalid_request', message: 'not dialed: link preview', url: '' } }]);
    expect(pbx.requests.length).to.equal(before);
    await page.close();
  });
});
