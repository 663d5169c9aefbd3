// The till hears `queued` (DESIGN §10): provider down, turnovers one after another (each sent when
// the previous answer arrived), publish → answer as the till's mqtt.js client sees it. Bar for a
// till whose socket has Nagle off: p50 ≤ 1 ms, p99 ≤ 2 ms. A till with mqtt.js as it comes (Nagle
// on) is measured too, with requests at QoS 1 (as the topic registry says) and at mqtt.js's
// default QoS 0; both subscribe to answers at QoS 1.
//
// The floor is measured in the same run, in its own process like the gateway: a bare aedes broker
// whose handler fdatasyncs a small write and answers (bench/queued-floor.ts), plus the same broker
// answering without the disk (the MQTT round trip alone) and fdatasync alone; below those, plain
// TCP round trips over loopback with no MQTT, from Node (an echo in the floor process) and from C
// (bench/tcp-ping-pong.c, when the machine has a C compiler): the jitter of the machine itself,
// so a p99 can be read against what this VM gives any process. The gateway runs as
// on the box: compiled dist/ (npm run bench builds it), NODE_ENV=production, --max-semi-space-size=2,
// logs to a file. Series run in alternating blocks so that the load of a shared machine falls on
// all of them alike. Benchmarks print figures; they never fail a build.
// Run alone: node --import=tsx bench/queued.ts [--turnovers N]
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { unitNodeFlags } from '../test/helpers/unit-flags.ts';
import { closedPort, mainThreadCpuMs } from './proc.ts';
import { nowMs, percentiles } from './stats.ts';

// BENCH_GATEWAY_BIN: another build's bin/edge-gateway.js, to compare before and after a change.
const BIN =
  process.env.BENCH_GATEWAY_BIN ?? fileURLToPath(new URL('../bin/edge-gateway.js', import.meta.url));
const FLOOR = fileURLToPath(new URL('./queued-floor.ts', import.meta.url));
const PING_PONG_C = fileURLToPath(new URL('./tcp-ping-pong.c', import.meta.url));
const BAR = { p50_ms: 1, p99_ms: 2 };
const BLOCKS = 6;
/** Requests at the start of each block that are not counted (first answers after subscribing). */
const SETTLE = 2;
const BASE = 'pos/demo-till';

type Stats = ReturnType<typeof percentiles>;

interface Series {
  name: string;
  client: MqttClient;
  /** The request for sample n, and the filter its answer arrives on. */
  request(n: number): { topic: string; payload: string; answer: string };
  subscribe: string;
  qos: 0 | 1;
  samples: number[];
  unexpected: string[];
  onGateway: boolean;
  /** The serving process (gateway or floor), whose main-thread CPU time is counted per block. */
  server: ChildProcess;
  cpuMs: number;
  requests: number;
}

