// The dispatcher over a real SQLite store (DESIGN §5): lane FIFO, concurrency across lanes,
// dependencies, dead letters. Deliveries are answered by the test one by one, so every ordering
// asserted here is decided by the code under test, never by timing.
import test, { type ExecutionContext } from 'ava';
import { createDispatcher, type DispatcherOptions } from '../../src/outbox/dispatcher.ts';
import type { OutboxErrorInfo, OutboxJob } from '../../src/outbox/types.ts';
import { fakeClock, mustEnqueue, openTemp, recorder, scriptedDeliver, turnover } from './helpers.ts';

interface Events {
  delivered: ReturnType<typeof recorder<{ job: OutboxJob; result: unknown }>>;
  dead: ReturnType<typeof recorder<{ job: OutboxJob; error: OutboxErrorInfo }>>;
  retried: ReturnType<typeof recorder<{ job: OutboxJob; nextAt: number }>>;
}

function setup(t: ExecutionContext, opts: Partial<DispatcherOptions> = {}) {
  // A broken ordering rule shows as a delivery that never starts: fail fast, not at the global timeout.
  t.timeout(15_000);
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  const d = scriptedDeliver();
  const events: Events = { delivered: recorder(), dead: recorder(), retried: recorder() };
  const dispatcher = createDispatcher({
    store,
    deliver: d.deliver,
    concurrency: 4,
    backoff: { baseMs: 100, maxMs: 1000, jitter: 0 },
    circuit: { failureThreshold: 100, openMs: 1000 },
    now: clock.now,
    onDelivered: (job, result) => events.delivered.push({ job, result }),
    onDead: (job, error) => events.dead.push({ job, error }),
    onRetry: (job, _e, nextAt) => events.retried.push({ job, nextAt }),
    ...opts,
  });
  t.teardown(() => dispatcher.stop(0));
  return { clock, store, d, events, dispatcher };
}

const keysOf = (items: { job: OutboxJob }[]) => items.map((i) => i.job.key);

test('a lane delivers in enqueue order while another lane finishes out of order', async (t) => {
  const { store, d, events, dispatcher } = setup(t);
  for (const k of ['a1', 'a2', 'a3']) mustEnqueue(store, turnover(k, 'cust-a'));
  for (const k of ['b1', 'b2']) mustEnqueue(store, turnover(k, 'cust-b'));

  dispatcher.start();
  // Each lane has exactly its head in flight.
  t.deepEqual(d.keys(), ['a1', 'b1']);

  (await d.call(2)).ok(); // b1 answers first
  (await d.call(3)).ok(); // b2 follows b1
  await events.delivered.until((i) => i.length === 2);
  t.deepEqual(d.keys(), ['a1', 'b1', 'b2']);

  (await d.call(1)).ok();
  (await d.call(4)).ok();
  (await d.call(5)).ok();
  await events.delivered.until((i) => i.length === 5);

  const lane = (p: string) => keysOf(events.delivered.items).filter((k) => k.startsWith(p));
  t.deepEqual(lane('a'), ['a1', 'a2', 'a3']);
  t.deepEqual(lane('b'), ['b1', 'b2']);
  t.is(store.depth(), 0);
});

test('lanes drain concurrently with random answer order, never two jobs of a lane at once', async (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  const lanes = ['c1', 'c2', 'c3', 'c4', 'c5'];
  for (let i = 0; i < 6; i++) for (const lane of lanes) mustEnqueue(store, turnover(`${lane}-${i}`, lane));
  const busy = new Set<string>();
  let overlapping = 0;
  let maxInflight = 0;
  const delivered = recorder<string>();
  const dispatcher = createDispatcher({
    store,
    concurrency: 3,
    now: clock.now,
    deliver: async (job) => {
      if (busy.has(job.orderKey)) overlapping++;
      busy.add(job.orderKey);
      maxInflight = Math.max(maxInflight, busy.size);
      // Answer after a random number of turns of the event loop: out of order across lanes.
      for (let n = Math.floor(Math.random() * 5); n > 0; n--) await new Promise((r) => setImmediate(r));
      busy.delete(job.orderKey);
      return { ok: true, result: null };
    },
    onDelivered: (job) => delivered.push(job.key),
  });
  t.teardown(() => dispatcher.stop(0));

  dispatcher.start();
  t.is(dispatcher.state().inflight, 3);
  await delivered.until((k) => k.length === 30);

  t.is(overlapping, 0);
  t.is(maxInflight, 3);
  for (const lane of lanes) {
    t.deepEqual(
      delivered.items.filter((k) => k.startsWith(`${lane}-`)),
      [0, 1, 2, 3, 4, 5].map((i) => `${lane}-${i}`),
    );
  }
});

