// Same-run A/B of main-thread CPU per scan: the gateway of this tree against another build
// (BENCH_BEFORE_BIN), both running at once, scanned in alternating ABBA blocks, the CPU of each
// block taken from /proc/<pid>/schedstat (ns). CPU time drifts with the machine much less than
// wall-clock percentiles (bench/scan-cost.ts), and the rotation spreads what drift there is over
// both builds alike. Prints both sides' µs per scan and their ratio, per quarter too.
//   BENCH_BEFORE_BIN=<other build>/bin/edge-gateway.js node --import=tsx bench/scan-cost-ab.ts
import { removeTempDir, tempDir } from '../test/helpers/cleanup.ts';
import { unitNodeFlags } from '../test/helpers/unit-flags.ts';
import { mainThreadCpuMs } from './proc.ts';
import { scanOnce, startGateway, stopTarget, type Target } from './scan-latency.ts';

const SCANS = Number(process.env.BENCH_SCANS ?? 4000);
const BLOCK = 50;
const WARMUP = 300;
const beforeBin = process.env.BENCH_BEFORE_BIN;
if (!beforeBin) throw new Error('BENCH_BEFORE_BIN: the other build’s bin/edge-gateway.js');

// Removed at exit and on Ctrl-C too (test/helpers/cleanup.ts), not only by the finally below.
const dir = tempDir('bench-scancost-ab-');
const targets: Target[] = [];
try {
  const flags = unitNodeFlags();
  const sides: Record<string, Target> = {
    gateway: await startGateway(dir, flags),
    before: await startGateway(dir, flags, {}, 'before', beforeBin),
  };
  targets.push(...Object.values(sides));
  await new Promise((r) => setTimeout(r, 1500));
  let n = 0;
  const code = () => `SCAN-${String(++n).padStart(7, '0')}`;
  const names = Object.keys(sides);
  for (const k of names) for (let i = 0; i < WARMUP; i++) await scanOnce(sides[k]!, code());
  const cpu: Record<string, number[]> = { gateway: [], before: [] };
  const rounds = Math.ceil(SCANS / BLOCK);
  for (let b = 0; b < rounds; b++) {
    const order = b % 4 === 0 || b % 4 === 3 ? names : [...names].reverse();
    for (const k of order) {
      const pid = sides[k]!.child.pid!;
      const c0 = mainThreadCpuMs(pid);
      for (let i = 0; i < BLOCK; i++) await scanOnce(sides[k]!, code());
      cpu[k]!.push(mainThreadCpuMs(pid) - c0);
    }
  }
  const perScan = (k: string, from = 0, to = rounds) =>
    Math.round((cpu[k]!.slice(from, to).reduce((a, v) => a + v, 0) * 1e3 * 10) / ((to - from) * BLOCK)) / 10;
  const q = Math.floor(rounds / 4);
  const quarters = [0, 1, 2, 3].map(
    (i) =>
      Math.round((perScan('gateway', i * q, (i + 1) * q) / perScan('before', i * q, (i + 1) * q)) * 100) /
      100,
  );
  console.log(
    JSON.stringify({
      bench: 'scan_cost_ab_cpu_us_per_scan',
      gateway: perScan('gateway'),
      before: perScan('before'),
      ratio: Math.round((perScan('gateway') / perScan('before')) * 100) / 100,
      quarters,
    }),
  );
} finally {
  for (const t of targets) await stopTarget(t);
  removeTempDir(dir);
}
