// `/metrics` (DESIGN §8) as Prometheus reads it: parsed by a text-format parser, every metric
// present, and each one moving when its cause happens — a scan on a real pty, till requests, a
// provider outage and a final rejection, a device unplugged, the ops broker going away.
import test from 'ava';
import parse, { type Family, type Sample } from 'parse-prometheus-text-format';
import { startPtyPair } from '../helpers/pty.ts';
import { loyaltyRig, turnover, tx } from '../loyalty/flows/_setup.ts';
import { box, opsBroker, until, uplinkConfig } from '../uplink/_rig.ts';

type Scrape = Map<string, Family>;

async function scrape(port: number): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/plain; version=0.0.4')) {
    throw new Error(`content type ${res.headers.get('content-type')}`);
  }
  return new Map(parse(await res.text()).map((f) => [f.name, f]));
}

const matches = (s: Sample, labels: Record<string, string>) =>
  Object.entries(labels).every(([k, v]) => s.labels?.[k] === v);

/** A counter's or gauge's value for these labels (0 when the series does not exist yet). */
function value(m: Scrape, name: string, labels: Record<string, string> = {}): number {
  const fam = m.get(name);
  if (!fam) throw new Error(`metric ${name} missing`);
  return fam.metrics.filter((s) => matches(s, labels)).reduce((n, s) => n + Number(s.value), 0);
}

function histogramCount(m: Scrape, name: string, labels: Record<string, string> = {}): number {
  const fam = m.get(name);
  if (fam?.type !== 'HISTOGRAM') throw new Error(`histogram ${name} missing`);
  return fam.metrics.filter((s) => matches(s, labels)).reduce((n, s) => n + Number(s.count), 0);
}

const EXPECTED: Record<string, Family['type']> = {
  edge_build_info: 'GAUGE',
  edge_scans_total: 'COUNTER',
  edge_scan_latency_seconds: 'HISTOGRAM',
  edge_requests_total: 'COUNTER',
  edge_provider_request_duration_seconds: 'HISTOGRAM',
  edge_provider_requests_total: 'COUNTER',
  edge_provider_errors_total: 'COUNTER',
  edge_outbox_depth: 'GAUGE',
  edge_outbox_oldest_age_seconds: 'GAUGE',
  edge_outbox_dead_letters: 'GAUGE',
  edge_cloud_link_up: 'GAUGE',
  edge_devices: 'GAUGE',
  edge_device_up: 'GAUGE',
  edge_uplink_connected: 'GAUGE',
  edge_uplink_state: 'GAUGE',
  edge_mqtt_offline_sessions: 'GAUGE',
  edge_mqtt_offline_queued_messages: 'GAUGE',
  edge_mqtt_offline_dropped_total: 'COUNTER',
  edge_mqtt_sessions_expired_total: 'COUNTER',
  edge_mqtt_stuck_tills_closed_total: 'COUNTER',
  process_cpu_seconds_total: 'COUNTER',
  process_resident_memory_bytes: 'GAUGE',
  nodejs_eventloop_lag_seconds: 'GAUGE',
  nodejs_heap_size_used_bytes: 'GAUGE',
};

