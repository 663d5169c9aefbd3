// What one queued turnover costs the gateway, deterministically (issue 7 item 5): main-thread CPU
// per request, bytes allocated per request and scavenges per run, for sequential turnovers over
// MQTT with the provider down (each answered `queued`). Wall-clock percentiles on a shared machine
// drift; these do not much, so a change to the request path can be judged by them.
// Two gateway runs per repetition: with the unit's flags (CPU, scavenges — GC as on the box) and
// with a new space large enough that no GC runs during the requests (bytes: the growth of the
// used heap, nothing freed in between; the run is refused if a GC happened anyway).
// Run alone: node --import=tsx bench/request-cost.ts [--requests N] [--runs N]
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { removeTempDir, tempDir } from '../test/helpers/cleanup.ts';
import { unitNodeFlags } from '../test/helpers/unit-flags.ts';
import { downProviderGatewayEnv, gatewayReady, mainThreadCpuMs, readyLine } from './proc.ts';

const BIN =
  process.env.BENCH_GATEWAY_BIN ?? fileURLToPath(new URL('../bin/edge-gateway.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./request-probe.mjs', import.meta.url));
const BASE = 'pos/demo-till';
const WARMUP = 300;

interface Probe {
  used: number;
  minor: number;
  major: number;
  minorMs: number;
}

export async function benchRequestCost(opts: { requests?: number; runs?: number } = {}) {
  const requests = opts.requests ?? 300;
  const runs = opts.runs ?? 3;
  const rows: Record<string, number>[] = [];
  for (let r = 0; r < runs; r++) {
    const prod = await measure([...unitNodeFlags(), ...extraFlags()], requests);
    const big = await measure(['--max-semi-space-size=256', '--min-semi-space-size=256'], requests);
    if (big.gcs !== 0) throw new Error(`a GC ran during the allocation run (${big.gcs})`);
    rows.push({
      cpu_us_per_request: round(prod.cpuUs / requests, 1),
      kb_per_request: round(big.bytes / requests / 1024, 2),
      scavenges: prod.scavenges,
      scavenge_ms: round(prod.scavengeMs, 1),
    });
  }
  console.log(JSON.stringify({ bench: 'request_cost', requests, runs: rows }));
  return rows;
}

async function measure(flags: string[], requests: number) {
  // Removed at exit and on Ctrl-C too (test/helpers/cleanup.ts), not only by the finally below.
  const dir = tempDir('bench-reqcost-');
  let child: ChildProcess | undefined;
  let client: MqttClient | undefined;
  try {
    const started = await startGateway(dir, flags);
    child = started.child;
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${started.port}`, { reconnectPeriod: 0 });
    client = c;
    (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    await c.subscribeAsync(`${BASE}/response/loyalty/turnover`, { qos: 1 });
    let arrived: (p: Buffer) => void = () => {};
    c.on('message', (_t, p) => arrived(p));
    const one = async (n: number) => {
      const tx = `rc-${process.pid}-${n}`;
      const answer = new Promise<Buffer>((resolve) => {
        arrived = (p) => p.includes(tx) && resolve(p);
      });
      const payload = JSON.stringify({
        transaction: tx,
        customer_ref: `C-${1000 + (n % 50)}`,
        receipt_number: `R-${n}`,
        amount_cents: 1000 + n,
        currency: 'EUR',
      });
      c.publish(`${BASE}/request/loyalty/turnover`, payload, { qos: 1 });
      const body = JSON.parse((await answer).toString()) as { data?: { state?: string } };
      if (body.data?.state !== 'queued') throw new Error(`not queued: ${JSON.stringify(body)}`);
    };
    for (let n = 0; n < WARMUP; n++) await one(n);
    const p0 = await probe(child, dir, 0);
    const cpu0 = mainThreadCpuMs(child.pid!) * 1e3;
    for (let n = WARMUP; n < WARMUP + requests; n++) await one(n);
    const cpuUs = mainThreadCpuMs(child.pid!) * 1e3 - cpu0;
    const p1 = await probe(child, dir, 1);
    return {
      cpuUs,
      bytes: p1.used - p0.used,
      gcs: p1.minor + p1.major - p0.minor - p0.major,
      scavenges: p1.minor - p0.minor,
      scavengeMs: p1.minorMs - p0.minorMs,
    };
  } finally {
    await client?.endAsync(true).catch(() => {});
    child?.kill('SIGTERM');
    if (child && child.exitCode === null) await new Promise((r) => child!.once('exit', r));
    removeTempDir(dir);
  }
}

async function probe(child: ChildProcess, dir: string, n: number): Promise<Probe> {
  child.kill('SIGUSR2');
  const file = join(dir, `probe.${n}`);
  for (let i = 0; i < 500 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 10));
  return JSON.parse(readFileSync(file, 'utf8')) as Probe;
}

async function startGateway(dir: string, flags: string[]) {
  const out = join(dir, 'gateway.log');
  const fd = openSync(out, 'w');
  const child = spawn(process.execPath, [...flags, `--import=${PROBE}`, BIN, 'start'], {
    env: {
      ...(await downProviderGatewayEnv(dir)),
      REQUEST_PROBE_OUT: join(dir, 'probe'),
    },
    stdio: ['ignore', fd, 'inherit'],
  });
  closeSync(fd);
  return { child, port: (await readyLine(child, gatewayReady, { file: out })).mqtt_port };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { requests: { type: 'string' }, runs: { type: 'string' } } });
  await benchRequestCost({
    requests: values.requests ? Number(values.requests) : undefined,
    runs: values.runs ? Number(values.runs) : undefined,
  });
}

/** BENCH_EXTRA_FLAGS: added to the unit's flags for the CPU run (e.g. `--cpu-prof` to see where). */
function extraFlags(): string[] {
  return (process.env.BENCH_EXTRA_FLAGS ?? '').split(' ').filter(Boolean);
}
