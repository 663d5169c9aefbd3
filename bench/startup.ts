// Start-up footprint (DESIGN §10: start → ready ≤ 2 s, RSS ≤ 80 MB steady, idle CPU ≤ 1 % of a
// core): spawns the command as the systemd unit runs it (compiled dist/, NODE_ENV=production,
// the unit's node flags) in demo mode, times spawn → "ready", then samples RSS and CPU over an
// idle period. The development start (tsx) is measured too, for reference.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unitNodeFlags } from './unit-flags.ts';

const BIN = fileURLToPath(new URL('../bin/edge-gateway.js', import.meta.url));
const TICKS_PER_S = 100; // USER_HZ on Linux

function proc(pid: number): { rssMb: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return {
    rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
    cpuTicks: Number(stat[11]) + Number(stat[12]), // utime + stime
  };
}

async function once(mode: 'production' | 'development', idleS: number) {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-'));
  const t0 = process.hrtime.bigint();
  const args = mode === 'production' ? [...unitNodeFlags(), BIN, 'start'] : [BIN, 'start'];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      NODE_ENV: mode,
      EDGE_DATA_DIR: dir,
      EDGE_MQTT_PORT: '0',
      EDGE_HTTP_PORT: '0',
      EDGE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const readyMs = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('"msg":"ready"')) resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
    child.once('exit', (c) => reject(new Error(`exited ${c}`)));
  });
  await new Promise((r) => setTimeout(r, 4000)); // let start-up work and the first samples settle
  const a = proc(child.pid!);
  await new Promise((r) => setTimeout(r, idleS * 1000));
  const b = proc(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { readyMs, rssMb: b.rssMb, idleCpuPct: ((b.cpuTicks - a.cpuTicks) / TICKS_PER_S / idleS) * 100 };
}

export async function benchStartup(runs = 3, idleS = 20): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const mode of ['production', 'development'] as const) {
    const results = [];
    for (let i = 0; i < (mode === 'production' ? runs : 1); i++) results.push(await once(mode, idleS));
    const ready = results.map((r) => r.readyMs).sort((x, y) => x - y);
    out[mode] = {
      start_to_ready_ms_median: round(ready[Math.floor(ready.length / 2)]!),
      start_to_ready_ms_max: round(ready[ready.length - 1]!),
      rss_steady_mb_max: round(Math.max(...results.map((r) => r.rssMb))),
      idle_cpu_pct_max: round(Math.max(...results.map((r) => r.idleCpuPct))),
    };
  }
  console.log(
    JSON.stringify({
      bench: 'startup',
      runs,
      ...out,
      bar: 'start→ready ≤ 2000 ms; RSS ≤ 80 MB; idle CPU ≤ 1 %',
    }),
  );
  return out;
}

const round = (n: number) => Math.round(n * 10) / 10;

if (import.meta.url === `file://${process.argv[1]}`) await benchStartup();
