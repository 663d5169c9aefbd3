// Headless Chromium (Debian package) through playwright-core, for every page test; screenshots go
// to test-artifacts/ (git-ignored) so a reviewer can look at the page at phone and desktop width.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { type Browser, chromium, type Page, type ViewportSize } from 'playwright-core';
import { type StartOptions, startTestGateway } from '../helpers/gateway.ts';

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
export const PHONE = { width: 360, height: 780 };
export const DESKTOP = { width: 1280, height: 900 };

export async function launch(): Promise<Browser> {
  // As root (CI) Chromium refuses to start with its sandbox on.
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}

/**
 * A gateway in this process (startTestGateway with `opts`) and a page at `viewport` in a browser of
 * its own, both closed when the test ends. The page is blank: the test opens the gateway's page
 * once it watches what it must.
 */
export async function gatewayPage(t: ExecutionContext, viewport: ViewportSize, opts?: StartOptions) {
  const gw = await startTestGateway(opts);
  t.teardown(() => gw.stop());
  const browser = await launch();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport });
  return { gw, page };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** True when nothing on the page is wider than the viewport (readable without sideways scrolling). */
export async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/** Claims the box on the page as a technician does: the claim form's setup code and new password. */
export async function claimOnPage(page: Page, setupCode: string, password: string): Promise<void> {
  await page.fill('#claim-form [name=code]', setupCode);
  await page.fill('#claim-form [name=password]', password);
  await page.fill('#claim-form [name=password2]', password);
  await page.click('#claim-form button[type=submit]');
}
