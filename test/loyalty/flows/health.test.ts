import test from 'ava';
import { loyaltyRig, turnover, tx } from './_setup.ts';

test('gateway/health shows the cloud link and the outbox depth, oldest age and dead letters', async (t) => {
  const { request, sim, till } = await loyaltyRig(t, { provider: { booking_window_ms: 0 } });
  const { recorder } = await import('../../helpers/gateway.ts');
  const health = await recorder(till, 'pos/T1/gateway/health');
  const first = await health.until((m) => m.payload.outbox !== undefined);
  t.like(first.payload, { outbox: { depth: 0, dead: 0 }, cloud: { provider: 'helloagain' } });
  t.true(Array.isArray(first.payload.devices));
  t.is(typeof first.payload.system.mem_used_pct, 'number');

  sim.faults.set({ outage: true });
  const queuedAt = Date.now();
  await request('loyalty/turnover', turnover(tx('h')));
  await request('loyalty/turnover', turnover(tx('h')));
  const down = await health.until(
    (m) => m.payload.outbox.depth === 2 && m.payload.cloud.state === 'down',
    10_000,
  );
  // Whole seconds since the oldest was queued (not ms, not an epoch): at most the time since then.
  const age = down.payload.outbox.oldest_age_s;
  t.true(Number.isInteger(age) && age >= 0 && age <= Math.ceil((Date.now() - queuedAt) / 1000), `${age}`);
  t.is(down.payload.cloud.last_error.code, 'provider_unreachable');

  sim.faults.clear();
  const up = await health.until(
    (m) => m.payload.outbox.depth === 0 && m.payload.cloud.state === 'up',
    10_000,
  );
  t.is(up.payload.outbox.dead, 0);
});
