// What a live view costs a scan, in one gateway run (bench/page.ts): blocks of scans alternate in
// ABBA order between the view closed and open (closed, open, open, closed, …), repeated, so drift of
// this shared machine hits both sides alike. Beside the latency percentiles, per block: the
// gateway's main-thread CPU (the scan path's thread, from /proc, so it does not depend on the
// machine's load), the bytes the view's streams carried, and optionally the CPU of other processes
// (the browser). A p99 of a few thousand samples is set by a few dozen of them, so the ratio of
// each repeat is printed too: their spread says how far one figure can be trusted.
import { readdirSync, readFileSync } from 'node:fs';
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
  const run = async (count: number, into?: number[]) => {
    for (let i = 0; i < count; i++) {
      n++;
      const ms = await scanOnce(target, text());
      into?.push(ms);
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
      if (side === 'open') await view.open();
      const cpu0 = cost();
      await run(plan.block, mine[side]);
      await sleep(plan.settleMs);
      const cpu1 = cost();
      const t = total[side];
      t.gatewayMs += cpu1.gateway - cpu0.gateway;
      t.otherMs += cpuSpent(cpu0.other, cpu1.other);
      if (side === 'open') {
        await view.check?.(text());
        for (const [k, v] of Object.entries(await view.close())) bytes[k] = (bytes[k] ?? 0) + v;
      }
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
    // Per scan, the view's windows include its streams' idle ticks: what a page open costs a scan.
    gateway_cpu_ms_per_scan: { closed: r3(gw.closed), open: r3(gw.open), live_feed: r3(gw.open - gw.closed) },
    ...(view.pids ? { browser_cpu_ms_per_scan: { closed: r3(other.closed), open: r3(other.open) } } : {}),
    stream_bytes_per_scan: Object.fromEntries(
      Object.entries(bytes).map(([k, v]) => [k, Math.round(v / total.open.samples.length)]),
    ),
  };
}