test('onDelivered fires only after the delivered state is committed', async (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  for (const c of ['c1', 'c2', 'c3']) mustEnqueue(store, turnover(`t-${c}`, c));
  const seen = recorder<string>();
  const dispatcher = createDispatcher({
    store,
    now: clock.now,
    deliver: async () => ({ ok: true, result: { points_earned: 3 } }),
    onDelivered: (job) => seen.push(`${job.key}:${store.get(job.key)?.state}:${job.result}`),
  });
  t.teardown(() => dispatcher.stop(0));

  dispatcher.start();
  await seen.until((i) => i.length === 3);

  t.deepEqual(
    [...seen.items].sort(),
    ['t-c1', 't-c2', 't-c3'].map((k) => `${k}:delivered:{"points_earned":3}`),
  );
});

test('different lanes start together up to the concurrency limit', (t) => {
  const { store, d, dispatcher } = setup(t, { concurrency: 3 });
  for (const c of ['c1', 'c2', 'c3', 'c4', 'c5']) mustEnqueue(store, turnover(`t-${c}`, c));

  dispatcher.start();

  t.deepEqual(d.keys(), ['t-c1', 't-c2', 't-c3']);
  t.like(dispatcher.state(), { inflight: 3, depth: 5, circuit: 'closed' });
});

test('a reverse waits for its turnover even when they are in different lanes', async (t) => {
  const { store, d, events, dispatcher } = setup(t);
  mustEnqueue(store, turnover('earlier', 'code-123'));
  mustEnqueue(store, turnover('sale', 'code-123'));
  mustEnqueue(store, {
    key: 'storno',
    kind: 'reverse',
    orderKey: 'cust-9',
    payload: '{}',
    dependsOn: 'sale',
  });

  dispatcher.start();
  t.deepEqual(d.keys(), ['earlier']);

  (await d.call(1)).ok();
  (await d.call(2)).ok();
  t.is(d.calls[1]?.job.key, 'sale');
  (await d.call(3)).ok();
  await events.delivered.until((i) => i.length === 3);

  t.deepEqual(keysOf(events.delivered.items), ['earlier', 'sale', 'storno']);
});

test('a reverse whose turnover went dead is not sent and goes dead with dependency_failed', async (t) => {
  const { store, d, events, dispatcher } = setup(t);
  mustEnqueue(store, turnover('sale', 'cust-1'));
  mustEnqueue(store, {
    key: 'storno',
    kind: 'reverse',
    orderKey: 'cust-2',
    payload: '{}',
    dependsOn: 'sale',
  });
  mustEnqueue(store, turnover('next-sale', 'cust-2'));

  dispatcher.start();
  (await d.call(1)).fail('invalid', 'receipt_number missing');
  await events.dead.until((i) => i.length === 2);
  (await d.call(2)).ok();
  await events.delivered.until((i) => i.length === 1);

  t.deepEqual(d.keys(), ['sale', 'next-sale']);
  t.like(store.get('storno'), { state: 'dead', lastError: { code: 'dependency_failed' } });
  t.deepEqual(
    events.dead.items.map((e) => [e.job.key, e.error.code]),
    [
      ['sale', 'invalid'],
      ['storno', 'dependency_failed'],
    ],
  );
});

test('retrying the dead turnover revives its reverse, and both are delivered in order', async (t) => {
  const { store, d, events, dispatcher } = setup(t);
  const sale = mustEnqueue(store, turnover('sale', 'cust-1'));
  mustEnqueue(store, {
    key: 'storno',
    kind: 'reverse',
    orderKey: 'cust-2',
    payload: '{}',
    dependsOn: 'sale',
  });
  dispatcher.start();
  (await d.call(1)).fail('customer_not_found', 'unknown card');
  await events.dead.until((i) => i.length === 2);

  const res = store.retryDead(sale.id);
  dispatcher.kick();

  t.like(res, { ok: true, revived: 1 });
  t.deepEqual(d.keys(), ['sale', 'sale']);
  (await d.call(2)).ok();
  (await d.call(3)).ok();
  await events.delivered.until((i) => i.length === 2);
  t.deepEqual(keysOf(events.delivered.items), ['sale', 'storno']);
  t.is(store.deadCount(), 0);
});

test('a final error becomes a dead letter with the provider reason, and frees the lane', async (t) => {
  const { store, d, events, dispatcher } = setup(t);
  mustEnqueue(store, turnover('bad', 'cust-1'));
  mustEnqueue(store, turnover('good', 'cust-1'));

  dispatcher.start();
  (await d.call(1)).fail('invalid', 'amount out of range');
  (await d.call(2)).ok();
  await events.delivered.until((i) => i.length === 1);

  const [dead] = store.listDead();
  t.like(dead, {
    key: 'bad',
    state: 'dead',
    attempts: 1,
    lastError: { code: 'invalid', message: 'amount out of range' },
  });
  t.like(events.dead.items[0], {
    job: { key: 'bad' },
    error: { code: 'invalid', message: 'amount out of range' },
  });
  t.like(dispatcher.state(), { dead: 1, depth: 0 });
});

