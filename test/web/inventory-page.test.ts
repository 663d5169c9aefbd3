// The box inventory on the status page (issue 10: "shown on the status page"), in headless Chromium
// against a real in-process gateway whose sampler runs systeminformation in its worker thread on
// this machine: what the box is for everyone; its serial and MAC addresses for the technician only.
import { release } from 'node:os';
import test from 'ava';
import { startTestGateway } from '../helpers/gateway.ts';
import { DESKTOP, fitsWidth, launch, PHONE, screenshot } from './browser.ts';
import { setupCodeFrom, WebClient } from './client.ts';

const PASSWORD = 'inventory technician 1';

test('the status page shows what the box is, and the technician also sees its serial and MAC addresses', async (t) => {
  t.timeout(120_000);
  const gw = await startTestGateway();
  t.teardown(() => gw.stop());
  const base = `http://127.0.0.1:${gw.gateway.httpPort}`;
  const web = new WebClient(base);
  t.is((await web.get('/api/inventory')).status, 401, 'the identifiers need the login');

  const browser = await launch();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: DESKTOP });
  await page.goto(`${base}/`);
  await page.waitForSelector('#live[data-state=live]');
  // The first sample comes a few seconds after start, and reaches the open page by itself.
  await page.waitForSelector(`#box dd:text-is("${release()}")`, { timeout: 60_000 });
  const pub = (await web.get('/api/status')).data.inventory;
  const box = (await page.textContent('#box')) ?? '';
  t.true(box.includes(`${pub.memory.total_mb} MB`), 'memory');
  t.true(box.includes(pub.os.distro), 'OS');
  for (const d of pub.disks) t.true(box.includes(`Disk ${d.mount}`), `disk ${d.mount}`);
  for (const n of pub.network) t.true(box.includes(n.iface), `interface ${n.iface}`);
  for (const n of pub.network.filter((x: { ip4: string }) => x.ip4)) t.true(box.includes(n.ip4), n.ip4);
  const usbItems = await page.locator('#usb li').allTextContents();
  if (pub.usb.length === 0) t.deepEqual(usbItems, ['no USB devices']);
  else t.deepEqual(usbItems.length, pub.usb.length);
  t.regex(box, /Serialshown to the technician/);

  // Claim over HTTP with the code from the log, then log in on the page.
  await web.open();
  t.is((await web.post('/api/claim', { code: setupCodeFrom(gw.lines), password: PASSWORD })).status, 200);
  const full = (await web.get('/api/inventory')).data.inventory;
  t.false('machine_id' in full);
  const macs = full.network.map((n: { mac: string }) => n.mac).filter(Boolean) as string[];
  const visitorText = (await page.textContent('body')) ?? '';
  for (const mac of macs) t.false(visitorText.includes(mac), `no MAC ${mac} for a visitor`);
  if (full.serial) t.false(visitorText.includes(full.serial), 'no serial for a visitor');

  await page.reload();
  await page.fill('#login-form [name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#logout');
  await page.waitForSelector(`#box dd:text-is("${full.serial ?? 'none'}")`);
  for (const mac of macs) await page.waitForSelector(`#box dd:has-text("MAC ${mac}")`);
  await screenshot(page, 'status-inventory-desktop');
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(100);
  t.true(await fitsWidth(page), 'readable at 360 px without sideways scrolling');
  await screenshot(page, 'status-inventory-phone');
});
