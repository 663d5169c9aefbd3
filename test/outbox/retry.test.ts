// Retry scheduling and the circuit breaker (DESIGN §4, §5), asserted on the recorded schedule with
// an injected clock: the dispatcher is woken with kick() after the clock moves, never by waiting.
import test, { type ExecutionContext } from 'ava';
import { retryDelayMs } from '../../src/outbox/backoff.ts';
import { createDispatcher, type DispatcherOptions } from '../../src/outbox/dispatcher.ts';
import type { OutboxJob } from '../../src/outbox/types.ts';
import { fakeClock, mustEnqueue, openTemp, recorder, scriptedDeliver, turnover } from './helpers.ts';

function setup(t: ExecutionContext, opts: Partial<DispatcherOptions> = {}) {
  // A broken rule shows as a wait that never ends: fail it fast instead of at ava's global timeout.
  t.timeout(15_000);
  const clock = fakeClock();
  const { store } = openTemp(t, { now: clock.now });
  const d = scriptedDeliver();
  const retried = recorder<{ job: OutboxJob; nextAt: number }>();
  const delivered = recorder<string>();
  const dispatcher = createDispatcher({
    store,
    deliver: d.deliver,
    concurrency: 4,
    backoff: { baseMs: 100, maxMs: 1000, jitter: 0 },
    circuit: { failureThreshold: 100, openMs: 1000 },
    now: clock.now,
    onRetry: (job, _e, nextAt) => retried.push({ job, nextAt }),
    onDelivered: (job) => delivered.push(job.key),
    ...opts,
  });
  t.teardown(() => dispatcher.stop(0));
  return { clock, store, d, retried, delivered, dispatcher };
}

test('retry delays double from the base and stop growing at the cap', async (t) => {
  const { clock, store, d, retried, dispatcher } = setup(t);
  mustEnqueue(store, turnover('txn-1'));
  dispatcher.start();

  const delays: number[] = [];
  for (let n = 1; n <= 6; n++) {
    (await d.call(n)).retry('timeout');
    await retried.until((i) => i.length === n);
    const nextAt = retried.items[n - 1]!.nextAt;
    delays.push(nextAt - clock.now());
    clock.set(nextAt);
    dispatcher.kick();
  }

  t.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  t.like(store.get('txn-1'), { attempts: 7, state: 'inflight', lastError: { code: 'timeout' } });
});

test('a retry is not sent before it is due', async (t) => {
  const { clock, store, d, retried, dispatcher } = setup(t);
  mustEnqueue(store, turnover('txn-1'));
  dispatcher.start();
  (await d.call(1)).retry();
  await retried.until((i) => i.length === 1);

  clock.advance(99);
  dispatcher.kick();
  t.is(d.calls.length, 1);

  clock.advance(1);
  dispatcher.kick();
  t.is(d.calls.length, 2);
});

test('full jitter spreads the delay below the exponential cap', (t) => {
  const policy = { baseMs: 100, maxMs: 1000, jitter: 1 };
  t.is(
    retryDelayMs(3, policy, () => 0),
    400,
  );
  t.is(
    retryDelayMs(3, policy, () => 0.75),
    100,
  );
  t.is(
    retryDelayMs(3, policy, () => 0.999999),
    0,
  );
  t.is(
    retryDelayMs(50, policy, () => 0.5),
    500,
  );
  t.is(
    retryDelayMs(Number.NaN, { ...policy, jitter: 0 }, () => 0.5),
    100,
  );
});

test('Retry-After is honoured: never earlier, even beyond the backoff cap', async (t) => {
  const { clock, store, d, retried, dispatcher } = setup(t);
  mustEnqueue(store, turnover('txn-1'));
  dispatcher.start();

  (await d.call(1)).retry('rate_limited', 5000);
  await retried.until((i) => i.length === 1);
  t.is(retried.items[0]!.nextAt - clock.now(), 5000);

  clock.advance(4999);
  dispatcher.kick();
  t.is(d.calls.length, 1);
  clock.advance(1);
  dispatcher.kick();
  t.is(d.calls.length, 2);

  // A Retry-After shorter than the backoff does not make the retry earlier either.
  (await d.call(2)).retry('rate_limited', 10);
  await retried.until((i) => i.length === 2);
  t.is(retried.items[1]!.nextAt - clock.now(), 200);
});

test('the circuit opens after consecutive failures, probes once half-open, and closes on success', async (t) => {
  const { clock, store, d, delivered, dispatcher } = setup(t, {
    circuit: { failureThreshold: 3, openMs: 1000 },
    backoff: { baseMs: 10, maxMs: 10, jitter: 0 },
  });
  for (const c of ['c1', 'c2', 'c3', 'c4']) mustEnqueue(store, turnover(`t-${c}`, c));
  dispatcher.start();
  t.is(d.calls.length, 4);

  // Given three consecutive retryable failures, the circuit opens.
  for (let n = 1; n <= 3; n++) (await d.call(n)).retry('http_503');
  await waitFor(() => dispatcher.state().circuit === 'open');
  (await d.call(4)).retry('http_503');
  await waitFor(() => store.get('t-c4')?.state === 'pending');

  // While open, nothing is sent although every job is due.
  clock.advance(500);
  dispatcher.kick();
  t.is(d.calls.length, 4);
  t.is(dispatcher.state().circuit, 'open');

  // Half-open lets exactly one probe through; its failure opens the circuit again.
  clock.advance(500);
  t.is(dispatcher.state().circuit, 'half_open');
  dispatcher.kick();
  t.is(d.calls.length, 5);
  (await d.call(5)).retry('http_503');
  await waitFor(() => dispatcher.state().circuit === 'open');
  clock.advance(999);
  dispatcher.kick();
  t.is(d.calls.length, 5);

  // The next probe succeeds: closed, and the rest drains.
  clock.advance(1);
  dispatcher.kick();
  t.is(d.calls.length, 6);
  d.calls[5]!.ok();
  for (let n = 7; n <= 9; n++) (await d.call(n)).ok();
  await delivered.until((k) => k.length === 4);
  t.is(dispatcher.state().circuit, 'closed');
  t.is(store.depth(), 0);
});

test('a final error counts as an answer and resets the failure streak', async (t) => {
  const { store, d, dispatcher } = setup(t, {
    circuit: { failureThreshold: 2, openMs: 1000 },
    concurrency: 1,
  });
  for (const c of ['c1', 'c2', 'c3']) mustEnqueue(store, turnover(`t-${c}`, c));
  dispatcher.start();

  (await d.call(1)).retry('http_503');
  (await d.call(2)).fail('invalid', 'bad receipt');
  (await d.call(3)).retry('http_503');
  await waitFor(() => store.get('t-c3')?.state === 'pending');

  t.is(dispatcher.state().circuit, 'closed');
});

/** Settling runs on promise callbacks: let them run (no clock involved) until the condition holds. */
async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}
