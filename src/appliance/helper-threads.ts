// The gateway's own helper threads yield to its main thread (DESIGN §10 scan latency).
//
// Why: on a box with few cores, V8's background thread (optimising compiles, concurrent GC work)
// woke on the CPU of the main thread that posted the job and ran there, while the main thread,
// with a scan waiting on its tty, sat runnable behind it and the other CPU idled. Seen in a
// scheduler trace of the scan-latency bench (perf sched, kernel 6.18): every scan whose tty read
// came more than 1 ms late had V8's thread on the gateway's CPU; a TurboFan compile of one small
// function took 1.8 ms there. The compiles go on long after start (functions first run on a
// timer, such as the duplicate filter's pruning, are optimised when they first get hot).
//
// Nice 19 for every thread but the main one: the kernel then lets the main thread run first and
// moves the helper to an idle CPU. The helpers still get the CPU when the main thread waits for
// them (a GC it joins) or is idle, so nothing they do is starved on a box that has spare time.
// Linux sets nice per thread (setpriority on a thread id), and lowering it needs no privilege.
// Threads made later (libuv's pool starts on first use) inherit the main thread's nice; by the
// time the gateway serves, the pool has run (module loading, file reads), so it is set too.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Logger } from '../log.ts';

export const HELPER_NICE = 19;

/** Sets every thread of this process except the main one to `HELPER_NICE`; returns how many. */
export function lowerHelperThreads(log: Logger): number {
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number);
  } catch {
    return 0; // not Linux: nothing to do
  }
  let done = 0;
  for (const tid of tids) {
    if (tid === process.pid || !Number.isInteger(tid)) continue;
    try {
      setPriority(tid, HELPER_NICE);
      done++;
    } catch (err) {
      // A thread that ended meanwhile, or a system call filter without setpriority.
      log.debug('helper thread priority not set', { tid, error: err });
    }
  }
  return done;
}
