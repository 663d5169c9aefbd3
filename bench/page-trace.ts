// What the gateway's CPU did while each scan was in flight (BENCH_PAGE_TRACE=1, bench/page.ts): a
// scheduler trace of CPU 0, where the gateway runs alone, so a slow scan can be split into the
// gateway's own work (its threads and the child processes it starts), interrupts on its CPU, other
// tasks of this VM on its CPU, and time its CPU sat idle: then the scan was waiting on the other CPU
// (the pty relay and the till's client of this bench) or on the host, not on the gateway.
//
// Why: the page bar's figure is wall-clock latency, and on this VM its slowest 1 % carries the
// instrument's and the host's delays. Which of that the page causes on the gateway's CPU is the
// gateway's busy time per scan, open against closed; the wall-clock tail's make-up says what the
// rest is. A diagnostic beside the bar, not the bar: the tracing itself costs the gateway's CPU a
// few µs per context switch, on both sides alike.
//
// Needs perf (Debian linux-perf), root and tracefs (mounted here if it is not).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Quad, quadBootstrap } from './page-stats.ts';
import { percentiles } from './stats.ts';

/** One measured scan: its start on CLOCK_MONOTONIC (ns, as perf's `-k CLOCK_MONOTONIC`), its wall time. */
export interface TracedScan {
  side: 'closed' | 'open';
  t0: bigint;
  ms: number;
  quad: number;
}

const EVENTS = [
  'sched:sched_switch',
  'sched:sched_process_fork',
  'irq:softirq_entry',
  'irq:softirq_exit',
  'irq:irq_handler_entry',
  'irq:irq_handler_exit',
];
const TRACEFS = '/sys/kernel/tracing';

export interface CpuTrace {
  /** Stops recording; what ran on the CPU, in time order. */
  stop(): Promise<Timeline>;
  /** Stops recording if it still runs (the bench failed first); nothing is read. */
  end(): Promise<void>;
}

