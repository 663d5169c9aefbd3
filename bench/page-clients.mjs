// The page's side of bench/page.ts, in a process of its own as on a technician's phone: headless
// Chromium (driven by playwright-core) and plain streams of /api/events. In the bench's process,
// every batch of scans would first wake the loop that times the till's client (Chromium's DevTools
// protocol reports each stream message to its driver), and the page's cost would show in the clock
// instead of in the gateway. Commands on stdin, one a line, each answered by one JSON line:
//   browser                      launch Chromium → {"ok"}
//   claim <base> <code> <pw>     claim the box on the page, logged in after → {"ok"}
//   page <base>                  open the page, live, technician view → {"ok"}
//   check <text>                 wait until that scan is drawn → {"rows_with_hex"}
//   blank                        the page away (about:blank) → {"ok"}
//   streams <base> <cookie|-> <n> a stream with that session cookie (or none) and n public ones,
//                                each past its first frames → {"ok"}
//   close                        close the streams → {"bytes": [each one's bytes after its first frames]}
//   metrics                      the page's renderer counters (CDP Performance.getMetrics) → {…}
//   trace <file|->               start a Chromium trace (devtools.timeline), or stop it into <file> → {"ok"}
//   mirror <base>                the page's mirror (bench/page-mirror.mjs) at a port of its own → {"base"}
//   source live|replay|off       what the mirror feeds the page's stream → {"recorded_events"}
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import { startMirror } from './page-mirror.mjs';

let browser;
let page;
let streams = [];
let cdp;
let mirror;

function stream(base, headers) {
  const s = { abort: new AbortController(), bytes: 0, first: 0 };
  s.ready = new Promise((resolve, reject) => {
    s.done = fetch(`${base}/api/events`, { signal: s.abort.signal, headers })
      .then(async (res) => {
        const reader = res.body.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          s.bytes += r.value.length;
          // The first frames (retry, status, history) come in one write; then the stream is live.
          if (!s.first) {
            s.first = s.bytes;
            resolve();
          }
        }
      })
      .catch((err) => (s.first ? undefined : reject(err)));
  });
  return s;
}

const commands = {
  async browser() {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 360, height: 780 } });
    return { ok: true };
  },
  async claim(base, code, password) {
    await page.goto(`${base}/`);
    await page.fill('#claim-form [name=code]', code);
    await page.fill('#claim-form [name=password]', password);
    await page.fill('#claim-form [name=password2]', password);
    await page.click('#claim-form button[type=submit]');
    await page.waitForSelector('#test-scan-form');
    return { ok: true };
  },
  async page(base) {
    await page.goto(`${base}/`);
    await page.waitForSelector('#live[data-state=live]');
    await page.waitForSelector('#test-scan-form'); // the technician's view: scans with text and hex
    return { ok: true };
  },
  async check(text) {
    await page.waitForSelector(`#scans li .scan-text:text-is("${text}")`);
    return { rows_with_hex: await page.locator('#scans li .scan-hex').count() };
  },
  async metrics() {
    cdp ??= await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
  },
  async trace(file) {
    if (file === '-')
      await browser.startTracing(page, {
        categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'],
      });
    else writeFileSync(file, await browser.stopTracing());
    return { ok: true };
  },
  async blank() {
    await page.goto('about:blank');
    return { ok: true };
  },
  async streams(base, cookie, count) {
    streams = [
      ...(cookie === '-' ? [] : [stream(base, { cookie })]),
      ...Array.from({ length: Number(count) }, () => stream(base, {})),
    ];
    await Promise.all(streams.map((s) => s.ready));
    return { ok: true };
  },
  async mirror(base) {
    mirror = await startMirror(base);
    return { base: mirror.base };
  },
  source: (mode) => mirror.source(mode),
  async close() {
    const bytes = streams.map((s) => s.bytes - s.first);
    for (const s of streams) s.abort.abort();
    await Promise.all(streams.map((s) => s.done));
    streams = [];
    return { bytes };
  },
};

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, ...args] = line.split(' ');
  try {
    process.stdout.write(`${JSON.stringify(await commands[cmd](...args))}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ error: String(err?.message ?? err) })}\n`);
  }
}
await browser?.close();
mirror?.close();
