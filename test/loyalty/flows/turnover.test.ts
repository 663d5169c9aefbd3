import test from 'ava';
import { waitUntil } from '../../helpers/gateway.ts';
import { loyaltyRig, SEED, turnover, tx } from './_setup.ts';

test('a turnover the provider confirms in time is booked with points', async (t) => {
  const { request, sim } = await loyaltyRig(t);
  const id = tx('sale');
  const res = await request('loyalty/turnover', turnover(id));
  t.deepEqual(res, {
    transaction: id,
    status: 'ok',
    data: { state: 'booked', points_earned: 12, points_balance: SEED.customers.regular.points + 12 },
  });
  t.is(sim.ledger.effects().filter((e) => e.transaction_id === id).length, 1);
});

test('the same transaction sent twice gets the same answer and books once, also after a restart', async (t) => {
  const rig = await loyaltyRig(t);
  const { request, sim } = rig;
  const id = tx('dup');
  const first = await request('loyalty/turnover', turnover(id));
  t.is(first.data.state, 'booked');
  const second = await request('loyalty/turnover', turnover(id));
  t.deepEqual(second, first);
  // After a restart on the same data dir the request cache is gone: the outbox answers from what it
  // stored, and the provider is not asked again (it is down now: asking it could not give `booked`).
  const rebooted = await rig.restart();
  t.is(rebooted.gw.dataDir, rig.gw.dataDir);
  sim.faults.set({ outage: true });
  const third = await rebooted.request('loyalty/turnover', turnover(id));
  t.deepEqual(third, first);
  t.is(sim.ledger.effects().filter((e) => e.transaction_id === id).length, 1);
  const other = await rebooted.request('loyalty/turnover', turnover(id, { amount_cents: 999 }));
  t.is(other.error.code, 'transaction_reused');
  t.is(sim.ledger.effects().length, 1);
});

test('during an outage turnovers are queued durably, then booked events follow recovery', async (t) => {
  const { request, sim, events, gw } = await loyaltyRig(t);
  sim.faults.set({ outage: true });
  const ids = [tx('off'), tx('off'), tx('off')];
  for (const id of ids) {
    const res = await request('loyalty/turnover', turnover(id, { customer_ref: SEED.customers.appUser.ref }));
    t.deepEqual(res.data, { state: 'queued' });
  }
  t.is(gw.gateway.loyalty.store.depth(), 3);
  // Durably: each commit of the gateway's outbox connection is fsynced through the WAL.
  t.deepEqual(gw.gateway.loyalty.store.durability(), { journalMode: 'wal', synchronous: 'full' });
  t.is(sim.ledger.effects().length, 0);
  sim.faults.clear();
  for (const id of ids) {
    const ev = await events.until(
      (m) => m.topic === 'pos/T1/event/loyalty/booked' && m.payload.transaction === id,
      10_000,
    );
    t.is(typeof ev.payload.points_earned, 'number');
    t.is(typeof ev.payload.points_balance, 'number');
  }
  // Per-customer FIFO: the provider saw them in the order the till sent them.
  t.deepEqual(
    sim.ledger.effects().map((e) => e.transaction_id),
    ids,
  );
  t.is(gw.gateway.loyalty.store.depth(), 0);
});

test('a committed booking whose response was lost is not booked twice', async (t) => {
  const { request, sim, events } = await loyaltyRig(t);
  sim.faults.set({ lostResponseRate: 1 });
  const id = tx('lost');
  const res = await request('loyalty/turnover', turnover(id));
  t.deepEqual(res.data, { state: 'queued' });
  sim.faults.clear();
  await events.until(
    (m) => m.topic === 'pos/T1/event/loyalty/booked' && m.payload.transaction === id,
    10_000,
  );
  t.is(sim.ledger.effects().filter((e) => e.transaction_id === id).length, 1);
});

test('a reverse waits for the booking it cancels', async (t) => {
  const { request, sim, events } = await loyaltyRig(t);
  sim.faults.set({ outage: true });
  const sale = tx('sale');
  const storno = tx('storno');
  t.deepEqual((await request('loyalty/turnover', turnover(sale))).data, { state: 'queued' });
  t.deepEqual((await request('loyalty/reverse', { transaction: storno, original_transaction: sale })).data, {
    state: 'queued',
  });
  sim.faults.clear();
  await events.until(
    (m) => m.topic === 'pos/T1/event/loyalty/reversed' && m.payload.transaction === storno,
    10_000,
  );
  const kinds = sim.ledger.effects().map((e) => `${e.kind}:${e.transaction_id}`);
  t.deepEqual(kinds, [`purchase:${sale}`, `reverse:${storno}`]);
});

