import { expect } from 'chai';
import { launchChromium, type Chromium } from '../support/chromium.js';
import { eventually } from '../support/eventually.js';
import { startRelay, type Relay } from '../support/relay.js';

describe('the /docs page in Chromium', function () {
  this.timeout(60000);
  let relay: Relay;
  let browser: Chromium;

  before(async () => {
    relay = await startRelay({}, { worker: false });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('when a person opens /docs, then Swagger UI renders the click2call operations from /openapi.json, with nothing blocked and nothing from elsewhere', async () => {
    const page = await browser.context.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => console.error(`CSP blocked ${event.blockedURI} (${event.violatedDirective})`));
    });
    await page.goto(`${relay.base}/docs`);
    await eventually(async () => expect(await page.locator('.opblock-summary-path', { hasText: '/v1/click2call' }).count()).to.be.at.least(2), { timeoutMs: 20000, intervalMs: 100 });
    const text = await page.locator('#docs').innerText();
    expect(text).to.contain('Place a click-to-call call');
    expect(text).to.contain('/v1/status/{request_id}').and.contain('/admin/v1/accounts');
    // Opening the operation shows its parameters, from the validators' schema.
    await page.locator('.opblock-get .opblock-summary-path', { hasText: /^\/v1\/click2call$/ }).first().click();
    await eventually(async () => expect(await page.locator('.parameters-col_name', { hasText: 'dial_second' }).count()).to.be.at.least(1), { timeoutMs: 5000, intervalMs: 50 });
    expect(await page.locator('.try-out__btn').count(), 'no "Try it out": the docs page never places calls').to.equal(0);
    expect(problems).to.deep.equal([]);
    expect(requested.filter((url) => !url.startsWith(relay.base))).to.deep.equal([]);
    await page.close();
  });
});
