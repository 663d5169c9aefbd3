// The technician's tools in headless Chromium against a real gateway: a typed test scan appears
// live with its text, hex and a layout hint; the provider connectivity test gives a verdict; a
// dead letter (a final provider refusal) is retried from the page and then delivered.
import test from 'ava';
import { SEED } from '../../src/loyalty/simulator/seed.ts';
import { connect, nextMessages } from '../helpers/gateway.ts';
import { claimOnPage, DESKTOP, gatewayPage, PHONE, screenshot } from './browser.ts';
import { setupCodeFrom } from './client.ts';

const PASSWORD = 'technician-pass-1';

test('a test scan shows live with hex and a layout hint; provider test passes; a dead letter is retried from the page, and discarded only once the technician confirms', async (t) => {
  t.timeout(90_000);
  const { gw, page } = await gatewayPage(t, PHONE);
  await page.goto(`http://127.0.0.1:${gw.gateway.httpPort}/`);
  await claimOnPage(page, setupCodeFrom(gw.lines), PASSWORD);
  await page.waitForSelector('#test-scan-form');
  await page.waitForSelector('#live[data-state=live]');

  // What a German scanner read with the US table types for "https://mz-loyalty.de/…": `>&&`, y/z.
  const mislaid = 'https>&&mz-lozaltz.de&c&K7QW';
  await page.fill('[name=test-text]', mislaid);
  await page.click('#test-scan-form button[type=submit]');
  const item = await page.waitForSelector('#scans li .scan-hex');
  t.is(await page.textContent('#scans li .scan-text'), mislaid);
  t.is(
    await item.textContent(),
    '68 74 74 70 73 3e 26 26 6d 7a 2d 6c 6f 7a 61 6c 74 7a 2e 64 65 26 63 26 4b 37 51 57',
  );
  t.regex((await page.textContent('#scans li .layout-hint')) ?? '', /set the keyboard layout to "de"/);

  // A loyalty app code: its token is masked in the text and the hex alike.
  await page.fill('[name=test-text]', SEED.customers.regular.appUrl);
  await page.click('#test-scan-form button[type=submit]');
  await page.waitForSelector('#scans li[data-kind=loyalty]');
  const loyaltyText = (await page.textContent('#scans li[data-kind=loyalty]')) ?? '';
  t.true(loyaltyText.includes('****P2LN'));
  t.false(loyaltyText.includes(SEED.customers.regular.appToken));
  // A typed scan has no warnings (and the first no layout hint): nothing stands in for them, not
  // even the text "null" a bare DOM append() writes for a missing part.
  const listed = await page.$$eval('#scans li', (lis) => lis.map((li) => li.textContent ?? ''));
  t.is(listed.length, 2);
  for (const text of listed) t.notRegex(text, /null|undefined/);
  await screenshot(page, 'technician-scans-phone');

  // Send with nothing typed: the page says what to do instead of the API's length rule.
  await page.fill('[name=test-text]', '');
  await page.click('#test-scan-form button[type=submit]');
  t.is(
    await page.textContent('#test-scan-form .err'),
    'type a code first (or scan one with an attached device)',
  );

  await page.click('#test-provider');
  const verdict = await page.waitForSelector('.verdict[data-target=provider]');
  t.is(await verdict.getAttribute('data-verdict'), 'ok');
  await page.click('#test-ops');
  t.regex(
    (await (await page.waitForSelector('.verdict[data-target=ops]')).textContent()) ?? '',
    /Ops broker: not configured — no ops broker URL is set/,
  );

  // A final refusal from the provider puts the turnover in dead letters.
  const sim = gw.gateway.loyalty.simulator!;
  sim.faults.set({ rejectRate: 1, rejectStatus: 422 });
  const till = await connect(gw.url);
  t.teardown(() => till.end(true));
  const failed = nextMessages(till, `${gw.gateway.base}/event/loyalty/failed`, 1, 20_000);
  const response = nextMessages(till, `${gw.gateway.base}/response/loyalty/turnover`, 1, 20_000);
  await till.publishAsync(
    `${gw.gateway.base}/request/loyalty/turnover`,
    JSON.stringify({
      transaction: 'dead-1',
      customer_ref: SEED.customers.regular.ref,
      receipt_number: 'R-dead-1',
      amount_cents: 500,
      currency: 'EUR',
    }),
  );
  await Promise.race([failed, response]);
  const row = await page.waitForSelector('#dead-letters tr[data-dead-id]', { timeout: 20_000 });
  t.regex((await row.textContent()) ?? '', /turnover dead-1/);
  await page.setViewportSize(DESKTOP);
  await screenshot(page, 'technician-dead-letter-desktop');

  sim.faults.clear();
  const booked = nextMessages(till, `${gw.gateway.base}/event/loyalty/booked`, 1, 20_000);
  await page.click('#dead-letters button.retry');
  t.is((await booked)[0]!.payload.transaction, 'dead-1');
  await page.waitForSelector('#dead-letters p.hint');
  t.is(sim.ledger.effects().filter((e) => e.transaction_id === 'dead-1').length, 1);

  // Discard asks first, naming what is lost: dismissed, the dead letter stays; accepted, it goes.
  sim.faults.set({ rejectRate: 1, rejectStatus: 422 });
  await till.publishAsync(
    `${gw.gateway.base}/request/loyalty/turnover`,
    JSON.stringify({
      transaction: 'dead-2',
      customer_ref: SEED.customers.regular.ref,
      receipt_number: 'R-dead-2',
      amount_cents: 700,
      currency: 'EUR',
    }),
  );
  await page.waitForSelector('#dead-letters tr[data-dead-id]', { timeout: 20_000 });
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await page.click('#dead-letters button.discard');
  t.deepEqual(asked, ['Discard turnover dead-2 for good? It will never reach the provider.']);
  t.is(gw.gateway.loyalty.store.deadCount(), 1, 'dismissed: still a dead letter');
  page.once('dialog', (d) => void d.accept());
  await page.click('#dead-letters button.discard');
  await page.waitForSelector('#dead-letters p.hint');
  t.is(gw.gateway.loyalty.store.deadCount(), 0);
});