/** Starts recording CPU `cpu`'s scheduler and interrupt events into `dir`. */
export async function startCpuTrace(dir: string, cpu = 0): Promise<CpuTrace> {
  if (!existsSync(join(TRACEFS, 'events'))) {
    try {
      execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `BENCH_PAGE_TRACE needs tracefs at ${TRACEFS} (mount -t tracefs nodev ${TRACEFS}, as root)`,
      );
    }
  }
  const file = join(dir, 'cpu.perf');
  const events = EVENTS.flatMap((e) => ['-e', e]);
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('BENCH_PAGE_TRACE needs perf (Debian package linux-perf)');
  }
  // Started from the bench's process, so it runs on the bench's CPUs, not the gateway's.
  const perf = spawn(
    'perf',
    ['record', '-q', '-k', 'CLOCK_MONOTONIC', '-C', String(cpu), ...events, '-o', file],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = once(perf, 'exit');
  // perf has no ready signal; it records within a few ms. Scans start much later (warm-up first).
  const early = await Promise.race([exited.then(() => true), sleep(1000).then(() => false)]);
  if (early) throw new Error(`perf record exited at once (${perf.exitCode}): see its message above`);
  const end = async () => {
    if (perf.exitCode === null && perf.signalCode === null) perf.kill('SIGINT');
    await exited;
  };
  return {
    end,
    async stop() {
      await end();
      const text = execFileSync('perf', ['script', '-i', file, '--ns', '-F', 'pid,tid,time,event,trace'], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      return timeline(text);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Who had the CPU from each start to the next: a task (tid), an interrupt, or idle (tid 0). */
export interface Timeline {
  starts: number[];
  /** tid ≥ 0, or -1 for an interrupt or softirq. */
  who: number[];
  tgid: Map<number, number>;
  forks: Map<number, number>;
  /** Each task's name (its comm, as the scheduler last switched to it). */
  comm: Map<number, string>;
}

export function timeline(script: string): Timeline {
  const t: Timeline = { starts: [], who: [], tgid: new Map(), forks: new Map(), comm: new Map() };
  let task = 0;
  let nested = 0;
  const at = (ns: number, who: number) => {
    t.starts.push(ns);
    t.who.push(who);
  };
  for (const line of script.split('\n')) {
    const m = /^\s*(\d+)\/(\d+)\s+(\d+)\.(\d+):\s+(\S+):\s+(.*)$/.exec(line);
    if (!m) continue;
    // The event's own task: a tid and the process it belongs to.
    t.tgid.set(Number(m[2]), Number(m[1]));
    const ns = Number(m[3]) * 1e9 + Number(m[4]!.padEnd(9, '0'));
    const event = m[5]!;
    const fields = m[6]!;
    if (event === 'sched:sched_switch') {
      const next = /next_comm=(.*) next_pid=(\d+)/.exec(fields)!;
      task = Number(next[2]);
      t.comm.set(task, next[1]!);
      if (!nested) at(ns, task);
    } else if (event === 'sched:sched_process_fork') {
      const f = /\bpid=(\d+).*child_pid=(\d+)/.exec(fields);
      if (f) t.forks.set(Number(f[2]), Number(f[1]));
    } else if (event.endsWith('_entry')) {
      nested++;
      at(ns, -1);
    } else if (nested > 0) {
      nested--;
      if (!nested) at(ns, task);
    }
  }
  return t;
}

type Part = 'gateway' | 'interrupts' | 'other_tasks' | 'idle';
const PARTS: Part[] = ['gateway', 'interrupts', 'other_tasks', 'idle'];

/** The gateway's: its own threads, and every task forked from one of them (the inventory sampler). */
function gatewayTasks(t: Timeline, pid: number): (tid: number) => boolean {
  const mine = new Map<number, boolean>();
  const isMine = (tid: number, depth = 0): boolean => {
    const known = mine.get(tid);
    if (known !== undefined) return known;
    const parent = t.forks.get(tid);
    const tgid = t.tgid.get(tid);
    const yes =
      tid === pid ||
      (depth < 16 && parent !== undefined && isMine(parent, depth + 1)) ||
      (depth < 16 && tgid !== undefined && tgid !== tid && isMine(tgid, depth + 1));
    mine.set(tid, yes);
    return yes;
  };
  return isMine;
}

/** µs of each part in [from, to) ns. */
function split(t: Timeline, isMine: (tid: number) => boolean, from: number, to: number) {
  const out: Record<Part, number> = { gateway: 0, interrupts: 0, other_tasks: 0, idle: 0 };
  const others: Record<string, number> = {};
  let lo = 0;
  let hi = t.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (t.starts[mid]! <= from) lo = mid;
    else hi = mid - 1;
  }
  for (let i = lo; i < t.starts.length && t.starts[i]! < to; i++) {
    const a = Math.max(from, t.starts[i]!);
    const b = Math.min(to, t.starts[i + 1] ?? to);
    if (b <= a) continue;
    const who = t.who[i]!;
    const part: Part =
      who === -1 ? 'interrupts' : who === 0 ? 'idle' : isMine(who) ? 'gateway' : 'other_tasks';
    out[part] += (b - a) / 1e3;
    if (part === 'other_tasks') {
      // kworker/0:1 and kworker/0:2 are one kind of task.
      const name = (t.comm.get(who) ?? String(who)).replace(/[/:-]\d+(?::\d+)?$/, '');
      others[name] = (others[name] ?? 0) + (b - a) / 1e3;
    }
  }
  return { parts: out, others };
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Per side: the gateway's busy time per scan (its tasks and the interrupts on its CPU while the scan
 * was in flight) at p50/p90/p99, its p99 ratio open/closed with the 90 % interval over ABBA quads,
 * and what the slowest 1 % of scans by wall clock were made of, on average.
 */
export function cpuDuringScans(t: Timeline, gatewayPid: number, scans: TracedScan[]) {
  const isMine = gatewayTasks(t, gatewayPid);
  const quads: Quad[] = [];
  type Row = { ms: number; parts: Record<Part, number>; others: Record<string, number> };
  const sides: Record<TracedScan['side'], Row[]> = { closed: [], open: [] };
  for (const s of scans) {
    const from = Number(s.t0);
    const { parts, others } = split(t, isMine, from, from + s.ms * 1e6);
    sides[s.side].push({ ms: s.ms, parts, others });
    quads[s.quad] ??= { closed: [], open: [] };
    quads[s.quad]![s.side].push(parts.gateway + parts.interrupts);
  }
  const busy = (side: keyof typeof sides) => sides[side].map((s) => s.parts.gateway + s.parts.interrupts);
  const slowest = (side: keyof typeof sides) => {
    const slow = [...sides[side]].sort((a, b) => b.ms - a.ms).slice(0, Math.ceil(sides[side].length / 100));
    const mean = (p: Part) => Math.round(slow.reduce((a, s) => a + s.parts[p], 0) / slow.length);
    const others: Record<string, number> = {};
    for (const s of slow) for (const [k, v] of Object.entries(s.others)) others[k] = (others[k] ?? 0) + v;
    const top = Object.entries(others)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, v]) => [k, Math.round(v / slow.length)]);
    return {
      wall_us: Math.round((slow.reduce((a, s) => a + s.ms, 0) / slow.length) * 1e3),
      ...Object.fromEntries(PARTS.map((p) => [`${p}_us`, mean(p)])),
      other_tasks_top_us: Object.fromEntries(top),
    };
  };
  const pct = (xs: number[]) => {
    const p = percentiles(xs);
    return { p50: Math.round(p.p50), p90: Math.round(p.p90), p99: Math.round(p.p99) };
  };
  const closed = pct(busy('closed'));
  const open = pct(busy('open'));
  const perQuad = quads.filter((q) => q.closed.length && q.open.length);
  return {
    busy_us: { closed, open },
    busy_ratio: {
      p50: r2(open.p50 / closed.p50),
      p90: r2(open.p90 / closed.p90),
      p99: r2(open.p99 / closed.p99),
    },
    busy_ci90_p99: quadBootstrap(perQuad),
    slowest_1pct: { closed: slowest('closed'), open: slowest('open') },
  };
}
