import test from 'ava';
import { SEED } from '../../../src/loyalty/simulator/seed.ts';
import { logCollector, providerFor, startSimulator } from './_harness.ts';

const { regular, appUser, cardOnly } = SEED.customers;

test('an app token identifies the customer with every reward shown in its state', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.lookup(regular.appToken, 'scan');

  if (!outcome.ok) return t.fail(outcome.detail);
  t.deepEqual(outcome.data.customer, {
    ref: regular.ref,
    maskedRef: regular.maskedRef,
    points: regular.points,
  });
  const states = Object.fromEntries(outcome.data.rewards.map((r) => [r.id, r.state]));
  t.deepEqual(states, {
    [SEED.rewards.discount]: 'available',
    [SEED.rewards.stamp]: 'available',
    [SEED.rewards.bonusNotActivated]: 'not_activated',
    [SEED.rewards.voucherExpired]: 'expired',
    [SEED.rewards.prepaidExhausted]: 'exhausted',
  });
  const stamp = outcome.data.rewards.find((r) => r.id === SEED.rewards.stamp);
  t.like(stamp, { kind: 'stamp', remaining: 3, value: { item: 'Free coffee' } });
});

test('the app URL form, a scanned card and a typed card number find the same customer', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const byUrl = await provider.lookup(appUser.appUrl, 'scan');
  const byCard = await provider.lookup(appUser.card, 'scan');
  const typed = await provider.lookup('9276 0012 3456 7906', 'manual');

  for (const outcome of [byUrl, byCard, typed])
    t.like(outcome, { ok: true, data: { customer: { ref: appUser.ref } } });
});

test('a card without app rewards shows a reward that is not yet valid', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.lookup(cardOnly.card, 'scan');

  if (!outcome.ok) return t.fail(outcome.detail);
  t.is(outcome.data.rewards.find((r) => r.id === SEED.rewards.upcoming)?.state, 'not_yet_valid');
});

test('an unknown code is a final customer_not_found', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.lookup(SEED.unknownToken, 'scan');

  t.like(outcome, { ok: false, retryable: false, code: 'customer_not_found', status: 404 });
});

test('an expired app token is a final code_expired', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.lookup(appUser.expiredToken, 'scan');

  t.like(outcome, { ok: false, retryable: false, code: 'code_expired', status: 410 });
});

test('a wrong API key is a final unauthorized', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim, { apiKey: 'not-the-key' });

  const outcome = await provider.lookup(regular.card, 'scan');

  t.like(outcome, { ok: false, retryable: false, code: 'unauthorized', status: 401 });
});

test('garbage arguments come back as invalid without a request', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const empty = await provider.lookup('', 'scan');
  const entry = await provider.lookup(regular.card, 'typed' as 'scan');

  t.like(empty, { ok: false, retryable: false, code: 'invalid' });
  t.like(entry, { ok: false, retryable: false, code: 'invalid' });
});

test('logs carry neither the API key, contact data nor a full token', async (t) => {
  const sim = await startSimulator(t);
  const logs = logCollector();
  const provider = providerFor(t, sim, { apiKey: SEED.apiKey }, logs.logger);
  const mobile = '+43 660 5550123';
  const email = 'shopper@example.com';

  await provider.lookup(regular.appToken, 'scan');
  await provider.lookup(appUser.expiredToken, 'scan');
  await provider.activate({ transaction: 'enrol-1', mobile, email });
  await provider.activate({ transaction: 'enrol-2', mobile, email });

  const text = logs.text();
  t.true(text.includes('****P2LN'), 'the masked token helps a technician');
  for (const secret of [SEED.apiKey, mobile, email, regular.appToken, appUser.expiredToken]) {
    t.false(text.includes(secret), `log shows ${secret}`);
  }
});