// The Idempotency-Key rule for a reverse's original transaction moved from the provider's check to
// the till op (src/mqtt/ops.ts): the till hears it as a schema error naming the field, with its
// transaction, and nothing is stored or sent. Lengths are told as before the rule moved.
test('a reverse whose original transaction cannot be an Idempotency-Key part is refused by the till op', async (t) => {
  const { request, sim, gw } = await loyaltyRig(t);
  const refusals: [unknown, RegExp][] = [
    [
      'has space',
      /original_transaction: got a string, expected printable ASCII without spaces, 1-128 characters/,
    ],
    ['ünïcode', /original_transaction: got a string, expected printable ASCII without spaces/],
    ['', /original_transaction: got a string: Too small: expected string to have >=1 characters$/],
    [
      'x'.repeat(129),
      /original_transaction: got a string: Too big: expected string to have <=128 characters$/,
    ],
  ];
  for (const [original, message] of refusals) {
    const storno = tx('storno');
    const res = await request('loyalty/reverse', { transaction: storno, original_transaction: original });
    t.like(res, { transaction: storno, status: 'error', data: null, error: { code: 'invalid_request' } });
    t.is(res.error.details.reason, 'schema');
    t.deepEqual(Object.keys(res.error.details.fields), ['original_transaction']);
    t.regex(res.error.message, message);
  }
  t.is(gw.gateway.loyalty.store.stats().pending, 0);
  t.is(sim.ledger.effects().length, 0);
});

test('a turnover may carry the scanned code instead of a customer ref', async (t) => {
  const { request } = await loyaltyRig(t);
  const id = tx('code');
  const res = await request(
    'loyalty/turnover',
    turnover(id, { customer_ref: undefined, code: SEED.customers.appUser.appUrl }),
  );
  t.is(res.data.state, 'booked');
});

test('a final provider error goes to dead letters with its reason and a failed event', async (t) => {
  const { request, sim, events, gw } = await loyaltyRig(t, { provider: { booking_window_ms: 0 } });
  const id = tx('unknown');
  sim.faults.set({ outage: true });
  const res = await request('loyalty/turnover', turnover(id, { customer_ref: 'C-NOBODY' }));
  t.deepEqual(res.data, { state: 'queued' });
  sim.faults.clear();
  const ev = await events.until(
    (m) => m.topic === 'pos/T1/event/loyalty/failed' && m.payload.transaction === id,
    10_000,
  );
  t.is(ev.payload.error.code, 'customer_not_found');
  const dead = gw.gateway.loyalty.store.listDead();
  t.is(dead.length, 1);
  t.is(dead[0]!.lastError?.code, 'customer_not_found');
});

test('a provider answering 408 Request Timeout is retried until it books, never a dead letter', async (t) => {
  const { request, sim, events, gw } = await loyaltyRig(t);
  sim.faults.set({ rejectRate: 1, rejectStatus: 408 });
  const id = tx('408');
  t.deepEqual((await request('loyalty/turnover', turnover(id))).data, { state: 'queued' });
  // Retried while the provider keeps answering 408: still pending, nothing booked, nothing dead.
  await waitUntil(() => (gw.gateway.loyalty.store.get(id)?.attempts ?? 0) >= 3, 'three attempts');
  t.true(['pending', 'inflight'].includes(gw.gateway.loyalty.store.get(id)!.state));
  t.is(gw.gateway.loyalty.store.deadCount(), 0);
  t.deepEqual(sim.ledger.effects(), []);
  sim.faults.clear();
  await events.until(
    (m) => m.topic === 'pos/T1/event/loyalty/booked' && m.payload.transaction === id,
    10_000,
  );
  t.is(sim.ledger.effects().filter((e) => e.transaction_id === id).length, 1);
  t.is(gw.gateway.loyalty.store.deadCount(), 0);
});

