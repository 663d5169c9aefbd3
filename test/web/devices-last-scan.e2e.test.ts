// The status page's devices table in headless Chromium: a scan on a real scanner (a pty from socat,
// opened like a USB CDC scanner) updates that device's "last scan" live, from the scan event itself
// (src/web/assets/app.js drawScans), not only with the next status document, which comes on real
// changes and every 5 s. To prove that path, the other two ways the table is redrawn are held back
// in the page (wrappers from an init script) from before the scan until the row has changed: the
// status documents, and the page's own timers (its 10 s refresh of the ages redraws the table from
// the last status). Then they are let through again, and the next status document keeps the time
// the scan gave (it does not turn the row back to "never").
import test from 'ava';
import { screenshot } from './browser.ts';
import { serialScannerPage } from './serial-page.ts';

/**
 * In the page, before its scripts: counts the status documents, and holds them and every interval
 * timer's run while asked.
 */
function holdRedraws() {
  const w = window as unknown as { __status: { hold: boolean; seen: number; held: number } };
  w.__status = { hold: false, seen: 0, held: 0 };
  const every = window.setInterval.bind(window);
  window.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    every(() => {
      if (!w.__status.hold) fn(...args);
    }, ms)) as typeof window.setInterval;
  const Original = window.EventSource;
  window.EventSource = class extends Original {
    override addEventListener(type: string, listener: any, options?: any) {
      if (type !== 'status') return super.addEventListener(type, listener, options);
      return super.addEventListener(
        type,
        (e: Event) => {
          if (w.__status.hold) {
            w.__status.held++;
            return;
          }
          w.__status.seen++;
          listener(e);
        },
        options,
      );
    }
  } as typeof EventSource;
}

test('a scan on a serial scanner updates its row’s "last scan" on the status page live, without a status document', async (t) => {
  t.timeout(90_000);
  const { pty, page, device } = await serialScannerPage(t, holdRedraws);

  // The scanner's row, online, never scanned yet (drawn from a status document).
  t.truthy(device, 'the serial scanner is attached');
  const cell = `#devices tr[data-device="${device!.id}"] .last-scan`;
  await page.waitForFunction(
    (sel) => document.querySelector(sel)?.closest('tr')?.textContent?.includes('online'),
    cell,
    { timeout: 20_000 },
  );
  t.is(await page.textContent(cell), 'never');

  await page.evaluate(() => {
    (window as any).__status.hold = true;
  });
  pty.write('4006381333931\r');
  await page.waitForSelector('#scans li[data-kind=product]', { timeout: 20_000 });
  await page.waitForFunction(
    (sel) => /^\d+ s ago$/.test(document.querySelector(sel)?.textContent ?? ''),
    cell,
    {
      timeout: 20_000,
    },
  );
  const during = await page.evaluate(() => (window as any).__status);
  t.log(`status documents held back meanwhile: ${during.held}`);
  await screenshot(page, 'status-devices-last-scan');

  // Let the status documents through again: the next one keeps the scan's time.
  const seen = during.seen;
  await page.evaluate(() => {
    (window as any).__status.hold = false;
  });
  await page.waitForFunction((n) => (window as any).__status.seen > n, seen, { timeout: 20_000 });
  t.regex((await page.textContent(cell)) ?? '', /^\d+ s ago$/);
});
