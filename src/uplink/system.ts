// System health for gateway/health and ops (DESIGN §3, §8): CPU temperature, load, memory, disk of
// the data directory. Sampled on a slow timer and cached, never on the scan path. Not through
// systeminformation: its cpuTemperature() runs execSync and blocked the event loop for up to
// ~80 ms in the scan-latency benchmark (docs/stack-notes.md warns of the same); the kernel's
// thermal zones, os and fs.statfs give the same figures without blocking.
import { readdir, readFile, statfs } from 'node:fs/promises';
import { freemem, loadavg, totalmem, uptime } from 'node:os';
import type { Logger } from '../log.ts';

export interface SystemHealth {
  cpu_temp_c: number | null;
  load_1m: number;
  load_5m: number;
  mem_used_pct: number;
  process_rss_mb: number;
  disk_free_mb: number | null;
  disk_used_pct: number | null;
  uptime_s: number;
  sampled_at: string;
}

export interface SystemSampler {
  current(): SystemHealth;
  stop(): void;
}

export function startSystemSampler(opts: {
  dataDir: string;
  intervalMs: number;
  logger: Logger;
}): SystemSampler {
  let temp: number | null = null;
  let disk: { free: number; usedPct: number } | null = null;

  const sample = async () => {
    try {
      const s = await statfs(opts.dataDir);
      const total = s.blocks * s.bsize;
      const free = s.bavail * s.bsize;
      disk = { free: free / 2 ** 20, usedPct: total ? ((total - free) / total) * 100 : 0 };
    } catch (err) {
      opts.logger.debug('disk sample failed', { error: err });
    }
    temp = await cpuTemperature();
  };
  // The first sample waits a moment so it never competes with start-up (start → ready ≤ 2 s).
  const first = setTimeout(() => void sample(), 3000);
  first.unref();
  const timer = setInterval(() => void sample(), opts.intervalMs);
  timer.unref();

  const r1 = (n: number) => Math.round(n * 10) / 10;
  return {
    current() {
      const [l1, l5] = loadavg();
      return {
        cpu_temp_c: temp,
        load_1m: r1(l1 ?? 0),
        load_5m: r1(l5 ?? 0),
        mem_used_pct: r1(((totalmem() - freemem()) / totalmem()) * 100),
        process_rss_mb: r1(process.memoryUsage.rss() / 2 ** 20),
        disk_free_mb: disk ? Math.round(disk.free) : null,
        disk_used_pct: disk ? r1(disk.usedPct) : null,
        uptime_s: Math.round(uptime()),
        sampled_at: new Date().toISOString(),
      };
    },
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}

const THERMAL = '/sys/class/thermal';

/** °C of the CPU thermal zone (Raspberry Pi: `cpu-thermal`), else the first zone; null without one. */
export async function cpuTemperature(): Promise<number | null> {
  try {
    const zones = (await readdir(THERMAL)).filter((z) => z.startsWith('thermal_zone')).sort();
    let chosen: string | undefined;
    for (const z of zones) {
      const type = (await readFile(`${THERMAL}/${z}/type`, 'utf8').catch(() => '')).trim();
      if (/cpu|soc|x86_pkg/i.test(type)) {
        chosen = z;
        break;
      }
      chosen ??= z;
    }
    if (!chosen) return null;
    const milli = Number((await readFile(`${THERMAL}/${chosen}/temp`, 'utf8')).trim());
    return Number.isFinite(milli) && milli > 0 ? Math.round(milli / 100) / 10 : null;
  } catch {
    return null;
  }
}
