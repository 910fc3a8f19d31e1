import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/test-browser.sh installs it); never a browser Playwright downloads. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Chromium {
  context: BrowserContext;
  /** The user agent this headless Chromium sends of itself (`HeadlessChrome/…`). */
  headlessAgent: string;
  /**
   * A new tab. `as: 'person'` makes it send the user agent the same Chromium sends when a person
   * runs it with a window (`Chrome/…`): the relay takes `HeadlessChrome` for an automated previewer.
   */
  newPage(options?: { as?: 'person' }): Promise<Page>;
  close(): Promise<void>;
}

/** A headless Chromium with a new, empty profile, removed on close. */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'c2c-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
  const first = context.pages()[0] ?? (await context.newPage());
  const headlessAgent = await first.evaluate(() => navigator.userAgent);
  return {
    context,
    headlessAgent,
    async newPage(options = {}) {
      const page = await context.newPage();
      if (options.as === 'person') {
        const devtools = await context.newCDPSession(page);
        await devtools.send('Network.setUserAgentOverride', { userAgent: headlessAgent.replace('HeadlessChrome/', 'Chrome/') });
      }
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
