// What a live view costs a scan, in one gateway run (bench/page.ts): blocks of scans alternate in
// ABBA order between the view closed and open (closed, open, open, closed, …), repeated, so drift of
// this shared machine hits both sides alike. Beside the latency percentiles, per block: the
// gateway's main-thread CPU (the scan path's thread, from /proc, so it does not depend on the
// machine's load), the bytes the view's streams carried, and optionally the CPU of other processes
// (the browser). A p99 of a few thousand samples is set by a few dozen of them, so the ratio of
// each repeat is printed too: their spread says how far one figure can be trusted.
import { readdirSync, readFileSync } from 'node:fs';
import { median, type Quad, quadBootstrap } from './page-stats.ts';
import type { TracedScan } from './page-trace.ts';
import { mainThreadCpuMs } from './proc.ts';
import { scanOnce, type Target } from './scan-latency.ts';
import { percentiles } from './stats.ts';

export interface LiveView {
  open(): Promise<void>;
  /** Closes the view; the bytes its streams carried since `open`, by kind of stream. */
  close(): Promise<Record<string, number>>;
  /** After an open block: the view really was live (e.g. the block's last scan is drawn). */
  check?(lastText: string): Promise<void>;
  /** Other processes whose CPU counts against the view (the browser's). */
  pids?(): number[];
  /**
   * The closed side's control load, around each closed block: e.g. the same browser drawing the
   * same frames replayed from elsewhere, so the two sides differ only in what the gateway serves.
   */
  control?: { open(): Promise<void>; close(): Promise<void> };
}

export interface AbbaPlan {
  repeats: number;
  /** Blocks per repeat, a multiple of 4 (ABBA). */
  blocks: number;
  block: number;
  warmup: number;
  gapMs: number;
  /** Quiet time after each block, inside its CPU window on both sides: the last flush lands. */
  settleMs: number;
  /** Record per scan what each process did meanwhile (bench/page-probe.mjs; slows the bench). */
  probe?: boolean;
  /** Keep each scan's start on CLOCK_MONOTONIC, for a CPU trace (bench/page-trace.ts). */
  trace?: boolean;
}

/** One scan in a probe run: wall-clock start (epoch ms) and, per process, ns during the scan. */
export interface ProbeSample {
  side: 'closed' | 'open';
  at: number;
  ms: number;
  /** The gateway's main thread: on CPU, and runnable but waiting for one. */
  gwCpu: number;
  gwWait: number;
  /** This process's main thread (the till's client that times the scan): waiting for a CPU. */
  benchWait: number;
  /** All threads of the browser's processes: on CPU. */
  browserCpu: number;
}

const schedstat = (path: string): [number, number] => {
  try {
    const [cpu, wait] = readFileSync(path, 'utf8').split(' ');
    return [Number(cpu), Number(wait)];
  } catch {
    return [0, 0];
  }
};

function threadsOf(pids: number[]): string[] {
  const paths: string[] = [];
  for (const pid of pids) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) paths.push(`/proc/${pid}/task/${tid}/schedstat`);
    } catch {}
  }
  return paths;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r2 = (n: number) => Math.round(n * 100) / 100;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const TICK_MS = 1000 / 100; // USER_HZ: /proc/<pid>/stat counts CPU in 10 ms ticks

/** CPU (ms, all threads) of each of `pids` so far. */
export function processesCpuMs(pids: number[]): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(pid, (Number(f[11]) + Number(f[12])) * TICK_MS); // utime, stime
    } catch {}
  }
  return cpu;
}

/** CPU spent between two readings; a process born between them counts from 0, one gone is lost. */
function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, v] of after) ms += v - (before.get(pid) ?? 0);
  return ms;
}

/** `root` and every process below it (a browser's renderers, GPU and utility processes). */
export function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++)
    for (const [pid, ppid] of parent) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

type Side = 'closed' | 'open';

