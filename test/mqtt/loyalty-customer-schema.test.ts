// `loyalty/customer` has a strict schema in the topic registry (types come from it); what the
// gateway really publishes after a loyalty scan is checked against it, success and error alike.
import test from 'ava';
import { SEED } from '../../src/loyalty/simulator/seed.ts';
import { TOPICS } from '../../src/mqtt/topics.ts';
import { connect, recorder, startTestGateway } from '../helpers/gateway.ts';

const schema = TOPICS.loyaltyCustomer.schema;

test('what the gateway publishes on loyalty/customer after scans matches the registry schema exactly', async (t) => {
  t.timeout(60_000);
  // Demo mode: the built-in simulator answers the lookups.
  const gw = await startTestGateway();
  t.teardown(() => gw.stop());
  const till = await connect(gw.url);
  t.teardown(() => till.endAsync());
  const published = await recorder(till, 'pos/demo-till/loyalty/customer');
  const scans = await recorder(till, 'pos/demo-till/scan');
  const codes = [
    SEED.customers.regular.appUrl, // rewards in most states
    SEED.customers.appUser.expiredToken, // an error: the code has expired
    SEED.customers.cardOnly.card, // no points, plain card
  ];
  for (const [i, text] of codes.entries()) {
    await till.publishAsync(
      'pos/demo-till/request/gateway/test_scan',
      JSON.stringify({ transaction: `t-${i}`, text }),
    );
  }
  await published.waitFor(codes.length, 20_000);
  t.is(published.messages.length, codes.length);
  for (const m of published.messages) {
    const parsed = schema.safeParse(m.payload);
    t.true(parsed.success, `${JSON.stringify(m.payload)}: ${JSON.stringify(parsed.error?.issues)}`);
  }
  const byScan = new Map(published.messages.map((m) => [m.payload.scan_id, m.payload]));
  const [regular, expired] = scans.messages.slice(0, 2).map((s) => byScan.get(s.payload.id));
  t.is(regular.status, 'ok');
  const states = new Set(regular.rewards.map((r: { state: string }) => r.state));
  for (const state of ['available', 'exhausted', 'expired', 'not_activated'])
    t.true(states.has(state), state);
  t.like(expired, { status: 'error', rewards: [], error: { code: 'expired' } });
});

test('the registry refuses a loose loyalty/customer payload', (t) => {
  const ok = {
    scan_id: 's-1',
    status: 'ok',
    customer: { ref: 'C-1', masked_ref: '****0001', points: 3 },
    rewards: [],
  };
  t.true(schema.safeParse(ok).success);
  for (const loose of [
    { ...ok, email: 'jane@example.com' },
    { ...ok, customer: { ...ok.customer, name: 'Jane' } },
    { scan_id: 's-1', status: 'ok', rewards: [] },
    { scan_id: 's-1', status: 'error', rewards: [], error: { code: 'made_up', message: 'x' } },
    { scan_id: 's-1', status: 'maybe', rewards: [] },
  ]) {
    t.false(schema.safeParse(loose).success, JSON.stringify(loose));
  }
});
