import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { loyaltyRig, SEED, tx } from './_setup.ts';

const { regular, appUser } = SEED.customers;
const R = SEED.rewards;

test('a scanned loyalty QR is identified and the customer published on loyalty/customer', async (t) => {
  const { till, gw } = await loyaltyRig(t);
  const { recorder } = await import('../../helpers/gateway.ts');
  const customers = await recorder(till, 'pos/T1/loyalty/customer');
  const scans = await recorder(till, 'pos/T1/scan');
  till.publish(
    'pos/T1/request/gateway/test_scan',
    JSON.stringify({ transaction: tx(), text: regular.appUrl }),
    { qos: 1 },
  );
  const [scan] = await scans.waitFor(1);
  t.is(scan!.payload.kind, 'loyalty');
  const [c] = await customers.waitFor(1);
  t.is(c!.payload.scan_id, scan!.payload.id);
  t.is(c!.payload.status, 'ok');
  t.deepEqual(c!.payload.customer, {
    ref: regular.ref,
    masked_ref: regular.maskedRef,
    points: regular.points,
  });
  const states = Object.fromEntries(c!.payload.rewards.map((r: any) => [r.id, r.state]));
  t.is(states[R.voucherExpired], 'expired');
  t.is(states[R.prepaidExhausted], 'exhausted');
  t.is(states[R.bonusNotActivated], 'not_activated');
  t.is(states[R.discount], 'available');
  // The full token is in no log line.
  t.false(gw.lines.some((l) => l.includes(regular.appToken)));
});

test('manual identify by card number; unknown and expired codes get not_found and expired', async (t) => {
  const { request } = await loyaltyRig(t);
  const ok = await request('loyalty/identify', {
    transaction: tx(),
    code: '9276 0012 3456 7890',
    entry: 'manual',
  });
  t.is(ok.data.customer.ref, regular.ref);
  // The same customer as by the app QR: every seeded reward of theirs, each once.
  t.deepEqual(
    ok.data.rewards.map((r: any) => r.id).sort(),
    [R.discount, R.stamp, R.bonusNotActivated, R.voucherExpired, R.prepaidExhausted].sort(),
  );
  const unknown = await request('loyalty/identify', { transaction: tx(), code: SEED.unknownCard });
  t.is(unknown.error.code, 'not_found');
  const expired = await request('loyalty/identify', {
    transaction: tx(),
    code: appUser.expiredToken,
    entry: 'scan',
  });
  t.is(expired.error.code, 'expired');
  const pan = await request('loyalty/identify', {
    transaction: tx(),
    code: '5555555555554444',
    entry: 'manual',
  });
  t.is(pan.error.code, 'invalid_request');
});

test('redeem: applied, expired only with override, not activated, exhausted, already redeemed', async (t) => {
  const { request, sim } = await loyaltyRig(t);
  const redeem = (reward_id: string, extra = {}) =>
    request('loyalty/redeem', { transaction: tx('rd'), customer_ref: regular.ref, reward_id, ...extra });
  const ok = await redeem(R.discount);
  t.is(ok.status, 'ok');
  t.is(typeof ok.data.redemption_id, 'string');
  t.is(ok.data.discount.percent, 10);
  t.is((await redeem(R.discount)).error.code, 'already_redeemed');
  t.is((await redeem(R.voucherExpired)).error.code, 'expired');
  t.is((await redeem(R.voucherExpired, { override: true })).status, 'ok');
  t.is((await redeem(R.bonusNotActivated)).error.code, 'not_activated');
  t.is((await redeem(R.prepaidExhausted)).error.code, 'exhausted');
  t.is((await redeem('RW-NOPE')).error.code, 'not_found');
  t.is(sim.ledger.effects().filter((e) => e.kind === 'redemption').length, 2);
});

test('redeem is online only: with the provider down it is refused and nothing is queued', async (t) => {
  const { request, sim, gw } = await loyaltyRig(t);
  sim.faults.set({ outage: true });
  const id = tx('rd-down');
  const body = { transaction: id, customer_ref: regular.ref, reward_id: R.stamp };
  const res = await request('loyalty/redeem', body);
  t.is(res.error.code, 'provider_unreachable');
  t.is(gw.gateway.loyalty.store.depth(), 0);
  t.deepEqual(sim.ledger.effects(), []);
  // The same transaction once the provider is back is carried out: a refusal is not its answer.
  sim.faults.clear();
  const again = await request('loyalty/redeem', body);
  t.is(again.status, 'ok');
  t.is(typeof again.data.redemption_id, 'string');
  t.deepEqual(
    sim.ledger.effects().map((e) => [e.kind, e.transaction_id]),
    [['redemption', id]],
  );
  t.is(gw.gateway.loyalty.store.depth(), 0);
});

test('with the queue policy an unconfirmed redemption is queued and redeemed later', async (t) => {
  const { request, sim, events } = await loyaltyRig(t, { outbox: { redeem_policy: 'queue' } });
  sim.faults.set({ outage: true });
  const id = tx('rq');
  const res = await request('loyalty/redeem', {
    transaction: id,
    customer_ref: regular.ref,
    reward_id: R.stamp,
  });
  t.deepEqual(res.data, { state: 'queued' });
  sim.faults.clear();
  const ev = await events.until(
    (m) => m.topic === 'pos/T1/event/loyalty/redeemed' && m.payload.transaction === id,
    10_000,
  );
  t.is(typeof ev.payload.redemption_id, 'string');
});

test('void of a redemption is delivered; activate is online and keeps contact data off disk and logs', async (t) => {
  const { request, gw } = await loyaltyRig(t);
  const red = await request('loyalty/redeem', {
    transaction: tx(),
    customer_ref: appUser.ref,
    reward_id: R.voucher,
  });
  const v = await request('loyalty/void_redemption', {
    transaction: tx('void'),
    redemption_id: red.data.redemption_id,
  });
  t.deepEqual(v.data, { state: 'voided' });

  const mobile = '+43 660 1234567';
  const email = 'anna.muster@example.org';
  const act = await request('loyalty/activate', { transaction: tx('act'), mobile, email });
  t.is(act.status, 'ok');
  t.is(typeof act.data.customer_ref, 'string');
  const dup = await request('loyalty/activate', { transaction: tx('act'), mobile, email });
  t.is(dup.error.code, 'duplicate_contact');
  await gw.stop();
  const files = walk(gw.dataDir)
    .map((f) => readFileSync(f, 'latin1'))
    .join('\n');
  for (const secret of [mobile, '1234567', email, 'anna.muster']) {
    t.false(files.includes(secret), `data dir holds ${secret}`);
    t.false(gw.lines.join('\n').includes(secret), `logs hold ${secret}`);
  }
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
