// The technician's whole first visit in headless Chromium against the real `edge-gateway start`
// process: claim with the setup code from its log, provision a provider (a real simulator) and a
// till login from the form drawn from the JSON Schema, with a validation error shown next to its
// field in the config error's words; applying restarts the gateway in-process, anonymous MQTT is
// refused afterwards, and a turnover queued before the apply is still delivered once after it.
import test from 'ava';
import { createSimulator } from '../../src/loyalty/simulator/index.ts';
import { SEED } from '../../src/loyalty/simulator/seed.ts';
import { runCli } from '../helpers/cli.ts';
import { connect, nextMessages, sleep, tempDir } from '../helpers/gateway.ts';
import { claimOnPage, DESKTOP, launch, PHONE, screenshot } from './browser.ts';
import { freePort } from './ports.ts';

const PASSWORD = 'technician-pass-1';

test('claim, log in, provision a provider and a till login from the page; applied in-process, anonymous MQTT refused, the outbox kept', async (t) => {
  t.timeout(120_000);
  const sim = await createSimulator();
  t.teardown(() => sim.close());
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const run = runCli(['start'], {
    EDGE_DATA_DIR: tempDir(),
    EDGE_HTTP_PORT: String(httpPort),
    EDGE_MQTT_PORT: String(mqttPort),
  });
  t.teardown(() => run.child.kill('SIGKILL'));
  await run.ready;
  const readies = () => run.lines.filter((l) => l.msg === 'ready').length;
  const setupCode = run.lines.find((l) => l.setup_code)?.setup_code as string;
  t.truthy(setupCode);

  const browser = await launch();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: PHONE });
  await page.goto(`http://127.0.0.1:${httpPort}/`);
  await page.waitForSelector('#claim-banner:not([hidden])');
  await claimOnPage(page, setupCode, PASSWORD);
  await page.waitForSelector('#provision-form');
  await page.waitForSelector('#claim-banner[hidden]', { state: 'attached' });

  // Log out and in again, as the technician will on the next visit.
  await page.click('#logout');
  await page.fill('#login-form [name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#provision-form');
  t.is(await page.textContent('[data-secret="provider.api_key"]'), 'not set');

  // A bad URL: the error sits next to its field, in the words `config check` would use.
  await page.fill('[name="provider.url"]', 'not a url');
  await page.fill('[name="provider.api_key"]', SEED.apiKey);
  await page.click('#provision-form button[type=submit]');
  const urlError = await page.waitForSelector('[data-error-for="provider.url"]:not(:empty)');
  t.regex((await urlError.textContent()) ?? '', /Invalid URL; got "not a url"/);
  t.is(readies(), 1, 'nothing applied');

  sim.faults.set({ outage: true });
  await page.fill('[name="provider.url"]', sim.url);
  await page.fill('[name="provider.api_key"]', SEED.apiKey);
  await page.click('#provision-form button[type=submit]');
  const applying = await page.waitForSelector('.form-status.okmsg');
  // A new provider restarts loyalty alone: the technician is told so, and the page stays up.
  t.regex((await applying.textContent()) ?? '', /restarting loyalty, info only/);
  await waitFor(() => readies() === 2);
  t.like(
    run.lines.find((l) => l.msg === 'settings applied'),
    { restarted: ['loyalty', 'info'] },
  );

  // Still demo mode (no till login yet): anonymous on loopback; the provider is down, so queued.
  const anon = await connect(`mqtt://127.0.0.1:${mqttPort}`);
  const answer = nextMessages(anon, 'pos/demo-till/response/loyalty/turnover');
  await anon.publishAsync(
    'pos/demo-till/request/loyalty/turnover',
    JSON.stringify({
      transaction: 'before-apply',
      customer_ref: SEED.customers.regular.ref,
      receipt_number: 'R-1',
      amount_cents: 1250,
      currency: 'EUR',
    }),
  );
  t.is((await answer)[0]!.payload.data.state, 'queued');
  await anon.endAsync();

  await page.reload();
  await page.waitForSelector('#provision-form');
  t.is(await page.textContent('[data-secret="provider.api_key"]'), 'set');
  t.is(await page.inputValue('[name="provider.api_key"]'), '', 'a secret is never sent back');
  await page.click('#add-login');
  await page.fill('.till-login [name=username]', 'till-1');
  await page.fill('.till-login [name=password]', 'till-1-secret');
  await page.click('#provision-form button[type=submit]');
  const whole = await page.waitForSelector('.form-status.okmsg');
  // The first till login ends demo mode: that concerns every part.
  t.regex((await whole.textContent()) ?? '', /the whole gateway restarts in place/);
  await waitFor(() => readies() === 3);
  await screenshot(page, 'provisioned-phone');
  await page.setViewportSize(DESKTOP);
  await screenshot(page, 'provisioned-desktop');

  const refused = await connect(`mqtt://127.0.0.1:${mqttPort}`).then(
    (c) => {
      c.end(true);
      return 'accepted';
    },
    (err: Error) => err.message,
  );
  t.regex(refused, /Not authorized|Bad username or password/i);
  const till = await connect(`mqtt://127.0.0.1:${mqttPort}`, {
    username: 'till-1',
    password: 'till-1-secret',
  });
  t.teardown(() => till.end(true));

  const depth = async () =>
    (await fetch(`http://127.0.0.1:${httpPort}/api/status`).then((r) => r.json())).health.outbox.depth;
  t.is(await depth(), 1, 'the turnover queued before the apply is still queued');
  sim.faults.clear();
  await waitFor(async () => (await depth()) === 0, 30_000);
  const booked = sim.ledger
    .effects()
    .filter((e) => e.kind === 'purchase' && e.transaction_id === 'before-apply');
  t.is(booked.length, 1);
  t.false(
    run.lines.some(
      (l) => typeof l === 'object' && (l.level === 'warn' || l.level === 'error') && l.part === 'http',
    ),
  );
});

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(50);
  }
}
