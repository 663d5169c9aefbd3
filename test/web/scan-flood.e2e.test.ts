// A flood of scans on the status page in headless Chromium: the live stream's frames carry the
// newest 20 scans and the count of all (src/web/live.ts ScansFrame), so the page must count the
// chart's scans from that count, not from the scans it was sent, and list exactly the newest 20.
import test from 'ava';
import { screenshot } from './browser.ts';
import { serialScannerPage } from './serial-page.ts';

const FLOOD = 60;

test('a flood of scans counts every scan in the chart while the list shows the newest 20', async (t) => {
  t.timeout(90_000);
  const { pty, gw, page, device } = await serialScannerPage(t);
  t.truthy(device, 'the serial scanner is attached');
  // The chart's bars are per minute: the flood must fall in one minute for its peak to be the flood.
  // Waiting on the wall clock here races none of the code's timers.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
  const seen: string[] = [];
  gw.gateway.scans.onScan((s) => {
    if (s.event.text?.startsWith('FLOOD-')) seen.push(s.event.id);
  });
  const codes = Array.from({ length: FLOOD }, (_, i) => `FLOOD-${String(i).padStart(4, '0')}`);
  pty.write(codes.map((c) => `${c}\r`).join(''));

  await page.waitForFunction(
    (n) => document.querySelector('#chart .legend')?.textContent?.includes(`scans/min (peak ${n})`),
    FLOOD,
    { timeout: 30_000 },
  );
  // The list holds the newest 20, newest first (the public view has no text: rows are known by their
  // scan's id, as the gateway published them).
  await page.waitForFunction(() => document.querySelectorAll('#scans li').length === 20, undefined, {
    timeout: 30_000,
  });
  const ids = await page.$$eval('#scans li', (lis) => lis.map((li) => (li as HTMLElement).dataset.scan));
  t.is(seen.length, FLOOD);
  t.deepEqual(ids, seen.slice(-20).reverse());
  t.is((await page.textContent('#chart .legend'))?.match(/scans\/min \(peak (\d+)\)/)?.[1], String(FLOOD));
  await screenshot(page, 'status-scan-flood');
});
