// The page bench's CPU trace (bench/page-trace.ts) splits a scan's wall time by what the gateway's
// CPU did meanwhile. Its figure decides whether a slow scan is the gateway's doing, so its parsing
// of `perf script` and its bookkeeping are checked on a hand-written trace.
import test from 'ava';
import { cpuDuringScans, type TracedScan, timeline } from '../../bench/page-trace.ts';

const GW = 100;
// µs since the start, written as perf prints CLOCK_MONOTONIC seconds with nanoseconds.
const at = (us: number) => `10.${String(us * 1000).padStart(9, '0')}`;
const sw = (us: number, pid: string, next: number, comm = 'node') =>
  `${pid} ${at(us)}: sched:sched_switch: prev_comm=x prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=${comm} next_pid=${next} next_prio=120`;
const SCRIPT = [
  sw(0, '0/0', GW), // the gateway's main thread runs
  `${GW}/${GW} ${at(100)}: irq:softirq_entry: vec=3 [action=NET_RX]`,
  `${GW}/${GW} ${at(110)}: irq:irq_handler_entry: irq=5 name=virtio`, // nested in the softirq
  `${GW}/${GW} ${at(115)}: irq:irq_handler_exit: irq=5 ret=handled`,
  `${GW}/${GW} ${at(130)}: irq:softirq_exit: vec=3 [action=NET_RX]`,
  sw(200, `${GW}/${GW}`, 101), // its GC helper thread (seen later as 100/101)
  sw(300, `${GW}/101`, 0), // idle
  `${GW}/${GW} ${at(350)}: sched:sched_process_fork: comm=node pid=${GW} child_comm=node child_pid=200`,
  sw(400, '0/0', 201), // a thread of the child process (200/201)
  sw(500, '200/201', 7, 'kworker/0:2'), // another task of the machine
  sw(600, '7/7', 0),
  sw(1000, '0/0', GW),
].join('\n');

test('each scan is split into the gateway (its threads and children), interrupts, other tasks and idle', (t) => {
  const trace = timeline(SCRIPT);
  const t0 = (us: number) => 10_000_000_000n + BigInt(us * 1000);
  const scans: TracedScan[] = [
    { side: 'closed', t0: t0(0), ms: 0.7, quad: 0 }, // 0..700 µs
    { side: 'open', t0: t0(550), ms: 0.5, quad: 0 }, // 550..1050 µs
  ];
  const cpu = cpuDuringScans(trace, GW, scans);
  // Closed: gateway 0-100, 130-300 (main, then helper), 400-500 (the child's thread) = 370 µs;
  // interrupts 100-130 = 30 µs; other task 500-600; idle 300-400 and 600-700.
  t.deepEqual(cpu.slowest_1pct.closed, {
    wall_us: 700,
    gateway_us: 370,
    interrupts_us: 30,
    other_tasks_us: 100,
    idle_us: 200,
    other_tasks_top_us: { kworker: 100 },
  });
  // Open: other 550-600, idle 600-1000, gateway 1000-1050.
  t.deepEqual(cpu.slowest_1pct.open, {
    wall_us: 500,
    gateway_us: 50,
    interrupts_us: 0,
    other_tasks_us: 50,
    idle_us: 400,
    other_tasks_top_us: { kworker: 50 },
  });
  // Busy = the gateway's tasks and the interrupts on its CPU.
  t.deepEqual(cpu.busy_us, { closed: { p50: 400, p90: 400, p99: 400 }, open: { p50: 50, p90: 50, p99: 50 } });
  t.is(cpu.busy_ratio.p99, 0.13);
});
