// The status page's cost on the box (issue 9, DESIGN §10): scan latency with the page open and live
// against the same gateway with no page open, and the RSS of the production process serving it.
//
// Latency: one gateway as the systemd unit runs it (compiled dist/, NODE_ENV=production, the unit's
// node flags), a real pty scanner and the till's mqtt.js client (defaults, QoS 1) as in
// bench/scan-latency.ts. Rounds alternate in ABBA order between "closed" (Chromium stays running
// on about:blank, so its mere presence loads both sides alike) and "open": headless Chromium on the
// page, logged in as the technician (the heaviest stream: every scan's text and hex, drawn into the
// list and the chart) plus SSE_CLIENTS more streams consuming /api/events. Scans are paced GAP_MS
// apart, a fast scanning burst, so the page's live work lands between and during scans as it would.
// Chromium renders on the same 2 cores as the gateway, so that ratio holds Chromium's CPU too. The
// SSE-only variant measures what the gateway itself pays for a live page: the same ABBA rounds with
// no browser at all, "open" being the streams a page opens read by plain HTTP clients (one logged-in
// technician stream with every scan's text and hex, plus SSE_CLIENTS public ones). Bar: p99 open /
// closed ≤ 1.1 for the SSE-only variant (the gateway's cost); the Chromium ratio is printed beside it.
//
// RSS: a fresh production process as the bar has it (DESIGN §10: "with the page and the uplink
// on"): the uplink connected to an ops broker (aedes, in this process), a till's mqtt.js client
// connected and subscribed, the page and all its assets fetched once, one SSE client consuming the
// stream; VmRSS read every 200 ms and after 30 s. Bar: ≤ 80 MB steady.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { type Browser, chromium, type Page } from 'playwright-core';
import { unitNodeFlags } from '../test/helpers/unit-flags.ts';
import { scanOnce, startGateway, stopTarget, type Target } from './scan-latency.ts';
import { percentiles } from './stats.ts';

const ASSETS = fileURLToPath(new URL('../src/web/assets/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/edge-gateway.js', import.meta.url));
const ROUND = 100;
const WARMUP = 100;
const GAP_MS = 10;
const SSE_CLIENTS = 2;
const PASSWORD = 'bench-technician-1';

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

async function openPage(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.waitForSelector('#live[data-state=live]');
  await page.waitForSelector('#test-scan-form'); // the technician's view: scans with text and hex
}

async function claim(page: Page, base: string, logFile: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.fill('#claim-form [name=code]', setupCode(logFile));
  await page.fill('#claim-form [name=password]', PASSWORD);
  await page.fill('#claim-form [name=password2]', PASSWORD);
  await page.click('#claim-form button[type=submit]');
  await page.waitForSelector('#test-scan-form');
}

function setupCode(logFile: string): string {
  const line = readFileSync(logFile, 'utf8')
    .split('\n')
    .find((l) => l.includes('"setup_code"'));
  if (!line) throw new Error('no setup code in the gateway log');
  return JSON.parse(line).setup_code;
}

/** Claims the box over HTTP as the page's claim form does; the technician's session cookie. */
async function claimOverHttp(base: string, logFile: string): Promise<string> {
  const cookieOf = (res: Response, prev: string) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.startsWith('edge_session=')) ?? prev;
  const s = await fetch(`${base}/api/session`);
  const { csrf_token } = (await s.json()) as { csrf_token: string };
  const cookie = cookieOf(s, '');
  const res = await fetch(`${base}/api/claim`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrf_token, 'content-type': 'application/json' },
    body: JSON.stringify({ code: setupCode(logFile), password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`claim: ${res.status} ${await res.text()}`);
  return cookieOf(res, cookie);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;

async function latency(dir: string, flags: string[], rounds: number) {
  let browser: Browser | undefined;
  let gateway: Target | undefined;
  try {
    gateway = await startGateway(dir, flags);
    const base = `http://127.0.0.1:${gateway.httpPort}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 360, height: 780 } });
    await claim(page, base, gateway.logFile!);
    await sleep(1500); // device attach (poll) and settling after start

    let pageRows = 0;
    let sseBytes = 0;
    const latency = await abbaScanLatency(gateway, 'PAGE', rounds, {
      closed: () => page.goto('about:blank').then(() => undefined),
      async open(scanRound, lastText) {
        await openPage(page, base);
        const streams = Array.from({ length: SSE_CLIENTS }, () => sseClient(base));
        await sleep(200); // the streams' first frames (status, history) out of the way
        await scanRound();
        // The page really was live: the last scan of the round is drawn in its list.
        await page.waitForSelector(`#scans li .scan-text:text-is("${lastText()}")`);
        pageRows = await page.locator('#scans li').count();
        for (const s of streams) await s.close();
        sseBytes = Math.min(...streams.map((s) => s.got.bytes));
      },
    });
    return { ...latency, live_check: { page_rows_last_round: pageRows, sse_bytes_min_last_round: sseBytes } };
  } finally {
    await browser?.close();
    if (gateway) await stopTarget(gateway);
  }
}

