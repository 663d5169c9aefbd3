// Samples the box inventory (DESIGN §8 `.../inventory`) in a short-lived child process, so
// systeminformation's blocking calls (57 ms and more on a Pi, docs/stack-notes.md) can never delay a
// scan: once soon after start, then every interval, and again after a device change. Reported only
// when it changed.
//
// A child process rather than a worker thread: a worker lives in the gateway's own memory, and on
// this Node it peaked at +14 MB of the gateway's RSS per sample and left +4.9 MB behind for good
// after it exited (bench/page.ts, docs/stack-notes.md), on a box whose RSS bar is 80 MB. A child
// that exits leaves nothing in the gateway; the sample costs the box ~20 MB of its own for about
// half a second an hour (the node binary's pages are shared), and ~50 ms more CPU than a worker.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.ts';
import type { UplinkInventory } from '../mqtt/topics.ts';
import type { CollectedInventory } from './inventory-collect.ts';

export interface InventorySampler {
  /** The newest inventory, null before the first sample. */
  current(): UplinkInventory | null;
  /** Samples completed and failed so far. */
  stats(): { samples: number; failures: number };
  /** Sample again soon (debounced): a device came or went. */
  resample(): void;
  stop(): Promise<void>;
}

export interface InventorySamplerOptions {
  version: string;
  /** 0 = never sample (the sampler stays empty). */
  intervalMs: number;
  /** Delay of the first sample: start-up (≤ 2 s to ready) has the CPU first. */
  firstDelayMs?: number;
  debounceMs?: number;
  timeoutMs?: number;
  logger: Logger;
  onChange(inventory: UplinkInventory): void;
}

type SamplerAnswer = { ok: true; inventory: CollectedInventory } | { ok: false; error: string };

// Sources run through tsx (its loader given to the child); the compiled build has a .js beside this.
const SOURCE = import.meta.url.endsWith('.ts');
const CHILD = fileURLToPath(
  new URL(SOURCE ? './inventory-worker.ts' : './inventory-worker.js', import.meta.url),
);

function spawnSampler(): ChildProcess {
  const execArgv = [
    // A small heap is all a sample needs (the gateway's own young generation flag, and a cap).
    '--max-semi-space-size=1',
    '--max-old-space-size=48',
    ...(SOURCE ? ['--import', import.meta.resolve('tsx')] : []),
  ];
  // systeminformation's own output must not mix into the gateway's JSON log lines.
  return fork(CHILD, [], { execArgv, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
}

export function startInventorySampler(opts: InventorySamplerOptions): InventorySampler {
  const log = opts.logger;
  let current: UplinkInventory | null = null;
  let lastKey = '';
  let running: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let again = false;
  let stopped = false;
  const stats = { samples: 0, failures: 0 };

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void sample(), ms);
    timer.unref();
  };

  const sample = async () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    try {
      const collected = await runSampler();
      stats.samples++;
      const key = JSON.stringify(collected);
      if (key !== lastKey) {
        lastKey = key;
        current = { ts: new Date().toISOString(), version: opts.version, ...collected };
        opts.onChange(current);
      }
    } catch (err) {
      stats.failures++;
      if (!stopped) log.warn('inventory sample failed', { error: err });
    }
    if (again) {
      again = false;
      schedule(0);
    } else schedule(opts.intervalMs);
  };

  const runSampler = () =>
    new Promise<CollectedInventory>((resolve, reject) => {
      const child = spawnSampler();
      running = child;
      // Like a timer that is unref'd: a sample never holds the gateway's exit open.
      child.unref();
      child.channel?.unref();
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (running === child) running = undefined;
        fn();
      };
      const deadline = setTimeout(() => {
        settle(() => reject(new Error('inventory sample timed out')));
        child.kill('SIGKILL');
      }, opts.timeoutMs ?? 60_000);
      child.once('message', (answer: SamplerAnswer) => {
        settle(() => (answer.ok ? resolve(answer.inventory) : reject(new Error(answer.error))));
        child.disconnect();
      });
      child.once('error', (err) => settle(() => reject(err)));
      child.once('exit', (code, signal) =>
        settle(() => reject(new Error(`inventory sampler exited ${signal ?? code}`))),
      );
    });

  if (opts.intervalMs > 0) schedule(opts.firstDelayMs ?? 5000);
  else stopped = true;
  return {
    current: () => current,
    stats: () => ({ ...stats }),
    resample() {
      // Before the first sample there is nothing to refresh; the first one is still coming.
      if (current === null || stopped) return;
      schedule(opts.debounceMs ?? 5000);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const child = running;
      running = undefined;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
