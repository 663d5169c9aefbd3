// What one scan costs the gateway's event loop, deterministically (issue 7 item 6): main-thread CPU
// per scan of the gateway and of the floor forwarder (bench/scan-floor.ts), for sequential scans
// through a real pty to a default mqtt.js till, and the idle main-thread CPU per second of each
// (timers, polls, watches: what a scan may find the loop busy with). The scan's wall-clock ratio
// (bench/scan-latency.ts) drifts with the machine; these figures much less, so a change on the scan
// path can be judged by them. On a 2-core box the till often runs on the gateway's core after its
// socket write, so all of a scan's main-thread work counts, also what runs after the publish.
// Run alone: node --import=tsx bench/scan-cost.ts [--scans N] [--runs N]
// BENCH_EXTRA_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) is added to the gateway's flags.
import { parseArgs } from 'node:util';
import { removeTempDir, tempDir } from '../test/helpers/cleanup.ts';
import { unitNodeFlags } from '../test/helpers/unit-flags.ts';
import { mainThreadCpuMs } from './proc.ts';
import { scanOnce, startFloor, startGateway, stopTarget, type Target } from './scan-latency.ts';

const WARMUP = 300;
const IDLE_MS = 3000;

export async function benchScanCost(opts: { scans?: number; runs?: number } = {}) {
  const scans = opts.scans ?? 1000;
  const runs = opts.runs ?? 3;
  const rows: Record<string, number>[] = [];
  let n = 0;
  const code = () => `SCAN-${String(++n).padStart(7, '0')}`;
  for (let r = 0; r < runs; r++) {
    // Removed at exit and on Ctrl-C too (test/helpers/cleanup.ts), not only by the finally below.
    const dir = tempDir('bench-scancost-');
    const targets: Target[] = [];
    try {
      const flags = unitNodeFlags();
      const extra = (process.env.BENCH_EXTRA_FLAGS ?? '').split(' ').filter(Boolean);
      const gateway = await startGateway(dir, [...flags, ...extra]);
      targets.push(gateway);
      const floor = await startFloor(dir, flags);
      targets.push(floor);
      await new Promise((res) => setTimeout(res, 1500));
      const cost = async (t: Target) => {
        for (let i = 0; i < WARMUP; i++) await scanOnce(t, code());
        const pid = t.child.pid!;
        const idle0 = mainThreadCpuMs(pid);
        await new Promise((res) => setTimeout(res, IDLE_MS));
        const idle = mainThreadCpuMs(pid) - idle0;
        const cpu0 = mainThreadCpuMs(pid);
        for (let i = 0; i < scans; i++) await scanOnce(t, code());
        return {
          perScanUs: ((mainThreadCpuMs(pid) - cpu0) * 1e3) / scans,
          idleUsPerS: (idle * 1e6) / IDLE_MS,
        };
      };
      const g = await cost(gateway);
      const f = await cost(floor);
      rows.push({
        gateway_cpu_us_per_scan: round(g.perScanUs),
        floor_cpu_us_per_scan: round(f.perScanUs),
        gateway_idle_cpu_us_per_s: round(g.idleUsPerS),
        floor_idle_cpu_us_per_s: round(f.idleUsPerS),
      });
    } finally {
      for (const t of targets) await stopTarget(t);
      removeTempDir(dir);
    }
  }
  console.log(JSON.stringify({ bench: 'scan_cost', scans, runs: rows }));
  return rows;
}

const round = (x: number) => Math.round(x * 10) / 10;

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { scans: { type: 'string' }, runs: { type: 'string' } } });
  await benchScanCost({
    scans: values.scans ? Number(values.scans) : undefined,
    runs: values.runs ? Number(values.runs) : undefined,
  });
}
