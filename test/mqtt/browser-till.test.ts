// A browser till (DESIGN §3): a page in headless Chromium, using mqtt.js's own browser bundle, logs
// in over ws://, is refused another till's topics, subscribes, test-scans and books a turnover.
// The bundle comes from node_modules through a server of this test: no CDN, no network.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { type Browser, chromium } from 'playwright-core';
import { SEED } from '../../src/loyalty/simulator/index.ts';
import { startTestGateway } from '../helpers/gateway.ts';

const require = createRequire(import.meta.url);
const MQTT_BUNDLE = readFileSync(require.resolve('mqtt/dist/mqtt.min'), 'utf8');

// The till's page: plain browser JavaScript, the way a web till would use mqtt.js.
const PAGE = `<!doctype html><meta charset="utf-8"><title>till</title>
<script src="/mqtt.min.js"></script>
<script>
window.runTill = (url, username, password, turnover) => new Promise((resolve, reject) => {
  const log = { answers: [], scans: [], refused: null, errors: [] };
  const client = mqtt.connect(url, { username, password, reconnectPeriod: 0, connectTimeout: 5000 });
  client.on('error', (e) => { log.errors.push(String(e && e.message || e)); reject(new Error(String(e))); });
  client.on('message', (topic, payload) => {
    const body = JSON.parse(new TextDecoder().decode(payload));
    if (topic.startsWith('pos/A/response/')) log.answers.push({ topic, body });
    if (topic === 'pos/A/scan') log.scans.push(body);
    const scanned = log.answers.some((a) => a.body.transaction === 'page-scan');
    const booked = log.answers.some((a) => a.body.transaction === 'page-turnover');
    if (scanned && booked && log.scans.length > 0) { client.end(); resolve(log); }
  });
  client.on('connect', () => {
    client.subscribe('pos/B/#', { qos: 1 }, (err) => {
      log.refused = err ? String(err.message) : 'granted';
      client.subscribe('pos/A/#', { qos: 1 }, (err2) => {
        if (err2) return reject(err2);
        client.publish('pos/A/request/gateway/test_scan',
          JSON.stringify({ transaction: 'page-scan', text: 'FROM-THE-PAGE' }), { qos: 1 });
        client.publish('pos/A/request/loyalty/turnover',
          JSON.stringify(Object.assign({ transaction: 'page-turnover' }, turnover)), { qos: 1 });
      });
    });
  });
});
</script>`;

let browser: Browser;
test.before(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
});
test.after.always(() => browser?.close());

function servePage(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/mqtt.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(MQTT_BUNDLE);
    }
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(PAGE);
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('a page in Chromium logs in over WebSocket, is refused B, hears its test scan and gets its turnover answered', async (t) => {
  t.timeout(60_000);
  const gw = await startTestGateway({
    config: { till_id: 'A', mqtt: { ws_port: 0 } },
    users: { 'till-a': { password: 'pw-a-correct' }, 'till-b': { password: 'pw-b', till_id: 'B' } },
  });
  t.teardown(() => gw.stop());
  const site = await servePage();
  t.teardown(() => new Promise<void>((r) => site.close(() => r())));
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);

  const log = await page.evaluate(
    ([url, turnover]) => (window as any).runTill(url, 'till-a', 'pw-a-correct', turnover),
    [
      gw.wsUrl!,
      {
        customer_ref: SEED.customers.regular.ref,
        receipt_number: 'R-page',
        amount_cents: 4200,
        currency: 'EUR',
      },
    ] as const,
  );

  t.deepEqual(pageErrors, []);
  t.deepEqual(log.errors, []);
  t.regex(log.refused, /Subscribe error/);
  const scanAnswers = log.answers.filter((a: any) => a.body.transaction === 'page-scan');
  t.is(scanAnswers.length, 1);
  t.is(scanAnswers[0].body.status, 'ok');
  t.is(log.scans.length, 1);
  t.is(log.scans[0].text, 'FROM-THE-PAGE');
  t.is(log.scans[0].id, scanAnswers[0].body.data.scan_id);
  const turnoverAnswers = log.answers.filter((a: any) => a.body.transaction === 'page-turnover');
  t.is(turnoverAnswers.length, 1);
  t.is(turnoverAnswers[0].topic, 'pos/A/response/loyalty/turnover');
  t.is(turnoverAnswers[0].body.status, 'ok');
  t.true(['booked', 'queued'].includes(turnoverAnswers[0].body.data.state));
});

test('a page with a wrong password is refused over WebSocket', async (t) => {
  t.timeout(60_000);
  const gw = await startTestGateway({
    config: { till_id: 'A', mqtt: { ws_port: 0 } },
    users: { 'till-a': { password: 'pw-a-correct' } },
  });
  t.teardown(() => gw.stop());
  const site = await servePage();
  t.teardown(() => new Promise<void>((r) => site.close(() => r())));
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
  const outcome = await page.evaluate(
    (url) =>
      (window as any).runTill(url, 'till-a', 'wrong', {}).then(
        () => 'connected',
        (e: Error) => e.message,
      ),
    gw.wsUrl!,
  );
  t.regex(outcome, /Bad username or password/i);
});
