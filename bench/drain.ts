// Drain after an outage (DESIGN §10): "10,000 queued turnovers against a 20 ms provider delivered in
// ≤ 60 s, 0 lost, 0 duplicated". End to end: the real `edge-gateway start` in its own process, a till
// on MQTT, the provider simulator over HTTP (in this process, so its ledger can be counted).
//
// 1. Many customers: the simulator seeds only four (C-1001..C-1004), and per-customer FIFO
//    (DESIGN §5) would then allow four deliveries at a time. The bar assumes a shop's many customers,
//    so they are enrolled first through the till's own `loyalty/activate` (C-2001, C-2002, …).
// 2. The provider goes down (every connection reset) with a 20 ms processing time once it is back.
// 3. The till sends 10,000 turnovers; booking_window_ms is 0 so each is answered `queued` as soon as
//    it is durable. Enqueue latency is what the till sees: publish → `queued` answer.
// 4. The provider comes back; the clock runs until its ledger holds 10,000 purchases.
// lost = expected − distinct delivered; duplicated = purchase effects − distinct keys.
// Benchmarks print figures, they never fail a build. Gives up after 180 s in all.
// Run alone: node --import=tsx bench/drain.ts [--concurrency N] [--turnovers N] [--customers N]
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { createSimulator, SEED, type Simulator } from '../src/loyalty/simulator/index.ts';
import { removeTempDir, tempDir } from '../test/helpers/cleanup.ts';
import { gatewayReady, readyLine } from './proc.ts';
import { nowMs, percentiles } from './stats.ts';

const BIN = fileURLToPath(new URL('../bin/edge-gateway.js', import.meta.url));
const BAR = { turnovers: 10_000, provider_latency_ms: 20, seconds_max: 60, lost: 0, duplicated: 0 };
const GIVE_UP_S = 180;
const TILL = 'T1';
const BRANCH = 'B1';

export interface DrainOptions {
  /** Default 10,000 (the bar). */
  turnovers?: number;
  /** Customers enrolled before the outage; one FIFO lane each. Default 200. */
  customers?: number;
  /** outbox.concurrency of the gateway; default the product default (8). */
  concurrency?: number;
  /** The first turnovers go one at a time, as one till sends them: their latency is the till's view. Default 500. */
  sample?: number;
  /** The rest go with this many in flight (several tills, or a till catching up), to keep the run short. Default 32. */
  window?: number;
}

