// DESIGN §4 retry classes, with the simulator's faults switched on at run time.
import test from 'ava';
import { createSimulator } from '../../../src/loyalty/simulator/index.ts';
import { SEED } from '../../../src/loyalty/simulator/seed.ts';
import { keyOf, providerFor, raw, startSimulator, turnover } from './_harness.ts';

const { regular } = SEED.customers;

test('429 is retryable and its Retry-After seconds become retryAfterMs', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  sim.faults.set({ rateLimitRate: 1, retryAfterS: 7 });

  const outcome = await provider.purchase(turnover('rl-1'));

  t.like(outcome, { ok: false, retryable: true, code: 'rate_limited', status: 429, retryAfterMs: 7000 });
  t.deepEqual(sim.ledger.effects(), []);
});

test('a Retry-After HTTP date becomes the delay until that date', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  sim.faults.set({ rateLimitRate: 1, retryAfterS: 120, retryAfterFormat: 'http-date' });

  const outcome = await provider.lookup(regular.card, 'scan');

  if (outcome.ok) return t.fail('expected 429');
  t.true(outcome.retryable);
  // An HTTP date has whole seconds, so the delay is a little under 120 s.
  t.true(
    outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 100_000 && outcome.retryAfterMs <= 120_000,
  );
});

test('a 5xx is a retryable provider_error with no effect', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  sim.faults.set({ errorRate: 1, errorStatus: 502 });

  const outcome = await provider.purchase(turnover('err-1'));

  t.like(outcome, { ok: false, retryable: true, code: 'provider_error', status: 502 });
  t.deepEqual(sim.ledger.effects(), []);
});

test('a 408 Request Timeout is a retryable provider_timeout with no effect, and the retry books once', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  const prepared = provider.preparePurchase(turnover('rt-408'));
  if (!prepared.ok) return t.fail(prepared.detail);
  sim.faults.set({ rejectRate: 1, rejectStatus: 408 });

  const timedOut = await provider.send(prepared.request);
  t.like(timedOut, { ok: false, retryable: true, code: 'provider_timeout', status: 408 });
  t.deepEqual(sim.ledger.effects(), []);

  sim.faults.clear();
  const retried = await provider.send(prepared.request);
  t.like(retried, { ok: true, status: 201, replayed: false });
  t.is(sim.ledger.byKey(keyOf('rt-408')).length, 1);
});

test('a reset connection is a retryable network error and the retry books once', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  const prepared = provider.preparePurchase(turnover('reset-1'));
  if (!prepared.ok) return t.fail(prepared.detail);
  sim.faults.set({ resetRate: 1 });

  const lost = await provider.send(prepared.request);
  sim.faults.clear();
  const retried = await provider.send(prepared.request);

  t.like(lost, { ok: false, retryable: true, code: 'provider_unreachable' });
  t.like(retried, { ok: true, status: 201, replayed: false });
  t.is(sim.ledger.byKey(keyOf('reset-1')).length, 1);
});

test('a committed turnover whose answer was lost is replayed on retry and booked once', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  const prepared = provider.preparePurchase(turnover('lost-1', { amountCents: 4200 }));
  if (!prepared.ok) return t.fail(prepared.detail);
  sim.faults.set({ lostResponseRate: 1 });

  const lost = await provider.send(prepared.request);
  sim.faults.clear();
  const retried = await provider.send(prepared.request);

  t.like(lost, { ok: false, retryable: true, code: 'provider_unreachable' });
  t.like(retried, {
    ok: true,
    status: 201,
    replayed: true,
    data: { pointsEarned: 42, pointsBalance: regular.points + 42 },
  });
  t.is(sim.ledger.byKey(keyOf('lost-1')).length, 1);
  const after = await provider.lookup(regular.card, 'scan');
  t.like(after, { ok: true, data: { customer: { points: regular.points + 42 } } });
});

test('a full outage is a retryable provider_unreachable while the admin endpoints still answer', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);

  const set = await raw(sim, 'POST', '/_sim/faults', { body: JSON.stringify({ outage: true }) });
  const during = await provider.purchase(turnover('out-1'));
  await raw(sim, 'POST', '/_sim/faults', { body: JSON.stringify({ outage: false }) });
  const after = await provider.purchase(turnover('out-1'));

  t.is(set.status, 200);
  t.like(during, { ok: false, retryable: true, code: 'provider_unreachable' });
  t.like(after, { ok: true, status: 201 });
  t.is(sim.ledger.effects().length, 1);
});

test('a provider that does not listen at all is a retryable provider_unreachable', async (t) => {
  const gone = await createSimulator({ port: 0 });
  await gone.close();
  const provider = providerFor(t, gone);

  const outcome = await provider.lookup(regular.card, 'scan');

  t.like(outcome, { ok: false, retryable: true, code: 'provider_unreachable' });
});

test('a provider that does not answer in time is a retryable provider_timeout', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  // Far longer than the timeout: the answer cannot win, however loaded the machine is.
  sim.faults.set({ latencyMs: 60_000 });

  const outcome = await provider.purchase(turnover('slow-1'), { timeoutMs: 100 });

  t.like(outcome, { ok: false, retryable: true, code: 'provider_timeout' });
  t.deepEqual(sim.ledger.effects(), []);
});

test('a caller that gives up gets a retryable aborted', async (t) => {
  const sim = await startSimulator(t);
  const provider = providerFor(t, sim);
  sim.faults.set({ latencyMs: 400 });
  const controller = new AbortController();

  const pending = provider.lookup(regular.card, 'scan', { signal: controller.signal });
  controller.abort();

  t.like(await pending, { ok: false, retryable: true, code: 'aborted' });
});

test('the same seed gives the same fault sequence', async (t) => {
  const run = async (seed: number) => {
    const sim = await startSimulator(t, { seed });
    sim.faults.set({ errorRate: 0.5 });
    const provider = providerFor(t, sim);
    const codes: string[] = [];
    for (let i = 0; i < 16; i++) {
      const o = await provider.lookup(regular.card, 'scan');
      codes.push(o.ok ? 'ok' : o.code);
    }
    return codes;
  };

  const a = await run(42);
  const b = await run(42);
  const c = await run(7);

  t.deepEqual(a, b);
  t.true(a.includes('ok') && a.includes('provider_error'));
  t.notDeepEqual(a, c);
});