test('a full outbox refuses with buffer_full and loses nothing already stored', async (t) => {
  const { request, sim, gw, events } = await loyaltyRig(t, { outbox: { max_depth: 2 } });
  sim.faults.set({ outage: true });
  const [a, b, c] = [tx('a'), tx('b'), tx('c')];
  t.is((await request('loyalty/turnover', turnover(a))).data.state, 'queued');
  t.is((await request('loyalty/turnover', turnover(b))).data.state, 'queued');
  const full = await request('loyalty/turnover', turnover(c));
  t.is(full.status, 'error');
  t.is(full.error.code, 'buffer_full');
  t.is(gw.gateway.loyalty.store.depth(), 2);
  // When the provider is back, both stored turnovers are delivered, in order; the refused one never.
  sim.faults.clear();
  for (const id of [a, b]) {
    await events.until(
      (m) => m.topic === 'pos/T1/event/loyalty/booked' && m.payload.transaction === id,
      10_000,
    );
  }
  t.deepEqual(
    sim.ledger.effects().map((e) => e.transaction_id),
    [a, b],
  );
  t.is(gw.gateway.loyalty.store.depth(), 0);
  t.is(gw.gateway.loyalty.store.get(c), undefined);
  // And the refusal was not the transaction's answer: with room again it is accepted.
  t.is((await request('loyalty/turnover', turnover(c))).data.state, 'booked');
});

test('bad turnovers get one clear error each and store nothing', async (t) => {
  const { request, gw } = await loyaltyRig(t);
  const cases: [Record<string, unknown>, RegExp][] = [
    [turnover(tx(), { amount_cents: -5 }), /amount_cents/],
    [turnover(tx(), { amount_cents: 10.5 }), /amount_cents/],
    [turnover(tx(), { currency: 'EURO' }), /currency/],
    [turnover(tx(), { currency: 'XYZ' }), /currency/],
    [turnover(tx(), { receipt_number: '' }), /receipt_number/],
    [turnover(tx(), { customer_ref: undefined }), /customer_ref or code/],
    [turnover(tx(), { receipt_datetime: 'yesterday' }), /receipt_datetime/],
    // A payment card typed as a loyalty code is refused before it can be stored.
    [turnover(tx(), { customer_ref: undefined, code: '4111111111111111' }), /payment card/],
  ];
  for (const [body, message] of cases) {
    const res = await request('loyalty/turnover', body);
    t.is(res.status, 'error');
    t.is(res.error.code, 'invalid_request');
    t.regex(res.error.message, message);
  }
  t.is(gw.gateway.loyalty.store.stats().depth + gw.gateway.loyalty.store.stats().delivered, 0);
});

// Lengths count code points everywhere (zod's rule): the till schema, the provider's and the outbox's
// job schema (src/outbox/job-check.ts). The outbox's hand-written check counted UTF-16 units, so a
// customer ref of 101-128 characters outside the BMP passed the router and failed the enqueue with
// internal_error.
test('a turnover whose customer ref is 128 characters outside the BMP is queued, not refused', async (t) => {
  const { request, sim, gw } = await loyaltyRig(t);
  sim.faults.set({ outage: true });
  const id = tx('astral');
  const customer = '😀'.repeat(128);
  const res = await request('loyalty/turnover', turnover(id, { customer_ref: customer }));
  t.deepEqual(res, { transaction: id, status: 'ok', data: { state: 'queued' } });
  t.is(gw.gateway.loyalty.store.get(id)?.orderKey, customer);
});

test('with the provider down the till hears queued at once, not after the booking window', async (t) => {
  // A 30 s window: were the answer to wait for it, the 15 s test timeout would fail this test.
  const { request, sim } = await loyaltyRig(t, { provider: { booking_window_ms: 30_000 } });
  t.timeout(15_000);
  sim.faults.set({ outage: true });
  // The first attempt fails at once (connection refused): the waiting till is answered queued.
  t.deepEqual((await request('loyalty/turnover', turnover(tx('o1')))).data, { state: 'queued' });
  // Later ones while the circuit is open do not even wait for an attempt.
  for (let i = 0; i < 4; i++) {
    t.deepEqual((await request('loyalty/turnover', turnover(tx('o2')))).data, { state: 'queued' });
  }
});
