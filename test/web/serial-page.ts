// The rig of the page tests that scan on a real scanner: a gateway with one serial scanner (a pty
// from socat, opened like a USB CDC scanner) and its status page in headless Chromium, live, the
// scanner attached. Everything is closed when the test ends.
import type { ExecutionContext } from 'ava';
import { startPtyPair } from '../helpers/pty.ts';
import { DESKTOP, gatewayPage } from './browser.ts';

/** `init` runs in the page before its scripts (playwright's addInitScript). */
export async function serialScannerPage(t: ExecutionContext, init?: () => void) {
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const { gw, page } = await gatewayPage(t, DESKTOP, {
    config: { devices: { poll_interval_ms: 100, serial: [{ path: pty.device, profile: 'generic-serial' }] } },
  });
  if (init) await page.addInitScript(init);
  await page.goto(`http://127.0.0.1:${gw.gateway.httpPort}/`);
  await page.waitForSelector('#live[data-state=live]');
  const deadline = Date.now() + 20_000;
  while (!gw.gateway.devices.list().some((d) => d.state === 'online') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  /** The scanner's device, when it attached. */
  const device = gw.gateway.devices
    .list()
    .find((d) => d.profile === 'generic-serial' && d.state === 'online');
  return { pty, gw, page, device };
}
