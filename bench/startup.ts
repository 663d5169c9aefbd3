// Start-up footprint (DESIGN §10: start to ready ≤ 2 s, RSS ≤ 80 MB steady): spawns the real
// command in demo mode, times spawn → "ready" line, samples RSS after start and after 3 s idle.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/edge-gateway.js', import.meta.url));

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function once(): Promise<{ readyMs: number; rssAtReadyMb: number; rssIdleMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-'));
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: {
      ...process.env,
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
  const rssAtReadyMb = rssMb(child.pid!);
  await new Promise((r) => setTimeout(r, 3000));
  const rssIdleMb = rssMb(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { readyMs, rssAtReadyMb, rssIdleMb };
}

export async function benchStartup(runs = 3): Promise<Record<string, unknown>> {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  const ready = results.map((r) => r.readyMs).sort((a, b) => a - b);
  const out = {
    start_to_ready_ms_median: round(ready[Math.floor(ready.length / 2)]!),
    start_to_ready_ms_max: round(ready[ready.length - 1]!),
    rss_at_ready_mb: round(Math.max(...results.map((r) => r.rssAtReadyMb))),
    rss_idle_3s_mb: round(Math.max(...results.map((r) => r.rssIdleMb))),
    bar: 'start→ready ≤ 2000 ms; RSS ≤ 80 MB',
  };
  console.log(JSON.stringify({ bench: 'startup', runs, ...out }));
  return out;
}

const round = (n: number) => Math.round(n * 10) / 10;

if (import.meta.url === `file://${process.argv[1]}`) await benchStartup();
