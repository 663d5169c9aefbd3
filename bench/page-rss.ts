// The status page's RSS (issue 9), for bench/page.ts: a fresh production process as DESIGN §10's
// bar has it ("with the page and the uplink on"): the uplink connected to an ops broker (aedes, in this process), a till's mqtt.js client
// connected and subscribed, the page and all its assets fetched once, one SSE client consuming the
// stream; VmRSS read every 200 ms and after 30 s. Bar: ≤ 80 MB steady.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { gatewayReady, readyLine } from './proc.ts';

const ASSETS = fileURLToPath(new URL('../src/web/assets/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/edge-gateway.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;

/** A stream of /api/events read and thrown away, as a page does; counts what it got. */
function sseClient(base: string, cookie?: string) {
  const abort = new AbortController();
  const got = { bytes: 0 };
  const headers: Record<string, string> = cookie ? { cookie } : {};
  const done = fetch(`${base}/api/events`, { signal: abort.signal, headers })
    .then(async (res) => {
      const reader = res.body!.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) got.bytes += r.value.length;
    })
    .catch(() => {});
  return {
    got,
    close: async () => {
      abort.abort();
      await done;
    },
  };
}

function vmRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export async function rss(dir: string, flags: string[], steadyS: number) {
  const ops = await Aedes.createBroker();
  const opsServer = createServer(ops.handle);
  opsServer.listen(0, '127.0.0.1');
  await once(opsServer, 'listening');
  const opsPort = (opsServer.address() as { port: number }).port;
  const uplinked = new Promise<void>((resolve) => ops.on('client', () => resolve()));
  const child = spawn(process.execPath, [...flags, BIN, 'start'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      EDGE_DATA_DIR: join(dir, 'rss-data'),
      EDGE_MQTT_PORT: '0',
      EDGE_HTTP_PORT: '0',
      EDGE_LOG_LEVEL: 'info',
      EDGE_UPLINK_URL: `mqtt://127.0.0.1:${opsPort}`,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let till: mqtt.MqttClient | undefined;
  try {
    const ready = await readyLine(child, gatewayReady);
    const base = `http://127.0.0.1:${ready.http_port}`;
    const atReady = vmRssMb(child.pid!);
    till = await mqtt.connectAsync(`mqtt://127.0.0.1:${ready.mqtt_port}`, { reconnectPeriod: 0 });
    await till.subscribeAsync('pos/demo-till/#', { qos: 1 }); // demo mode's till
    await uplinked;
    // The page as a phone loads it: the document, every asset, the session and the history.
    const paths = ['/', '/api/session', '/api/status', '/api/history'];
    for (const f of readdirSync(ASSETS)) if (f !== 'index.html') paths.push(`/assets/${f}`);
    let pageBytes = 0;
    for (const p of paths) {
      const res = await fetch(base + p);
      if (!res.ok) throw new Error(`${p}: ${res.status}`);
      pageBytes += (await res.arrayBuffer()).byteLength;
    }
    const stream = sseClient(base);
    const t0 = Date.now();
    let max = 0;
    let maxAt = 0;
    while (Date.now() - t0 < steadyS * 1000) {
      await sleep(200); // the inventory worker's peak lasts about half a second
      const now = vmRssMb(child.pid!);
      if (now > max) [max, maxAt] = [now, (Date.now() - t0) / 1000];
    }
    const steady = vmRssMb(child.pid!);
    const sse = stream.got.bytes;
    await stream.close();
    return {
      uplink_and_till_connected: true,
      rss_mb_at_ready: round1(atReady),
      rss_mb_steady: round1(steady),
      rss_mb_max: round1(Math.max(max, steady)),
      rss_max_at_s_after_ready: round1(maxAt),
      page_bytes: pageBytes,
      sse_bytes: sse,
    };
  } finally {
    await till?.endAsync().catch(() => {});
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((r) => ops.close(() => r()));
    opsServer.close();
  }
}
