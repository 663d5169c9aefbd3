// CPU placement for the page bench (bench/page.ts). On the box the gateway has its CPUs to itself:
// the browser is on the technician's phone and the till's client on the till. On this 2-vCPU VM
// the timing client, the pty relay (socat), the page's browser and its mirror all run beside the
// gateway, and the scheduler puts them on the gateway's CPU too: the slowest scans were then the
// gateway or the timing client waiting for a CPU behind one another (bench/page-probe-report.ts).
// So the bench runs on the other CPUs and the gateway alone on CPU 0: its own threads (GC, libuv,
// the inventory worker) stay with it, so everything the gateway does for a page is still on its
// CPU, and only the instrument is moved off.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const last = availableParallelism() - 1;

/** Moves every thread of `pid` onto `cpus` (taskset list syntax); threads made later inherit it. */
function setAffinity(pid: number, cpus: string): void {
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', cpus, String(pid)], { stdio: 'ignore' });
}

/** Whether there are CPUs enough to split (at least 2). */
export const canSplit = last >= 1;

/**
 * This process (and the children it starts from now on) onto CPUs 1…n; returns the undo (once is
 * enough, a second call does nothing). A no-op on one CPU.
 */
export function benchOffGatewayCpu(): () => void {
  if (!canSplit) return () => {};
  setAffinity(process.pid, `1-${last}`);
  let pinned = true;
  return () => {
    if (pinned) setAffinity(process.pid, `0-${last}`);
    pinned = false;
  };
}

/** A started gateway (every thread, and those it makes later) onto CPU 0 alone. */
export function gatewayOnOwnCpu(pid: number): void {
  if (canSplit) setAffinity(pid, '0');
}
