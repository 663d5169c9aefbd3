// The ops uplink against a real Mosquitto (DESIGN §8): retained state and health, the box's view of
// a provider outage as ops see it, and a box that keeps serving its till while the broker is away.
import test from 'ava';
import { uplinkEventSchema, uplinkHealthSchema, uplinkStateSchema } from '../../src/mqtt/topics.ts';
import { nextMessages, recorder, startTestGateway } from '../helpers/gateway.ts';
import { loyaltyRig, turnover, tx } from '../loyalty/flows/_setup.ts';
import { box, fleetClient, httpJson, opsBroker, until, uplinkConfig, watch } from './_rig.ts';

const T1 = box('B1', 'T1');

test('a box publishes retained online state and health to the ops broker, and offline on a clean stop', async (t) => {
  t.timeout(60_000);
  const ops = await opsBroker(t, [T1]);
  const live = await watch(t, ops);
  const gw = await startTestGateway({
    config: { till_id: 'T1', branch_id: 'B1', uplink: uplinkConfig(ops) },
    secrets: { uplink: { password: T1.password } },
  });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : gw.stop()));

  const online = await live.rec.until((m) => m.topic === 'edge/B1/T1/state', 10_000);
  // Keepalive 5 s: a heartbeat every 2.5 s, said in the state so a view knows when one is overdue.
  t.deepEqual(uplinkStateSchema.parse(online.payload), { state: 'online', heartbeat_s: 2.5 });
  const health = await live.rec.until((m) => m.topic === 'edge/B1/T1/health', 10_000);
  const h = uplinkHealthSchema.parse(health.payload);
  t.is(h.interval_s, 60);
  t.is(h.cloud.provider, 'helloagain');
  t.is(h.outbox.depth, 0);

  // Someone who comes later (the fleet view started tomorrow) is told by the broker: retained.
  const late = await fleetClient(t, ops);
  const [state, retainedHealth] = await Promise.all([
    nextMessages(late, 'edge/B1/T1/state', 1, 5000),
    nextMessages(late, 'edge/B1/T1/health', 1, 5000),
  ]);
  t.like(state[0], { retain: true, payload: { state: 'online' } });
  t.true(retainedHealth[0]!.retain);
  const [beat] = await nextMessages(late, 'edge/B1/T1/heartbeat', 1, 5000);
  t.false(beat!.retain);

  // Heartbeats: numbered from 0 per connection, and not retained (a late subscriber gets none).
  await until(
    'three heartbeats',
    () => live.rec.messages.filter((m) => m.topic === 'edge/B1/T1/heartbeat').length >= 3 || undefined,
    15_000,
  );
  const hb = live.rec.messages.filter((m) => m.topic === 'edge/B1/T1/heartbeat');
  t.deepEqual(
    hb.slice(0, 3).map((m) => m.payload.seq),
    [0, 1, 2],
  );

  const status = await httpJson(gw.gateway.httpPort, '/api/status');
  t.like(status.ops, { state: 'up', url: ops.url, connects: 1 });

  await gw.stop();
  stopped = true;
  const offline = await live.rec.until(
    (m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'offline',
    5000,
  );
  t.truthy(offline);
  const after = await fleetClient(t, ops);
  const [retained] = await nextMessages(after, 'edge/B1/T1/state', 1, 5000);
  t.like(retained, { retain: true, payload: { state: 'offline' } });
  // A first run with a reachable uplink prints no warning and no error about it.
  const noisy = gw.lines
    .map((l) => JSON.parse(l))
    .filter((l) => l.part === 'uplink' && (l.level === 'warn' || l.level === 'error'));
  t.deepEqual(noisy, []);
});

test('ops health follows a provider outage and its recovery, with provider_down raised then cleared', async (t) => {
  t.timeout(90_000);
  const ops = await opsBroker(t, [T1]);
  const live = await watch(t, ops);
  const { sim, request } = await loyaltyRig(t, {
    provider: { booking_window_ms: 0 },
    uplink: { ...uplinkConfig(ops), password: T1.password },
  });
  const health = (pred: (h: any) => boolean) =>
    live.rec.until((m) => m.topic === 'edge/B1/T1/health' && pred(m.payload), 20_000);
  await health((h) => h.outbox.depth === 0);

  sim.faults.set({ outage: true });
  const answer = await request('loyalty/turnover', turnover(tx('ops')));
  t.is(answer.data.state, 'queued');
  const down = await health((h) => h.cloud.state === 'down' && h.outbox.depth === 1);
  t.is(down.payload.cloud.last_error.code, 'provider_unreachable');
  const raised = await live.rec.until(
    (m) => m.topic === 'edge/B1/T1/events' && m.payload.code === 'provider_down',
    10_000,
  );
  t.like(uplinkEventSchema.parse(raised.payload), { state: 'raised', severity: 'warning' });

  sim.faults.clear();
  const up = await health((h) => h.cloud.state === 'up' && h.outbox.depth === 0);
  t.is(up.payload.outbox.dead, 0);
  await live.rec.until(
    (m) =>
      m.topic === 'edge/B1/T1/events' && m.payload.code === 'provider_down' && m.payload.state === 'cleared',
    10_000,
  );
  const providerEvents = live.rec.messages.filter(
    (m) => m.topic === 'edge/B1/T1/events' && m.payload.code === 'provider_down',
  );
  t.deepEqual(
    providerEvents.map((m) => m.payload.state),
    ['raised', 'cleared'],
  );
});

test('with the ops broker down the till gets its scans and bookings; the uplink comes back by itself', async (t) => {
  t.timeout(90_000);
  const ops = await opsBroker(t, [T1]);
  const live = await watch(t, ops);
  const rig = await loyaltyRig(t, { uplink: { ...uplinkConfig(ops), password: T1.password } });
  const httpPort = rig.gw.gateway.httpPort;
  await live.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 10_000);

  await ops.stop();
  await until('uplink disconnected', async () => {
    const s = await httpJson(httpPort, '/api/status');
    return s.ops.state !== 'up' ? s : undefined;
  });

  // The till is served as if nothing happened.
  const scans = await recorder(rig.till, 'pos/T1/scan');
  const scanAnswer = await rig.request('gateway/test_scan', {
    transaction: tx('scan'),
    text: '4006381333931',
  });
  t.is(scanAnswer.status, 'ok');
  const scan = await scans.until((m) => m.payload.id === scanAnswer.data.scan_id, 5000);
  t.is(scan.payload.kind, 'product');
  const booking = await rig.request('loyalty/turnover', turnover(tx('down')));
  t.like(booking, { status: 'ok', data: { state: 'booked' } });
  // Several reconnect attempts go by while the broker is away.
  await until('retries', () => rig.gw.lines.filter((l) => l.includes('"msg":"uplink retry"')).length >= 2);

  live.rec.messages.length = 0;
  await ops.start();
  // The restarted broker lost its retained messages; the box sends them again on reconnect.
  await live.rec.until((m) => m.topic === 'edge/B1/T1/state' && m.payload.state === 'online', 15_000);
  await live.rec.until((m) => m.topic === 'edge/B1/T1/health', 5000);
  const status = await httpJson(httpPort, '/api/status');
  t.like(status.ops, { state: 'up', connects: 2 });
  // One warning for the outage, not one per attempt.
  const warnings = rig.gw.lines.filter((l) => l.includes('"msg":"uplink disconnected'));
  t.is(warnings.length, 1);
});