export async function benchQueued(opts: { turnovers?: number } = {}): Promise<Record<string, unknown>> {
  const turnovers = opts.turnovers ?? 300;
  const perBlock = Math.ceil(turnovers / BLOCKS);
  const dir = mkdtempSync(join(tmpdir(), 'bench-queued-'));
  const flags = unitNodeFlags();
  const procs: ChildProcess[] = [];
  const clients: MqttClient[] = [];
  try {
    const fsync = fdatasyncFloor(join(dir, 'fsync-floor.bin'), turnovers);
    const floor = await startProcess(
      [...flags, '--import=tsx', FLOOR, dir],
      { ...process.env, NODE_ENV: 'production' },
      join(dir, 'floor.out'),
      (line) =>
        line.startsWith('{"port"') ? (JSON.parse(line) as { port: number; echo_port: number }) : undefined,
    );
    procs.push(floor.child);
    const downPort = await closedPort();
    const gateway = await startProcess(
      [...flags, BIN, 'start'],
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        EDGE_DATA_DIR: join(dir, 'gateway'),
        EDGE_MQTT_PORT: '0',
        EDGE_HTTP_PORT: '0',
        // The provider is down: connections to it are refused, so every turnover is `queued`.
        EDGE_PROVIDER_URL: `http://127.0.0.1:${downPort}`,
        EDGE_PROVIDER_API_KEY: 'bench-key',
        EDGE_LOG_LEVEL: 'info',
      },
      join(dir, 'gateway.log'),
      (line) => (line.includes('"msg":"ready"') ? { port: JSON.parse(line).mqtt_port as number } : undefined),
    );
    procs.push(gateway.child);

    const connectTill = async (port: number, tuned: boolean) => {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
      // What a till developer sets (README "For till developers"); mqtt.js has no option for it.
      if (tuned) setNoDelay(c);
      clients.push(c);
      return c;
    };
    const turnover = (till: string, n: number) =>
      JSON.stringify({
        transaction: `${till}-${process.pid}-${n}`,
        customer_ref: `C-${1000 + (n % 50)}`,
        receipt_number: `R-${till}-${n}`,
        amount_cents: 1000 + n,
        currency: 'EUR',
      });
    const gatewaySeries = (name: string, client: MqttClient, qos: 0 | 1): Series => ({
      name,
      client,
      qos,
      onGateway: true,
      server: gateway.child,
      cpuMs: 0,
      requests: 0,
      subscribe: `${BASE}/response/loyalty/turnover`,
      request: (n) => ({
        topic: `${BASE}/request/loyalty/turnover`,
        payload: turnover(name, n),
        answer: `${BASE}/response/loyalty/turnover`,
      }),
      samples: [],
      unexpected: [],
    });
    const floorSeries = (name: string, client: MqttClient, mode: 'sync' | 'echo'): Series => ({
      name,
      client,
      qos: 1,
      onGateway: false,
      server: floor.child,
      cpuMs: 0,
      requests: 0,
      subscribe: `res/${name}/#`,
      request: (n) => ({
        topic: `req/${mode}/${name}/${n}`,
        payload: turnover(name, n),
        answer: `res/${name}/${n}`,
      }),
      samples: [],
      unexpected: [],
    });
    const series: Series[] = [
      floorSeries('floor_tuned', await connectTill(floor.port.port, true), 'sync'),
      floorSeries('floor_mqtt_only_tuned', await connectTill(floor.port.port, true), 'echo'),
      gatewaySeries('gateway_tuned', await connectTill(gateway.port.port, true), 1),
      gatewaySeries('gateway_default_qos1', await connectTill(gateway.port.port, false), 1),
      gatewaySeries('gateway_default_qos0', await connectTill(gateway.port.port, false), 0),
      floorSeries('floor_default_qos1', await connectTill(floor.port.port, false), 'sync'),
    ];

    const echo = await tcpPingPong(floor.port.echo_port);
    const raw: RawSeries[] = [{ name: 'node', run: echo.run, samples: [] }];
    const c = compilePingPong(dir);
    if (c) raw.push({ name: 'c', run: c, samples: [] });

    // Warm-up (JIT, the outbox file, the provider circuit opening), not counted.
    for (const s of series) await runBlock(s, 30, -1);
    for (const r of raw) await r.run(30);
    for (let b = 0; b < BLOCKS; b++) {
      for (const s of series) await runBlock(s, perBlock + SETTLE, b);
      for (const r of raw) r.samples.push(...(await r.run(perBlock + SETTLE)).slice(SETTLE));
    }
    echo.close();
    const cpuPerRequest = (name: string) => {
      const s = series.find((x) => x.name === name)!;
      return round(s.cpuMs / s.requests, 3);
    };

    const stats = Object.fromEntries(series.map((s) => [s.name, percentiles(s.samples)])) as Record<
      string,
      Stats
    >;
    const floorP = stats.floor_tuned!;
    const tuned = stats.gateway_tuned!;
    const ratio = (s: Stats) => ({ p50: round(s.p50 / floorP.p50), p99: round(s.p99 / floorP.p99) });
    const out = {
      bench: 'queued_answer_over_mqtt_ms',
      turnovers_per_series: series[0]!.samples.length,
      provider: 'down (connection refused)',
      floor: {
        tcp_round_trip_node: percentiles(raw[0]!.samples),
        tcp_round_trip_c: c ? percentiles(raw[1]!.samples) : 'no C compiler (cc) on this machine',
        fdatasync_small_write: fsync,
        mqtt_round_trip_bare_aedes: stats.floor_mqtt_only_tuned,
        bare_aedes_fdatasync_then_answer: floorP,
      },
      gateway: {
        tuned_till_nagle_off: tuned,
        default_mqtt_js_requests_qos1: stats.gateway_default_qos1,
        default_mqtt_js_requests_qos0: stats.gateway_default_qos0,
      },
      default_mqtt_js_on_bare_aedes_qos1: stats.floor_default_qos1,
      ratio_to_floor: {
        tuned_till: ratio(tuned),
        default_qos1: ratio(stats.gateway_default_qos1!),
        default_qos0: ratio(stats.gateway_default_qos0!),
      },
      // Main-thread CPU of the serving process per request (from /proc schedstat, ns resolution).
      server_cpu_ms_per_request: {
        floor: cpuPerRequest('floor_tuned'),
        gateway_tuned_till: cpuPerRequest('gateway_tuned'),
        ratio: round(cpuPerRequest('gateway_tuned') / cpuPerRequest('floor_tuned')),
      },
      unexpected_answers: series.flatMap((s) => s.unexpected.slice(0, 3)),
      bar: `tuned till p50 ≤ ${BAR.p50_ms} ms, p99 ≤ ${BAR.p99_ms} ms`,
      pass: tuned.p50 <= BAR.p50_ms && tuned.p99 <= BAR.p99_ms,
    };
    console.log(JSON.stringify(out, null, 2));
    return out;
  } finally {
    await Promise.all(clients.map((c) => c.endAsync().catch(() => {})));
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Plain round trips, timed in ms each: no MQTT, no disk. */
interface RawSeries {
  name: string;
  run: (count: number) => Promise<number[]> | number[];
  samples: number[];
}

/** 200-byte messages to the floor process's echo and back, one at a time, Nagle off. */
async function tcpPingPong(port: number): Promise<{ run: RawSeries['run']; close: () => void }> {
  const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const message = Buffer.alloc(200, 0x61);
  const once = () =>
    new Promise<number>((resolve) => {
      let got = 0;
      const t0 = nowMs();
      const onData = (d: Buffer) => {
        got += d.length;
        if (got < message.length) return;
        socket.off('data', onData);
        resolve(nowMs() - t0);
      };
      socket.on('data', onData);
      socket.write(message);
    });
  return {
    async run(count) {
      const out: number[] = [];
      for (let i = 0; i < count; i++) out.push(await once());
      return out;
    },
    close: () => socket.destroy(),
  };
}

/** The C round trip (bench/tcp-ping-pong.c), built with the machine's cc; undefined without one. */
function compilePingPong(dir: string): RawSeries['run'] | undefined {
  const bin = join(dir, 'tcp-ping-pong');
  const built = spawnSync('cc', ['-O2', '-o', bin, PING_PONG_C], { stdio: 'ignore' });
  if (built.status !== 0) return undefined;
  return (count) => {
    const run = spawnSync(bin, [String(count)], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`tcp-ping-pong exited ${run.status}`);
    return run.stdout
      .trim()
      .split('\n')
      .map((us) => Number(us) / 1000);
  };
}

/** One block of sequential requests: subscribed only for the block, so tills never hear each other. */
async function runBlock(s: Series, count: number, block: number): Promise<void> {
  await s.client.subscribeAsync(s.subscribe, { qos: 1 });
  let expected = '';
  let arrived: (payload: Buffer) => void = () => {};
  const onMessage = (topic: string, payload: Buffer) => {
    if (topic === expected) arrived(payload);
  };
  s.client.on('message', onMessage);
  const cpu0 = mainThreadCpuMs(s.server.pid!);
  try {
    for (let i = 0; i < count; i++) {
      const n = (block + 1) * 10_000 + i;
      const req = s.request(n);
      expected = req.answer;
      const tx = s.onGateway ? (JSON.parse(req.payload) as { transaction: string }).transaction : undefined;
      const answer = new Promise<Buffer>((resolve) => {
        arrived = (payload) => {
          if (tx === undefined || payload.includes(tx)) resolve(payload);
        };
      });
      const t0 = nowMs();
      s.client.publish(req.topic, req.payload, { qos: s.qos });
      const payload = await answer;
      const dt = nowMs() - t0;
      if (block >= 0 && i >= SETTLE) s.samples.push(dt);
      if (s.onGateway) {
        const body = JSON.parse(payload.toString()) as { status: string; data?: { state?: string } };
        if (body.status !== 'ok' || body.data?.state !== 'queued') s.unexpected.push(payload.toString());
      }
    }
    if (block >= 0) {
      s.cpuMs += mainThreadCpuMs(s.server.pid!) - cpu0;
      s.requests += count;
    }
  } finally {
    s.client.off('message', onMessage);
    await s.client.unsubscribeAsync(s.subscribe);
  }
}

/** fdatasync of a small write into a preallocated file: the disk's share of the floor. */
function fdatasyncFloor(path: string, n: number): Stats {
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, Buffer.alloc(1 << 20));
    fdatasyncSync(fd);
    const record = Buffer.alloc(200, 0x61);
    const samples: number[] = [];
    for (let i = 0; i < n + 20; i++) {
      const t0 = nowMs();
      writeSync(fd, record, 0, record.length, (i % 256) * 4096);
      fdatasyncSync(fd);
      if (i >= 20) samples.push(nowMs() - t0);
    }
    return percentiles(samples);
  } finally {
    closeSync(fd);
  }
}

function setNoDelay(client: MqttClient): void {
  const apply = () => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  apply();
  client.on('connect', apply);
}

/** Starts a process whose stdout goes to a file (as logs go to journald), polling it for a line. */
async function startProcess<P>(
  args: string[],
  env: NodeJS.ProcessEnv,
  outFile: string,
  portOf: (line: string) => P | undefined,
): Promise<{ child: ChildProcess; port: P }> {
  const fd = openSync(outFile, 'w');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  const port = await new Promise<P>((resolve, reject) => {
    const poll = setInterval(() => {
      for (const line of readFileSync(outFile, 'utf8').split('\n')) {
        const port = portOf(line);
        if (port !== undefined) {
          clearInterval(poll);
          resolve(port);
          return;
        }
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`${args.join(' ')} exited ${code}: ${readFileSync(outFile, 'utf8').slice(-2000)}`));
    });
  });
  return { child, port };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { turnovers: { type: 'string' } } });
  await benchQueued({ turnovers: values.turnovers ? Number(values.turnovers) : undefined });
}