/** The gateway's own cost of live pages: the streams a page opens, read by plain HTTP clients. */
async function sseOnlyLatency(dir: string, flags: string[], rounds: number) {
  const gateway = await startGateway(dir, flags, {}, 'sse-gateway');
  try {
    const base = `http://127.0.0.1:${gateway.httpPort}`;
    const cookie = await claimOverHttp(base, gateway.logFile!);
    await sleep(1500); // device attach (poll) and settling after start
    let techBytes = 0;
    const latency = await abbaScanLatency(gateway, 'SSE', rounds, {
      async open(scanRound) {
        const tech = sseClient(base, cookie);
        const streams = [tech, ...Array.from({ length: SSE_CLIENTS }, () => sseClient(base))];
        await sleep(200);
        const before = tech.got.bytes;
        await scanRound();
        await sleep(100); // the last 50 ms scan batch
        // The technician stream really carried the round's scans (text and hex of each).
        if (tech.got.bytes - before < ROUND * 40) throw new Error('the technician stream carried no scans');
        techBytes = tech.got.bytes - before;
        for (const s of streams) await s.close();
      },
    });
    return {
      ...latency,
      live_check: { technician_stream_bytes_last_round: techBytes, streams: 1 + SSE_CLIENTS },
    };
  } finally {
    await stopTarget(gateway);
  }
}

/**
 * Scan latency with the live view closed and open, in ABBA rounds of ROUND scans (closed, open,
 * open, closed, …) after a warm-up, so drift on the machine hits both sides alike. `open` opens the
 * view, sends the round through `scanRound` and closes the view again; `lastText` is the last
 * scan's text.
 */
async function abbaScanLatency(
  target: Target,
  prefix: string,
  rounds: number,
  view: {
    closed?: () => Promise<void>;
    open: (scanRound: () => Promise<void>, lastText: () => string) => Promise<void>;
  },
) {
  let n = 0;
  // Unique codes: the gateway's duplicate window must not drop one.
  const lastText = () => `${prefix}-${String(n).padStart(7, '0')}`;
  const run = async (count: number, into?: number[]) => {
    for (let i = 0; i < count; i++) {
      n++;
      into?.push(await scanOnce(target, lastText()));
      await sleep(GAP_MS);
    }
  };
  await run(WARMUP);
  const samples = { closed: [] as number[], open: [] as number[] };
  for (let r = 0; r < 2 * rounds; r++) {
    if (r % 4 === 1 || r % 4 === 2) {
      await view.open(() => run(ROUND, samples.open), lastText);
    } else {
      await view.closed?.();
      await run(ROUND, samples.closed);
    }
  }
  const closed = percentiles(samples.closed);
  const open = percentiles(samples.open);
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  return { closed, open, ratio: { p50: ratio(open.p50, closed.p50), p99: ratio(open.p99, closed.p99) } };
}

function vmRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function rss(dir: string, flags: string[], steadyS: number) {
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
    const ready = await new Promise<{ http_port: number; mqtt_port: number }>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const line = buf.split('\n').find((l) => l.includes('"msg":"ready"'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (c) => reject(new Error(`gateway exited ${c}`)));
    });
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

export async function benchPage(rounds = 10, steadyS = 30): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-page-'));
  const flags = unitNodeFlags();
  try {
    const sse = await sseOnlyLatency(dir, flags, rounds);
    const lat = await latency(dir, flags, rounds);
    const mem = await rss(dir, flags, steadyS);
    const out = {
      node_flags: flags,
      scan_latency_sse_only_ms: sse,
      scan_latency_chromium_ms: lat,
      rss: mem,
      bar: 'scan latency p99 live streams open / closed ≤ 1.1× (SSE-only: the gateway’s own cost; the Chromium variant adds the browser’s CPU on the same cores); RSS with the page served and one SSE client ≤ 80 MB',
      ratio_ok: sse.ratio.p99 <= 1.1,
      chromium_ratio_ok: lat.ratio.p99 <= 1.1,
      rss_ok: mem.rss_mb_steady <= 80,
    };
    console.log(JSON.stringify({ bench: 'status_page', ...out }));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPage();
