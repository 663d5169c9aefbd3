// The inventory sampler process (src/uplink/inventory.ts): systeminformation's blocking calls run
// here, never on the event loop that serves scans. It samples once, sends the inventory (or the
// error's message) to the gateway over IPC and exits.
import { setPriority } from 'node:os';
import { collectInventory } from './inventory-collect.ts';

// On a 2-core Pi the sampler must not take the CPU from the scan path either: lowest priority,
// which the commands systeminformation starts inherit.
try {
  setPriority(19);
} catch {
  // Not permitted here: the sampler still runs, at normal priority.
}

const send = (answer: unknown) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(answer, () => resolve());
  });

collectInventory()
  .then(
    (inventory) => send({ ok: true, inventory }),
    (err: unknown) => send({ ok: false, error: (err as Error)?.message ?? String(err) }),
  )
  .finally(() => process.exit(0));