export async function abbaLive(target: Target, prefix: string, view: LiveView, plan: AbbaPlan) {
  if (plan.blocks % 4 !== 0) throw new Error('blocks per repeat: a multiple of 4');
  const pid = target.child.pid!;
  let n = 0;
  // Unique codes: the gateway's duplicate window must not drop one.
  const text = () => `${prefix}-${String(n).padStart(7, '0')}`;
  const probes: ProbeSample[] = [];
  const traced: TracedScan[] = [];
  const quads: Quad[] = [];
  let browserThreads: string[] = [];
  const browserCpu = () => browserThreads.map((p) => schedstat(p)[0]);
  // A thread that ended between the readings reads 0 after: it counts nothing, not minus its CPU.
  const spent = (a: number[], b: number[]) => b.reduce((t, v, i) => t + (v && a[i] ? v - a[i]! : 0), 0);
  const run = async (count: number, into?: number[], side?: Side) => {
    for (let i = 0; i < count; i++) {
      n++;
      if (plan.probe && side) {
        const at = performance.timeOrigin + performance.now();
        const [g0, w0] = schedstat(`/proc/${pid}/schedstat`);
        const b0 = schedstat('/proc/self/schedstat')[1];
        const c0 = browserCpu();
        const ms = await scanOnce(target, text());
        const c1 = browserCpu();
        const [g1, w1] = schedstat(`/proc/${pid}/schedstat`);
        const b1 = schedstat('/proc/self/schedstat')[1];
        probes.push({
          side,
          at,
          ms,
          gwCpu: g1 - g0,
          gwWait: w1 - w0,
          benchWait: b1 - b0,
          browserCpu: spent(c0, c1),
        });
        into?.push(ms);
      } else if (plan.trace && side) {
        const t0 = process.hrtime.bigint(); // CLOCK_MONOTONIC, as the trace's clock
        const ms = await scanOnce(target, text());
        traced.push({ side, t0, ms, quad: quads.length - 1 });
        into?.push(ms);
      } else into?.push(await scanOnce(target, text()));
      await sleep(plan.gapMs);
    }
  };
  await run(plan.warmup);
  const cost = () => ({ gateway: mainThreadCpuMs(pid), other: processesCpuMs(view.pids?.() ?? []) });

  const total = {
    closed: { samples: [] as number[], gatewayMs: 0, otherMs: 0 },
    open: { samples: [] as number[], gatewayMs: 0, otherMs: 0 },
  };
  const bytes: Record<string, number> = {};
  const repeats: { p50: number; p90: number; p99: number }[] = [];
  for (let rep = 0; rep < plan.repeats; rep++) {
    const mine: Record<Side, number[]> = { closed: [], open: [] };
    for (let b = 0; b < plan.blocks; b++) {
      const side: Side = b % 4 === 1 || b % 4 === 2 ? 'open' : 'closed';
      if (b % 4 === 0) quads.push({ closed: [], open: [] });
      const quad = quads[quads.length - 1]!;
      const before = mine[side].length;
      if (side === 'open') await view.open();
      else await view.control?.open();
      if (plan.probe) browserThreads = threadsOf(view.pids?.() ?? []);
      const cpu0 = cost();
      await run(plan.block, mine[side], side);
      quad[side].push(...mine[side].slice(before));
      await sleep(plan.settleMs);
      const cpu1 = cost();
      const t = total[side];
      t.gatewayMs += cpu1.gateway - cpu0.gateway;
      t.otherMs += cpuSpent(cpu0.other, cpu1.other);
      if (side === 'open') {
        await view.check?.(text());
        for (const [k, v] of Object.entries(await view.close())) bytes[k] = (bytes[k] ?? 0) + v;
      } else await view.control?.close();
    }
    const c = percentiles(mine.closed);
    const o = percentiles(mine.open);
    repeats.push({ p50: r2(o.p50 / c.p50), p90: r2(o.p90 / c.p90), p99: r2(o.p99 / c.p99) });
    total.closed.samples.push(...mine.closed);
    total.open.samples.push(...mine.open);
  }
  const closed = percentiles(total.closed.samples);
  const open = percentiles(total.open.samples);
  const perScan = (side: Side, v: number) => v / total[side].samples.length;
  const spread = (k: 'p50' | 'p99') => [
    Math.min(...repeats.map((r) => r[k])),
    Math.max(...repeats.map((r) => r[k])),
  ];
  const gw = {
    closed: perScan('closed', total.closed.gatewayMs),
    open: perScan('open', total.open.gatewayMs),
  };
  const other = {
    closed: perScan('closed', total.closed.otherMs),
    open: perScan('open', total.open.otherMs),
  };
  return {
    closed,
    open,
    ratio: { p50: r2(open.p50 / closed.p50), p90: r2(open.p90 / closed.p90), p99: r2(open.p99 / closed.p99) },
    repeats,
    spread: { p50: spread('p50'), p99: spread('p99') },
    median_of_repeats_p99: r2(median(repeats.map((r) => r.p99))),
    // The pooled p99 ratio's 90 % interval over ABBA quads drawn with replacement (page-stats.ts).
    ci90_p99: quadBootstrap(quads),
    // Per scan, the view's windows include its streams' idle ticks: what a page open costs a scan.
    gateway_cpu_ms_per_scan: { closed: r3(gw.closed), open: r3(gw.open), live_feed: r3(gw.open - gw.closed) },
    ...(view.pids ? { browser_cpu_ms_per_scan: { closed: r3(other.closed), open: r3(other.open) } } : {}),
    stream_bytes_per_scan: Object.fromEntries(
      Object.entries(bytes).map(([k, v]) => [k, Math.round(v / total.open.samples.length)]),
    ),
    ...(plan.probe ? { probes } : {}),
    ...(plan.trace ? { traced } : {}),
  };
}
