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
// Bar: p99 open / closed ≤ 1.1.
//
// RSS: a fresh production process, the page and all its assets fetched once, one SSE client
// consuming the stream; VmRSS read after 30 s. Bar: ≤ 80 MB.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { scanOnce, startGateway, stopTarget, type Target } from './scan-latency.ts';
import { percentiles } from './stats.ts';
import { unitNodeFlags } from './unit-flags.ts';

const ASSETS = fileURLToPath(new URL('../src/web/assets/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/edge-gateway.js', import.meta.url));
const ROUND = 100;
const WARMUP = 100;
const GAP_MS = 10;
const SSE_CLIENTS = 2;
const PASSWORD = 'bench-technician-1';

/** A stream of /api/events read and thrown away, as a page does; counts what it got. */
function sseClient(base: string) {
  const abort = new AbortController();
  const got = { bytes: 0 };
  const done = fetch(`${base}/api/events`, { signal: abort.signal })
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
  const line = readFileSync(logFile, 'utf8')
    .split('\n')
    .find((l) => l.includes('"setup_code"'));
  if (!line) throw new Error('no setup code in the gateway log');
  await page.goto(`${base}/`);
  await page.fill('#claim-form [name=code]', JSON.parse(line).setup_code);
  await page.fill('#claim-form [name=password]', PASSWORD);
  await page.fill('#claim-form [name=password2]', PASSWORD);
  await page.click('#claim-form button[type=submit]');
  await page.waitForSelector('#test-scan-form');
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

    const target = gateway;
    let n = 0;
    const run = async (count: number, into?: number[]) => {
      for (let i = 0; i < count; i++) {
        // Unique codes: the gateway's duplicate window must not drop one.
        into?.push(await scanOnce(target, `PAGE-${String(++n).padStart(7, '0')}`));
        await sleep(GAP_MS);
      }
    };
    await run(WARMUP);
    const samples = { closed: [] as number[], open: [] as number[] };
    let pageRows = 0;
    let sseBytes = 0;
    for (let r = 0; r < 2 * rounds; r++) {
      const open = r % 4 === 1 || r % 4 === 2; // ABBA: closed, open, open, closed, …
      if (!open) {
        await page.goto('about:blank');
        await run(ROUND, samples.closed);
        continue;
      }
      await openPage(page, base);
      const streams = Array.from({ length: SSE_CLIENTS }, () => sseClient(base));
      await sleep(200); // the streams' first frames (status, history) out of the way
      await run(ROUND, samples.open);
      // The page really was live: the last scan of the round is drawn in its list.
      await page.waitForSelector(`#scans li .scan-text:text-is("PAGE-${String(n).padStart(7, '0')}")`);
      pageRows = await page.locator('#scans li').count();
      for (const s of streams) await s.close();
      sseBytes = Math.min(...streams.map((s) => s.got.bytes));
    }
    const closed = percentiles(samples.closed);
    const open = percentiles(samples.open);
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    return {
      closed,
      open,
      ratio: { p50: ratio(open.p50, closed.p50), p99: ratio(open.p99, closed.p99) },
      live_check: { page_rows_last_round: pageRows, sse_bytes_min_last_round: sseBytes },
    };
  } finally {
    await browser?.close();
    if (gateway) await stopTarget(gateway);
  }
}

function vmRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function rss(dir: string, flags: string[], steadyS: number) {
  const child = spawn(process.execPath, [...flags, BIN, 'start'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      EDGE_DATA_DIR: join(dir, 'rss-data'),
      EDGE_MQTT_PORT: '0',
      EDGE_HTTP_PORT: '0',
      EDGE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const ready = await new Promise<{ http_port: number }>((resolve, reject) => {
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
    while (Date.now() - t0 < steadyS * 1000) {
      await sleep(1000);
      max = Math.max(max, vmRssMb(child.pid!));
    }
    const steady = vmRssMb(child.pid!);
    const sse = stream.got.bytes;
    await stream.close();
    return {
      rss_mb_at_ready: round1(atReady),
      rss_mb_steady: round1(steady),
      rss_mb_max: round1(Math.max(max, steady)),
      page_bytes: pageBytes,
      sse_bytes: sse,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

export async function benchPage(rounds = 10, steadyS = 30): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-page-'));
  const flags = unitNodeFlags();
  try {
    const lat = await latency(dir, flags, rounds);
    const mem = await rss(dir, flags, steadyS);
    const out = {
      node_flags: flags,
      scan_latency_ms: lat,
      rss: mem,
      bar: 'scan latency p99 page open / closed ≤ 1.1×; RSS with the page served and one SSE client ≤ 80 MB',
      ratio_ok: lat.ratio.p99 <= 1.1,
      rss_ok: mem.rss_mb_steady <= 80,
    };
    console.log(JSON.stringify({ bench: 'status_page', ...out }));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPage();