test('a dead letter retried by a technician is delivered and keeps its result', async (t) => {
  const { store, d, events, dispatcher } = setup(t);
  const job = mustEnqueue(store, turnover('txn-1'));
  dispatcher.start();
  (await d.call(1)).fail('invalid', 'no');
  await events.dead.until((i) => i.length === 1);

  store.retryDead(job.id);
  dispatcher.kick();
  (await d.call(2)).ok({ points_earned: 12 });
  await events.delivered.until((i) => i.length === 1);

  t.like(store.get('txn-1'), { state: 'delivered', result: '{"points_earned":12}' });
  // A duplicate of the transaction gets the stored answer, and nothing is sent again.
  const dup = store.enqueue(turnover('txn-1'));
  t.like(dup, { ok: true, created: false, job: { state: 'delivered', result: '{"points_earned":12}' } });
  dispatcher.kick();
  t.is(d.calls.length, 2);
});

test('awaitOutcome answers delivered inside the window, pending when the window ends', async (t) => {
  const { store, d, dispatcher } = setup(t);
  mustEnqueue(store, turnover('fast', 'cust-1'));
  mustEnqueue(store, turnover('slow', 'cust-2'));
  dispatcher.start();

  const fast = dispatcher.awaitOutcome('fast', 60_000);
  (await d.call(1)).ok({ points_balance: 40 });
  const slow = await dispatcher.awaitOutcome('slow', 1);

  t.like(await fast, { state: 'delivered', result: { points_balance: 40 } });
  t.like(slow, { state: 'pending', job: { key: 'slow' } });
  t.like(await dispatcher.awaitOutcome('fast', 1), { state: 'delivered', result: { points_balance: 40 } });
  t.deepEqual(await dispatcher.awaitOutcome('nope', 1), { state: 'not_found' });
});

test('a deliver function that throws or returns garbage is retried, not lost', async (t) => {
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  mustEnqueue(store, turnover('throws', 'c1'));
  mustEnqueue(store, turnover('garbage', 'c2'));
  const retried = recorder<OutboxJob>();
  const dispatcher = createDispatcher({
    store,
    now: clock.now,
    backoff: { baseMs: 100, maxMs: 1000, jitter: 0 },
    deliver: (job) => {
      if (job.key === 'throws') throw new Error('bug in mapping');
      return Promise.resolve({ nonsense: true } as never);
    },
    onRetry: (job) => retried.push(job),
  });
  t.teardown(() => dispatcher.stop(0));

  dispatcher.start();
  await retried.until((i) => i.length === 2);

  t.like(store.get('throws'), { state: 'pending', lastError: { code: 'delivery_exception' } });
  t.like(store.get('garbage'), { state: 'pending', lastError: { code: 'invalid_outcome' } });
  t.is(store.depth(), 2);
});

test('stop waits for a delivery in flight and records its outcome', async (t) => {
  const { store, d, dispatcher } = setup(t);
  mustEnqueue(store, turnover('txn-1'));
  dispatcher.start();
  const call = await d.call(1);

  const stopping = dispatcher.stop(60_000);
  call.ok();

  t.deepEqual(await stopping, { settled: true, abandoned: 0 });
  t.is(store.get('txn-1')?.state, 'delivered');
});

test('stop gives up after its timeout and leaves the job for the next start', async (t) => {
  const { store, d, dispatcher } = setup(t);
  mustEnqueue(store, turnover('txn-1'));
  dispatcher.start();
  await d.call(1);

  t.deepEqual(await dispatcher.stop(1), { settled: false, abandoned: 1 });
  t.is(store.get('txn-1')?.state, 'inflight');
  dispatcher.kick(); // stopped: no new sends
  t.is(d.calls.length, 1);
});

test('garbage dispatcher options are refused at creation with invalid_options', (t) => {
  const { store } = openTemp(t);
  const err = t.throws(() =>
    createDispatcher({ store, deliver: async () => ({ ok: true, result: 1 }), concurrency: 0 }),
  );
  t.is((err as { code?: string }).code, 'invalid_options');
});

test('alive: idle with its timer armed, busy with a delivery in flight, not after stop', async (t) => {
  const { store, d, dispatcher } = setup(t);
  t.false(dispatcher.alive(), 'not started');
  dispatcher.start();
  t.true(dispatcher.alive(), 'idle: the idle poll timer is armed');
  mustEnqueue(store, turnover('k1'));
  dispatcher.kick();
  t.deepEqual(d.keys(), ['k1']);
  t.true(dispatcher.alive(), 'a delivery in flight');
  (await d.call(1)).ok();
  await dispatcher.stop(1000);
  t.false(dispatcher.alive());
});

test('alive is false when a pump fails before re-arming (the dispatcher would sit still until kicked)', (t) => {
  const { store, dispatcher } = setup(t);
  // A store answering garbage: the pump throws outside its guarded store calls and never re-arms.
  const claimReady = store.claimReady.bind(store);
  let broken = true;
  store.claimReady = (at, n) => (broken ? ({ claimed: null } as never) : claimReady(at, n));
  t.throws(() => dispatcher.start(), { instanceOf: TypeError });
  t.false(dispatcher.alive());
  broken = false;
  dispatcher.kick();
  t.true(dispatcher.alive(), 'a kick re-arms it');
});
