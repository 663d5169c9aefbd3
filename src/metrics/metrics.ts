// Prometheus metrics of one gateway (DESIGN §8 `/metrics`), through prom-client: the reference
// implementation of the exposition format, with Node's process metrics built in — nothing of ours
// to get wrong in escaping, histograms or content negotiation.
//
// Cheap where it is hot: a scan is counted in plain numbers (a map entry by kind, a bucket of
// src/metrics/counted-histogram.ts), which prom-client reads when Prometheus scrapes: its own
// observe and inc hash labels and allocate per call, 3.7 % of the gateway's main thread in the scan
// bench (perf). A till's answered request is counted the same way (a map entry by op and result):
// the till's next request waits behind this work (issue 7 item 5). Provider figures are counted
// through prom-client as they happen; everything that is a state (outbox, devices, uplink, cloud link) is read only when Prometheus
// scrapes. Independent of the HTTP framework: `render()` returns the body and its
// content type, and any server mounts it with one route.
import { classificationKinds } from '../classify/classification.ts';
import type { DeviceState } from '../devices/manager.ts';
import { PROVIDER_ERRORS, WRITE_OPS } from '../loyalty/provider.ts';
import { OPS } from '../mqtt/ops.ts';
import type { ResponseEnvelope, ScanEvent } from '../mqtt/topics.ts';
import { countedHistogram } from './counted-histogram.ts';
import { Counter, collectProcessMetrics, Gauge, Histogram, Registry } from './prom.ts';

export interface MetricsSources {
  outbox(): { depth: number; oldest_age_s: number; dead: number };
  cloudLink(): 'unknown' | 'up' | 'down';
  devices(): readonly Pick<DeviceState, 'id' | 'profile' | 'transport' | 'state'>[];
  uplink(): string;
  /** The embedded broker's persistent sessions whose till is away (src/mqtt/offline-sessions.ts). */
  offlineSessions(): { sessions: number; queued: number; dropped: number; expired: number };
  /** What the embedded broker counted since the process started (src/mqtt/broker.ts). */
  broker(): { stuckClosed: number };
}

export interface GatewayMetrics {
  /** A scan was published to the till, `seconds` after its frame reached the pipeline. */
  scan(kind: ScanEvent['kind'], seconds: number): void;
  /** A till request was answered. */
  request(op: string, response: ResponseEnvelope): void;
  /** A provider call finished (`code` null = success). */
  providerCall(call: string, seconds: number, code: string | null): void;
  /** The parts whose state is read at scrape time; set once they exist. */
  setSources(sources: Partial<MetricsSources>): void;
  render(): Promise<{ contentType: string; body: string }>;
}

// The kinds of the one classification schema, so a new kind gets its series here too.
const SCAN_KINDS: readonly ScanEvent['kind'][] = classificationKinds.options;
const DEVICE_STATES = ['online', 'offline', 'error'] as const;
const UPLINK_STATES = ['disabled', 'connecting', 'connected', 'disconnected', 'stopped'] as const;
// Label values come from fixed sets: a till sending garbage op names cannot blow up the series.
const KNOWN_OPS = new Set(Object.keys(OPS));
const KNOWN_PROVIDER_CODES = new Set(Object.keys(PROVIDER_ERRORS));
const KNOWN_CALLS = new Set<string>(['lookup', ...WRITE_OPS]);

// Node's process metrics belong to the process, not to one gateway: collected once, however often
// a gateway is rebuilt in the same process (an in-process restart, or many gateways in a test).
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    // The event-loop delay histogram samples on a libuv timer: prom-client's default 10 ms wakes
    // an idle box 100 times a second and lands ticks between a scan's read and its publish. 100 ms
    // still catches any stall that matters to a till (the bars are in milliseconds per request,
    // stalls worth alerting on are longer) at a tenth of the wake-ups.
    collectProcessMetrics(processRegistry, 100);
  }
  return processRegistry;
}

