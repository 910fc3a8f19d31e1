/** The embeddable "call me" widget (SPEC §10) in a real headless Chromium, against the sandbox Asterisk (AMI double). */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { launchChromium, type Chromium } from '../support/chromium.js';
import { provision, startRelay, type Relay } from '../support/relay.js';

describe('the click-to-call widget in Chromium', function () {
  this.timeout(60000);
  let relay: Relay;
  let ami: AmiDouble;
  let browser: Chromium;
  let site: Server;
  let siteOrigin: string;
  let endpointId: string;

  before(async () => {
    browser = await launchChromium();
    relay = await startRelay();
    ami = await startAmiDouble(sandboxAmiOptions());
    const { accountId } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' });
    // A customer's web page on its own origin, embedding the widget with one script tag.
    site = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Shop</h1>
        <div id="call-me"></div>
        <script src="${relay.base}/v1/clicktocall/${endpointId}/widget.js" data-target="#call-me" data-label="Call me now" async></script>
        </body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    const created = await relay.admin('PUT', `/admin/v1/accounts/${accountId}/clicktocall`, {
      data: { name: 'Shop', extension: '1001', auth_required: false, whitelist: ['555[0-9]{4}'], throttle: 10, allowed_origins: [siteOrigin] },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    endpointId = created.body.data.id as string;
  });
  after(async () => {
    await browser?.close();
    await relay?.stop();
    await ami?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it('when a visitor types a number and clicks, then both phones ring and the progress reaches connected', async () => {
    const page = await browser.newPage({ as: 'person' });
    await page.goto(siteOrigin);
    await page.getByLabel('Your phone number').fill('555 0100');
    await page.getByRole('button', { name: 'Call me now' }).click();
    await page.getByRole('status').filter({ hasText: 'connected' }).waitFor({ timeout: 15000 });
    const originate = ami.originates().at(-1);
    expect(JSON.stringify(originate)).to.contain('Local/1001@').and.contain('5550100');
    await page.close();
  });

  it('when the visitor uses only the keyboard, then Tab reaches the field, Enter submits, and the live region announces progress', async () => {
    const page = await browser.newPage({ as: 'person' });
    await page.goto(siteOrigin);
    const before = ami.originates().length;
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).to.equal('tel');
    await page.keyboard.type('5550100');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).to.equal('Call me now');
    await page.keyboard.press('Enter');
    const status = page.getByRole('status');
    expect(await status.getAttribute('aria-live')).to.equal('polite');
    await status.filter({ hasText: /ringing|connected/ }).waitFor({ timeout: 15000 });
    expect(ami.originates().length).to.equal(before + 1);
    await page.close();
  });

  it('when the number is not a phone number, then the widget says so and nothing is requested', async () => {
    const page = await browser.newPage({ as: 'person' });
    await page.goto(siteOrigin);
    const before = ami.originates().length;
    await page.getByLabel('Your phone number').fill('call me maybe');
    await page.getByRole('button', { name: 'Call me now' }).click();
    await page.getByRole('status').filter({ hasText: 'Please enter a phone number' }).waitFor();
    expect(await page.getByLabel('Your phone number').getAttribute('aria-invalid')).to.equal('true');
    expect(ami.originates().length).to.equal(before);
    await page.close();
  });
});