test('every metric is served and moves when its cause happens', async (t) => {
  t.timeout(120_000);
  const T1 = box('B1', 'T1');
  const ops = await opsBroker(t, [T1]);
  const pty = await startPtyPair();
  t.teardown(() => pty.close());
  const rig = await loyaltyRig(t, {
    devices: { poll_interval_ms: 100, serial: [{ path: pty.device, profile: 'generic-serial' }] },
    uplink: { ...uplinkConfig(ops), password: T1.password },
  });
  const port = rig.gw.gateway.httpPort;
  const now = () => scrape(port);
  const waitFor = (what: string, pred: (m: Scrape) => boolean, ms = 15_000) =>
    until(
      what,
      async () => {
        const m = await now();
        return pred(m) ? m : undefined;
      },
      ms,
    );

  let m = await waitFor(
    'device and uplink up',
    (s) => value(s, 'edge_devices', { state: 'online' }) === 1 && value(s, 'edge_uplink_connected') === 1,
  );
  for (const [name, type] of Object.entries(EXPECTED)) t.is(m.get(name)?.type, type, name);
  t.is(value(m, 'edge_device_up', { profile: 'generic-serial', transport: 'serial' }), 1);
  t.is(value(m, 'edge_uplink_state', { state: 'connected' }), 1);
  t.is(value(m, 'edge_build_info'), 1);
  t.true(value(m, 'process_resident_memory_bytes') > 0);

  // A scan on the pty: counted by kind, its latency observed.
  const scans0 = value(m, 'edge_scans_total', { kind: 'product' });
  const lat0 = histogramCount(m, 'edge_scan_latency_seconds');
  pty.write('4006381333931\r');
  m = await waitFor('scan counted', (s) => value(s, 'edge_scans_total', { kind: 'product' }) === scans0 + 1);
  t.is(histogramCount(m, 'edge_scan_latency_seconds'), lat0 + 1);
  t.is(value(m, 'edge_scans_total', { kind: 'text' }), 0);

  // Requests by op and result; the provider call behind a booking timed.
  const sent0 = value(m, 'edge_provider_requests_total', { call: 'purchase', result: 'ok' });
  const timed0 = histogramCount(m, 'edge_provider_request_duration_seconds');
  const ok = await rig.request('loyalty/turnover', turnover(tx('m')));
  t.is(ok.data.state, 'booked');
  rig.till.publish('pos/T1/request/loyalty/turnover', 'not json', { qos: 1 });
  await rig.responses.until(
    (r) => r.payload.transaction === null && r.payload.error?.code === 'invalid_request',
  );
  await rig.request('no/such_op', { transaction: tx('u') });
  m = await now();
  t.is(value(m, 'edge_requests_total', { op: 'loyalty/turnover', result: 'ok' }), 1);
  t.is(value(m, 'edge_requests_total', { op: 'loyalty/turnover', result: 'invalid_request' }), 1);
  t.is(value(m, 'edge_requests_total', { op: 'unknown', result: 'unknown_op' }), 1);
  t.is(value(m, 'edge_provider_requests_total', { call: 'purchase', result: 'ok' }), sent0 + 1);
  t.is(histogramCount(m, 'edge_provider_request_duration_seconds'), timed0 + 1);
  t.is(value(m, 'edge_cloud_link_up'), 1);

  // Provider outage: errors by code, the outbox fills and ages, the cloud link is down.
  rig.sim.faults.set({ outage: true });
  t.is((await rig.request('loyalty/turnover', turnover(tx('m')))).data.state, 'queued');
  m = await waitFor('outage seen', (s) => value(s, 'edge_cloud_link_up') === 0);
  t.true(value(m, 'edge_provider_errors_total', { code: 'provider_unreachable' }) >= 1);
  t.is(value(m, 'edge_outbox_depth'), 1);
  m = await waitFor('outbox ages', (s) => value(s, 'edge_outbox_oldest_age_seconds') >= 1);
  rig.sim.faults.clear();
  m = await waitFor(
    'drained',
    (s) => value(s, 'edge_outbox_depth') === 0 && value(s, 'edge_cloud_link_up') === 1,
  );
  t.is(value(m, 'edge_outbox_oldest_age_seconds'), 0);

  // A final rejection: a dead letter, and the provider's code counted.
  t.true(rig.sim.faults.set({ rejectRate: 1, rejectStatus: 422 }).ok);
  const rejected0 =
    value(m, 'edge_provider_errors_total') -
    value(m, 'edge_provider_errors_total', { code: 'provider_unreachable' });
  await rig.request('loyalty/turnover', turnover(tx('m')));
  m = await waitFor('dead letter', (s) => value(s, 'edge_outbox_dead_letters') === 1);
  const rejected1 =
    value(m, 'edge_provider_errors_total') -
    value(m, 'edge_provider_errors_total', { code: 'provider_unreachable' });
  t.is(rejected1, rejected0 + 1);
  rig.sim.faults.clear();

  // The ops broker goes away; the scanner is unplugged.
  await ops.stop();
  m = await waitFor('uplink down', (s) => value(s, 'edge_uplink_connected') === 0);
  t.is(value(m, 'edge_uplink_state', { state: 'connected' }), 0);
  await pty.stop();
  m = await waitFor('device offline', (s) => value(s, 'edge_devices', { state: 'online' }) === 0);
  t.is(value(m, 'edge_devices', { state: 'offline' }) + value(m, 'edge_devices', { state: 'error' }), 1);
  t.is(value(m, 'edge_device_up', { profile: 'generic-serial' }), 0);
});
