import { expect } from 'chai';
import { startAmiDouble, type AmiDouble } from '../doubles/ami/ami-double.js';
import { sandboxAmiOptions } from '../doubles/ami/ami-double-options.js';
import { launchChromium, type Chromium } from '../support/chromium.js';
import { eventually } from '../support/eventually.js';
import { click2call, provision, startRelay, type Relay } from '../support/relay.js';

const HOSTILE_PAGE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

describe('the status page in Chromium', function () {
  this.timeout(60000);
  let relay: Relay;
  let ami: AmiDouble;
  let browser: Chromium;
  let apiKey: string;

  before(async () => {
    browser = await launchChromium();
    relay = await startRelay();
    const options = sandboxAmiOptions();
    // Leg 2 stays up 6 s: time enough to open the page before the call completes, even on a busy machine.
    ami = await startAmiDouble({ ...options, leg2Outcomes: { '5550100': { kind: 'answer', holdMs: 6000 } }, timing: { ringMs: 200, holdMs: 6000 } });
    ({ apiKey } = await provision(relay, 'asterisk', { host: '127.0.0.1', port: ami.port, username: 'relay', secret: 'relaysecret' }));
  });
  after(async () => {
    await browser?.close();
    await relay?.stop();
    await ami?.close();
  });

  it('when the call moves on, then the open page follows it to completed without reloading, and shows the call options, escaped', async () => {
    const answer = await click2call(relay, { api_key: apiKey, dial_first: '1001', dial_second: '5550100', page: HOSTILE_PAGE, ref: 'crm-42', wait_for: 'answered' });
    expect(answer.status).to.equal('success');
    const page = await browser.newPage({ as: 'person' });
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(answer.status_url);
    const first = await page.locator('#state').innerText();
    expect(first).to.be.oneOf(['first_answered', 'connected']);
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'still the same document'));

    await eventually(async () => expect(await page.locator('#state').innerText()).to.equal('completed'), { timeoutMs: 15000, intervalMs: 100 });
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).to.equal('still the same document');
    expect(navigations).to.equal(1);
    expect(await page.title()).to.contain('completed');
    const text = await page.locator('main').innerText();
    expect(text).to.contain(HOSTILE_PAGE).and.contain('crm-42').and.contain('answered');
    expect(text).to.contain('connected').and.contain('completed');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).to.equal(undefined);
    expect(await page.locator('main img, main script').count()).to.equal(0);
    expect(problems).to.deep.equal([]);
    await page.close();
  });
});
