// The status page in headless Chromium against a real in-process gateway (demo mode: embedded
// broker, the real simulator with fault injection): live scans and the cloud link without reload,
// readable at 360 px, every asset served by the box.
import test from 'ava';
import { SEED } from '../../src/loyalty/simulator/seed.ts';
import { connect, nextMessages, startTestGateway } from '../helpers/gateway.ts';
import { DESKTOP, fitsWidth, gatewayPage, PHONE, screenshot } from './browser.ts';

test('the status page shows a test scan live, and the cloud link red while the provider is down and green after', async (t) => {
  t.timeout(90_000);
  const { gw, page } = await gatewayPage(t, DESKTOP);
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(`http://127.0.0.1:${gw.gateway.httpPort}/`) && !r.url().startsWith('data:'))
      foreign.push(r.url());
  });
  await page.goto(`http://127.0.0.1:${gw.gateway.httpPort}/`);
  await page.waitForSelector('#live[data-state=live]');
  t.is(await page.textContent('#till'), 'Till demo-till');
  t.is(await page.textContent('#ops dd'), 'not configured');

  const till = await connect(gw.url);
  t.teardown(() => till.end(true));
  await till.publishAsync(
    `${gw.gateway.base}/request/gateway/test_scan`,
    JSON.stringify({ transaction: 'page-1', text: '4006381333931' }),
  );
  const item = await page.waitForSelector('#scans li[data-kind=product]');
  t.regex((await item.textContent()) ?? '', /test · test · product/);
  // Not logged in: the public page says a scan arrived, never what it contained.
  t.false((await page.textContent('#scans'))?.includes('4006381333931'));

  const sim = gw.gateway.loyalty.simulator!;
  const identify = async (transaction: string) => {
    const answer = nextMessages(till, `${gw.gateway.base}/response/loyalty/identify`);
    await till.publishAsync(
      `${gw.gateway.base}/request/loyalty/identify`,
      JSON.stringify({ transaction, code: SEED.customers.regular.card, entry: 'manual' }),
    );
    return (await answer)[0]!.payload;
  };
  t.is((await identify('id-1')).status, 'ok');
  await page.waitForSelector('#cloud-dot[data-state=up]');
  await screenshot(page, 'status-desktop');

  sim.faults.set({ outage: true });
  t.is((await identify('id-2')).error.code, 'provider_unreachable');
  await page.waitForSelector('#cloud-dot[data-state=down]');
  t.regex((await page.textContent('#cloud')) ?? '', /unreachable/);
  t.is(
    await page.$eval('#cloud-dot', (el) => getComputedStyle(el).backgroundColor),
    'rgb(240, 68, 56)',
    'the dot is red',
  );
  await screenshot(page, 'status-desktop-cloud-down');

  sim.faults.clear();
  t.is((await identify('id-3')).status, 'ok');
  await page.waitForSelector('#cloud-dot[data-state=up]');
  t.is(await page.$eval('#cloud-dot', (el) => getComputedStyle(el).backgroundColor), 'rgb(18, 183, 106)');

  await page.setViewportSize(PHONE);
  await page.waitForTimeout(100);
  t.true(await fitsWidth(page), 'readable at 360 px without sideways scrolling');
  await screenshot(page, 'status-phone');
  t.deepEqual(foreign, [], 'every asset comes from the box');
});

test('the page and its assets are small, and the live stream starts with the status and the last hour', async (t) => {
  const gw = await startTestGateway();
  t.teardown(() => gw.stop());
  const base = `http://127.0.0.1:${gw.gateway.httpPort}`;
  const html = await fetch(`${base}/`).then((r) => r.text());
  const assets = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  t.true(assets.includes('/assets/app.js'));
  let total = Buffer.byteLength(html);
  const seen = new Set<string>();
  const queue = [...assets];
  while (queue.length) {
    const a = queue.shift()!;
    if (seen.has(a)) continue;
    seen.add(a);
    const res = await fetch(`${base}${a}`);
    t.is(res.status, 200, a);
    const body = await res.text();
    total += Buffer.byteLength(body);
    for (const m of body.matchAll(/(?:from |import )'\.\/([^']+)'/g)) queue.push(`/assets/${m[1]}`);
  }
  t.log(`page weight: ${total} bytes in ${seen.size + 1} files (uncompressed)`);
  t.true(total < 60_000, `page weight ${total} bytes`);

  const res = await fetch(`${base}/api/events`);
  t.is(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  t.truthy(res.headers.get('content-security-policy'));
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('event: history')) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  t.regex(text, /event: status\ndata: \{"version"/);
});
