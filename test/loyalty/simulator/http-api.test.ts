// The simulator's wire as a client sees it (DESIGN §4): headers, exact replayed bytes, error shapes.
import test from 'ava';
import { SEED } from '../../../src/loyalty/simulator/seed.ts';
import { raw, startSimulator } from '../provider/_harness.ts';

const { regular } = SEED.customers;
const purchase = (tx: string, cents = 1500) =>
  JSON.stringify({
    transaction_id: tx,
    receipt_number: `R-${tx}`,
    receipt_datetime: '2025-03-01T12:00:00+01:00',
    amount: { gross_cents: cents, currency: 'EUR' },
    customer_ref: regular.ref,
    redeemed: [],
  });

test('a replay sends the first answer byte for byte with Idempotent-Replayed: true', async (t) => {
  const sim = await startSimulator(t);

  const first = await raw(sim, 'POST', '/api/v1/pos/purchases', { body: purchase('h-1'), key: 'B:T:h-1' });
  const replay = await raw(sim, 'POST', '/api/v1/pos/purchases', { body: purchase('h-1'), key: 'B:T:h-1' });

  t.is(first.status, 201);
  t.is(first.headers.get('idempotent-replayed'), null);
  t.is(replay.status, 201);
  t.is(replay.headers.get('idempotent-replayed'), 'true');
  t.is(replay.text, first.text);
  t.like(first.json(), { points_earned: 15, points_balance: regular.points + 15 });
});

test('errors carry {detail, code}; a bad API key is 401 unauthorized', async (t) => {
  const sim = await startSimulator(t);

  const wrong = await raw(sim, 'GET', `/api/v1/pos/customers/lookup?code=${regular.card}&entry=scan`, {
    apiKey: 'guess',
  });
  const missing = await raw(sim, 'GET', `/api/v1/pos/customers/lookup?code=${regular.card}&entry=scan`, {
    apiKey: null,
  });

  t.is(wrong.status, 401);
  t.like(wrong.json(), { code: 'unauthorized' });
  t.is(typeof wrong.json().detail, 'string');
  t.is(missing.status, 401);
});

test('a write without an Idempotency-Key is refused as invalid', async (t) => {
  const sim = await startSimulator(t);

  const res = await raw(sim, 'POST', '/api/v1/pos/purchases', { body: purchase('h-2') });

  t.is(res.status, 422);
  t.like(res.json(), { code: 'invalid' });
  t.regex(String(res.json().detail), /Idempotency-Key/);
  t.deepEqual(sim.ledger.effects(), []);
});

test('validation names the field and never echoes the value', async (t) => {
  const sim = await startSimulator(t);
  const secretMobile = '+43 abc 123';

  const lookup = await raw(sim, 'GET', `/api/v1/pos/customers/lookup?code=${regular.card}`);
  const activation = await raw(sim, 'POST', '/api/v1/pos/customers/activate', {
    key: 'B:T:h-3',
    body: JSON.stringify({ transaction_id: 'h-3', mobile: secretMobile, email: 'x@example.com' }),
  });
  const notJson = await raw(sim, 'POST', '/api/v1/pos/redemptions', { key: 'B:T:h-4', body: '{oops' });

  t.is(lookup.status, 422);
  t.regex(String(lookup.json().detail), /^entry/);
  t.is(activation.status, 422);
  t.regex(String(activation.json().detail), /^mobile/);
  t.false(activation.text.includes(secretMobile));
  t.like(notJson.json(), { code: 'invalid', detail: 'body: not valid JSON' });
});

test('unknown endpoints are 404 and wrong methods 405', async (t) => {
  const sim = await startSimulator(t);

  const unknown = await raw(sim, 'GET', '/api/v1/pos/nothing');
  const wrongMethod = await raw(sim, 'GET', '/api/v1/pos/purchases');

  t.is(unknown.status, 404);
  t.is(wrongMethod.status, 405);
});

test('a second reverse of the same purchase changes nothing', async (t) => {
  const sim = await startSimulator(t);
  const booked = await raw(sim, 'POST', '/api/v1/pos/purchases', {
    body: purchase('h-5', 2500),
    key: 'B:T:h-5',
  });
  const id = String(booked.json().purchase_id);

  const once = await raw(sim, 'POST', `/api/v1/pos/purchases/${id}/reverse`, {
    key: 'B:T:h-6',
    body: JSON.stringify({ transaction_id: 'h-6' }),
  });
  const twice = await raw(sim, 'POST', `/api/v1/pos/purchases/${id}/reverse`, {
    key: 'B:T:h-7',
    body: JSON.stringify({ transaction_id: 'h-7' }),
  });

  t.like(once.json(), { state: 'reversed', points_balance: regular.points });
  t.like(twice.json(), { state: 'reversed', points_balance: regular.points });
  t.deepEqual(
    sim.ledger.effects().map((e) => e.kind),
    ['purchase', 'reverse'],
  );
});
