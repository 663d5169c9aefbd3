// Inventory sampler vs the scan path (DESIGN §8 "sampled off the hot path"; issue: scan latency p99
// with the sampler running ≤ 1.1 × without). Two gateways as the box runs them, one with the
// systeminformation sampler off and one with it sampling every second in its child process; the
// same serial-to-MQTT scans go to both in blocks in ABBA order, so drift of the shared machine
// hits both alike. 6,000 scans a side: with 2,000 the p99 ratio of one gateway build moved
// 0.78-1.26 between three runs in one hour; the 90 % interval over resampled ABBA quads
// (bench/page-stats.ts) says how far one run's figure can be trusted.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDir, tempDir } from '../test/helpers/cleanup.ts';
import { type Quad, quadBootstrap } from './page-stats.ts';
import { scanOnce, startGateway, type Target } from './scan-latency.ts';
import { percentiles } from './stats.ts';

const BLOCK = 50;
const WARMUP = 200;

export async function benchInventory(scans = 6000): Promise<Record<string, unknown>> {
  // Removed at exit and on Ctrl-C too (test/helpers/cleanup.ts), not only by the finally below.
  const dir = tempDir('edge-bench-inv-');
  const flags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean);
  const config = (name: string, interval: number) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({ devices: { hid: false }, uplink: { inventory_interval_s: interval } }),
    );
    return { EDGE_CONFIG: path };
  };
  const targets: Target[] = [];
  try {
    const off = await startGateway(dir, flags, config('off', 0), 'off');
    targets.push(off);
    const on = await startGateway(dir, flags, config('on', 1), 'on');
    targets.push(on);
    // Past the sampler's first delay (5 s): it is sampling while the scans are measured.
    await new Promise((r) => setTimeout(r, 6000));
    let n = 0;
    const run = async (target: Target, count: number, into?: number[]) => {
      for (let i = 0; i < count; i++) {
        const ms = await scanOnce(target, `INV-${String(++n).padStart(7, '0')}`);
        into?.push(ms);
      }
    };
    await run(off, WARMUP);
    await run(on, WARMUP);
    // Whole quads (off, on, on, off), each a unit of the interval's resampling; in the page bench's
    // terms the sampler off is "closed", on is "open".
    const quads: Quad[] = [];
    for (let q = 0; q < Math.ceil(scans / (2 * BLOCK)); q++) {
      const quad: Quad = { closed: [], open: [] };
      await run(off, BLOCK, quad.closed);
      await run(on, BLOCK, quad.open);
      await run(on, BLOCK, quad.open);
      await run(off, BLOCK, quad.closed);
      quads.push(quad);
    }
    const without = percentiles(quads.flatMap((q) => q.closed));
    const withSampler = percentiles(quads.flatMap((q) => q.open));
    const ratio = Math.round((withSampler.p99 / without.p99) * 100) / 100;
    const out = {
      without,
      with_sampler: withSampler,
      sampler_interval_s: 1,
      ratio_p99: ratio,
      ci90_p99: quadBootstrap(quads),
      bar: 'p99 with the sampler ≤ 1.1 × without',
      ok: ratio <= 1.1,
    };
    console.log(JSON.stringify({ bench: 'inventory_sampler_scan_latency_ms', ...out }));
    return out;
  } finally {
    for (const t of targets) {
      await t.client.endAsync().catch(() => {});
      const exited = new Promise((r) => t.child.once('exit', r));
      if (t.child.exitCode === null) t.child.kill('SIGTERM');
      await exited;
      await t.pty.stop();
    }
    removeTempDir(dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchInventory();
