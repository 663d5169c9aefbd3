// Later outcomes (DESIGN §3 `event/loyalty/*`): every event a till receives is on a topic of the
// registry and its payload is exactly that topic's schema (strict: no field more, none missing).
import test from 'ava';
import { matchTopic, TOPICS, type TopicName } from '../../../src/mqtt/topics.ts';
import { type LoyaltyRig, loyaltyRig, SEED, turnover, tx } from './_setup.ts';

const { regular, appUser } = SEED.customers;
const R = SEED.rewards;

/** The registry entry a received topic belongs to, and its payload checked against the schema. */
function checked(topic: string, payload: unknown): { name: TopicName; problems: string[] } {
  const names = (Object.keys(TOPICS) as TopicName[]).filter((n) => matchTopic('pos/T1', n, topic) !== null);
  if (names.length !== 1) return { name: names[0]!, problems: [`${topic} matches ${names.length} topics`] };
  const r = TOPICS[names[0]!].schema.safeParse(payload);
  return { name: names[0]!, problems: r.success ? [] : r.error.issues.map((i) => i.message) };
}

async function outcome(rig: LoyaltyRig, topic: string, transaction: string) {
  const m = await rig.events.until(
    (e) => e.topic === `pos/T1/event/${topic}` && e.payload.transaction === transaction,
    10_000,
  );
  return checked(m.topic, m.payload);
}

test('the registry lists the five loyalty events of DESIGN §3, each box→till and not retained', (t) => {
  const events = Object.values(TOPICS).filter((d) => d.pattern.startsWith('event/'));
  t.deepEqual(events.map((d) => d.pattern).sort(), [
    'event/loyalty/booked',
    'event/loyalty/failed',
    'event/loyalty/redeemed',
    'event/loyalty/reversed',
    'event/loyalty/voided',
  ]);
  for (const d of events) t.like(d, { direction: 'box_to_till', retain: false, qos: 1 });
});

test('booked, reversed and failed events after an outage match their registry schemas', async (t) => {
  const rig = await loyaltyRig(t, { provider: { booking_window_ms: 0 } });
  rig.sim.faults.set({ outage: true });
  const sale = tx('sale');
  const storno = tx('storno');
  const nobody = tx('nobody');
  await rig.request('loyalty/turnover', turnover(sale));
  await rig.request('loyalty/reverse', { transaction: storno, original_transaction: sale });
  await rig.request('loyalty/turnover', turnover(nobody, { customer_ref: 'C-NOBODY' }));
  rig.sim.faults.clear();
  t.deepEqual(await outcome(rig, 'loyalty/booked', sale), { name: 'bookedEvent', problems: [] });
  t.deepEqual(await outcome(rig, 'loyalty/reversed', storno), { name: 'reversedEvent', problems: [] });
  t.deepEqual(await outcome(rig, 'loyalty/failed', nobody), { name: 'failedEvent', problems: [] });
  t.is(rig.events.messages.filter((m) => m.payload.transaction === nobody).length, 1);
});

test('redeemed and voided events of queued requests match their registry schemas', async (t) => {
  const rig = await loyaltyRig(t, { outbox: { redeem_policy: 'queue' } });
  const online = await rig.request('loyalty/redeem', {
    transaction: tx('red'),
    customer_ref: appUser.ref,
    reward_id: R.voucher,
  });
  t.is(online.status, 'ok');
  rig.sim.faults.set({ outage: true });
  const queued = tx('rq');
  const voided = tx('void');
  await rig.request('loyalty/redeem', { transaction: queued, customer_ref: regular.ref, reward_id: R.stamp });
  await rig.request('loyalty/void_redemption', {
    transaction: voided,
    redemption_id: online.data.redemption_id,
  });
  rig.sim.faults.clear();
  t.deepEqual(await outcome(rig, 'loyalty/redeemed', queued), { name: 'redeemedEvent', problems: [] });
  t.deepEqual(await outcome(rig, 'loyalty/voided', voided), { name: 'voidedEvent', problems: [] });
});