export async function benchDrain(opts: DrainOptions = {}): Promise<Record<string, unknown>> {
  const turnovers = opts.turnovers ?? BAR.turnovers;
  const customers = opts.customers ?? 200;
  const sample = Math.min(turnovers, Math.max(0, opts.sample ?? 500));
  const window = Math.max(1, opts.window ?? 32);
  const deadline = Date.now() + GIVE_UP_S * 1000;
  // Removed at exit and on Ctrl-C too (test/helpers/cleanup.ts), not only by the finally below.
  const dir = tempDir('bench-drain-');
  const sim = await createSimulator({ host: '127.0.0.1', port: 0 });
  let gateway: Gateway | undefined;
  let till: Till | undefined;
  try {
    gateway = await startGateway(dir, sim.url, opts.concurrency);
    till = await connectTill(gateway.mqttPort);

    const refs = await enrol(till, customers, deadline);
    sim.faults.set({ latencyMs: BAR.provider_latency_ms, outage: true });

    const enqueueStart = nowMs();
    const sequential = percentiles(await enqueueAll(till, refs, 0, sample, 1, deadline));
    const pipelined = percentiles(await enqueueAll(till, refs, sample, turnovers, window, deadline));
    const enqueueSeconds = (nowMs() - enqueueStart) / 1000;
    const depthBefore = (await outbox(gateway.httpPort)).depth;

    sim.faults.set({ outage: false });
    const drainStart = nowMs();
    await waitFor(
      () => deliveredKeys(sim).size >= turnovers,
      deadline,
      () => {
        const n = deliveredKeys(sim).size;
        return `${n} of ${turnovers} turnovers reached the provider (${turnovers - n} outstanding)`;
      },
    );
    const drainSeconds = (nowMs() - drainStart) / 1000;
    // Late duplicates would come from deliveries still running: wait for the outbox to settle first.
    await waitFor(
      async () => (await outbox(gateway!.httpPort)).depth === 0,
      deadline,
      () => 'outbox not empty',
    );

    const purchases = sim.ledger.effects().filter((e) => e.kind === 'purchase');
    const keys = deliveredKeys(sim);
    const span = firstToLastSeconds(purchases.map((e) => Date.parse(e.at)));
    const lost = turnovers - keys.size;
    const duplicated = purchases.length - keys.size;
    const result = {
      turnovers,
      customers,
      concurrency: opts.concurrency ?? 'default (8)',
      provider_latency_ms: BAR.provider_latency_ms,
      enqueue: {
        seconds: round(enqueueSeconds),
        one_at_a_time: {
          n: sequential.n,
          p50_ms: sequential.p50,
          p99_ms: sequential.p99,
          max_ms: sequential.max,
        },
        in_flight: {
          window,
          n: pipelined.n,
          p50_ms: pipelined.p50,
          p99_ms: pipelined.p99,
          max_ms: pipelined.max,
        },
        depth_before_drain: depthBefore,
      },
      drain_seconds: round(drainSeconds),
      drain_first_to_last_effect_s: span,
      per_second: Math.round(turnovers / drainSeconds),
      lost,
      duplicated,
      bar: BAR,
      pass: turnovers >= BAR.turnovers && drainSeconds <= BAR.seconds_max && lost === 0 && duplicated === 0,
    };
    console.log(JSON.stringify({ bench: 'drain', ...result }));
    console.log(
      `bar: ${BAR.turnovers} queued turnovers against a ${BAR.provider_latency_ms} ms provider delivered in ` +
        `≤ ${BAR.seconds_max} s, 0 lost, 0 duplicated → ${result.pass ? 'PASS' : 'FAIL'}`,
    );
    return result;
  } finally {
    await till?.client.endAsync(true).catch(() => {});
    await gateway?.stop();
    await sim.close();
    removeTempDir(dir);
  }
}

interface Gateway {
  mqttPort: number;
  httpPort: number;
  stop(): Promise<void>;
}

