// Where the technician's browser spends its CPU while scans stream in (issue 9's page cost): a
// diagnostic, not a bar. A gateway (compiled, the unit's flags), the page open in headless Chromium
// at SCHED_IDLE as in bench/page.ts, blocks of scans 3 ms apart; per block, each Chromium process's
// and thread's CPU by its --type (browser, renderer, gpu-process, utility) from /proc, the
// renderer's own counters (CDP Performance.getMetrics: script, style, layout, task durations;
// layout and style counts) and the gateway's main-thread CPU, all per scan. The first block has the
// page on about:blank: what Chromium costs doing nothing. BENCH_TRACE_OUT=<file> writes a Chromium
// trace (devtools.timeline) of the first page block; BENCH_BEFORE_BIN=<tree>/bin/edge-gateway.js
// runs that build (with its own page assets) too, blocks alternating ABBA, for an A/B in one run.
//   flock /work/helpers/bench.lock node --import=tsx bench/page-profile.ts [scans per block]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { removeTempDir, tempDir } from '../test/helpers/cleanup.ts';
import { unitNodeFlags } from '../test/helpers/unit-flags.ts';
import { processesCpuMs, processTree } from './page-abba.ts';
import { mainThreadCpuMs, threadStats } from './proc.ts';
import { scanOnce, startGateway, stopTarget } from './scan-latency.ts';

const PAGE_CLIENTS = fileURLToPath(new URL('./page-clients.mjs', import.meta.url));
const SCANS = Number(process.argv[2] ?? 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kindOf(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (/^\S*node\b/.test(cmd)) return 'driver';
    return /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
  } catch {
    return 'gone';
  }
}

/** CPU ms of each thread of `pids`, keyed "<process kind>/<thread name>" (summed over like threads). */
function threadCpuMs(pids: number[]): Map<string, number> {
  const out = new Map<string, number>();
  const kinds = new Map(pids.map((pid) => [pid, kindOf(pid)]));
  for (const { pid, name, fields: f } of threadStats(pids)) {
    const key = `${kinds.get(pid)}/${name}`;
    out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) * 10);
  }
  return out;
}

// Removed at exit and on Ctrl-C too (test/helpers/cleanup.ts), not only by the finally below.
const dir = tempDir('edge-bench-page-profile-');
// BENCH_BEFORE_BIN=<other tree>/bin/edge-gateway.js: that build (and its page assets) too, in
// alternating order (ABBA) with this one, for an A/B in one run.
const before = process.env.BENCH_BEFORE_BIN;
const targets = [{ label: 'this', bin: undefined as string | undefined }];
if (before) targets.push({ label: 'before', bin: before });
const gateways = new Map<string, Awaited<ReturnType<typeof startGateway>>>();
for (const t of targets)
  gateways.set(t.label, await startGateway(dir, unitNodeFlags(), {}, `profile-${t.label}`, t.bin));
const child = spawn('chrt', ['--idle', '0', process.execPath, PAGE_CLIENTS], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
const ask = async (...c: (string | number)[]) => {
  child.stdin!.write(`${c.join(' ')}\n`);
  const a = JSON.parse((await lines.next()).value);
  if (a.error) throw new Error(a.error);
  return a;
};
// Cookies ignore ports: the other gateway is named by another host name, so each keeps its session.
const baseOf = (label: string) =>
  `http://${label === 'this' ? '127.0.0.1' : 'localhost'}:${gateways.get(label)!.httpPort}`;
try {
  await ask('browser');
  for (const [label, g] of gateways) {
    const log = readFileSync(g.logFile!, 'utf8')
      .split('\n')
      .find((l) => l.includes('"setup_code"'))!;
    await ask('claim', baseOf(label), JSON.parse(log).setup_code, 'bench-technician-1');
  }
  const order = before ? ['this', 'before', 'before', 'this', 'this', 'before'] : ['this', 'this', 'this'];
  let n = 0;
  for (const [i, label] of ['blank', ...order].entries()) {
    const side = label === 'blank' ? 'blank' : 'page';
    const gateway = gateways.get(label === 'blank' ? 'this' : label)!;
    if (side === 'page') await ask('page', baseOf(label));
    else await ask('blank');
    await sleep(1500);
    const pids = processTree(child.pid!);
    const m0 = side === 'page' ? await ask('metrics') : {};
    const tracing = side === 'page' && process.env.BENCH_TRACE_OUT && i === 1;
    if (tracing) await ask('trace', '-');
    const c0 = processesCpuMs(pids);
    const g0 = mainThreadCpuMs(gateway.child.pid!);
    const t0s = threadCpuMs(pids);
    const t0 = performance.now();
    for (let i = 0; i < SCANS; i++) {
      await scanOnce(gateway, `PROF-${String(n++).padStart(7, '0')}`);
      await sleep(3);
    }
    await sleep(300);
    const wall = performance.now() - t0;
    const c1 = processesCpuMs(pids);
    const g1 = mainThreadCpuMs(gateway.child.pid!);
    const t1s = threadCpuMs(pids);
    const threads: Record<string, number> = {};
    for (const [k, v] of t1s) {
      const d = v - (t0s.get(k) ?? 0);
      if (d > 0) threads[k] = Math.round((d / SCANS) * 1000) / 1000;
    }
    const m1 = side === 'page' ? await ask('metrics') : {};
    if (tracing) await ask('trace', process.env.BENCH_TRACE_OUT!);
    const byKind: Record<string, number> = {};
    for (const [pid, v] of c1) byKind[kindOf(pid)] = (byKind[kindOf(pid)] ?? 0) + (v - (c0.get(pid) ?? 0));
    const per = (v: number) => Math.round((v / SCANS) * 1000) / 1000;
    const metrics: Record<string, number> = {};
    for (const k of Object.keys(m1))
      if (/Duration|Count$/.test(k) && typeof m1[k] === 'number')
        metrics[k] = /Duration/.test(k) ? per((m1[k] - m0[k]) * 1000) : m1[k] - m0[k];
    console.log(
      JSON.stringify({
        side: label,
        scans: SCANS,
        wall_ms: Math.round(wall),
        gateway_main_thread_ms_per_scan: per(g1 - g0),
        cpu_ms_per_scan: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, per(v)])),
        renderer_ms_per_scan_or_counts: metrics,
        threads_ms_per_scan: threads,
      }),
    );
  }
} finally {
  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
  for (const g of gateways.values()) await stopTarget(g);
  removeTempDir(dir);
}
