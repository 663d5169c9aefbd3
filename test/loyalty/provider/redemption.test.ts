import test from 'ava';
import { SEED } from '../../../src/loyalty/simulator/seed.ts';
import { providerFor, startSimulator, turnover } from './_harness.ts';

const { regular, appUser } = SEED.customers;
const R = SEED.rewards;

test('a single-use discount is redeemed once, then already_redeemed', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const first = await provider.redeem({
    transaction: 'rd-1',
    customerRef: regular.ref,
    rewardId: R.discount,
  });
  const second = await provider.redeem({
    transaction: 'rd-2',
    customerRef: regular.ref,
    rewardId: R.discount,
  });

  t.like(first, { ok: true, status: 201, data: { discount: { kind: 'discount', percent: 10 } } });
  t.like(second, { ok: false, retryable: false, code: 'already_redeemed', status: 409 });
  t.is(sim.ledger.effects().filter((e) => e.kind === 'redemption').length, 1);
});

test('an expired voucher is refused unless the till overrides', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const refused = await provider.redeem({
    transaction: 'ex-1',
    customerRef: regular.ref,
    rewardId: R.voucherExpired,
  });
  const overridden = await provider.redeem({
    transaction: 'ex-2',
    customerRef: regular.ref,
    rewardId: R.voucherExpired,
    override: true,
  });

  t.like(refused, { ok: false, retryable: false, code: 'expired', status: 422 });
  t.like(overridden, {
    ok: true,
    data: { discount: { kind: 'voucher', amountCents: 500, currency: 'EUR' } },
  });
});

test('a reward the customer has not activated is refused even with override', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.redeem({
    transaction: 'na-1',
    customerRef: regular.ref,
    rewardId: R.bonusNotActivated,
    override: true,
  });

  t.like(outcome, { ok: false, retryable: false, code: 'not_activated', status: 422 });
});

test('an exhausted program is refused unless the till overrides (DESIGN §2)', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const refused = await provider.redeem({
    transaction: 'xh-1',
    customerRef: regular.ref,
    rewardId: R.prepaidExhausted,
  });
  const overridden = await provider.redeem({
    transaction: 'xh-2',
    customerRef: regular.ref,
    rewardId: R.prepaidExhausted,
    override: true,
  });

  t.like(refused, { ok: false, retryable: false, code: 'exhausted', status: 422 });
  t.like(overridden, { ok: true, status: 201, data: { discount: { kind: 'prepaid', amountCents: 300 } } });
});

test('a stamp card counts down with each redemption', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  await provider.redeem({ transaction: 'st-1', customerRef: regular.ref, rewardId: R.stamp });
  const after = await provider.lookup(regular.card, 'scan');

  if (!after.ok) return t.fail(after.detail);
  t.is(after.data.rewards.find((r) => r.id === R.stamp)?.remaining, 2);
});

test('a redemption voided within the window can be redeemed again', async (t) => {
  let now = Date.now();
  const sim = await startSimulator(t, { now: () => now });
  const provider = providerFor(t, sim);
  const redeemed = await provider.redeem({
    transaction: 'vd-1',
    customerRef: appUser.ref,
    rewardId: R.voucher,
  });
  if (!redeemed.ok) return t.fail(redeemed.detail);
  now += 14 * 60 * 1000;

  const voided = await provider.voidRedemption(redeemed.data.redemptionId, { transaction: 'vd-2' });
  const again = await provider.redeem({ transaction: 'vd-3', customerRef: appUser.ref, rewardId: R.voucher });

  t.like(voided, { ok: true, status: 200, data: { state: 'voided' } });
  t.like(again, { ok: true, status: 201 });
  t.deepEqual(
    sim.ledger.effects().map((e) => e.kind),
    ['redemption', 'void', 'redemption'],
  );
});

test('a void after the window is a final void_window_closed', async (t) => {
  let now = Date.now();
  const sim = await startSimulator(t, { now: () => now });
  const provider = providerFor(t, sim);
  const redeemed = await provider.redeem({
    transaction: 'vw-1',
    customerRef: appUser.ref,
    rewardId: R.prepaid,
  });
  if (!redeemed.ok) return t.fail(redeemed.detail);
  now += 16 * 60 * 1000;

  const outcome = await provider.voidRedemption(redeemed.data.redemptionId, { transaction: 'vw-2' });

  t.like(outcome, { ok: false, retryable: false, code: 'void_window_closed', status: 410 });
});

test('voiding an unknown redemption is a final not found', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.voidRedemption('R-999999', { transaction: 'vu-1' });

  t.like(outcome, { ok: false, retryable: false, code: 'redemption_not_found', status: 404 });
});

test('a reverse takes back the points of its purchase, found by id or by its transaction', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  const booked = await provider.purchase(turnover('rv-1', { amountCents: 3000 }));
  await provider.purchase(turnover('rv-2', { amountCents: 1000 }));
  if (!booked.ok) return t.fail(booked.detail);

  const byId = await provider.reverse(booked.data.purchaseId, { transaction: 'rv-3' });
  const byTransaction = await provider.reverse({ originalTransaction: 'rv-2' }, { transaction: 'rv-4' });

  t.like(byId, { ok: true, status: 200, data: { state: 'reversed', pointsBalance: regular.points + 10 } });
  t.like(byTransaction, { ok: true, data: { state: 'reversed', pointsBalance: regular.points } });
});

test('reversing an unknown purchase is a final not found', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.reverse('P-999999', { transaction: 'ru-1' });

  t.like(outcome, { ok: false, retryable: false, code: 'purchase_not_found', status: 404 });
  t.deepEqual(sim.ledger.effects(), []);
});

test('activation enrols once; the same mobile again is a final duplicate_contact', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const first = await provider.activate({
    transaction: 'ac-1',
    mobile: '+43 660 1112223',
    email: 'a@example.com',
  });
  const dup = await provider.activate({
    transaction: 'ac-2',
    mobile: '+436601112223',
    email: 'b@example.com',
  });

  t.like(first, { ok: true, status: 201 });
  t.regex(first.ok ? first.data.customerRef : '', /^C-\d+$/);
  t.like(dup, { ok: false, retryable: false, code: 'duplicate_contact', status: 409 });
});

test('activation with a malformed e-mail is refused before sending', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.activate({
    transaction: 'ac-3',
    mobile: '+43 660 1112223',
    email: 'not-an-email',
  });

  t.like(outcome, { ok: false, retryable: false, code: 'invalid' });
  t.regex(outcome.ok ? '' : outcome.detail, /^email/);
  t.deepEqual(sim.ledger.effects(), []);
});