export function createGatewayMetrics(opts: { version: string; prefix?: string }): GatewayMetrics {
  const p = opts.prefix ?? 'edge_';
  const registry = new Registry();
  const shared = processMetrics();
  let src: Partial<MetricsSources> = {};

  new Gauge({
    name: `${p}build_info`,
    help: 'Gateway version (always 1).',
    labelNames: ['version'],
    registers: [registry],
  })
    .labels(opts.version)
    .set(1);

  // A scan is counted in plain numbers and handed to prom-client at scrape time (see the header).
  // By kind in the order first scanned: the series come out in the order prom-client gave them.
  const scanCounts = new Map<ScanEvent['kind'], number>();
  const scanKinds = new Set(SCAN_KINDS);
  new Counter({
    name: `${p}scans_total`,
    help: 'Scans published to the till, by kind.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      // A kind never scanned has no series yet, as when prom-client counted each scan itself.
      for (const [kind, n] of scanCounts) this.inc({ kind }, n);
    },
  });
  const scanLatency = countedHistogram({
    name: `${p}scan_latency_seconds`,
    help: 'From a complete frame to the scan event handed to the till (classification and publish).',
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    registers: [registry],
  });

  // By op, then result, each in the order first answered: the series come out as prom-client's own.
  const requestCounts = new Map<string, Map<string, number>>();
  new Counter({
    name: `${p}requests_total`,
    help: 'Till requests answered, by op and result (ok or the error code).',
    labelNames: ['op', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [op, results] of requestCounts)
        for (const [result, n] of results) this.inc({ op, result }, n);
    },
  });

  // One latency distribution for the provider (all calls go to the same API), and the calls by
  // kind and result as a counter: label-free histograms stay cheap and readable by every parser.
  const providerLatency = new Histogram({
    name: `${p}provider_request_duration_seconds`,
    help: 'Duration of loyalty provider calls, answered or failed.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const providerCalls = new Counter({
    name: `${p}provider_requests_total`,
    help: 'Loyalty provider calls by call (lookup, activation, or the write sent) and result (ok or error).',
    labelNames: ['call', 'result'],
    registers: [registry],
  });
  const providerErrors = new Counter({
    name: `${p}provider_errors_total`,
    help: 'Loyalty provider calls that failed, by error code.',
    labelNames: ['code'],
    registers: [registry],
  });

  const read = <K extends keyof MetricsSources>(k: K): ReturnType<MetricsSources[K]> | undefined =>
    src[k]?.() as ReturnType<MetricsSources[K]> | undefined;

  new Gauge({
    name: `${p}outbox_depth`,
    help: 'Requests waiting in the outbox for delivery.',
    registers: [registry],
    collect() {
      const o = read('outbox');
      if (o) this.set(o.depth);
    },
  });
  new Gauge({
    name: `${p}outbox_oldest_age_seconds`,
    help: 'Age of the oldest undelivered request (0 when the outbox is empty).',
    registers: [registry],
    collect() {
      const o = read('outbox');
      if (o) this.set(o.oldest_age_s);
    },
  });
  new Gauge({
    name: `${p}outbox_dead_letters`,
    help: 'Requests the provider refused for good; they wait for a technician.',
    registers: [registry],
    collect() {
      const o = read('outbox');
      if (o) this.set(o.dead);
    },
  });
  new Gauge({
    name: `${p}cloud_link_up`,
    help: 'The loyalty provider answered the last call (1), did not (0); absent before the first call.',
    registers: [registry],
    collect() {
      this.reset();
      const s = read('cloudLink');
      if (s === 'up' || s === 'down') this.set(s === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: `${p}devices`,
    help: 'Attached devices by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const list = read('devices') ?? [];
      for (const s of DEVICE_STATES) this.labels(s).set(list.filter((d) => d.state === s).length);
    },
  });
  new Gauge({
    name: `${p}device_up`,
    help: 'Per device: 1 online, 0 offline or in error.',
    labelNames: ['device_id', 'profile', 'transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const d of read('devices') ?? []) {
        this.labels(d.id, d.profile, d.transport).set(d.state === 'online' ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: `${p}uplink_connected`,
    help: 'The ops uplink is connected to the central broker (1) or not (0).',
    registers: [registry],
    collect() {
      this.set(read('uplink') === 'connected' ? 1 : 0);
    },
  });
  new Gauge({
    name: `${p}uplink_state`,
    help: 'The ops uplink state (1 for the current one).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const now = read('uplink') ?? 'disabled';
      for (const s of UPLINK_STATES) this.labels(s).set(s === now ? 1 : 0);
    },
  });

  new Gauge({
    name: `${p}mqtt_offline_sessions`,
    help: 'Persistent till sessions whose client is away.',
    registers: [registry],
    collect() {
      const s = read('offlineSessions');
      if (s) this.set(s.sessions);
    },
  });
  new Gauge({
    name: `${p}mqtt_offline_queued_messages`,
    help: 'QoS 1 messages waiting for tills that are away (each: at most mqtt.max_queued_messages events, and one copy of each retained state document).',
    registers: [registry],
    collect() {
      const s = read('offlineSessions');
      if (s) this.set(s.queued);
    },
  });
  // The broker keeps these counts (across its restarts); the counters take them at scrape time.
  new Counter({
    name: `${p}mqtt_offline_dropped_total`,
    help: 'Events dropped for tills that are away because their queue was full, the oldest first.',
    registers: [registry],
    collect() {
      const s = read('offlineSessions');
      if (!s) return;
      this.reset();
      this.inc(s.dropped);
    },
  });
  new Counter({
    name: `${p}mqtt_sessions_expired_total`,
    help: 'Persistent till sessions dropped after mqtt.session_expiry_s offline.',
    registers: [registry],
    collect() {
      const s = read('offlineSessions');
      if (!s) return;
      this.reset();
      this.inc(s.expired);
    },
  });
  new Counter({
    name: `${p}mqtt_stuck_tills_closed_total`,
    help: 'Till connections closed because the till stopped reading what the box sent it for mqtt.drain_timeout_ms (5 s by default; a frozen POS app or tab); it reconnects.',
    registers: [registry],
    collect() {
      const s = read('broker');
      if (!s) return;
      this.reset();
      this.inc(s.stuckClosed);
    },
  });

  return {
    scan(kind, seconds) {
      if (scanKinds.has(kind)) scanCounts.set(kind, (scanCounts.get(kind) ?? 0) + 1);
      scanLatency.observe(seconds);
    },
    request(op, response) {
      const label = KNOWN_OPS.has(op) ? op : 'unknown';
      const result = response.status === 'ok' ? 'ok' : (response.error?.code ?? 'error');
      let results = requestCounts.get(label);
      if (!results) {
        results = new Map();
        requestCounts.set(label, results);
      }
      results.set(result, (results.get(result) ?? 0) + 1);
    },
    providerCall(call, seconds, code) {
      providerLatency.observe(seconds);
      providerCalls.inc({
        call: KNOWN_CALLS.has(call) ? call : 'other',
        result: code === null ? 'ok' : 'error',
      });
      if (code !== null) providerErrors.inc({ code: KNOWN_PROVIDER_CODES.has(code) ? code : 'other' });
    },
    setSources(s) {
      src = { ...src, ...s };
    },
    async render() {
      const [own, proc] = await Promise.all([registry.metrics(), shared.metrics()]);
      return { contentType: registry.contentType, body: `${own}\n${proc}` };
    },
  };
}
