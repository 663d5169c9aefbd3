// The simulator's own controls: faults over HTTP and JS, the ledger, reset, and the CLI entry.
import test from 'ava';
import { createLogger } from '../../../src/log.ts';
import { runSimulatorCli } from '../../../src/loyalty/simulator/main.ts';
import { SEED } from '../../../src/loyalty/simulator/seed.ts';
import { raw, startSimulator } from '../provider/_harness.ts';

const { regular } = SEED.customers;

test('faults set over HTTP are seen by the JS handle and the other way round', async (t) => {
  const sim = await startSimulator(t);

  const initial = await raw(sim, 'GET', '/_sim/faults');
  const set = await raw(sim, 'POST', '/_sim/faults', {
    body: JSON.stringify({ latencyMs: 5, errorRate: 0.25 }),
  });
  sim.faults.set({ resetRate: 0.5 });
  const after = await raw(sim, 'GET', '/_sim/faults');

  t.like(initial.json(), { outage: false, errorRate: 0, latencyMs: 0 });
  t.is(set.status, 200);
  t.like(sim.faults.get(), { latencyMs: 5, errorRate: 0.25 });
  t.like(after.json(), { latencyMs: 5, errorRate: 0.25, resetRate: 0.5 });
});

test('an invalid fault setting is refused, naming it, and changes nothing', async (t) => {
  const sim = await startSimulator(t);

  const res = await raw(sim, 'POST', '/_sim/faults', {
    body: JSON.stringify({ errorRate: 2, latencyMs: 9 }),
  });
  const fromJs = sim.faults.set({ nonsense: true } as never);

  t.is(res.status, 422);
  t.regex(String(res.json().detail), /errorRate/);
  t.like(sim.faults.get(), { errorRate: 0, latencyMs: 0 });
  t.false(fromJs.ok);
});

test('the ledger endpoint lists each applied effect, and reset restores the seed', async (t) => {
  const sim = await startSimulator(t);
  const body = JSON.stringify({
    transaction_id: 'a-1',
    customer_ref: regular.ref,
    reward_id: SEED.rewards.stamp,
  });
  await raw(sim, 'POST', '/api/v1/pos/redemptions', { body, key: 'B:T:a-1' });
  await raw(sim, 'POST', '/api/v1/pos/redemptions', { body, key: 'B:T:a-1' });

  const ledger = await raw(sim, 'GET', '/_sim/ledger');
  const reset = await raw(sim, 'POST', '/_sim/reset');
  const emptied = await raw(sim, 'GET', '/_sim/ledger');
  const lookup = await raw(sim, 'GET', `/api/v1/pos/customers/lookup?code=${regular.card}&entry=manual`);
  const replayAfterReset = await raw(sim, 'POST', '/api/v1/pos/redemptions', { body, key: 'B:T:a-1' });

  t.like(ledger.json(), {
    effects: [
      { kind: 'redemption', idempotency_key: 'B:T:a-1', transaction_id: 'a-1', customer_ref: regular.ref },
    ],
  });
  t.is((ledger.json().effects as unknown[]).length, 1);
  t.is(reset.status, 200);
  t.deepEqual(emptied.json(), { effects: [] });
  const stamp = (lookup.json().rewards as { id: string; remaining: number }[]).find(
    (r) => r.id === SEED.rewards.stamp,
  );
  t.is(stamp?.remaining, 3);
  t.is(replayAfterReset.headers.get('idempotent-replayed'), null);
});

test('runSimulatorCli prints one ready line with its URL, serves until closed, and removes its own SIGTERM/SIGINT handlers on close', async (t) => {
  // Its own handlers, told apart from whatever else this process listens with (the test helpers'
  // cleanup hooks, test/helpers/cleanup.ts): the ones it added, and none of them left after close.
  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  const added = (signal: 'SIGTERM' | 'SIGINT') =>
    process.listeners(signal).filter((l) => !before[signal].includes(l));
  const lines: string[] = [];
  const sim = await runSimulatorCli({
    port: 0,
    host: '127.0.0.1',
    logger: createLogger({ level: 'info', write: (l) => lines.push(l) }),
  });
  t.teardown(() => sim.close());

  const ready = lines
    .map((l) => JSON.parse(l) as { msg: string; url?: string })
    .filter((l) => l.msg === 'ready');
  const res = await raw(sim, 'GET', `/api/v1/pos/customers/lookup?code=${regular.card}&entry=scan`);

  t.is(ready.length, 1);
  t.is(ready[0]?.url, sim.url);
  t.is(res.status, 200);
  t.is(added('SIGTERM').length, 1);
  t.is(added('SIGINT').length, 1);
  await sim.close();
  t.deepEqual(added('SIGTERM'), []);
  t.deepEqual(added('SIGINT'), []);
});
