// Samples the box inventory (DESIGN §8 `.../inventory`) in a worker thread, so systeminformation's
// blocking calls (57 ms and more on a Pi, docs/stack-notes.md) can never delay a scan: once soon
// after start, then every interval, and again after a device change. A worker lives only for one
// sample: between samples (an hour by default) it costs no memory. Reported only when it changed.
import { Worker, type WorkerOptions } from 'node:worker_threads';
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

type WorkerAnswer = { ok: true; inventory: CollectedInventory } | { ok: false; error: string };

// Sources run through tsx; the compiled build has a .js worker beside this file. A worker thread
// does not inherit tsx's loader (neither from --import on Node 20 nor from the CLI's register()),
// so from sources the worker registers it first and then loads the TypeScript module.
const SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(SOURCE ? './inventory-worker.ts' : './inventory-worker.js', import.meta.url);

function newWorker(options: WorkerOptions): Worker {
  if (!SOURCE) return new Worker(WORKER_URL, options);
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const code = `import(${api}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}

export function startInventorySampler(opts: InventorySamplerOptions): InventorySampler {
  const log = opts.logger;
  let current: UplinkInventory | null = null;
  let lastKey = '';
  let running: Worker | undefined;
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
      const collected = await runWorker();
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

  const runWorker = () =>
    new Promise<CollectedInventory>((resolve, reject) => {
      const w = newWorker({
        resourceLimits: { maxOldGenerationSizeMb: 48 },
        stdout: true,
        stderr: true,
      });
      running = w;
      w.unref();
      // systeminformation's own output must not mix into the gateway's JSON log lines.
      w.stdout.resume();
      w.stderr.resume();
      const deadline = setTimeout(() => {
        reject(new Error('inventory sample timed out'));
        void w.terminate();
      }, opts.timeoutMs ?? 60_000);
      const done = () => {
        clearTimeout(deadline);
        if (running === w) running = undefined;
      };
      w.once('message', (answer: WorkerAnswer) => {
        done();
        void w.terminate();
        if (answer.ok) resolve(answer.inventory);
        else reject(new Error(answer.error));
      });
      w.once('error', (err) => {
        done();
        reject(err);
      });
      w.once('exit', (code) => {
        done();
        reject(new Error(`inventory worker exited ${code}`));
      });
      w.postMessage('sample');
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
      const w = running;
      running = undefined;
      if (w) await w.terminate();
    },
  };
}