async function startGateway(dir: string, providerUrl: string, concurrency?: number): Promise<Gateway> {
  const configPath = join(dir, 'config.json');
  const config = {
    till_id: TILL,
    branch_id: BRANCH,
    // Window 0: every turnover is answered `queued` once durable, never waits for the provider.
    provider: { url: providerUrl, api_key: SEED.apiKey, booking_window_ms: 0, timeout_ms: 2000 },
    // Retries and the circuit are scaled to a benchmark (the defaults hold a circuit open for 30 s,
    // which would measure the circuit timer, not the drain); both are reported with the result.
    outbox: {
      retry_base_ms: 100,
      retry_max_ms: 1000,
      circuit_failures: 5,
      circuit_open_ms: 1000,
      ...(concurrency ? { concurrency } : {}),
    },
    devices: { hid: false },
  };
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(process.execPath, [BIN, 'start', '--config', configPath], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      EDGE_DATA_DIR: join(dir, 'data'),
      EDGE_MQTT_PORT: '0',
      EDGE_HTTP_PORT: '0',
      EDGE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = await readyLine(child, gatewayReady);
  return {
    mqttPort: ready.mqtt_port,
    httpPort: ready.http_port,
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

interface TillAnswer {
  transaction: string | number;
  status: string;
  data?: { state?: string; customer_ref?: string } | null;
  error?: { code: string; message: string };
}

interface Till {
  client: MqttClient;
  /** Publishes one request and resolves with its answer. */
  request(op: string, body: Record<string, unknown>): Promise<TillAnswer>;
}

async function connectTill(port: number): Promise<Till> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  // A till that sends back to back must not let Nagle hold its next request behind the PUBACK it
  // just wrote (mqtt.js leaves Nagle on): that would measure this client's TCP, not the gateway.
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const waiting = new Map<string, (answer: TillAnswer) => void>();
  client.on('message', (_topic, payload) => {
    const answer = JSON.parse(payload.toString()) as TillAnswer;
    const resolve = waiting.get(String(answer.transaction));
    waiting.delete(String(answer.transaction));
    resolve?.(answer);
  });
  await client.subscribeAsync(`pos/${TILL}/response/#`, { qos: 1 });
  return {
    client,
    request(op, body) {
      return new Promise((resolve) => {
        waiting.set(String(body.transaction), resolve);
        client.publish(`pos/${TILL}/request/${op}`, JSON.stringify(body), { qos: 1 });
      });
    },
  };
}

/** App enrolment of `n` customers through the till (online, before the outage); their refs. */
async function enrol(till: Till, n: number, deadline: number): Promise<string[]> {
  const refs: string[] = [];
  await inWindow(0, n, 16, deadline, async (i) => {
    const answer = await till.request('loyalty/activate', {
      transaction: `enrol-${i}`,
      mobile: `+43660${String(i).padStart(7, '0')}`,
      email: `drain-${i}@example.test`,
    });
    const ref = answer.data?.customer_ref;
    if (answer.status !== 'ok' || !ref) throw new Error(`enrolment ${i} failed: ${JSON.stringify(answer)}`);
    refs.push(ref);
  });
  return refs;
}

/** Sends turnovers from..to-1 round-robin over the customers; returns each one's publish → `queued` time. */
async function enqueueAll(
  till: Till,
  refs: readonly string[],
  from: number,
  to: number,
  window: number,
  deadline: number,
): Promise<number[]> {
  const latencies: number[] = [];
  await inWindow(from, to, window, deadline, async (i) => {
    const t0 = nowMs();
    const answer = await till.request('loyalty/turnover', {
      transaction: `drain-${i}`,
      customer_ref: refs[i % refs.length],
      receipt_number: `R-${i}`,
      amount_cents: 100 + (i % 5000),
      currency: 'EUR',
      receipt_datetime: '2026-11-23T10:00:00+01:00',
    });
    latencies.push(nowMs() - t0);
    if (answer.status !== 'ok' || answer.data?.state !== 'queued') {
      throw new Error(`turnover ${i} was not queued: ${JSON.stringify(answer)}`);
    }
  });
  return latencies;
}

/** Runs job(from..to-1) with at most `width` running; stops at the first failure or at the deadline. */
async function inWindow(
  from: number,
  to: number,
  width: number,
  deadline: number,
  job: (i: number) => Promise<void>,
) {
  let next = from;
  const worker = async () => {
    while (next < to) {
      if (Date.now() > deadline) throw new Error(`gave up after ${GIVE_UP_S} s at ${next} of ${to}`);
      await job(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, to - from) }, worker));
}

async function waitFor(
  done: () => boolean | Promise<boolean>,
  deadline: number,
  progress: () => string,
): Promise<void> {
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${GIVE_UP_S} s: ${progress()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const deliveredKeys = (sim: Simulator) =>
  new Set(
    sim.ledger
      .effects()
      .filter((e) => e.kind === 'purchase' && e.transaction_id.startsWith('drain-'))
      .map((e) => e.idempotency_key),
  );

async function outbox(httpPort: number): Promise<{ depth: number; dead: number }> {
  const status = (await fetch(`http://127.0.0.1:${httpPort}/api/status`).then((r) => r.json())) as {
    health: { outbox: { depth: number; dead: number } };
  };
  return status.health.outbox;
}

function firstToLastSeconds(times: number[]): number {
  if (times.length === 0) return 0;
  return round((Math.max(...times) - Math.min(...times)) / 1000);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string' },
      turnovers: { type: 'string' },
      customers: { type: 'string' },
      window: { type: 'string' },
      sample: { type: 'string' },
    },
  });
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  await benchDrain({
    concurrency: num(values.concurrency),
    turnovers: num(values.turnovers),
    customers: num(values.customers),
    window: num(values.window),
    sample: num(values.sample),
  });
}
