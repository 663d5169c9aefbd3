// The inventory worker thread: systeminformation's blocking calls run here, never on the event loop
// that serves scans. One message in ("sample"), one out (the inventory, or the error's message).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { collectInventory } from './inventory-collect.ts';

// On a 2-core Pi the sampler must not take the CPU from the scan path either: on Linux a thread
// has its own nice value (setpriority(2) on its thread id), and the commands systeminformation
// starts from this thread inherit it.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
} catch {
  // Not Linux, or /proc not mounted: the sampler still runs, at normal priority.
}

parentPort?.on('message', (msg: unknown) => {
  if (msg !== 'sample') return;
  collectInventory().then(
    (inventory) => parentPort?.postMessage({ ok: true, inventory }),
    (err: unknown) => parentPort?.postMessage({ ok: false, error: (err as Error)?.message ?? String(err) }),
  );
});
