// `npm run bench`: every benchmark in one run, printing percentiles and ratios (DESIGN §10).
// Benchmarks print figures; they do not fail a build (shared, noisy machines).
import { benchDrain } from './drain.ts';
import { benchInventory } from './inventory.ts';
import { benchKeyboard } from './keyboard.ts';
import { benchOutbox } from './outbox.ts';
import { benchPage } from './page.ts';
import { benchQueued } from './queued.ts';
import { benchScanLatency } from './scan-latency.ts';
import { benchStartup } from './startup.ts';

const only = process.argv[2];
const benches: Record<string, () => Promise<unknown>> = {
  startup: () => benchStartup(),
  scan_latency: () => benchScanLatency(),
  status_page: () => benchPage(),
  keyboard: () => benchKeyboard(),
  outbox: () => benchOutbox(),
  queued: () => benchQueued(),
  drain: () => benchDrain(),
  inventory: () => benchInventory(),
};
for (const [name, run] of Object.entries(benches)) {
  if (only && only !== name) continue;
  await run();
}
