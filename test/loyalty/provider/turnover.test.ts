import test from 'ava';
import { createLogger } from '../../../src/log.ts';
import type { ProviderRequest } from '../../../src/loyalty/provider.ts';
import { SEED } from '../../../src/loyalty/simulator/seed.ts';
import { keyOf, providerFor, startSimulator, turnover, until } from './_harness.ts';

const { regular, appUser } = SEED.customers;

test('a turnover books points at one point per whole currency unit', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.purchase(turnover('sale-1', { amountCents: 1999 }));

  t.like(outcome, {
    ok: true,
    status: 201,
    replayed: false,
    data: { pointsEarned: 19, pointsBalance: regular.points + 19 },
  });
  t.like(sim.ledger.effects(), [
    {
      kind: 'purchase',
      idempotency_key: keyOf('sale-1'),
      transaction_id: 'sale-1',
      amount_cents: 1999,
      customer_ref: regular.ref,
    },
  ]);
});

test('a prepared turnover survives storage and its resend is replayed, booked once', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  const prepared = provider.preparePurchase(turnover('sale-2'));
  if (!prepared.ok) return t.fail(prepared.detail);
  const stored = JSON.stringify(prepared.request);

  const first = await provider.send(JSON.parse(stored) as ProviderRequest<'purchase'>);
  const again = await provider.send(JSON.parse(stored) as ProviderRequest<'purchase'>);

  t.regex(JSON.parse(prepared.request.body).receipt_datetime, /^\d{4}-\d\d-\d\dT/);
  t.is(prepared.request.idempotencyKey, keyOf('sale-2'));
  if (!first.ok || !again.ok) return t.fail('both sends should succeed');
  t.false(first.replayed);
  t.true(again.replayed);
  t.deepEqual(again.data, first.data);
  t.is(sim.ledger.byKey(keyOf('sale-2')).length, 1);
});

test('the same transaction with another body is a final idempotency_key_reused', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  await provider.purchase(turnover('sale-3', { amountCents: 1000 }));

  const outcome = await provider.purchase(turnover('sale-3', { amountCents: 2000 }));

  t.like(outcome, { ok: false, retryable: false, code: 'idempotency_key_reused', status: 422 });
  t.is(sim.ledger.effects().length, 1);
});

test('a resend while the first is still processed is a retryable in_progress', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  const prepared = provider.preparePurchase(turnover('sale-4'));
  if (!prepared.ok) return t.fail(prepared.detail);
  // The first attempt stays "processing" until the simulator closes at the end of the test.
  sim.faults.set({ latencyMs: 60_000 });
  const giveUp = new AbortController();

  const first = provider.send(prepared.request, { signal: giveUp.signal });
  await until(() => sim.pending() === 1);
  const second = await provider.send(prepared.request);
  giveUp.abort();

  t.like(second, { ok: false, retryable: true, code: 'in_progress', status: 409 });
  t.like(await first, { ok: false, retryable: true, code: 'aborted' });
  t.deepEqual(sim.ledger.effects(), []);
});

test('a turnover may carry the scanned code instead of the customer ref', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.purchase(
    turnover('sale-5', { customerRef: undefined, code: appUser.appUrl, amountCents: 500 }),
  );

  t.like(outcome, { ok: true, data: { pointsEarned: 5, pointsBalance: appUser.points + 5 } });
  t.like(sim.ledger.effects(), [{ customer_ref: appUser.ref }]);
});

test('a turnover for an unknown customer is a final customer_not_found', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const outcome = await provider.purchase(turnover('sale-6', { customerRef: 'C-0000' }));

  t.like(outcome, { ok: false, retryable: false, code: 'customer_not_found', status: 404 });
  t.deepEqual(sim.ledger.effects(), []);
});

test('bad turnover arguments are refused before sending, naming the field', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const negative = provider.preparePurchase(turnover('sale-7', { amountCents: -5 }));
  const noCustomer = provider.preparePurchase(turnover('sale-8', { customerRef: undefined }));
  const badTransaction = provider.preparePurchase(turnover('has space'));

  t.like(negative, { ok: false, retryable: false, code: 'invalid' });
  t.regex(negative.ok ? '' : negative.detail, /amountCents/);
  t.regex(noCustomer.ok ? '' : noCustomer.detail, /customerRef or code/);
  t.regex(badTransaction.ok ? '' : badTransaction.detail, /transaction/);
  t.deepEqual(sim.ledger.effects(), []);
});

test('the provider names the field of a malformed body in a final invalid: in the log, not in the failure', async (t) => {
  const sim = await startSimulator(t);
  const lines: string[] = [];
  const provider = providerFor(t, sim, {}, createLogger({ level: 'info', write: (l) => lines.push(l) }));
  const body = JSON.stringify({
    transaction_id: 'sale-9',
    receipt_number: 'R-9',
    receipt_datetime: '2025-01-01T10:00:00Z',
    amount: { gross_cents: 100, currency: 'euro' },
    customer_ref: regular.ref,
  });
  const request: ProviderRequest<'purchase'> = {
    op: 'purchase',
    method: 'POST',
    path: '/api/v1/pos/purchases',
    body,
    idempotencyKey: keyOf('sale-9'),
  };

  const outcome = await provider.send(request);

  t.like(outcome, { ok: false, retryable: false, code: 'invalid', status: 422 });
  // The failure travels to tills and dead letters: the adapter's words only.
  t.regex(outcome.ok ? '' : outcome.detail, /^HTTP 422: the request is malformed/);
  t.notRegex(outcome.ok ? '' : outcome.detail, /currency/);
  const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'provider write failed');
  t.regex(logged?.provider_detail ?? '', /amount\.currency/);
});

test('a stored request that is not a provider request is refused as invalid', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const truncated = { op: 'purchase', method: 'POST' } as unknown as ProviderRequest<'purchase'>;
  const corruptKey: ProviderRequest<'purchase'> = {
    op: 'purchase',
    method: 'POST',
    path: '/api/v1/pos/purchases',
    body: '{}',
    idempotencyKey: 'B01:T07:kassé\n',
  };

  for (const request of [truncated, corruptKey]) {
    t.like(await provider.send(request), { ok: false, retryable: false, code: 'invalid' });
  }
  t.deepEqual(sim.ledger.effects(), []);
});
