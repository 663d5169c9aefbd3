// A provider's error text may echo anything it was sent or knows: an e-mail, a card number, the
// API key, a URL with customer data. Tills get a fixed shape (stable code, HTTP status, provider
// code, Retry-After), the log gets the text masked, and the outbox stores none of it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { recorder } from '../../helpers/gateway.ts';
import { loyaltyRig, SEED, turnover, tx } from './_setup.ts';

const ECHO =
  `no customer jane.doe@example.com, card 4111 1111 1111 1111, key ${SEED.apiKey}, see ` +
  'https://api.provider.test/v1/customers/C-1001?mobile=%2B491701234567';
const LEAKS = ['jane.doe', 'example.com', '4111', SEED.apiKey, 'api.provider.test/v1', '1701234567'];
// The provider's words at all: tills and stored requests get none of them (the log gets them masked).
const WORDS = 'no customer';

function leaksIn(text: string, also: string[] = []): string[] {
  return [...LEAKS, ...also].filter((l) => text.includes(l));
}

test('a provider error text with an e-mail, a card number and the API key reaches neither the till nor the log nor the outbox', async (t) => {
  const { request, sim, events, gw, till } = await loyaltyRig(t, {
    provider: { booking_window_ms: 0 },
    outbox: { idle_poll_ms: 200 },
  });
  const everything = await recorder(till, 'pos/T1/#');

  t.true(sim.faults.set({ rejectRate: 1, rejectStatus: 422, faultDetail: ECHO }).ok);
  const identified = await request('loyalty/identify', {
    transaction: tx('id'),
    code: SEED.customers.regular.card,
    entry: 'manual',
  });
  t.is(identified.status, 'error');
  t.is(identified.error.code, 'provider_error');
  t.deepEqual(identified.error.details, { provider_code: 'rejected', provider_status: 422 });
  const redeemed = await request('loyalty/redeem', {
    transaction: tx('rd'),
    customer_ref: SEED.customers.regular.ref,
    reward_id: 'R-any',
  });
  t.deepEqual(redeemed.error.details, { provider_code: 'rejected', provider_status: 422 });
  // Queued, then refused for good: the dead letter's reason and the failed event.
  const sale = tx('sale');
  t.is((await request('loyalty/turnover', turnover(sale))).data.state, 'queued');
  const failed = await events.until(
    (m) => m.topic.endsWith('/loyalty/failed') && m.payload.transaction === sale,
    15_000,
  );
  t.is(failed.payload.error.code, 'rejected');

  t.true(sim.faults.set({ rejectRate: 0, rateLimitRate: 1, retryAfterS: 7 }).ok);
  const limited = await request('loyalty/identify', {
    transaction: tx('id'),
    code: SEED.customers.regular.card,
    entry: 'manual',
  });
  t.is(limited.error.code, 'provider_unreachable');
  t.deepEqual(limited.error.details, {
    provider_code: 'rate_limited',
    provider_status: 429,
    retry_after_s: 7,
  });
  sim.faults.clear();

  const toTill = JSON.stringify(everything.messages.map((m) => m.payload));
  t.deepEqual(leaksIn(toTill, [WORDS]), [], 'MQTT to the till');
  t.deepEqual(leaksIn(gw.lines.join('\n')), [], 'log lines');
  for (const file of ['outbox.sqlite', 'outbox.sqlite-wal']) {
    const path = join(gw.dataDir, file);
    if (existsSync(path)) t.deepEqual(leaksIn(readFileSync(path, 'latin1'), [WORDS]), [], file);
  }
  // The technician still reads what the provider said, masked, in the log.
  const said = gw.lines.map((l) => JSON.parse(l)).filter((l) => typeof l.provider_detail === 'string');
  t.true(said.length >= 3);
  t.is(
    said[0].provider_detail,
    'no customer [email], card [number], key [redacted], see https://api.provider.test/[path]',
  );
});
